"""The outcome of checking one claim, with the strength of the check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Method = Literal["symbolic", "numeric", "monte-carlo"]
METHODS: tuple[Method, ...] = ("symbolic", "numeric", "monte-carlo")


@dataclass(frozen=True)
class Verdict:
    """How a claim was checked (`method`), whether it held, and what was done.

    `detail` is one human sentence ("SymPy simplify", "agreed at 200 random
    points"); `data` holds machine-readable figures (z-score, sample count...).
    A `skipped` check (simulations turned off for speed) counts as passed, so it
    never changes an exit status, and every view says it was skipped.
    """

    method: Method
    passed: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown check method {self.method!r}")

    def __and__(self, other: Verdict) -> Verdict:
        """Both checks must hold; the weaker method names the result (a detail both share is said once).

        If a part was skipped and every part that ran holds, the whole is skipped too: it was
        not fully checked (and a misconception it should reject is undecided, not accepted).
        """
        weaker = max(self.method, other.method, key=METHODS.index)
        passed = self.passed and other.passed
        return Verdict(
            weaker,
            passed,
            self.detail if other.detail in self.detail.split("; ") else f"{self.detail}; {other.detail}",
            {**self.data, **other.data},
            skipped=passed and (self.skipped or other.skipped),
        )
