"""Learning rate and divergence of gradient descent on a quadratic (iust-dl-hw1 P4)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import lr_divergence as gd
from theory.core import expr, figures, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, exact_decimal, numbers, param
from theory.core.solution import Check, Part, Solution
from theory.core.verdict import Verdict

TOPIC = "lr_divergence"

w, w0_, eta = sp.symbols("w w_0 eta", real=True)
a_ = sp.Symbol("a", positive=True)
b_, c_ = sp.symbols("b c", real=True)
eta_opt_ = sp.Symbol(r"\eta_{\mathrm{opt}}", positive=True)


COUNTEREXAMPLE = "w**4"  # part (b)'s function: its curvature grows along the step
MAX_GROWTH = 1e50  # |1 - m|^steps of the fastest diverging run: its iterates and E stay far inside float range
# Central differences are exact for a quadratic at any step, so E's gradient is taken with a wide
# step, max(1, |w|): the rounding of E(w +- h) then stays near machine precision of E'(w).
QUADRATIC_STEP = {"h": 1.0, "rel": 1.0}


def _multipliers(value: object) -> str | None:
    """1 to 8 distinct multiples of eta_opt in [0.001, 10]; each names a claim, so they must differ."""
    problem = numbers("multiples of eta_opt", lo=1e-3, hi=10.0, length=(1, 8), example="(0.5, 1.0, 1.5, 2.5)")(value)
    if problem:
        return problem
    names = [f"{m:g}" for m in value]
    return None if len(set(names)) == len(names) else f"multiples must differ, got {', '.join(names)[:60]}"


def function_of_w(text: str) -> sp.Expr:
    """The user's function of part (b), read by the safe expression reader."""
    return expr.read(text, {"w": w}, where="parameter E")


def _function(text: str) -> str | None:
    F = function_of_w(text)
    return None if w in F.free_symbols else "E must depend on w"


def _check_start(F: sp.Expr, x0: sp.Expr) -> None:
    """F must be smooth at w_0 with F' != 0 (a step moves) and F'' != 0 (1/F'' exists), in float range."""
    values = prove.attempt(lambda: [sp.N(F.subs(w, x0), 30), sp.N(sp.diff(F, w).subs(w, x0), 30),
                                    sp.N(sp.diff(F, w, 2).subs(w, x0), 30)], budget=2.0)
    if values is None or not all(v.is_real and v.is_finite and abs(v) < 1e100 for v in values):
        raise BadInput("parameter E: F, F' and F'' must be finite real numbers (below 1e100) at start_b")
    if values[1] == 0 or values[2] == 0:
        raise BadInput("parameter E: F'(start_b) and F''(start_b) must be nonzero (a step must move, 1/F'' exist)")
    reach = 50 * (1 + abs(float(x0)))  # the steps searched stay well inside this
    xs = float(x0) + np.linspace(-reach, reach, 401)
    with np.errstate(all="ignore"):
        ys = np.asarray(sp.lambdify(w, F, "numpy")(xs), dtype=complex) * np.ones_like(xs)
    bad = np.isnan(ys) | (ys.imag != 0)
    if bad.any():
        raise BadInput(f"parameter E: F must be a real number at every w near the steps from start_b, but F("
                       f"{xs[bad][0]:.4g}) is not one (log(w) or sqrt(w) below 0, or beyond the float range)")
    ahead = sp.oo if values[1] < 0 else -sp.oo  # the direction the steps go
    unbounded = prove.attempt(lambda: sp.limit(F, w, ahead) == -sp.oo, budget=2.0)
    if unbounded is None:
        raise BadInput("parameter E: SymPy cannot tell whether F is bounded below along the steps from start_b")
    if unbounded:
        raise BadInput("parameter E: F is unbounded below along the step from start_b, so no step is best")


@dataclass(frozen=True)
class Params(Parameters):
    a: float = param(2.0, "curvature of $E = aw^2/2 + bw + c$", lo=0.01, hi=100.0)
    b: float = param(-1.0, "linear coefficient of E", lo=-100.0, hi=100.0)
    c: float = param(0.5, "constant of E", lo=-100.0, hi=100.0)
    w0: float = param(3.0, "starting point of gradient descent", lo=-100.0, hi=100.0)
    multipliers: tuple = param((0.5, 1.0, 1.5, 2.5), "learning rates tried, as multiples of eta_opt",
                               check=_multipliers)
    steps: int = param(12, "gradient-descent steps simulated", lo=2, hi=200)
    E: str = param(COUNTEREXAMPLE, "the function F of part (b), an expression in w (e.g. w**4, cosh(w), "
                   "w**4 + w**2)", check=_function)
    start_b: float = param(1.0, "starting point w_0 of the counterexample in (b)", lo=-1e3, hi=1e3)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_start(function_of_w(self.E), exact_decimal(self.start_b))
        w_star = -self.b / self.a
        if abs(self.w0 - w_star) < 1e-3 * max(1.0, abs(w_star)):
            raise BadInput(f"w0 = {self.w0:g} is (almost) the minimiser -b/a = {w_star:.6g}: gradient descent "
                           "from there does not move, so its error ratios are undefined")
        growth = max(abs(1 - m) for m in self.multipliers) ** self.steps
        if growth > MAX_GROWTH:
            raise BadInput(f"max |1 - multiplier|^steps = {growth:.3g} exceeds the {MAX_GROWTH:g} limit that keeps "
                           "the diverging iterates within float range")


def optimal_rate(a: sp.Expr) -> sp.Expr:
    """eta_opt for E = a w^2/2 + b w + c: the inverse of E''."""
    return 1 / a


def contraction(a: sp.Expr, rate: sp.Expr) -> sp.Expr:
    """Factor by which one GD step multiplies the distance to w*."""
    return 1 - rate * a


def solve(p: Params, ctx: Context) -> Solution:
    E = a_ * w**2 / 2 + b_ * w + c_
    dE, d2E = sp.diff(E, w), sp.diff(E, w, 2)
    wstar = sp.solve(dE, w)[0]
    num = {a_: sp.nsimplify(p.a), b_: sp.nsimplify(p.b), c_: sp.nsimplify(p.c)}
    sol = Solution(
        TOPIC, "Learning rate and divergence", "iust-dl-hw1, Problem 4", p,
        notation=Notation(names={"w": w, "w^*": wstar}, functions={
            "E": lambda v: E.subs(w, v), "E'": lambda v: dE.subs(w, v), "E''": lambda v: d2E.subs(w, v)}),
        question=(
            r"Gradient descent $w_{t+1} = w_t - \eta E'(w_t)$ on the quadratic "
            rf"$E(w) = \tfrac12 a w^2 + bw + c$, here with $a = {p.a:g}$, $b = {p.b:g}$, $c = {p.c:g}$: "
            r"which learning rate is optimal, when does the iteration diverge, and why does it "
            r"oscillate in between?"
        ),
    )

    # (a) optimal rate from the Taylor expansion
    pa = sol.part("a", "The optimal learning rate",
                  r"Use the Taylor expansion of $E$ to show how the optimal learning rate relates "
                  r"to the second derivative.")
    taylor = E.subs(w, w0_) + dE.subs(w, w0_) * (w - w0_) + d2E / 2 * (w - w0_) ** 2
    pa.claim("taylor", r"For a quadratic the second-order Taylor expansion about $w_0$ is exact: "
             r"$E(w) = E(w_0) + E'(w_0)(w-w_0) + \tfrac12E''(w_0)(w-w_0)^2$.", prove.equal(taylor, E))
    g0 = sp.Symbol("g", real=True, nonzero=True)  # E'(w0)
    after = taylor.subs(w, w0_ - eta * dE.subs(w, w0_))
    pa.chain("step", r"E(w_0 - \eta E'(w_0))").define(
        r"E(w_0) - \eta E'(w_0)^2 + \tfrac12\eta^2E''(w_0)\,E'(w_0)^2",
        E.subs(w, w0_) - eta * dE.subs(w, w0_) ** 2 + eta**2 * d2E / 2 * dE.subs(w, w0_) ** 2,
        "one step substituted into the expansion",
    )
    pa.claim("one-step", r"The substitution above is correct (expanded both sides).",
             prove.equal(after, E.subs(w, w0_) - eta * dE.subs(w, w0_) ** 2
                         + eta**2 * d2E / 2 * dE.subs(w, w0_) ** 2), aside=True)
    phi = E.subs(w, w0_) - eta * g0**2 + eta**2 * a_ / 2 * g0**2
    stationary = sp.solve(sp.diff(phi, eta), eta)
    pa.claim("stationary", r"$\frac{d}{d\eta}$ of it, $-E'(w_0)^2 + \eta E'' E'(w_0)^2$, vanishes "
             r"only at $\eta = 1/E''$ (for $E'(w_0) \ne 0$), a minimum since $E''E'(w_0)^2 > 0$:",
             prove.equal(stationary[0], optimal_rate(a_)) & prove.holds(sp.diff(phi, eta, 2) > 0)
             & prove.equal(len(stationary), 1),
             latex=r"\eta_{\mathrm{opt}} = \frac{1}{E''(w)} = \frac{1}{a}",
             value=sp.And(sp.Eq(eta_opt_, stationary[0], evaluate=False),
                          sp.Eq(1 / d2E, optimal_rate(a_), evaluate=False)))
    pa.claim("lands", r"With $\eta_{\mathrm{opt}}$ one step lands exactly on the minimiser "
             r"$w^* = -b/a$ from any $w_0$ (Newton's step).",
             prove.equal((w0_ - optimal_rate(a_) * dE.subs(w, w0_)), wstar))
    pa.erratum(
        r"``the second order derivative is the optimal learning rate''.",
        r"the optimal learning rate is the \emph{inverse} of the second derivative, "
        r"$\eta_{\mathrm{opt}} = 1/E'' = 1/a$ (they coincide only when $a = 1$).",
    )
    f_num = sp.lambdify(w, E.subs(num), "math")
    eta_opt = float(optimal_rate(a_).subs(num))
    measured = gd.best_step(f_num, p.w0, 10 * eta_opt, **QUADRATIC_STEP)
    pa.claim("line-search", rf"A numeric line search for the best single step from $w_0 = {p.w0:g}$ "
             rf"(gradients by central differences) finds $\eta = 1/a = {pa.quote(eta_opt, 'line-search')}$.",
             prove.close(measured, eta_opt, rtol=1e-6, what="best step"), value=eta_opt, aside=True)

    # (b) a function whose 1/E'' is not the best step
    counterexample(sol.part(
        "b", r"When $1/E''$ is not optimal",
        r"Give a function for which the inverse second derivative is not the optimal step."), p)

    # (c) divergence
    pc = sol.part("c", "Divergence beyond twice the optimal rate",
                  r"For $a > 0$ show that gradient descent diverges, i.e. $|w_t - w^*|$ grows every "
                  r"step, once $\eta$ exceeds twice the optimal rate.")
    wt = sp.Symbol("w_t", real=True)
    pc.chain("error", r"w_{t+1} - w^*").define(r"w_t - \eta(a w_t + b) + \frac{b}{a}",
                                              wt - eta * dE.subs(w, wt) - wstar).step(
        r"(1 - \eta a)(w_t - w^*)", contraction(a_, eta) * (wt - wstar), "collect terms")
    t = sp.Symbol("t", positive=True)  # eta * a: everything depends on the product only
    factor_t = contraction(a_, t / a_)
    region = sp.solve_univariate_inequality(sp.Abs(factor_t) > 1, t, relational=False) & sp.Interval.open(0, sp.oo)
    pc.claim("threshold", r"For $\eta > 0$, with $t = \eta a$: $|1-t| > 1 \iff t > 2$, i.e. "
             r"$\eta > 2/a = 2\eta_{\mathrm{opt}}$; the distance to $w^*$ then grows by the factor "
             r"$|1-\eta a|$ each step.",
             prove.holds(sp.Eq(region, sp.Interval.open(2 * optimal_rate(a_) * a_, sp.oo))))
    pc.erratum(
        r"``if the learning rate becomes greater than twice the optimal learning rate "
        r"($\eta > \eta_{\mathrm{opt}}$)''.",
        r"the condition is $\eta > 2\eta_{\mathrm{opt}}$; for $\eta_{\mathrm{opt}} < \eta < "
        r"2\eta_{\mathrm{opt}}$ the iteration still converges (part (d)), and at "
        r"$\eta = 2\eta_{\mathrm{opt}}$ it oscillates with constant amplitude.",
    )
    f_sim = sp.lambdify(w, E.subs(num), "math")
    w_star = float(wstar.subs(num))
    rows, runs = [], {}
    for m in p.multipliers:
        rate = m * eta_opt
        traj = gd.descend(f_sim, p.w0, rate, p.steps, **QUADRATIC_STEP)
        runs[m] = traj
        err = traj - w_star
        resolved = _resolved(err, w_star)
        ratios = err[1:resolved + 1] / err[:resolved]
        predicted = float(contraction(a_, eta).subs({**num, eta: sp.nsimplify(m) * optimal_rate(a_).subs(num)}))
        measured_ratio = float(np.median(ratios))
        regime = _regime(m)
        pc.claim(f"rate{m:g}", rf"$\eta = {m:g}\,\eta_{{\mathrm{{opt}}}}$ ({regime}): measured "
                 rf"$(w_{{t+1}}-w^*)/(w_t-w^*)$ equals $1-\eta a = {pc.quote(predicted, f'rate{m:g}', '.4g')}$.",
                 prove.close(measured_ratio, predicted, rtol=1e-6, atol=1e-6, what="error ratio"),
                 value=predicted, aside=True)
        rows.append([f"${m:g}$", f"${rate:.4g}$", f"${predicted:.4g}$", regime,
                     f"${abs(err[-1]):.3g}$"])
    pc.table([r"$\eta/\eta_{\mathrm{opt}}$", r"$\eta$", r"$1-\eta a$", "regime",
              rf"$|w_{{{p.steps}}} - w^*|$"], rows,
             caption=rf"Gradient descent from $w_0 = {p.w0:g}$ on $E$ with $a={p.a:g}$, $b={p.b:g}$.", aside=True)

    # (d) oscillation
    pd = sol.part("d", "Oscillating convergence",
                  r"Explain why the iterates oscillate yet converge when "
                  r"$\eta_{\mathrm{opt}} < \eta < 2\eta_{\mathrm{opt}}$.")
    pd.claim("factor", r"$1-\eta a \in (-1, 0)$ exactly when $1 < \eta a < 2$, i.e. "
             r"$\eta_{\mathrm{opt}} < \eta < 2\eta_{\mathrm{opt}}$.",
             prove.holds(sp.Eq(
                 sp.solve_univariate_inequality(factor_t < 0, t, relational=False)
                 & sp.solve_univariate_inequality(factor_t > -1, t, relational=False),
                 sp.Interval.open(1, 2))))
    pd.text(r"Each step $\eta E'(w_t)$ is longer than the distance to the bottom, so it jumps over $w^*$ "
            r"(the sign of $w_t - w^*$ flips), but the overshoot is shorter than that distance "
            r"($|1-\eta a| < 1$): a zig-zag of shrinking amplitude. Beyond $2\eta_{\mathrm{opt}}$ it grows.")
    osc = [m for m in p.multipliers if 1 < m < 2]
    for m in osc:
        err = runs[m] - w_star
        err = err[:_resolved(err, w_star) + 1]
        steps = f"{p.steps} simulated steps" if len(err) == p.steps + 1 else (
            f"the first {len(err) - 1} of {p.steps} simulated steps (later errors are at rounding level)")
        pd.claim(f"zigzag{m:g}", rf"Measured at $\eta = {m:g}\,\eta_{{\mathrm{{opt}}}}$: the sign of "
                 r"$w_t - w^*$ alternates every step and $|w_t - w^*|$ decreases.",
                 prove.on_instances({
                     "signs alternate": bool(np.all(np.sign(err[1:]) == -np.sign(err[:-1]))),
                     "magnitude decreases": bool(np.all(np.abs(err[1:]) < np.abs(err[:-1]))),
                 }, steps), aside=True)
    pd.figure(
        "trajectories", rf"Gradient descent on $E(w) = {sp.latex(E.subs(num))}$ "
        rf"from $w_0={p.w0:g}$ for $\eta$ = multiples of $\eta_{{\mathrm{{opt}}}} = 1/a$: left, "
        r"$w_t$ against $t$; right, the iterates on the curve $E(w)$.",
        lambda path: _plot(path, runs, f_sim, w_star, eta_opt), aside=True)
    # the answers are the formulas the sheet asks for, each judged at the parameters' values
    sol.answer("eta_opt", optimal_rate(a_), claims=("a.line-search",),
               check=witness.at(num, witness.close(measured, rtol=1e-6, what="best step found by the line search")))
    sol.answer("w_star", wstar, claims=("a.lands",), check=witness.at(num, _stationary(f_num)))
    sol.answer("divergence threshold", 2 * optimal_rate(a_), claims=("c.threshold",),
               check=witness.at(num, _threshold(f_num, p.w0, w_star)))

    def slip(answer: str, id: str, value: sp.Expr, why: str) -> None:
        """A common mistake, declared where at the parameters in force it is more than 1% from the right value:
        at a = 1, a is 1/a; at b = 0, b/a is -b/a (the checks there cannot tell them apart)."""
        right, wrong = (float(v.subs(num)) for v in (sol.results[answer].value, value))
        if abs(wrong - right) > 0.01 * abs(right):
            sol.misconception(answer, id, value, why)

    slip("eta_opt", "second-derivative-as-rate", a_,
         r"The optimal rate is the inverse of the curvature, $\eta_{\mathrm{opt}} = 1/E'' = 1/a$, "
         r"not $E''$ itself (as the sheet says): a steeper parabola needs a shorter step, and "
         r"$\eta = a$ overshoots the minimum unless $a = 1$.")
    slip("eta_opt", "threshold-as-optimum", 2 / a_,
         r"$2/a$ is where gradient descent stops converging, not the best rate: at $\eta = 2/a$ "
         r"each step jumps to the mirror image of $w_t$ across $w^*$ and never gets closer.")
    slip("w_star", "dropped-minus", b_ / a_,
         r"Setting $E'(w) = aw + b$ to zero gives $w^* = -b/a$; losing the minus sign puts "
         r"the answer on the wrong side of the origin.")
    slip("divergence threshold", "optimum-as-threshold", 1 / a_,
         r"Between $\eta_{\mathrm{opt}}$ and $2\eta_{\mathrm{opt}}$ the error is multiplied by "
         r"$1 - \eta a \in (-1, 0)$: the iterates oscillate but converge (part (d)). Divergence "
         r"starts at $2\eta_{\mathrm{opt}} = 2/a$.")
    slip("divergence threshold", "rate-at-curvature", 2 * a_,
         r"The threshold is $2/E'' = 2/a$, twice the inverse curvature, not twice the curvature.")
    # (b) is a design: any function whose best single step from w_0 is not 1/F''(w_0) answers it
    sol.answer("counterexample", function_of_w(p.E), claims=("b.not-newton", "b.line-search"),
               check=_not_newton(exact_decimal(p.start_b)), any_passing=True)
    sol.misconception("counterexample", "quadratic", (w - 3) ** 2 / 2,
                      r"On a quadratic the Taylor expansion of (a) is exact, so the best step is $1/E''$ from "
                      r"any start: a counterexample needs a curvature that changes along the step, such as "
                      r"$w^4$ or $e^w + w^2$.")
    return sol


def _stationary(f) -> Check:
    """A candidate minimiser judged by NumPy: its Newton distance E'(x)/E'' to the minimum vanishes
    (central differences, exact for a quadratic)."""

    def check(value) -> Verdict:
        x = witness.number(value)
        if x is None:
            return Verdict("numeric", False, f"w* = {value} is not a number")
        slope = gd.grad(f, x, **QUADRATIC_STEP)
        curvature = gd.grad(f, x + 1.0, **QUADRATIC_STEP) - slope
        return prove.close(slope / curvature, 0.0, rtol=0.0, atol=1e-9 * max(1.0, abs(x)),
                           what=f"Newton distance E'(x)/E'' at x = {x:.6g}")

    return check


def _threshold(f, w0: float, w_star: float) -> Check:
    """A candidate divergence threshold judged by NumPy: gradient descent converges at 0.998 of it and
    diverges at 1.002 of it (over 60 steps the distance shrinks or grows by a factor near 0.89 or 1.13)."""

    def check(value) -> Verdict:
        x = witness.number(value)
        if x is None or x <= 0:
            return Verdict("numeric", False, f"threshold {value} is not a positive number")

        def distance(rate: float) -> float:
            traj = gd.descend(f, w0, rate, 60, **QUADRATIC_STEP)
            return abs(traj[-1] - w_star) / abs(traj[0] - w_star)

        return prove.on_instances({f"converges at 0.998 x {x:.6g}": distance(0.998 * x) < 1,
                                   f"diverges at 1.002 x {x:.6g}": distance(1.002 * x) > 1},
                                  "gradient descent from w_0 for 60 steps")

    return check


def _not_newton(x0: sp.Expr) -> Check:
    """A candidate F(w) for (b): from w_0 = x0, one step of the best size along -F'(w_0), found by a line search
    (NumPy: a log-spaced scan of six decades either side of 1/F''(w_0), refined by a bounded search), must differ
    from 1/F''(w_0) by more than a millionth (the search resolves a quadratic's to about 1e-8) and end lower,
    beyond rounding."""
    x = float(x0)

    def check(value) -> Verdict:
        try:
            F = sp.sympify(value, strict=True)
        except (sp.SympifyError, TypeError):
            F = None
        if not isinstance(F, sp.Expr) or F.free_symbols != {w}:
            return Verdict("numeric", False, f"{sp.sstr(value)[:60]} is not a function of w")
        name = f"F = {sp.sstr(F)[:60]} from w_0 = {x:g}"
        slopes = prove.attempt(lambda: [complex(sp.N(sp.diff(F, w, k).subs(w, x0), 30)) for k in (1, 2)], budget=2.0)
        if slopes is None or any(v.imag or not np.isfinite(v.real) for v in slopes):
            return Verdict("numeric", False, f"{name}: F' and F'' are not finite real numbers at w_0")
        g, h = (v.real for v in slopes)
        if g == 0 or h == 0:
            return Verdict("numeric", False, f"{name}: F'(w_0) = {g:.3g}, F''(w_0) = {h:.3g}: no step moves, "
                           "or 1/F'' does not exist")
        f = sp.lambdify(w, F, "numpy")
        r0 = 1 / h if h > 0 else (abs(x) + 1.0) / abs(g)
        rates = np.geomspace(1e-6 * r0, 1e6 * r0, 4001)
        with np.errstate(all="ignore"):
            values = np.asarray(f(x - rates * g), dtype=float) * np.ones_like(rates)
        if not np.isfinite(values).any():
            return Verdict("numeric", False, f"{name}: F is not finite along the step")
        i = int(np.nanargmin(values))
        if i == len(rates) - 1:
            return Verdict("numeric", False, f"{name}: F keeps decreasing up to a step 10^6 times 1/F'': no finite "
                           "best step")
        lo, hi = rates[max(i - 1, 0)], rates[i + 1]
        best = lo + gd.minimiser(lambda t: float(f(x - (lo + t * (hi - lo)) * g)), 0.0, 1.0) * (hi - lo)
        after_best, after_newton = (float(f(x - r * g)) for r in (best, 1 / h))
        lower = after_newton - after_best > 8 * np.finfo(float).eps * max(abs(after_best), abs(after_newton))
        ok = bool(lower and abs(best * h - 1) > 1e-6)
        return Verdict("numeric", ok, f"{name}: F after the best step {best:.6g} is {after_best:.10g}, after "
                       f"1/F'' = {1 / h:.6g} it is {after_newton:.10g} (log-spaced line search)")

    return check


def counterexample(pb: Part, p: Params) -> tuple[sp.Expr, sp.Expr]:
    """Part (b) for the function `p.E` from `p.start_b`: the best one-step rate against 1/E''(w_0).

    The best step lands on a minimiser of E along the ray w_0 - eta E'(w_0), eta > 0: exactly where
    SymPy finds E's stationary points within its time budget, else by a dense scan of the ray refined
    by a bounded line search (then the claim says numeric).
    """
    F, x0 = function_of_w(p.E), exact_decimal(p.start_b)
    g, h = sp.diff(F, w).subs(w, x0), sp.diff(F, w, 2).subs(w, x0)
    newton = 1 / h
    phi = lambda rate: F.subs(w, x0 - rate * g)  # noqa: E731 - E after one step of size `rate`
    scanned = _best_rate_numerically(F, float(x0), float(g))
    exact = _best_rate_exactly(F, x0, g)
    if exact is not None and float(phi(exact[0])) > float(phi(scanned)) + 1e-9 * (1 + abs(float(phi(scanned)))):
        exact = None  # SymPy's list of stationary points missed a lower one (e.g. a periodic F)
    pb.text(rf"Take $F(w) = {sp.latex(F)}$ from $w_0 = {sp.latex(x0)}$: $F'(w_0) = {sp.latex(g)}$ and "
            rf"$F''(w_0) = {sp.latex(h)}$. The Taylor argument of (a) is exact only for a quadratic; here the "
            r"curvature changes along the step.")
    if exact is not None:
        best, stationary = exact
        pb.claim("best", rf"The best single step lands on the stationary point $w = {sp.latex(stationary)}$, "
                 rf"the lowest one on the step's side of $w_0$: $\eta^* = (w_0 - w)/F'(w_0) = {sp.latex(best)}$.",
                 prove.equal(sp.diff(F, w).subs(w, stationary), 0))
    else:
        best = sp.Float(scanned, 15)
        pb.claim("best", rf"SymPy finds no closed form; a dense scan of the ray refined by a bounded line "
                 rf"search gives $\eta^* \approx {pb.quote(float(best), 'best', '.10g')}$.",
                 prove.close(float(sp.diff(F, w).subs(w, x0 - best * g)), 0.0, rtol=0.0,
                             atol=1e-6 * max(1.0, abs(float(g))), what="F' at the best step"), value=best)
    if prove.equal(best, newton).passed:
        pb.text(r"For this $F$ the step $1/F''(w_0)$ is the best one, so $F$ is not a counterexample: the "
                r"next claim fails, as it should.")
    after = F_newton, F_best, ratio = phi(newton), phi(best), best * h  # F after each step; eta* in 1/F''(w_0)
    pb.claim("not-newton", rf"$1/F''(w_0) = {sp.latex(newton)} \ne \eta^*$: one step of size $1/F''(w_0)$ "
             rf"ends higher, $F = {_n(pb, after, 0)}$ against ${_n(pb, after, 1)}$ (ratio "
             rf"$\eta^* F''(w_0) = {_n(pb, after, 2)}$).",
             prove.holds(sp.StrictLessThan(F_best, F_newton)) & prove.holds(sp.Ne(ratio, 1))
             if exact is not None
             else prove.on_instances({"F after eta* < F after 1/F''": float(F_best) < float(F_newton),
                                      "eta* F''(w_0) != 1": float(ratio) != 1}, "compared at 15 digits"),
             value=after)
    Fn = sp.lambdify(w, F, "math")
    slope = gd.grad(Fn, float(x0), 1e-5 * (abs(float(x0)) or 1.0))  # a step relative to w_0: same accuracy at any scale
    fraction = gd.minimiser(lambda s: Fn(float(x0) - s * float(best) * slope), 0.5, 1.5)  # relative to eta*
    local = fraction * float(best)
    pb.claim("line-search", r"An independent line search around it (the gradient by central differences) finds "
             r"the same $\eta^*$.", prove.close(local, float(best), rtol=1e-5, what="best step"), aside=True)
    pb.figure("counterexample", rf"$F$ after one gradient step from $w_0 = {sp.latex(x0)}$ against the step "
              rf"size $\eta$, for $F(w) = {sp.latex(F)}$: the best step $\eta^*$ and the step $1/F''(w_0)$.",
              lambda path: _plot_steps(path, Fn, float(x0), float(g), float(best), float(newton)), aside=True)
    return best, newton


def _n(part: Part, checked: tuple, i: int) -> str:
    """Entry `i` of the not-newton claim's checked value, quoted: exact when short, else 6 significant digits."""
    x = sp.sympify(checked[i], strict=True)
    if x.is_Rational and len(sp.latex(x)) < 24:
        return part.quote(x, "not-newton", index=i)
    return part.quote(float(x), "not-newton", ".6g", index=i)


def _best_rate_exactly(F: sp.Expr, x0: sp.Expr, g: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(eta*, the stationary point it lands on) when SymPy solves F' = 0 in time, else None."""
    roots = prove.attempt(lambda: sp.solve(sp.diff(F, w), w))
    if not roots or not isinstance(roots, list):
        return None
    ahead = [r for r in roots if r.is_real and ((x0 - r) / g).is_positive]
    if not ahead:
        return None
    lowest = min(ahead, key=lambda r: float(F.subs(w, r)))
    return sp.simplify((x0 - lowest) / g), lowest


def _best_rate_numerically(F: sp.Expr, x0: float, g: float) -> float:
    """The step minimising F(x0 - eta g) over a dense scan of (0, 8 |x0| / |g| + 8 / |g|], then refined."""
    f = sp.lambdify(w, F, "numpy")
    rates = np.linspace(0.0, 8.0 * (abs(x0) + 1.0) / abs(g), 4001)[1:]
    with np.errstate(all="ignore"):
        values = np.asarray(f(x0 - rates * g), dtype=float) * np.ones_like(rates)
    if not np.isfinite(values).any():
        raise BadInput("parameter E: F is not finite along the step from start_b")
    i = int(np.nanargmin(values))
    if i == len(rates) - 1:
        raise BadInput("parameter E: F keeps decreasing along the whole step range scanned from start_b, "
                       "so no finite step is best")
    lo, hi = rates[max(i - 1, 0)], rates[min(i + 1, len(rates) - 1)]
    s = gd.minimiser(lambda s: float(f(x0 - (lo + s * (hi - lo)) * g)), 0.0, 1.0)  # tolerance relative to the bracket
    return lo + s * (hi - lo)


def _plot_steps(path, f, x0: float, g: float, best: float, newton: float) -> None:
    rates = np.linspace(0.0, 1.6 * max(best, newton), 300)
    with figures.figure(path) as (fig, ax):
        ax.plot(rates, [f(x0 - r * g) for r in rates], color="0.3", lw=1)
        ax.plot([best], [f(x0 - best * g)], "o", ms=6, label=r"$\eta^*$")
        ax.plot([newton], [f(x0 - newton * g)], "s", ms=6, label=r"$1/F''(w_0)$")
        ax.set_xlabel(r"step size $\eta$")
        ax.set_ylabel(r"$F(w_0 - \eta F'(w_0))$")
        ax.legend(loc="best")


def _resolved(err: np.ndarray, w_star: float) -> int:
    """Steps t = 0, 1, ... before the first error |w_t - w*| below 1e-6 of the problem's scale.

    Below that the error is mostly the rounding of w_t and of the gradient, and its ratios say
    nothing about 1 - eta a; step 0 always counts (w_0 is kept away from w*).
    """
    small = np.abs(err[:-1]) < 1e-6 * (abs(w_star) + abs(err[0]))
    return max(1, int(np.argmax(small)) if small.any() else len(err) - 1)


def _regime(m: float) -> str:
    if m < 1:
        return "monotone"
    if m == 1:
        return "one step"
    if m < 2:
        return "oscillating, converging"
    if m == 2:
        return "oscillating, constant"
    return "diverging"


def _plot(path, runs: dict, f, w_star: float, eta_opt: float) -> None:
    w0 = next(iter(runs.values()))[0]
    bound = max(1e3, 10 * (abs(w0) + abs(w_star)))  # runs that leave it are diverging: cut from the right panel
    kept = [r for r in runs.values() if np.all(np.abs(r) < bound)] or [np.array([w0])]
    with figures.figure(path, ncols=2) as (fig, (left, right)):
        lo = min(min(r.min() for r in kept), w_star) - 0.5
        hi = max(max(r.max() for r in kept), w_star) + 0.5
        ws = np.linspace(lo, hi, 200)
        right.plot(ws, [f(x) for x in ws], color="0.6", lw=1)
        for (m, traj), colour in zip(runs.items(), figures.series(len(runs))):
            label = rf"$\eta = {m:g}\,\eta_{{\mathrm{{opt}}}}$ ({_regime(m)})"
            left.plot(traj, "o-", color=colour, ms=3, lw=1, label=label)
            shown = traj[(traj >= lo) & (traj <= hi)]
            right.plot(shown, [f(x) for x in shown], "o-", color=colour, ms=3, lw=0.8)
        left.axhline(w_star, color="k", lw=0.6, ls="--")
        left.set_xlabel("step $t$")
        left.set_ylabel("$w_t$")
        left.set_yscale("symlog", linthresh=1.0)
        right.set_xlim(lo, hi)
        right.set_xlabel("$w$")
        right.set_ylabel("$E(w)$")
        fig.legend(loc="outside lower center", ncol=2)


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
