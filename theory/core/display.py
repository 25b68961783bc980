"""A formula the reader sees, tied to the value that was checked.

A display is *printed* from a SymPy object (then it cannot differ from it) or
*parsed*: hand-written LaTeX read back by `theory.core.latexread` and proved
equal to the value, at every case of a chain with cases (the sizes named in
the display, such as d_h, are set to the case's values). A display that can
be neither is *unchecked*, and says why.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import sympy as sp

from theory.core import prove
from theory.core.latexread import Notation, Reading, Unreadable, canonical, read
from theory.core.verdict import Verdict

Kind = Literal["printed", "parsed", "unchecked"]
KINDS: tuple[Kind, ...] = ("printed", "parsed", "unchecked")
Cases = Mapping[str, Mapping[str, Any]] | None


@dataclass
class Display:
    """The LaTeX shown, how it is tied to its value, and the proof (None when printed from the value itself)."""

    tex: str
    kind: Kind
    verdict: Verdict | None = None
    why: str = ""  # why an unchecked display could not be read
    recheck: Callable[[str], Verdict] | None = None  # the same check on other text: how tampering is caught


def show(source: str | sp.Basic | None, value: Any, notation: Notation, *, cases: Cases = None,
         sizes: Mapping[str, sp.Symbol] | None = None, context: Iterable[Any] = ()) -> Display:
    """The display of `value`: printed (`source` None, or a SymPy form) or parsed (`source` LaTeX text).

    With `cases`, `value` is a function of each case's keywords and `sizes` names the
    symbol standing for each keyword in the display (e.g. {"d": d_h}). `context` holds
    values whose symbols the display may also name (the lines above it in a chain).
    """
    sizes = sizes or {}
    if source is None:
        if cases is not None or not isinstance(value, (sp.Basic, sp.MatrixBase)):
            raise TypeError("only a SymPy value without cases can be printed as it is")
        return Display(notation.printed(value), "printed")
    if isinstance(source, (sp.Basic, sp.MatrixBase)):
        return Display(notation.printed(source), "printed",
                       _agree(lambda kw: Reading(source), value, cases, sizes, "the printed form"))
    tex = source

    def check(text: str) -> Verdict:
        names = _symbols([value, *context], cases, sizes)
        once: list[Reading] = []  # the reading in the topic's notation, made once for every case that uses it

        def reading(kw: Mapping[str, Any]) -> Reading:
            at = notation if cases is None else notation.at(kw)
            if at is not notation:  # names that follow the case: read in this case's notation
                return read(text, at, names)
            if not once:
                once.append(read(text, notation, names))
            return once[0]

        # text unreadable in any case raises out of the case-by-case check: the display is unchecked
        return _agree(reading, value, cases, sizes, "the display")

    if value is None:
        return Display(tex, "unchecked", why="no value to compare it with")
    try:
        verdict = check(tex)
    except Unreadable as e:
        return Display(tex, "unchecked", why=str(e))
    return Display(tex, "parsed", verdict, recheck=check)


def _symbols(values: list[Any], cases: Cases, sizes: Mapping[str, sp.Symbol]) -> dict[str, sp.Basic]:
    """Every symbol the display may name: those of the values (at the first case) and the sizes."""
    found = set(sizes.values())
    for value in values:
        if cases is not None and callable(value):
            value = value(**next(iter(cases.values()))) if cases else None
        found |= set(getattr(value, "free_symbols", ()))
    return {canonical(sp.latex(s)): s for s in found}


def _agree(reading: Callable[[Mapping[str, Any]], Reading], value: Any, cases: Cases,
           sizes: Mapping[str, sp.Symbol], what: str) -> Verdict:
    """The reading (in each case's notation) against the value, once or case by case."""
    if cases is None:
        return _one(reading({}), value, what)
    checks = {name: (lambda kw=kw: _one(_at(reading(kw), kw, sizes), value(**kw), what))
              for name, kw in cases.items()}
    return prove.proved_for_each(checks, f"{what} equals the value case by case")


def _at(reading: Reading, kw: Mapping[str, Any], sizes: Mapping[str, sp.Symbol]) -> Reading:
    put = {sizes[k]: v for k, v in kw.items() if k in sizes}
    return dataclasses.replace(reading, value=reading.value.subs(put))


def _one(reading: Reading, value: Any, what: str) -> Verdict:
    """`reading` against one value: exactly, or to the figures it rounds to."""
    shown = reading.value
    exact = _as_sympy(value)
    if isinstance(exact, (sp.Rel, sp.And)):
        return _relation(shown, exact, what)
    if isinstance(shown, (sp.Rel, sp.And)):
        raise Unreadable("a relation is displayed where the value is an expression")
    shown = _finite_sums(shown)
    shown = shown.doit() if hasattr(shown, "doit") else shown
    if reading.inputs_rounded_to:
        verdict = _rounded(shown, exact, 10.0 ** (2 - reading.inputs_rounded_to), reading.largest,
                           f"{what} uses numbers rounded to {reading.inputs_rounded_to} figures")
    else:
        verdict = prove.equal(shown, exact)
        verdict = Verdict(verdict.method, verdict.passed, f"{what}: {verdict.detail}", verdict.data)
    if reading.rounded is not None:
        verdict = verdict & _rounds_to(exact, reading.rounded, reading.digits)
    return verdict


def _relation(shown: sp.Basic, value: sp.Basic, what: str) -> Verdict:
    """A displayed relation (or chain of them) against the checked one: same relations, sides proved equal."""
    a = shown.args if isinstance(shown, sp.And) else (shown,)
    b = value.args if isinstance(value, sp.And) else (value,)
    if len(a) != len(b) or any(type(x) is not type(y) or not isinstance(x, sp.Rel) for x, y in zip(a, b)):
        return Verdict("symbolic", False, f"{what} states {sp.sstr(shown)[:80]}, not {sp.sstr(value)[:80]}")
    verdict = functools.reduce(operator.and_, (prove.equal(getattr(x, side).doit(), getattr(y, side))
                                                for x, y in zip(a, b) for side in ("lhs", "rhs")))
    return Verdict(verdict.method, verdict.passed, f"{what} states the checked relation: "
                   f"{'each side proved equal' if verdict.passed else verdict.detail}", verdict.data)


def _finite_sums(e: Any) -> Any:
    """Sums and products over integer bounds written out term by term (much faster than SymPy's doit)."""
    if not isinstance(e, sp.Basic) or not e.has(sp.Sum, sp.Product):
        return e

    def written(big: sp.Basic) -> sp.Basic:
        """The outermost index (the last limit) written out, then the inner ones, in each term."""
        (i, lo, hi), inner = big.limits[-1], big.limits[:-1]
        if not (lo.is_Integer and hi.is_Integer) or hi - lo > 10_000:
            return big
        body = type(big)(big.function, *inner) if inner else big.function
        terms = [body.xreplace({i: sp.Integer(k)}) for k in range(int(lo), int(hi) + 1)]
        if inner:
            terms = [written(t) if isinstance(t, (sp.Sum, sp.Product)) else t for t in terms]
        return sp.Add(*terms) if isinstance(big, sp.Sum) else sp.Mul(*terms)

    return e.replace(lambda x: isinstance(x, (sp.Sum, sp.Product)), written)


def _as_sympy(value: Any) -> sp.Basic:
    if isinstance(value, np.ndarray):
        return sp.Matrix(value.tolist())
    if isinstance(value, (float, np.floating)):
        return sp.Float(float(value), 17)
    return sp.sympify(value, strict=True)


def _rounded(shown: sp.Basic, value: sp.Basic, rtol: float, scale: float, what: str) -> Verdict:
    """Numbers rounded to k figures agree to about 10^(2-k) of the value or of the largest number written."""
    try:
        a, b = complex(sp.N(shown)), complex(sp.N(value))
    except (TypeError, ValueError):
        return Verdict("numeric", False, f"{what}, but it is not a number")
    ok = abs(a - b) <= rtol * max(abs(b), scale, 1e-300)
    return Verdict("numeric", ok, f"{what}: {a.real:.6g} vs {b.real:.6g} ({prove.tolerance(rtol)})")


def _rounds_to(value: sp.Basic, decimal: sp.Expr, digits: int) -> Verdict:
    """The value rounds to the displayed decimal at the decimal's own significant figures."""
    try:
        v = float(sp.N(value, 30))
    except (TypeError, ValueError):
        return Verdict("numeric", False, f"the value is not a number, so it is not about {float(decimal):g}")
    d = float(decimal)
    last = 10.0 ** (int(np.floor(np.log10(abs(d)))) - digits + 1) if d else 10.0 ** (-digits)
    ok = abs(v - d) <= 0.5 * last * (1 + 1e-9)
    return Verdict("numeric", ok, f"the value {v:.10g} {'rounds' if ok else 'does not round'} to {d:.{digits}g}")
