"""SGD with batch size 1 need not decrease the full loss at every step (cs7643-ps2 Q6)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import sgd_counterexample as sim
from theory.core import figures, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, exact_decimal, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict

TOPIC = "sgd_counterexample"

w = sp.Symbol("w", real=True)
eta = sp.Symbol("eta", positive=True)
c1_, c2_ = sp.symbols("c_1 c_2", real=True)
ci_, cj_ = sp.symbols("c_i c_j", real=True)  # the drawn term's centre and the other one

ENDPOINT_TOL = 1e-9  # bisection of simulated sign changes: absolute and relative to the end's size
EDGE = 0.01  # the single-step simulation runs at (1 -+ EDGE) times the largest rate, just inside and outside it


@dataclass(frozen=True)
class Params(Parameters):
    centre1: float = param(2.0, r"centre $c_1$ of the first term $(w - c_1)^2/2$", lo=-1e3, hi=1e3)
    centre2: float = param(-1.0, r"centre $c_2$ of the second term $(w - c_2)^2/2$", lo=-1e3, hi=1e3)
    # 0 < eta < 2 is the sheet's range; at its ends the sets to locate shrink to a point (eta -> 0) or
    # run off to infinity (eta -> 2) faster than floating point resolves them.
    eta: float = param(0.1, "constant SGD step size", lo=1e-3, hi=1.99)
    point: float = param(1.0, "the point w of the counterexample (strictly between the centres)",
                         lo=-1e3, hi=1e3)
    # At least 1001 points: the grid spans at most 4 |c_1 - c_2| and the smallest set it must hit, the
    # noise ball at eta = 10^-3, is |c_1 - c_2| sqrt(eta/(2-eta)) ~ 0.022 |c_1 - c_2| wide.
    grid: int = param(4001, "grid points of the single-step simulation", lo=1001, hi=1_000_000)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.centre1 == self.centre2:
            raise BadInput("parameters centre1 and centre2 must differ (else f is one term twice)")
        if abs(self.centre1 - self.centre2) < 1e-3 * max(1.0, abs(self.centre1), abs(self.centre2)):
            raise BadInput("parameters centre1 and centre2 must differ by at least 10^-3 times max(1, |c_i|): "
                           "closer centres leave the sets to locate below floating-point resolution")
        lo, hi = sorted((self.centre1, self.centre2))
        if not lo < self.point < hi:
            raise BadInput(f"parameter point = {self.point} must lie strictly between the centres "
                           f"{lo:g} and {hi:g}, where some draw always increases f")


def term(v: sp.Expr, c: sp.Expr) -> sp.Expr:
    """One term of the objective (the sheet's definition)."""
    return (v - c) ** 2 / 2


def objective(v: sp.Expr, c1: sp.Expr, c2: sp.Expr) -> sp.Expr:
    """f = f_1 + f_2 (the sheet's definition)."""
    return term(v, c1) + term(v, c2)


def sgd_step(v: sp.Expr, c: sp.Expr, rate: sp.Expr) -> sp.Expr:
    """One SGD step on the sampled term centred at c: its gradient is v - c."""
    return v - rate * (v - c)


def term_factor(rate: sp.Expr) -> sp.Expr:
    """f_i(after) / f_i(before) for a step on term i."""
    return (1 - rate) ** 2


def max_rate() -> sp.Expr:
    """The step decreases the sampled term for every w != c_i iff 0 < eta < max_rate()."""
    return sp.Integer(2)


def increasing_endpoints(ci: sp.Expr, cj: sp.Expr, rate: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(l_i, c_i): a step on term i increases f exactly for w strictly between them."""
    return (ci + cj - rate * ci) / (2 - rate), ci


def expected_rate(rate: sp.Expr) -> sp.Expr:
    """E[next iterate] = w - expected_rate * f'(w)."""
    return rate / 2


def expected_change(v: sp.Expr, c1: sp.Expr, c2: sp.Expr, rate: sp.Expr) -> sp.Expr:
    """E[f(next)] - f(w) over the uniformly sampled term."""
    m, d = (c1 + c2) / 2, (c1 - c2) / 2
    return -rate * (2 - rate) * (v - m) ** 2 + rate**2 * d**2


def noise_radius(c1: sp.Expr, c2: sp.Expr, rate: sp.Expr) -> sp.Expr:
    """E[f(next)] >= f(w) exactly when |w - m| <= noise_radius."""
    return sp.Abs(c1 - c2) / 2 * sp.sqrt(rate / (2 - rate))


def _definition_step(v: sp.Expr, c: sp.Expr, rate: sp.Expr) -> sp.Expr:
    """w - eta f_i'(w), differentiating the term as defined."""
    s = sp.Dummy("s", real=True)
    return v - rate * sp.diff(term(s, c), s).subs(s, v)


def _derivative(f) -> object:
    """f' for a function of one variable."""
    s = sp.Dummy("s", real=True)
    return lambda v: sp.diff(f(s), s).subs(s, v)


def _notation() -> Notation:
    """f, its terms' derivatives, and the quantities of (c) and (d), as the displays write them."""
    f = lambda v: objective(v, c1_, c2_)  # noqa: E731
    return Notation(
        names={r"\ell_i": increasing_endpoints(ci_, cj_, eta)[0], "m": (c1_ + c2_) / 2, "d": (c1_ - c2_) / 2},
        functions={"f": f, "f'": _derivative(f), "f_i'": _derivative(lambda v: term(v, ci_)),
                   "f_1'": _derivative(lambda v: term(v, c1_)), "f_2'": _derivative(lambda v: term(v, c2_))})


def _solve_poly(expr: sp.Expr, var: sp.Symbol, rel: str) -> sp.Set:
    """Real solutions of `expr rel 0` for a polynomial expr (fast; no general solver)."""
    return sp.Union(*sp.solve_poly_inequality(sp.Poly(sp.expand(expr), var), rel))


def _interval(a: sp.Expr, b: sp.Expr) -> sp.Interval:
    return sp.Interval.open(sp.Min(a, b), sp.Max(a, b))


def _fmt(v: sp.Expr) -> str:
    v = sp.nsimplify(v)
    return f"${sp.latex(v)}$" if v.is_Rational else f"${float(v):.6g}$"


def solve(p: Params, ctx: Context) -> Solution:
    c = (exact_decimal(p.centre1), exact_decimal(p.centre2))
    e = exact_decimal(p.eta)
    w0 = exact_decimal(p.point)
    cs = (p.centre1, p.centre2)
    size = max(1.0, abs(p.centre1), abs(p.centre2))  # rounding of w and f(w) grows with |w| and |w|^2
    m = (c[0] + c[1]) / 2
    F = objective(w, *c)
    sol = Solution(
        TOPIC, "SGD need not descend at every step", "cs7643-ps2, Question 6", p,
        notation=_notation(),
        question=(
            r"Minimise $f(w) = f_1(w) + f_2(w)$ with $f_i(w) = \tfrac12(w - c_i)^2$ "
            + ("(on the sheet" if p.is_default("centre1", "centre2") else "(here")
            + rf" $c_1 = {sp.latex(c[0])}$, $c_2 = {sp.latex(c[1])}$) by SGD with batch "
            r"size $1$ ($w \leftarrow w - \eta f_i'(w)$, $i$ uniform, $\eta$ small enough that "
            r"$f_i$ decreases). Does $f$ decrease at every iteration? Prove it or give a counterexample."
        ),
    )
    pts = sim.grid(cs, p.grid)

    # (a) the step, and when it decreases the sampled term
    pa = sol.part("a", "Descent on the sampled term",
                  r"Write the SGD step and find the step sizes for which it always decreases the "
                  r"sampled term, as the sheet assumes.")
    pa.claim("step", r"The gradient of $f_i$ is $w - c_i$, so the step is "
             r"$w^+ = w - \eta(w - c_i) = (1-\eta)w + \eta c_i$.",
             prove.equal(_definition_step(w, ci_, eta), sgd_step(w, ci_, eta)))
    pa.chain("term", r"f_i(w^+)").define(
        r"\tfrac12\bigl(w - \eta f_i'(w) - c_i\bigr)^2", term(_definition_step(w, ci_, eta), ci_),
    ).step(r"(1-\eta)^2\,\tfrac12(w - c_i)^2", term_factor(eta) * term(w, ci_),
           r"$w^+ - c_i = (1-\eta)(w - c_i)$")
    t = sp.Symbol("t", positive=True)
    pa.claim("range", r"So $f_i(w^+) < f_i(w)$ for every $w \ne c_i$ exactly when "
             r"$(1-\eta)^2 < 1$, i.e. (for $\eta > 0$) $0 < \eta < 2$ (twice the inverse "
             rf"curvature $1/f_i'' = 1$): the sheet's assumption. Here $\eta = {sp.latex(e)}$.",
             prove.holds(sp.Eq(_solve_poly(term_factor(t) - 1, t, "<") & sp.Interval.open(0, sp.oo),
                               sp.Interval.open(0, max_rate()))))
    lim = float(max_rate())
    inside, outside = (1 - EDGE) * lim, (1 + EDGE) * lim
    checks = {}
    for k in range(2):
        checks[f"f_{k + 1}, eta = {p.eta:g}: never up"] = bool(
            np.all(sim.change_of_term(pts, cs, k, p.eta) < 0))
        checks[f"f_{k + 1}, eta = {inside:g}: never up"] = bool(
            np.all(sim.change_of_term(pts, cs, k, inside) < 0))
        checks[f"f_{k + 1}, eta = {outside:g}: always up"] = bool(
            np.all(sim.change_of_term(pts, cs, k, outside) > 0))
    pa.claim("sim", rf"Simulated single steps on {p.grid} grid points: the sampled term never "
             rf"increases for $\eta = {p.eta:g}$ nor for $\eta$ just below the bound "
             rf"(${pa.setting(inside)}$), and always increases just above it (${pa.setting(outside)}$).",
             prove.on_instances(checks, "gradients by central differences of the terms"), aside=True)
    limit_check = _rate_limit(pts, cs)

    # (b) the counterexample
    pb = sol.part("b", "A counterexample",
                  r"Is $f$ guaranteed to decrease at every SGD iteration?")
    sets = [_interval(*increasing_endpoints(c[k], c[1 - k], e)) for k in range(2)]
    hits = [k for k in range(2) if sets[k].contains(w0) is sp.true]
    i = min(hits, key=lambda k: (abs(c[k] - w0), k)) if hits else 0
    w1 = sgd_step(w0, c[i], e)
    F0, F1 = objective(w0, *c), objective(w1, *c)
    T0, T1 = term(w0, c[i]), term(w1, c[i])
    pb.text(rf"\textbf{{No.}} Take $w = {sp.latex(w0)}$, $\eta = {sp.latex(e)}$ and suppose the "
            rf"draw picks $f_{i + 1}(w) = \tfrac12(w - {sp.latex(c[i])})^2$. The step moves to "
            rf"$w^+ = {sp.latex(w0)} - {sp.latex(e)}\,({sp.latex(w0 - c[i])}) = {sp.latex(w1)}$, "
            rf"towards $c_{i + 1} = {sp.latex(c[i])}$ but away from the minimiser "
            rf"$w^* = {sp.latex(m)}$ of $f$.")
    sim_w1 = float(sim.sgd_step(np.array(float(w0)), cs, i, p.eta))
    sim_dt = float(sim.change_of_term(np.array(float(w0)), cs, i, p.eta))
    sim_df = float(sim.change_of_f(np.array(float(w0)), cs, i, p.eta))
    pb.claim("term-decreases", rf"The sampled term decreases, as assumed: "
             rf"$f_{i + 1}({sp.latex(w0)}) = {sp.latex(T0)} > f_{i + 1}({sp.latex(w1)}) = "
             rf"{sp.latex(T1)}$ (exact), and the simulated step agrees.",
             prove.holds(sp.Lt(T1, T0))
             & prove.close(sim_w1, float(w1), rtol=1e-9, atol=1e-12 * size, what="simulated w+")
             & prove.close(sim_dt, float(T1 - T0), rtol=1e-9, atol=1e-12 * size**2,
                           what="simulated change of f_i"), value=w1)
    pb.claim("f-increases", rf"But the full loss goes up: $f({sp.latex(w0)}) = {sp.latex(F0)}$ and "
             rf"$f({sp.latex(w1)}) = {sp.latex(F1)}$, an increase of ${sp.latex(F1 - F0)}$ "
             r"(exact; the simulated step agrees).",
             prove.holds(sp.Gt(F1, F0))
             & prove.close(sim_df, float(F1 - F0), rtol=1e-9, atol=1e-12 * size**2,
                           what="simulated change of f"))
    pb.text(r"So SGD is not a descent method for $f$: a step towards one term's minimiser can move "
            r"away from the minimiser of the sum. Only the expected step is a gradient step on $f$ (part (d)).")
    rows = []
    for k in range(2):
        wk = sgd_step(w0, c[k], e)
        rows.append([f"$f_{k + 1}$", f"${sp.latex(wk)}$",
                     f"${sp.latex(term(w0, c[k]))} \\to {sp.latex(term(wk, c[k]))}$",
                     f"${sp.latex(F0)} \\to {sp.latex(objective(wk, *c))}$",
                     f"${sp.latex(objective(wk, *c) - F0)}$"])
    mean_change = sum(objective(sgd_step(w0, c[k], e), *c) - F0 for k in range(2)) / 2
    rows.append(["mean", f"${sp.latex(w0 - expected_rate(e) * sp.diff(F, w).subs(w, w0))}$", "",
                 "", f"${sp.latex(expected_change(w0, *c, e))}$"])
    pb.table(["drawn term", "$w^+$", "$f_i$: before $\\to$ after", "$f$: before $\\to$ after",
              "change of $f$"], rows,
             caption=rf"Both possible SGD steps from $w = {sp.latex(w0)}$ with $\eta = "
             rf"{sp.latex(e)}$ (exact). The last row is the average over the draw, from the "
             r"formulas of part (d).", aside=True)
    pb.claim("table-mean", r"The last row agrees with the average of the two exact outcomes.",
             prove.equal(mean_change, expected_change(w0, *c, e))
             & prove.equal(sum(sgd_step(w0, c[k], e) for k in range(2)) / 2,
                           w0 - expected_rate(e) * sp.diff(F, w).subs(w, w0)), aside=True)

    # (c) the set where a step increases f
    pc = sol.part("c", "Where a step increases f",
                  r"For which $w$ does a step on term $i$ increase $f$, as a function of $\eta$?")
    cc = (c1_, c2_)

    def change(k: int, rate=eta, cen=cc) -> sp.Expr:
        return objective(_definition_step(w, cen[k], rate), *cen) - objective(w, *cen)

    def factored(k: int) -> sp.Expr:
        ell, top = increasing_endpoints(cc[k], cc[1 - k], eta)
        return sp.cancel(eta * (2 - eta) * (top - w) * (w - ell))

    centres = {"i=1": {"ci": c1_, "cj": c2_}, "i=2": {"ci": c2_, "cj": c1_}}  # c_i drawn, c_j the other
    pc.chain("change", r"f(w - \eta f_i'(w)) - f(w)", centres, sizes={"ci": ci_, "cj": cj_}, aside=True).define(
        r"\tfrac12\bigl((1-\eta)w + \eta c_i - c_1\bigr)^2 + \tfrac12\bigl((1-\eta)w + \eta c_i "
        r"- c_2\bigr)^2 - f(w)", lambda ci, cj: change(cc.index(ci)),
    ).step(r"\eta(2-\eta)\,(c_i - w)\,(w - \ell_i)", lambda ci, cj: factored(cc.index(ci)),
           r"factor the quadratic in $w$, with $\ell_i = \frac{c_i + c_j - \eta c_i}{2-\eta}$ ($j \ne i$)")
    lc = [sp.Poly(sp.expand(change(k)), w).LC() for k in range(2)]
    pc.claim("shape", r"As a function of $w$ the change is a quadratic with leading coefficient "
             r"$-\eta(2-\eta)$, negative exactly for $0 < \eta < 2$: it is positive exactly "
             r"strictly between its two roots.",
             prove.equal(lc[0], -eta * (2 - eta)) & prove.equal(lc[1], -eta * (2 - eta))
             & prove.holds(sp.Eq(_solve_poly(-t * (2 - t), t, "<") & sp.Interval.open(0, sp.oo),
                                 sp.Interval.open(0, max_rate()))), aside=True)

    def vieta(k: int) -> object:
        poly = sp.Poly(sp.expand(change(k)), w)
        a2, a1, a0 = poly.all_coeffs()
        r1, r2 = increasing_endpoints(cc[k], cc[1 - k], eta)
        return prove.equal(sp.cancel(r1 + r2), sp.cancel(-a1 / a2)) & prove.equal(
            sp.cancel(r1 * r2), sp.cancel(a0 / a2))

    pc.claim("roots", r"The change $f(w^+) - f(w) = \eta(2-\eta)(c_i - w)(w - \ell_i)$, with "
             r"$\ell_i = \frac{c_i + c_j - \eta c_i}{2-\eta}$ (chain in the appendix), has roots "
             r"$\ell_i$ and $c_i$ (Vieta's formulas, $i = 1, 2$). So a step on term $i$ increases $f$ "
             r"exactly between $\ell_i = m - \frac{\eta}{2-\eta}(c_i - m)$ and $c_i$, where "
             r"$m = \frac{c_1+c_2}{2}$ minimises $f$.",
             prove.proved_for_each({"i=1": lambda: vieta(0), "i=2": lambda: vieta(1)},
                                   "Vieta's formulas"))
    pc.claim("ell-form", r"The two forms of $\ell_i$ agree.",
             prove.equal(increasing_endpoints(c1_, c2_, eta)[0],
                         (c1_ + c2_) / 2 - eta / (2 - eta) * (c1_ - (c1_ + c2_) / 2)), aside=True)
    for k in range(2):
        ell, top = increasing_endpoints(c[k], c[1 - k], e)
        solved = _solve_poly(change(k, e, c), w, ">")
        pc.claim(f"set{k + 1}", rf"With $\eta = {sp.latex(e)}$: a step on $f_{k + 1}$ increases "
                 rf"$f$ exactly for $w \in {sp.latex(_interval(ell, top))}$ (SymPy solves the "
                 r"inequality $f(w^+) > f(w)$ directly).",
                 prove.holds(sp.Eq(solved, _interval(ell, top))), aside=True)
    ends = [(float("nan"), float("nan"))] * 2  # the simulated increasing set of each term, when one interval
    both, union = sets[0] & sets[1], sets[0] | sets[1]
    between = _interval(*c)
    if e <= 1:  # eta/(2 - eta) <= 1: each l_i lies between m and the other centre (on it at eta = 1)
        cover = rf"Together the two sets cover exactly the open interval between the centres, ${sp.latex(between)}$."
        covered = prove.holds(sp.Eq(union, between))
    else:  # eta/(2 - eta) > 1: each l_i lies beyond the other centre
        cover = (rf"Together the two sets cover ${sp.latex(union)}$, more than the open interval between the "
                 rf"centres, ${sp.latex(between)}$.")
        covered = (prove.holds(sp.Eq(sp.Complement(between, union), sp.S.EmptySet))
                   & prove.holds(sp.Ne(sp.Complement(union, between), sp.S.EmptySet)))
    pc.claim("cover", cover + rf" They overlap on ${sp.latex(both)}$, which contains the minimiser "
             rf"$m = {sp.latex(m)}$: near $w^*$ every draw increases $f$.",
             covered & prove.holds(sp.Contains(m, both)))
    for k in range(2):
        up = lambda v, k=k: sim.change_of_f(v, cs, k, p.eta)  # noqa: E731
        wide = sim.grid(cs, p.grid, up)
        grid_step = float(wide[1] - wide[0])
        runs, coarse = sim.positive_runs(up, wide), sim.grid_runs(up, wide)
        lo, hi = (float(v) for v in (sets[k].start, sets[k].end))
        v = prove.on_instances({"one interval": len(runs) == 1 and len(coarse) == 1},
                               "sign of the simulated change on the grid")
        if len(runs) == 1 and len(coarse) == 1:
            ends[k] = runs[0]
            v = (v & prove.close(runs[0][0], lo, rtol=ENDPOINT_TOL, atol=ENDPOINT_TOL, what="left end")
                 & prove.close(runs[0][1], hi, rtol=ENDPOINT_TOL, atol=ENDPOINT_TOL, what="right end")
                 & prove.close(coarse[0][0], lo, rtol=0, atol=grid_step, what="left, grid only")
                 & prove.close(coarse[0][1], hi, rtol=0, atol=grid_step, what="right, grid only"))
        pc.claim(f"sim{k + 1}", rf"Simulated steps on $f_{k + 1}$ at {p.grid} grid points (range "
                 r"widened until $f$ no longer rises at its ends): $f$ "
                 r"goes up on one run of points whose ends, refined by bisection, match the "
                 rf"derived interval to $10^{{{round(np.log10(ENDPOINT_TOL))}}}(1 + |\text{{end}}|)$ (and to the grid "
                 r"spacing "
                 rf"${pc.setting(grid_step, '.2g')}$ without refinement).", v, aside=True)

    # (d) in expectation
    pd = sol.part("d", "What does hold: descent in expectation",
                  r"What is the expected SGD step, and when does it decrease $f$ on average?")
    pd.chain("mean", r"\mathbb{E}[w^+]", aside=True).define(
        r"\tfrac12\bigl(w - \eta f_1'(w)\bigr) + \tfrac12\bigl(w - \eta f_2'(w)\bigr)",
        (_definition_step(w, c1_, eta) + _definition_step(w, c2_, eta)) / 2,
    ).step(r"w - \frac{\eta}{2}\,f'(w)",
           w - expected_rate(eta) * sp.diff(objective(w, c1_, c2_), w), r"$f' = f_1' + f_2'$")
    pd.text(r"Averaging the two draws, $\mathbb{E}[w^+] = w - \frac{\eta}{2}f'(w)$: "
            r"the \emph{expected} iterate is a gradient step on $f$ with rate $\eta/2$ ($f$ is a sum, "
            r"not a mean), and $\mathbb{E}[f(w^+)] - f(w) = -\eta(2-\eta)(w - m)^2 "
            r"+ \eta^2 d^2$ with $m = \tfrac{c_1+c_2}{2}$, $d = \tfrac{c_1-c_2}{2}$.")
    ws = pts
    mean_coeffs = sp.Poly(sp.expand(w - expected_rate(e) * sp.diff(F, w)), w).all_coeffs()
    mean_pred = np.polyval([float(a) for a in mean_coeffs], ws)
    pd.claim("mean-sim", rf"On the {p.grid} grid points the average of the two simulated steps "
             r"equals $w - \frac{\eta}{2}f'(w)$.",
             prove.close(float(np.max(np.abs(sim.expected_step(ws, cs, p.eta) - mean_pred))), 0.0,
                         rtol=0, atol=1e-9 * max(1.0, float(np.max(np.abs(ws)))), what="max |difference|"),
             aside=True)
    pd.chain("change", r"\mathbb{E}[f(w^+)] - f(w)", aside=True).define(
        r"\tfrac12 f\bigl(w - \eta f_1'(w)\bigr) + \tfrac12 f\bigl(w - \eta f_2'(w)\bigr) - f(w)",
        (change(0) + change(1)) / 2,
    ).step(r"-\eta(2-\eta)(w - m)^2 + \eta^2 d^2", expected_change(w, c1_, c2_, eta),
           r"expand, with $m = \tfrac{c_1+c_2}{2}$ and $d = \tfrac{c_1-c_2}{2}$")
    fprime = sp.diff(objective(w, c1_, c2_), w)
    pd.claim("first-order", r"To first order in $\eta$ this is $-\frac{\eta}{2}f'(w)^2$, the "
             r"decrease of a gradient step of rate $\eta/2$: for fixed $w \ne m$ the expected "
             r"loss decreases once $\eta$ is small enough.",
             prove.equal(sp.diff(expected_change(w, c1_, c2_, eta), eta).subs(eta, 0),
                         -sp.diff(expected_rate(eta), eta) * fprime**2), aside=True)
    r = noise_radius(*c, e)
    ball = sp.Interval(m - r, m + r)
    pd.claim("ball", rf"But not everywhere: with $\eta = {sp.latex(e)}$ the expected change is "
             rf"$\ge 0$ exactly on $|w - m| \le r$, $r = \frac{{|c_1-c_2|}}{{2}}"
             rf"\sqrt{{\frac{{\eta}}{{2-\eta}}}} = {sp.latex(r)} \approx {pd.quote(float(r), 'ball', '.4g')}$ (SymPy "
             r"solves the inequality).",
             prove.holds(sp.Eq(_solve_poly(expected_change(w, *c, e), w, ">="), ball)), value=r)
    mean_up = lambda v: sim.expected_change(v, cs, p.eta)  # noqa: E731
    runs = sim.positive_runs(mean_up, sim.grid(cs, p.grid, mean_up))
    vb = prove.on_instances({"one interval": len(runs) == 1}, "sign of the simulated mean change")
    radius = (runs[0][1] - runs[0][0]) / 2 if len(runs) == 1 else float("nan")
    if len(runs) == 1:
        vb = (vb & prove.close(runs[0][0], float(m - r), rtol=ENDPOINT_TOL, atol=ENDPOINT_TOL, what="left")
              & prove.close(runs[0][1], float(m + r), rtol=ENDPOINT_TOL, atol=ENDPOINT_TOL, what="right"))
    pd.claim("ball-sim", r"The simulated mean change (both draws, from the definition) is "
             r"positive on one interval whose bisected ends match $m \pm r$.", vb, aside=True)
    v_ = sp.Symbol("v", nonnegative=True)
    second = (sum((_definition_step(w, cc[k], eta) - (c1_ + c2_) / 2) ** 2 for k in range(2)) / 2)
    d_sym = (c1_ - c2_) / 2
    affine = sp.Poly(term_factor(eta) * v_ + eta**2 * d_sym**2 - v_, v_)  # zero at the fixed point
    pd.claim("stationary", r"The spread obeys $\mathbb{E}[(w^+ - m)^2] = (1-\eta)^2(w-m)^2 + "
             r"\eta^2 d^2$, whose fixed point is $\eta d^2/(2-\eta) = r^2$: run with a constant "
             r"step, SGD settles where the expected decrease stops, and keeps fluctuating there.",
             prove.equal(second, term_factor(eta) * (w - (c1_ + c2_) / 2) ** 2 + eta**2 * d_sym**2)
             & prove.equal(affine.degree(), 1)
             & prove.equal(-affine.nth(0) / affine.nth(1), noise_radius(c1_, c2_, eta) ** 2), aside=True)
    pd.text(r"So SGD decreases $f$ in expectation only while $|w - m| > r$; as $r \to 0$ with $\eta$, "
            r"reaching $w^*$ needs a decreasing step or the full gradient.")
    pd.figure("sets", rf"Left: $f$, $f_1$, $f_2$ with $c_1 = {p.centre1:g}$, $c_2 = "
              rf"{p.centre2:g}$; shaded, the points where an SGD step with $\eta = {p.eta:g}$ "
              r"on $f_1$ (upper band) or on $f_2$ (lower band) increases $f$, as derived; black "
              rf"dots, the counterexample step $w = {pd.setting(float(w0))} \to "
              rf"{pd.quote(float(w1), 'b.term-decreases', 'g')}$ "
              r"(a step on "
              rf"$f_{{{i + 1}}}$). Right: the simulated change of $f$ after a step on each term "
              r"(coloured as the term), and its average over the draw (dashed; zoomed to where it is "
              r"positive), with the derived sets and the noise ball $m \pm r$ marked.",
              lambda path: _plot(path, p, [(float(s.start), float(s.end)) for s in sets],
                                 (float(m - r), float(m + r)), float(w0), float(w1), i), aside=True)

    ell_gen = increasing_endpoints(c1_, c2_, eta)[0]
    guaranteed = _guaranteed(pts, cs, p.eta)
    pb.claim("no-guarantee", rf"Simulated single steps with $\eta = {p.eta:g}$ from the {p.grid} grid points find "
             r"steps that lower their sampled term and raise $f$.", guaranteed(False), aside=True)
    sol.answer("guaranteed decrease", False, claims=("b.no-guarantee",), check=guaranteed)
    sol.answer("counterexample [w, eta, term]", [w0, e, i + 1], claims=("b.term-decreases", "b.f-increases"),
               check=_counterexample(cs), any_passing=True)
    sol.answer("descent rate limit", max_rate(), claims=("a.sim",), check=limit_check)
    sol.misconception("descent rate limit", "no-overshoot", sp.Integer(1),
                      r"Below it the step stops short of $c_i$, but jumping over $c_i$ is allowed: the sampled "
                      r"term is multiplied by $(1 - \eta)^2$, which stays below $1$ up to $\eta = 2$, twice the "
                      r"inverse curvature of $f_i$.")
    ell_end = max(ends[0], key=lambda x: abs(x - p.centre1))  # the end of the measured set that is not c_1
    sol.answer("ell_1", ell_gen, claims=("c.sim1",),
               check=witness.at({c1_: c[0], c2_: c[1], eta: e},
                                witness.close(ell_end, rtol=ENDPOINT_TOL, atol=ENDPOINT_TOL,
                                              what="bisected end of the simulated set where a step on f_1 raises f")))
    at = {c1_: c[0], c2_: c[1], eta: e}
    for id, wrong, why in (
            ("minimiser-as-end", (c1_ + c2_) / 2,
             r"Between $m$ and $c_1$ a step towards $c_1$ moves away from the minimiser $m$, so $f$ goes up; "
             r"but from just beyond $m$ on the other side the step can overshoot $m$ and land farther from it. "
             r"The set reaches past $m$, to $\ell_1 = m - \frac{\eta}{2 - \eta}(c_1 - m)$."),
            ("ascent-step", (c1_ + c2_ + eta * c1_) / (2 + eta),
             r"The SGD step subtracts the gradient: $w - \eta(w - c_1)$. Adding it moves away from $c_1$, and "
             r"the end of the set found from that step is not $\ell_1$."),
            ("other-centre", c2_,
             r"Not every point between the centres is raised by a step on $f_1$: far from $m$ the step towards "
             r"$c_1$ also moves towards $m$ and $f$ falls. $f$ rises only between $\ell_1$ and $c_1$.")):
        if _differs(ell_gen.subs(at), wrong.subs(at)):
            sol.misconception("ell_1", id, wrong, why)
    ws = pts
    fprime = sim.grad(sim.objective(cs), ws)
    sol.answer("expected rate", expected_rate(eta), claims=("d.mean-sim",),
               check=witness.at({eta: e}, _mean_step(ws, fprime, sim.expected_step(ws, cs, p.eta),
                                                     atol=1e-9 * max(1.0, float(np.max(np.abs(ws)))))))
    sol.misconception("expected rate", "unbiased-for-the-sum", eta,
                      r"The drawn gradient $f_i'$ is an unbiased estimate of the \emph{mean} of the two terms' "
                      r"gradients, $f'/2$, not of $f' = f_1' + f_2'$ (the sheet's $f$ is a sum). So the expected "
                      r"step is $w - \frac{\eta}{2} f'(w)$.")
    sol.misconception("expected rate", "times-the-count", 2 * eta,
                      r"Averaging over two equally likely draws divides by $2$: "
                      r"$\mathbb{E}[f_i'] = (f_1' + f_2')/2 = f'/2$, so the expected rate is $\eta/2$, not $2\eta$.")
    sol.answer("noise radius", r, claims=("d.ball-sim",),
               check=witness.close(radius, rtol=ENDPOINT_TOL, atol=ENDPOINT_TOL,
                                   what="half-width of the simulated set where the expected change is >= 0"))
    d_abs = sp.Abs(c[0] - c[1])
    for id, wrong, why in (
            ("no-square-root", d_abs / 2 * e / (2 - e),
             r"$\mathbb{E}[f(w^+)] - f(w) = -\eta(2 - \eta)(w - m)^2 + \eta^2 d^2$ vanishes at "
             r"$(w - m)^2 = \eta d^2/(2 - \eta)$: the radius is its square root, $|d|\sqrt{\eta/(2 - \eta)}$."),
            ("full-distance", d_abs * sp.sqrt(e / (2 - e)),
             r"$d = (c_1 - c_2)/2$ is half the distance between the centres, as $m$ is their midpoint: the "
             r"radius is $\frac{|c_1 - c_2|}{2}\sqrt{\eta/(2 - \eta)}$, not $|c_1 - c_2|\sqrt{\eta/(2 - \eta)}$."),
            ("first-order", d_abs / 2 * sp.sqrt(e / 2),
             r"Keeping only the first-order decrease $-\eta f'^2/2$ drops the $\eta^2(w - m)^2$ of the expected "
             r"change; the exact factor is $\eta(2 - \eta)$, so the radius is "
             r"$\frac{|c_1 - c_2|}{2}\sqrt{\eta/(2 - \eta)}$.")):
        if _differs(r, wrong):
            sol.misconception("noise radius", id, wrong, why)
    return sol


def _differs(right: sp.Expr, wrong: sp.Expr) -> bool:
    """A misconception is declared only where it is more than 1% away from the right value."""
    a, b = float(right), float(wrong)
    return abs(a - b) > 0.01 * max(abs(a), abs(b))


def _guaranteed(pts: np.ndarray, cs: tuple, eta_: float) -> Check:
    """A yes/no candidate judged by simulated single steps from the grid points: "no" (False) is right exactly
    when some step lowers its sampled term and raises f."""
    found = [(float(w_), k + 1) for k in range(2) for w_ in pts[(sim.change_of_f(pts, cs, k, eta_) > 0)
                                                             & (sim.change_of_term(pts, cs, k, eta_) < 0)][:1]]
    seen = (f"a step on f_{found[0][1]} from w = {found[0][0]:.6g} lowers that term and raises f" if found
            else "no step that lowers its term raises f")
    return witness.yes_no(not found, f"simulated steps with eta = {eta_:g} from {len(pts)} grid points: {seen}")


def _counterexample(cs: tuple) -> Check:
    """A candidate counterexample [w, eta, term (1 or 2)] judged by the simulated step from w on that term: it
    must lower the drawn term (the sheet's assumption on eta) and raise f."""

    def check(value) -> Verdict:
        given = [witness.number(v) for v in value] if isinstance(value, (list, tuple)) and len(value) == 3 else []
        if not given or None in given or given[1] <= 0 or given[2] not in (1, 2):
            return Verdict("numeric", False, f"{str(value)[:60]} is not [w, eta > 0, term 1 or 2]")
        w_, e_, k = given
        at, i = np.array(w_), int(k) - 1
        with np.errstate(all="ignore"):  # a step that overflows compares False: it is no counterexample
            down, up = sim.change_of_term(at, cs, i, e_) < 0, sim.change_of_f(at, cs, i, e_) > 0
        return prove.on_instances({"the drawn term decreases": bool(down), "f increases": bool(up)},
                                  f"simulated step from w = {w_:.6g} with eta = {e_:.6g} on f_{i + 1}")

    return check


def _rate_limit(pts: np.ndarray, cs: tuple) -> Check:
    """A candidate largest step size judged by simulated single steps on every grid point: each sampled
    term never increases at 0.99 of it and always increases at 1.01 of it (the witness of a.sim)."""

    def check(value) -> Verdict:
        x = witness.number(value)
        if x is None or x <= 0:
            return Verdict("numeric", False, f"rate limit {value} is not a positive number")
        below, above = 0.99 * x, 1.01 * x
        return prove.on_instances(
            {**{f"f_{k + 1}, eta = {below:g}: never up": bool(np.all(sim.change_of_term(pts, cs, k, below) < 0))
                for k in range(2)},
             **{f"f_{k + 1}, eta = {above:g}: always up": bool(np.all(sim.change_of_term(pts, cs, k, above) > 0))
                for k in range(2)}}, f"single steps on {pts.size} grid points")

    return check


def _mean_step(ws: np.ndarray, fprime: np.ndarray, mean: np.ndarray, atol: float) -> Check:
    """A candidate rate r judged by the simulated mean step: it must equal w - r f'(w) at every grid point,
    f' by central differences of f."""

    def check(value) -> Verdict:
        x = witness.number(value)
        if x is None:
            return Verdict("numeric", False, f"rate {value} is not a number at the eta in force")
        return prove.close_all(mean, ws - x * fprime, 0.0, "simulated mean step against w - rate f'(w)", atol=atol)

    return check


def _plot(path, p: Params, sets, ball, w0, w1, i) -> None:
    cs = (p.centre1, p.centre2)
    lo_c, hi_c = min(cs), max(cs)
    span = hi_c - lo_c
    ws = np.linspace(lo_c - 0.3 * span, hi_c + 0.3 * span, 600)
    f = sim.objective(cs)
    cols = figures.series(2)
    with figures.figure(path, ncols=2) as (fig, (left, right)):
        left.plot(ws, f(ws), color="k", label="$f$")
        for k, col in enumerate(cols):
            left.plot(ws, sim.term(cs[k])(ws), color=col, lw=1, label=f"$f_{k + 1}$")
            band = (0.5, 1.0) if k == 0 else (0.0, 0.5)
            left.axvspan(*sets[k], *band, color=col, alpha=0.2)
        left.plot([w0, w1], [float(f(w0)), float(f(w1))], "o-", color="k", ms=4, lw=1.5)
        left.set_xlim(ws[0], ws[-1])
        left.set_xlabel("$w$")
        left.set_ylabel("loss")
        left.set_ylim(-0.05 * float(np.max(f(ws))), 1.3 * float(np.max(f(ws))))
        changes = [sim.change_of_f(ws, cs, k, p.eta) for k in range(2)]
        mean = sim.expected_change(ws, cs, p.eta)
        top = max(float(np.max(c)) for c in changes)
        for k, col in enumerate(cols):
            right.plot(ws, changes[k], color=col, lw=1, label=f"step on $f_{k + 1}$")
            right.axvspan(*sets[k], *((0.5, 1.0) if k == 0 else (0.0, 0.5)), color=col,
                          alpha=0.15)
        right.plot(ws, mean, color="k", lw=1.2, ls="--", label="average change of $f$")
        right.axvspan(*ball, color="0.5", alpha=0.3, label=r"noise ball $m \pm r$")
        right.axhline(0, color="k", lw=0.5)
        right.set_xlim(ws[0], ws[-1])
        right.set_ylim(-3.5 * top, 1.5 * top)
        right.set_xlabel("$w$")
        right.set_ylabel(r"$f(w^+) - f(w)$")
        handles = [*left.get_legend_handles_labels()[0], *right.get_legend_handles_labels()[0][2:]]
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
