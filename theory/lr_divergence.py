"""Learning rate and divergence of gradient descent on a quadratic (iust-dl-hw1 P4)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import lr_divergence as gd
from theory.core import figures, prove
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.params import Parameters, numbers, param
from theory.core.solution import Solution

TOPIC = "lr_divergence"

w, w0_, eta = sp.symbols("w w_0 eta", real=True)
a_ = sp.Symbol("a", positive=True)
b_, c_ = sp.symbols("b c", real=True)


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


@dataclass(frozen=True)
class Params(Parameters):
    a: float = param(2.0, "curvature of E = a w^2/2 + b w + c", lo=0.01, hi=100.0)
    b: float = param(-1.0, "linear coefficient of E", lo=-100.0, hi=100.0)
    c: float = param(0.5, "constant of E", lo=-100.0, hi=100.0)
    w0: float = param(3.0, "starting point of gradient descent", lo=-100.0, hi=100.0)
    multipliers: tuple = param((0.5, 1.0, 1.5, 2.5), "learning rates tried, as multiples of eta_opt",
                               check=_multipliers)
    steps: int = param(12, "gradient-descent steps simulated", lo=2, hi=200)
    # Up to 16: the line search of (b) minimises (w_0 - eta F')^p, whose flat bottom underflows to 0
    # over a relative width of about 10^(-323/p) around the best step.
    power: int = param(4, "exponent p of the counterexample E = w^p in (b) (even, >= 4)", lo=4, hi=16,
                       check=lambda p: None if p % 2 == 0 else "must be even")
    start_b: float = param(1.0, "starting point w_0 of the counterexample in (b)", lo=1e-3, hi=1e3)

    def __post_init__(self) -> None:
        super().__post_init__()
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
        question=(
            r"Gradient descent $w_{t+1} = w_t - \eta E'(w_t)$ on the quadratic "
            r"$E(w) = \tfrac12 a w^2 + bw + c$: which learning rate is optimal, when does the "
            r"iteration diverge, and why does it oscillate in between?"
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
        r"E(w_0) - \eta E'(w_0)^2 + \tfrac12\eta^2E''\,E'(w_0)^2",
        E.subs(w, w0_) - eta * dE.subs(w, w0_) ** 2 + eta**2 * d2E / 2 * dE.subs(w, w0_) ** 2,
        "one step substituted into the expansion",
    )
    pa.claim("one-step", r"The substitution above is correct (expanded both sides).",
             prove.equal(after, E.subs(w, w0_) - eta * dE.subs(w, w0_) ** 2
                         + eta**2 * d2E / 2 * dE.subs(w, w0_) ** 2))
    phi = E.subs(w, w0_) - eta * g0**2 + eta**2 * a_ / 2 * g0**2
    stationary = sp.solve(sp.diff(phi, eta), eta)
    pa.claim("stationary", r"$\frac{d}{d\eta}$ of it, $-E'(w_0)^2 + \eta E'' E'(w_0)^2$, vanishes "
             r"only at $\eta = 1/E''$ (for $E'(w_0) \ne 0$), a minimum since $E''E'(w_0)^2 > 0$:",
             prove.equal(stationary[0], optimal_rate(a_)) & prove.holds(sp.diff(phi, eta, 2) > 0)
             & prove.equal(len(stationary), 1),
             latex=r"\eta_{\mathrm{opt}} = \frac{1}{E''(w)} = \frac{1}{a}.")
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
             rf"(gradients by central differences) finds $\eta = 1/a = {eta_opt:.6g}$.",
             prove.close(measured, eta_opt, rtol=1e-6, what="best step"))

    # (b) a function whose 1/E'' is not the best step
    pb = sol.part("b", "When 1/E'' is not optimal",
                  r"Give a function for which the inverse second derivative is not the optimal step.")
    k = p.power
    F = w**k
    x0 = sp.nsimplify(p.start_b)
    newton = 1 / sp.diff(F, w, 2).subs(w, x0)
    best = sp.solve(sp.diff(F.subs(w, x0 - eta * sp.diff(F, w).subs(w, x0)), eta), eta)
    best = [r for r in best if r.is_real]
    exact_best = x0 / sp.diff(F, w).subs(w, x0)
    pb.text(rf"Take $F(w) = w^{{{k}}}$ from $w_0 = {sp.latex(x0)}$. The Taylor argument of (a) fails "
            r"because $F$ is not quadratic: its curvature changes along the step.")
    pb.claim("best", rf"The step that minimises $F$ after one step jumps straight to $w^*=0$: "
             rf"$\eta^* = w_0/F'(w_0) = {sp.latex(exact_best)}$ (the only real stationary point).",
             prove.equal(best[0], exact_best) & prove.equal(len(best), 1))
    pb.claim("not-newton", rf"$1/F''(w_0) = {sp.latex(newton)} \ne \eta^*$; it is smaller by the "
             rf"factor $p-1 = {k - 1}$, so the step $1/F''$ only reaches "
             rf"$w_1 = {sp.latex(sp.nsimplify(x0 - newton * sp.diff(F, w).subs(w, x0)))}$.",
             prove.equal(exact_best / newton, k - 1))
    Fn = sp.lambdify(w, F.subs(w, w), "math")
    h_b = 1e-5 * float(x0)  # a step relative to w_0: the truncation error of w^p is then the same at any w_0
    pb.claim("line-search", r"A numeric line search confirms $\eta^*$ and that $1/F''$ is worse.",
             prove.close(gd.best_step(Fn, float(x0), float(4 * exact_best), h=h_b), float(exact_best),
                         rtol=1e-5, what="best step")
             & prove.on_instances({"F(w0 - eta* F') < F(w0 - F'/F'')":
                                   Fn(float(x0) - float(exact_best) * gd.grad(Fn, float(x0), h_b))
                                   < Fn(float(x0) - float(newton) * gd.grad(Fn, float(x0), h_b))},
                                  "compared numerically"))

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
                 rf"$(w_{{t+1}}-w^*)/(w_t-w^*)$ equals $1-\eta a = {predicted:.4g}$.",
                 prove.close(measured_ratio, predicted, rtol=1e-6, atol=1e-6, what="error ratio"))
        rows.append([f"${m:g}$", f"${rate:.4g}$", f"${predicted:.4g}$", regime,
                     f"${abs(err[-1]):.3g}$"])
    pc.table([r"$\eta/\eta_{\mathrm{opt}}$", r"$\eta$", r"$1-\eta a$", "regime",
              rf"$|w_{{{p.steps}}} - w^*|$"], rows,
             caption=rf"Gradient descent from $w_0 = {p.w0:g}$ on $E$ with $a={p.a:g}$, $b={p.b:g}$.")

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
    pd.text(r"The step $\eta E'(w_t)$ is longer than the distance to the bottom of the parabola, so "
            r"each step jumps over $w^*$ to the other side (the sign of $w_t - w^*$ flips), but lands "
            r"closer than it started, because the overshoot is less than the whole distance "
            r"($|1-\eta a| < 1$). The iterates zig-zag across the minimum with shrinking amplitude; "
            r"beyond $2\eta_{\mathrm{opt}}$ the overshoot exceeds the distance and the zig-zag grows.")
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
                 }, steps))
    sol.part("plot", "Trajectories", r"The four regimes side by side.").figure(
        "trajectories", rf"Gradient descent on $E(w) = {sp.latex(E.subs(num))}$ "
        rf"from $w_0={p.w0:g}$ for $\eta$ = multiples of $\eta_{{\mathrm{{opt}}}} = 1/a$: left, "
        r"$w_t$ against $t$; right, the iterates on the curve $E(w)$.",
        lambda path: _plot(path, runs, f_sim, w_star, eta_opt))
    sol.answer("eta_opt", optimal_rate(a_).subs(num))
    sol.answer("w_star", wstar.subs(num))
    sol.answer("divergence threshold", 2 * optimal_rate(a_).subs(num))
    sol.answer("counterexample best step", exact_best)
    sol.answer("counterexample 1/F''", newton)
    return sol


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
    with figures.figure(path, ncols=2, figsize=(7.2, 3.0)) as (fig, (left, right)):
        lo = min(min(r.min() for r in kept), w_star) - 0.5
        hi = max(max(r.max() for r in kept), w_star) + 0.5
        ws = np.linspace(lo, hi, 200)
        right.plot(ws, [f(x) for x in ws], color="0.6", lw=1)
        for m, traj in runs.items():
            label = rf"$\eta = {m:g}\,\eta_{{opt}}$ ({_regime(m)})"
            line, = left.plot(traj, "o-", ms=3, lw=1, label=label)
            shown = traj[(traj >= lo) & (traj <= hi)]
            right.plot(shown, [f(x) for x in shown], "o-", ms=3, lw=0.8, color=line.get_color())
        left.axhline(w_star, color="k", lw=0.6, ls="--")
        left.set_xlabel("step $t$")
        left.set_ylabel("$w_t$")
        left.set_yscale("symlog", linthresh=1.0)
        left.legend(fontsize=6)
        right.set_xlim(lo, hi)
        right.set_xlabel("$w$")
        right.set_ylabel("$E(w)$")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
