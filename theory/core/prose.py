"""Numbers stated in prose, tied to the values that were checked.

A result quoted in a sentence ("the loss falls by 0.0289") is a display like a
chain's line: `Part.quote` prints it from the value and names the claim, chain
or answer that checked that value; the solution then proves the two are the
same number. A number a sentence gives as a setting of the method (a step size,
a tolerance) is printed by `Part.setting` and is not a result. Any other
decimal inside a sentence's mathematics is an *unchecked* display: a number
typed beside the value it reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from theory.core.verdict import Verdict

_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.S)
# a decimal (0.25, .5) or a mantissa times a power of ten, not part of a name or an index (w_{1.5}, x^{0.5})
_NUMBER = re.compile(r"(?<![\w^_{.\\])(\d*\.\d+(?:\s*\\times\s*10\^\{?-?\d+\}?)?|\d+\s*\\times\s*10\^\{?-?\d+\}?)")
RTOL = 1e-9  # a quoted float and the checked exact value agree to this (float rounding, not a tolerance)


@dataclass(frozen=True)
class Quote:
    """A number (or formula) printed into a sentence, and the id of what checked its value."""

    tex: str
    value: Any
    of: str
    part: str  # the label of the part whose sentence quotes it
    case: tuple[tuple[str, Any], ...] = ()  # the case keywords, when `of` is a chain with cases
    index: int | tuple[int, ...] | None = None  # one entry of a checked vector or matrix


def entry(value: Any, index: int | tuple[int, ...]) -> tuple[bool, Any]:
    """The entry `index` of a checked vector or matrix; (False, None) when it has none."""
    at = index if isinstance(index, tuple) else (index,)
    try:
        if isinstance(value, (sp.MatrixBase, np.ndarray)):
            return True, value[at if len(at) > 1 else at[0]]
        for i in at:
            value = value[i]
        return True, value
    except (IndexError, KeyError, TypeError):
        return False, None


def printed(value: Any, spec: str, notation: Any) -> str:
    """The quoted value in math mode: a float by `spec`, an exact SymPy value by the topic's printer."""
    from theory.core.render.latex import number

    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if _beyond_floats(value):
        return number(value, spec)  # its own digits, not 0 or inf
    if isinstance(value, (float, np.floating, sp.Float)):
        return number(float(value), spec)
    if isinstance(value, (sp.Basic, sp.MatrixBase)):
        return notation.printed(value)
    raise TypeError(f"cannot quote a {type(value).__name__}: give a number or a SymPy value")


def _beyond_floats(value: Any) -> bool:
    """A SymPy Float too small or too large for a float (1e-458): rounding it to one would give 0 or inf."""
    return isinstance(value, sp.Float) and value != 0 and not 0 < abs(float(value)) < np.inf


def same(quoted: Any, checked: Any, what: str) -> Verdict:
    """Whether a quoted value is the checked one: exactly, or to float rounding when either is a float."""
    from theory.core import prove

    if _beyond_floats(quoted) or _beyond_floats(checked):  # compared in SymPy: as floats both would be 0
        ok = all(isinstance(v, sp.Number) for v in (quoted, checked)) and abs(quoted - checked) <= RTOL * abs(checked)
        return Verdict("numeric", bool(ok), f"{what} quotes {sp.sstr(sp.N(quoted, 10))}, "
                       + ("the checked value" if ok else f"not the checked {sp.sstr(sp.N(checked, 10))}"))
    a, b = _numbers(quoted), _numbers(checked)
    if a is not None and b is not None:
        ok = a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=1e-300))
        return Verdict("numeric", ok, f"{what} quotes {_shown(a)}, " + (
            "the checked value" if ok else f"not the checked {_shown(b)}"))
    try:
        verdict = prove.equal(sp.sympify(quoted, strict=True), sp.sympify(checked, strict=True))
    except (sp.SympifyError, TypeError):
        return Verdict("symbolic", False, f"{what} quotes {quoted!r}, which is not comparable with {checked!r}")
    return Verdict(verdict.method, verdict.passed, f"{what}: {verdict.detail}", verdict.data)


def _numbers(value: Any) -> np.ndarray | None:
    """The value as an array of complex numbers, or None when it has free symbols."""
    if isinstance(value, sp.MatrixBase):
        value = value.tolist()
    try:
        return np.asarray(value if isinstance(value, np.ndarray) else _evaluated(value), dtype=complex)
    except (TypeError, ValueError):
        return None


def _shown(x: np.ndarray) -> str:
    """Numbers as a detail prints them: real ones without their zero imaginary parts."""
    if not np.any(x.imag):
        x = x.real
    return np.array2string(x, precision=8) if x.size > 1 else f"{x.ravel()[0]:.10g}"


def _evaluated(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_evaluated(v) for v in value]
    if isinstance(value, sp.Basic):
        return complex(sp.N(value, 30))
    return value


def stray_numbers(text: str, printed_here: Iterable[str], given: Iterable[float]) -> list[str]:
    """Decimals in `text`'s mathematics that no quote or setting printed and that are not parameter values.

    Each is a result typed beside its checked value: an unchecked display.
    """
    given = [abs(float(g)) for g in given]  # the minus of a negative parameter stands before the number
    found = []
    for m in _MATH.finditer(text or ""):
        math = m.group(1)
        for tex in sorted(set(printed_here), key=len, reverse=True):
            if tex:  # only where it stands whole: a quoted 1 does not hide the 1 of 0.0001
                math = re.sub(rf"(?<![\d.]){re.escape(tex)}(?!\.?\d)", " ", math)
        for n in _NUMBER.findall(math):
            if not any(_restates(n, g) for g in given):
                found.append(n)
    return found


def _restates(number: str, given: float) -> bool:
    """Whether `number` is the parameter value `given`, written to its own significant figures (0.123457 for
    0.123456789)."""
    value = _float(number)
    if np.isclose(value, given, rtol=1e-12, atol=0):
        return True
    digits = len(re.sub(r"^0*", "", re.sub(r"\D", "", number.partition(r"\times")[0])))
    # rounded as `:g` prints a long value (six figures); a short rounding could be any result's
    return digits >= 5 and np.isclose(value, float(f"{given:.{digits}g}"), rtol=1e-12, atol=0)


def _float(number: str) -> float:
    mantissa, _, power = number.partition(r"\times")
    exponent = re.sub(r"[^\d-]", "", power.split("^", 1)[1]) if power else "0"
    return float(mantissa) * 10.0 ** int(exponent)


def parameter_values(params: Any) -> list[float]:
    """The numbers of the parameters in force: a sentence may restate them without a quote."""
    import dataclasses

    values: list[float] = []
    if params is None or not dataclasses.is_dataclass(params):
        return values

    def add(v: Any) -> None:
        if isinstance(v, (list, tuple)):
            for x in v:
                add(x)
        elif isinstance(v, bool):
            return
        else:
            try:
                values.append(float(v))
            except (TypeError, ValueError):
                pass

    for f in dataclasses.fields(params):
        add(getattr(params, f.name))
    return values
