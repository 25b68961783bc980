"""Step checks: prove two expressions equal, or say honestly how else they were checked.

A symbolic check has three outcomes (proved, refuted, inconclusive). An
inconclusive one falls back to evaluation at random points and is labelled
`numeric`, never `symbolic`.
"""

from __future__ import annotations

import functools
import math
import signal
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager

import numpy as np
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from theory.core.verdict import Verdict

SYMBOLIC_BUDGET_S = 5.0
RANDOM_POINTS = 200
RTOL = 1e-9


class _OutOfTime(Exception):
    pass


@contextmanager
def _time_budget(seconds: float):
    """Interrupt a slow SymPy call after `seconds` of this process's CPU time (main thread only).

    CPU time, not wall time: on a loaded machine a proof gets the same budget,
    so whether it is found does not depend on what else runs. The alarm repeats
    every 50 ms until the block ends: an exception raised where Python ignores
    it (a garbage-collector callback) is raised again.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum, frame):
        raise _OutOfTime

    old = signal.signal(signal.SIGPROF, _raise)
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def _symbolic_zero(diff: sp.Expr, budget: float) -> bool | None:
    """True if SymPy proves `diff == 0`, False if it refutes it, None if unsure.

    Cheap steps first: expansion and cancellation settle rational identities,
    and one exact point where the difference is clearly nonzero refutes a
    wrong identity before `simplify` spends its time on it.
    """
    try:
        with _time_budget(budget):
            if _far_from_zero(diff) and _nonzero_somewhere(diff):  # a wrong claim: expanding it can take seconds
                return False
            if sp.expand(diff) == 0 or sp.cancel(diff) == 0 or _zero_over_applications(diff):
                return True
            if _nonzero_somewhere(diff):
                return False
            if sp.simplify(diff) == 0:
                return True
            return diff.equals(0)
    except (_OutOfTime, TypeError, NotImplementedError, RecursionError):  # SymPy gave up: not a verdict
        return None


def _zero_over_applications(diff: sp.Expr) -> bool:
    """0 as a rational function of its function applications (exp(...), sigma(...)) as free variables.

    An identity in independent variables holds for any values of them, so in
    particular for the applications' actual values: a proof, and a fast one for
    the chain rule's products of sigmoids and exponentials.
    """
    calls = diff.atoms(sp.Function)
    return bool(calls) and sp.cancel(sp.together(diff.xreplace({f: sp.Dummy() for f in calls}))) == 0


def _far_from_zero(diff: sp.Expr) -> bool:
    """A quick look, to 15 digits, at the point `_nonzero_somewhere` uses: is the difference clearly not 0 there?

    Only a hint, never a verdict: the point is put in by plain replacement (no
    re-evaluation, which costs as much as the proof), and a yes is confirmed by
    `_nonzero_somewhere` before anything is refuted.
    """
    point = _point(diff)
    if point is None:
        return False
    value = diff.xreplace(point).evalf(15, maxn=30)
    return bool(value.is_number and value.is_finite and abs(value) > 1e-9)


def _point(diff: sp.Expr) -> dict[sp.Symbol, sp.Rational] | None:
    """A positive rational value for each symbol of `diff`, or None when one may not take it (an integer, a
    non-positive symbol): there a difference would not be a genuine counterexample."""
    names = sorted(diff.free_symbols, key=str)
    if any(s.is_integer or s.is_nonpositive for s in names):
        return None
    return {s: sp.Rational(17 + 6 * i, 10) for i, s in enumerate(names)}


def _nonzero_somewhere(diff: sp.Expr) -> bool:
    """The difference at one positive rational point (or, without symbols, itself), to 30 digits, is clearly not 0.

    Only for symbols that may take positive non-integer values, so the point
    respects their assumptions and is a genuine counterexample.
    """
    return _counterexample(diff) is not None


def _counterexample(diff: sp.Expr) -> str | None:
    """Where the two sides differ, as text: the point of `_nonzero_somewhere` and the difference there."""
    if not diff.free_symbols:  # a constant: 30 digits of it settle a clear difference (simplify takes seconds on logs)
        value = sp.N(diff, 30)
        if value.is_number and value.is_finite and abs(value) > 1e-12:
            return f"the two sides differ by {float(value):.6g}"
        return None
    point = _point(diff)
    if point is None:
        return None
    value = sp.N(diff.subs(point), 30)
    if not (value.is_number and value.is_finite and abs(value) > 1e-12):
        return None
    at = ", ".join(f"{sp.sstr(s)} = {sp.sstr(v)}" for s, v in point.items())
    return f"at {at} the sides differ by {float(value):.6g}"


def equal(
    a: sp.Expr | float,
    b: sp.Expr | float,
    *,
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    budget: float = SYMBOLIC_BUDGET_S,
    seed: int = 0,
) -> Verdict:
    """Check `a == b` symbolically, falling back to random points.

    `domain` bounds the random points per symbol (default (0.1, 3), which
    suits the positive parameters the sheets use). Matrices are compared
    entry by entry (explicit `sp.Matrix`) or as matrix expressions
    (`MatrixSymbol` algebra, possibly of symbolic size): see `_matrices_equal`.

    The verdict is a function of its arguments alone (SymPy objects compare by
    structure and assumptions, the budget is CPU time, the points are seeded),
    so it is remembered: solving a topic again in the same process, with one
    thing changed, proves only what changed.
    """
    a, b = _frozen(sp.sympify(a, strict=True)), _frozen(sp.sympify(b, strict=True))
    key = (a, b, tuple(sorted((domain or {}).items(), key=str)), budget, seed)
    try:
        hash(key)
    except TypeError:  # something unhashable inside: checked without the memory
        return _equal(a, b, domain, budget, seed)
    return _remembered(key)


def forget() -> None:
    """Drop the remembered verdicts (after changing how equality is checked)."""
    _remembered.cache_clear()


def _frozen(e: sp.Basic) -> sp.Basic:
    return sp.ImmutableMatrix(e) if isinstance(e, sp.MatrixBase) else e


@functools.lru_cache(maxsize=8192)
def _remembered(key: tuple) -> Verdict:
    a, b, domain, budget, seed = key
    return _equal(a, b, dict(domain), budget, seed)


def _equal(a: sp.Basic, b: sp.Basic, domain: Mapping[sp.Symbol, tuple[float, float]] | None, budget: float,
           seed: int) -> Verdict:
    if _is_matrix(a) or _is_matrix(b):
        return _matrices_equal(a, b, domain or {}, budget, seed)
    diff = a - b
    proved = _symbolic_zero(diff, budget)
    if proved is True:
        return Verdict("symbolic", True, "SymPy proves the two sides equal")
    if proved is False:
        witness = _counterexample(diff)
        return Verdict("symbolic", False, f"SymPy refutes it: the difference {_short(diff)} is not 0"
                       + (f"; counterexample: {witness}" if witness else ""))
    return _at_random_points(diff, domain or {}, seed, "symbolic check inconclusive; ")


def _is_matrix(e: sp.Basic) -> bool:
    return isinstance(e, (sp.MatrixBase, sp.MatrixExpr))


def _matrices_equal(
    a: sp.Basic, b: sp.Basic, domain: Mapping[sp.Symbol, tuple[float, float]], budget: float, seed: int
) -> Verdict:
    """`a == b` for matrices: the shapes must match, then the difference must vanish.

    Explicit matrices: every entry of a - b goes through the scalar checks
    (symbolic first; entries left undecided are evaluated at random points, and
    then the verdict says `numeric`). Matrix expressions: SymPy must reduce
    a - b to the zero matrix; if it does not and the size is concrete, the
    difference is written out entry by entry and checked as above; for a
    symbolic size the check fails as undecided (there is nothing to evaluate).
    """
    if not (_is_matrix(a) and _is_matrix(b)):
        return Verdict("symbolic", False, "a matrix cannot equal a scalar")
    if a.shape != b.shape:
        return Verdict("symbolic", False, f"the shapes differ: {a.shape} vs {b.shape}")
    prefix = ""
    if not (isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase)):
        try:
            with _time_budget(budget):
                reduced = sp.expand(a - b)
                if not _is_zero_matrix(reduced) and _words_cancel(reduced):
                    reduced = sp.ZeroMatrix(*a.shape)
                if not _is_zero_matrix(reduced):
                    reduced = sp.simplify(reduced)
        except _OutOfTime:
            reduced = None
        if _is_zero_matrix(reduced):
            return Verdict("symbolic", True, "SymPy reduces the difference to the zero matrix")
        prefix = "SymPy does not reduce the difference to the zero matrix" + (
            f" (it leaves {_short(reduced)})" if reduced is not None else " within its time budget")
        if not all(isinstance(n, (int, sp.Integer)) for n in a.shape):
            return Verdict("symbolic", False, f"undecided: {prefix}")
        prefix += "; written out entry by entry: "
    diff = _explicit_difference(a, b, budget)
    if diff is None:
        return Verdict("symbolic", False, f"undecided: {prefix}SymPy cannot write the difference out "
                       "in its entries' variables")
    return _entries_zero(diff, domain, budget, seed, prefix)


def _words_cancel(total: sp.Basic) -> bool:
    """An expanded sum of matrix products is 0 as a noncommutative polynomial: each word's coefficients cancel.

    A word is the product's matrix factors in order, powers written out ((X^T X)^2 is X^T X X^T X),
    which SymPy's matrix algebra does not do when it compares the two forms.
    """
    words: dict[tuple, sp.Expr] = {}
    for term in total.args if isinstance(total, sp.MatAdd) else (total,):
        coefficient, factors = sp.Integer(1), []
        for f in term.args if isinstance(term, sp.MatMul) else (term,):
            if not isinstance(f, sp.MatrixExpr):
                coefficient *= f
                continue
            todo = [f]
            while todo:
                g = todo.pop(0)
                if isinstance(g, sp.MatPow) and g.exp.is_Integer and g.exp > 0:
                    todo[:0] = [g.base] * int(g.exp)
                elif isinstance(g, sp.MatMul):
                    todo[:0] = list(g.args)
                elif isinstance(g, sp.MatrixExpr):
                    factors.append(g)
                else:
                    coefficient *= g
        words[tuple(factors)] = words.get(tuple(factors), 0) + coefficient
    return all(sp.simplify(c) == 0 for c in words.values())


def _is_zero_matrix(e: sp.Basic | None) -> bool:
    return e is not None and (e == 0 or bool(getattr(e, "is_ZeroMatrix", False)))


def _explicit_difference(a: sp.Basic, b: sp.Basic, budget: float) -> sp.Matrix | None:
    """a - b as an explicit matrix, the entries of matrix symbols replaced by scalar variables.

    The entries of a `MatrixSymbol` are independent variables, so an identity
    in them is one in scalars. None if SymPy cannot write the matrices out in
    time, or other matrix expressions (an inverse it leaves closed...) remain.
    """
    try:
        with _time_budget(budget):
            diff = sp.Matrix(a.as_explicit()) - sp.Matrix(b.as_explicit())
    except _OutOfTime:
        return None
    elements = {e for e in diff.atoms(MatrixElement) if isinstance(e.parent, sp.MatrixSymbol)}
    diff = diff.xreplace({e: sp.Dummy(sp.sstr(e)) for e in elements})
    if diff.atoms(MatrixElement) or any(isinstance(s, sp.MatrixExpr) for s in diff.free_symbols):
        return None
    return diff


def _entries_zero(
    diff: sp.Matrix, domain: Mapping[sp.Symbol, tuple[float, float]], budget: float, seed: int, prefix: str
) -> Verdict:
    """Every entry of an explicit matrix proved 0; entries SymPy cannot decide checked at random points."""
    count = f"{diff.rows * diff.cols} entr{'y' if diff.rows * diff.cols == 1 else 'ies'}"
    undecided = []
    for ij in np.ndindex(diff.shape):
        proved = _symbolic_zero(diff[ij], budget)
        if proved is False:
            return Verdict("symbolic", False, f"{prefix}SymPy refutes entry {ij}: the difference "
                           f"{_short(diff[ij])} is not 0")
        if proved is None:
            undecided.append(ij)
    if not undecided:
        return Verdict("symbolic", True, f"{prefix}SymPy proves the matrices equal entry by entry ({count})")
    checks = [(ij, _at_random_points(diff[ij], domain, seed, "")) for ij in undecided]
    failed = [ij for ij, v in checks if not v.passed]
    worst = max(v.data.get("max_abs_diff", math.inf) for _, v in checks)  # inf: an entry could not be evaluated
    detail = (f"{prefix}symbolic check inconclusive for {len(undecided)} of {count}; their differences "
              f"{'do not vanish' if failed else 'vanish'} at {RANDOM_POINTS} random points"
              f" (max |diff| = {gap(worst)})")
    if failed:
        detail += f"; entries {', '.join(map(str, failed))} differ"
    return Verdict("numeric", not failed, detail, {"points": RANDOM_POINTS, "max_abs_diff": worst})


def _short(e: sp.Expr, width: int = 80) -> str:
    text = sp.sstr(e)
    return text if len(text) <= width else text[: width - 3] + "..."


def _at_random_points(
    diff: sp.Expr, domain: Mapping[sp.Symbol, tuple[float, float]], seed: int, prefix: str
) -> Verdict:
    symbols = sorted(diff.free_symbols, key=str)
    rng = np.random.default_rng(seed)
    points = [draw(s, domain.get(s, (0.1, 3.0)), rng, RANDOM_POINTS) for s in symbols]
    try:
        f = sp.lambdify(symbols, diff, "numpy")
        with np.errstate(all="ignore"):  # an overflow is judged below, not printed
            values = np.broadcast_to(np.asarray(f(*points), dtype=complex), (RANDOM_POINTS,))
            scale = _scale(diff, symbols, points)
    except (TypeError, ValueError, NameError, ZeroDivisionError, OverflowError):  # e.g. a sum to a symbolic k
        return Verdict("numeric", False, f"{prefix}the difference {_short(diff)} cannot be evaluated at numeric "
                       "points, so nothing is proved")
    if not (np.all(np.isfinite(values)) and math.isfinite(scale)):  # inf - inf is no evidence of equality
        return Verdict("numeric", False, f"{prefix}the difference {_short(diff)} overflows the floats at some "
                       "random points, so nothing is proved")
    worst = float(np.max(np.abs(values)))
    ok = worst <= RTOL * max(1.0, scale)
    return Verdict(
        "numeric",
        ok,
        f"{prefix}difference {'vanishes' if ok else 'is nonzero'} at {RANDOM_POINTS} random points"
        f" (max |diff| = {gap(worst)})",
        {"points": RANDOM_POINTS, "max_abs_diff": worst},
    )


def draw(s: sp.Symbol, bounds: tuple[float, float], rng: np.random.Generator, size: int) -> np.ndarray:
    """`size` random values of `s` within `bounds`; whole numbers for an integer symbol, at least 12 of them
    (an identity true only for whole n, such as floor(n/2) + ceil(n/2) = n, is not refuted at n = 1.95)."""
    lo, hi = bounds
    if s.is_integer:
        first = math.ceil(lo)
        return rng.integers(first, max(math.floor(hi), first + 11) + 1, size=size).astype(float)
    return rng.uniform(lo, hi, size=size)


def _scale(diff: sp.Expr, symbols: list[sp.Symbol], points: list[np.ndarray]) -> float:
    """Typical magnitude of the terms of `diff`, so the tolerance is relative."""
    terms = sp.Add.make_args(sp.expand(diff))
    mags = []
    for t in terms:
        g = sp.lambdify(symbols, t, "numpy")
        mags.append(np.max(np.abs(np.broadcast_to(np.asarray(g(*points), dtype=complex), (RANDOM_POINTS,)))))
    return float(max(mags, default=1.0))


def attempt(compute: Callable[[], object], budget: float = SYMBOLIC_BUDGET_S) -> object | None:
    """`compute()` if SymPy finishes it within `budget` seconds, else None (e.g. a solve that may hang,
    or one SymPy has no algorithm for: it raises NotImplementedError and the like)."""
    try:
        with _time_budget(budget):
            return compute()
    except (_OutOfTime, NotImplementedError, ValueError, TypeError, ArithmeticError):
        return None


def holds(condition: sp.Basic, *, budget: float = SYMBOLIC_BUDGET_S) -> Verdict:
    """Check a SymPy relation or boolean (e.g. an inequality) symbolically."""
    try:
        with _time_budget(budget):
            result = sp.simplify(condition)
    except _OutOfTime:
        result = None
    if result is sp.true:
        return Verdict("symbolic", True, "SymPy proves the relation")
    if result is sp.false:
        return Verdict("symbolic", False, "SymPy refutes the relation")
    return Verdict("symbolic", False, f"SymPy could not decide {sp.sstr(condition)}")


def gap(x: float) -> str:
    """A difference for a detail: 3 figures with a power of ten, and an exact 0 as 0 (not 0.00e+00)."""
    return "0" if x == 0 else f"{x:.2e}"


def to_digits(a: sp.Expr, b: sp.Expr, digits: int = 50) -> Verdict:
    """Two exact numbers too large to prove equal in time (a network's gradient as sums of exponentials)
    compared to `digits` significant digits: agreeing to all but the last ten of them, the verdict numeric."""
    gap_ = sp.N(a - b, digits)
    ok = bool(gap_.is_number and gap_.is_finite and abs(gap_) <= 10.0 ** (10 - digits) * max(1, abs(sp.N(b, digits))))
    return Verdict("numeric", ok, f"large exact values compared to {digits} digits: difference "
                   f"{gap(float(abs(gap_)))}", {"digits": digits})


def tolerance(rtol: float, atol: float = 0.0) -> str:
    """A tolerance in words: relative, absolute, or both."""
    said = ([f"relative tolerance {rtol:g}"] if rtol else []) + ([f"absolute tolerance {atol:.2g}"] if atol else [])
    return " plus ".join(said) or "no tolerance"


def close(measured: float, predicted: float, *, rtol: float, what: str, atol: float = 0.0,
          source: str = "derived") -> Verdict:
    """A measured number against a derived (or, for grading, an offered) one, within a stated tolerance."""
    ok = math.isfinite(measured) and abs(measured - predicted) <= atol + rtol * abs(predicted)
    return Verdict(
        "numeric",
        ok,
        f"{what}: measured {measured:.6g}, {source} {predicted:.6g} ({tolerance(rtol, atol)})",
        {"measured": measured, "derived": predicted, "rtol": rtol},
    )


def close_all(measured, predicted, rtol: float, what: str, atol: float = 0.0, source: str = "derived") -> Verdict:
    """Arrays (a Jacobian, a table) entry by entry, within a stated tolerance; reports the worst entry."""
    m, p = np.asarray(measured, float), np.asarray(predicted, float)
    if m.shape != p.shape:
        return Verdict("numeric", False, f"{what}: shape {m.shape} against derived {p.shape}")
    excess = np.abs(m - p) - (atol + rtol * np.abs(p))
    worst = np.unravel_index(int(np.argmax(excess)), m.shape) if m.size else ()
    ok = bool(np.all(np.isfinite(m)) and np.all(excess <= 0))
    within = tolerance(rtol, float(np.max(atol)))
    outside = int(np.sum(~(excess <= 0)))  # a NaN entry is outside too
    detail = f"{what}: " + (f"{m.size} entries within {within}" if ok else
                            f"{outside} of {m.size} entries outside {within}")
    if m.size:
        detail += f"; max |diff| {gap(float(np.max(np.abs(m - p))))}"
        if not ok:
            detail += (f"; worst entry [{', '.join(str(int(i)) for i in worst)}]: measured {m[worst]:.6g}, "
                       f"{source} {p[worst]:.6g}")
    return Verdict("numeric", ok, detail, {"entries": int(m.size), "max_abs_diff": float(np.max(np.abs(m - p)))
                                           if m.size else 0.0})


def listed(names: list[str]) -> str:
    """Names in a detail: all of them, or the first three and the last of a long family, with its count;
    separated by semicolons when a name holds a comma."""
    sep = "; " if any("," in n for n in names) else ", "
    return sep.join(names) if len(names) <= 8 else f"{len(names)} cases: {sep.join(names[:3])}, ..., {names[-1]}"


def on_instances(results: Mapping[str, bool] | Iterable[tuple[str, bool]], what: str) -> Verdict:
    """A claim checked on named concrete instances (e.g. four symmetric densities)."""
    items = dict(results)
    failed = [name for name, ok in items.items() if not ok]
    detail = f"{what}, checked on: {listed(list(items))}"
    if failed:
        detail += f"; fails for {', '.join(failed)}"
    return Verdict("numeric", not failed and bool(items), detail, {"instances": list(items)})


def proved_for_each(cases: Mapping[str, Callable[[], Verdict]], what: str) -> Verdict:
    """A family of symbolic checks (e.g. for n = 1..8); symbolic only if every case is."""
    verdicts = {name: check() for name, check in cases.items()}
    method = "symbolic" if all(v.method == "symbolic" for v in verdicts.values()) else "numeric"
    failed = [name for name, v in verdicts.items() if not v.passed]
    detail = f"{what}, for {listed(list(verdicts))}"
    if failed:
        detail += "; fails for " + "; ".join(f"{name} ({verdicts[name].detail})" for name in failed)
    return Verdict(method, not failed, detail, {"cases": list(verdicts), "failed": failed})
