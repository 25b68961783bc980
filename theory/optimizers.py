"""Momentum, Nesterov, AdaGrad, RMSProp, Adam: rules, rates and measured effects (iust-dl-hw1 P1).

Each part states an update rule, derives what it does with SymPy (rates from characteristic
polynomials, effective learning rates under a constant gradient, Adam's bias factors) and
compares every derived number with a simulation in `checks.optimizers` on an ill-conditioned
quadratic, a linear ramp (constant gradient) and the non-convex Rosenbrock function.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import optimizers as sim
from theory.core import prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation, Unreadable
from theory.core.params import Parameters, exact_decimal, numbers, param
from theory.core.solution import Chain, Check, Part, Solution
from theory.core.verdict import Verdict

TOPIC = "optimizers"

eta, beta, mu, L, kappa, lam = sp.symbols("eta beta mu L kappa lambda", positive=True)
z = sp.Symbol("z")  # root variable of the characteristic polynomials (complex)
x_t, x_p, v_t, grad_t, grad_p = sp.symbols("x_t x_{t-1} v_t g_t g_{t-1}", real=True)
g, rho, b1, b2, eps, t = sp.symbols("g rho beta1 beta2 epsilon t", positive=True)
damp = sp.Symbol("d", nonnegative=True)  # PyTorch's dampening
G = sp.Function("G")  # an arbitrary gradient field, for identities that hold for any f
F = sp.Function("f")  # the loss, as the displays name it: \nabla f(y) is read as G(y)

# How momentum keeps its velocity (a convention the sheet leaves open), and Nesterov's two forms.
MOMENTUM = {
    "classical": "the classical (Polyak, Sutskever) convention",
    "pytorch": "PyTorch's convention (torch.optim.SGD, with dampening $d$)",
    "ema": "the moving-average convention (Adam's first moment, Keras-style EMA momentum)",
}
NESTEROV = {
    "lookahead": "Sutskever's form: the gradient is taken at the look-ahead point",
    "pytorch": r"PyTorch's form (nesterov=True): the gradient is taken at $x_t$ and the step "
               r"uses the velocity one update ahead",
}


# The Rosenbrock races of (a) and (d) are demonstrations near the classic start (-1.2, 1): within
# these bounds (checked at every corner and at random points) heavy ball beats GD and RMSProp
# beats AdaGrad; farther out either race can go the other way.
ROSEN_START = ((-1.3, -1.1), (0.9, 1.1))
ROSEN_ETA_B = (0.05, 0.12)  # eta_rosen * rosen_b: GD's step against the valley's curvature (~ b)


def _choice(*options: str):
    return lambda v: None if v in options else f"must be one of {', '.join(options)}"


def _point(v: object) -> bool:
    """Two real coordinates (a nested tuple or a flag is not a coordinate)."""
    return isinstance(v, tuple) and len(v) == 2 and all(
        isinstance(c, (int, float)) and not isinstance(c, bool) for c in v)


def _check_start(v: tuple) -> str | None:
    if not (_point(v) and all(1e-3 <= abs(c) <= 1e3 for c in v)):
        return ("expected two coordinates with 1e-3 <= |x_i| <= 1e3, e.g. (1.0, 1.0), so both curvatures "
                "are excited and the losses stay in float range")
    return None


def _check_rosen_start(v: tuple) -> str | None:
    (x_lo, x_hi), (y_lo, y_hi) = ROSEN_START
    if not (_point(v) and x_lo <= v[0] <= x_hi and y_lo <= v[1] <= y_hi):
        return f"expected (x, y) with x in [{x_lo:g}, {x_hi:g}] and y in [{y_lo:g}, {y_hi:g}], e.g. (-1.2, 1.0)"
    return None


def _hb_steps_needed(kappa_: float, tol_: float) -> int:
    """Iterations heavy ball at (eta*, beta*) may need to reach tol f(x_0): twice the asymptotic count
    ln(1/tol) / (2 ln(1/rho)) with Polyak's rate rho, plus 6 sqrt(kappa) for the transient of its double
    roots (measured: at most about 5 times the asymptotic count for kappa up to 1e6)."""
    rate = (np.sqrt(kappa_) - 1) / (np.sqrt(kappa_) + 1)
    return int(np.ceil(2 * np.log(1 / tol_) / (-2 * np.log(rate)) + 6 * np.sqrt(kappa_)))


@dataclass(frozen=True)
class Params(Parameters):
    kappa: float = param(50.0, "condition number L/mu of the quadratic (mu x1^2 + L x2^2)/2",
                         lo=2.0, hi=1e5)
    L: float = param(1.0, "largest curvature of the quadratic", lo=1e-3, hi=1e3)
    x0: tuple = param((1.0, 1.0), "start point on the quadratic", check=_check_start)
    tol: float = param(1e-8, "loss reduction f(x_t)/f(x_0) counted as converged", lo=1e-12, hi=1e-2)
    steps: int = param(400, "iterations run on the quadratic (table, plots)", lo=100, hi=100000)
    rate_steps: int = param(1000, "iterations over which contractions are measured", lo=200,
                            hi=100000)
    beta: float = param(0.9, "momentum coefficient on the ramp and on Rosenbrock", lo=0.8, hi=0.95)
    eta_adagrad: float = param(0.5, "AdaGrad step size on the quadratic", lo=1e-3, hi=10.0)
    eta_rmsprop: float = param(0.01, "RMSProp step size (and AdaGrad's in the same-eta races)",
                               lo=0.005, hi=0.02)
    eta_adam: float = param(0.05, "Adam step size", lo=1e-4, hi=1.0)
    rho: float = param(0.9, "RMSProp decay of the squared-gradient average", lo=0.8, hi=0.99)
    # Up to 0.999 and 0.9999: the derived 1 - beta^t is then computed to far better than the 1e-9
    # relative tolerance of the step checks.
    beta1: float = param(0.9, "Adam first-moment decay", lo=0.0, hi=0.999)
    beta2: float = param(0.999, "Adam second-moment decay", lo=0.0, hi=0.9999)
    # At most 1e-6: the ramp's slopes are at least 1e-3, so eps leaves AdaGrad's rate slope -1/2
    # within the 1% of its check.
    eps: float = param(1e-8, "epsilon added to the root of the squared-gradient statistic",
                       lo=0.0, lo_open=True, hi=1e-6)
    ramp_slopes: tuple = param((0.001, 1.0, 1000.0), "gradient magnitudes of the linear ramp",
                               check=numbers("gradient magnitudes", lo=1e-3, hi=1e3, length=(1, 8),
                                             example="(0.001, 1.0, 1000.0)"))
    ramp_steps: int = param(500, "iterations on the ramp", lo=50, hi=100000)
    rosen_b: float = param(100.0, "Rosenbrock valley steepness b in (1-x)^2 + b(y-x^2)^2",
                           lo=50.0, hi=150.0)
    rosen_start: tuple = param((-1.2, 1.0), "start point on Rosenbrock", check=_check_rosen_start)
    rosen_steps: int = param(1500, "iterations on Rosenbrock", lo=1500, hi=3000)
    eta_rosen: float = param(1e-3, "GD and momentum step size on Rosenbrock", lo=ROSEN_ETA_B[0] / 150,
                             hi=ROSEN_ETA_B[1] / 50)
    momentum: str = param("classical", r"momentum convention: classical ($v \leftarrow \beta v - \eta g$, "
                          r"$x \leftarrow x + v$), pytorch ($v \leftarrow \beta v + (1-d)g$, "
                          r"$x \leftarrow x - \eta v$) or ema ($v \leftarrow \beta v + (1-\beta)g$, "
                          r"$x \leftarrow x - \eta v$)",
                          check=_choice(*MOMENTUM))
    dampening: float = param(0.0, "PyTorch's dampening d (momentum=pytorch only)", lo=0.0, hi=0.9)
    nesterov: str = param("lookahead", "Nesterov form: lookahead (gradient at the look-ahead point) or "
                          "pytorch (gradient at x, step along the next velocity, PyTorch's nesterov=True)",
                          check=_choice(*NESTEROV))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.dampening and self.momentum != "pytorch":
            raise BadInput(f"dampening = {self.dampening:g} applies to momentum=pytorch only, "
                           f"not to momentum={self.momentum}")
        if self.dampening and self.nesterov == "pytorch":
            raise BadInput("nesterov=pytorch needs dampening = 0, as torch.optim.SGD requires")
        lo, hi = ROSEN_ETA_B
        if not lo <= self.eta_rosen * self.rosen_b <= hi:
            raise BadInput(f"eta_rosen * rosen_b = {self.eta_rosen * self.rosen_b:.4g} is outside [{lo:g}, {hi:g}], "
                           "where GD and heavy ball on Rosenbrock neither crawl nor blow up")
        if self.rate_steps < 10 * np.sqrt(self.kappa):
            raise BadInput(f"rate_steps = {self.rate_steps} is too few to measure rates on kappa = {self.kappa:g}: "
                           f"at least 10 sqrt(kappa) = {int(np.ceil(10 * np.sqrt(self.kappa)))} are needed")
        need = _hb_steps_needed(self.kappa, self.tol)
        if self.steps < need:
            raise BadInput(f"steps = {self.steps} is too few for heavy ball to reach tol = {self.tol:g} on "
                           f"kappa = {self.kappa:g}: about {need} are needed")


# ---- derived formulas (each one checked below against SymPy and against simulations) --------

def gd_optimal_step(mu_, L_):
    """The step that balances the slowest and the fastest coordinate: 2 / (L + mu)."""
    return 2 / (L_ + mu_)


def gd_rate(kappa_):
    """Contraction of GD per iteration at its best step: (kappa - 1) / (kappa + 1)."""
    return (kappa_ - 1) / (kappa_ + 1)


def heavy_ball_optimum(mu_, L_):
    """Polyak's (eta*, beta*) for heavy ball on curvatures in [mu, L]."""
    sL, smu = sp.sqrt(L_), sp.sqrt(mu_)
    return 4 / (sL + smu) ** 2, ((sL - smu) / (sL + smu)) ** 2


def heavy_ball_rate(kappa_):
    """Contraction of heavy ball at (eta*, beta*): (sqrt(kappa) - 1) / (sqrt(kappa) + 1)."""
    return (sp.sqrt(kappa_) - 1) / (sp.sqrt(kappa_) + 1)


def nesterov_beta(kappa_):
    """Nesterov's momentum for strongly convex problems, used with eta = 1/L."""
    return (sp.sqrt(kappa_) - 1) / (sp.sqrt(kappa_) + 1)


def nesterov_rate(kappa_):
    """Contraction of Nesterov at eta = 1/L, beta = nesterov_beta: 1 - 1/sqrt(kappa)."""
    return 1 - 1 / sp.sqrt(kappa_)


def momentum_map(conv: str, form: str | None, grad, x=x_t, v=v_t, eta_=eta) -> tuple[sp.Expr, sp.Expr]:
    """(x_{t+1}, v_{t+1}) from (x_t, v_t): heavy ball (form None) or Nesterov, in a momentum convention."""
    if conv == "classical":
        gy = grad(x + beta * v if form == "lookahead" else x)
        v1 = beta * v - eta_ * gy
        return (x + beta * v1 - eta_ * gy if form == "pytorch" else x + v1), v1
    w = 1 - damp if conv == "pytorch" else 1 - beta  # the weight of the new gradient
    gy = grad(x - eta_ * beta * v if form == "lookahead" else x)
    v1 = beta * v + w * gy
    return (x - eta_ * (beta * v1 + w * gy) if form == "pytorch" else x - eta_ * v1), v1


def momentum_scale(conv: str) -> sp.Expr:
    """s such that the convention with step eta is the classical rule with step s eta: 1, 1-d, 1-beta."""
    return {"classical": sp.Integer(1), "pytorch": 1 - damp, "ema": 1 - beta}[conv]


def momentum_velocity(conv: str, t_) -> sp.Expr:
    """The velocity after t steps on a constant gradient g from v_0 = 0, in the convention's units."""
    geometric = g * (1 - beta**t_) / (1 - beta)
    return {"classical": -eta * geometric, "pytorch": (1 - damp) * geometric, "ema": g * (1 - beta**t_)}[conv]


def momentum_gain(conv: str) -> sp.Expr:
    """lim |x_t - x_{t-1}| / (eta |g|) on a constant gradient: 1/(1-beta), (1-d)/(1-beta), 1."""
    return {"classical": 1 / (1 - beta), "pytorch": (1 - damp) / (1 - beta), "ema": sp.Integer(1)}[conv]


def ramp_step(conv: str, form: str | None = None) -> sp.Expr:
    """|x_t - x_{t-1}| on a constant gradient g > 0 from rest, from the rule and the closed velocity."""
    x_new, _ = momentum_map(conv, form, lambda _: g, v=momentum_velocity(conv, t - 1))
    return _tidy(x_t - x_new)


def _tidy(e: sp.Expr) -> sp.Expr:
    """Factor, and write factors such as (beta - 1) as (1 - beta) with the sign moved out."""
    sign, out = 1, []
    for f in sp.Mul.make_args(sp.factor(sp.powsimp(sp.expand(e)))):
        base, ex = f.as_base_exp()
        if isinstance(base, sp.Add) and base.as_coeff_add()[0] < 0 and ex.is_integer:
            f, sign = (-base) ** ex, sign * (-1) ** ex
        out.append(sp.powsimp(f))
    return sign * sp.Mul(*out)


def adagrad_rate(eta_, g_, t_, eps_):
    """AdaGrad's effective rate at step t under a constant gradient of magnitude g."""
    return eta_ / (g_ * sp.sqrt(t_) + eps_)


def adagrad_distance_bounds(eta_, T_):
    """Integral-comparison bounds on eta * sum_{s<=T} s^(-1/2), the distance AdaGrad covers."""
    s = sp.Symbol("s", positive=True)
    lower = eta_ * sp.integrate(s ** sp.Rational(-1, 2), (s, 1, T_ + 1))
    upper = eta_ * (1 + sp.integrate(s ** sp.Rational(-1, 2), (s, 1, T_)))
    return lower, upper


def rmsprop_rate(eta_, g_, t_, rho_, eps_):
    """RMSProp's effective rate at step t under a constant gradient of magnitude g (s_0 = 0)."""
    return eta_ / (g_ * sp.sqrt(1 - rho_**t_) + eps_)


def adam_step(eta_, g_, t_, beta1_, beta2_, eps_, corrected: bool):
    """Length of Adam's t-th step under a constant gradient g > 0 (m_0 = v_0 = 0)."""
    if corrected:
        return eta_ * g_ / (g_ + eps_)
    return eta_ * (1 - beta1_**t_) * g_ / (g_ * sp.sqrt(1 - beta2_**t_) + eps_)


# ---- helpers ----------------------------------------------------------------------------------

ZERO_RADIUS = 1e-6  # a measured contraction counted as zero (a derived radius: below its square)
# Contractions are measured from a start that excites both curvatures equally: the asymptotic rate
# does not depend on the start, but a start far from balanced adds a transient to the measured window.
RATE_START = (1.0, 1.0)
EQUIV_STEPS = 300  # Rosenbrock steps over which the momentum conventions are run side by side
ROUND_OFF = 1e-9  # float rounding allowed beside a derived gap, for a measured rate against its limit
TUNE = 1e-3  # a derived tuning is judged against itself moved by this fraction either way
GRID_BETA = 0.98  # the largest momentum on the grid that heavy ball's tuning is compared with

_NUMPY = {"sqrt": np.sqrt, "Abs": np.abs, "exp": np.exp, "log": np.log}


@functools.lru_cache(maxsize=4096)
def numeric(args: tuple[sp.Symbol, ...], expr: sp.Expr):
    """A derived formula as a NumPy function (plain namespace: no module import at run time). Remembered:
    a grader compares each mistake with every one before it, and writing a function out takes milliseconds."""
    return sp.lambdify(args, expr, modules=[_NUMPY])


def _shortest(value: sp.Expr) -> sp.Expr:
    """The same number in its shortest printed form: radicals out of the denominator when that is shorter,
    (51 - 10 sqrt(2))/49 rather than (-1 + 5 sqrt(2))/(1 + 5 sqrt(2))."""
    forms = (value, sp.radsimp(value), sp.radsimp(sp.expand(value)))
    return min(forms, key=lambda f: len(sp.latex(f)))


def _f(x) -> float:
    return float(sp.N(x)) if isinstance(x, sp.Basic) else float(x)


def limit_at_infinity(expr: sp.Expr, *bases: sp.Symbol, var: sp.Symbol = t) -> sp.Expr:
    """lim_{var->oo} of expr for bases in [0, 1): write each as exp(-c), c > 0, and let var -> oo."""
    cs = [sp.Dummy("c", positive=True) for _ in bases]
    at_oo = expr.subs(dict(zip(bases, (sp.exp(-c) for c in cs)))).subs(var, sp.oo)
    return sp.cancel(at_oo.subs({c: -sp.log(b) for b, c in zip(bases, cs)}))


def _discriminant(quadratic: sp.Expr) -> sp.Expr:
    """b^2 - 4ac of a quadratic in z."""
    a, b, c = sp.Poly(quadratic, z).all_coeffs()
    return b**2 - 4 * a * c


def _spectral_radius(poly: sp.Expr, values: dict) -> float:
    """Largest root modulus of a characteristic polynomial at numeric parameter values."""
    coeffs = [complex(c) for c in sp.Poly(poly.subs(values), z).all_coeffs()]
    return float(np.max(np.abs(np.roots(coeffs)))) if len(coeffs) > 1 else 0.0


def _at_least(a: float, b: float, factor: float, what: str) -> Verdict:
    """The measured inequality a >= factor * b, with b finite (inf: never reached in the run)."""
    ok = bool(np.isfinite(b) and not np.isnan(a) and a >= factor * b)
    note = "" if np.isfinite(b) else " (the second never got there within the run: more steps?)"
    return Verdict("numeric", ok, f"{what}: {a:.4g} vs {b:.4g} (needs a factor {factor:g}){note}",
                   {"a": a, "b": b, "factor": factor})


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _tex_num(x: float) -> str:
    """1e-08 -> 10^{-8}, 2.5e-05 -> 2.5\\times 10^{-5}, 0.01 -> 0.01."""
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:g}"
    text = f"{x:.3g}"
    if "e" not in text:  # 1e-4 <= |x| < 1e-3 prints without an exponent
        return text
    mant, exp = text.split("e")
    return (rf"{mant}\times " if mant not in ("1", "-1") else ("-" if mant == "-1" else "")) \
        + f"10^{{{int(exp)}}}"


def _cold(n: float) -> str:
    """An iteration count, or 'never' for a run that did not get there."""
    return str(int(n)) if np.isfinite(n) else "never"


def _fix(p: Params) -> dict:
    """The dampening written as 0 when it is 0 (always, outside momentum=pytorch), else kept as d."""
    return {damp: 0} if p.dampening == 0 else {}


def _own(p: Params, classical_eta: float, beta_: float) -> float:
    """The convention's step size that takes the classical step `classical_eta`: classical_eta / s."""
    s = momentum_scale(p.momentum).subs({beta: exact_decimal(beta_), damp: exact_decimal(p.dampening)})
    return classical_eta / _f(s)


def _eta_tex(p: Params) -> str:
    """The classical step the convention takes, s eta, as LaTeX: \\eta, (1 - d)\\eta or (1 - \\beta)\\eta."""
    s = momentum_scale(p.momentum).subs(_fix(p))
    return r"\eta" if s == 1 else rf"({sp.latex(s)})\eta"


def _rule_tex(conv: str, form: str | None, fix: dict) -> tuple[str, str]:
    """The update rule as displayed: x_{t+1} in terms of v_{t+1}, and v_{t+1}."""
    at = {"lookahead": r"x_t + \beta v_t" if conv == "classical" else r"x_t - \eta\beta v_t"}.get(form, "x_t")
    if conv == "classical":
        vel = rf"\beta v_t - \eta\nabla f({at})"
        step = r"x_t + \beta v_{t+1} - \eta\nabla f(x_t)" if form == "pytorch" else r"x_t + v_{t+1}"
    else:
        w = (1 - damp if conv == "pytorch" else 1 - beta).subs(fix)
        wt = "" if w == 1 else rf"({sp.latex(w)})"
        vel = rf"\beta v_t + {wt}\nabla f({at})"
        step = (rf"x_t - \eta\bigl(\beta v_{{t+1}} + {wt}\nabla f(x_t)\bigr)" if form == "pytorch"
                else r"x_t - \eta v_{t+1}")
    return step, vel


def _gradient(at: sp.Expr) -> sp.Expr:
    """`\\nabla f(y)` as the displays write it: the gradient field G at y."""
    if getattr(at, "func", None) != F:
        raise Unreadable("\\nabla applies to f(...) only")
    return G(*at.args)


NOTATION = Notation({"g": g}, {"f": F, "nabla": _gradient}, printing={"symbol_names": {g: "|g|"}})  # g is |g|


def _let(part: Part, names: dict) -> None:
    """Names for the part's displays from here on (e.g. `\\beta^*` for Polyak's momentum)."""
    n = part.notation
    part.notation = Notation({**n.names, **names}, n.functions, n.sums)


def _rule(part: Part, conv: str, form: str | None, fix: dict, reason: str) -> Chain:
    """The update rule on any gradient field: v_{t+1}, then the chain x_{t+1} = (step in v_{t+1}), returned."""
    step, vel = _rule_tex(conv, form, fix)
    x_new, v_new = (e.subs(fix) for e in momentum_map(conv, form, G))
    _let(part, {"v_{t+1}": v_new})
    part.chain("velocity", "v_{t+1}").define(vel, v_new, reason)
    return part.chain("rule", "x_{t+1}").define(step, x_new, "the step")


def _velocity_from_iterates(conv: str, form: str | None, fix: dict) -> tuple[sp.Expr, Verdict]:
    """v_t from x_t and x_{t-1} on a coordinate of curvature lambda, solved from the step before; checked."""
    w = sp.Symbol("w", real=True)
    x_new, v_new = (e.subs(fix) for e in momentum_map(conv, form, lambda y: lam * y, x=x_p, v=w))
    rel = _tidy(v_new.subs(w, (x_t - x_new.subs(w, 0)) / sp.diff(x_new, w)))  # x_new is linear in w
    return rel, prove.equal(rel.subs(x_t, x_new), v_new)


def _equivalent(conv: str, form: str | None) -> Verdict:
    """The convention at step eta, its velocity read as v_cl = k v, is the classical rule at step s eta."""
    k = 1 if conv == "classical" else -eta
    x_c, v_c = momentum_map(conv, form, G)
    x_k, v_k = momentum_map("classical", form, G, v=k * v_t, eta_=momentum_scale(conv) * eta)
    return prove.equal(x_c, x_k) & prove.equal(k * v_c, v_k)



# ---- answers judged by the measurements, and their common wrong values ------------------------

def _on_ramp(measured: np.ndarray, values: dict, points: dict, rtol: float, what: str) -> Check:
    """A candidate formula, its constants at `values`, evaluated where NumPy measured `measured` (`points`:
    each remaining symbol's array, broadcast to the measured shape) and compared entry by entry."""
    def check(value) -> Verdict:
        try:
            e = sp.sympify(value, strict=True).subs(values)
            if not e.free_symbols <= set(points):
                raise ValueError(f"unknown symbols {sorted(map(str, e.free_symbols - set(points)))}")
            with np.errstate(all="ignore"):
                out = numeric(tuple(points), e)(*points.values())
                cand = np.broadcast_to(np.asarray(out, dtype=float), measured.shape)
        except (TypeError, ValueError, NameError, sp.SympifyError) as err:
            return Verdict("numeric", False, f"{what}: {sp.sstr(value)[:60]} cannot be evaluated ({err})")
        return prove.close_all(measured, cand, rtol, what)

    return check


def _best_gd_step(curv: list, steps: int) -> Check:
    """A candidate step judged by GD's measured contraction on each coordinate alone (the worse one counts):
    the best step does no worse than 0.999 and 1.001 times itself, the sides of the V-shaped minimum."""
    def check(value) -> Verdict:
        x = witness.number(value)
        if x is None or x <= 0:
            return Verdict("numeric", False, f"step {sp.sstr(value)[:60]} is not a positive number")
        etas = x * np.array([1 - 1e-3, 1.0, 1 + 1e-3])
        with np.errstate(over="ignore"):  # GD's unused previous iterate may overflow as it is rescaled
            rates = sim.contraction("gd", [[curv[0]], [curv[1]]], [1.0], steps, etas[:, None]).max(axis=-1)
        return prove.on_instances({"no faster at 0.999 times it": bool(rates[1] <= rates[0]),
                                   "no faster at 1.001 times it": bool(rates[1] <= rates[2])},
                                  f"GD's measured contraction at {x:.6g} ({rates[1]:.6g})")

    return check


def _radius(curv: list, eta_: float, beta_: float, **mom) -> float:
    """Largest root modulus of the simulator's own one-step map of (x, v) on each curvature alone (the
    worst of them): the map is linear on a quadratic, so stepping the basis states gives its matrix."""
    worst = 0.0
    for c in curv:
        cols = [sim.momentum(np.array(x0), np.array(v0), lambda y, c=c: c * y, eta=eta_, beta=beta_, **mom)
                for x0, v0 in ((1.0, 0.0), (0.0, 1.0))]
        step = np.array([[cols[0][0], cols[1][0]], [cols[0][1], cols[1][1]]], dtype=float)
        worst = max(worst, float(np.max(np.abs(np.linalg.eigvals(step)))))
    return worst


def _tuned(what: str, radius_at, rel: float = TUNE) -> Check:
    """A candidate tuning judged by `radius_at` (the worst root modulus there): moved by `rel` either way it
    must contract no faster, as at the bottom of the V-shaped minimum (to within about rel/2)."""
    def check(value) -> Verdict:
        x = witness.number(value)
        if x is None or x <= 0:
            return Verdict("numeric", False, f"{what}: {sp.sstr(value)[:60]} is not a positive number")
        with np.errstate(all="ignore"):
            r = [radius_at(x * f) for f in (1 - rel, 1.0, 1 + rel)]
        return prove.on_instances({f"no faster at {1 - rel:g} times it": bool(r[1] <= r[0]),
                                   f"no faster at {1 + rel:g} times it": bool(r[1] <= r[2])},
                                  f"{what}: largest root modulus {r[1]:.6g} at {x:.6g}")

    return check


def _scale(p: Params):
    """The convention's s(beta) (its step is the classical step over s), as a float function of beta."""
    s = numeric((beta, damp), momentum_scale(p.momentum))
    return lambda b: float(np.asarray(s(b, p.dampening), dtype=float))


def _apart_numbers(rel: float):
    """Two numbers a grader tells apart, and a witness of tolerance below rel/2 too."""
    return lambda a, b: abs(_f(a) - _f(b)) > rel * abs(_f(b))


def _apart_formulas(values: dict, points: dict, rel: float = 0.01):
    """Two formulas that differ by more than rel somewhere the witness measured (constants at `values`)."""
    def at(e) -> np.ndarray:
        out = numeric(tuple(points), sp.sympify(e, strict=True).subs(values))(*points.values())
        shape = np.broadcast_shapes(*(np.shape(v) for v in points.values()))
        return np.broadcast_to(np.asarray(out, dtype=float), shape)

    def apart(a, b) -> bool:
        with np.errstate(all="ignore"):
            return bool(np.max(np.abs(at(a) - at(b)) / np.abs(at(b))) > rel)

    return apart


def _mistakes(sol: Solution, name: str, apart, items: list[tuple[str, object, str]]) -> None:
    """Declare each (id, wrong value, explanation) where `apart` tells it from the right value and from the
    mistakes declared before it (at some parameters two mistakes give the same value)."""
    seen = [sol.results[name].value]
    for id_, value, text in items:
        if all(apart(value, s) for s in seen):
            sol.misconception(name, id_, value, text)
            seen.append(value)


class _OnDemand(dict):
    """A dict that computes a missing entry from its key on first use."""

    def __init__(self, make, names: tuple[str, ...]):
        super().__init__()
        self.make, self.names = make, names

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


@dataclass
class _Runs:
    """Everything simulated once and shared by several parts."""

    k: sp.Rational
    Lv: sp.Rational
    muv: sp.Rational
    curv: list
    fq: object
    gq: object
    quad: dict
    losses: dict
    iters: dict
    settings: dict
    slopes: np.ndarray
    ts: np.ndarray
    fr: object
    gr: object
    rosen: _OnDemand


def _simulate(p: Params) -> _Runs:
    k, Lv = exact_decimal(p.kappa), exact_decimal(p.L)
    muv = Lv / k
    curv = [float(muv), float(Lv)]
    fq, gq = sim.quadratic(curv)
    eta_hb, beta_hb = (_f(v) for v in heavy_ball_optimum(float(muv), float(Lv)))
    beta_n = _f(nesterov_beta(k))
    mom = dict(convention=p.momentum, dampening=p.dampening, nesterov=p.nesterov)
    nag = rf"${_eta_tex(p)} = 1/L$, $\beta = \beta_N$"
    runs = {
        "GD": ("gd", dict(eta=_f(gd_optimal_step(muv, Lv))), r"$\eta = 2/(L+\mu)$"),
        "heavy ball": ("heavy-ball", dict(eta=_own(p, eta_hb, beta_hb), beta=beta_hb, **mom),
                       r"$(\eta^*, \beta^*)$"),
        "heavy ball, NAG setting": ("heavy-ball", dict(eta=_own(p, 1 / float(Lv), beta_n), beta=beta_n, **mom),
                                    nag),
        "Nesterov": ("nesterov", dict(eta=_own(p, 1 / float(Lv), beta_n), beta=beta_n, **mom), nag),
        "AdaGrad": ("adagrad", dict(eta=p.eta_adagrad, eps=p.eps), rf"$\eta = {p.eta_adagrad:g}$"),
        "RMSProp": ("rmsprop", dict(eta=p.eta_rmsprop, rho=p.rho, eps=p.eps),
                    rf"$\eta = {p.eta_rmsprop:g}$, $\rho = {p.rho:g}$"),
        "Adam": ("adam", dict(eta=p.eta_adam, beta1=p.beta1, beta2=p.beta2, eps=p.eps),
                 rf"$\eta = {p.eta_adam:g}$, $\beta_1 = {p.beta1:g}$, $\beta_2 = {p.beta2:g}$"),
    }
    quad = {n: sim.run(m, gq, p.x0, p.steps, **kw) for n, (m, kw, _) in runs.items()}
    losses = {n: fq(r.xs) for n, r in quad.items()}
    iters = {}
    for n, loss in losses.items():
        i = sim.iterations_to(loss, p.tol)
        iters[n] = float(i) if i >= 0 else float("inf")
    fr, gr = sim.rosenbrock(p.rosen_b)
    rosen_cfg = {
        "GD": ("gd", dict(eta=p.eta_rosen)),
        "heavy ball": ("heavy-ball", dict(eta=_own(p, p.eta_rosen, p.beta), beta=p.beta, **mom)),
        "Nesterov": ("nesterov", dict(eta=_own(p, p.eta_rosen, p.beta), beta=p.beta, **mom)),
        "AdaGrad": ("adagrad", dict(eta=p.eta_rmsprop, eps=p.eps)),
        "RMSProp": ("rmsprop", dict(eta=p.eta_rmsprop, rho=p.rho, eps=p.eps)),
        "Adam": ("adam", dict(eta=p.eta_adam, beta1=p.beta1, beta2=p.beta2, eps=p.eps)),
    }

    def rosen_run(name: str) -> sim.Run:
        m, kw = rosen_cfg[name]
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is a finding, not a crash
            return sim.run(m, gr, p.rosen_start, p.rosen_steps, **kw)

    rosen = _OnDemand(rosen_run, tuple(rosen_cfg))  # runs only what a claim or figure asks for
    return _Runs(k, Lv, muv, curv, fq, gq, quad, losses, iters,
                 {n: s for n, (_, _, s) in runs.items()}, np.asarray(p.ramp_slopes, dtype=float),
                 np.arange(1, p.ramp_steps + 1, dtype=float), fr, gr, rosen)


# ---- the solution -----------------------------------------------------------------------------

def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(
        TOPIC, "Optimizers: momentum, Nesterov, AdaGrad, RMSProp, Adam", "iust-dl-hw1, Problem 1",
        p,
        notation=NOTATION,
        question=(
            r"Several gradient-based optimizers are candidates for training an image classifier. "
            r"Explain what momentum adds to gradient descent, how Nesterov's variant differs from "
            r"plain momentum, how AdaGrad adapts its step sizes and where that goes wrong, how "
            r"RMSProp repairs it, and how Adam combines momentum with RMSProp. Model problem: "
            rf"$f(x) = (\mu x_1^2 + L x_2^2)/2$ with $L = {_tex_num(p.L)}$ and $\kappa = L/\mu = "
            rf"{_tex_num(p.kappa)}$; the cross-checks also run "
            r"a constant gradient (ramp) and Rosenbrock."
        ),
    )
    r = _simulate(p)
    p_hb = _momentum(sol, p, r)
    _nesterov(sol, p, r, p_hb)
    _adaptive(sol, p, r)
    _adam(sol, p, r)
    return sol


def _momentum(sol: Solution, p: Params, r: _Runs) -> sp.Expr:
    pa = sol.part("a", "Momentum",
                  r"What is the idea behind momentum, and why does it beat plain gradient descent?")
    pa.text(
        r"GD with a step stable across the steep direction ($\eta < 2/L$) crawls along the flat "
        r"one ($\sim\kappa$ iterations). Momentum keeps a velocity, a decaying sum of past "
        r"gradients: components of constant sign add up, oscillating ones cancel. In "
        + MOMENTUM[p.momentum] + (rf" with $d = {p.dampening:g}$" if p.dampening else "")
        + r", on a coordinate of curvature $\lambda$:"
    )
    fix, E, s_ = _fix(p), _eta_tex(p), momentum_scale(p.momentum).subs(_fix(p))
    rel, rel_ok = _velocity_from_iterates(p.momentum, None, fix)
    x_new = momentum_map(p.momentum, None, lambda y: lam * y)[0].subs(fix)
    recurrence = (1 + beta - s_ * eta * lam) * x_t - beta * x_p
    ch = _rule(pa, p.momentum, None, fix, f"heavy ball (Polyak), {p.momentum} convention")
    ch.step(rf"(1+\beta-{E}\lambda) x_t - \beta x_{{t-1}}", recurrence,
            rf"$v_t = {sp.latex(rel)}$, $\nabla f = \lambda x$",
            verdict=prove.equal(x_new.subs(v_t, rel), recurrence) & rel_ok)
    p_hb = sp.Matrix([[1 + beta - s_ * eta * lam, -beta], [1, 0]]).charpoly(z).as_expr()
    ch = pa.chain("charpoly", r"\operatorname{det}(zI - M_\lambda)", aside=True).define(
        rf"\operatorname{{det}}\begin{{pmatrix}} z-(1+\beta-{E}\lambda) & \beta\\ -1 & z"
        r"\end{pmatrix}", p_hb, r"iteration matrix $M_\lambda$ of the state $(x_t, x_{t-1})$")
    ch.step(rf"z^2 - (1+\beta-{E}\lambda) z + \beta", z**2 - (1 + beta - s_ * eta * lam) * z + beta,
            "expand the determinant")
    roots = list(sp.roots(sp.Poly(p_hb, z)).keys())
    pa.claim(
        "modulus", r"The two roots multiply to $\beta$, so whenever they are complex "
        rf"($(1+\beta-{E}\lambda)^2 < 4\beta$) both have modulus $\sqrt\beta$, whatever $\lambda$: "
        r"momentum makes all such coordinates contract at the same rate.",
        prove.equal(roots[0] * roots[1], beta), aside=True,
    )
    pa.text(
        r"Tuned on the quadratic (rates derived in the appendix), GD contracts by "
        r"$(\kappa-1)/(\kappa+1)$ per step, heavy ball by $(\sqrt\kappa-1)/(\sqrt\kappa+1)$: "
        r"$\sqrt\kappa$ in place of $\kappa$. And along a direction of constant gradient:"
    )
    eta_gd = gd_optimal_step(mu, L)
    pa.claim("gd_balance", r"$\eta^*_{GD} = 2/(L+\mu)$ balances the two coordinates: "
             r"$1 - \eta\mu = \eta L - 1$.", prove.equal(1 - eta_gd * mu, eta_gd * L - 1), aside=True)
    _let(pa, {r"\eta^*_{GD}": eta_gd})
    ch = pa.chain("gd_rate", r"\rho_{GD}", aside=True).define(
        r"1 - \eta^*_{GD}\mu", 1 - eta_gd * mu, "rate at the balanced step")
    ch.step(r"\frac{L-\mu}{L+\mu}", (L - mu) / (L + mu), "common denominator")
    ch.step(r"\frac{\kappa-1}{\kappa+1}", gd_rate(kappa), r"$L = \kappa\mu$",
            given={L: kappa * mu})
    eta_cl, beta_hb = heavy_ball_optimum(mu, L)
    eta_hb = sp.simplify(eta_cl / s_.subs(beta, beta_hb))  # the convention's own step
    disc = _discriminant(p_hb).subs({eta: eta_hb, beta: beta_hb})
    _let(pa, {r"\beta^*": beta_hb})
    star = sp.latex(s_.subs(beta, sp.Symbol(r"\beta^*")))
    pa.chain("hb_eta", r"\eta^*" if s_ == 1 else rf"({star})\,\eta^*", aside=True).define(
        r"\frac{4}{(\sqrt L+\sqrt\mu)^2}", eta_cl, "Polyak's step" + ("" if s_ == 1 else ", the classical one")
    ).step(r"\frac{4}{\mu(\sqrt\kappa+1)^2}", 4 / (mu * (sp.sqrt(kappa) + 1) ** 2), r"$L = \kappa\mu$",
           given={L: kappa * mu})
    pa.chain("hb_beta", r"\beta^*", aside=True).define(
        r"\Bigl(\frac{\sqrt L-\sqrt\mu}{\sqrt L+\sqrt\mu}\Bigr)^2", beta_hb, "Polyak's momentum"
    ).step(r"\Bigl(\frac{\sqrt\kappa-1}{\sqrt\kappa+1}\Bigr)^2", ((sp.sqrt(kappa) - 1) / (sp.sqrt(kappa) + 1)) ** 2,
           r"$L = \kappa\mu$", given={L: kappa * mu})
    pa.claim(
        "hb_edges", r"At Polyak's $(\eta^*, \beta^*)$"
        + ("" if s_ == 1 else rf" ($\eta^* = {sp.latex(eta_hb)}$ in this convention)")
        + r" the discriminant of the characteristic polynomial vanishes at both $\lambda = \mu$ and "
        r"$\lambda = L$ (double roots $\pm\sqrt{\beta^*}$ at the two ends).",
        prove.equal(disc.subs(lam, mu), 0) & prove.equal(disc.subs(lam, L), 0), aside=True,
    )
    hb_root = (sp.sqrt(L) - sp.sqrt(mu)) / (sp.sqrt(L) + sp.sqrt(mu))
    wide = (1 + sp.Symbol("delta", positive=True)) ** 2 * mu
    ch = pa.chain("hb_rate", r"\rho_{HB}", aside=True).define(
        r"\sqrt{\beta^*}", sp.sqrt(beta_hb), "modulus of the complex roots")
    ch.step(r"\frac{\sqrt L-\sqrt\mu}{\sqrt L+\sqrt\mu}", hb_root,
            r"$L > \mu$: write $L = (1+\delta)^2\mu$, $\delta > 0$",
            verdict=prove.equal(sp.sqrt(beta_hb).subs(L, wide), hb_root.subs(L, wide)))
    ch.step(r"\frac{\sqrt\kappa-1}{\sqrt\kappa+1}", heavy_ball_rate(kappa), r"$L = \kappa\mu$",
            given={L: kappa * mu})

    num = {mu: r.muv, L: r.Lv, damp: exact_decimal(p.dampening)}
    mom = dict(convention=p.momentum, dampening=p.dampening)
    rate_gd, rate_hb = _f(gd_rate(r.k)), _f(heavy_ball_rate(r.k))
    eta_hb_n, beta_hb_n = _f(eta_hb.subs(num)), _f(beta_hb.subs(num))
    Tr = p.rate_steps
    window = f"geometric-mean contraction over steps {Tr // 2}..{Tr}"
    meas_gd = float(sim.contraction("gd", r.curv, RATE_START, Tr, _f(eta_gd.subs(num))))
    meas_hb = float(sim.contraction("heavy-ball", r.curv, RATE_START, Tr, eta_hb_n, beta_hb_n, **mom))
    pa.claim("gd_measured", rf"Measured: GD with $\eta = 2/(L+\mu)$ on the quadratic "
             rf"($\kappa = {p.kappa:g}$) contracts by the derived $(\kappa-1)/(\kappa+1)$ "
             r"per step.",
             prove.close(meas_gd, rate_gd, rtol=4 / Tr, what=window), aside=True)
    pa.claim("hb_measured", r"Measured: heavy ball at $(\eta^*, \beta^*)$ contracts by the "
             r"derived $(\sqrt\kappa-1)/(\sqrt\kappa+1)$ per step. (The double roots add a factor "
             r"$t$ that biases a measurement over steps $T/2..T$ up by about $\ln 2/(T/2)$; the "
             r"tolerance is $4/T$.)",
             prove.close(meas_hb, rate_hb, rtol=4 / Tr, what=window), aside=True)
    nb = 30
    B = np.linspace(0.0, GRID_BETA, nb)[:, None]
    grid = np.linspace(0.02, 0.98, nb)[None, :] * 2 * (1 + B) / float(r.Lv)  # the stable range
    grid = grid / numeric((beta, damp), momentum_scale(p.momentum))(B, p.dampening)  # own units
    Tg = Tr // 2
    best = float(sim.contraction("heavy-ball", r.curv, RATE_START, Tg, grid, B, **mom).min())
    pa.claim("hb_grid", rf"Measured: none of the ${nb}\times{nb}$ settings on a grid of "
             rf"$\beta\in[0, {pa.setting(GRID_BETA)}]$ and ${E}$ across the stable range $(0, 2(1+\beta)/L)$ "
             r"contracts faster than heavy ball at the derived $(\eta^*, \beta^*)$ (up to the "
             r"measurement tolerance $4/T$ of the grid runs).",
             _at_least(best, meas_hb, 1 - 4 / Tg,
                       f"best grid contraction ({Tg} steps) vs measured at the optimum"), aside=True)
    eta_cl_n, scale = _f(eta_cl.subs(num)), _scale(p)
    hb_eta = _tuned(r"heavy ball's step at beta*", lambda e: _radius(r.curv, e, beta_hb_n, **mom))
    hb_beta = _tuned(r"heavy ball's momentum at Polyak's classical step",
                     lambda b: _radius(r.curv, eta_cl_n / scale(b), b, **mom))
    pa.claim("hb_tuned", r"Computed from the simulator's own step (its one-step map of $(x, v)$ on each "
             r"coordinate, a $2\times2$ matrix): the largest root modulus grows when $\eta^*$, or $\beta^*$ at "
             rf"Polyak's classical step, is moved by ${pa.setting(100 * TUNE)}\%$ either way.",
             hb_eta(eta_hb.subs(num)) & hb_beta(beta_hb.subs(num)), aside=True)
    ch = pa.chain("speedup", r"\ln\rho_{HB}/\ln\rho_{GD}", aside=True).define(
        None, sp.log(heavy_ball_rate(kappa)) / sp.log(gd_rate(kappa)), "the two derived rates")
    ch.step(None, sp.log(heavy_ball_rate(r.k)) / sp.log(gd_rate(r.k)), rf"$\kappa = {p.kappa:g}$",
            given={kappa: r.k})
    speedup = float(np.log(rate_hb) / np.log(rate_gd))
    pa.claim("iterations", rf"Measured: heavy ball reaches $f(x_t) \le {_tex_num(p.tol)} f(x_0)$ "
             r"in fewer iterations than GD (table below); asymptotically the derived rates "
             rf"predict GD to need $\ln\rho_{{HB}}/\ln\rho_{{GD}} = {pa.quote(speedup, 'speedup', '.3g')}$ "
             r"times as many.",
             _at_least(r.iters["GD"], r.iters["heavy ball"], 1 + 1e-9,
                       "iterations of GD vs heavy ball"), aside=True)
    _ramp(sol, pa, p, r)

    rosen_it = {n: sim.iterations_to(r.fr(r.rosen[n].xs), 1e-2) for n in ("GD", "heavy ball")}
    rosen_it = {n: float(i) if i >= 0 else float("inf") for n, i in rosen_it.items()}
    own_rosen = "" if s_ == 1 else (rf" (at its own $\eta = {pa.setting(_own(p, p.eta_rosen, p.beta), '.4g')}$, "
                                    rf"so that ${E} = {pa.setting(p.eta_rosen)}$)")
    pa.claim("rosenbrock", rf"Measured, non-convex: on Rosenbrock ($b = {p.rosen_b:g}$, from "
             rf"{tuple(p.rosen_start)}, $\eta = {pa.setting(p.eta_rosen)}$) heavy ball with "
             rf"$\beta = {p.beta:g}${own_rosen} reduces the loss to 1\% of its start in fewer iterations "
             rf"than GD ({_cold(rosen_it['heavy ball'])} vs {_cold(rosen_it['GD'])}).",
             _at_least(rosen_it["GD"], rosen_it["heavy ball"], 1 + 1e-9,
                       "iterations to 1/100 of the initial loss, GD vs heavy ball"), aside=True)

    sol.answer("eta* GD", eta_gd.subs(num), check=_best_gd_step(r.curv, Tr), claims=("a.gd_measured",))
    sol.answer("rate GD", gd_rate(r.k), check=witness.close(meas_gd, rtol=4 / Tr, what=window),
               claims=("a.gd_measured",))
    sol.answer("eta* heavy ball", _shortest(eta_hb.subs(num)), check=hb_eta, claims=("a.hb_tuned",))
    hb_exact = _shortest(heavy_ball_rate(r.k))
    sol.answer("beta* heavy ball", hb_exact ** 2,  # beta* is the rate squared
               check=hb_beta, claims=("a.hb_tuned",))
    sol.answer("rate heavy ball", hb_exact,
               check=witness.close(meas_hb, rtol=4 / Tr, what=window), claims=("a.hb_measured",))
    Lv, muv, k = r.Lv, r.muv, r.k
    _mistakes(sol, "eta* GD", _apart_numbers(0.01), [
        ("one-over-L", 1 / Lv, r"The safe step for any $L$-smooth function, but on curvatures in "
         r"$[\mu, L]$ the flat coordinate then contracts by only $1 - 1/\kappa$ per step. A longer step speeds it up "
         r"until the steep one, now overshooting, contracts just as fast: at $2/(L+\mu)$."),
        ("stability-limit", 2 / Lv, r"There the steep coordinate stops converging ($|1 - \eta L| = 1$): "
         r"the largest stable step, not the best. The best step balances $1 - \eta\mu$ against $\eta L - 1$, which "
         r"gives $2/(L+\mu)$."),
        ("missing-factor-two", 1 / (Lv + muv), r"Balancing $1 - \eta\mu = \eta L - 1$ gives $\eta(L + \mu) = 2$: "
         r"the $2$ comes from the two ones. $1/(L+\mu)$ is half the best step and leaves both coordinates slower."),
    ])
    rel = max(0.01, 12 / Tr)  # the rates are measured to 4/T
    _mistakes(sol, "rate GD", _apart_numbers(rel), [
        ("step-one-over-L", 1 - 1 / k, r"That is GD's rate at the step $1/L$, where the flat coordinate "
         r"alone sets the pace. At the best step $2/(L+\mu)$ both coordinates contract by "
         r"$(\kappa-1)/(\kappa+1)$."),
        ("loss-rate", gd_rate(k) ** 2, r"That is how fast the loss $f(x_t)$ shrinks per step: the loss is quadratic "
         r"in $x$, so it contracts by the square of the iterate's rate. The rate asked for is that of the "
         r"distance to the minimum, $(\kappa-1)/(\kappa+1)$."),
    ])
    _mistakes(sol, "rate heavy ball", _apart_numbers(rel), [
        ("beta-as-rate", hb_exact ** 2,
         r"$\beta^*$ is the product of the two complex roots, so their common modulus, "
         r"the rate, is its square root: $\sqrt{\beta^*} = (\sqrt\kappa-1)/(\sqrt\kappa+1)$."),
        ("gd-rate", gd_rate(k), r"Momentum changes the asymptotic rate, not only the constant: tuned at "
         r"$(\eta^*, \beta^*)$ it contracts by $(\sqrt\kappa-1)/(\sqrt\kappa+1)$, with $\sqrt\kappa$ where GD has "
         r"$\kappa$, so it needs about $\sqrt\kappa$ times fewer steps."),
        ("nesterov-rate", nesterov_rate(k), r"That is Nesterov's rate at $\eta = 1/L$. Heavy ball "
         r"tuned for the quadratic does better: $(\sqrt\kappa-1)/(\sqrt\kappa+1)$, about $1 - 2/\sqrt\kappa$."),
    ])
    return p_hb


def _forms_agree(conv: str) -> Verdict:
    """PyTorch's Nesterov form started at Sutskever's look-ahead point: same velocity, next look-ahead point."""
    def ahead(x, v):
        return x + beta * v if conv == "classical" else x - eta * beta * v
    x1, v1 = momentum_map(conv, "lookahead", G)
    y1, w1 = momentum_map(conv, "pytorch", G, x=ahead(x_t, v_t))
    return prove.equal(y1, ahead(x1, v1)) & prove.equal(w1, v1)


def _convention_holds(conv: str) -> Verdict:
    """One convention's closed velocity (by induction from v_0 = 0) and its gain (the step's limit)."""
    V = sp.Symbol("v_{t-1}", real=True)
    v_next = momentum_map(conv, None, lambda _: g, v=V)[1]
    closed = momentum_velocity(conv, t)
    induction = prove.equal(v_next.subs(V, closed.subs(t, t - 1)), closed) & prove.equal(closed.subs(t, 0), 0)
    return induction & prove.equal(limit_at_infinity(ramp_step(conv), beta) / (eta * g), momentum_gain(conv))


def _ramp(sol: Solution, pa: Part, p: Params, r: _Runs) -> None:
    """Momentum on a constant gradient in the convention in force, and the conventions compared."""
    conv, fix = p.momentum, _fix(p)
    vals = {beta: exact_decimal(p.beta), damp: exact_decimal(p.dampening)}
    V = sp.Symbol("v_{t-1}", real=True)
    v_next = momentum_map(conv, None, lambda _: g, v=V)[1].subs(fix)
    closed = momentum_velocity(conv, t).subs(fix)
    ch = pa.chain("ramp", r"v_t").define(None, v_next, r"constant gradient $g$, $v_0 = 0$")
    ch.induction(None, closed, V, t, reason=r"induction: true at $t = 0$, and "
                 rf"$v_{{t-1}} = {sp.latex(closed.subs(t, t - 1))}$ gives it at $t$")
    step = ramp_step(conv).subs(fix)
    gain = momentum_gain(conv).subs(fix)
    gain_n = _f(gain.subs(vals))
    grows = (r"$\eta g$ and no further: the moving average only smooths the gradient, and the speed-up "
             r"of the other conventions appears here as a larger $\eta$:" if gain == 1 else
             rf"${sp.latex(gain)}$ times $\eta g$, i.e. ${pa.quote(gain_n, 'momentum gain', '.4g')}$ times at "
             rf"$\beta = {p.beta:g}$:")
    ratio, lim = limit_at_infinity(step, beta) / (eta * g), r"\lim_{t\to\infty}\frac{|x_t - x_{t-1}|}{\eta|g|}"
    _let(pa, {lim: ratio})
    pa.claim("gain", r"So along a direction where the gradient keeps its sign, each step "
             rf"$x_{{t-1}} - x_t = {sp.latex(step)}$ grows to " + grows,
             prove.equal(ratio, gain), latex=rf"{lim} = {sp.latex(gain)}", value=sp.Eq(ratio, gain, evaluate=False))
    rules = {c: _rule_tex(c, None, {}) for c in MOMENTUM}
    rows = [[("in force: " if c == conv else "") + c, rf"${rules[c][0]},\quad v_{{t+1}} = {rules[c][1]}$",
             f"${sp.latex(momentum_velocity(c, t))}$", f"${sp.latex(momentum_scale(c) * eta)}$",
             f"${sp.latex(momentum_gain(c))}$"] for c in MOMENTUM]
    pa.table(["convention", "update", r"$v_t$, constant $g$", "classical step", "gain"], rows,
             caption=r"The common momentum conventions: velocity after $t$ steps on a constant gradient "
             r"from $v_0 = 0$, the classical step $s\eta$ each one takes, and the limit of "
             r"$|x_t - x_{t-1}|/(\eta|g|)$.", aside=True)
    pa.claim("conventions", r"Every row of the table holds: each closed form by induction from "
             r"$v_0 = 0$, each gain as the limit of the step it gives.",
             prove.proved_for_each({c: (lambda c=c: _convention_holds(c)) for c in MOMENTUM},
                                    "closed velocity and gain"), aside=True)
    forms = {"heavy ball": None, "Nesterov, look-ahead": "lookahead", "Nesterov, PyTorch's form": "pytorch"}
    pa.claim("equivalent", r"The conventions are one method: read $v^{\mathrm{cl}} = -\eta v$, a "
             r"convention with step $\eta$ is the classical rule with step $s\eta$ (table), for any "
             r"gradient field, for heavy ball and for both forms of Nesterov. So classical momentum "
             r"with $\eta$ is PyTorch's with the same $\eta$ ($d = 0$), the moving average with "
             r"$\eta$ is PyTorch's with $\eta(1-\beta)$, and dampening $d$ is PyTorch's with $\eta(1-d)$.",
             prove.proved_for_each({f"{c}, {f}": (lambda c=c, form=form: _equivalent(c, form))
                                    for c in MOMENTUM for f, form in forms.items()},
                                   "conjugate to the classical rule at step s eta"), aside=True)
    d_demo = p.dampening or 0.5
    trial = {"classical": ("classical", 0.0), "pytorch": ("pytorch", 0.0), "ema": ("ema", 0.0),
             f"pytorch, d = {d_demo:g}": ("pytorch", d_demo)}
    worst = {}
    for f, form in forms.items():
        method = "heavy-ball" if form is None else "nesterov"
        ref = sim.run(method, r.gr, p.rosen_start, EQUIV_STEPS, eta=p.eta_rosen, beta=p.beta,
                      nesterov=form or "lookahead").xs
        for name, (c, d) in trial.items():
            if d and form == "pytorch":
                continue  # PyTorch refuses Nesterov with dampening
            scale = _f(momentum_scale(c).subs({beta: vals[beta], damp: exact_decimal(d)}))
            xs = sim.run(method, r.gr, p.rosen_start, EQUIV_STEPS, eta=p.eta_rosen / scale, beta=p.beta,
                         convention=c, dampening=d, nesterov=form or "lookahead").xs
            worst[f"{name}, {f}"] = float(np.max(np.abs(xs - ref)) / max(1.0, float(np.max(np.abs(ref)))))
    pa.claim("equivalent_measured", rf"Measured on Rosenbrock (first {EQUIV_STEPS} steps, $\beta = {p.beta:g}$): "
             rf"every convention run with $\eta = {pa.setting(p.eta_rosen)}/s$ follows the classical path with "
             rf"$\eta = {pa.setting(p.eta_rosen)}$, for heavy ball and both Nesterov forms (dampening shown at "
             rf"$d = {pa.setting(d_demo)}$; PyTorch refuses it with Nesterov), to $10^{{-9}}$ of the path's scale.",
             prove.on_instances({n: w <= 1e-9 for n, w in worst.items()},
                                f"largest relative deviation {max(worst.values()):.2g}"), aside=True)

    T = p.ramp_steps
    mid = r.slopes.size // 2
    runs, derived = {}, {}
    for c in MOMENTUM:
        d = p.dampening if c == "pytorch" else 0.0
        runs[c] = np.abs(np.diff(sim.run("heavy-ball", sim.ramp(r.slopes), np.zeros_like(r.slopes), T,
                                         eta=p.eta_rmsprop, beta=p.beta, convention=c, dampening=d).xs, axis=0))
        derived[c] = numeric((eta, beta, damp, g, t), ramp_step(c))(p.eta_rmsprop, p.beta, d, r.slopes[None, :],
                                                                    r.ts[:, None])
    pa.claim("ramp_measured", rf"Measured on a ramp (slopes {list(p.ramp_slopes)}, "
             rf"$\eta = {p.eta_rmsprop:g}$, $\beta = {p.beta:g}$): every one of the {T} steps has "
             rf"the derived length ${sp.latex(step)}$ (with $g = |g|$).",
             prove.close_all(runs[conv], derived[conv], 1e-9, "step lengths"), aside=True)
    gains = {c: _f(momentum_gain(c).subs({**vals, damp: exact_decimal(p.dampening if c == "pytorch" else 0)}))
             for c in MOMENTUM}
    last = {c: float(runs[c][-1, mid] / (p.eta_rmsprop * r.slopes[mid])) for c in MOMENTUM}
    gap = p.beta**T
    remaining = sp.simplify(1 - (step / (eta * g * gain)).subs(vals).subs(t, T))  # derived: beta^T
    pa.claim("gain_measured", rf"Measured: after {T} steps on the ramp the step over $\eta|g|$ of each "
             r"convention is its gain from the table, up to the derived remaining factor "
             rf"$1-\beta^T$ ($\beta^T = {pa.quote(gap, 'gain_measured', '.3g')}$).",
             prove.equal(remaining, vals[beta] ** T)
             & prove.on_instances({c: abs(last[c] - gains[c]) <= gains[c] * (gap + 1e-9) for c in MOMENTUM},
                                  "last step / (eta |g|) against the gain"), value=remaining, aside=True)
    pa.figure("momentum", rf"Step length over $\eta|g|$ on the ramp ($|g| = {r.slopes[mid]:g}$, "
              rf"$\beta = {p.beta:g}$) in each convention at the same $\eta$; the {conv} convention "
              r"is in force" + ("" if p.dampening else r" (PyTorch's, dashed, coincides with classical at $d = 0$)")
              + ". Markers: measured; lines: derived; dotted: the gains.",
              lambda path: _plot_momentum(path, r.ts, {c: runs[c][:, mid] for c in MOMENTUM},
                                          {c: derived[c][:, mid] for c in MOMENTUM}, gains,
                                          p.eta_rmsprop * r.slopes[mid], conv), aside=True)
    sol.answer("momentum gain", gain.subs(vals), claims=("a.gain_measured",),
               check=witness.close(last[conv], rtol=gap + 1e-9, what=f"last step over eta |g| on the ramp ({conv})"))
    _gain_mistakes(sol, conv, vals, gap)


def _gain_mistakes(sol: Solution, conv: str, vals: dict, gap: float) -> None:
    """The gain of another convention claimed under this one, the series counted from beta, the first step."""
    b, d = vals[beta], vals[damp]
    own = momentum_gain(conv).subs(vals)
    first = momentum_scale(conv)  # the first step from rest is the new gradient's weight times eta g
    gain = sol.part_of(sol.results["momentum gain"]).quote(own, "momentum gain")
    by_conv = {
        "classical": [
            ("moving-average-gain", sp.Integer(1), r"That is the gain of the moving-average convention, "
             r"$v \leftarrow \beta v + (1-\beta) g$, whose weights add up to $1$. Classical momentum, "
             r"$v \leftarrow \beta v - \eta g$, adds a full $\eta g$ every step, so the velocity piles up "
             rf"$\eta g(1 + \beta + \beta^2 + \dots) = \eta g/(1-\beta)$: ${gain}$ times $\eta g$ at "
             rf"$\beta = {_f(b):g}$.")],
        "pytorch": [
            ("dampening-ignored", 1 / (1 - b), rf"PyTorch's dampening $d = {_f(d):g}$ scales each new gradient "
             r"by $1-d$ before it enters the buffer $v \leftarrow \beta v + (1-d) g$, so the buffer tends to "
             r"$(1-d) g/(1-\beta)$ and the gain is $(1-d)/(1-\beta)$, not $1/(1-\beta)$."),
            ("moving-average-gain", sp.Integer(1), r"PyTorch's buffer $v \leftarrow \beta v + (1-d) g$ is not a "
             r"moving average: its weights add up to $(1-d)/(1-\beta)$, which is $1$ only when $d = \beta$. The "
             rf"step $\eta v$ tends to $(1-d)/(1-\beta)$ times $\eta g$, ${gain}$ here.")],
        "ema": [
            ("classical-gain", 1 / (1 - b), r"The speed-up $1/(1-\beta)$ belongs to the conventions that add the "
             r"whole gradient to the velocity (classical, PyTorch's with $d = 0$). The moving average "
             r"$v \leftarrow \beta v + (1-\beta) g$ has weights adding up to $1$: $v$ tends to $g$ and the step to "
             r"$\eta g$. Its speed-up only appears with an $\eta$ that is $1/(1-\beta)$ times larger.")],
    }
    series = [("series-from-beta", b * own, r"Counting the geometric series from $\beta$, "
               r"$\beta + \beta^2 + \dots = \beta/(1-\beta)$, leaves out the newest gradient, which enters the "
               r"velocity with the convention's full weight: the sum starts at $1$, and the gain is "
               r"$1/(1-\beta)$ times that weight.")]
    _mistakes(sol, "momentum gain", _apart_numbers(max(0.02, 2 * (gap + 1e-9))), by_conv[conv] + (
        series if conv != "ema" else []) + [
        ("first-step-as-gain", first.subs(vals), r"That is the first step from rest, over $\eta g$, when the "
         r"velocity holds a single gradient. The gain is the limit after it has summed the geometric series "
         r"$1 + \beta + \beta^2 + \dots = 1/(1-\beta)$, times the weight of each new gradient."),
    ])


def _nesterov(sol: Solution, p: Params, r: _Runs, p_hb: sp.Expr) -> None:
    pb = sol.part("b", "Nesterov accelerated gradient",
                  r"How does Nesterov momentum differ from ordinary (heavy-ball) momentum?")
    conv, form, fix, E = p.momentum, p.nesterov, _fix(p), _eta_tex(p)
    s_ = momentum_scale(conv).subs(fix)
    ahead = r"x_t + \beta v_t" if conv == "classical" else r"x_t - \eta\beta v_t"
    pb.text(
        r"Heavy ball takes the gradient where it stands; Nesterov takes it at the look-ahead "
        rf"point ${ahead}$, so it can brake before an overshoot ({NESTEROV[form]}, {conv} "
        r"convention):"
    )
    x_new = momentum_map(conv, form, lambda y: lam * y)[0].subs(fix)
    rel, rel_ok = _velocity_from_iterates(conv, form, fix)
    recurrence = (1 - s_ * eta * lam) * ((1 + beta) * x_t - beta * x_p)
    ch = _rule(pb, conv, form, fix,
               "Nesterov: gradient at the look-ahead point" if form == "lookahead" else "Nesterov, PyTorch's form")
    ch.step(rf"(1-{E}\lambda)\bigl((1+\beta)x_t - \beta x_{{t-1}}\bigr)", recurrence,
            rf"$v_t = {sp.latex(rel)}$", verdict=prove.equal(x_new.subs(v_t, rel), recurrence) & rel_ok)
    split = x_t + beta * (x_t - x_p) - s_ * eta * grad_t - s_ * eta * beta * (grad_t - grad_p)
    ch.step(rf"x_t + \beta(x_t - x_{{t-1}}) - {E} g_t - {E}\beta(g_t - g_{{t-1}})", split,
            r"$g_s = \nabla f(x_s) = \lambda x_s$",
            verdict=prove.equal(ch.steps[-1].value, split.subs({grad_t: lam * x_t, grad_p: lam * x_p})))
    if form == "pytorch":
        pb.text(r"In this form the iterate is the look-ahead point of Sutskever's form, which obeys the "
                r"same recurrence:")
    pb.claim("forms", r"The two forms are one method: started alike, PyTorch's form keeps the same "
             r"velocity and its iterate is Sutskever's look-ahead point, for any gradient field, in every "
             r"convention of (a).",
             prove.proved_for_each({c: (lambda c=c: _forms_agree(c)) for c in MOMENTUM},
                                   "look-ahead point of Sutskever's form = PyTorch's iterate"), aside=True)
    kw = dict(eta=_own(p, p.eta_rosen, p.beta), beta=p.beta, convention=conv, dampening=p.dampening)
    xs_l = sim.run("nesterov", r.gr, p.rosen_start, p.rosen_steps, nesterov="lookahead", **kw).xs
    xs_p = sim.run("nesterov", r.gr, p.rosen_start, p.rosen_steps, nesterov="pytorch",
                   **{**kw, "dampening": 0.0}).xs if not p.dampening else None
    if xs_p is not None:
        ahead_l = np.concatenate([xs_l[:1], xs_l[1:] + p.beta * (xs_l[1:] - xs_l[:-1])])
        pb.claim("forms_measured", rf"Measured on Rosenbrock ({p.rosen_steps} steps): PyTorch's form visits "
                 r"the look-ahead points $x_t + \beta(x_t - x_{t-1})$ of Sutskever's form.",
                 prove.close_all(xs_p, ahead_l, 0, "iterates", atol=1e-9 * float(np.max(np.abs(ahead_l)))), aside=True)
    pb.text(
        rf"Heavy ball plus the correction $-{E}\beta(g_t - g_{{t-1}})$, which brakes when the "
        r"gradient changes fast (overshoot). Tuned ($\eta = 1/L$, $\beta_N = (\sqrt\kappa-1)/(\sqrt\kappa+1)$; "
        r"derivation in the appendix) it contracts by $1 - 1/\sqrt\kappa$, faster than heavy ball at the "
        r"same setting, and at the stiffest coordinate ($\lambda = L$, where $1 - \eta\lambda = 0$) its "
        r"iterate is $0$ after one step and stays there, where heavy ball oscillates."
    )
    q = 1 - s_ * eta * lam
    p_nag = sp.Matrix([[(1 + beta) * q, -beta * q], [1, 0]]).charpoly(z).as_expr()
    ch = pb.chain("charpoly", r"\operatorname{det}(zI - N_\lambda)", aside=True).define(
        rf"\operatorname{{det}}\begin{{pmatrix}} z-(1+\beta)(1-{E}\lambda) & \beta(1-{E}\lambda)\\"
        r" -1 & z\end{pmatrix}", p_nag, r"iteration matrix $N_\lambda$")
    ch.step(rf"z^2 - (1+\beta)(1-{E}\lambda) z + \beta(1-{E}\lambda)",
            z**2 - (1 + beta) * q * z + beta * q, "expand")
    ch.step(rf"\bigl(z^2 - (1+\beta-{E}\lambda)z + \beta\bigr) + \beta{E}\lambda(z-1)",
            p_hb + beta * s_ * eta * lam * (z - 1), "heavy ball's polynomial plus a damping term")
    bN = nesterov_beta(kappa)
    _let(pb, {r"\beta_N": bN})
    nes = {eta: 1 / (L * s_.subs(beta, bN)), beta: bN}
    p_slow = p_nag.subs(nes).subs(lam, L / kappa)
    z_mu = (1 + bN) * (1 - 1 / kappa) / 2
    pb.claim(
        "double_root", rf"With ${E} = 1/L$ and $\beta_N = (\sqrt\kappa-1)/(\sqrt\kappa+1)$ the "
        r"slowest coordinate ($\lambda = \mu$) has a double root (zero discriminant), at",
        prove.equal(_discriminant(p_slow), 0) & prove.equal(p_slow.subs(z, z_mu), 0),
        latex=r"z_\mu = \frac{(1+\beta_N)(1-1/\kappa)}{2}", value=sp.Eq(sp.Symbol("z_mu"), z_mu), aside=True,
    )
    ch = pb.chain("rate", r"\rho_{NAG}", aside=True).define(
        r"(1+\beta_N)(1-1/\kappa)/2", z_mu, "the double root")
    ch.step(r"1 - 1/\sqrt\kappa", nesterov_rate(kappa), "simplify")
    pb.claim("stiff", r"and the stiffest coordinate ($\lambda = L$) has characteristic polynomial "
             r"$z^2$: it is wiped out in at most two steps instead of oscillating.",
             prove.equal(p_nag.subs(nes).subs(lam, L), z**2), aside=True)

    # heavy ball vs Nesterov at the same (eta, beta), each coordinate on its own
    Tr = p.rate_steps
    rate_nag = _f(nesterov_rate(r.k))
    beta_n = _f(nesterov_beta(r.k))
    dv = exact_decimal(p.dampening)
    same = {eta: nes[eta].subs({kappa: r.k, L: r.Lv, damp: dv}), beta: nesterov_beta(r.k), damp: dv}
    eta_n = _own(p, 1 / float(r.Lv), beta_n)
    mom = dict(convention=conv, dampening=p.dampening, nesterov=form)
    per_coord = {
        name: sim.contraction(method, [[r.curv[0]], [r.curv[1]]], [1.0], Tr, eta_n, beta_n, **mom)
        for name, method in (("heavy ball", "heavy-ball"), ("Nesterov", "nesterov"))
    }
    rows, checks, radius, measured = [], {}, {}, {}
    for i, (coord, lv, sym) in enumerate((("slow", r.muv, r"\mu"), ("stiff", r.Lv, "L"))):
        for name, poly in (("heavy ball", p_hb), ("Nesterov", p_nag)):
            d = _spectral_radius(poly, {**same, lam: lv})
            d = radius[(name, coord)] = d if d > ZERO_RADIUS**2 else 0.0  # exact zero, up to float roots
            m = measured[(name, coord)] = float(per_coord[name][i])
            checks[f"{name}, {coord}"] = bool(abs(m - d) <= 4 / Tr * d if d > 0 else m <= ZERO_RADIUS)
            rows.append([name, rf"$\lambda = {sym}$", _fmt(d), _fmt(m)])
    pb.table(["method", "coordinate", "derived spectral radius", "measured contraction"], rows,
             caption=rf"Heavy ball and Nesterov at the same ${E} = 1/L$, $\beta = \beta_N$: "
             r"largest root modulus of each iteration matrix against the contraction measured on "
             r"that coordinate alone.", aside=True)
    pb.claim("measured", r"Measured: each coordinate contracts at the derived spectral radius "
             r"(relative tolerance $4/T$; a zero radius must give a contraction below $10^{-6}$: "
             rf"$1 - {E} L$ rounds to zero or to about $10^{{-16}}$, which leaves a radius near $10^{{-8}}$).",
             prove.on_instances(checks, "simulated contraction vs largest root of the "
                                "characteristic polynomial"), aside=True)
    theta = float(np.arccos(_f(((1 + beta - s_ * eta * lam) / (2 * sp.sqrt(beta))).subs(
        {**same, lam: r.Lv}))))
    n_cross = min(60, p.steps)
    crossings = sim.sign_changes(r.quad["heavy ball, NAG setting"].xs[: n_cross + 1, 1])
    nag_stiff = r.quad["Nesterov"].xs[2: n_cross + 1, 1]
    pb.claim("overshoot", rf"Measured overshoot: in the first {n_cross} steps heavy ball's stiff "
             r"coordinate changes sign about $n\theta/\pi$ times, $\theta$ being the angle of its "
             rf"complex roots, $\cos\theta = (1+\beta-{E} L)/(2\sqrt\beta)$; Nesterov's stiff "
             r"coordinate is zero from step 2 on (to rounding: $10^{-12}\max(1, |x_{0,2}|)$).",
             prove.close(float(crossings), n_cross * theta / np.pi, rtol=0, atol=1.0,
                         what="sign changes of heavy ball's $x_2$")
             & prove.close(float(np.max(np.abs(nag_stiff))), 0.0, rtol=0, atol=1e-12 * max(1.0, abs(p.x0[1])),
                           what="largest $|x_2|$ of Nesterov after step 2"), aside=True)
    ch = pb.chain("gap", r"\rho_{HB}^2 - \rho_{NAG}^2", aside=True).define(
        r"\beta_N - (1-1/\sqrt\kappa)^2", nesterov_beta(kappa) - nesterov_rate(kappa) ** 2,
        "both rates squared")
    gap = (sp.sqrt(kappa) - 1) / (kappa * (sp.sqrt(kappa) + 1))
    ch.step(r"\frac{\sqrt\kappa-1}{\kappa(\sqrt\kappa+1)}", gap, "common denominator")
    delta = sp.Symbol("delta", positive=True)
    pb.claim("faster", r"This is positive for every $\kappa > 1$ (put $\kappa = (1+\delta)^2$, "
             r"$\delta > 0$), so $\rho_{NAG} < \rho_{HB}$ at the same $(\eta, \beta)$.",
             prove.holds(gap.subs(kappa, (1 + delta) ** 2) > 0), aside=True)
    meas_nag = float(sim.contraction("nesterov", r.curv, RATE_START, Tr, eta_n, beta_n, **mom))
    window = f"geometric-mean contraction over steps {Tr // 2}..{Tr}"
    pb.claim("nag_measured", r"Measured: Nesterov on the whole quadratic contracts by the derived "
             r"$1 - 1/\sqrt\kappa$ per step.", prove.close(meas_nag, rate_nag, rtol=4 / Tr, what=window), aside=True)
    hb_rate = max(radius[("heavy ball", "slow")], radius[("heavy ball", "stiff")])
    meas_hb_same = float(sim.contraction("heavy-ball", r.curv, RATE_START, Tr, eta_n, beta_n, **mom))
    pb.claim("hb_measured", r"Measured: heavy ball on the whole quadratic at Nesterov's setting contracts by "
             r"the larger spectral radius of its two coordinates (table above).",
             prove.close(meas_hb_same, hb_rate, rtol=4 / Tr, what=window), value=hb_rate, aside=True)
    hb_tuned = _f(heavy_ball_rate(r.k))
    pb.text(
        rf"Faster by a little: per step Nesterov's error shrinks by "
        rf"${pb.quote(rate_nag, 'rate Nesterov', '.4f')}$, heavy ball's at the same setting by "
        rf"${pb.quote(hb_rate, 'hb_measured', '.4f')}$; its larger gain is damping heavy ball's oscillation on "
        r"the stiff coordinate. Heavy "
        r"ball tuned for this quadratic, at Polyak's "
        rf"$(\eta^*, \beta^*)$ of (a), contracts by ${pb.quote(hb_tuned, 'rate heavy ball', '.4f')}$ and beats "
        r"both; Nesterov's advantage is its guarantee, which extends to all smooth strongly convex "
        r"functions (known result, not checked here)."
    )
    nag_beta = _tuned(r"Nesterov's momentum at the classical step 1/L",
                      lambda b: _radius(r.curv, 1 / float(r.Lv) / _scale(p)(b), b, **mom))
    pb.claim("beta_tuned", r"Computed from the simulator's own step: at the classical step $1/L$, Nesterov's "
             rf"largest root modulus grows when $\beta_N$ is moved by ${pb.setting(100 * TUNE)}\%$ either way.",
             nag_beta(nesterov_beta(r.k)), aside=True)
    sol.answer("beta Nesterov", _shortest(nesterov_beta(r.k)), check=nag_beta, claims=("b.beta_tuned",))
    sol.answer("rate Nesterov", nesterov_rate(r.k), check=witness.close(meas_nag, rtol=4 / Tr, what=window),
               claims=("b.nag_measured",))
    _mistakes(sol, "rate Nesterov", _apart_numbers(max(0.01, 12 / Tr)), [
        ("momentum-as-rate", _shortest(nesterov_beta(r.k)), r"That is Nesterov's momentum "
         r"$\beta_N$ (and heavy ball's rate at its own tuning), not Nesterov's rate. With $\eta = 1/L$ and "
         r"$\beta_N$ the flat coordinate has a double root at $(1+\beta_N)(1-1/\kappa)/2 = 1 - 1/\sqrt\kappa$."),
        ("unaccelerated-rate", 1 - 1 / r.k, r"That is plain GD's rate at $\eta = 1/L$. Nesterov's "
         r"look-ahead makes the flat coordinate contract by $1 - 1/\sqrt\kappa$: $\sqrt\kappa$ in place of "
         r"$\kappa$ is the acceleration."),
    ])

    # the quadratic summary table and the two figures of part (a)
    pa = sol.parts[0]
    derived = {"GD": _f(gd_rate(r.k)), "heavy ball": _f(heavy_ball_rate(r.k)),
               "heavy ball, NAG setting": hb_rate, "Nesterov": rate_nag}
    checked_by = {"GD": "rate GD", "heavy ball": "rate heavy ball", "heavy ball, NAG setting": "b.hb_measured",
                  "Nesterov": "rate Nesterov"}  # the answer or claim that checked each derived rate
    pa.table(["method", "setting", "derived rate", rf"measured iterations to ${_tex_num(p.tol)}$"],
             [[n, s, f"${pa.quote(derived[n], checked_by[n], '.4g')}$" if n in derived else "--",
               _cold(r.iters[n])] for n, s in r.settings.items()],
             caption=rf"Iterations until $f(x_t) \le {_tex_num(p.tol)} f(x_0)$ on the quadratic "
             rf"with $\kappa = {p.kappa:g}$, from $x_0 = ({p.x0[0]:g}, {p.x0[1]:g})$ (runs of {p.steps} steps): the "
             r"iteration counts are measured, the rates are the derived ones checked in (a) and (b).", aside=True)
    _figures_a(pa, p, r, derived)


def _after(name: str, loss: np.ndarray, tol: float) -> str:
    """What a run's loss does at the level tol f(x_0): the step it gets there, and whether it stays."""
    below = loss <= tol * loss[0]
    end = loss.size - 1
    if not below.any():
        return f"{name} does not get there in {end} steps"
    first = int(np.argmax(below))
    if below[first:].all():
        return f"{name} gets there at step {first} and stays below"
    if below[-1]:
        settled = int(np.nonzero(~below)[0][-1]) + 1
        return f"{name} gets there at step {first}, oscillates across it, and stays below from step {settled} on"
    return f"{name} gets there at step {first} but does not stay: at step {end} it is above it again"


def _figures_a(pa: Part, p: Params, r: _Runs, derived: dict) -> None:
    rates = {n: derived[n] for n in ("GD", "heavy ball", "Nesterov")}
    after = {n: _after(n, r.losses[n], p.tol) for n in ("RMSProp", "Adam")}
    if r.iters["RMSProp"] < np.inf and r.losses["RMSProp"][-1] > p.tol * r.losses["RMSProp"][0]:
        after["RMSProp"] += (r" (near the minimum its divisor $\sqrt{s_t}$ shrinks with the gradient, so its "
                             r"steps stay about $\eta$ long)")
    pa.figure("loss", rf"Loss on the quadratic ($\kappa = {p.kappa:g}$) for every method (solid, with its marker) "
              r"and the derived decay $\rho^{2t}$ of GD, heavy ball and Nesterov (dashed). At the level "
              rf"$f(x_t) = {_tex_num(p.tol)} f(x_0)$ of the table, with a constant $\eta$: "
              + "; ".join(after.values()) + ".",
              lambda path: _plot_loss(path, r.losses, rates), aside=True)
    pa.figure("paths", r"Trajectories on the contour plots: the quadratic "
              rf"(left, first {_PATH_STEPS} steps) "
              rf"and Rosenbrock (right, {p.rosen_steps} steps; AdaGrad and RMSProp share "
              rf"$\eta = {p.eta_rmsprop:g}$).",
              lambda path: _plot_paths(path, p, r), aside=True)


def _adaptive(sol: Solution, p: Params, r: _Runs) -> None:
    T, ts, slopes = p.ramp_steps, r.ts, r.slopes
    mid = slopes.size // 2
    pc = sol.part("c", "AdaGrad",
                  r"How does AdaGrad adapt its learning rates, and what is its main weakness?")
    pc.text(
        r"Per coordinate, $\eta$ is divided by the root of the sum of all past squared gradients: "
        r"large or frequent gradients get small steps, rare ones large steps. Step "
        r"$x_{t+1} = x_t - r_t\odot g_t$, $G_t = \sum_{s\le t} g_s^2$. Weakness: $G_t$ only grows:"
    )
    Gs = sp.Symbol("G_t", positive=True)
    ch = pc.chain("rate", r"r_t").define(
        r"\eta/(\sqrt{G_t}+\epsilon)", eta / (sp.sqrt(Gs) + eps),
        "AdaGrad, per coordinate")
    ch.step(r"\eta/(|g|\sqrt t + \epsilon)", adagrad_rate(eta, g, t, eps),
            r"constant gradient: $G_t = t g^2$", given={Gs: t * g**2})
    slope = sp.cancel(t * sp.diff(sp.log(adagrad_rate(eta, g, t, 0)), t))
    pc.text(rf"so $r_t$ decays with log-log slope ${sp.latex(slope)}$ and never recovers: learning "
            r"stalls.")
    ramp, x_ramp = sim.ramp(slopes), np.zeros_like(slopes)
    ada = sim.run("adagrad", ramp, x_ramp, T, eta=p.eta_rmsprop, eps=p.eps)
    rms = sim.run("rmsprop", ramp, x_ramp, T, eta=p.eta_rmsprop, rho=p.rho, eps=p.eps)
    d_ada = numeric((eta, g, t, eps), adagrad_rate(eta, g, t, eps))(
        p.eta_rmsprop, slopes[None, :], ts[:, None], p.eps)
    pc.claim("rate_measured", rf"Measured on the ramp ($\eta = {p.eta_rmsprop:g}$, slopes "
             rf"{list(p.ramp_slopes)}): AdaGrad's effective rate is the derived "
             r"$\eta/(|g|\sqrt t+\epsilon)$ at every step.",
             prove.close_all(ada.rates, d_ada, 1e-9, "effective rates"), aside=True)
    window = ts >= T / 10
    fit = sim.loglog_slope(ts[window], ada.rates[window, mid])
    pc.claim("slope", rf"Measured: the least-squares log-log slope of AdaGrad's effective rate "
             rf"over $t\in[{T // 10}, {T}]$ (ramp with $|g| = {slopes[mid]:g}$) is the derived "
             rf"${sp.latex(slope)}$.",
             prove.close(fit, _f(slope), rtol=0.01, what=r"fitted slope of $\ln r_t$ against $\ln t$"), aside=True)
    lo, hi = adagrad_distance_bounds(eta, t)
    lo_n, hi_n = (_f(b.subs({eta: exact_decimal(p.eta_rmsprop), t: T})) for b in (lo, hi))
    dist = np.abs(ada.xs[-1] - ada.xs[0])
    Ts = sp.Symbol("T")
    pc.claim("distance", rf"Measured stall: after $T = {T}$ steps on the ramp AdaGrad has moved "
             r"only $D_T = \eta\sum_{s\le T}s^{-1/2}$, which integral comparison puts between "
             rf"${sp.latex(lo.subs(t, Ts))}$ and ${sp.latex(hi.subs(t, Ts))}$: the distance grows "
             r"like $2\eta\sqrt T$ rather than like $T$. This holds for every slope (a step is "
             r"shortened by at most the factor $1/(1+\epsilon/|g|)$, allowed for).",
             prove.on_instances({f"slope {s:g}": bool(lo_n / (1 + p.eps / s) <= d
                                                      <= hi_n * (1 + 1e-9))
                                 for s, d in zip(slopes, dist)},
                                f"distance within [{lo_n:.5g}, {hi_n:.5g}]"), aside=True)
    flat = sim.run("adagrad", sim.quadratic([float(r.Lv)] * 2)[1], p.x0, p.steps,
                   eta=p.eta_adagrad, eps=0.0)
    skew = sim.run("adagrad", r.gq, p.x0, p.steps, eta=p.eta_adagrad, eps=0.0)
    pc.claim("invariant", rf"Measured: with $\epsilon = 0$, AdaGrad's path on the quadratic "
             rf"with $\kappa = {p.kappa:g}$ is the path for $\kappa = 1$: the step "
             r"$r_t g_t = \eta\lambda x_t/\sqrt{\sum_s \lambda^2 x_s^2}$ does not depend on the "
             r"curvature $\lambda$.",
             prove.close(float(np.max(np.abs(flat.xs - skew.xs))), 0.0, rtol=0,
                         atol=1e-9 * float(np.max(np.abs(p.x0))),
                         what="largest coordinate difference between the two runs"), aside=True)

    pd = sol.part("d", "RMSProp", r"How does RMSProp change AdaGrad to remove that weakness?")
    pd.text(
        r"The sum becomes an exponential moving average, $s_t = \rho s_{t-1} + (1-\rho) g_t^2$, "
        r"$x_{t+1} = x_t - \eta g_t/(\sqrt{s_t}+\epsilon)$: old gradients are forgotten, so the "
        r"rate stays bounded away from zero. On a constant gradient $g$:"
    )
    S_prev, St = sp.Symbol("s_{t-1}", nonnegative=True), sp.Symbol("s_t", nonnegative=True)
    ch = pd.chain("ema", r"s_t", aside=True).define(
        r"\rho s_{t-1} + (1-\rho) g^2", rho * S_prev + (1 - rho) * g**2,
        r"RMSProp, $g_t = g$, $s_0 = 0$")
    ch.induction(r"(1-\rho^t) g^2", (1 - rho**t) * g**2, S_prev, t,
                 reason=r"constant gradient; induction from $s_0 = 0$")
    r_rms = rmsprop_rate(eta, g, t, rho, eps)
    ch = pd.chain("rate", r"r_t").define(r"\eta/(\sqrt{s_t}+\epsilon)", eta / (sp.sqrt(St) + eps),
                                         "effective rate")
    ch.step(r"\eta/(|g|\sqrt{1-\rho^t}+\epsilon)", r_rms, r"$s_t = (1-\rho^t) g^2$ from $s_0 = 0$ (appendix)",
            given={St: (1 - rho**t) * g**2})
    limit = limit_at_infinity(r_rms, rho)
    _let(pd, {r"\lim_{t\to\infty} r_t": limit})
    pd.claim("limit", r"As $\rho^t \to 0$ the rate settles at a constant instead of vanishing:",
             prove.equal(limit, eta / (g + eps)), latex=r"\lim_{t\to\infty} r_t = \frac{\eta}{|g|+\epsilon}",
             value=sp.Eq(limit, eta / (g + eps), evaluate=False))
    d_rms = numeric((eta, g, t, rho, eps), r_rms)(p.eta_rmsprop, slopes[None, :], ts[:, None],
                                                   p.rho, p.eps)
    pd.claim("rate_measured", r"Measured on the same ramp with the same $\eta$: RMSProp's "
             r"effective rate is the derived $\eta/(|g|\sqrt{1-\rho^t}+\epsilon)$ at every step.",
             prove.close_all(rms.rates, d_rms, 1e-9, "effective rates"), aside=True)
    excess = sp.simplify(r_rms / limit - 1)
    gap = sp.simplify(excess.subs(eps, 0))
    w = sp.Symbol("w", positive=True)  # sqrt(1 - rho^t) = 1/(1 + w) takes every value in (0, 1) as rho^t does
    # 1/sqrt(1 - rho^T) - 1 loses as many leading digits as rho^T has zeros after the point: carry that many more
    digits = 30 + int(np.ceil(T * np.log10(1 / p.rho)))
    gap_T = sp.N(gap.subs({rho: sp.Float(exact_decimal(p.rho), digits), t: T}), 30)
    pd.claim("gap", r"The rate exceeds its limit $\eta/(|g|+\epsilon)$ by a relative amount that is at most its "
             rf"value at $\epsilon = 0$, ${pd.notation.printed(gap)}$: at $t = T = {T}$ the remaining gap "
             rf"is ${pd.quote(gap_T, 'gap', '.3g')}$.",
             prove.holds((gap - excess).subs(rho**t, 1 - 1 / (1 + w)**2) >= 0), value=gap_T, aside=True)
    lim_n = numeric((eta, g, eps), limit)(p.eta_rmsprop, slopes, p.eps)
    allowed = float(gap_T) + ROUND_OFF  # the rates at T against the limit, relative
    pd.claim("limit_measured", rf"Measured: at $t = {T}$ the rate has reached the derived limit "
             r"$\eta/(|g|+\epsilon)$, up to the remaining gap "
             rf"${pd.quote(gap_T, 'gap', '.3g')}$ (plus ${pd.setting(ROUND_OFF)}$ for rounding).",
             prove.close_all(rms.rates[-1], lim_n, allowed, "rate at T against the limit"), aside=True)
    ratio = float(abs(rms.xs[-1, mid] - rms.xs[-2, mid]) / abs(ada.xs[-1, mid] - ada.xs[-2, mid]))
    pd.claim("moving", rf"Measured: at $t = {T}$ RMSProp's step on the ramp is "
             rf"${pd.quote(ratio, 'moving', '.4g')}$ times AdaGrad's, the derived "
             r"$(|g|\sqrt T+\epsilon)/(|g|\sqrt{1-\rho^T}+\epsilon)$, about "
             r"$\sqrt T$: RMSProp keeps a steady pace of about $\eta$ per step while AdaGrad's "
             r"pace falls like $\eta/\sqrt t$.",
             prove.close(ratio, float(d_rms[-1, mid] / d_ada[-1, mid]), rtol=1e-9,
                         what="step-length ratio"), value=ratio, aside=True)
    dist = {n: float(np.linalg.norm(r.rosen[n].xs[-1] - 1.0)) for n in ("AdaGrad", "RMSProp")}
    pd.claim("rosenbrock", rf"Measured, non-convex: on Rosenbrock with the same "
             rf"$\eta = {p.eta_rmsprop:g}$, after {p.rosen_steps} steps RMSProp is at least twice "
             r"as close to the minimiser $(1,1)$ as AdaGrad, whose rate was throttled for good by "
             r"the steep gradients of the first steps.",
             _at_least(dist["AdaGrad"], dist["RMSProp"], 2.0,
                       "distance to (1,1), AdaGrad vs RMSProp"), aside=True)
    g_seen = np.abs(np.array([r.gr(x) for x in r.rosen["RMSProp"].xs[:-1]]))
    floor = p.eta_rmsprop / (g_seen.max(axis=0) + p.eps)
    pd.claim("floor", r"Measured: along the whole Rosenbrock run RMSProp's effective rate stays "
             r"above the derived floor $\eta/(\max_s|g_s|+\epsilon)$ (an average of squares never "
             r"exceeds the largest one): it is bounded away from zero.",
             _at_least(float(np.min(r.rosen["RMSProp"].rates / floor)), 1.0, 1.0 - 1e-12,
                       "smallest RMSProp rate / floor vs 1"), aside=True)
    pd.figure("rates", rf"Effective rates on the ramp (slope ${slopes[mid]:g}$, "
              rf"$\eta = {p.eta_rmsprop:g}$): AdaGrad decays like $t^{{-1/2}}$, RMSProp settles "
              r"at $\eta/|g|$. Markers: measured; lines: derived.",
              lambda path: _plot_rates(path, ts, ada.rates[:, mid], rms.rates[:, mid],
                                       d_ada[:, mid], d_rms[:, mid]), aside=True)
    grid = {g: slopes[None, :], t: ts[:, None]}
    at_ada = {eta: exact_decimal(p.eta_rmsprop), eps: exact_decimal(p.eps)}
    at_rms = {**at_ada, rho: exact_decimal(p.rho)}
    sol.answer("AdaGrad effective rate", adagrad_rate(eta, g, t, eps), claims=("c.rate_measured",),
               check=_on_ramp(ada.rates, at_ada, grid, 1e-9, "AdaGrad's effective rates on the ramp"))
    _mistakes(sol, "AdaGrad effective rate", _apart_formulas(at_ada, grid), [
        ("mean-not-sum", eta / (g + eps), r"AdaGrad divides by the root of the sum of all squared gradients, "
         r"$G_t = t g^2$ on a constant gradient, not of their mean. With a mean the rate would stay $\eta/|g|$; "
         r"with the sum it falls like $\eta/(|g|\sqrt{t})$, which is AdaGrad's weakness."),
        ("no-square-root", eta / (g**2 * t + eps), r"The denominator is the square root of the accumulated squares, "
         r"$\sqrt{t g^2} = |g|\sqrt{t}$. Without the root the rate would fall like $1/t$ and scale like $1/g^2$, "
         r"so the step $r_t g$ would not even be invariant to rescaling the gradient."),
        ("square-of-sum", eta / (g * t + eps), r"AdaGrad accumulates the squares of the gradients, $t g^2$, not the "
         r"square of their sum, $(t g)^2$: the root is $|g|\sqrt{t}$, so the rate falls like $1/\sqrt{t}$, not "
         r"$1/t$."),
    ])
    sol.answer("AdaGrad log-log slope", slope, claims=("c.slope",),
               check=witness.close(fit, rtol=0.01, what=r"fitted slope of $\ln r_t$ against $\ln t$"))
    _mistakes(sol, "AdaGrad log-log slope", _apart_numbers(0.02), [
        ("slope-of-a-mean", sp.Integer(0), r"A flat line would mean a constant rate, as if AdaGrad divided by the "
         r"root of the mean squared gradient. It divides by the root of the sum, $|g|\sqrt{t}$, so the rate falls "
         r"with slope $-\tfrac12$ on a log-log plot."),
        ("slope-without-root", sp.Integer(-1), r"That slope comes from dividing by the sum $t g^2$ itself. AdaGrad "
         r"takes its square root, $|g|\sqrt{t}$, which halves the exponent: $-\tfrac12$."),
    ])
    sol.answer("RMSProp effective rate", r_rms, claims=("d.rate_measured",),
               check=_on_ramp(rms.rates, at_rms, grid, 1e-9, "RMSProp's effective rates on the ramp"))
    rv = at_rms[rho]
    _mistakes(sol, "RMSProp effective rate", _apart_formulas(at_rms, grid), [
        ("no-warm-up", eta / (g + eps), r"The average starts at $s_0 = 0$, so after $t$ steps it holds only the "
         r"weight $1-\rho^t$ of $g^2$: $s_t = (1-\rho^t) g^2$. Early rates are larger than $\eta/|g|$, by "
         rf"$1/\sqrt{{1-\rho}} = {sp.latex(1 / sp.sqrt(1 - rv))}$ at the first step."),
        ("swapped-weights", eta / (g * sp.sqrt(1 - (1 - rho) ** t) + eps), r"$\rho$ is the weight the old "
         r"average keeps and $1-\rho$ that of the new square: $s_t = \rho s_{t-1} + (1-\rho) g_t^2$ gives "
         r"$s_t = (1-\rho^t) g^2$. Swapped weights give $1-(1-\rho)^t$, an average that forgets almost at once."),
        ("average-without-root", eta / (g**2 * (1 - rho**t) + eps), r"RMSProp divides by the root of the "
         r"averaged square, $|g|\sqrt{1-\rho^t}$, a gradient scale; dividing by the average itself gives a rate "
         r"that scales like $1/g^2$."),
    ])
    at_lim = {g: slopes}
    sol.answer("RMSProp rate limit", limit, claims=("d.limit_measured",),
               check=_on_ramp(rms.rates[-1], at_ada, at_lim, allowed, f"RMSProp's rates at t = {T}"))
    _mistakes(sol, "RMSProp rate limit", _apart_formulas(at_ada, at_lim), [
        ("vanishing-rate", sp.Integer(0), r"RMSProp forgets old gradients at rate $\rho$, so its average of "
         r"squares tends to $g^2$ and stays bounded: the rate settles at $\eta/(|g|+\epsilon)$ instead of decaying "
         r"to zero as AdaGrad's does. That is the repair."),
        ("first-step-rate", eta / (g * sp.sqrt(1 - rv) + eps), r"This is the rate at the first step, when the "
         r"average holds only the weight $1-\rho$ of $g^2$. As $\rho^t \to 0$ the average becomes $g^2$ and the "
         r"rate $\eta/(|g|+\epsilon)$."),
        ("limit-without-root", eta / (g**2 + eps), r"The average of squares tends to $g^2$, and RMSProp divides by "
         r"its square root, $|g|$: the limit is $\eta/(|g|+\epsilon)$, not $\eta/(g^2+\epsilon)$."),
    ])


def _adam(sol: Solution, p: Params, r: _Runs) -> None:
    T, ts, slopes = p.ramp_steps, r.ts, r.slopes
    mid = slopes.size // 2
    pe = sol.part("e", "Adam", r"How does Adam work?")
    pe.text(
        r"Momentum's average of the gradient over RMSProp's average of its square, both "
        r"bias-corrected: $m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t$, "
        r"$v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$, $\hat m_t = m_t/(1-\beta_1^t)$, "
        r"$\hat v_t = v_t/(1-\beta_2^t)$, $x_{t+1} = x_t - \eta\hat m_t/(\sqrt{\hat v_t}+\epsilon)$. "
        rf"On a constant gradient (here $\beta_1 = {p.beta1:g}$, $\beta_2 = {p.beta2:g}$):"
    )
    m_prev = sp.Symbol("m_{t-1}", real=True)
    ch = pe.chain("ema", r"m_t").define(
        r"\beta_1 m_{t-1} + (1-\beta_1) g", b1 * m_prev + (1 - b1) * g,
        r"Adam, $g_t = g$, $m_0 = 0$")
    ch.induction(r"(1-\beta_1^t) g", (1 - b1**t) * g, m_prev, t,
                 reason=r"constant gradient; induction from $m_0 = 0$")
    pe.text(r"so $\hat m_t = g$, $\hat v_t = g^2$ exactly (first steps with and without correction "
            r"derived in the appendix).")
    m1, v1 = (1 - b1) * g, (1 - b2) * g**2
    M1, V1, M1c, V1c = sp.symbols(r"m_1 v_1 \hat{m}_1 \hat{v}_1", positive=True)
    ch = pe.chain("first", r"|x_1 - x_0|/\eta", aside=True).define(
        r"m_1/\sqrt{v_1}", M1 / sp.sqrt(V1), r"no correction, $\epsilon \to 0$")
    ch.step(r"(1-\beta_1) g/(\sqrt{1-\beta_2} g)", (1 - b1) * g / (sp.sqrt(1 - b2) * g),
            r"$m_1$, $v_1$ from the averages", given={M1: m1, V1: v1})
    uncorrected = adam_step(1, g, 1, b1, b2, 0, corrected=False)
    ch.step(r"(1-\beta_1)/\sqrt{1-\beta_2}", uncorrected, r"for any $g > 0$")
    ch = pe.chain("first_corrected", r"|x_1 - x_0|/\eta", aside=True).define(
        r"\hat m_1/\sqrt{\hat v_1}", M1c / sp.sqrt(V1c), r"with correction, $\epsilon \to 0$")
    ch.step(r"1", adam_step(1, g, 1, b1, b2, 0, corrected=True),
            r"$\hat m_1 = g$, $\hat v_1 = g^2$, for any $g > 0$",
            given={M1c: m1 / (1 - b1), V1c: v1 / (1 - b2)})
    exact = {b1: exact_decimal(p.beta1), b2: exact_decimal(p.beta2)}
    factor = _f(uncorrected.subs(exact))
    ramp, x_ramp = sim.ramp(slopes), np.zeros_like(slopes)
    kw = dict(eta=p.eta_adam, beta1=p.beta1, beta2=p.beta2, eps=p.eps)
    step_c = np.abs(np.diff(sim.run("adam", ramp, x_ramp, T, **kw).xs, axis=0))
    step_u = np.abs(np.diff(sim.run("adam", ramp, x_ramp, T, bias_correction=False, **kw).xs,
                            axis=0))
    dc, du = (np.broadcast_to(
        numeric((eta, g, t, b1, b2, eps), adam_step(eta, g, t, b1, b2, eps, c))(
            p.eta_adam, slopes[None, :], ts[:, None], p.beta1, p.beta2, p.eps), step_c.shape)
        for c in (True, False))
    pe.claim("first_measured", rf"Measured first step on the ramp (slopes {list(p.ramp_slopes)}, "
             rf"$\beta_1 = {p.beta1:g}$, $\beta_2 = {p.beta2:g}$): uncorrected over corrected "
             rf"length is the derived ratio, ${pe.quote(factor, 'Adam uncorrected first-step factor', '.4g')}$ "
             r"as $\epsilon \to 0$ "
             r"(the derived lengths keep $\epsilon$).",
             prove.close_all(step_u[0] / step_c[0], du[0] / dc[0], 1e-9, "first-step ratio"), aside=True)
    pe.claim("steps_measured", r"Measured: every step on the ramp, with and without correction, "
             r"has the derived length: $\eta g/(g+\epsilon)$ corrected, "
             r"$\eta(1-\beta_1^t)g/(g\sqrt{1-\beta_2^t}+\epsilon)$ uncorrected.",
             prove.close_all(np.concatenate([step_c, step_u]), np.concatenate([dc, du]), 1e-9,
                        "step lengths"), aside=True)
    pe.figure("adam", rf"Adam's step length over $\eta$ on the ramp ($|g| = {slopes[mid]:g}$, "
              rf"$\beta_1 = {p.beta1:g}$, $\beta_2 = {p.beta2:g}$), with and without bias "
              r"correction. Markers: measured; lines: derived.",
              lambda path: _plot_adam(path, ts, step_c[:, mid], step_u[:, mid], dc[:, mid],
                                      du[:, mid], p.eta_adam), aside=True)
    peak = int(np.argmax(np.abs(du[:, mid] / p.eta_adam - 1)))
    extreme = float(du[peak, mid] / p.eta_adam)
    pe.claim("extreme_measured", rf"Measured on the ramp ($|g| = {slopes[mid]:g}$): at $t = {peak + 1}$, where the "
             r"derived uncorrected step over $\eta$ is farthest from 1, the measured one is the derived value.",
             prove.close(float(step_u[peak, mid] / p.eta_adam), extreme, rtol=1e-9, what="step over eta"),
             value=extreme, aside=True)
    pe.text(
        rf"Uncorrected, the step over $\eta$ is ${pe.quote(factor, 'Adam uncorrected first-step factor', '.3g')}$ "
        rf"at $t = 1$ and ${pe.quote(extreme, 'extreme_measured', '.3g')}$ at its extreme ($t = {peak + 1}$). "
        r"Corrected, every step has length $\eta|g|/(|g|+\epsilon)$, within a fraction $\epsilon/|g|$ of "
        r"$\eta$ whatever the size of the gradient: $\eta$ acts as a trust radius."
    )
    grid = {g: slopes[None, :], t: ts[:, None]}
    at = {eta: exact_decimal(p.eta_adam), eps: exact_decimal(p.eps), **exact}
    corrected, raw = (adam_step(eta, g, t, b1, b2, eps, c) for c in (True, False))
    sol.answer("Adam step", corrected, claims=("e.steps_measured",),
               check=_on_ramp(step_c, at, grid, 1e-9, "Adam's bias-corrected steps on the ramp"))
    _mistakes(sol, "Adam step", _apart_formulas(at, grid), [
        ("uncorrected-first-step", raw.subs(t, 1).subs(exact), r"That is the first step without bias correction, "
         r"$\eta(1-\beta_1) g/(g\sqrt{1-\beta_2}+\epsilon)$. Adam divides $m_t$ by $1-\beta_1^t$ and $v_t$ by "
         r"$1-\beta_2^t$; on a constant gradient the corrected averages are $g$ and $g^2$ exactly, and every step, "
         r"the first included, is $\eta g/(g+\epsilon)$."),
        ("sgd-sized-step", eta * g, r"Adam divides the averaged gradient by the root of the averaged square, so on "
         r"a constant gradient the step is $\eta g/(|g|+\epsilon)$, about $\eta$ whatever the size of $g$. A step "
         r"$\eta g$ that grows with the gradient is plain gradient descent's."),
    ])
    sol.answer("Adam uncorrected step", raw, claims=("e.steps_measured",),
               check=_on_ramp(step_u, at, grid, 1e-9, "Adam's uncorrected steps on the ramp"))
    _mistakes(sol, "Adam uncorrected step", _apart_formulas(at, grid), [
        ("bias-free", corrected, r"Without correction the zero start of both averages matters: after $t$ steps "
         r"$m_t = (1-\beta_1^t) g$ and $v_t = (1-\beta_2^t) g^2$, so the step is "
         r"$\eta(1-\beta_1^t) g/(g\sqrt{1-\beta_2^t} + \epsilon)$, not $\eta g/(g+\epsilon)$."),
        ("first-moment-bias-only", eta * (1 - b1**t) * g / (g + eps), r"The second-moment average is biased "
         r"towards zero too, and more so, since $\beta_2$ is closer to $1$: its root $|g|\sqrt{1-\beta_2^t}$ in the "
         r"denominator makes early uncorrected steps larger, besides the numerator's smaller $1-\beta_1^t$."),
        ("first-step-bias-forever", eta * (1 - b1) * g / (g * sp.sqrt(1 - b2) + eps), r"The factors "
         r"$1-\beta_1$ and $\sqrt{1-\beta_2}$ hold at the first step only; after $t$ steps the averages have "
         r"gathered the weights $1-\beta_1^t$ and $1-\beta_2^t$, which tend to $1$, and the step tends to "
         r"$\eta g/(g+\epsilon)$."),
        ("bias-without-root", eta * (1 - b1**t) * g / (g * (1 - b2**t) + eps), r"Adam divides by the square "
         r"root of $v_t = (1-\beta_2^t) g^2$, which is $|g|\sqrt{1-\beta_2^t}$: the second moment's bias enters "
         r"under the root."),
    ])
    big = int(np.argmax(slopes))
    ftol = 2 * p.eps / (slopes[big] * np.sqrt(1 - p.beta2)) + 1e-9  # epsilon's share in the measured ratio
    sol.answer("Adam uncorrected first-step factor", uncorrected.subs(exact), claims=("e.first_measured",),
               check=witness.close(float(step_u[0, big] / step_c[0, big]), rtol=ftol,
                                   what=f"first step without over with correction, slope {slopes[big]:g}"))
    _mistakes(sol, "Adam uncorrected first-step factor", _apart_numbers(max(0.01, 3 * ftol)), [
        ("factor-one", sp.Integer(1), r"Without correction the first step is not $\eta$: $m_1 = (1-\beta_1) g$ and "
         r"$v_1 = (1-\beta_2) g^2$, so the step is $\eta(1-\beta_1)/\sqrt{1-\beta_2}$ for any $g$."),
        ("factor-of-m-only", 1 - exact[b1], r"The zero start shrinks $m_1$ to $(1-\beta_1) g$, but it shrinks $v_1$ "
         r"too, to $(1-\beta_2) g^2$, and Adam divides by its root: the factor is $(1-\beta_1)/\sqrt{1-\beta_2}$."),
        ("factor-of-v-only", 1 / sp.sqrt(1 - exact[b2]), r"The denominator's bias is only half the story: the "
         r"numerator $m_1 = (1-\beta_1) g$ is biased too, so the factor is $(1-\beta_1)/\sqrt{1-\beta_2}$."),
        ("factor-without-root", (1 - exact[b1]) / (1 - exact[b2]), r"Adam divides by the square root of "
         r"$v_1 = (1-\beta_2) g^2$, that is by $\sqrt{1-\beta_2}\,|g|$: the factor is $(1-\beta_1)/\sqrt{1-\beta_2}$."),
    ])


# ---- figures ----------------------------------------------------------------------------------

_PATH_STEPS = 30  # steps of each trajectory drawn on the quadratic


def _plot_loss(path, losses: dict, rates: dict) -> None:
    from theory.core import figures  # matplotlib only when a PDF is built

    with figures.figure(path) as (fig, ax):
        for name, loss in losses.items():
            tt = np.arange(loss.size)
            ax.plot(tt, loss, **figures.style(name, lw=1.2, ms=3, markevery=max(1, loss.size // 12)), label=name)
            if name in rates:
                ax.plot(tt, loss[0] * rates[name] ** (2 * tt), **figures.style(name, "derived", lw=0.8, linestyle="--"))
        ax.set_yscale("log")
        ax.set_ylim(1e-20, 10 * max(float(v[0]) for v in losses.values()))
        ax.set_xlabel("iteration $t$")
        ax.set_ylabel("$f(x_t)$")
        ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))


def _plot_paths(path, p: Params, r: _Runs) -> None:
    from theory.core import figures

    with figures.figure(path, ncols=2) as (fig, (a1, a2)):
        shown = {n: r.quad[n].xs[: _PATH_STEPS + 1]
                 for n in ("GD", "heavy ball", "Nesterov", "Adam")}
        pts = np.concatenate(list(shown.values()))
        hx, hy = 1.1 * np.max(np.abs(pts), axis=0)
        X, Y = np.meshgrid(np.linspace(-hx, hx, 200), np.linspace(-hy, hy, 200))
        f0 = float(r.fq(np.asarray(p.x0, dtype=float)))
        a1.contour(X, Y, r.fq(np.stack([X, Y], axis=-1)), levels=f0 * np.geomspace(1e-3, 30, 12),
                   colors="0.75", linewidths=0.5)
        for name, xs in shown.items():
            a1.plot(xs[:, 0], xs[:, 1], **figures.style(name, ms=2.5, lw=0.8))
        a1.set_xlabel(r"$x_1$ (curvature $\mu$)")
        a1.set_ylabel(r"$x_2$ (curvature $L$)")
        a1.set_title(f"quadratic, first {_PATH_STEPS} steps")
        X, Y = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-1, 3, 200))
        a2.contour(X, Y, np.log1p(r.fr(np.stack([X, Y], axis=-1))), levels=20, colors="0.75",
                   linewidths=0.5)
        for name in r.rosen.names:
            xs = r.rosen[name].xs
            a2.plot(xs[:, 0], xs[:, 1], **figures.style(name, lw=0.9, ms=3, markevery=max(1, len(xs) // 10)),
                    label=name)
        a2.plot([1], [1], "k*", ms=8)
        a2.set_xlim(-2, 2)
        a2.set_ylim(-1, 3)
        a2.set_xlabel("$x$")
        a2.set_ylabel("$y$")
        a2.set_title(f"Rosenbrock, {p.rosen_steps} steps")
        fig.legend(loc="outside lower center", ncol=3)


def _plot_momentum(path, ts, measured: dict, derived: dict, gains: dict, unit: float, conv: str) -> None:
    from theory.core import figures

    method = {"classical": "heavy ball", "pytorch": "PyTorch momentum", "ema": "EMA momentum"}
    with figures.figure(path) as (fig, ax):
        idx = np.unique(np.geomspace(1, ts.size, 40).astype(int)) - 1
        for c in measured:  # classical and PyTorch's (d = 0) coincide: PyTorch's dashed
            lw, z = (2.0 if c == conv else 1.2), (4 if c == "pytorch" else 3 if c == conv else 2)
            ax.semilogx(ts[idx], measured[c][idx] / unit, **figures.style(method[c], "measured", ms=3, zorder=z))
            ax.semilogx(ts, np.broadcast_to(derived[c], ts.shape) / unit,
                        **figures.style(method[c], "derived", linestyle="--" if c == "pytorch" else "-", lw=lw,
                                        zorder=z), label=c + (" (in force)" if c == conv else ""))
            ax.axhline(gains[c], ls=":", lw=0.8, color=figures.style(method[c])["color"])
        ax.set_xlabel("step $t$")
        ax.set_ylabel(r"$|x_t - x_{t-1}|/(\eta|g|)$")
        ax.legend(loc="best")


def _plot_rates(path, ts, ada, rms, d_ada, d_rms) -> None:
    from theory.core import figures

    with figures.figure(path) as (fig, ax):
        idx = np.unique(np.geomspace(1, ts.size, 40).astype(int)) - 1  # evenly on a log axis
        ax.loglog(ts[idx], ada[idx], **figures.style("AdaGrad", "measured", ms=3), label="AdaGrad (measured)")
        ax.loglog(ts, d_ada, **figures.style("AdaGrad", "derived", lw=1), label=r"$\eta/(|g|\sqrt{t}+\epsilon)$")
        ax.loglog(ts[idx], rms[idx], **figures.style("RMSProp", "measured", ms=3), label="RMSProp (measured)")
        ax.loglog(ts, d_rms, **figures.style("RMSProp", "derived", lw=1),
                  label=r"$\eta/(|g|\sqrt{1-\rho^t}+\epsilon)$")
        ax.set_xlabel("step $t$")
        ax.set_ylabel("effective rate $r_t$")
        ax.legend(loc="best")


def _plot_adam(path, ts, step_c, step_u, d_c, d_u, eta_: float) -> None:
    from theory.core import figures

    raw = "Adam without bias correction"
    with figures.figure(path) as (fig, ax):
        idx = np.unique(np.geomspace(1, ts.size, 40).astype(int)) - 1
        ax.semilogx(ts[idx], step_u[idx] / eta_, **figures.style(raw, "measured", ms=3),
                    label="no correction (measured)")
        ax.semilogx(ts, d_u / eta_, **figures.style(raw, "derived", lw=1),
                    label=r"$(1-\beta_1^t)/\sqrt{1-\beta_2^t}$")
        ax.semilogx(ts[idx], step_c[idx] / eta_, **figures.style("Adam", "measured", ms=3),
                    label="bias-corrected (measured)")
        ax.semilogx(ts, d_c / eta_, **figures.style("Adam", "derived", lw=1), label="1")
        ax.set_xlabel("step $t$")
        ax.set_ylabel(r"step length / $\eta$")
        ax.legend(loc="best")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
