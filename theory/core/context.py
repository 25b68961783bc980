"""Run settings shared by every check of one solve: the seed and the MC sample size."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from checks.montecarlo import MAX_SAMPLES, PILOT, RESOLUTION, Z_ALARM, OverBudget, Sampler, mean_test
from theory.core.errors import BadInput
from theory.core.verdict import Verdict

_LIMITS = {
    "fixed": "the sample size was fixed",
    "grid": "its largest planned size was reached",
    "sample cap": f"the cap of {MAX_SAMPLES:,} samples was reached",
}


@dataclass(frozen=True)
class Context:
    """`seed=None` derives each claim's seed from the topic and claim names.

    `samples=None` lets each Monte-Carlo check size itself by calibration;
    `simulate=False` skips every Monte-Carlo check (a fast run of the other checks).
    """

    topic: str
    seed: int | None = None
    samples: int | None = None
    simulate: bool = True

    def rng(self, name: str) -> np.random.Generator:
        """An independent, reproducible generator for the check called `name`."""
        key = f"{self.topic}/{name}/{self.seed if self.seed is not None else ''}"
        digest = hashlib.sha256(key.encode()).digest()
        return np.random.default_rng(int.from_bytes(digest[:8], "little"))

    def monte_carlo(
        self, name: str, sampler: Sampler, claimed: float, *, scale: float | None = None,
        pilot: int = PILOT,
    ) -> Verdict:
        """Calibrated test that the mean of `sampler` equals the derived `claimed`.

        `pilot` is the size of the run that measures the spread; lower it for
        samplers whose single sample is expensive (a whole network).
        """
        if not self.simulate:
            return Verdict("monte-carlo", True, "skipped: simulations are off (--no-mc)", skipped=True)
        check = f"check {self.topic}/{name}"
        try:
            r = mean_test(sampler, float(claimed), self.rng(name), scale=scale, samples=self.samples,
                          pilot=pilot)
        except OverBudget as e:
            raise BadInput(e.message(check)) from None
        figures = (f"simulated mean {r.estimate:.6g} vs derived {r.claimed:.6g}: "
                   f"z = {r.z:+.2f} over n = {r.samples:,} samples")
        if r.status == "refuted":
            detail = f"refuted: {figures}, |z| > {Z_ALARM:.2f}"
        elif r.status == "under-powered":
            detail = (f"under-powered: {figures}, which resolve only {r.resolution:.2%} errors, "
                      f"not {RESOLUTION:.0%}; {_LIMITS[r.stop]} (a failure of the run, not a refutation)")
        else:
            detail = figures
        return Verdict("monte-carlo", r.passed, detail, r.as_dict())
