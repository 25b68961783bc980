"""Kaiming (He) initialisation for ReLU and leaky-ReLU networks (iust-dl-hw1 P2)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp
import sympy.stats as st

from checks import kaiming as sim
from theory.core import figures, prove
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.expectation import Independent, listed
from theory.core.params import Parameters, numbers, param
from theory.core.solution import Solution

TOPIC = "kaiming"

z, u = sp.symbols("z u", real=True)
alpha_, d_, s2_ = sp.symbols("alpha d_h sigma_h^2", positive=True)
mW, vW, mu, m2 = sp.symbols(r"\mathbb{E}[W] \mathbb{E}[W^2] \mathbb{E}[x] \mathbb{E}[x^2]")


MAX_GAIN_WORK = 6144  # len(factors) * mc_width * (batch + 16): about a minute of gain simulations
MAX_FIGURE_WORK = 2**25  # len(factors) * depth * width^2: weights drawn for the figure, 8 networks each


def _factors(value: object) -> str | None:
    """Multipliers of the derived variance: 1 to 8 distinct numbers in [0.01, 100].

    A deep network's variance moves by the multiplier per layer; the bounds keep the figure's
    depth x multiplier in float64's range. Each multiplier names a claim, so they must differ.
    """
    problem = numbers("multipliers of the derived variance", lo=0.01, hi=100.0, length=(1, 8),
                      example="(0.5, 1.0, 1.5)")(value)
    if problem:
        return problem
    names = [f"{k:g}" for k in value]
    return None if len(set(names)) == len(names) else f"multipliers must differ, got {', '.join(names)[:60]}"


@dataclass(frozen=True)
class Params(Parameters):
    alpha: float = param(0.0, "leaky-ReLU slope for z < 0 (0 = ReLU)", lo=0.0, hi=10.0)
    width: int = param(256, "units per layer of the networks in the figure", lo=2, hi=1024)
    # At least 32 units: a ReLU layer of w units is all zero with probability about 2^-w, and a
    # network with a dead layer has no defined gain.
    mc_width: int = param(32, "units per layer of the networks whose layer gain is tested", lo=32, hi=64)
    mc_weights: str = param("rademacher", "weight law in the gain test: rademacher or normal",
                            check=lambda v: None if v in ("rademacher", "normal")
                            else "must be 'rademacher' or 'normal'")
    depth: int = param(20, "layers in the deep-network simulation", lo=3, hi=100)
    batch: int = param(8, "inputs fed to each simulated network", lo=1, hi=64)
    fan_in: int = param(4, "fan-in of the single unit simulated in (a), (b)", lo=1, hi=64)
    scale: float = param(1.3, "scale of the symmetric densities tried in (c)", lo=1e-3, hi=1e3)
    # From 5: the simulated sigma(z)^2 needs a finite variance (t_dof > 4) that a few million
    # samples measure; beyond 100 the Student-t is the normal density already tried.
    t_dof: float = param(10.0, "degrees of freedom of the Student-t density in (c)", lo=5.0, hi=100.0)
    factors: tuple = param((0.5, 1.0, 1.5), "weight variances tried, as multiples of the derived one",
                           check=_factors)

    def __post_init__(self) -> None:
        super().__post_init__()
        gain = len(self.factors) * self.mc_width * (self.batch + 16)
        if gain > MAX_GAIN_WORK:
            raise BadInput(f"len(factors) * mc_width * (batch + 16) = {gain} exceeds the {MAX_GAIN_WORK} limit "
                           "that keeps the gain simulations under a minute")
        figure = len(self.factors) * self.depth * self.width**2
        if figure > MAX_FIGURE_WORK:
            raise BadInput(f"len(factors) * depth * width^2 = {figure} exceeds the {MAX_FIGURE_WORK} limit "
                           "that keeps the figure's simulation under a minute")


def second_moment_factor(alpha: sp.Expr) -> sp.Expr:
    """E[sigma(z)^2] / Var(z) for a symmetric zero-mean z: the result of (c)."""
    return (1 + alpha**2) / 2


def he_variance(alpha: sp.Expr, d: sp.Expr) -> sp.Expr:
    """The weight variance that preserves the pre-activation variance: the result of (d)."""
    return 2 / ((1 + alpha**2) * d)


def _unit(d: int) -> tuple[sp.Expr, Independent]:
    """z = sum_j W_j x_j with d independent terms; moments of W, x left symbolic."""
    W = sp.symbols(f"W1:{d + 1}")
    x = sp.symbols(f"x1:{d + 1}")
    model = Independent({**{w: listed(mW, vW, name="w") for w in W}, **{v: listed(mu, m2) for v in x}})
    return sum(w * v for w, v in zip(W, x)), model


def _densities(p: Params) -> dict[str, sp.Expr]:
    """Zero-mean densities symmetric about 0, of different shapes."""
    s = sp.nsimplify(p.scale)
    nu = sp.nsimplify(p.t_dof)
    t_const = sp.gamma((nu + 1) / 2) / (sp.sqrt(nu * sp.pi) * sp.gamma(nu / 2))
    return {
        "normal": sp.exp(-(z**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi)),
        "Laplace": sp.exp(-sp.Abs(z) / s) / (2 * s),
        "uniform": sp.Piecewise((1 / (2 * s), (z > -s) & (z < s)), (0, True)),
        f"Student-t({p.t_dof:g})": t_const / s * (1 + (z / s) ** 2 / nu) ** (-(nu + 1) / 2),
    }


def _samplers(p: Params) -> dict[str, callable]:
    """The same densities, sampled by NumPy (no use of the formulas above)."""
    s = p.scale
    return {
        "normal": lambda rng, n: rng.normal(0, s, n),
        "Laplace": lambda rng, n: rng.laplace(0, s, n),
        "uniform": lambda rng, n: rng.uniform(-s, s, n),
        f"Student-t({p.t_dof:g})": lambda rng, n: s * rng.standard_t(p.t_dof, n),
    }


def _integral(f: sp.Expr, lo, hi) -> sp.Expr:
    return sp.simplify(sp.integrate(f, (z, lo, hi)))


def _quad_leaky_sq(density: sp.Expr, alpha: float, scale: float = 1.0) -> float:
    """E[sigma(z)^2] by adaptive quadrature of the definition over the whole line.

    Integrated in units of the density's scale (z = scale * u, and sigma(scale * u) =
    scale * sigma(u)), so that a narrow or wide density is neither missed nor judged by an
    absolute tolerance; the density's constants are evaluated by SymPy (Gamma of a large
    argument overflows a float).
    """
    from scipy.integrate import quad  # slow to import: only when a quadrature is done

    pdf = sp.lambdify(z, density.evalf(), "math")
    value, _ = quad(lambda u: (u if u > 0 else alpha * u) ** 2 * pdf(scale * u) * scale, -np.inf, np.inf,
                    points=None, epsabs=1e-13, epsrel=1e-11, limit=200)
    return scale**2 * value


def _same(a, b) -> bool:
    """Exact equality for SymPy values; 1e-8 relative agreement when one is a float."""
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= 1e-8 * max(1.0, abs(float(b)))
    return prove.equal(a, b).passed


def solve(p: Params, ctx: Context) -> Solution:
    a = sp.nsimplify(p.alpha)
    sol = Solution(
        TOPIC, "Kaiming initialisation", "iust-dl-hw1, Problem 2", p,
        question=(
            r"An $H$-layer fully connected network computes $z^{(h)} = W^{(h)}x^{(h)}$ and "
            r"$x^{(h+1)} = \sigma(z^{(h)})$ with $\sigma$ the (leaky) ReLU, "
            r"$\sigma(t) = \max(0,t) + \alpha\min(0,t)$. The weights of layer $h$ are i.i.d. with "
            r"mean 0 and variance $\sigma_h^2$, independent of the layer's input. Find the "
            r"$\sigma_h^2$ that keeps the pre-activation variance the same in every layer. "
            r"The sheet asks for ReLU ($\alpha = 0$); the slope $\alpha$ is a parameter."
        ),
    )
    cases = {f"d={d}": {"d": d} for d in range(1, 9)}

    # (a) zero mean
    pa = sol.part("a", "Zero mean", r"Show that every pre-activation $z_i^{(h)}$ has mean zero.")
    pa.chain("mean", r"\mathbb{E}[z_i^{(h)}]", cases).define(
        r"\mathbb{E}\Bigl[\sum_{j=1}^{d_h} W_{ij}x_j\Bigr]",
        lambda d: _unit(d)[1].E(_unit(d)[0]),
    ).step(
        r"\sum_{j=1}^{d_h}\mathbb{E}[W_{ij}]\,\mathbb{E}[x_j]", lambda d: d * mW * mu,
        "linearity; $W$ independent of $x$",
    ).step(r"0", lambda d: sp.Integer(0), r"$\mathbb{E}[W_{ij}] = 0$", given={mW: 0})
    pa.text(
        r"Each check above expands the sum for $d_h = 1,\dots,8$ with symbolic moments; "
        r"nothing about the inputs is assumed beyond independence from the weights, so the "
        r"inputs may have any mean (ReLU outputs have a positive one)."
    )
    x_dist = st.Uniform("x", 0, 2)
    x_m2 = st.E(x_dist**2)
    w_var = 1.0 / p.fan_in
    unit = lambda rng, n: sim.one_unit(rng, n, p.fan_in, w_var, lambda r, s: r.uniform(0.0, 2.0, s))  # noqa: E731
    sd_z = float(sp.sqrt(p.fan_in * w_var * x_m2))
    pa.claim(
        "mc", rf"Simulation: one unit with $d_h = {p.fan_in}$, $W \sim N(0, 1/d_h)$ and "
        r"$U(0, 2)$ inputs (mean 1) has $\mathbb{E}[z] = 0$.",
        ctx.monte_carlo("a.mean", unit, 0.0, scale=sd_z),
    )

    # (b) variance expansion
    pb = sol.part("b", "Variance expansion",
                  r"Express $\operatorname{Var}(z_i^{(h)})$ through $\sigma_h^2$ and "
                  r"$\mathbb{E}[(x_j^{(h)})^2]$; show it equals $d_h\sigma_h^2\,\mathbb{E}[(x_j^{(h)})^2]$.")
    pb.chain("var", r"\operatorname{Var}(z_i^{(h)})", cases).define(
        r"\mathbb{E}[z_i^2] - \mathbb{E}[z_i]^2",
        lambda d: (lambda zz, M: M.E(zz**2) - M.E(zz) ** 2)(*_unit(d)),
    ).step(
        r"\sum_{j}\mathbb{E}[W_{ij}^2]\,\mathbb{E}[x_j^2] + \sum_{j\neq k}\mathbb{E}[W_{ij}]"
        r"\mathbb{E}[W_{ik}]\,\mathbb{E}[x_j]\mathbb{E}[x_k] - \Bigl(\sum_j \mathbb{E}[W_{ij}]\mathbb{E}[x_j]\Bigr)^2",
        lambda d: d * vW * m2 + d * (d - 1) * mW**2 * mu**2 - (d * mW * mu) ** 2,
        "expand the square; independence",
    ).step(
        r"d_h\,\sigma_h^2\,\mathbb{E}[x_j^2]", lambda d: d * s2_ * m2,
        r"$\mathbb{E}[W]=0$, so $\mathbb{E}[W^2]=\sigma_h^2$ and cross terms vanish",
        given={mW: 0, vW: s2_},
    )
    pb.claim(
        "mc", rf"Simulation: the same unit ($d_h = {p.fan_in}$, $\sigma_h^2 = 1/d_h$, "
        r"$\mathbb{E}[x^2] = " + sp.latex(x_m2) + r"$ for $U(0, 2)$) has "
        rf"$\operatorname{{Var}}(z) = d_h\sigma_h^2\,\mathbb{{E}}[x^2] = "
        rf"{sp.latex(p.fan_in * sp.nsimplify(w_var) * x_m2)}$.",
        ctx.monte_carlo("b.var", lambda rng, n: unit(rng, n) ** 2, float(p.fan_in * w_var * x_m2)),
    )

    # (c) the (leaky) ReLU second moment, for any symmetric zero-mean density
    pc = sol.part("c", "ReLU second moment",
                  r"For $z$ with a density symmetric about $0$, show "
                  r"$\mathbb{E}[\sigma(z)^2] = \tfrac12\operatorname{Var}(z)$ for the ReLU; "
                  r"here, with slope $\alpha$, $\tfrac{1+\alpha^2}{2}\operatorname{Var}(z)$.")
    dens = _densities(p)
    f = sp.Function("p")
    moved = sp.Integral(z**2 * f(z), (z, -sp.oo, 0)).transform(-z, u)
    pc.claim(
        "sym", r"For any density $p$: substituting $z = -u$ gives "
        r"$\int_{-\infty}^0 z^2p(z)\,dz = \int_0^\infty u^2 p(-u)\,du$, which equals "
        r"$\int_0^\infty u^2 p(u)\,du$ when $p(-u) = p(u)$.",
        prove.equal(moved.xreplace({f(-u): f(u)}), sp.Integral(u**2 * f(u), (u, 0, sp.oo))),
    )

    def on_densities(step):
        return prove.on_instances({name: step(pz) for name, pz in dens.items()},
                                  "exact integrals for each density")

    halves = {name: (_integral(z**2 * pz, -sp.oo, 0), _integral(z**2 * pz, 0, sp.oo)) for name, pz in dens.items()}
    var = {name: _integral(z**2 * pz, -sp.oo, sp.oo) for name, pz in dens.items()}
    mean = {name: _integral(z * pz, -sp.oo, sp.oo) for name, pz in dens.items()}
    name_of = {id(pz): name for name, pz in dens.items()}
    pc.claim("symmetric", r"Each test density satisfies $p(-z) = p(z)$ and has mean $0$.",
             on_densities(lambda pz: prove.equal(pz.subs(z, -z), pz).passed and mean[name_of[id(pz)]] == 0))
    steps = [
        (r"\int_{-\infty}^{\infty}\sigma(z)^2p(z)\,dz", "definition",
         lambda n: _quad_leaky_sq(dens[n], p.alpha, p.scale)),
        (r"\alpha^2\!\int_{-\infty}^{0} z^2p(z)\,dz + \int_0^{\infty} z^2p(z)\,dz",
         r"$\sigma(z) = \alpha z$ for $z<0$", lambda n: a**2 * halves[n][0] + halves[n][1]),
        (r"(1+\alpha^2)\int_0^{\infty} z^2p(z)\,dz", "symmetry, as proved above",
         lambda n: (1 + a**2) * halves[n][1]),
        (r"\frac{1+\alpha^2}{2}\int_{-\infty}^{\infty} z^2p(z)\,dz", "symmetry again",
         lambda n: (1 + a**2) / 2 * var[n]),
    ]
    ch = pc.chain("moment", r"\mathbb{E}[\sigma(z)^2]")
    for i, (tex, why, value) in enumerate(steps):
        if i == 0:
            ch.define(tex, None, why)
            continue
        prev = steps[i - 1][2]
        how = "quadrature of the definition vs exact integrals" if i == 1 else "exact integrals"
        ch.step(tex, None, why, verdict=prove.on_instances(
            {n: _same(prev(n), value(n)) for n in dens}, f"{how} per density"))
    ch.step(r"\frac{1+\alpha^2}{2}\operatorname{Var}(z)", None, r"$\mathbb{E}[z] = 0$",
            verdict=prove.on_instances({n: mean[n] == 0 for n in dens}, "mean zero, exact"))
    factor = second_moment_factor(alpha_)
    sims = _samplers(p)
    for n in dens:
        claimed = float(factor.subs(alpha_, a) * var[n])
        pc.claim(
            f"mc.{n}", rf"Simulation, {n} density: $\mathbb{{E}}[\sigma(z)^2] = "
            rf"{sp.latex(sp.nsimplify(factor.subs(alpha_, a)))}\cdot {sp.latex(sp.nsimplify(var[n]))}$.",
            ctx.monte_carlo(f"c.{n}", lambda rng, k, s=sims[n]: sim.leaky(s(rng, k), p.alpha) ** 2, claimed),
        )
    pc.text(r"With $\alpha = 0$ this is the sheet's $\tfrac12\operatorname{Var}(z)$.")

    # (d) combine
    pd = sol.part("d", "Preserving the variance",
                  r"Combine (b) and (c) into the weight variance that keeps "
                  r"$\operatorname{Var}(z^{(h)}) = \operatorname{Var}(z^{(h-1)})$.")
    vprev = sp.Symbol(r"\operatorname{Var}(z^{(h-1)})", positive=True)
    pd.chain("gain", r"\operatorname{Var}(z^{(h)})").define(
        r"d_h\sigma_h^2\,\mathbb{E}[(x^{(h)})^2]", d_ * s2_ * m2, "by (b)",
    ).step(r"d_h\sigma_h^2\,\frac{1+\alpha^2}{2}\operatorname{Var}(z^{(h-1)})",
           d_ * s2_ * factor * vprev, "by (c)", given={m2: factor * vprev})
    sigma2 = sp.solve(sp.Eq(d_ * s2_ * factor, 1), s2_)
    pd.claim("unique", r"$d_h\sigma_h^2\frac{1+\alpha^2}{2} = 1$ has exactly one solution.",
             prove.equal(len(sigma2), 1))
    derived = he_variance(alpha_, d_)
    pd.claim("sigma2", r"Variance is preserved exactly when", prove.equal(sigma2[0], derived),
             latex=r"\sigma_h^2 = \frac{2}{(1+\alpha^2)\,d_h}.")
    gain = sp.sqrt(2 / (1 + alpha_**2))
    pd.claim("gain", r"Equivalently the standard deviation is $\mathrm{gain}/\sqrt{d_h}$ with "
             r"$\mathrm{gain} = \sqrt{2/(1+\alpha^2)}$, the leaky-ReLU gain used by common frameworks; "
             r"$\alpha = 0$ gives He's $\sigma_h^2 = 2/d_h$.",
             prove.equal((gain / sp.sqrt(d_)) ** 2, derived))
    pd.text(
        r"The first layer is the exception: its input $x^{(0)}$ is data, not a ReLU output, so "
        r"(b) alone applies and $\sigma_0^2 = 1/(d_0\,\mathbb{E}[x_j^2])$ (i.e. $1/d_0$ for "
        r"standardised inputs)."
    )
    s2_num = float(derived.subs({alpha_: a, d_: p.width}))
    mc_s2 = float(derived.subs({alpha_: a, d_: p.mc_width}))
    for k in p.factors:
        per_layer = float(k)  # the derived variance must give gain exactly 1
        kind = "flat" if abs(per_layer - 1) < 1e-12 else ("decays" if per_layer < 1 else "explodes")
        pd.claim(
            f"mc.gain{k:g}",
            rf"Simulation, {p.depth}-layer networks of width {p.mc_width} with {p.mc_weights} weights, "
            rf"$\sigma_h^2 = {k:g}\times$ derived: "
            rf"the variance changes by a factor ${per_layer:.4g}$ per layer ({kind}).",
            ctx.monte_carlo(
                f"d.gain{k:g}",
                lambda rng, n, k=k: sim.layer_gains(
                    rng, n, width=p.mc_width, depth=p.depth, batch=p.batch,
                    weight_var=k * mc_s2, alpha=p.alpha, kind=p.mc_weights),
                per_layer, pilot=200,
            ),
        )
    pd.figure("depth", rf"Mean squared pre-activation by layer in random {p.depth}-layer networks "
              rf"(width {p.width}, $\alpha={p.alpha:g}$), simulated (markers) against the derived "
              r"$c^h$ (lines), for weight variances that are multiples of the derived one.",
              lambda path: _plot_depth(path, p, s2_num, ctx))
    sol.answer("sigma_h^2", derived)
    sol.answer("sigma_h^2 at width", derived.subs({alpha_: a, d_: p.width}))
    sol.answer("second moment factor", factor.subs(alpha_, a))
    sol.answer("gain", gain.subs(alpha_, a))
    return sol


def _plot_depth(path, p: Params, s2_num: float, ctx: Context) -> None:
    rng = ctx.rng("figure.depth")
    layers = np.arange(p.depth)
    with figures.figure(path) as (fig, ax):
        for k in p.factors:
            v = sim.variance_by_layer(rng, width=p.width, depth=p.depth, batch=p.batch, networks=8,
                                      weight_var=k * s2_num, alpha=p.alpha)
            line, = ax.plot(layers, v[0] * k**layers, lw=1)
            ax.plot(layers, v, "o", ms=3, color=line.get_color(), label=rf"$\sigma^2 = {k:g}\times$ derived")
        ax.set_yscale("log")
        ax.set_xlabel("layer $h$")
        ax.set_ylabel(r"mean of $(z^{(h)})^2$")
        ax.legend()


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
