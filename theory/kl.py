"""ln x <= x - 1 and the non-negativity and asymmetry of the KL divergence (cs5388-a1 P2)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
import sympy as sp

from checks import kl as num
from theory.core import figures, logbase, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, param
from theory.core.solution import ANSWER_RTOL, Solution
from theory.core.verdict import Verdict

TOPIC = "kl"

x = sp.Symbol("x", positive=True)
t = sp.Symbol("t", positive=True)
i_, k_ = sp.symbols("i k", integer=True, positive=True)
SUM_TOL = 1e-9
SIZES = range(2, 6)  # k for the symbolic case-by-case chains
MAX_OUTCOMES = 16  # outcomes of the counterexample: its exact KL is factored into logs of primes
MAX_EXACT = 10**12  # numerator and denominator of an entry: SymPy factors them (and their rescaled forms) at once
MAX_ENTRIES = 2 * 10**7  # pairs x max_k (max_k + 1) / 2 numbers drawn: about a minute and below 2 GiB


def _entries(value) -> list[Fraction] | str:
    """Exact entries of a distribution parameter, or what is wrong with it.

    A float is the decimal it was written as, or if that is long the simple fraction it rounds from (1/3);
    numerators and denominators are bounded because the exact forms are factored into primes.
    """
    if not isinstance(value, tuple) or not value:
        return "expected a non-empty list of probabilities, e.g. (0.5, 0.5) or ('1/3', '2/3')"
    if len(value) > MAX_OUTCOMES:
        return f"{len(value)} outcomes, more than the {MAX_OUTCOMES} allowed"
    out = []
    for i, v in enumerate(value, 1):
        try:
            if isinstance(v, bool):
                raise ValueError
            if isinstance(v, float):
                if not math.isfinite(v):
                    raise ValueError
                f = Fraction(repr(v))  # the decimal as written: 0.1 -> 1/10
                if f.denominator > MAX_EXACT:  # a fraction's float, 0.3333333333333333 -> 1/3
                    near = Fraction(v).limit_denominator(10**9)
                    f = near if abs(float(near) - v) <= 1e-15 * abs(v) else f
            else:
                f = Fraction(str(v).strip())
        except (ValueError, ZeroDivisionError, TypeError, OverflowError):
            return f"entry {i} ({str(v)[:40]!r}) is not a number or a fraction such as '1/3'"
        if f < 0:
            return f"entry {i} is negative ({float(f):.3g}); probabilities must be > 0"
        if f == 0:
            return f"entry {i} is 0; KL needs every p_i, q_i > 0"
        if max(f.numerator, f.denominator) > MAX_EXACT:
            return f"entry {i} as a fraction has more than {len(str(MAX_EXACT)) - 1} digits above or below the bar"
        out.append(f)
    total = sum(out)
    if abs(total - 1) > SUM_TOL:
        return f"entries sum to {float(total):.12g}, not 1 (tolerance {SUM_TOL:g})"
    if any(max((f / total).numerator, (f / total).denominator) > MAX_EXACT**2 for f in out):
        return ("entries sum to 1 only approximately and rescaled they become fractions too long to factor; "
                "give them exactly, e.g. ('1/3', '2/3')")
    return out


def distribution(value) -> str | None:
    """`check=` for a distribution parameter: positive entries summing to one."""
    got = _entries(value)
    return got if isinstance(got, str) else None


@dataclass(frozen=True)
class Params(Parameters):
    p: tuple = param((0.5, 0.5), "first distribution of the counterexample in (b)(iii)",
                     check=distribution)
    q: tuple = param((0.25, 0.75), "second distribution of the counterexample in (b)(iii)",
                     check=distribution)
    grid: int = param(200_001, "log-spaced points on which ln x <= x - 1 is scanned", lo=3,
                      hi=10**7)
    # Below 1e-3 decades grid points fall within rounding of x = 1, where ln x - (x - 1) is 0 in float.
    grid_decades: float = param(8.0, "the grid covers [10^-d, 10^d]", lo=1e-3, hi=300.0)
    pairs: int = param(200, "random distribution pairs per size k in the SciPy comparison", lo=1,
                       hi=10**4)
    max_k: int = param(50, "random pairs are drawn for k = 1, ..., max_k outcomes", lo=1, hi=400)
    log_base: str = logbase.field("the KL divergence's log (e: nats, 2: bits, 10: hartleys)")

    def __post_init__(self) -> None:
        super().__post_init__()
        drawn = self.pairs * self.max_k * (self.max_k + 1) // 2
        if drawn > MAX_ENTRIES:
            raise BadInput(f"pairs * max_k (max_k + 1) / 2 = {drawn:,} probabilities exceeds the {MAX_ENTRIES:,} "
                           "limit that keeps the SciPy comparison within about a minute")
        if len(self.p) != len(self.q):
            raise BadInput(f"parameters p and q have different lengths ({len(self.p)} and "
                           f"{len(self.q)}); both must list the same k outcomes")


def gap(x_):
    """h(x) = ln x - (x - 1): the inequality of (a) says h <= 0."""
    return sp.log(x_) - (x_ - 1)


def gap_slope(x_):
    """h'(x), derived in (a)."""
    return 1 / x_ - 1


def gap_curvature(x_):
    """h''(x), derived in (a)."""
    return -1 / x_**2


def _ln(v):
    return sp.log(v) if isinstance(v, sp.Basic) else np.log(v)


def kl(p, q, base: str = "e"):
    """KL(p, q) = sum_i p_i log_b(p_i / q_i) = sum_i p_i ln(p_i / q_i) / ln b.

    Entries may be SymPy expressions (exact), floats, or NumPy arrays whose
    first axis indexes the outcomes (one KL per column).
    """
    nats = sum(pi * _ln(pi / qi) for pi, qi in zip(p, q))
    if base == "e":
        return nats
    return nats / (logbase.ln(base) if isinstance(nats, sp.Basic) else math.log(logbase.number(base)))


def _exact(value: tuple) -> list[sp.Rational]:
    """The parameter as exact rationals, renormalised if floats summed to 1 only approximately."""
    f = _entries(value)
    total = sum(f)
    return [sp.Rational((v / total).numerator, (v / total).denominator) for v in f]


def _symbols(k: int):
    return sp.symbols(f"p1:{k + 1}", positive=True), sp.symbols(f"q1:{k + 1}", positive=True)


def _family(name: str, entry: Callable[[int], sp.Expr]) -> type[sp.Function]:
    """The entries p_i of a display: `entry(i)` once i is a number (a sum written out), else p_i, positive."""
    def tex(self, printer, exp=None):
        return f"{name}_{{{printer._print(self.args[0])}}}" + ("" if exp is None else f"^{{{exp}}}")

    return type(name, (sp.Function,), {"eval": classmethod(lambda cls, i: entry(int(i)) if i.is_Integer else None),
                                       "_eval_is_positive": lambda self: True, "_latex": tex})


# p_i, q_i in the k-outcome displays: the symbols p1, ..., pk of _symbols(k) once a sum is written out
P_ = _family("p", lambda i: sp.Symbol(f"p{i}", positive=True))
Q_ = _family("q", lambda i: sp.Symbol(f"q{i}", positive=True))
pi_, qi_ = P_(i_), Q_(i_)


def _simplex(P, Q) -> dict:
    """The hypotheses sum p = sum q = 1, used to eliminate the last coordinate."""
    return {P[-1]: 1 - sum(P[:-1]), Q[-1]: 1 - sum(Q[:-1])}


def _split(P, Q) -> sp.Expr:
    """KL plus sum(q) - sum(p), term by term."""
    return sum(a * sp.log(a / b) + b - a for a, b in zip(P, Q))


def _on_simplex(cases: dict) -> Verdict:
    """sum q - sum p = 0 once p_k, q_k are eliminated with sum p = sum q = 1."""

    def check(k: int) -> Verdict:
        P, Q = _symbols(k)
        return prove.equal((sum(Q) - sum(P)).subs(_simplex(P, Q)), 0)

    return prove.proved_for_each({n: (lambda k=kw["k"]: check(k)) for n, kw in cases.items()},
                                 r"proved case by case with $p_k = 1 - \sum_{i<k} p_i$, "
                                 r"$q_k = 1 - \sum_{i<k} q_i$")


def _log_ratio(value: sp.Expr) -> tuple[int, dict[int, int]]:
    """Write a sum of rational multiples of logs of rationals as ln(R)/N with R = prod p^e_p over primes.

    R is returned as its prime exponents: with long fractions it has far too many digits to write out.
    """
    terms = sp.Add.make_args(sp.expand_log(sp.expand(value), force=True))
    coeffs: dict[int, sp.Rational] = {}
    for term in terms:
        c, rest = term.as_coeff_Mul()
        if rest == 1 and c == 0:
            continue
        if not (isinstance(rest, sp.log) and rest.args[0].is_Rational and c.is_Rational):
            raise ValueError(f"not a rational combination of logs: {sp.sstr(term)[:60]}")
        a = sp.Rational(rest.args[0])
        for part, sign in ((a.p, 1), (a.q, -1)):
            for prime, m in sp.factorint(part).items():
                coeffs[prime] = coeffs.get(prime, sp.Integer(0)) + sign * m * sp.Rational(c)
    n = math.lcm(1, *[int(c.q) for c in coeffs.values()])
    return int(n), {prime: int(c * n) for prime, c in sorted(coeffs.items()) if c != 0}


def _ratio(powers: dict[int, int]) -> sp.Rational | None:
    """R = prod p^e as a number, or None when it has more than 40 digits above or below the bar."""
    if sum(abs(e) * math.log10(pr) for pr, e in powers.items()) > 40:
        return None
    return math.prod((sp.Rational(pr) ** e for pr, e in powers.items()), start=sp.Integer(1))


def _q(r: sp.Rational) -> str:
    """A rational as compact LaTeX: 3, -2 or \\tfrac{1}{4}."""
    r = sp.Rational(r)
    if r.q == 1:
        return str(r.p)
    return ("-" if r < 0 else "") + rf"\tfrac{{{abs(r.p)}}}{{{r.q}}}"


def _dist_tex(v: list[sp.Rational]) -> str:
    return r"\bigl(" + ", ".join(_q(e) for e in v) + r"\bigr)"


def _terms_tex(a: list[sp.Rational], b: list[sp.Rational], log: str = r"\ln", names: str = "pq") -> str:
    """sum_i a_i log(a_i / b_i), term by term or (over 4 outcomes) as a sum; `names` spells a and b."""
    if len(a) > 4:
        u, w = names
        return r"\sum_{i=1}^{" + str(len(a)) + rf"}} {u}_i{log} \frac{{{u}_i}}{{{w}_i}}"
    return " + ".join(rf"{_q(u)}{log}\frac{{{u}}}{{{w}}}" for u, w in zip(a, b))


def _prime_logs(value: sp.Expr) -> sp.Expr:
    """Expand logs of rationals into logs of primes: ln 12 -> 2 ln 2 + ln 3."""
    value = sp.expand_log(sp.expand(value), force=True)
    value = value.replace(
        lambda e: isinstance(e, sp.log) and e.args[0].is_Integer and e.args[0] > 1,
        lambda e: sum(m * sp.log(pr) for pr, m in sp.factorint(e.args[0]).items()))
    return sp.expand(value)


def _log_tex(value: sp.Expr) -> str:
    """A rational combination of logs of integers as `c_1 \\ln a_1 + c_2 \\ln a_2 ...`."""
    terms = sp.Add.make_args(sp.expand_log(sp.expand(value), force=True))
    out = []
    for term in sorted(terms, key=lambda e: sp.default_sort_key(e.as_coeff_Mul()[1])):
        c, rest = term.as_coeff_Mul()
        if rest == 1:
            out.append(_q(c))
            continue
        arg = sp.latex(rest.args[0]) if isinstance(rest, sp.log) else sp.latex(rest)
        body = rf"\ln {arg}" if isinstance(rest, sp.log) else arg
        coef = "" if abs(c) == 1 else _q(abs(c))
        out.append(("- " if c < 0 else "+ ") + coef + body)
    text = " ".join(out).strip()
    return text[2:] if text.startswith("+ ") else text or "0"


def solve(p: Params, ctx: Context) -> Solution:
    base = p.log_base
    log, ln_b, base_f = logbase.tex(base), logbase.ln(base), logbase.number(base)
    to_ln = r"$\log_b x = \ln x/\ln b$"
    sol = Solution(
        TOPIC, "A logarithm bound and the KL divergence", "cs5388-a1, Problem 2", p,
        notation=Notation(indexed={"p": P_, "q": Q_}, functions={"h": gap},
                          printing={"ln_notation": True, "order": "none"}),
        question=(
            r"Prove $\ln x \le x - 1$ for every $x > 0$, with equality only at $x = 1$. Then use "
            r"it for two distributions $p, q$ on $k$ outcomes with all $p_i, q_i > 0$ and the "
            rf"relative entropy $KL(p, q) = \sum_i p_i {log}(p_i/q_i)$: show $KL(p, q) \ge 0$, find "
            r"when it vanishes, and show by an example that it is not symmetric."
        ),
    )
    h = gap(x)

    # (a) ln x <= x - 1
    pa = sol.part("a", r"$\ln x \le x - 1$",
                  r"Show $\ln x \le x - 1$ on $x > 0$ with equality exactly at $x = 1$, via the "
                  r"derivatives of $h(x) = \ln x - (x - 1)$.")
    pa.chain("slope", r"h'(x)").define(
        r"\frac{d}{dx}\bigl(\ln x - x + 1\bigr)", sp.diff(h, x), "differentiate $h$",
    ).step(r"\frac{1}{x} - 1", gap_slope(x), "term by term")
    roots = sp.solveset(gap_slope(x), x, sp.Interval.open(0, sp.oo))
    root = next(iter(roots)) if isinstance(roots, sp.FiniteSet) and len(roots) == 1 else sp.nan
    pa.claim("critical", r"On $x > 0$, $h'(x) = 0$ has the single solution $x = 1$.",
             prove.equal(len(roots) if isinstance(roots, sp.FiniteSet) else -1, 1)
             & prove.equal(root, 1) & prove.equal(sp.diff(h, x).subs(x, 1), 0))
    pa.chain("curvature", r"h''(x)").define(
        r"\frac{d}{dx}\Bigl(\frac{1}{x} - 1\Bigr)", sp.diff(h, x, 2), "differentiate again",
    ).step(r"-\frac{1}{x^2}", gap_curvature(x), "power rule")
    pa.claim("concave", r"$h''(x) = -1/x^2 < 0$ for every $x > 0$: $h$ is strictly concave, so "
             r"its derivative $h'$ is strictly decreasing.",
             prove.holds(gap_curvature(x) < 0) & prove.equal(sp.diff(h, x, 2), gap_curvature(x)))
    pa.claim("monotone", r"Hence $h' > 0$ on $(0, 1)$ and $h' < 0$ on $(1, \infty)$ (written as "
             r"$x = 1/(1+t)$ and $x = 1 + t$ with $t > 0$): $h$ strictly increases up to $x = 1$ "
             r"and strictly decreases after it.",
             prove.holds(gap_slope(1 / (1 + t)) > 0) & prove.holds(gap_slope(1 + t) < 0))
    pa.claim("maximum", r"So $x = 1$ is the unique global maximum of $h$ on $(0, \infty)$, and "
             r"$h(1) = \ln 1 - 0 = 0$; every other $x > 0$ has $h(x) < h(1) = 0$. For every $x > 0$, "
             r"with equality exactly at $x = 1$:",
             prove.equal(h.subs(x, root), 0) if root is not sp.nan
             else Verdict("symbolic", False, "no unique critical point"),
             latex=r"\ln x \le x - 1", value=sp.Le(sp.log(x), x - 1, evaluate=False))
    grid = num.log_grid(10.0 ** -p.grid_decades, 10.0 ** p.grid_decades, p.grid)
    values = num.log_gap(grid)
    at = int(np.argmax(values))
    others = np.delete(values, at)
    crit = float(root) if root is not sp.nan else float("nan")
    pa.claim("grid", rf"Numerically, on {grid.size:,} log-spaced points of "
             rf"$[10^{{-{p.grid_decades:g}}}, 10^{{{p.grid_decades:g}}}]$: the largest value of "
             r"$\ln x - (x-1)$ is $0$, attained at the derived critical point, and every other "
             r"point gives a negative value.",
             prove.close(float(grid[at]), crit, rtol=0.0, what="grid maximiser")
             & prove.on_instances({"max = 0": values[at] == 0.0,
                                   "negative elsewhere": bool(np.all(others < 0))},
                                  "NumPy log1p on the grid"), aside=True)
    pa.figure("gap", r"$\ln x$ and its tangent $x - 1$ at $x = 1$; the line lies above the curve "
              r"everywhere except at the point of contact, which is the inequality of (a).",
              _plot_gap, aside=True)

    # (b)(i) KL >= 0
    cases = {f"k={k}": {"k": k} for k in SIZES}
    pb = sol.part("b.i", r"$KL(p, q) \ge 0$",
                  r"Using (a), show that the KL divergence of two distributions with positive "
                  r"entries is never negative.")
    logbase.note(pb, base, r"$KL(p, q) = \sum_i p_i \log(p_i/q_i)$, $\log$ without a base.")
    neg = pb.chain("neg", r"-KL(p, q)", cases, sizes={"k": k_}).define(
        rf"-\sum_{{i=1}}^k p_i{log} \frac{{p_i}}{{q_i}}", lambda k: -kl(*_symbols(k), base),
    )
    if base != "e":
        neg = neg.step(r"-\frac{1}{\ln " + base + r"}\sum_{i=1}^k p_i\ln \frac{p_i}{q_i}",
                       lambda k: -kl(*_symbols(k)) / ln_b, to_ln)
    neg.step(logbase.scaled(r"\sum_{i=1}^k p_i\ln \frac{q_i}{p_i}", base),
             lambda k: sum(u * sp.log(v / u) for u, v in zip(*_symbols(k))) / ln_b,
             r"$-\ln(a/b) = \ln(b/a)$")
    pb.claim("termwise", r"Apply (a) to $x = q_i/p_i > 0$ and multiply by $p_i > 0$: "
             r"$p_i\ln \frac{q_i}{p_i} \le p_i\bigl(\frac{q_i}{p_i} - 1\bigr) = q_i - p_i$; the "
             r"slack is $q_i - p_i - p_i\ln \frac{q_i}{p_i} = -p_i\,h(q_i/p_i) \ge 0$, zero only "
             r"when $q_i = p_i$:",
             prove.equal(qi_ - pi_ - pi_ * sp.log(qi_ / pi_), -pi_ * gap(qi_ / pi_))
             & prove.equal(pi_ * (qi_ / pi_ - 1), qi_ - pi_),
             latex=None, value=sp.Le(sp.Sum(sp.Mul(pi_, sp.log(qi_ / pi_), evaluate=False), (i_, 1, k_)),
                                     sp.Sum(sp.Mul(pi_, sp.Add(qi_ / pi_, -1, evaluate=False), evaluate=False),
                                            (i_, 1, k_)), evaluate=False))
    pb.chain("bound", r"\sum_{i=1}^k p_i\Bigl(\frac{q_i}{p_i} - 1\Bigr)", cases, sizes={"k": k_}).define(
        r"\sum_{i=1}^k \Bigl(p_i\cdot\frac{q_i}{p_i} - p_i\Bigr)",
        lambda k: sum(a * (b / a) - a for a, b in zip(*_symbols(k))), "multiply out",
    ).step(r"\sum_{i=1}^k (q_i - p_i)", lambda k: sum(b - a for a, b in zip(*_symbols(k))),
           "cancel $p_i$").step(
        r"\sum_{i=1}^k q_i - \sum_{i=1}^k p_i",
        lambda k: sum(_symbols(k)[1]) - sum(_symbols(k)[0]), "split the sum").step(
        r"1 - 1", lambda k: sp.Integer(0), r"both are distributions",
        verdict=_on_simplex(cases)).step(sp.Integer(0), lambda k: sp.Integer(0), "arithmetic")
    pb.claim("general", r"The same two identities hold for a symbolic number $k$ of outcomes "
             r"(SymPy sums over $i = 1..k$), so the argument does not depend on $k$: "
             r"$-\sum_i p_i\ln \frac{p_i}{q_i} = \sum_i p_i\ln \frac{q_i}{p_i}$ and "
             r"$\sum_i p_i(\frac{q_i}{p_i} - 1) = \sum_i q_i - \sum_i p_i$.",
             prove.equal(-sp.Sum(pi_ * sp.log(pi_ / qi_), (i_, 1, k_)), sp.Sum(pi_ * sp.log(qi_ / pi_), (i_, 1, k_)))
             & prove.equal(sp.Sum(pi_ * (qi_ / pi_ - 1), (i_, 1, k_)),
                           sp.Sum(qi_, (i_, 1, k_)) - sp.Sum(pi_, (i_, 1, k_))), aside=True)
    if base != "e":
        pb.claim("factor", rf"$\ln {base} > 0$: multiplying by $1/\ln {base}$ keeps the direction of an inequality "
                 "and the zero on its right.", prove.holds(ln_b > 0))
    pb.text(r"Chaining the three displays: $-KL(p, q) = "
            + logbase.scaled(r"\sum_i p_i\ln \frac{q_i}{p_i}", base) + r" \le "
            + logbase.scaled(r"\sum_i (q_i - p_i)", base) + " = " + logbase.scaled("1 - 1", base)
            + r" = 0$, i.e. $KL(p, q) \ge 0$. Only the definition, "
            r"positivity of the $p_i$ (to multiply (a) by $p_i$) and the normalisation were used"
            + ("" if base == "e" else rf", and $\ln {base} > 0$") + ".")
    rng = ctx.rng("b.pairs")
    worst_diff, smallest, n_pairs, self_kl = 0.0, np.inf, 0, 0.0
    for k in range(1, p.max_k + 1):
        P, Q = num.random_pairs(rng, k, p.pairs)
        ours = np.asarray(kl(P, Q, base), dtype=float)
        ref = num.kl_rel_entr(P, Q, base_f)
        alt = num.kl_entropy(P, Q, base_f)
        scale = 1e-12 + 1e-9 * np.abs(ref)
        worst_diff = max(worst_diff, float(np.max(np.abs(ours - ref) / scale)),
                         float(np.max(np.abs(ours - alt) / scale)))
        if k > 1:
            smallest = min(smallest, float(np.min(ours)))
        self_kl = max(self_kl, float(np.max(np.abs(np.asarray(kl(P, P, base), dtype=float)))))
        n_pairs += p.pairs
    pb.claim("scipy", rf"{n_pairs:,} random pairs (Dirichlet$(1,\dots,1)$, $k = 1,\dots,"
             rf"{p.max_k}$): this $KL$ agrees with SciPy's \texttt{{rel\_entr}}"
             + ("" if base == "e" else rf" (divided by $\ln {base}$)") + r" and \texttt{entropy}"
             + ("" if base == "e" else rf" (\texttt{{base={base}}})")
             + r" to $10^{-9}$ relative ($10^{-12}$ absolute).",
             Verdict("numeric", worst_diff <= 1.0,
                     f"worst |ours - scipy| / (1e-12 + 1e-9 |scipy|) = {worst_diff:.3g} "
                     f"over {n_pairs} pairs", {"pairs": n_pairs}), aside=True)
    pb.claim("random", r"On the same pairs with $k \ge 2$, every $KL(p, q)$ is positive "
             r"(the pairs differ almost surely).",
             Verdict("numeric", bool(smallest > 0) if p.max_k > 1 else True,
                     f"smallest KL over the pairs with k >= 2: {smallest:.3g}"), aside=True)

    # (b)(ii) when is KL zero
    pz = sol.part("b.ii", r"When $KL(p, q) = 0$",
                  r"Characterise the pairs of distributions with zero divergence.")
    split = pz.chain("split", r"KL(p, q)", cases, sizes={"k": k_}, aside=True).define(
        rf"\sum_{{i=1}}^k p_i{log} \frac{{p_i}}{{q_i}}", lambda k: kl(*_symbols(k), base),
    )
    if base != "e":
        split = split.step(logbase.scaled(r"\sum_{i=1}^k p_i\ln \frac{p_i}{q_i}", base),
                           lambda k: kl(*_symbols(k)) / ln_b, to_ln)
    split.step(logbase.scaled(r"\sum_{i=1}^k \Bigl(p_i\ln \frac{p_i}{q_i} + q_i - p_i\Bigr)", base),
               lambda k: _split(*_symbols(k)) / ln_b, r"add $\sum_i q_i - \sum_i p_i = 1 - 1 = 0$",
               verdict=prove.proved_for_each(
                   {n: (lambda k=kw["k"]: prove.equal(_split(*_symbols(k)) / ln_b - kl(*_symbols(k), base),
                                                      (sum(_symbols(k)[1]) - sum(_symbols(k)[0])) / ln_b))
                    for n, kw in cases.items()},
                   r"the two sides differ exactly by $\sum_i q_i - \sum_i p_i$"
                   + ("" if base == "e" else rf" over $\ln {base}$") + r", which is 0 "
                   r"for distributions; proved case by case")).step(
        logbase.scaled(r"\sum_{i=1}^k p_i\bigl(-h(q_i/p_i)\bigr)", base),
        lambda k: sum(-u * gap(v / u) for u, v in zip(*_symbols(k))) / ln_b,
        r"$h(x) = \ln x - x + 1$ of (a)")
    pz.text(r"Adding $\sum_i q_i - \sum_i p_i = 0$ (chain in the appendix), $KL(p, q)$ is the sum of "
            r"the slacks $p_i\bigl(-h(q_i/p_i)\bigr)$ of (b.i)"
            + ("" if base == "e" else rf" over $\ln {base}$") + r". "
            r"Each is $\ge 0$ by (a) and $p_i > 0$"
            + ("" if base == "e" else rf" (and $\ln {base} > 0$)") + r", so the sum "
            r"is zero exactly when every term is, i.e. when $h(q_i/p_i) = 0$ for every $i$. By "
            r"(a) that means $q_i/p_i = 1$: $KL(p, q) = 0 \iff p = q$.")
    pz.claim("if", rf"If $p = q$ then every term is $p_i{log} 1 = 0$: $KL(p, p) = 0$ "
             r"(exact, $k = 1,\dots,5$), and numerically $|KL(p, p)|$ on the random "
             r"distributions above is "
             + ("exactly 0." if self_kl == 0 else rf"at most ${self_kl:.2g}$."),
             prove.proved_for_each({f"k={k}": (lambda k=k: prove.equal(kl(_symbols(k)[0],
                                                                          _symbols(k)[0], base), 0))
                                    for k in range(1, 6)}, "exact")
             & Verdict("numeric", self_kl <= 1e-15, f"max |KL(p, p)| = {self_kl:.3g}"))
    pz.claim("only-if", r"Conversely $h(x) = 0$ on $x > 0$ only at $x = 1$ (the unique maximiser "
             r"from (a), where $h = 0$), so $KL(p, q) = 0$ forces $q_i = p_i$ for all $i$.",
             prove.equal(root, 1) & prove.equal(h.subs(x, root), 0) if root is not sp.nan
             else Verdict("symbolic", False, "no unique critical point"))

    # (b)(iii) asymmetry
    pe, qe = _exact(p.p), _exact(p.q)
    pc = sol.part("b.iii", "KL is not symmetric",
                  r"Give distributions with $KL(p, q) \ne KL(q, p)$.")
    pc.text(rf"Take $p = {_dist_tex(pe)}$ and $q = {_dist_tex(qe)}$ (parameters \texttt{{p}}, "
            r"\texttt{q}).")
    nats = {"pq": _prime_logs(kl(pe, qe)), "qp": _prime_logs(kl(qe, pe))}
    forward, backward = (v if base == "e" else sp.expand(v / ln_b) for v in nats.values())
    pc.notation = replace(sol.notation, names={"KL(p, q)": forward, "KL(q, p)": backward},
                          indexed={"p": _family("p", lambda i: pe[i - 1]), "q": _family("q", lambda i: qe[i - 1])})
    ln_rule = r"$\ln \frac{a}{b} = \ln a - \ln b$" + ("" if base == "e" else ", " + to_ln)
    for cid, lhs, (u, w), exact in (("pq", "KL(p, q)", (pe, qe), forward), ("qp", "KL(q, p)", (qe, pe), backward)):
        ch = pc.chain(cid, lhs).define(_terms_tex(u, w, log, cid), kl(u, w, base)).step(
            logbase.scaled(_log_tex(nats[cid]), base),
            sum(x_ * (sp.log(x_) - sp.log(y_)) for x_, y_ in zip(u, w)) / ln_b, ln_rule)
        if base != "e":
            ch.step(sp.latex(exact, ln_notation=True), exact, "multiply out")
    pf, qf = np.array([float(v) for v in pe]), np.array([float(v) for v in qe])
    pc.claim("scipy", r"SciPy's \texttt{entropy}" + ("" if base == "e" else rf" (\texttt{{base={base}}})")
             + rf" gives $KL(p, q) \approx {pc.quote(float(forward), of='pq', spec='.6f')}$ "
             rf"and $KL(q, p) \approx {pc.quote(float(backward), of='qp', spec='.6f')}$, the values of the exact "
             r"forms.",
             prove.close(float(num.kl_entropy(pf, qf, base_f)), float(forward), rtol=1e-12,
                         what="SciPy's entropy(p, q)")
             & prove.close(float(num.kl_entropy(qf, pf, base_f)), float(backward), rtol=1e-12,
                           what="SciPy's entropy(q, p)"), aside=True)
    diff = forward - backward
    lg = "ln" if base == "e" else f"log_{base}"
    logs = _prime_logs(nats["pq"] - nats["qp"])
    shown = rf"KL(p, q) - KL(q, p) = {logbase.scaled(_log_tex(logs), base)}"
    sides = [diff, logs / ln_b]
    try:
        n_, powers = _log_ratio(nats["pq"] - nats["qp"])
        r_ = _ratio(powers)
        if r_ is not None:
            exact_diff, r_name = sp.log(r_) / n_ / ln_b, str(r_)
            shown += rf" = \tfrac{{1}}{{{n_}}}{log} {_q(r_)}"
            sides.append(exact_diff)
        else:  # R too long to write: the difference stays a sum of logs of primes
            exact_diff = sum((sp.Rational(e, n_) * sp.log(pr) for pr, e in powers.items()), sp.Integer(0)) / ln_b
            r_name = "R (" + " * ".join(f"{pr}^{e}" for pr, e in powers.items())[:100] + ")"
        differ = prove.equal(diff, exact_diff) & Verdict(
            "symbolic", bool(powers), f"exact: the difference is {lg}({r_name})/{n_}, and {r_name} "
            + ("!= 1" if powers else "= 1"))
        relations = [sp.Eq(a, b, evaluate=False) for a, b in zip(sides, sides[1:])]
        if r_ is None:  # no R to show: say that the sum of logs is not 0
            relations.append((sp.Ne if powers else sp.Eq)(sides[-1], 0, evaluate=False))
            shown += r" \ne 0" if powers else " = 0"
        value = sp.And(*relations)
    except ValueError as e:
        differ, shown, value = Verdict("symbolic", False, str(e)), "", None
    pc.claim("differ", r"The difference is a rational multiple of the logarithm of a rational "
             r"number $R$; it vanishes only if $R = 1$, which is not the case here:",
             differ, latex=shown, value=value)
    pc.text(r"So $KL(p, q) \ne KL(q, p)$ in general: KL is not a metric (it is not symmetric, "
            r"and it does not satisfy the triangle inequality either).")
    # each answer judged by the SciPy values of (b)(iii) or the grid of (a)
    sci_pq, sci_qp = float(num.kl_entropy(pf, qf, base_f)), float(num.kl_entropy(qf, pf, base_f))
    diff_atol = 1e-12 * (abs(sci_pq) + abs(sci_qp)) + 1e-15
    in_base = (logbase.KEY,)  # the values are in the unit of the base the sheet leaves open
    sol.answer("KL(p, q)", forward, claims=("b.iii.scipy",), rests_on=in_base,
               check=witness.close(sci_pq, rtol=1e-12, what="SciPy's entropy(p, q)"))
    sol.answer("KL(q, p)", backward, claims=("b.iii.scipy",), rests_on=in_base,
               check=witness.close(sci_qp, rtol=1e-12, what="SciPy's entropy(q, p)"))
    sol.answer("KL(p, q) - KL(q, p)", diff, claims=("b.iii.scipy", "b.iii.differ"), rests_on=in_base,
               check=witness.close(sci_pq - sci_qp, rtol=1e-12, atol=diff_atol,
                                   what="entropy(p, q) - entropy(q, p)"))
    sol.answer("argmax of ln x - (x - 1)", root, claims=("a.grid",),
               check=witness.close(float(grid[at]), rtol=0.0, what="grid maximiser"))
    _misconceptions(sol, base, pe, qe, nats, diff, diff_atol)
    return sol


def _differs(wrong, right, atol: float = 0.0) -> bool:
    """Off by more than 1% and by more than ten times the witness's absolute tolerance (and 1e-9)."""
    w, r = float(wrong), float(right)
    return abs(w - r) > max(10 * ANSWER_RTOL * abs(r), 10 * atol, 1e-9)


def _misconceptions(sol: Solution, base: str, pe: list, qe: list, nats: dict, diff: sp.Expr, diff_atol: float) -> None:
    """The usual slips, each declared where it changes the value (and differs from those before it)."""
    ln_b = logbase.ln(base)
    log = logbase.tex(base)
    forward, backward = (sp.expand(v / ln_b) for v in (nats["pq"], nats["qp"]))
    unweighted = _prime_logs(sum(sp.log(u / v) for u, v in zip(pe, qe))) / ln_b

    def bases(value: sp.Expr, what: str) -> list[tuple[str, sp.Expr, str]]:
        def factor(b: str) -> str:  # ln(base) / ln(b): how many of b's units make one of the base's
            top = "1" if base == "e" else rf"\ln {base}"
            return rf"${top}/\ln {b}$" if b != "e" else rf"$\ln {base}$"

        return [(logbase.mistake_id(b), sp.expand(value * ln_b / logbase.ln(b)),
                 rf"The log is {logbase.name(base)} here (parameter \texttt{{log\_base}}), so {what} is in "
                 rf"{logbase.UNITS[base]}. Since $\log_b x = \ln x/\ln b$, {logbase.name(b)} gives the same "
                 rf"divergence in {logbase.UNITS[b]}, {factor(b)} times the value asked for.")
                for b in logbase.BASES if b != base]

    table: dict[str, tuple[sp.Expr, float, list[tuple[str, sp.Expr, str]]]] = {
        "KL(p, q)": (forward, 0.0, [
            ("swapped-arguments", backward,
             rf"$KL(p, q) = \sum_i p_i {log}(p_i/q_i)$ weights by the first argument and divides by the "
             r"second. Swapping $p$ and $q$ gives $KL(q, p)$, a different number: that is the point of (b.iii)."),
            ("wrong-sign", -forward,
             r"The ratio inside the log is $p_i/q_i$. With $q_i/p_i$ each log changes sign, and the result is "
             r"$-KL(p, q)$, which is never positive."),
            ("unweighted", unweighted,
             rf"Each ${log}(p_i/q_i)$ is weighted by $p_i$: $KL$ is the expectation under $p$ of the log-ratio. "
             r"Summing the logs without the weights is not an expectation and can be negative."),
            *bases(forward, "$KL(p, q)$")]),
        "KL(q, p)": (backward, 0.0, [
            ("reverse-swapped-arguments", forward,
             rf"$KL(q, p) = \sum_i q_i {log}(q_i/p_i)$: the weights and the numerator come from $q$. That is "
             r"$KL(p, q)$ only when the two happen to agree."),
            *(("reverse-" + id, v, why) for id, v, why in bases(backward, "$KL(q, p)$"))]),
        "KL(p, q) - KL(q, p)": (diff, diff_atol, [
            ("symmetric", sp.Integer(0),
             r"$KL$ is not symmetric: the two divergences weight the log-ratios by different distributions, and "
             r"for these $p$ and $q$ they differ, so the difference is not $0$."),
            ("reversed-difference", -diff,
             r"The difference asked for is $KL(p, q) - KL(q, p)$; the other order has the opposite sign."),
            *(("difference-" + id, v, why) for id, v, why in bases(diff, "the difference"))]),
    }
    for answer, (right, atol, wrong) in table.items():
        declared: list[sp.Expr] = []
        for id, value, why in wrong:
            if _differs(value, right, atol) and all(_differs(value, d, atol) for d in declared):
                sol.misconception(answer, id, value, why)
                declared.append(value)
    sol.misconception("argmax of ln x - (x - 1)", "max-value-as-argmax", sp.Integer(0),
                      r"That is the largest value of $h(x) = \ln x - (x - 1)$; it is attained where "
                      r"$h'(x) = 1/x - 1 = 0$, i.e. at $x = 1$. The question asks where the maximum is, not what "
                      r"it is.")


def _plot_gap(path) -> None:
    xs = np.linspace(0.05, 4.0, 400)
    with figures.figure(path) as (fig, ax):
        ax.plot(xs, np.log(xs), label=r"$\ln x$")
        ax.plot(xs, xs - 1, label=r"$x - 1$")
        ax.fill_between(xs, np.log(xs), xs - 1, color="0.85", label=r"gap $x - 1 - \ln x \geq 0$")
        ax.plot([1.0], [0.0], "ko", ms=4, label="equality at $x = 1$")
        ax.set_xlabel("$x$")
        ax.set_ylabel("value")
        ax.set_ylim(-3, 3)
        ax.legend()


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
