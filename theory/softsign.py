"""Softsign g(x) = x/(1+|x|): oddness, derivative, saturation vs tanh (cs7643-ps2 Q2)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import softsign as num
from checks.finite_differences import central_difference
from theory.core import figures, prove, witness
from theory.core.context import Context
from theory.core.latexread import Notation
from theory.core.params import Parameters, exact_decimal, numbers, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict

TOPIC = "softsign"

x = sp.Symbol("x", real=True)
h_ = sp.Symbol("h", real=True)
xp = sp.Symbol("x", nonnegative=True)  # the case x >= 0
xn = sp.Symbol("x", negative=True)  # the case x < 0
xq = sp.Symbol("x", positive=True)  # the case x > 0 (derivative)

FD_RTOL = 1e-5  # central differences: truncation <= h^2, rounding <= 1e-16 (1+|x|)^3 / h
CS_RTOL = 1e-9  # complex step: truncation ~ h^2 with h = 1e-20, no cancellation
DECADES = (1, 2, 3, 4)  # the limits of g' are measured at |x| = 10^k for these k


_table_points = numbers("points", lo=0.01, hi=30.0, length=(1, 8), example="(1, 2, 5, 10, 20)")


def _table_check(value) -> str | None:
    """Each point in [0.01, 30], and no two alike as printed (each names a claim and a table row)."""
    return _table_points(value) or (None if len({f"{v:g}" for v in value}) == len(value)
                                    else "the points must differ (to 6 significant digits)")


@dataclass(frozen=True)
class Params(Parameters):
    # Points from 0.01 = 10 x the largest step (the differences never straddle the kink at 0) to 30
    # (tanh'(30) ~ 4e-26 is still a normal float, and the complex step resolves it).
    table_points: tuple = param((1.0, 2.0, 5.0, 10.0, 20.0),
                                "points x of the g' vs tanh' table: 1 to 8 distinct numbers in [0.01, 30]",
                                check=_table_check)
    fd_step: float = param(1e-4, "step h of the central finite differences", lo=1e-6, hi=1e-3)
    random_points: int = param(200, "random points for the numeric checks of (a), (b-i)",
                               lo=10, hi=100_000)
    spread: float = param(10.0, "random points are drawn uniformly from [-spread, spread]",
                          lo=0.1, hi=20.0)


def softsign(t: sp.Expr) -> sp.Expr:
    """The sheet's definition (not a derived result)."""
    return t / (1 + sp.Abs(t))


def piecewise_form(t: sp.Expr) -> sp.Expr:
    """g without the absolute value: x/(1+x) for x >= 0, x/(1-x) for x < 0."""
    return sp.Piecewise((t / (1 + t), t >= 0), (t / (1 - t), True))


def _slopes(var: sp.Symbol, points: np.ndarray, measured: np.ndarray) -> Check:
    """A candidate g'(x) judged by the central differences of the definition at the random points."""
    return witness.formula_on((var,), (points,), measured, rtol=FD_RTOL,
                              what=f"central differences at {len(points)} random points")


def derivative(t: sp.Expr) -> sp.Expr:
    """The result of (b-i) and (b-ii): g'(x) = 1/(1+|x|)^2 (also at x = 0)."""
    return 1 / (1 + sp.Abs(t)) ** 2


def saturation() -> sp.Expr:
    """lim_{x -> +oo} g(x); by oddness the limit at -oo is its negative."""
    return sp.Integer(1)


def tanh_derivative(t: sp.Expr) -> sp.Expr:
    """tanh'(x) = sech^2 x."""
    return sp.sech(t) ** 2


def softsign_tail(t: sp.Expr) -> sp.Expr:
    """Leading behaviour of g'(x) for large |x|."""
    return 1 / t**2


def tanh_tail(t: sp.Expr) -> sp.Expr:
    """Leading behaviour of tanh'(x) for large |x|."""
    return 4 * sp.exp(-2 * sp.Abs(t))


def _vectorised(expr: sp.Expr, var: sp.Symbol):
    """A NumPy-callable version of a Piecewise-free expression (lambdify's numpy namespace
    costs 0.2 s to load; Abs is the only function these formulas need)."""
    return sp.lambdify(var, expr, [{"Abs": np.abs}, "math"])


def _sci(v: float) -> str:
    """A number for LaTeX math: plain if moderate, else a x 10^k with four digits."""
    if 1e-3 <= abs(v) < 1e4:
        return f"{v:.4g}"
    mant, exp = f"{v:.3e}".split("e")
    return rf"{float(mant):g}\times10^{{{int(exp)}}}"


def _exp_form(e: sp.Expr) -> sp.Expr:
    """A hyperbolic expression as one reduced fraction in exp(x) (fast, no simplify)."""
    return sp.cancel(sp.together(e.rewrite(sp.exp)))


def solve(p: Params, ctx: Context) -> Solution:
    g = softsign
    sol = Solution(
        TOPIC, "The softsign activation", "cs7643-ps2, Question 2", p,
        notation=Notation(functions={"g": softsign}),
        question=(
            r"For $g(x) = x/(1+|x|)$ on $\mathbb{R}$: show it is zero-centred (odd), find $g'$, and "
            r"decide from the limits whether it makes gradients vanish or explode for large $|x|$."
        ),
    )
    rng = ctx.rng("points")
    pts = num.random_points(rng, p.random_points, p.spread, avoid=10 * p.fd_step)

    # (a) oddness
    pa = sol.part("a", "Zero-centred",
                  r"Prove $g(-x) = -g(x)$ for every real $x$, taking care of $|x|$.")
    pa.text(r"Remove the absolute value by splitting the real line at $0$: $|x| = x$ for "
            r"$x \ge 0$ and $|x| = -x$ for $x < 0$, so")
    pa.claim("form", r"$g(x) = \dfrac{x}{1+x}$ for $x \ge 0$ and $g(x) = \dfrac{x}{1-x}$ for "
             r"$x < 0$ (SymPy, with $x$ declared non-negative, resp. negative).",
             prove.proved_for_each({
                 "x >= 0": lambda: prove.equal(g(xp), piecewise_form(xp)),
                 "x < 0": lambda: prove.equal(g(xn), piecewise_form(xn)),
             }, "the definition against the case form"))
    pa.chain("pos", r"g(-x)\ \ (x \ge 0)").define(
        r"\frac{-x}{1+\lvert -x\rvert}", g(-xp), "definition",
    ).step(r"-\frac{x}{1+x}", -xp / (1 + xp), r"$\lvert -x\rvert = x$ since $x \ge 0$",
           ).step(r"-g(x)", -piecewise_form(xp), r"the case form of $g$ for $x \ge 0$")
    pa.chain("neg", r"g(-x)\ \ (x < 0)").define(
        r"\frac{-x}{1+\lvert -x\rvert}", g(-xn), "definition",
    ).step(r"\frac{-x}{1-x}", -xn / (1 - xn), r"$\lvert -x\rvert = -x$ since $-x > 0$",
           ).step(r"-g(x)", -piecewise_form(xn), r"the case form of $g$ for $x < 0$")
    pa.text(r"The two cases cover $\mathbb{R}$, so $g(-x) = -g(x)$ everywhere: $g$ is odd, with "
            r"$g(0) = 0$, $g > 0$ on $x > 0$ and $g < 0$ on $x < 0$ (zero-centred).")
    defn = num.softsign(pts)
    form_num = np.where(pts >= 0, _vectorised(piecewise_form(xp), xp)(np.abs(pts)),
                        _vectorised(piecewise_form(xn), xn)(-np.abs(pts)))
    pa.claim("numeric", rf"At {p.random_points} random points of $[-{p.spread:g}, {p.spread:g}]$ "
             r"the definition evaluated in floating point is odd, and agrees with the case form.",
             prove.close(num.odd_residual(pts), 0.0, rtol=0.0, atol=1e-15,
                         what=r"max |g(-x) + g(x)|")
             & prove.close(float(np.max(np.abs(form_num - defn))), 0.0, rtol=0.0, atol=1e-14,
                           what="max |case form - definition|"), aside=True)

    # (b-i) derivative away from 0
    pb1 = sol.part("bi", r"Derivative for $x \ne 0$", r"Compute $g'(x)$ for $x \ne 0$.")
    pb1.chain("pos", r"g'(x)\ \ (x > 0)").define(
        r"\frac{d}{dx}\,\frac{x}{1+x}", sp.diff(g(xq), xq), "differentiate the definition",
    ).step(r"\frac{(1+x) - x}{(1+x)^2}", ((1 + xq) - xq) / (1 + xq) ** 2, "quotient rule",
           ).step(r"\frac{1}{(1+|x|)^2}", derivative(xq), r"$x = |x|$")
    pb1.chain("neg", r"g'(x)\ \ (x < 0)").define(
        r"\frac{d}{dx}\,\frac{x}{1-x}", sp.diff(g(xn), xn), "differentiate the definition",
    ).step(r"\frac{(1-x) + x}{(1-x)^2}", ((1 - xn) + xn) / (1 - xn) ** 2, "quotient rule",
           ).step(r"\frac{1}{(1+|x|)^2}", derivative(xn), r"$-x = |x|$")
    d_num = _vectorised(derivative(x), x)
    fd = central_difference(num.softsign, pts, p.fd_step)
    worst = float(np.max(np.abs(fd / d_num(pts) - 1)))
    pb1.claim("fd", rf"Central differences of the definition with $h = {p.fd_step:g}$ at the "
              rf"{p.random_points} random points (all with $|x| > 10h$) agree with "
              rf"$1/(1+|x|)^2$ to relative error ${pb1.setting(FD_RTOL)}$.",
              prove.close(worst, 0.0, rtol=0.0, atol=FD_RTOL, what="max relative deviation"),
              aside=True)

    # (b-ii) derivative at 0
    pb2 = sol.part("bii", "Derivative at 0",
                   r"Evaluate $g'(0)$; $|x|$ has a kink at $0$, so use the difference quotient.")
    quotient = (g(h_) - g(sp.Integer(0))) / h_
    q_right, q_left = sp.limit(quotient, h_, 0, "+"), sp.limit(quotient, h_, 0, "-")
    pb2.text(r"The difference quotient is $\dfrac{g(h) - g(0)}{h} = \dfrac{h/(1+|h|)}{h} = "
             r"\dfrac{1}{1+|h|}$ for $h \ne 0$.")
    pb2.claim("right", r"$\lim_{h\to0^+}\frac{g(h)-g(0)}{h} = g'(0)$ as given by "
              rf"$1/(1+|x|)^2$ at $x=0$, i.e. ${pb2.quote(q_right, 'right')}$.",
              prove.equal(q_right, derivative(sp.Integer(0))), value=q_right)
    pb2.claim("left", r"$\lim_{h\to0^-}\frac{g(h)-g(0)}{h}$ is the same, so $g$ is "
              rf"differentiable at $0$ with $g'(0) = {pb2.quote(q_left, 'left')}$.",
              prove.equal(q_left, derivative(sp.Integer(0))), value=q_left)
    pb2.claim("continuous", r"$g$ is continuous at $0$ (the hint): both one-sided limits of $g$ "
              r"equal $g(0) = 0$.",
              prove.equal(sp.limit(g(x), x, 0, "+"), g(sp.Integer(0)))
              & prove.equal(sp.limit(g(x), x, 0, "-"), g(sp.Integer(0))))
    pb2.claim("derivative-continuous", r"The formula of (b-i) tends to the same value from both "
              r"sides, $\lim_{x\to0^\pm} 1/(1+|x|)^2 = 1$, so $g'$ is continuous at $0$ and "
              r"$g'(x) = 1/(1+|x|)^2$ holds on all of $\mathbb{R}$.",
              prove.equal(sp.limit(derivative(x), x, 0, "+"), q_right)
              & prove.equal(sp.limit(derivative(x), x, 0, "-"), q_left), aside=True)
    qr, ql = num.one_sided_quotients(num.softsign, p.fd_step)
    g0 = float(derivative(sp.Integer(0)))
    pb2.claim("fd", rf"Numeric one-sided quotients at $h = \pm{p.fd_step:g}$ (they equal "
              rf"$1/(1+h)$, so agree with $g'(0)$ to within $10h$).",
              prove.close(qr, g0, rtol=10 * p.fd_step, what="right quotient")
              & prove.close(ql, g0, rtol=10 * p.fd_step, what="left quotient"), aside=True)

    # (b-iii) saturation
    pb3 = sol.part("biii", "Vanishing or exploding gradients",
                   r"From the limits, decide whether $g$ can cause vanishing or exploding "
                   r"gradients for large $|x|$.")
    pb3.claim("limits",
              r"$\lim_{x\to\pm\infty} g'(x) = \lim_{x\to\pm\infty}\frac{1}{(1+|x|)^2} = 0$.",
              prove.equal(sp.limit(derivative(x), x, sp.oo), 0)
              & prove.equal(sp.limit(derivative(x), x, -sp.oo), 0))
    pb3.claim("bounds", r"$0 < g'(x) \le 1$ for every real $x$, with the maximum $1$ at $x = 0$: "
              r"for $x \ge 0$ and for $x < 0$ SymPy's sign rules decide $g'(x) > 0$ and "
              r"$1 - g'(x) = \frac{|x|(|x|+2)}{(1+|x|)^2} \ge 0$.",
              prove.proved_for_each({
                  c: (lambda s=s: prove.holds(derivative(s) > 0)
                      & prove.holds(sp.factor(1 - derivative(s)) >= 0))
                  for c, s in (("x >= 0", xp), ("x < 0", xn))}, "sign rules")
              & prove.equal(derivative(sp.Integer(0)), 1))
    sat = saturation()
    pb3.claim("saturates", r"$g$ saturates: $\lim_{x\to+\infty} g(x) = 1$ and "
              r"$\lim_{x\to-\infty} g(x) = -1$ (so $|g| < 1$).",
              prove.equal(sp.limit(g(x), x, sp.oo), sat)
              & prove.equal(sp.limit(g(x), x, -sp.oo), -sat)
              & prove.close(float(num.softsign(np.array(1e12))), float(sat), rtol=1e-9,
                            what="g(1e12) in floating point"))
    pb3.text(r"So gradients can \emph{vanish}: a saturated unit passes back $g'(x)\to0$, and "
             r"backpropagation multiplies such factors. They cannot \emph{explode}: every factor "
             r"is $g'(x) \le 1$ (any explosion comes from the weights). The decay is polynomial, "
             r"$g'(x) \sim 1/x^2$, against $\tanh'(x) \sim 4e^{-2|x|}$ (cross-checks below).")
    pb3.claim("tanh-derivative", r"$\tanh'(x) = \operatorname{sech}^2 x$ (both sides written "
              r"with $e^{x}$ and brought to one canonical fraction).",
              prove.equal(_exp_form(sp.diff(sp.tanh(x), x)), _exp_form(tanh_derivative(x))),
              aside=True)
    pb3.claim("softsign-tail", r"$x^2 g'(x) \to 1$ as $x \to \pm\infty$: $g'(x) \sim 1/x^2$.",
              prove.equal(sp.limit(derivative(x) / softsign_tail(x), x, sp.oo), 1)
              & prove.equal(sp.limit(derivative(x) / softsign_tail(x), x, -sp.oo), 1), aside=True)
    pb3.claim("tanh-tail", r"$e^{2|x|}\tanh'(x)/4 \to 1$ as $x \to \pm\infty$: "
              r"$\tanh'(x) \sim 4e^{-2|x|}$.",
              prove.equal(sp.limit(tanh_derivative(x) / tanh_tail(x), x, sp.oo), 1)
              & prove.equal(sp.limit(tanh_derivative(x) / tanh_tail(x), x, -sp.oo), 1), aside=True)
    pb3.claim("ratio", r"Hence $g'(x)/\tanh'(x) \sim e^{2|x|}/(4x^2) \to \infty$: far from $0$ "
              r"softsign passes back exponentially more gradient than $\tanh$.",
              prove.holds(sp.Eq(sp.limit(derivative(x) / tanh_derivative(x), x, sp.oo), sp.oo)),
              aside=True)
    xs = np.array(p.table_points, dtype=float)
    g_meas = central_difference(num.softsign, xs, p.fd_step)
    t_meas = num.tanh_slope(xs)
    rows, table = [], {}
    for k, xk in enumerate(xs):
        gd = float(derivative(exact_decimal(xk)))
        td = float(tanh_derivative(exact_decimal(xk)))
        pb3.claim(f"table.x{xk:g}",
                  rf"At $x = {xk:g}$ the measured slopes agree with the formulas: "
                  rf"$g'$ by central differences (relative error ${pb3.setting(FD_RTOL)}$), $\tanh'$ "
                  rf"by the complex step (relative error ${pb3.setting(CS_RTOL)}$).",
                  prove.close(float(g_meas[k]), gd, rtol=FD_RTOL, what="g'")
                  & prove.close(float(t_meas[k]), td, rtol=CS_RTOL, what="tanh'"), aside=True)
        table[xk] = (float(g_meas[k]), float(t_meas[k]))
        rows.append([f"${xk:g}$", f"${g_meas[k]:.6g}$", f"${gd:.6g}$", f"${_sci(t_meas[k])}$",
                     f"${_sci(td)}$", f"${_sci(g_meas[k] / t_meas[k])}$",
                     f"${xk**2 * g_meas[k]:.4f}$", f"${np.exp(2 * xk) * t_meas[k] / 4:.4f}$"])
    pb3.table([r"$x$", r"$g'$ measured", r"$\frac{1}{(1+x)^2}$", r"$\tanh'$ measured",
               r"$\operatorname{sech}^2x$", r"$g'/\tanh'$", r"$x^2g'$", r"$e^{2x}\tanh'/4$"],
              rows, caption=r"Measured slopes (central differences of $g$ with "
              rf"$h={p.fd_step:g}$; complex step $\operatorname{{Im}}\tanh(x+ih)/h$ for $\tanh$, "
              r"since $\tanh(x\pm h)$ rounds to $1$ for large $x$) against the derived formulas; "
              r"the last two columns approach $1$, the ratio grows exponentially.", aside=True)
    ratios = g_meas / t_meas
    order = [k for k in np.argsort(xs) if xs[k] >= 1]  # below x = 1 the ratio first falls (0.84 at 0.1, 0.72 at 0.2)
    if len(order) > 1:
        pb3.claim("table.growth", r"Measured: the ratio $g'/\tanh'$ increases along the table "
                  r"points (those with $x \ge 1$).", prove.on_instances(
                      {f"x={xs[order[i]]:g} -> {xs[order[i + 1]]:g}":
                       bool(ratios[order[i + 1]] > ratios[order[i]]) for i in range(len(order) - 1)},
                      "consecutive measured ratios"), aside=True)
    pb3.figure("curves", r"Left: softsign $g(x) = x/(1+|x|)$ and $\tanh x$, both saturating at "
               r"$\pm1$. Right: their derivatives on a log scale, $1/(1+|x|)^2$ (polynomial decay) "
               r"against $\operatorname{sech}^2 x$ (exponential decay); markers: the measured "
               r"slopes of the table.", lambda path: _plot(path, table), aside=True)

    negative = -np.abs(pts)
    sol.answer("g'(x)", derivative(x), claims=("bi.fd",), check=_slopes(x, pts, fd))
    sol.answer("g'(x), x < 0", derivative(xn), claims=("bi.fd",),
               check=_slopes(xn, negative, central_difference(num.softsign, negative, p.fd_step)))
    sol.answer("g'(0)", q_right, claims=("bii.fd",),
               check=witness.both(witness.close(qr, rtol=10 * p.fd_step, what="right quotient"),
                                  witness.close(ql, rtol=10 * p.fd_step, what="left quotient")))
    far_slopes = _far_slopes()  # one measurement, judged for the limit and for vanishing and exploding
    tail = _limit_of_slopes(far_slopes)
    lim = sp.limit(derivative(x), x, sp.oo)
    decades = ", ".join(r"\pm10" + (f"^{{{k}}}" if k != 1 else "") for k in DECADES)
    pb3.claim("limits-measured", rf"Measured: slopes of $g$ by central differences at $x = {decades}$ "
              rf"approach ${sp.latex(lim)}$ on both sides, closer at every decade.", tail(lim), aside=True)
    sol.answer("lim g' at +-oo", lim, claims=("biii.limits-measured",), check=tail)
    sol.answer("lim g at +oo", sat, claims=("biii.saturates",),
               check=witness.close(float(num.softsign(np.array(1e12))), rtol=1e-9, what="g(1e12) in floating point"))
    vanish, explode = _large_x(far_slopes, g_meas)
    sol.answer("vanishing", True, claims=("biii.limits-measured",), check=vanish,
               label="gradients can vanish for large |x|")
    sol.answer("exploding", False, claims=("biii.limits-measured", "biii.bounds"), check=explode,
               label="gradients can explode for large |x|")
    _misconceptions(sol)
    return sol


def _far_slopes() -> dict[str, np.ndarray]:
    """Slopes of g measured at |x| = 10^k, k in DECADES, on each side (central differences, step 0.1% of |x|)."""
    far = 10.0 ** np.array(DECADES)
    return {side: central_difference(num.softsign, sign * far, 1e-3 * far) for side, sign in (("+oo", 1), ("-oo", -1))}


def _limit_of_slopes(slopes: dict[str, np.ndarray]) -> Check:
    """A candidate limit of g' at +-infinity, judged by slopes measured far out on both sides: its distance to
    them must shrink at every decade and end within twice the last slope (about 1e-8)."""
    far = 10.0 ** np.array(DECADES)

    def check(value) -> Verdict:
        lim = witness.number(value)
        if lim is None:
            return Verdict("numeric", False, f"limit of g': {sp.sstr(value)[:60]} is not a number")
        ok = {}
        for side, s in slopes.items():
            d = np.abs(s - lim)
            ok[f"x -> {side}: closer at every decade"] = bool(np.all(np.diff(d) < 0))
            ok[f"x -> {side}: within twice the slope at |x| = 1e4"] = bool(d[-1] <= 2 * abs(s[-1]))
        return prove.on_instances(ok, f"slopes of g measured at |x| = {far[0]:g} ... {far[-1]:g} ("
                                  + ", ".join(f"{v:.3g}" for v in slopes["+oo"]) + f") against {lim:.6g}")

    return check


VANISHED = 1e-6  # a slope this small passes back a millionth of the gradient: it has vanished


def _large_x(far: dict[str, np.ndarray], table_slopes: np.ndarray) -> tuple[Check, Check]:
    """Yes/no candidates for "can gradients vanish" and "can they explode" for large |x|, judged by measured
    slopes: they vanish when on both sides the far slopes fall at every decade to below VANISHED; they could
    explode only if some measured slope (the table's or a far one) were above 1, the largest factor that
    passes a gradient back unamplified."""
    falls = all(bool(np.all(np.diff(s) < 0)) and s[-1] < VANISHED for s in far.values())
    largest = float(max(np.max(table_slopes), *(np.max(s) for s in far.values())))
    last = ", ".join(f"{s[-1]:.2g} at x -> {side}" for side, s in far.items())
    return (witness.yes_no(falls, f"measured slopes fall at every decade to {last} (vanished below {VANISHED:g})"),
            witness.yes_no(largest > 1, f"the largest measured slope is {largest:.6g} (a gradient grows only "
                                        "through a factor above 1)"))


def _misconceptions(sol: Solution) -> None:
    """The usual slips in (b): each gives another value than the right one at every x != 0."""
    a = sp.Abs(x)
    sol.misconception("g'(x)", "constant-denominator", 1 / (1 + a),
                      r"The denominator depends on $x$ too: the quotient rule gives "
                      r"$g'(x) = \frac{(1 + |x|) - x \frac{d|x|}{dx}}{(1 + |x|)^2}$ and $x \frac{d|x|}{dx} = |x|$, "
                      r"so $g'(x) = \frac{1}{(1 + |x|)^2}$. Holding $1 + |x|$ constant leaves "
                      r"$\frac{1}{1 + |x|}$.")
    sol.misconception("g'(x)", "quotient-rule-sign", (1 + 2 * a) / (1 + a) ** 2,
                      r"The quotient rule subtracts: $\left(\frac{u}{v}\right)' = \frac{u'v - uv'}{v^2}$. "
                      r"Adding the two terms gives a slope that decays like $\frac{2}{|x|}$ instead of "
                      r"$\frac{1}{x^2}$, hiding how fast the gradient of a saturated unit vanishes.")
    sol.misconception("g'(x), x < 0", "no-absolute-value", 1 / (1 + xn) ** 2,
                      r"For $x < 0$, $|x| = -x$, so $g(x) = \frac{x}{1 - x}$ and "
                      r"$g'(x) = \frac{1}{(1 - x)^2} = \frac{1}{(1 + |x|)^2}$. Differentiating "
                      r"$\frac{x}{1 + x}$ as if $|x|$ were $x$ is right only for $x > 0$ and blows up at $x = -1$.")
    sol.misconception("g'(x), x < 0", "abs-slope-one", (1 - 2 * xn) / (1 - xn) ** 2,
                      r"The slope of $|x|$ is $\operatorname{sign}(x)$, which is $-1$ for $x < 0$. With "
                      r"$\frac{d|x|}{dx} = 1$ the numerator becomes $1 + |x| - x = 1 - 2x$ instead of "
                      r"$1 + |x| - x \operatorname{sign}(x) = 1$.")
    sol.misconception("g'(0)", "value-for-slope", 0,
                      r"$g(0) = 0$ is the value at $0$, not the slope. The difference quotient "
                      r"$\frac{g(h) - g(0)}{h} = \frac{1}{1 + |h|}$ tends to $1$ from both sides, so "
                      r"$g'(0) = 1$, the steepest point of $g$.")
    sol.misconception("lim g at +oo", "unbounded", sp.oo,
                      r"$g$ never reaches $1$ in size: for $x > 0$, $g(x) = 1 - \frac{1}{1 + x}$, which tends "
                      r"to $1$. Softsign saturates like $\tanh$; only its approach to $1$ is slower.")
    sol.misconception("lim g at +oo", "slope-limit", 0,
                      r"This is the limit of the slope $g'(x)$, not of $g$: the unit saturates at $1$ while "
                      r"its gradient vanishes.")

def _plot(path, table: dict) -> None:
    xs = np.linspace(-8, 8, 801)
    with figures.figure(path, ncols=2) as (fig, (left, right)):
        soft, tanh = figures.style("softsign", "derived"), figures.style("tanh", "derived")
        left.plot(xs, num.softsign(xs), **soft, label=r"$g(x) = x/(1+|x|)$")
        left.plot(xs, np.tanh(xs), **tanh, label=r"$\tanh x$")
        left.axhline(1, color="0.5", lw=0.6, ls="--")
        left.axhline(-1, color="0.5", lw=0.6, ls="--")
        left.set_xlabel("$x$")
        left.set_ylabel("activation")
        left.legend(loc="upper left")
        top = max([20.0, *table])
        xr = np.linspace(0, top, 400)
        right.plot(xr, 1 / (1 + xr) ** 2, **soft, label=r"$g'$")
        right.plot(xr, 1 / np.cosh(xr) ** 2, **tanh, label=r"$\tanh'$")
        pts = np.array(sorted(table))
        right.plot(pts, [table[k][0] for k in pts], **figures.style("softsign", "measured"), label="measured $g'$")
        right.plot(pts, [table[k][1] for k in pts], **figures.style("tanh", "measured"), label=r"measured $\tanh'$")
        right.set_yscale("log")
        right.set_xlabel("$x$")
        right.set_ylabel("derivative")
        right.legend(loc="best")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
