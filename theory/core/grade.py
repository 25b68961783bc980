"""Judging a value a student offers for an answer: equivalence, tolerance, shape, misconceptions.

Formulas are read by the safe reader with the answer's own symbols and are
correct when they equal the expected formula: SymPy decides where it can, and
a numeric fallback (agreement at random points) says so where it cannot. A
difference found at a random point is a counterexample, so a wrong formula is
refused fast. Numbers are compared with the answer's relative tolerance;
vectors and matrices entry by entry, row-major, and a transpose is recognised.
An incorrect value that matches a named misconception of the answer gets its
explanation.
"""

from __future__ import annotations

import keyword
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import sympy as sp

from theory.core import expr, prove
from theory.core import verdict as verdicts
from theory.core.errors import BadInput
from theory.core.params import exact_decimal
from theory.core.solution import Answer, Misconception, Solution, nested

Verdict = Literal["correct", "incorrect", "unreadable", "missing"]
Kind = Literal["number", "formula", "vector", "matrix"]
# What a student may write beyond the safe reader's own names: SymPy's spellings, as `show` prints them.
FUNCTIONS = {**expr.FUNCTIONS, "Abs": sp.Abs, "ceiling": sp.ceiling, "ceil": sp.ceiling, "floor": sp.floor,
             "Max": sp.Max, "Min": sp.Min}
CONSTANTS = {"E": sp.E, "oo": sp.oo}
PROBES = 24  # random points a formula is compared at before SymPy is asked
SMALL_PROBES = 4  # and, before them, these drawn below 1 in size, where a reported difference reads naturally
EQUIVALENCE_BUDGET_S = 2.0  # SymPy's time to prove two formulas equal before the numeric fallback


@dataclass
class Allowance:
    """CPU seconds SymPy may spend proving formulas equal over a whole run (a class's files); once they
    are spent, formulas that agree at every probe are judged by the probes alone, and say so. A batch
    of hostile files then takes bounded time."""

    seconds: float


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    how: str  # why, in one sentence: "algebraically equivalent", "transposed", the reader's refusal...
    expected: str
    given: str
    misconception: Misconception | None = None


def kind(value: Any) -> Kind | None:
    """What shape of value an answer is, or None when it is not gradeable (a sentence, a flag)."""
    if isinstance(value, sp.MatrixBase):
        return "vector" if 1 in value.shape else "matrix"
    if isinstance(value, (list, tuple)) and value:
        if all(isinstance(v, (list, tuple)) for v in value):
            square = len({len(r) for r in value}) == 1
            return "matrix" if square and all(kind(r) == "vector" for r in value) else None
        return "vector" if all(kind(v) in ("number", "formula") for v in value) else None
    if isinstance(value, bool) or isinstance(value, str):
        return None
    if isinstance(value, (int, float, np.number)):
        return "number"
    if isinstance(value, sp.Expr):
        return "formula" if value.free_symbols else "number"
    return None


def gradeable(sol: Solution) -> dict[str, Answer]:
    """The answers a student can give, by id; an answer that is a table of values gives one per key."""
    out: dict[str, Answer] = {}
    for a in sol.results.values():
        if kind(a.value):
            out[a.id] = a
        elif isinstance(a.value, (dict, list, tuple)):
            items = a.value.items() if isinstance(a.value, dict) else enumerate(a.value)
            out.update({f"{a.id}.{k}": Answer(f"{a.id}.{k}", v, rtol=a.rtol) for k, v in items if kind(v)})
    return out


def symbols(answer: Answer, misconceptions: list[Misconception] = ()) -> dict[str, sp.Symbol]:
    """The names a student may use in a formula for this answer: its own symbols and those of its
    misconceptions (Adam's step has no t, but its uncorrected variant has)."""
    values = [answer.value, *(m.value for m in misconceptions if m.answer == answer.id)]
    found = set().union(*(_free(v) for v in values))
    return {_name(s): s for s in sorted(found, key=str)}


def _free(value: Any) -> set[sp.Symbol]:
    if isinstance(value, sp.MatrixBase):
        return set(value.free_symbols)
    if isinstance(value, (list, tuple)):
        return set().union(*map(_free, value)) if value else set()
    return set(sp.sympify(value, strict=True).free_symbols) if kind(value) else set()


def _name(s: sp.Symbol) -> str:
    """How a student writes a symbol: its name, with `_` after a Python keyword (`lambda_`)."""
    return f"{s}_" if keyword.iskeyword(str(s)) else str(s)


def describe(answer: Answer) -> str:
    """What is asked, for a template: the shape of value and the symbols it may use."""
    k = kind(answer.value)
    names = ", ".join(symbols(answer))
    if k in ("vector", "matrix"):
        rows, entries = nested(answer.value), f"expressions in {names}" if names else "numbers"
        if k == "vector":
            return f"a list of {len(rows)} {entries}"
        return f"a {len(rows)}x{len(rows[0])} matrix of {entries}, as a list of rows"
    if k == "formula":
        return f"an expression in {names}"
    return f"a number (relative tolerance {answer.rtol:g}) or an exact expression"


def read(raw: Any, answer: Answer, constants: Mapping[str, sp.Expr] | None = None, level: int = 0,
         misconceptions: list[Misconception] = ()) -> Any:
    """A value from an answers file (text, number or nested list) read with the answer's symbols.

    `constants` are the topic's numeric parameters by name (a student may write `(1-rho)/rho`
    for a number at the rho in force); the answer's own symbols take precedence.
    """
    where = f"answer {answer.id}"
    if isinstance(raw, str):
        return expr.read(raw, symbols(answer, misconceptions), functions=FUNCTIONS, where=where,
                         constants={**CONSTANTS, **(constants or {})})
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return expr.number(raw, where)
    if isinstance(raw, list) and level < 2 and 0 < len(raw) <= 64:
        return [read(v, answer, constants, level + 1, misconceptions) for v in raw]
    raise BadInput(f"{where}: expected an expression, a number or a list of them (at most 64 per level, "
                   f"2 levels), got {type(raw).__name__}")


def judge(given: Any, expected: Any, rtol: float, allowance: Allowance | None = None) -> tuple[bool, str]:
    """Whether `given` is the `expected` value, and how that was decided."""
    k = kind(expected)
    if k in ("vector", "matrix"):
        return _arrays(given, expected, rtol)
    if isinstance(given, list):
        return False, "a list where a single value is expected"
    given, expected = sp.sympify(given, strict=True), sp.sympify(expected, strict=True)
    if k == "number":
        return _numbers(given, expected, rtol)
    return _formulas(given, expected, allowance)


def grade(answer: Answer, raw: Any, misconceptions: list[Misconception],
          constants: Mapping[str, sp.Expr] | None = None, allowance: Allowance | None = None) -> Judgement:
    """The judgement of one offered value, with the misconception it matches if it is wrong."""
    expected = expected_text(answer.value)
    if isinstance(raw, str) and not raw.strip():  # the template's empty value: not attempted, not nonsense
        return Judgement("missing", "left blank", expected, "")
    try:
        given = read(raw, answer, constants, misconceptions=misconceptions)
    except BadInput as e:
        return Judgement("unreadable", str(e), expected, _raw(raw))
    ok, how = judge(given, answer.value, answer.rtol, allowance)
    if ok:
        return Judgement("correct", how, expected, _raw(raw))
    verdict = _checked(answer, given)
    if verdict is not None and verdict.passed:
        return Judgement("correct", f"another right answer: the topic's check accepts it ({_brief(verdict.detail)})",
                         expected, _raw(raw))
    if verdict is not None:  # a design: many values are right, and the check, not the key's value, says why not
        how = f"the topic's check rejects it: {_brief(verdict.detail)}"
        expected = f"any value the check accepts, e.g. {expected}"
    for m in misconceptions:
        if m.answer == answer.id and judge(given, m.value, answer.rtol, allowance)[0]:
            return Judgement("incorrect", how, expected, _raw(raw), m)
    return Judgement("incorrect", how, expected, _raw(raw))


def _brief(detail: str, limit: int = 160) -> str:
    """A check's detail for a grade line: its first clauses, up to about `limit` characters."""
    if len(detail) <= limit:
        return detail
    cut = detail.rfind("; ", 0, limit)
    return (detail[:cut] if cut > 40 else detail[:limit].rsplit(" ", 1)[0]) + " ..."


def constants(sol: Solution) -> dict[str, sp.Expr]:
    """The topic's numeric parameters by name, as the exact numbers in force."""
    return {k: sp.Integer(v) if isinstance(v, int) else exact_decimal(v) for k, v in sol.params.as_dict().items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and k.isidentifier()}


def _checked(answer: Answer, given: Any) -> verdicts.Verdict | None:
    """For a design (any value its check accepts is right): the check's verdict on `given`; None for an answer
    with one right value, or when the check cannot judge it (a value of the wrong shape, simulations off)."""
    if not (answer.any_passing and answer.check):
        return None
    try:
        v = answer.check(given)
    except (TypeError, ValueError, IndexError, KeyError, ArithmeticError):  # a value of the wrong shape
        return None
    return None if v.skipped else v


def typed(value: Any) -> Any:
    """A value as a student types it: SymPy syntax, nested lists for vectors and matrices."""
    value = nested(value)
    return [typed(v) for v in value] if isinstance(value, (list, tuple)) else show(value)


def show(value: Any) -> str:
    """A value in SymPy syntax (nested lists for vectors and matrices, row-major)."""
    value = nested(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value)
    value = sp.sympify(value, strict=True)
    renamed = {s: sp.Symbol(_name(s)) for s in value.free_symbols if _name(s) != str(s)}
    return sp.sstr(value.subs(renamed) if renamed else value)


def expected_text(value: Any) -> str:
    """The expected value as a grade reports it: its exact form, or, for a number whose exact form is
    long (a page of exponentials), that number to six figures."""
    text = show(value)
    if len(text) <= 60 or kind(value) != "number":
        return text
    return f"{float(sp.N(sp.sympify(value, strict=True), 30)):.6g}"


def _raw(raw: Any) -> str:
    text = raw if isinstance(raw, str) and raw.isprintable() else repr(raw)  # a form feed shows as \x0c
    return text if len(text) <= 80 else text[:77] + "..."


def _numbers(given: sp.Expr, expected: sp.Expr, rtol: float) -> tuple[bool, str]:
    if given.free_symbols:
        return False, f"a formula in {', '.join(sorted(map(str, given.free_symbols)))} where a number is expected"
    if expected.is_infinite or given.is_infinite:
        return given == expected, "infinite values compared exactly"
    g, e = complex(sp.N(given, 30)), complex(sp.N(expected, 30))
    if abs(g - e) <= rtol * abs(e) + 1e-12:
        return True, "exactly equal" if g == e else f"within a relative tolerance of {rtol:g}"
    return False, f"differs by {abs(g - e) / abs(e):.3g} relative" if e else f"differs by {abs(g - e):.3g}"


def domain(s: sp.Symbol) -> tuple[float, float]:
    """Where a symbol is probed: (0.1, 3) for a positive one, (-3, 3) for any other, so that a
    formula right only for x > 0 (no absolute value, a dropped sign) is caught."""
    return (0.1, 3.0) if s.is_positive or s.is_nonnegative else (-3.0, 3.0)


def _formulas(given: sp.Expr, expected: sp.Expr, allowance: Allowance | None = None) -> tuple[bool, str]:
    names = sorted(given.free_symbols | expected.free_symbols, key=str)
    ranges = {s: domain(s) for s in names}
    rng = np.random.default_rng(0)
    # a few probes below 1 in size first: a difference is reported where a probability or a rate can be
    # (rho = 0.42, not rho = 1.95); the wider probes then catch what holds only for small values
    small = {s: (0.1, 0.95) if lo > 0 else (-0.95, 0.95) for s, (lo, _) in ranges.items()}
    points = np.vstack([np.column_stack([prove.draw(s, r[s], rng, n) for s in names])
                        for r, n in ((small, SMALL_PROBES), (ranges, PROBES))]) if names else []
    f = sp.lambdify(names, given - expected, "numpy")
    scale = sp.lambdify(names, expected, "numpy")
    with np.errstate(all="ignore"):
        for point in points:
            try:
                d, s = complex(f(*point)), complex(scale(*point))
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                continue
            if np.isfinite(d) and abs(d) > 1e-8 * max(1.0, abs(s)):
                at = ", ".join(f"{n} = {x:.3g}" for n, x in zip(names, point))
                return False, f"not equivalent: differs at {at}"
    if allowance is not None and allowance.seconds <= 0:
        return True, f"equal at {len(points)} random points (numeric only: the run's time for SymPy is spent)"
    start = time.process_time()
    v = prove.equal(given, expected, domain=ranges, budget=EQUIVALENCE_BUDGET_S)
    if allowance is not None:
        allowance.seconds -= time.process_time() - start
    if not v.passed:
        return False, "not equivalent: " + v.detail
    if v.method == "symbolic":
        return True, "algebraically equivalent (SymPy)"
    return True, f"equal at {v.data.get('points', 0)} random points (numeric fallback: SymPy could not decide)"


def _array(value: Any) -> np.ndarray:
    """A vector or matrix of numbers as floats (a column or row matrix as a flat vector)."""
    return np.array([[complex(sp.N(x)) for x in row] if isinstance(row, (list, tuple)) else complex(sp.N(row))
                     for row in nested(value)])


def _arrays(given: Any, expected: Any, rtol: float) -> tuple[bool, str]:
    if not isinstance(given, list):
        return False, "a single value where a list is expected"
    try:
        g, e = _array(given), _array(expected)
    except (TypeError, ValueError):
        return False, "entries that are not numbers where numbers are expected"

    def close(a: np.ndarray, b: np.ndarray) -> bool:
        return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rtol * np.abs(b) + 1e-12))

    if close(g, e):
        return True, f"every entry within a relative tolerance of {rtol:g}"
    if e.ndim == 2 and close(g, e.T):
        return False, "transposed: these are the entries of the expected matrix's transpose"
    if g.shape != e.shape:
        return False, f"shape {'x'.join(map(str, g.shape))} where {'x'.join(map(str, e.shape))} is expected"
    wrong = int(np.sum(np.abs(g - e) > rtol * np.abs(e) + 1e-12))
    return False, f"{wrong} of {e.size} entries differ"
