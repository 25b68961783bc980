"""Checks as functions of a value: the witness of a claim, reusable on any candidate answer.

A claim compares a derived value with an independent witness (a simulation,
a NumPy computation, an exact enumeration). Kept as a function of the value,
the same comparison decides the answer itself and every named misconception
of it: a misconception is proved wrong by the very witness that proves the
answer right.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import reduce
from typing import Any

import numpy as np
import sympy as sp

from checks.montecarlo import Z_ALARM
from theory.core import prove
from theory.core.solution import Check
from theory.core.verdict import Verdict


def number(value: Any) -> float | None:
    """A candidate as a float, or None when it is not a real number (a formula, a vector)."""
    try:
        x = complex(sp.N(sp.sympify(value, strict=True)))
    except (TypeError, ValueError, sp.SympifyError):
        return None
    return x.real if x.imag == 0 and math.isfinite(x.real) else None


def _refused(what: str, value: Any) -> Verdict:
    return Verdict("numeric", False, f"{what}: {sp.sstr(value)[:60]} is not a number")


def monte_carlo(verdict: Verdict, what: str) -> Check:
    """The samples behind a Monte-Carlo `verdict`, judging another claimed mean at the same alarm level."""
    if verdict.skipped:
        return lambda value: verdict
    mean, se, n = verdict.data["estimate"], verdict.data["std_error"], verdict.data["samples"]

    def check(value: Any) -> Verdict:
        x = number(value)
        if x is None:
            return _refused(what, value)
        z = (mean - x) / se if se > 0 else (0.0 if mean == x else math.inf)
        ok = abs(z) <= Z_ALARM
        return Verdict("monte-carlo", ok, f"{what}: simulated mean {mean:.6g} against {x:.6g}: z = {z:+.2f} "
                       f"over n = {n:,} samples" + ("" if ok else f", |z| > {Z_ALARM:.2f}"),
                       {"z": z, "samples": n, "calibrated": verdict.data.get("calibrated", False)})

    return check


def close(measured: float, *, rtol: float, what: str, atol: float = 0.0) -> Check:
    """A number measured by NumPy, within a stated tolerance of the candidate."""

    def check(value: Any) -> Verdict:
        x = number(value)
        return _refused(what, value) if x is None else prove.close(measured, x, rtol=rtol, what=what, atol=atol,
                                                                   source="offered")

    return check


def close_all(measured: Any, *, rtol: float, what: str, atol: float = 0.0) -> Check:
    """An array measured by NumPy (row-major), entry by entry against the candidate."""

    def check(value: Any) -> Verdict:
        try:
            candidate = np.array(sp.Matrix(value).evalf().tolist() if isinstance(value, sp.MatrixBase)
                                 else value, dtype=float)
        except (TypeError, ValueError):
            return _refused(what, value)
        return prove.close_all(measured, candidate, rtol, what, atol, source="offered")

    return check


def equal(reference: Any, what: str, **options: Any) -> Check:
    """An independent exact derivation (e.g. an expectation over every outcome), compared with SymPy."""

    def check(value: Any) -> Verdict:
        v = prove.equal(value, reference, **options)
        return Verdict(v.method, v.passed, f"{what}: {v.detail}", v.data)

    return check


def at(values: Mapping[sp.Symbol, Any], inner: Check) -> Check:
    """A formula judged at concrete values of its symbols by a numeric witness there."""
    return lambda value: inner(sp.sympify(value, strict=True).subs(values))


def yes_no(truth: bool, seen: str) -> Check:
    """A yes/no candidate (True or False, nothing else) against what a simulation or enumeration saw: `truth`,
    and `seen` in words for the verdict."""

    def check(value: Any) -> Verdict:
        if not isinstance(value, (bool, np.bool_)):
            return Verdict("numeric", False, f"{str(value)[:60]} is not a yes/no answer")
        return Verdict("numeric", bool(value) == truth, seen)

    return check


def both(*checks: Check) -> Check:
    """Every witness must agree (the weaker method names the result)."""
    return lambda value: reduce(lambda a, b: a & b, (c(value) for c in checks))


def formula_on(symbols: tuple, values: tuple, measured: Any, *, rtol: float, what: str, atol: float = 0.0) -> Check:
    """A candidate formula in `symbols`, evaluated by NumPy at `values` (arrays broadcast), against `measured`."""
    agree = close_all(measured, rtol=rtol, atol=atol, what=what)

    def check(value: Any) -> Verdict:
        try:
            f = sp.sympify(value, strict=True)
        except (sp.SympifyError, TypeError):
            return Verdict("numeric", False, f"{what}: {value!r} is not a formula")
        if not isinstance(f, sp.Expr) or f.free_symbols - set(symbols):
            return Verdict("numeric", False, f"{what}: {sp.sstr(f)[:60]} is not a formula in "
                           f"{', '.join(map(str, symbols))}")
        with np.errstate(all="ignore"):
            out = np.asarray(sp.lambdify(symbols, f, "numpy")(*values), dtype=complex) * np.ones(np.shape(measured))
        if np.any(out.imag):
            return Verdict("numeric", False, f"{what}: {sp.sstr(f)[:60]} is not real there")
        return agree(out.real)

    return check


def rhs(inner: Check) -> Check:
    """A check of a formula that also judges the formula stated as an equation `lhs = formula` (its right-hand
    side): an answer in matrix symbols is stated so (``Eq(nabla L, X^T (X w - y)/N)``), a student may give either."""
    return lambda value: inner(value.rhs if isinstance(value, sp.Eq) else value)
