"""Momentum, Nesterov, AdaGrad, RMSProp and Adam: update rules, rates and measured effects (iust-dl-hw1 P1)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import optimizers as sim
from theory.core import prove
from theory.core.context import Context
from theory.core.params import Parameters, param
from theory.core.solution import Solution
from theory.core.verdict import Verdict

TOPIC = "optimizers"

eta, beta, mu, L, kappa, lam = sp.symbols("eta beta mu L kappa lambda", positive=True)
z = sp.Symbol("z")  # root variable of the characteristic polynomials (complex)
x_t, x_p, v_t, grad_t, grad_p = sp.symbols("x_t x_tm1 v_t g_t g_tm1", real=True)
g, G, rho, b1, b2, eps, t = sp.symbols("g G rho beta1 beta2 epsilon t", positive=True)
S_prev = sp.Symbol("S_tm1", nonnegative=True)


def _check_pair(v: tuple) -> str | None:
    if len(v) != 2:
        return "expected two coordinates, e.g. (1.0, 1.0)"
    return None


def _check_start(v: tuple) -> str | None:
    if len(v) != 2 or any(c == 0 for c in v):
        return "expected two nonzero coordinates, e.g. (1.0, 1.0), so both curvatures are excited"
    return None


def _check_slopes(v: tuple) -> str | None:
    if not v or any(s <= 0 for s in v):
        return "expected a non-empty list of positive gradient magnitudes, e.g. (0.001, 1.0, 1000.0)"
    return None


@dataclass(frozen=True)
class Params(Parameters):
    kappa: float = param(50.0, "condition number L/mu of the quadratic f = (mu x^2 + L y^2)/2",
                         lo=2.0)
    L: float = param(1.0, "largest curvature of the quadratic", lo=0.0, lo_open=True)
    x0: tuple = param((1.0, 1.0), "start point on the quadratic", check=_check_start)
    tol: float = param(1e-8, "loss reduction f(x_t)/f(x_0) counted as converged", lo=0.0,
                       hi=1.0, lo_open=True, hi_open=True)
    steps: int = param(400, "iterations shown on the quadratic (plots, table)", lo=20, hi=100000)
    rate_steps: int = param(2000, "iterations over which contractions are measured", lo=200,
                            hi=100000)
    beta: float = param(0.9, "momentum coefficient on the ramp and on Rosenbrock", lo=0.0, hi=1.0,
                        hi_open=True)
    eta_adagrad: float = param(0.5, "AdaGrad step size on the quadratic", lo=0.0, lo_open=True)
    eta_rmsprop: float = param(0.01, "RMSProp step size (also AdaGrad's in the same-eta races)",
                               lo=0.0, lo_open=True)
    eta_adam: float = param(0.05, "Adam step size", lo=0.0, lo_open=True)
    rho: float = param(0.9, "RMSProp decay of the squared-gradient average", lo=0.0, hi=1.0,
                       hi_open=True)
    beta1: float = param(0.9, "Adam first-moment decay", lo=0.0, hi=1.0, hi_open=True)
    beta2: float = param(0.999, "Adam second-moment decay", lo=0.0, hi=1.0, hi_open=True)
    eps: float = param(1e-8, "epsilon added to the root of the squared-gradient statistic",
                       lo=0.0, lo_open=True, hi=1e-3)
    ramp_slopes: tuple = param((0.001, 1.0, 1000.0), "gradient magnitudes of the linear ramp",
                               check=_check_slopes)
    ramp_steps: int = param(1000, "iterations on the ramp", lo=50, hi=100000)
    rosen_b: float = param(100.0, "Rosenbrock valley steepness b in (1-x)^2 + b(y-x^2)^2",
                           lo=1.0)
    rosen_start: tuple = param((-1.2, 1.0), "start point on Rosenbrock", check=_check_pair)
    rosen_steps: int = param(2000, "iterations on Rosenbrock", lo=50, hi=100000)
    eta_rosen: float = param(1e-3, "GD / momentum step size on Rosenbrock", lo=0.0, lo_open=True)


# ---- derived formulas (each one checked below against SymPy and against simulations) --------

def gd_optimal_step(mu_, L_):
    """The step that balances the slowest and the fastest coordinate: 2 / (L + mu)."""
    return 2 / (L_ + mu_)


def gd_rate(kappa_):
    """Contraction of GD per iteration at its best step: (kappa - 1) / (kappa + 1)."""
    return (kappa_ - 1) / (kappa_ + 1)


def heavy_ball_optimum(mu_, L_):
    """(eta*, beta*) of heavy ball on curvatures in [mu, L] (Polyak)."""
    sL, smu = sp.sqrt(L_), sp.sqrt(mu_)
    return 4 / (sL + smu) ** 2, ((sL - smu) / (sL + smu)) ** 2


def heavy_ball_rate(kappa_):
    """Contraction of heavy ball at (eta*, beta*): (sqrt(kappa) - 1) / (sqrt(kappa) + 1)."""
    return (sp.sqrt(kappa_) - 1) / (sp.sqrt(kappa_) + 1)


def nesterov_beta(kappa_):
    """Nesterov's momentum for strongly convex problems with eta = 1/L."""
    return (sp.sqrt(kappa_) - 1) / (sp.sqrt(kappa_) + 1)


def nesterov_rate(kappa_):
    """Contraction of Nesterov at eta = 1/L, beta = nesterov_beta: 1 - 1/sqrt(kappa)."""
    return 1 - 1 / sp.sqrt(kappa_)


def momentum_step(eta_, beta_, g_, t_):
    """Step length of heavy ball after t steps on a constant gradient g (from rest)."""
    return eta_ * g_ * (1 - beta_**t_) / (1 - beta_)


def adagrad_rate(eta_, g_, t_, eps_):
    """AdaGrad's effective rate at step t under a constant gradient of magnitude g."""
    return eta_ / (g_ * sp.sqrt(t_) + eps_)


def adagrad_distance_bounds(eta_, T_):
    """Bounds on eta * sum_{s<=T} s^{-1/2} by integral comparison: it grows like 2 eta sqrt(T)."""
    s = sp.Symbol("s", positive=True)
    lower = eta_ * sp.integrate(1 / sp.sqrt(s), (s, 1, T_ + 1))
    upper = eta_ * (1 + sp.integrate(1 / sp.sqrt(s), (s, 1, T_)))
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

def _exact(x: float) -> sp.Rational:
    """A parameter as the exact decimal it was written as (0.9 -> 9/10)."""
    return sp.Rational(repr(float(x)))


def _equal(a, b) -> Verdict:
    """prove.equal, trying SymPy's cancel first: rational identities then need no simplify."""
    if sp.cancel(sp.sympify(a) - sp.sympify(b)) == 0:
        return Verdict("symbolic", True, "SymPy cancels the difference to 0")
    return prove.equal(a, b)


def _then(chain, latex: str, value, reason: str, given: dict | None = None):
    """chain.step, checked by `_equal` against the previous line (after `given`)."""
    before = sp.sympify(chain.steps[-1].value).subs(given or {})
    return chain.step(latex, value, reason, verdict=_equal(before, value))


def _f(x) -> float:
    return float(sp.N(x)) if isinstance(x, sp.Basic) else float(x)


def _max_rel(measured: np.ndarray, derived: np.ndarray) -> float:
    return float(np.max(np.abs(measured - derived) / np.abs(derived)))


def _rel_claim(measured: np.ndarray, derived: np.ndarray, rtol: float, what: str) -> Verdict:
    """Every measured value of a trace against the derived one, by the worst relative error."""
    worst = _max_rel(measured, derived)
    ok = bool(np.isfinite(worst) and worst <= rtol)
    return Verdict("numeric", ok, f"{what}: worst relative error {worst:.2e} over {measured.size} "
                   f"values (tolerance {rtol:g})", {"max_rel_err": worst, "rtol": rtol})


def _more_than(a: float, b: float, factor: float, what: str) -> Verdict:
    """a >= factor * b, a measured inequality with margin."""
    ok = bool(np.isfinite(a) and np.isfinite(b) and a >= factor * b)
    return Verdict("numeric", ok, f"{what}: {a:.4g} vs {b:.4g} (need a factor {factor:g})",
                   {"a": a, "b": b, "factor": factor})


_NUMPY = {"sqrt": np.sqrt, "Abs": np.abs, "exp": np.exp, "log": np.log}


def _numeric(args, expr):
    """A derived formula as a NumPy function (plain namespace: no module import at run time)."""
    return sp.lambdify(args, expr, modules=[_NUMPY])


def _discriminant(quadratic: sp.Expr) -> sp.Expr:
    """b^2 - 4ac of a quadratic in z."""
    a, b, c = sp.Poly(quadratic, z).all_coeffs()
    return b**2 - 4 * a * c


def _spectral_radius(poly: sp.Expr, values: dict) -> float:
    coeffs = [complex(c) for c in sp.Poly(poly.subs(values), z).all_coeffs()]
    return float(np.max(np.abs(np.roots(coeffs)))) if len(coeffs) > 1 else 0.0


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(
        TOPIC, "Optimizers: momentum, Nesterov, AdaGrad, RMSProp, Adam", "iust-dl-hw1, Problem 1",
        p,
        question=(
            r"Several gradient-based optimizers are candidates for training an image classifier. "
            r"Explain what momentum adds to gradient descent, how Nesterov's variant differs from "
            r"plain momentum, how AdaGrad adapts its step sizes and where that goes wrong, how "
            r"RMSProp repairs it, and how Adam combines momentum with RMSProp. Every statement "
            r"below is backed by a measurement: the methods are run on the ill-conditioned "
            r"quadratic $f(x) = \tfrac12(\mu x_1^2 + L x_2^2)$ with condition number "
            r"$\kappa = L/\mu$, on a linear ramp (a constant gradient) and on the non-convex "
            r"Rosenbrock function $(1-x)^2 + b(y-x^2)^2$."
        ),
    )
    k = _exact(p.kappa)
    Lv = _exact(p.L)
    muv = Lv / k
    curv = [float(muv), float(Lv)]
    fq, gq = sim.quadratic(curv)
    slopes = np.asarray(p.ramp_slopes, dtype=float)
    T = p.ramp_steps
    ts = np.arange(1, T + 1, dtype=float)

    # ---------------------------------------------------------------- (a) momentum
    pa = sol.part("a", "Momentum",
                  r"What is the idea behind momentum, and why does it beat plain gradient descent?")
    pa.text(
        r"Gradient descent moves against the current gradient only. On a long narrow valley the "
        r"gradient points mostly across the valley, so a step small enough not to blow up in the "
        r"steep direction ($\eta < 2/L$) crawls along the flat one: the number of iterations "
        r"grows like $\kappa$. Momentum keeps a velocity, an exponentially weighted sum of past "
        r"gradients: components that keep their sign (along the valley) add up, components that "
        r"flip sign (across it) cancel. On a curvature-$\lambda$ coordinate of the quadratic the "
        r"update is a two-term recurrence:"
    )
    ch = pa.chain("rule", r"x_{t+1}").define(
        r"x_t + v_{t+1},\quad v_{t+1} = \beta v_t - \eta\nabla f(x_t)",
        x_t + beta * v_t - eta * lam * x_t, "heavy ball (Polyak)")
    _then(ch, r"(1+\beta-\eta\lambda)\,x_t - \beta\,x_{t-1}",
          (1 + beta - eta * lam) * x_t - beta * x_p,
          r"$v_t = x_t - x_{t-1}$, $\nabla f = \lambda x$", given={v_t: x_t - x_p})
    M_hb = sp.Matrix([[1 + beta - eta * lam, -beta], [1, 0]])
    p_hb = M_hb.charpoly(z).as_expr()
    ch = pa.chain("charpoly", r"\det(zI - M_\lambda)").define(
        r"\det\begin{pmatrix} z-(1+\beta-\eta\lambda) & \beta\\ -1 & z\end{pmatrix}", p_hb,
        r"state $(x_t, x_{t-1})$, iteration matrix $M_\lambda$")
    _then(ch, r"z^2 - (1+\beta-\eta\lambda)\,z + \beta", z**2 - (1 + beta - eta * lam) * z + beta,
          "expand the determinant")
    roots_hb = list(sp.roots(sp.Poly(p_hb, z)).keys())
    pa.claim(
        "modulus", r"The two roots multiply to $\beta$, so whenever they are complex "
        r"($(1+\beta-\eta\lambda)^2 < 4\beta$) both have modulus $\sqrt\beta$, whatever $\lambda$: "
        r"momentum makes every such coordinate contract at the same rate.",
        _equal(roots_hb[0] * roots_hb[1], beta),
    )
    pa.text(
        r"Gradient descent is the case $\beta = 0$, with rate $\max_\lambda|1-\eta\lambda|$ over "
        r"$\lambda\in[\mu, L]$. The first term falls and the second rises with $\eta$, so the best "
        r"step balances them, $1-\eta\mu = \eta L - 1$. For heavy ball, the best choice puts both "
        r"extreme curvatures on the edge of the complex region (double roots), so that every "
        r"$\lambda\in[\mu,L]$ has complex roots of modulus $\sqrt{\beta}$, and $\beta$ is as small "
        r"as that allows."
    )
    eta_gd = gd_optimal_step(mu, L)
    pa.claim("gd_balance", r"$\eta^\star_{\mathrm{GD}} = 2/(L+\mu)$ balances the two coordinates.",
             _equal(1 - eta_gd * mu, eta_gd * L - 1),
             latex=r"\eta^\star_{\mathrm{GD}} = \frac{2}{L+\mu}")
    ch = pa.chain("gd_rate", r"\rho_{\mathrm{GD}}").define(
        r"1 - \eta^\star_{\mathrm{GD}}\mu", 1 - eta_gd * mu, "rate at the balanced step")
    _then(ch, r"\frac{L-\mu}{L+\mu}", (L - mu) / (L + mu), "common denominator")
    _then(ch, r"\frac{\kappa-1}{\kappa+1}", gd_rate(kappa), r"$L = \kappa\mu$",
          given={L: kappa * mu})
    eta_hb, beta_hb = heavy_ball_optimum(mu, L)
    hb_root = (sp.sqrt(L) - sp.sqrt(mu)) / (sp.sqrt(L) + sp.sqrt(mu))
    wide = (1 + sp.Symbol("delta", positive=True)) ** 2 * mu
    disc = _discriminant(p_hb)
    opt = {eta: eta_hb, beta: beta_hb}
    pa.claim(
        "hb_edges", r"At Polyak's $(\eta^\star, \beta^\star)$ the discriminant of the characteristic "
        r"polynomial vanishes at both $\lambda = \mu$ and $\lambda = L$ (double roots "
        r"$\pm\sqrt{\beta^\star}$ at the two ends).",
        _equal(disc.subs(opt).subs(lam, mu), 0) & _equal(disc.subs(opt).subs(lam, L), 0),
        latex=r"\eta^\star = \frac{4}{(\sqrt L+\sqrt\mu)^2},\qquad "
        r"\beta^\star = \Bigl(\frac{\sqrt L-\sqrt\mu}{\sqrt L+\sqrt\mu}\Bigr)^2",
    )
    ch = pa.chain("hb_rate", r"\rho_{\mathrm{HB}}").define(
        r"\sqrt{\beta^\star}", sp.sqrt(beta_hb), "modulus of the complex roots")
    ch.step(r"\frac{\sqrt L-\sqrt\mu}{\sqrt L+\sqrt\mu}", hb_root,
            r"$L > \mu$: write $L = (1+\delta)^2\mu$, $\delta > 0$",
            verdict=_equal(sp.sqrt(beta_hb).subs(L, wide), hb_root.subs(L, wide)))
    _then(ch, r"\frac{\sqrt\kappa-1}{\sqrt\kappa+1}", heavy_ball_rate(kappa), r"$L = \kappa\mu$",
          given={L: kappa * mu})

    num = {mu: muv, L: Lv, kappa: k}
    eta_gd_n = _f(eta_gd.subs(num))
    eta_hb_n, beta_hb_n = _f(eta_hb.subs(num)), _f(beta_hb.subs(num))
    rate_gd, rate_hb = _f(gd_rate(k)), _f(heavy_ball_rate(k))
    Tr = p.rate_steps
    rtol_rate = 4.0 / Tr
    meas_gd = float(sim.contraction("gd", curv, p.x0, Tr, eta_gd_n))
    meas_hb = float(sim.contraction("heavy-ball", curv, p.x0, Tr, eta_hb_n, beta_hb_n))
    pa.claim("gd_measured", rf"Measured: GD with $\eta = 2/(L+\mu)$ on the quadratic "
             rf"($\kappa = {p.kappa:g}$) contracts by the derived $(\kappa-1)/(\kappa+1)$ per step.",
             prove.close(meas_gd, rate_gd, rtol=rtol_rate,
                         what=f"geometric-mean contraction over steps {Tr // 2}..{Tr}"))
    pa.claim("hb_measured", r"Measured: heavy ball at $(\eta^\star, \beta^\star)$ contracts by the "
             r"derived $(\sqrt\kappa-1)/(\sqrt\kappa+1)$ per step (the double roots add a factor "
             r"$t$ that biases a finite-window measurement up by about $\ln 2/(T/2)$; tolerance "
             r"$4/T$).",
             prove.close(meas_hb, rate_hb, rtol=rtol_rate,
                         what=f"geometric-mean contraction over steps {Tr // 2}..{Tr}"))
    nb = 30
    B = np.linspace(0.0, 0.98, nb)[:, None]
    E = np.linspace(0.02, 0.98, nb)[None, :] * 2 * (1 + B) / float(Lv)  # inside the stable range
    grid = sim.contraction("heavy-ball", curv, p.x0, Tr // 2, E, B)
    best = float(grid.min())
    pa.claim("hb_grid", rf"Measured: no setting on a ${nb}\times{nb}$ grid of $\beta\in[0, 0.98]$ and "
             r"$\eta$ across the stable range $(0, 2(1+\beta)/L)$ contracts faster than the derived "
             r"optimum; the best grid point comes within 2\% of it.",
             prove.close(best, rate_hb, rtol=0.02, what="best measured contraction on the grid"))

    # iterations to tolerance on the quadratic, every method
    beta_n = _f(nesterov_beta(k))
    runs = {
        "GD": ("gd", dict(eta=eta_gd_n), rf"$\eta = 2/(L+\mu)$"),
        "heavy ball": ("heavy-ball", dict(eta=eta_hb_n, beta=beta_hb_n),
                       r"$(\eta^\star, \beta^\star)$"),
        "heavy ball, NAG setting": ("heavy-ball", dict(eta=1 / float(Lv), beta=beta_n),
                                    r"$\eta = 1/L$, $\beta = \beta_N$"),
        "Nesterov": ("nesterov", dict(eta=1 / float(Lv), beta=beta_n),
                     r"$\eta = 1/L$, $\beta = \beta_N$"),
        "AdaGrad": ("adagrad", dict(eta=p.eta_adagrad, eps=p.eps), rf"$\eta = {p.eta_adagrad:g}$"),
        "RMSProp": ("rmsprop", dict(eta=p.eta_rmsprop, rho=p.rho, eps=p.eps),
                    rf"$\eta = {p.eta_rmsprop:g}$, $\rho = {p.rho:g}$"),
        "Adam": ("adam", dict(eta=p.eta_adam, beta1=p.beta1, beta2=p.beta2, eps=p.eps),
                 rf"$\eta = {p.eta_adam:g}$, $\beta_1 = {p.beta1:g}$, $\beta_2 = {p.beta2:g}$"),
    }
    quad = {name: sim.run(m, gq, p.x0, p.steps, **kw) for name, (m, kw, _) in runs.items()}
    losses = {name: fq(r.xs) for name, r in quad.items()}
    iters = {name: sim.iterations_to(loss, p.tol) for name, loss in losses.items()}
    rate_nag = _f(nesterov_rate(k))
    derived_rates = {"GD": rate_gd, "heavy ball": rate_hb, "Nesterov": rate_nag}

    def it(n: str) -> str:
        return str(iters[n]) if iters[n] >= 0 else rf"$>{p.steps}$"

    def n_or_inf(n: str) -> float:
        return float(iters[n]) if iters[n] >= 0 else float("inf")

    pa.claim("iterations", rf"Measured: heavy ball reaches $f(x_t) \le {p.tol:g}\,f(x_0)$ in at most "
             r"half the iterations GD needs.",
             _more_than(n_or_inf("GD"), n_or_inf("heavy ball"), 2.0,
                        "iterations of GD vs heavy ball"))
    ramp_hb = sim.run("heavy-ball", sim.ramp(slopes), np.zeros_like(slopes), T, eta=p.eta_rmsprop,
                      beta=p.beta)
    step_hb = np.abs(np.diff(ramp_hb.xs, axis=0))
    mom = momentum_step(eta, beta, g, t)
    mom_f = _numeric((eta, beta, g, t), mom)
    derived_steps = mom_f(p.eta_rmsprop, p.beta, slopes[None, :], ts[:, None])
    gain_limit = sp.cancel((mom / (eta * g)).subs(beta**t, 0))  # beta^t -> 0 for beta < 1
    pa.claim("ramp", rf"Measured: on a constant gradient (ramp, slopes {list(p.ramp_slopes)}) "
             rf"heavy ball's step after $t$ steps is $\eta|g|(1-\beta^t)/(1-\beta)$; it tends to "
             rf"$\eta|g|/(1-\beta)$, i.e. momentum multiplies the step along a consistent direction "
             rf"by ${sp.latex(gain_limit)} = {_f(gain_limit.subs(beta, _exact(p.beta))):.4g}$ "
             rf"at $\beta = {p.beta:g}$.",
             _rel_claim(step_hb, derived_steps, 1e-9, "step lengths, every t and slope"))
    fr, gr = sim.rosenbrock(p.rosen_b)
    rosen_cfg = {
        "GD": ("gd", dict(eta=p.eta_rosen)),
        "heavy ball": ("heavy-ball", dict(eta=p.eta_rosen, beta=p.beta)),
        "Nesterov": ("nesterov", dict(eta=p.eta_rosen, beta=p.beta)),
        "AdaGrad": ("adagrad", dict(eta=p.eta_rmsprop, eps=p.eps)),
        "RMSProp": ("rmsprop", dict(eta=p.eta_rmsprop, rho=p.rho, eps=p.eps)),
        "Adam": ("adam", dict(eta=p.eta_adam, beta1=p.beta1, beta2=p.beta2, eps=p.eps)),
    }
    rosen = {n: sim.run(m, gr, p.rosen_start, p.rosen_steps, **kw) for n, (m, kw) in rosen_cfg.items()}
    rosen_loss = {n: fr(r.xs) for n, r in rosen.items()}
    rosen_dist = {n: float(np.linalg.norm(r.xs[-1] - 1.0)) for n, r in rosen.items()}

    def rosen_iters(n: str, tol: float) -> float:
        i = sim.iterations_to(rosen_loss[n], tol)
        return float(i) if i >= 0 else float("inf")

    pa.claim("rosenbrock", rf"Measured, non-convex: on Rosenbrock ($b = {p.rosen_b:g}$, from "
             rf"{tuple(p.rosen_start)}, $\eta = {p.eta_rosen:g}$) heavy ball with $\beta = {p.beta:g}$ "
             r"cuts the loss by $10^{-2}$ in at most half the iterations GD needs.",
             _more_than(rosen_iters("GD", 1e-2), rosen_iters("heavy ball", 1e-2), 2.0,
                        "iterations to 1e-2 of the initial loss, GD vs heavy ball"))

    # ---------------------------------------------------------------- (b) Nesterov
    pb = sol.part("b", "Nesterov accelerated gradient",
                  r"How does Nesterov momentum differ from ordinary (heavy-ball) momentum?")
    pb.text(
        r"Heavy ball computes the gradient where it stands and then adds the velocity. Nesterov "
        r"first makes the momentum move and evaluates the gradient at that look-ahead point "
        r"$x_t + \beta v_t$, so the gradient already sees where momentum is carrying it and can "
        r"brake before an overshoot. Per coordinate of the quadratic:"
    )
    nag = x_t + beta * v_t - eta * lam * (x_t + beta * v_t)
    ch = pb.chain("rule", r"x_{t+1}").define(
        r"x_t + v_{t+1},\quad v_{t+1} = \beta v_t - \eta\nabla f(x_t + \beta v_t)", nag,
        "Nesterov: gradient at the look-ahead point")
    _then(ch, r"(1-\eta\lambda)\bigl((1+\beta)x_t - \beta x_{t-1}\bigr)",
          (1 - eta * lam) * ((1 + beta) * x_t - beta * x_p), r"$v_t = x_t - x_{t-1}$",
          given={v_t: x_t - x_p})
    split = x_t + beta * (x_t - x_p) - eta * grad_t - eta * beta * (grad_t - grad_p)
    ch.step(r"\underbrace{x_t + \beta(x_t - x_{t-1}) - \eta g_t}_{\text{heavy ball}} "
            r"- \eta\beta\,(g_t - g_{t-1})", split, r"$g_s = \nabla f(x_s) = \lambda x_s$",
            verdict=_equal(ch.steps[-1].value, split.subs({grad_t: lam * x_t, grad_p: lam * x_p})))
    pb.text(
        r"So Nesterov is heavy ball plus a correction $-\eta\beta(g_t - g_{t-1})$ that pushes back "
        r"when the gradient is changing fast, which is exactly what happens while overshooting a "
        r"steep direction. The characteristic polynomial shows the same damping term:"
    )
    M_nag = sp.Matrix([[(1 + beta) * (1 - eta * lam), -beta * (1 - eta * lam)], [1, 0]])
    p_nag = M_nag.charpoly(z).as_expr()
    ch = pb.chain("charpoly", r"\det(zI - N_\lambda)").define(
        r"\det\begin{pmatrix} z-(1+\beta)(1-\eta\lambda) & \beta(1-\eta\lambda)\\ -1 & z"
        r"\end{pmatrix}", p_nag, r"iteration matrix $N_\lambda$")
    _then(ch, r"z^2 - (1+\beta)(1-\eta\lambda)\,z + \beta(1-\eta\lambda)",
          z**2 - (1 + beta) * (1 - eta * lam) * z + beta * (1 - eta * lam), "expand")
    _then(ch, r"\underbrace{z^2 - (1+\beta-\eta\lambda)z + \beta}_{\text{heavy ball}} "
          r"+ \beta\eta\lambda\,(z-1)", p_hb + beta * eta * lam * (z - 1), "regroup")
    bN = nesterov_beta(kappa)
    nes = {eta: 1 / L, beta: bN}
    p_slow = p_nag.subs(nes).subs(lam, L / kappa)
    z_mu = (1 + bN) * (1 - 1 / kappa) / 2
    pb.claim(
        "double_root", r"With $\eta = 1/L$ and $\beta_N = (\sqrt\kappa-1)/(\sqrt\kappa+1)$ the "
        r"slowest coordinate ($\lambda = \mu$) has a double root (zero discriminant), at",
        _equal(_discriminant(p_slow), 0) & _equal(p_slow.subs(z, z_mu), 0),
        latex=r"z_\mu = \frac{(1+\beta_N)(1-1/\kappa)}{2}",
    )
    ch = pb.chain("rate", r"\rho_{\mathrm{NAG}}").define(
        r"\frac{(1+\beta_N)(1-1/\kappa)}{2}", z_mu, "the double root")
    _then(ch, r"1 - \frac{1}{\sqrt\kappa}", nesterov_rate(kappa), "simplify")
    pb.claim("stiff", r"and the stiffest coordinate ($\lambda = L$) has characteristic polynomial "
             r"$z^2$: it is annihilated in two steps instead of oscillating.",
             _equal(p_nag.subs(nes).subs(lam, L), z**2))

    # derived vs measured per coordinate, heavy ball vs Nesterov at the same (eta, beta)
    same = {eta: 1 / Lv, beta: nesterov_beta(k)}
    rows, checks, radius, measured = [], {}, {}, {}
    per_coord = {  # each coordinate run on its own: curvatures of shape (2, 1)
        name: sim.contraction(method, [[curv[0]], [curv[1]]], [1.0], Tr, 1 / float(Lv), beta_n)
        for name, method in (("heavy ball", "heavy-ball"), ("Nesterov", "nesterov"))
    }
    for i, (coord, lv, sym) in enumerate((("slow", muv, r"\mu"), ("stiff", Lv, "L"))):
        for name, poly in (("heavy ball", p_hb), ("Nesterov", p_nag)):
            key = (name, coord)
            radius[key] = _spectral_radius(poly, {**same, lam: lv})
            measured[key] = float(per_coord[name][i])
            d, m_ = radius[key], measured[key]
            checks[f"{name}, {coord}"] = bool(abs(m_ - d) <= rtol_rate * d if d > 0 else m_ <= 1e-12)
            rows.append([name, rf"$\lambda = {sym}$", _fmt(d), _fmt(m_)])
    rate_hb_same = max(radius[("heavy ball", "slow")], radius[("heavy ball", "stiff")])
    pb.table(["method", "coordinate", "derived spectral radius", "measured contraction"], rows,
             caption=r"Heavy ball and Nesterov at the same $\eta = 1/L$, $\beta = \beta_N$: "
             r"largest root modulus of each iteration matrix vs the contraction measured on that "
             r"coordinate alone.")
    pb.claim("measured", r"Measured: each coordinate contracts at the derived spectral radius "
             r"(relative tolerance $4/T$; a zero radius must give an exact zero).",
             prove.on_instances(checks, "simulated contraction vs largest root of the "
                                "characteristic polynomial"))
    theta = float(np.arccos(_f(((1 + beta - eta * lam) / (2 * sp.sqrt(beta))).subs(
        {**same, lam: Lv}))))
    n_cross = 60
    hb_stiff = quad["heavy ball, NAG setting"].xs[: n_cross + 1, 1]
    nag_stiff = quad["Nesterov"].xs[: n_cross + 1, 1]
    crossings = sim.sign_changes(hb_stiff)
    pb.claim("overshoot", rf"Measured overshoot: in the first {n_cross} steps heavy ball's stiff "
             r"coordinate changes sign about $n\theta/\pi$ times, with "
             r"$\cos\theta = (1+\beta-\eta L)/(2\sqrt\beta)$ the angle of its complex roots; "
             r"Nesterov's is exactly zero from step 2 on.",
             prove.close(float(crossings), n_cross * theta / np.pi, rtol=0, atol=1.0,
                         what="sign changes of heavy ball's x_2") &
             prove.close(float(np.max(np.abs(nag_stiff[2:]))), 0.0, rtol=0, atol=1e-12,
                         what="largest |x_2| of Nesterov after step 2"))
    slow_hb, slow_nag = ("heavy ball", "slow"), ("Nesterov", "slow")
    pb.claim("slow", r"At this common setting Nesterov also contracts the slow coordinate faster: "
             r"derived and measured rate below heavy ball's $\sqrt{\beta_N}$.",
             _more_than(radius[slow_hb], radius[slow_nag], 1.0 + 1e-9, "derived, HB vs NAG")
             & _more_than(measured[slow_hb], measured[slow_nag], 1.0 + 1e-9,
                          "measured, HB vs NAG"))
    pb.claim("nag_measured", r"Measured: Nesterov on the whole quadratic contracts by the derived "
             r"$1 - 1/\sqrt\kappa$ per step.",
             prove.close(float(sim.contraction("nesterov", curv, p.x0, Tr, 1 / float(Lv), beta_n)),
                         rate_nag, rtol=rtol_rate,
                         what=f"geometric-mean contraction over steps {Tr // 2}..{Tr}"))
    pb.text(
        rf"The asymptotic gain is modest ({rate_nag:.4f} vs {rate_hb_same:.4f} per step); in the "
        rf"table of (a) heavy ball at this setting needs {it('heavy ball, NAG setting')} and "
        rf"Nesterov {it('Nesterov')} iterations to reach ${p.tol:g}$, because Nesterov's double root "
        r"brings a transient factor $t$. What Nesterov clearly removes is the oscillation across "
        r"the steep direction. (With its own tuning, heavy ball at $(\eta^\star,\beta^\star)$ has "
        r"the better rate on quadratics; Nesterov's guarantee, unlike heavy ball's, extends to "
        r"all smooth strongly convex functions.)"
    )

    sol.answer("eta* GD", eta_gd.subs(num))
    sol.answer("rate GD", gd_rate(k))
    sol.answer("eta* heavy ball", eta_hb.subs(num))
    sol.answer("beta* heavy ball", beta_hb.subs(num))
    sol.answer("rate heavy ball", heavy_ball_rate(k))
    sol.answer("beta Nesterov", nesterov_beta(k))
    sol.answer("rate Nesterov", nesterov_rate(k))
    sol.answer("iterations to tol", {n: iters[n] for n in runs})

    table = []
    for name, (_, _, setting) in runs.items():
        dr = derived_rates.get(name)
        if name == "heavy ball, NAG setting":
            dr = rate_hb_same
        table.append([name, setting, _fmt(dr) if dr is not None else "--", it(name)])
    pa.table(["method", "setting", "derived rate", rf"iterations to ${p.tol:g}$"], table,
             caption=rf"Iterations to reduce the loss by ${p.tol:g}$ on the quadratic with "
             rf"$\kappa = {p.kappa:g}$ (at most {p.steps}).")
    pa.figure("loss", rf"Loss on the quadratic ($\kappa = {p.kappa:g}$) for every method (solid) "
              r"and the derived $\rho^{2t}$ decay of GD, heavy ball and Nesterov (dashed).",
              lambda path: _plot_loss(path, losses, derived_rates))
    pa.figure("paths", r"Trajectories on the contour plots: the quadratic (left; first 40 steps) "
              rf"and Rosenbrock (right; {p.rosen_steps} steps).",
              lambda path: _plot_paths(path, p, quad, rosen, fq, fr))

    # ---------------------------------------------------------------- (c) AdaGrad
    pc = sol.part("c", "AdaGrad",
                  r"How does AdaGrad adapt its learning rates, and what is its main weakness?")
    pc.text(
        r"AdaGrad gives every coordinate its own step: the global $\eta$ is divided by the root of "
        r"the sum of all squared gradients seen so far in that coordinate. Coordinates with large "
        r"or frequent gradients get small steps, rare or small ones get large steps; on an "
        r"axis-aligned quadratic this undoes the ill-conditioning."
    )
    Gs = sp.Symbol("G_t", positive=True)
    pc.chain("rate", r"r_t").define(
        r"\frac{\eta}{\sqrt{G_t}+\epsilon},\quad G_t = \sum_{s\le t} g_s^2,\quad "
        r"x_{t+1} = x_t - r_t\odot g_t", eta / (sp.sqrt(Gs) + eps), "AdaGrad, per coordinate",
    ).step(r"\frac{\eta}{|g|\sqrt t + \epsilon}", adagrad_rate(eta, g, t, eps),
           r"constant gradient: $G_t = t g^2$", given={Gs: t * g**2})
    slope = sp.cancel(t * sp.diff(sp.log(adagrad_rate(eta, g, t, 0)), t))
    pc.text(rf"Once $|g|\sqrt t \gg \epsilon$ the rate decays with log-log slope "
            rf"$t\,\frac{{d}}{{dt}}\ln r_t = {sp.latex(slope)}$ and never recovers, even when the "
            r"gradient later becomes small: the sum only grows.")
    ramp = sim.ramp(slopes)
    x_ramp = np.zeros_like(slopes)
    ada = sim.run("adagrad", ramp, x_ramp, T, eta=p.eta_rmsprop, eps=p.eps)
    rms = sim.run("rmsprop", ramp, x_ramp, T, eta=p.eta_rmsprop, rho=p.rho, eps=p.eps)
    ada_f = _numeric((eta, g, t, eps), adagrad_rate(eta, g, t, eps))
    d_ada = ada_f(p.eta_rmsprop, slopes[None, :], ts[:, None], p.eps)
    pc.claim("rate_measured", rf"Measured on the ramp ($\eta = {p.eta_rmsprop:g}$, slopes "
             rf"{list(p.ramp_slopes)}): AdaGrad's effective rate equals the derived "
             r"$\eta/(|g|\sqrt t+\epsilon)$ at every step.",
             _rel_claim(ada.rates, d_ada, 1e-9, "effective rates"))
    mid = slopes.size // 2
    window = ts >= T / 10
    fit = sim.loglog_slope(ts[window], ada.rates[window, mid])
    pc.claim("slope", rf"Measured: the fitted log-log slope of AdaGrad's effective rate over "
             rf"$t\in[{T // 10}, {T}]$ (slope ${slopes[mid]:g}$) is the derived "
             rf"${sp.latex(slope)}$.",
             prove.close(fit, _f(slope), rtol=0.01, what="least-squares slope of log r_t vs log t"))
    lo, hi = adagrad_distance_bounds(eta, t)
    lo_n, hi_n = _f(lo.subs({eta: p.eta_rmsprop, t: T})), _f(hi.subs({eta: p.eta_rmsprop, t: T}))
    dist = np.abs(ada.xs[-1] - ada.xs[0])
    pc.claim("distance", rf"Measured stall: after $T = {T}$ steps on the ramp AdaGrad has moved only "
             r"$\eta\sum_{s\le T}s^{-1/2}$, between the derived integral bounds, so the distance "
             r"grows like $2\eta\sqrt T$ (not like $T$) for every slope:",
             prove.on_instances({f"slope {s:g}": bool(lo_n * (1 - 1e-4) <= d <= hi_n * (1 + 1e-9))
                                 for s, d in zip(slopes, dist)},
                                f"distance within [{lo_n:.5g}, {hi_n:.5g}]"),
             latex=sp.latex(lo) + r"\;\le\; D_T \;\le\; " + sp.latex(hi))
    ada_k1 = sim.run("adagrad", sim.quadratic([float(Lv), float(Lv)])[1], p.x0, p.steps,
                     eta=p.eta_adagrad, eps=p.eps)
    ratio_dev = float(np.max(np.abs(ada_k1.xs - quad["AdaGrad"].xs)))
    pc.claim("invariant", rf"Measured: AdaGrad's path on the quadratic with $\kappa = {p.kappa:g}$ "
             r"is the same as with $\kappa = 1$ (the per-coordinate rate cancels the curvature, "
             r"since $r_t g_t = \eta\,\lambda x_t/\sqrt{\sum_s \lambda^2x_s^2}$ does not depend on "
             r"$\lambda$ when $\epsilon \to 0$).",
             prove.close(ratio_dev, 0.0, rtol=0, atol=1e-6 * float(np.max(np.abs(p.x0))),
                         what="largest coordinate difference between the two runs"))

    # ---------------------------------------------------------------- (d) RMSProp
    pdd = sol.part("d", "RMSProp",
                   r"How does RMSProp change AdaGrad to remove that weakness?")
    pdd.text(
        r"RMSProp replaces the ever-growing sum by an exponential moving average of squared "
        r"gradients, so old gradients are forgotten at rate $\rho$. The denominator then tracks "
        r"the recent gradient scale instead of the whole history, and the effective rate stays "
        r"bounded away from zero."
    )
    St = sp.Symbol("s_t", nonnegative=True)
    pdd.chain("ema", r"s_t").define(
        r"\rho\,s_{t-1} + (1-\rho)\,g_t^2,\quad x_{t+1} = x_t - \frac{\eta}{\sqrt{s_t}+\epsilon}"
        r"\odot g_t", rho * S_prev + (1 - rho) * g**2, "RMSProp, $s_0 = 0$",
    ).step(r"(1-\rho^t)\,g^2", (1 - rho**t) * g**2,
           r"constant gradient, induction: $s_{t-1} = (1-\rho^{t-1})g^2$",
           given={S_prev: (1 - rho ** (t - 1)) * g**2})
    r_rms = rmsprop_rate(eta, g, t, rho, eps)
    limit = r_rms.subs(rho**t, 0)
    pdd.chain("rate", r"r_t").define(
        r"\frac{\eta}{\sqrt{s_t}+\epsilon}", eta / (sp.sqrt(St) + eps), "effective rate",
    ).step(r"\frac{\eta}{|g|\sqrt{1-\rho^t}+\epsilon}", r_rms, "the average above",
           given={St: (1 - rho**t) * g**2}).step(
        r"\xrightarrow{t\to\infty}\ \frac{\eta}{|g|+\epsilon}", limit, r"$\rho^t \to 0$",
        verdict=_equal(limit, r_rms.subs(rho, sp.exp(-sp.Symbol("c", positive=True)))
                            .subs(t, sp.oo)))
    rms_f = _numeric((eta, g, t, rho, eps), r_rms)
    d_rms = rms_f(p.eta_rmsprop, slopes[None, :], ts[:, None], p.rho, p.eps)
    pdd.claim("rate_measured", r"Measured on the same ramp and $\eta$: RMSProp's effective rate "
              r"equals the derived $\eta/(|g|\sqrt{1-\rho^t}+\epsilon)$ at every step.",
              _rel_claim(rms.rates, d_rms, 1e-9, "effective rates"))
    lim_n = _numeric((eta, g, eps), limit)(p.eta_rmsprop, slopes, p.eps)
    gap = float(1 / np.sqrt(1 - p.rho**T) - 1)
    pdd.claim("limit", rf"Measured: at $t = {T}$ the rate has reached the derived limit "
              r"$\eta/(|g|+\epsilon)$ (tolerance: the derived remaining gap "
              r"$1/\sqrt{1-\rho^T} - 1$, plus $10^{-9}$).",
              _rel_claim(rms.rates[-1], lim_n, gap + 1e-9, "rate at T vs limit"))
    step_ratio = float(np.abs(np.diff(rms.xs[-2:, mid]))[0] / np.abs(np.diff(ada.xs[-2:, mid]))[0])
    derived_ratio = float(d_rms[-1, mid] / d_ada[-1, mid])
    pdd.claim("moving", rf"Measured: at $t = {T}$ RMSProp's step on the ramp is "
              rf"{step_ratio:.4g} times AdaGrad's, the derived ratio "
              r"$(|g|\sqrt T+\epsilon)/(|g|\sqrt{1-\rho^T}+\epsilon) \approx \sqrt T$: RMSProp keeps "
              r"a constant pace $\approx\eta$ where AdaGrad slows down as $\eta/\sqrt t$.",
              prove.close(step_ratio, derived_ratio, rtol=1e-9, what="step-length ratio"))
    pdd.claim("rosenbrock", rf"Measured, non-convex: on Rosenbrock with the same "
              rf"$\eta = {p.eta_rmsprop:g}$, after {p.rosen_steps} steps RMSProp is at least twice "
              r"as close to the minimiser $(1,1)$ as AdaGrad, whose rate was throttled for good by "
              r"the steep gradients of the first steps.",
              _more_than(rosen_dist["AdaGrad"], rosen_dist["RMSProp"], 2.0,
                         "distance to (1,1), AdaGrad vs RMSProp"))
    g_max = np.max(np.abs(np.array([gr(x) for x in rosen["RMSProp"].xs[:-1]])), axis=0)
    floor = p.eta_rmsprop / (g_max + p.eps)
    pdd.claim("floor", r"Measured: along the whole Rosenbrock run RMSProp's effective rate never "
              r"drops below the derived floor $\eta/(\max_s|g_s|+\epsilon)$ (an average of squares "
              r"never exceeds the largest one), while AdaGrad's ends below it.",
              _more_than(float(np.min(rosen["RMSProp"].rates / floor)), 1.0, 1.0 - 1e-12,
                         "smallest RMSProp rate / floor") &
              _more_than(1.0, float(np.max(rosen["AdaGrad"].rates[-1] / floor)), 1.0,
                         "1 vs final AdaGrad rate / floor"))
    pdd.figure("rates", rf"Effective rates on the ramp (slope ${slopes[mid]:g}$, "
               rf"$\eta = {p.eta_rmsprop:g}$): AdaGrad decays like $t^{{-1/2}}$, RMSProp settles "
               r"at $\eta/|g|$. Markers: measured; lines: derived.",
               lambda path: _plot_rates(path, ts, ada.rates[:, mid], rms.rates[:, mid],
                                        d_ada[:, mid], d_rms[:, mid]))
    sol.answer("AdaGrad log-log slope", slope)
    sol.answer("RMSProp rate limit", limit)

    # ---------------------------------------------------------------- (e) Adam
    pe = sol.part("e", "Adam", r"How does Adam work?")
    pe.text(
        r"Adam keeps two exponential moving averages per coordinate: of the gradient (a momentum "
        r"term, $\beta_1$) and of its square (RMSProp's denominator, $\beta_2$). Both start at "
        r"zero, so early on they are biased towards zero; Adam divides each by the total weight "
        r"its average has accumulated, $1-\beta^t$, and steps by the ratio:"
    )
    m_prev = sp.Symbol("m_tm1", real=True)
    pe.chain("ema", r"m_t").define(
        r"\beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2)g_t^2,\quad "
        r"x_{t+1} = x_t - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon}",
        b1 * m_prev + (1 - b1) * g, r"Adam, $m_0 = v_0 = 0$",
    ).step(r"(1-\beta_1^t)\,g", (1 - b1**t) * g,
           r"constant gradient, induction: $m_{t-1} = (1-\beta_1^{t-1})g$",
           given={m_prev: (1 - b1 ** (t - 1)) * g})
    pe.text(r"so $\hat m_t = m_t/(1-\beta_1^t)$ and likewise $\hat v_t = v_t/(1-\beta_2^t)$ are "
            r"unbiased: for a constant gradient they equal $g$ and $g^2$ exactly. Without the "
            r"correction the first step is off by a fixed factor:")
    v1, m1 = (1 - b2) * g**2, (1 - b1) * g
    pe.chain("first", r"\frac{|x_1 - x_0|}{\eta}\Big|_{\text{no correction}}").define(
        r"\frac{m_1}{\sqrt{v_1}}", m1 / sp.sqrt(v1), r"$\epsilon \to 0$",
    ).step(r"\frac{(1-\beta_1)g}{\sqrt{1-\beta_2}\,g}", (1 - b1) * g / (sp.sqrt(1 - b2) * g),
           "first moments").step(
        r"\frac{1-\beta_1}{\sqrt{1-\beta_2}}", adam_step(1, g, 1, b1, b2, 0, corrected=False),
        r"for any $g > 0$")
    pe.chain("first_corrected", r"\frac{|x_1 - x_0|}{\eta}\Big|_{\text{corrected}}").define(
        r"\frac{m_1/(1-\beta_1)}{\sqrt{v_1/(1-\beta_2)}}", m1 / (1 - b1) / sp.sqrt(v1 / (1 - b2)),
        r"$\epsilon \to 0$",
    ).step(r"1", adam_step(1, g, 1, b1, b2, 0, corrected=True), r"for any $g > 0$")
    factor = _f(adam_step(1, g, 1, b1, b2, 0, corrected=False).subs(
        {b1: _exact(p.beta1), b2: _exact(p.beta2)}))
    adam_c = sim.run("adam", ramp, x_ramp, T, eta=p.eta_adam, beta1=p.beta1, beta2=p.beta2,
                     eps=p.eps)
    adam_u = sim.run("adam", ramp, x_ramp, T, eta=p.eta_adam, beta1=p.beta1, beta2=p.beta2,
                     eps=p.eps, bias_correction=False)
    step_c = np.abs(np.diff(adam_c.xs, axis=0))
    step_u = np.abs(np.diff(adam_u.xs, axis=0))
    adam_f = {c: _numeric((eta, g, t, b1, b2, eps), adam_step(eta, g, t, b1, b2, eps, c))
              for c in (True, False)}
    dc = adam_f[True](p.eta_adam, slopes[None, :], ts[:, None], p.beta1, p.beta2, p.eps) \
        + 0 * ts[:, None]
    du = adam_f[False](p.eta_adam, slopes[None, :], ts[:, None], p.beta1, p.beta2, p.eps)
    pe.claim("first_measured", rf"Measured first step on the ramp (slopes {list(p.ramp_slopes)}, "
             rf"$\beta_1 = {p.beta1:g}$, $\beta_2 = {p.beta2:g}$): uncorrected over corrected is "
             rf"the derived $(1-\beta_1)/\sqrt{{1-\beta_2}} = {factor:.4g}$.",
             _rel_claim(step_u[0] / step_c[0], np.full(slopes.size, factor), 1e-3,
                        "first-step ratio (epsilon enters at ~eps/(|g| sqrt(1-beta2)))"))
    pe.claim("steps_measured", r"Measured: every step on the ramp, with and without correction, "
             r"has the derived length ($\eta\,g/(g+\epsilon)$ corrected, "
             r"$\eta(1-\beta_1^t)g/(g\sqrt{1-\beta_2^t}+\epsilon)$ uncorrected).",
             _rel_claim(np.concatenate([step_c, step_u]), np.concatenate([dc, du]), 1e-9,
                        "step lengths"))
    peak = int(np.argmax(du[:, mid]))
    pe.text(
        rf"With the usual $\beta_1 = {p.beta1:g}$, $\beta_2 = {p.beta2:g}$ the uncorrected steps are "
        rf"not too small but too large early on: the factor starts at {factor:.3g} and peaks at "
        rf"{du[peak, mid] / p.eta_adam:.3g} at $t = {peak + 1}$ before decaying to 1, because the "
        r"second moment (slow average) is more biased than the first. Bias correction makes every "
        r"step exactly $\eta$ in size on a constant gradient, a built-in trust region."
    )
    sol.answer("Adam uncorrected first-step factor", adam_step(1, g, 1, b1, b2, 0, False).subs(
        {b1: _exact(p.beta1), b2: _exact(p.beta2)}))
    return sol


# ---- figures ----------------------------------------------------------------------------------

def _plot_loss(path, losses: dict, rates: dict) -> None:
    from theory.core import figures  # matplotlib only when a PDF is built

    with figures.figure(path) as (fig, ax):
        for name, loss in losses.items():
            line, = ax.plot(np.arange(loss.size), loss, lw=1.2, label=name)
            if name in rates:
                tt = np.arange(loss.size)
                ax.plot(tt, loss[0] * rates[name] ** (2 * tt), "--", lw=0.8, color=line.get_color())
        ax.set_yscale("log")
        floor = max(min(float(np.min(v[v > 0])) for v in losses.values()), 1e-30)
        ax.set_ylim(floor, None)
        ax.set_xlabel("iteration $t$")
        ax.set_ylabel("$f(x_t)$")
        ax.legend(ncol=2)


def _plot_paths(path, p: Params, quad: dict, rosen: dict, fq, fr) -> None:
    from theory.core import figures

    with figures.figure(path, ncols=2, figsize=(7.2, 3.4)) as (fig, (a1, a2)):
        span = 1.2 * max(abs(v) for v in p.x0)
        X, Y = np.meshgrid(np.linspace(-span, span, 200), np.linspace(-span, span, 200))
        a1.contour(X, Y, fq(np.stack([X, Y], axis=-1)), levels=15, colors="0.7", linewidths=0.5)
        for name in ("GD", "heavy ball", "Nesterov", "Adam"):
            xs = quad[name].xs[:41]
            a1.plot(xs[:, 0], xs[:, 1], ".-", ms=2, lw=0.8, label=name)
        a1.set_xlabel("$x_1$ (curvature $\\mu$)")
        a1.set_ylabel("$x_2$ (curvature $L$)")
        a1.legend()
        X, Y = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-1, 3, 200))
        a2.contour(X, Y, np.log1p(fr(np.stack([X, Y], axis=-1))), levels=20, colors="0.7",
                   linewidths=0.5)
        for name, r in rosen.items():
            a2.plot(r.xs[:, 0], r.xs[:, 1], lw=0.8, label=name)
        a2.plot([1], [1], "k*", ms=8)
        a2.set_xlim(-2, 2)
        a2.set_ylim(-1, 3)
        a2.set_xlabel("$x$")
        a2.set_ylabel("$y$")
        a2.legend(fontsize=6)


def _plot_rates(path, ts, ada, rms, d_ada, d_rms) -> None:
    from theory.core import figures

    with figures.figure(path) as (fig, ax):
        every = max(1, ts.size // 40)
        ax.loglog(ts[::every], ada[::every], "o", ms=3, label="AdaGrad (measured)")
        ax.loglog(ts, d_ada, "-", lw=1, label=r"$\eta/(|g|\sqrt{t}+\epsilon)$")
        ax.loglog(ts[::every], rms[::every], "s", ms=3, label="RMSProp (measured)")
        ax.loglog(ts, d_rms, "-", lw=1, label=r"$\eta/(|g|\sqrt{1-\rho^t}+\epsilon)$")
        ax.set_xlabel("step $t$")
        ax.set_ylabel("effective rate $r_t$")
        ax.legend()


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
