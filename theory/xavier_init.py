"""Glorot (Xavier) initialisation: forward and backward variances of a linear layer, and their compromise."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import sympy as sp

from checks import xavier_init as sim
from checks.montecarlo import Z_ALARM
from theory.core import prove, witness
from theory.core.context import Context
from theory.core.expectation import Independent, listed
from theory.core.latexread import Notation
from theory.core.params import Parameters, exact_decimal, param
from theory.core.solution import ANSWER_RTOL, Check, Solution
from theory.core.verdict import Verdict

TOPIC = "xavier_init"

n_in, n_out, s2, v = sp.symbols("n_in n_out sigma^2 v", positive=True)
RESOLVED = 0.02  # a misconception is declared where it is off by twice the simulations' 1% resolution
mW, vW, mu, vu = sp.symbols(r"\mathbb{E}[W] \mathbb{E}[W^2] \mathbb{E}[u] \mathbb{E}[u^2]")
W_, u_, k_ = sp.IndexedBase("W"), sp.IndexedBase("u"), sp.Symbol("k", integer=True, positive=True)
NOTATION = Notation({r"n_{\mathrm{in}}": n_in, r"n_{\mathrm{out}}": n_out, r"\sigma^2": s2})


@dataclass(frozen=True)
class Params(Parameters):
    # Each simulated sample costs 2 x fan random numbers: fans up to 512 keep a whole run near 30 s.
    fan_in: int = param(30, "inputs n_in of the simulated layer", lo=1, hi=512)
    fan_out: int = param(10, "outputs n_out of the simulated layer", lo=1, hi=512)
    input_var: float = param(1.0, "variance v of the zero-mean inputs (and of the incoming gradients)",
                             lo=1e-3, hi=1e3)


def glorot_variance(fan_in: sp.Expr, fan_out: sp.Expr) -> sp.Expr:
    """The compromise weight variance: the harmonic mean of 1/n_in (forward) and 1/n_out (backward)."""
    return 2 / (fan_in + fan_out)


def _expectation(z: sp.Expr) -> sp.Expr:
    """E[z] for a polynomial in independent W_k (moments E[W], E[W^2]) and u_k (moments E[u], E[u^2])."""
    return Independent({a: listed(mW, vW) if a.base == W_ else listed(mu, vu)
                        for a in sp.expand(z).atoms(sp.Indexed)}).E(z)


class Var(sp.Function):
    """The variance of a sum, shown as its definition E[z^2] - E[z]^2, evaluated once the sum has a length."""

    nargs = 1

    def doit(self, **hints) -> sp.Expr:
        z = self.args[0].doit(**hints)
        return self.func(z) if z.has(sp.Sum) else _expectation(z**2) - _expectation(z) ** 2

    def _latex(self, printer) -> str:
        z = printer._print(self.args[0])
        return rf"\mathbb{{E}}\Bigl[\Bigl({z}\Bigr)^2\Bigr] - \mathbb{{E}}\Bigl[{z}\Bigr]^2"


def unit(n: sp.Expr) -> Var:
    """The variance of sum_k W_k u_k over n terms: a unit forward, or a gradient flowing back."""
    return Var(sp.Sum(W_[k_] * u_[k_], (k_, 1, n)))


def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(TOPIC, "Glorot initialisation", "an added question", p, notation=NOTATION, question=(
        r"A linear layer $y = Wx$ has $n_{\mathrm{in}}$ inputs and $n_{\mathrm{out}}$ outputs, weights i.i.d. "
        r"with mean 0 and variance $\sigma^2$, independent of inputs with mean 0 and variance $v$. Which "
        r"$\sigma^2$ keeps the variance of the activations, and which that of the gradients, and what is "
        r"Glorot's compromise?"))
    cases = {f"n={k}": {"n": k} for k in range(1, 7)}
    for label, n, signal, ask in (
            ("a", n_in, "y_i", "for inputs of variance $v$"),
            ("b", n_out, r"\partial L/\partial x_j", r"for gradients $\partial L/\partial y_i$ of variance $v$")):
        part = sol.part(label, "Forward" if label == "a" else "Backward",
                        rf"Find $\operatorname{{Var}}({signal})$ {ask}.")
        part.chain("var", rf"\operatorname{{Var}}({signal})", cases, sizes={"n": n}).define(
            unit(n), lambda n: unit(n).doit(),
        ).step(rf"{NOTATION.printed(n)}\,\sigma^2 v", lambda n: n * s2 * v, r"independence; zero means",
               given={mW: 0, mu: 0, vW: s2, vu: v})
    pc = sol.part("c", "The compromise", r"Combine the conditions $n_{\mathrm{in}}\sigma^2 = 1$ and "
                  r"$n_{\mathrm{out}}\sigma^2 = 1$, and evaluate the variance and the uniform limit at "
                  rf"$n_{{\mathrm{{in}}}} = {p.fan_in}$, $n_{{\mathrm{{out}}}} = {p.fan_out}$.")
    derived = glorot_variance(n_in, n_out)
    pc.claim("harmonic", r"$\sigma^2 = 2/(n_{\mathrm{in}} + n_{\mathrm{out}})$ is the harmonic mean of "
             r"$1/n_{\mathrm{in}}$ and $1/n_{\mathrm{out}}$.",
             prove.equal(derived, 2 * (1 / n_in) * (1 / n_out) / (1 / n_in + 1 / n_out)))
    r = sp.sqrt(6 / (n_in + n_out))
    pc.claim("uniform", r"Uniform weights on $[-r, r]$ with $r = \sqrt{6/(n_{\mathrm{in}} + n_{\mathrm{out}})}$ "
             r"(variance $r^2/3$) have this variance.", prove.equal(r**2 / 3, derived))
    at = {n_in: p.fan_in, n_out: p.fan_out}
    exact_w, exact_in = derived.subs(at), exact_decimal(p.input_var)
    var_w, vin = float(exact_w), float(exact_in)
    runs = []
    for fan, name in ((p.fan_in, "forward"), (p.fan_out, "backward")):
        predicted = fan * exact_w * exact_in  # n sigma^2 v, exact
        runs.append(ctx.monte_carlo(f"c.{name}", lambda rng, k, fan=fan: sim.dot_squares(rng, k, fan, var_w, vin),
                                    float(predicted)))
        pc.claim(f"mc.{name}", rf"Simulation, {name}: a layer of {p.fan_in} inputs and {p.fan_out} outputs with "
                 rf"Glorot-uniform weights gives variance ${pc.quote(predicted, f'mc.{name}')} = {fan}\sigma^2 v$.",
                 runs[-1], value=predicted)
    balanced = _balanced(*runs, var_w * vin)
    mc = ("c.mc.forward", "c.mc.backward")
    sol.answer("sigma^2", derived, check=witness.at(at, balanced), claims=mc)
    sol.answer("sigma^2 at fan_in, fan_out", derived.subs(at), check=balanced, claims=mc)
    sol.answer("uniform limit r", r.subs(at), claims=mc,
               check=lambda value: _as_limit(value, balanced))
    _misconceptions(sol, at)
    return sol


def _balanced(forward: Verdict, backward: Verdict, unit: float) -> Check:
    """A candidate weight variance judged by the two simulations: the forward and backward gains they
    measure per unit of weight variance, scaled to the candidate, must average 1 (Glorot's compromise).

    `unit` is the weight variance times the input variance the simulations ran with; their standard
    errors carry over, and the candidate is rejected at the Monte-Carlo alarm level.
    """
    if forward.skipped or backward.skipped:
        return lambda value: forward

    gain = (forward.data["estimate"] + backward.data["estimate"]) / (2 * unit)
    se = math.hypot(forward.data["std_error"], backward.data["std_error"]) / (2 * unit)

    def check(value) -> Verdict:
        x = witness.number(value)
        if x is None or x <= 0:
            return Verdict("numeric", False, f"weight variance {value} is not a positive number")
        z = (x * gain - 1) / (x * se)
        ok = abs(z) <= Z_ALARM
        return Verdict("monte-carlo", ok, f"mean of the simulated forward and backward gains at weight variance "
                       f"{x:.6g}: {x * gain:.6g} against 1, z = {z:+.2f}" + ("" if ok else f", |z| > {Z_ALARM:.2f}"),
                       {"z": z})

    return check


def _as_limit(value, balanced: Check) -> Verdict:
    """A candidate limit r of uniform weights, judged through the variance SciPy gives U(-r, r)."""
    r = witness.number(value)
    if r is None or r <= 0:
        return Verdict("numeric", False, f"limit {value} is not a positive number")
    v = balanced(sim.uniform_variance(r))
    return Verdict(v.method, v.passed, f"U(-{r:.6g}, {r:.6g}), variance by SciPy; {v.detail}", v.data, v.skipped)


def _differs(wrong: sp.Expr, right: sp.Expr, at: dict) -> bool:
    """Whether a wrong value is, at the fans in force, far enough from the right one for the simulations
    and for grading to tell."""
    w, r = float(sp.sympify(wrong, strict=True).subs(at)), float(sp.sympify(right, strict=True).subs(at))
    return abs(w - r) > max(RESOLVED, 10 * ANSWER_RTOL) * abs(r)


def _misconceptions(sol: Solution, at: dict) -> None:
    """The usual slips, each declared where the fans in force tell it from the right answer."""
    right = glorot_variance(n_in, n_out)
    for id, wrong, why in (
        ("forward-only", 1 / n_in,
         r"This keeps only the forward variance (LeCun's choice); the gradients flowing back then change by "
         r"the factor $n_{\mathrm{out}}/n_{\mathrm{in}}$ per layer. Both $n_{\mathrm{in}}\sigma^2 = 1$ and "
         r"$n_{\mathrm{out}}\sigma^2 = 1$ hold only for equal fans; Glorot takes the compromise "
         r"$\sigma^2 = \frac{2}{n_{\mathrm{in}} + n_{\mathrm{out}}}$."),
        ("backward-only", 1 / n_out,
         r"This keeps only the variance of the gradients; the activations then change by the factor "
         r"$n_{\mathrm{in}}/n_{\mathrm{out}}$ per layer. The compromise averages the two conditions: "
         r"$\frac{n_{\mathrm{in}} + n_{\mathrm{out}}}{2}\sigma^2 = 1$."),
        ("arithmetic-mean", (1 / n_in + 1 / n_out) / 2,
         r"Averaging the two variances $\frac{1}{n_{\mathrm{in}}}$ and $\frac{1}{n_{\mathrm{out}}}$ is not "
         r"Glorot's compromise: it averages the fans, $\frac{n_{\mathrm{in}} + n_{\mathrm{out}}}{2}\sigma^2 = 1$, "
         r"which gives the harmonic mean $\frac{2}{n_{\mathrm{in}} + n_{\mathrm{out}}}$ of the variances."),
        ("missing-half", 1 / (n_in + n_out),
         r"Adding the two conditions gives $(n_{\mathrm{in}} + n_{\mathrm{out}})\sigma^2 = 2$, not $1$: "
         r"the compromise is $\sigma^2 = \frac{2}{n_{\mathrm{in}} + n_{\mathrm{out}}}$. Without the $2$ each "
         r"layer halves the variance."),
        ("relu-gain", 2 / n_in,
         r"This is He initialisation: its factor $2$ makes up for a ReLU zeroing half of the inputs. A linear "
         r"layer (or $\tanh$ near $0$) loses nothing, and Glorot also balances the backward pass: "
         r"$\sigma^2 = \frac{2}{n_{\mathrm{in}} + n_{\mathrm{out}}}$."),
    ):
        if _differs(wrong, right, at):
            sol.misconception("sigma^2", id, wrong, why)
    r = sp.sqrt(3 * right).subs(at)
    for id, wrong, why in (
        ("deviation-as-limit", sp.sqrt(right).subs(at),
         r"The limit $r$ is not the standard deviation: $U(-r, r)$ has variance $\frac{r^2}{3}$, so matching "
         r"$\sigma^2 = \frac{2}{n_{\mathrm{in}} + n_{\mathrm{out}}}$ needs "
         r"$r = \sqrt{3\sigma^2} = \sqrt{\frac{6}{n_{\mathrm{in}} + n_{\mathrm{out}}}}$."),
        ("width-as-limit", sp.sqrt(12 * right).subs(at),
         r"The variance $\frac{(b - a)^2}{12}$ of $U(a, b)$ uses the whole width $b - a = 2r$, which gives "
         r"$\frac{r^2}{3}$. Using $r$ as the width gives $\frac{r^2}{12}$ and a limit twice too large."),
    ):
        if _differs(wrong, r, {}):
            sol.misconception("uniform limit r", id, wrong, why)


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
