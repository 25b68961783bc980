"""Glorot (Xavier) initialisation: forward and backward variances of a linear layer, and their compromise."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import sympy as sp

from checks import xavier_init as sim
from theory.core import prove
from theory.core.context import Context
from theory.core.expectation import Independent, listed
from theory.core.params import Parameters, exact_decimal, param
from theory.core.solution import Solution

TOPIC = "xavier_init"

n_in, n_out, s2, v = sp.symbols("n_in n_out sigma^2 v", positive=True)
mW, vW, mx, vx = sp.symbols(r"\mathbb{E}[W] \mathbb{E}[W^2] \mathbb{E}[x] \mathbb{E}[x^2]")


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


def _sum(n: int) -> tuple[sp.Expr, Independent]:
    """sum_j W_j x_j over n independent terms, moments symbolic: a unit forward, or a gradient backward."""
    W, x = sp.symbols(f"W1:{n + 1}"), sp.symbols(f"x1:{n + 1}")
    return sum(a * b for a, b in zip(W, x)), Independent({**{a: listed(mW, vW) for a in W},
                                                          **{b: listed(mx, vx) for b in x}})


def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(TOPIC, "Glorot initialisation", "an added question", p, question=(
        r"A linear layer $y = Wx$ has $n_{\mathrm{in}}$ inputs and $n_{\mathrm{out}}$ outputs, weights i.i.d. "
        r"with mean 0 and variance $\sigma^2$, independent of inputs with mean 0 and variance $v$. Which "
        r"$\sigma^2$ keeps the variance of the activations, and which that of the gradients, and what is "
        r"Glorot's compromise?"))
    cases = {f"n={k}": {"k": k} for k in range(1, 7)}
    for label, n, signal, ask in (
            ("a", n_in, "y_i", "for inputs of variance $v$"),
            ("b", n_out, r"\partial L/\partial x_j", r"for gradients $\partial L/\partial y_i$ of variance $v$")):
        part = sol.part(label, "Forward" if label == "a" else "Backward",
                        rf"Find $\operatorname{{Var}}({signal})$ {ask}.")
        part.chain("var", rf"\operatorname{{Var}}({signal})", cases).define(
            rf"\mathbb{{E}}\Bigl[\Bigl(\sum_{{k=1}}^{{{sp.latex(n)}}} W_k u_k\Bigr)^2\Bigr]",
            lambda k: (lambda z, M: M.E(z**2) - M.E(z) ** 2)(*_sum(k)),
        ).step(rf"{sp.latex(n)}\,\sigma^2 v", lambda k: k * s2 * v, r"independence; zero means",
               given={mW: 0, mx: 0, vW: s2, vx: v})
    pc = sol.part("c", "The compromise", r"Combine the conditions $n_{\mathrm{in}}\sigma^2 = 1$ and "
                  r"$n_{\mathrm{out}}\sigma^2 = 1$.")
    derived = glorot_variance(n_in, n_out)
    pc.claim("harmonic", r"$\sigma^2 = 2/(n_{\mathrm{in}} + n_{\mathrm{out}})$ is the harmonic mean of "
             r"$1/n_{\mathrm{in}}$ and $1/n_{\mathrm{out}}$.",
             prove.equal(derived, 2 * (1 / n_in) * (1 / n_out) / (1 / n_in + 1 / n_out)))
    r = sp.sqrt(6 / (n_in + n_out))
    pc.claim("uniform", r"Uniform weights on $[-r, r]$ with $r = \sqrt{6/(n_{\mathrm{in}} + n_{\mathrm{out}})}$ "
             r"(variance $r^2/3$) have this variance.", prove.equal(r**2 / 3, derived))
    at = {n_in: p.fan_in, n_out: p.fan_out}
    var_w, vin = float(derived.subs(at)), float(exact_decimal(p.input_var))
    for fan, name in ((p.fan_in, "forward"), (p.fan_out, "backward")):
        claimed = fan * var_w * vin
        pc.claim(f"mc.{name}", rf"Simulation, {name}: a layer of {p.fan_in} inputs and {p.fan_out} outputs with "
                 rf"Glorot-uniform weights gives variance ${claimed:.4g} = {fan}\sigma^2 v$.",
                 ctx.monte_carlo(f"c.{name}", lambda rng, k, fan=fan: sim.dot_squares(rng, k, fan, var_w, vin),
                                 claimed))
    sol.answer("sigma^2", derived)
    sol.answer("sigma^2 at fan_in, fan_out", derived.subs(at))
    sol.answer("uniform limit r", r.subs(at))
    return sol


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
