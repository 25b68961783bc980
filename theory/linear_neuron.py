"""Gradient-descent (delta / LMS) rule for a linear neuron with squared error (cs5388-a1 P7)."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import linear_neuron as sim
from theory.core import figures, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, numbers, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict

TOPIC = "linear_neuron"

eta_ = sp.Symbol(r"\eta", positive=True)
lam_ = sp.Symbol(r"\lambda", positive=True)
lam_max_ = sp.Symbol(r"\lambda_{\max}", positive=True)  # the largest eigenvalue of X^T X


class x_data(sp.Function):
    """The feature x_ij: the real symbol x_{ij} once i and j are numbers (in a sum over i, once written out)."""

    @classmethod
    def eval(cls, i, j):
        if i.is_Integer and j.is_Integer:
            return sp.Symbol(f"x_{{{i}{j}}}", real=True)


class y_data(sp.Function):
    """The target y_i: the real symbol y_i once i is a number."""

    @classmethod
    def eval(cls, i):
        if i.is_Integer:
            return sp.Symbol(f"y_{i}", real=True)


# the per-example rule as a student types it: one weight w, its input x (1 for the bias), y and f = f(x_i)
w_s, x_s, y_s, f_s = sp.symbols("w x y f", real=True)
eta_s = sp.Symbol("eta", positive=True)
# The batch answers in vector form: X the m x (n+1) data matrix with its column of ones, y the labels, w the weights
m_s, d_s = sp.symbols("m d", positive=True, integer=True)  # d = n + 1
lam_hi, lam_lo = sp.symbols("lambda_max lambda_min", positive=True)  # of X^T X, as a student names them
Xv, yv, wv = sp.MatrixSymbol("X", m_s, d_s), sp.MatrixSymbol("y", m_s, 1), sp.MatrixSymbol("w", d_s, 1)
GRAD_L, W_NEW = sp.MatrixSymbol(r"\nabla L", d_s, 1), sp.MatrixSymbol(r"\mathbf{w}^{\mathrm{new}}", d_s, 1)


# work of the gradient-descent runs: per step and learning rate about m (n + 4) numbers (gradient and
# loss) plus a fixed cost worth 10^4 of them; 2e10 is about 40 s on a shared 2-core machine
MAX_WORK = 2e10
MIN_GROWTH = 6  # decades the top mode of a diverging run must grow by, so the divergence is visible
EDGE = 0.01  # a candidate threshold x is judged by runs at (1 -+ EDGE) x: the top mode factor is 1 -+ 2 EDGE
EDGE_STEPS = math.ceil(MIN_GROWTH / math.log10(1 + 2 * EDGE))  # enough for 1 + 2 EDGE to show 6 decades


def _fractions(value) -> str | None:
    problem = numbers("fractions of 2/lambda_max", lo=0.01, hi=3.0, length=(1, 6), example="(0.25, 0.9, 1.05)")(value)
    if problem:
        return problem
    if any(abs(v - 1) < 0.01 for v in value):
        return "fractions within 0.01 of 1 neither converge nor diverge visibly; keep |fraction - 1| >= 0.01"
    return None


@dataclass(frozen=True)
class Params(Parameters):
    m: int = param(30, "training examples in the numeric experiment", lo=2, hi=5000)
    n: int = param(3, "features in the numeric experiment (needs m > n)", lo=1, hi=50)
    noise: float = param(0.3, "standard deviation of the label noise", lo=0.0, hi=1e3)
    # larger means make X^T X ill-conditioned (condition number ~ offset^2 n): GD would need millions of steps
    offset: float = param(1.0, "mean of every feature (a nonzero mean couples bias and weights)", lo=-5.0, hi=5.0)
    eta_fraction: float = param(0.5, "learning rate of the main run, as a fraction of 2/lambda_max",
                                lo=0.01, hi=0.99)
    diverge_fraction: float = param(1.1, "a learning rate above the threshold, as a fraction of "
                                    "2/lambda_max", lo=1.01, hi=3.0)
    fractions: tuple = param((0.25, 0.9, 1.05), "further learning rates drawn in the figure, as "
                             "fractions of 2/lambda_max", check=_fractions)
    iterations: int = param(1000, "gradient-descent iterations", lo=10, hi=100000)
    # below 1e-10 the GD fixed point and lstsq differ by rounding (eps times the condition number)
    tol: float = param(1e-8, "relative tolerance for reaching the lstsq solution", lo=1e-10, hi=0.1)
    sym_m: int = param(3, "examples in the symbolic derivation", lo=1, hi=5)
    sym_n: int = param(2, "features in the symbolic derivation", lo=1, hi=3)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.m <= self.n:
            raise BadInput(f"need more examples than features for a unique least-squares solution: "
                           f"m = {self.m}, n = {self.n}")
        rates = sorted({*self.fractions, self.eta_fraction, self.diverge_fraction})
        labels = [f"{f:g}" for f in rates]
        if len(set(labels)) < len(labels):
            raise BadInput(f"learning-rate fractions {', '.join(labels)} print alike; make them differ "
                           "in the first six digits")
        for f in (f for f in rates if f > 1):
            if self.iterations * math.log10(2 * f - 1) < MIN_GROWTH:
                need = math.ceil(MIN_GROWTH / math.log10(2 * f - 1))
                raise BadInput(f"fraction {f:g} above the threshold grows the top mode by only {2 * f - 1:.4g} "
                               f"per step: {self.iterations} iterations do not show divergence (need {need}, "
                               "or a larger fraction)")
        work = (self.m * (self.n + 4) + 10_000) * self.iterations * len(rates)
        if work > MAX_WORK:
            raise BadInput(f"(m (n + 4) + 10^4) * iterations * learning rates = {work:.3g} exceeds the {MAX_WORK:.0e} "
                           "limit that keeps the gradient-descent runs under a minute")


# --- the derived formulas -------------------------------------------------------------------

def design_matrix(X):
    """[1, X]: the column of ones carries the bias w_0 (x_{i0} = 1)."""
    if isinstance(X, sp.MatrixBase):
        return sp.Matrix.hstack(sp.ones(X.rows, 1), X)
    return np.column_stack([np.ones(len(X)), X])


def gradient(X1, y, w):
    """dL/dw = X1^T (X1 w - y): component j is -sum_i (y_i - f(x_i)) x_ij."""
    return X1.T @ (X1 @ w - y)


def example_gradient(x1, y, w):
    """Gradient of L_i = (y_i - f(x_i))^2 / 2 for one example x1 = (1, x_i1, ..., x_in)."""
    return -(y - (x1.T @ w)[0]) * x1


def hessian(X1):
    """Second derivatives of L: X1^T X1 (constant, so L is quadratic)."""
    return X1.T @ X1


def rate_threshold(lam_max):
    """Largest stable learning rate: every mode contracts iff eta < 2 / lambda_max."""
    return 2 / lam_max


def mode_factor(eta, lam):
    """Per-step factor of the error component along an eigenvector of the Hessian."""
    return 1 - eta * lam


def predicted_distances(eta: float, lam: np.ndarray, V: np.ndarray, e0: np.ndarray,
                        steps: int) -> np.ndarray:
    """||w_t - w_hat|| for t = 0..steps from e_t = (I - eta H)^t e_0 in H's eigenbasis."""
    c = V.T @ e0
    t = np.arange(steps + 1)[:, None]
    return np.linalg.norm(c[None, :] * mode_factor(eta, lam)[None, :] ** t, axis=1)


# --- symbolic set-up ------------------------------------------------------------------------

def neuron(W, x) -> sp.Expr:
    """f(x) = w_0 + sum_j w_j x_j: the definition (x the n features, without the 1)."""
    return W[0] + sum(W[j + 1] * x[j] for j in range(len(x)))


def _symbols(M: int, N: int):
    X = sp.Matrix(M, N, lambda i, j: x_data(i + 1, j + 1))
    Y = sp.Matrix(M, 1, lambda i, _: y_data(i + 1))
    W = sp.Matrix(N + 1, 1, lambda j, _: sp.Symbol(f"w_{j}", real=True))
    f = [neuron(W, X[i, :]) for i in range(M)]
    L = sp.Rational(1, 2) * sum((Y[i] - f[i]) ** 2 for i in range(M))
    return X, Y, W, f, L


def _x(X, i: int, j: int):
    """x_ij with x_i0 = 1."""
    return sp.Integer(1) if j == 0 else X[i, j - 1]


def _notation(M: int, N: int, X1, Y, W, What, L, grad_L) -> Notation:
    """The displays' names for the symbolic data of size m = M, n = N (X1 the design matrix, grad_L SymPy's
    gradient of L); j is the case's weight."""

    def grad(v):  # SymPy's gradient of L at v
        return sp.ImmutableMatrix(grad_L).xreplace(dict(zip(W, v)))

    return Notation(
        names={"m": sp.Integer(M), "j": lambda j: sp.Integer(j), "L": L, "X": sp.ImmutableMatrix(X1),
               r"\mathbf{y}": sp.ImmutableMatrix(Y), r"\mathbf{w}": sp.ImmutableMatrix(W),
               r"\hat{\mathbf{w}}": sp.ImmutableMatrix(What), "H": sp.ImmutableMatrix(hessian(X1)),
               "I": sp.eye(N + 1).as_immutable(), r"\nabla L(\mathbf{w})": grad(W),
               r"\nabla L(\hat{\mathbf{w}})": grad(What), r"\lambda_{\max}(X^\top X)": lam_max_},
        functions={"f": lambda x: neuron(W, x)},
        indexed={"w": lambda j: W[j], "y": y_data, "x": lambda i, j: sp.Integer(1) if j == 0 else x_data(i, j),
                 r"\mathbf{x}": lambda i: sp.ImmutableMatrix([[x_data(i, j) for j in range(1, N + 1)]])},
    )


def solve(p: Params, ctx: Context) -> Solution:
    M, N = p.sym_m, p.sym_n
    X, Y, W, f, L = _symbols(M, N)
    What = sp.Matrix(N + 1, 1, lambda j, _: sp.Symbol(rf"\hat w_{j}", real=True))
    X1 = design_matrix(X)
    grad_L = sp.Matrix([sp.diff(L, w) for w in W])  # SymPy differentiates L
    sol = Solution(
        TOPIC, "Gradient descent for a linear neuron", "cs5388-a1, Problem 7", p,
        notation=_notation(M, N, X1, Y, W, What, L, grad_L),
        question=(
            r"A single linear neuron $f(\mathbf{x}) = w_0 + \sum_{j=1}^n w_jx_j$ is fitted to "
            r"examples $(\mathbf{x}_i, y_i)$, $i = 1, \dots, m$, by minimising "
            r"$L = \tfrac12\sum_{i=1}^m (y_i - f(\mathbf{x}_i))^2$. Derive the gradient-descent "
            r"update of the weights."
        ),
    )
    cases = {f"j={j}": {"j": j} for j in range(N + 1)}

    # (a) the gradient and the update rules
    pa = sol.part("a", "The gradient and the delta rule",
                  r"Differentiate $L$ with respect to each weight and write the update rule, for "
                  r"the whole batch and for one example at a time.")
    pa.text(r"Write $x_{i0} = 1$ so that $f(\mathbf{x}_i) = \sum_{j=0}^n w_jx_{ij}$.")
    pa.chain("grad", r"\frac{\partial L}{\partial w_j}", cases).define(
        r"\frac{\partial}{\partial w_j}\,\frac12\sum_{i=1}^m\bigl(y_i - f(\mathbf{x}_i)\bigr)^2",
        lambda j: grad_L[j], "SymPy differentiates $L$",
    ).step(
        r"\sum_{i=1}^m\bigl(y_i - f(\mathbf{x}_i)\bigr)\cdot\Bigl(-\frac{\partial f(\mathbf{x}_i)}"
        r"{\partial w_j}\Bigr)",
        lambda j: sum((Y[i] - f[i]) * (-sp.diff(f[i], W[j])) for i in range(M)), "chain rule",
    ).step(
        r"-\sum_{i=1}^m\bigl(y_i - f(\mathbf{x}_i)\bigr)\,x_{ij}",
        lambda j: -sum((Y[i] - f[i]) * _x(X, i, j) for i in range(M)),
        r"$\partial f(\mathbf{x}_i)/\partial w_j = x_{ij}$",
    )
    sizes = {f"m={a},n={b}": (a, b) for a in range(1, M + 1) for b in range(1, N + 1)}

    def _size_check(a: int, b: int) -> Verdict:
        Xs, Ys, Ws, _, Ls = _symbols(a, b)
        return prove.equal(sp.Matrix([sp.diff(Ls, w) for w in Ws]), gradient(design_matrix(Xs), Ys, Ws))

    pa.claim("sizes", r"In vector form, with $X$ the $m\times(n+1)$ data matrix whose row $i$ is "
             r"$(1, x_{i1}, \dots, x_{in})$, SymPy's gradient $\nabla L$ is, at this size and at every smaller one,",
             prove.proved_for_each({k: (lambda a=a, b=b: _size_check(a, b))
                                    for k, (a, b) in sizes.items()}, "symbolic data"),
             latex=r"-X^\top(\mathbf{y} - X\mathbf{w})", value=grad_L)  # in the body: the key's answers use X
    pa.chain("batch", r"w_j^{\mathrm{new}}", cases).define(
        r"w_j - \eta\frac{\partial L}{\partial w_j}", lambda j: W[j] - eta_ * grad_L[j],
        "a gradient-descent step",
    ).step(
        r"w_j + \eta\sum_{i=1}^m\bigl(y_i - f(\mathbf{x}_i)\bigr)\,x_{ij}",
        lambda j: W[j] + eta_ * sum((Y[i] - f[i]) * _x(X, i, j) for i in range(M)),
        "the gradient above",
    )
    pa.algorithm(r"Batch gradient descent (delta rule), learning rate $\eta > 0$", [
        r"initialise $w_0, \dots, w_n$ (e.g. to $0$)",
        r"repeat until $L$ stops decreasing:",
        r"  compute the errors $\delta_i = y_i - f(\mathbf{x}_i)$ for $i = 1, \dots, m$",
        r"  for $j = 0, \dots, n$: $w_j \leftarrow w_j + \eta\sum_{i=1}^m \delta_i x_{ij}$ "
        r"(all $j$ updated together)",
    ])
    per_example = {f"i={i + 1},j={j}": (i, j) for i in range(M) for j in range(N + 1)}

    def _example_check(i: int, j: int) -> Verdict:
        Li = sp.Rational(1, 2) * (Y[i] - f[i]) ** 2
        return prove.equal(sp.diff(Li, W[j]), example_gradient(X1[i, :].T, Y[i], W)[j])

    pa.claim("example", r"Per example, $L_i = \tfrac12(y_i - f(\mathbf{x}_i))^2$ has "
             r"$\partial L_i/\partial w_j = -(y_i - f(\mathbf{x}_i))\,x_{ij}$.",
             prove.proved_for_each({k: (lambda i=i, j=j: _example_check(i, j))
                                    for k, (i, j) in per_example.items()},
                                   "each example and weight"))
    pa.claim("sum", r"$L = \sum_i L_i$, so the batch gradient is the sum of the per-example ones.",
             prove.equal(sum((example_gradient(X1[i, :].T, Y[i], W) for i in range(M)), sp.zeros(N + 1, 1)),
                         grad_L))
    pa.algorithm(r"Stochastic (per-example) gradient descent: the LMS / Widrow--Hoff rule", [
        r"repeat for several epochs:",
        r"  for each example $i$ (in random order):",
        r"    $\delta_i = y_i - f(\mathbf{x}_i)$",
        r"    for $j = 0, \dots, n$: $w_j \leftarrow w_j + \eta\,\delta_i x_{ij}$",
    ])

    # (b) why the step size matters
    pb = sol.part("b", "Which learning rates converge",
                  r"Show that $L$ is quadratic and find the learning rates for which the rule "
                  r"converges to the least-squares solution.")
    H = hessian(X1)
    pb.claim("hessian", r"The Hessian of $L$ is the constant matrix $H = X^\top X$.",
             prove.equal(sp.hessian(L, list(W)), H), aside=True)
    v = sp.Matrix(N + 1, 1, lambda j, _: sp.Symbol(f"v_{j}", real=True))
    pb.claim("psd", r"$\mathbf{v}^\top H\mathbf{v} = \|X\mathbf{v}\|^2 \ge 0$, so $L$ is convex "
             r"and every eigenvalue $\lambda_k$ of $H$ is $\ge 0$ ($> 0$ when $X$ has full column "
             r"rank).",
             prove.equal((v.T @ H @ v)[0], sum(e**2 for e in X1 @ v)), aside=True)
    pb.text(r"$L$ is quadratic with Hessian $H = X^\top X$: GD converges exactly when "
            r"$0 < \eta < 2/\lambda_{\max}(X^\top X)$, above it the top mode grows by "
            r"$|1-\eta\lambda_{\max}| > 1$ per step (derivation in the appendix). With a constant "
            r"$\eta$ the per-example rule keeps fluctuating around $\hat{\mathbf{w}}$ on noisy data, so "
            r"$\eta$ is decreased in practice.")
    pb.chain("error", r"\mathbf{w}^{\mathrm{new}} - \hat{\mathbf{w}}", aside=True).define(
        r"\mathbf{w} - \eta\nabla L(\mathbf{w}) - \hat{\mathbf{w}}", W - eta_ * gradient(X1, Y, W) - What,
        r"one step, minus any $\hat{\mathbf{w}}$",
    ).step(
        r"(I - \eta H)(\mathbf{w} - \hat{\mathbf{w}}) - \eta\nabla L(\hat{\mathbf{w}})",
        (sp.eye(N + 1) - eta_ * H) @ (W - What) - eta_ * gradient(X1, Y, What),
        r"$\nabla L$ is linear in $\mathbf{w}$ with slope $H$",
    )
    t_ = sp.Symbol("t", positive=True)  # t = eta * lambda
    region = sp.solve_univariate_inequality(sp.Abs(mode_factor(t_ / lam_, lam_)) < 1, t_,
                                            relational=False) & sp.Interval.open(0, sp.oo)
    pb.claim("threshold", r"With $\nabla L(\hat{\mathbf{w}}) = 0$ at the least-squares solution, "
             r"$\mathbf{e}_t = (I-\eta H)^t\mathbf{e}_0$: along the $k$-th eigenvector of $H$ the "
             r"error is multiplied by $1 - \eta\lambda_k$ at every step. "
             r"For $\lambda > 0$: $|1 - \eta\lambda| < 1 \iff 0 < \eta\lambda < 2$. "
             r"Hence every mode shrinks, and GD converges to $\hat{\mathbf{w}}$ from any start, "
             r"exactly when", prove.holds(sp.Eq(region, sp.Interval.open(
                 0, sp.simplify(rate_threshold(lam_) * lam_)))),
             latex=r"0 < \eta < \frac{2}{\lambda_{\max}(X^\top X)}",
             value=sp.And(sp.Lt(0, eta_, evaluate=False), sp.Lt(eta_, rate_threshold(lam_max_))),
             aside=True)

    with np.errstate(over="ignore", invalid="ignore"):  # a wrong formula may overflow: it fails
        _numeric(sol, p, ctx)
    return sol


def _numeric(sol: Solution, p: Params, ctx: Context) -> None:
    """Part (c): the derived gradient and step-size threshold on random data."""
    pc = sol.part("c", "Numeric check on random data",
                  rf"Random data, $m = {p.m}$ examples, $n = {p.n}$ features (mean {p.offset:g}), "
                  rf"label noise {p.noise:g}: compare the derived gradient with finite differences "
                  r"and run gradient descent.")
    Xn, yn = sim.make_data(ctx.rng("data"), p.m, p.n, p.noise, p.offset)
    _enough_iterations(Xn, p)
    X1n = design_matrix(Xn)
    w_probe = ctx.rng("probe").standard_normal(p.n + 1)
    g = np.asarray(gradient(X1n, yn, w_probe), float)
    g_fd = sim.fd_gradient(Xn, yn, w_probe)
    scale = max(1.0, float(np.max(np.abs(g_fd))))
    pc.claim("fd", r"At a random $\mathbf{w}$ the derived gradient "
             r"$-X^\top(\mathbf{y} - X\mathbf{w})$ equals central finite differences of $L$ "
             r"(computed from its definition).",
             prove.close_all(g_fd, g, rtol=1e-6, atol=1e-6 * scale, what="dL/dw_j"), aside=True)
    x_first = np.concatenate([[1.0], Xn[0]])  # the first example with its x_0 = 1
    g_first = np.asarray(example_gradient(sp.Matrix(x_first), yn[0], sp.Matrix(w_probe)), float).ravel()
    g_first_fd = sim.fd_gradient(Xn[:1], yn[:1], w_probe)
    scale_first = max(1.0, float(np.max(np.abs(g_first_fd))))
    pc.claim("fd-example", r"For the first example alone, $-(y_1 - f(\mathbf{x}_1))\,x_{1j}$ equals central "
             r"finite differences of $L_1 = \tfrac12(y_1 - f(\mathbf{x}_1))^2$ at the same $\mathbf{w}$.",
             prove.close_all(g_first_fd, g_first, rtol=1e-6, atol=1e-6 * scale_first,
                             what=r"$\partial L_1/\partial w_j$"),
             aside=True)
    lam, V = np.linalg.eigh(np.asarray(hessian(X1n), float))
    lam_max = float(lam[-1])
    eta_max = float(rate_threshold(lam_max))
    lam_fd = np.linalg.eigvalsh(sim.fd_hessian(Xn, yn))
    ends = (float(lam[0]), lam_max)
    pc.claim("spectrum", r"The eigenvalues of the derived Hessian $X^\top X$ on this data, from "
             rf"$\lambda_{{\min}} = {pc.quote(ends[0], 'spectrum', '.5g', index=0)}$ to "
             rf"$\lambda_{{\max}} = {pc.quote(ends[1], 'spectrum', '.5g', index=1)}$, are those of the Hessian of $L$ "
             r"measured by central differences of its finite-difference gradient.",
             prove.close_all(lam_fd, lam, rtol=1e-6, atol=1e-9 * lam_max, what="eigenvalues of the Hessian"),
             value=ends, aside=True)
    threshold = _threshold(Xn, yn)
    pc.claim("threshold", rf"Judged by behaviour alone, $2/\lambda_{{\max}} = {pc.quote(eta_max, 'threshold', '.5g')}$ "
             rf"is the largest stable rate: gradient descent with central-difference gradients converges at "
             rf"${pc.setting(1 - EDGE)}$ times it and diverges at ${pc.setting(1 + EDGE)}$ times it.",
             threshold(eta_max), value=eta_max, aside=True)
    w_ls = sim.least_squares(Xn, yn)
    w0 = np.zeros(p.n + 1)
    grad_fn = lambda w: np.asarray(gradient(X1n, yn, w), float)  # noqa: E731
    runs = {}
    rows = []
    for frac in sorted({*p.fractions, p.eta_fraction, p.diverge_fraction}):
        eta = frac * eta_max
        rho = float(np.max(np.abs(mode_factor(eta, lam))))
        # measured on the step itself, not on 1 - eta lam: the mode-factor formula is what this tests
        rho_fd = float(np.max(np.abs(np.linalg.eigvals(sim.step_matrix(Xn, yn, eta)))))
        steps = p.iterations if rho <= 1 else max(2, min(p.iterations, int(120 / math.log10(rho))))
        traj = sim.descend(grad_fn, w0, eta, steps)
        dist = np.linalg.norm(traj - w_ls, axis=1)
        pred = predicted_distances(eta, lam, V, w0 - w_ls, steps)
        runs[frac] = {"traj": traj, "dist": dist, "pred": pred, "eta": eta, "rho": rho, "rho_fd": rho_fd,
                      "loss": sim.losses(Xn, yn, traj)}
        keep = pred > 1e-6 * pred[0]
        converges = frac < 1
        regime = "converges" if converges else "diverges"
        pc.claim(f"run{frac:g}",
                 rf"$\eta = {pc.setting(frac)}\times 2/\lambda_{{\max}}$ ({regime}, largest mode factor "
                 rf"$\rho = {pc.quote(rho, f'run{frac:g}', '.4g')}$, the spectral radius of the measured step): "
                 r"the measured $\|\mathbf{{w}}_t - \hat{{\mathbf{{w}}}}\|$ "
                 rf"follows the derived $\|(I-\eta H)^t\mathbf{{e}}_0\|$ over {int(keep.sum())} "
                 r"steps, and ends " + ("below" if converges else "above") + " where it started.",
                 prove.close_all(dist[keep], pred[keep], rtol=1e-6, what="distance to lstsq")
                 & prove.on_instances({regime: bool((dist[-1] < dist[0]) == converges)},
                                      f"{steps} simulated steps")
                 & prove.close(rho_fd, rho, rtol=1e-6, what="largest mode factor: spectral radius of one "
                               "finite-difference gradient step"), value=rho, aside=True)
        rows.append([f"${frac:g}$", f"${eta:.4g}$", f"${rho:.4g}$", regime, str(steps),
                     f"${_sci(dist[-1] / dist[0])}$"])
    pc.table([r"$\eta\lambda_{\max}/2$", r"$\eta$", r"$\rho$", "regime", "steps",
              r"$\|\mathbf{w}_T - \hat{\mathbf{w}}\|/\|\mathbf{w}_0 - \hat{\mathbf{w}}\|$"], rows,
             caption=r"Gradient descent from $\mathbf{w}_0 = 0$; diverging runs are cut before "
             rf"overflow. Here $\lambda_{{\max}}(X^\top X) = {pc.quote(ends[1], 'spectrum', '.5g', index=1)}$ and "
             rf"$\lambda_{{\min}} = {pc.quote(ends[0], 'spectrum', '.5g', index=0)}$, so the threshold is "
             rf"$2/\lambda_{{\max}} = {pc.quote(eta_max, 'threshold', '.5g')}$; "
             r"$\rho = \max_k|1-\eta\lambda_k|$ is the factor of the slowest-shrinking (or "
             r"fastest-growing) mode.", aside=True)
    main = runs[p.eta_fraction]
    shrink = main["rho"] ** p.iterations
    pc.claim("lstsq", rf"With $\eta = {p.eta_fraction:g}\times 2/\lambda_{{\max}}$, after "
             rf"{p.iterations} steps the weights agree with NumPy's least-squares solution to "
             rf"relative tolerance ${pc.setting(p.tol)}$ (the derived error factor is "
             rf"$\rho^T = {pc.quote(shrink, 'lstsq', '.3g')}$).",
             prove.close_all(main["traj"][-1], w_ls, rtol=p.tol,
                             atol=p.tol * max(1.0, float(np.linalg.norm(w_ls))),
                             what="GD weights vs lstsq")
             & prove.close(main["rho_fd"] ** p.iterations, shrink, rtol=1e-9 * p.iterations,  # 1e-9 per factor
                           what="rho^T: the measured step's spectral radius to the power T"),
             value=shrink, aside=True)
    div = runs[p.diverge_fraction]
    top = abs(float(mode_factor(div["eta"], lam_max)))
    pc.claim("diverge", rf"With $\eta = {p.diverge_fraction:g}\times 2/\lambda_{{\max}}$ the loss "
             r"blows up, and the distance to $\hat{\mathbf{w}}$ grows per step by the factor "
             rf"$|1 - \eta\lambda_{{\max}}| = {pc.quote(top, 'diverge', '.5g')}$ of the top mode.",
             prove.close(float(div["dist"][-1] / div["dist"][-2]), top, rtol=1e-4,
                         what="growth per step at the end of the run")
             & prove.on_instances({"loss at the end > 1e6 x loss at the start":
                                   bool(div["loss"][-1] > 1e6 * div["loss"][0])}, "simulated"),
             value=top, aside=True)
    pc.text(rf"Here $H = X^\top X$ has $\lambda_{{\max}} = {pc.quote(ends[1], 'spectrum', '.5g', index=1)}$, so "
            rf"gradient descent converges for $0 < \eta < 2/\lambda_{{\max}} = "
            rf"{pc.quote(eta_max, 'threshold', '.5g')}$. At $\eta = {p.eta_fraction:g}\times "
            r"2/\lambda_{\max}$ every mode of the error shrinks at least by the factor "
            rf"$\rho = \max_k|1-\eta\lambda_k| = {pc.quote(main['rho'], f'run{p.eta_fraction:g}', '.4g')}$ per "
            rf"step, and after {p.iterations} steps the weights are the least-squares ones. At "
            rf"$\eta = {p.diverge_fraction:g}\times 2/\lambda_{{\max}}$ the top mode grows by "
            rf"$|1-\eta\lambda_{{\max}}| = {pc.quote(top, 'diverge', '.5g')}$ per step and the loss blows up.")
    pc.figure("descent", r"Gradient descent on the random data for several learning rates "
              r"(as fractions of $2/\lambda_{\max}$). Left: the loss above its least-squares "
              r"minimum, $L(\mathbf{w}_t) - L(\hat{\mathbf{w}})$ (log scale). Right: the distance "
              r"to the \texttt{lstsq} solution, measured (markers, every few steps) and derived from "
              r"$(I-\eta H)^t\mathbf{e}_0$ (lines).",
              lambda path: _plot(path, runs, float(sim.losses(Xn, yn, w_ls)[0])), aside=True)
    # the batch gradient and rule in vector form (a), judged on the random data at the probe w against central
    # differences of L (the grader reads no matrix algebra: they are stated as equations)
    data = (X1n, yn.reshape(-1, 1), w_probe.reshape(-1, 1), main["eta"])
    fd_col = g_fd.reshape(-1, 1)
    sol.answer("gradient", sp.Eq(GRAD_L, gradient(Xv, yv, wv), evaluate=False), claims=("a.sizes", "c.fd"),
               check=witness.rhs(witness.formula_on((Xv, yv, wv, eta_s), data, fd_col, rtol=1e-6,
                                                    atol=1e-6 * scale, what="dL/dw by central differences")))
    sol.answer("batch rule", sp.Eq(W_NEW, wv - eta_s * gradient(Xv, yv, wv), evaluate=False),
               claims=("a.batch", "c.fd"),
               check=witness.rhs(witness.formula_on((Xv, yv, wv, eta_s), data, data[2] - main["eta"] * fd_col,
                                                    rtol=1e-6, atol=1e-6 * scale * main["eta"],
                                                    what=r"$w - \eta\,\partial L/\partial w$ by central differences")))
    # the rule for one weight, judged at the first example and the probe w for every j (x_0 = 1 for the bias)
    f_first = float(sim.predictions(Xn, w_probe)[0])
    points = [{y_s: yn[0], f_s: f_first, x_s: x_first[j], w_s: w_probe[j], eta_s: main["eta"]}
              for j in range(p.n + 1)]
    grad_i = per_example_gradient()
    sol.answer("per-example gradient", grad_i, claims=("a.example", "c.fd-example"),
               check=_at_points(points, g_first_fd, scale_first, r"$\partial L_1/\partial w_j$ by central differences"))
    sol.answer("per-example update", w_s - eta_s * grad_i, claims=("a.example", "c.fd-example"),
               check=_at_points(points, w_probe - main["eta"] * g_first_fd, scale_first * main["eta"],
                                r"$w_j - \eta\,\partial L_1/\partial w_j$ by central differences"))
    _rule_mistakes(sol, grad_i)
    # the largest stable rate for the sheet's L in general, as a formula judged on this data
    sol.answer("eta threshold", rate_threshold(lam_hi), claims=("c.threshold", "c.diverge"),
               check=witness.at({lam_hi: lam_max, lam_lo: ends[0], m_s: p.m}, threshold))
    _rate_mistakes(sol, ends)


def per_example_gradient() -> sp.Expr:
    """dL_i/dw_j in y, f = f(x_i) and x = x_ij: `example_gradient` for one feature, its prediction renamed."""
    b, v = sp.symbols("b v", real=True)
    g = example_gradient(sp.Matrix([1, x_s]), y_s, sp.Matrix([b, v]))[1]
    g = g.subs(b, f_s - v * x_s)
    return x_s * sp.expand(g / x_s)  # x (f - y): the form the answers table prints


def _at_points(points: list[dict], measured: np.ndarray, scale: float, what: str) -> Check:
    """A formula in w, x, y, f (and eta) evaluated at one point per weight, against central differences."""

    def check(value) -> Verdict:
        try:
            got = [witness.number(sp.sympify(value, strict=True).subs(pt)) for pt in points]
        except (TypeError, ValueError, sp.SympifyError):
            got = [None]
        if any(g is None for g in got):
            return Verdict("numeric", False, f"{what}: {sp.sstr(value)[:60]} is not a formula in w, x, y, f, eta")
        return prove.close_all(measured, got, rtol=1e-6, atol=1e-6 * scale, what=what)

    return check


def _threshold(X: np.ndarray, y: np.ndarray) -> Check:
    """A candidate largest stable rate judged by behaviour: gradient descent (central-difference gradients,
    no formula) converges at (1 - EDGE) of it and diverges at (1 + EDGE) of it."""

    def check(value) -> Verdict:
        x = witness.number(value)
        if x is None or x <= 0:
            return Verdict("numeric", False, f"threshold {sp.sstr(value)[:60]} is not a positive number")
        below = sim.descent_ratio(X, y, (1 - EDGE) * x, EDGE_STEPS)
        above = sim.descent_ratio(X, y, (1 + EDGE) * x, EDGE_STEPS)
        return prove.on_instances({f"converges at {1 - EDGE:g} x {x:.6g}": below < 1,
                                   f"diverges at {1 + EDGE:g} x {x:.6g}": above > 1},
                                  f"gradient descent from w = 0 for {EDGE_STEPS} steps, distance to lstsq")

    return check


def _differs(wrong: float, right: float) -> bool:
    """Far enough from the right value for the witness and the grader to tell apart."""
    return abs(wrong - right) > 0.02 * abs(right)


def _rule_mistakes(sol: Solution, g: sp.Expr) -> None:
    """The common slips in the per-example rule, from its gradient g = dL_i/dw_j."""
    sol.misconception("per-example gradient", "dropped-minus", -g,
                      r"The error $y_i - f(\mathbf{x}_i)$ falls as $w_j$ grows, with derivative $-x_{ij}$, so "
                      r"$\partial L_i/\partial w_j = -(y_i - f(\mathbf{x}_i))\,x_{ij}$. Without the minus sign "
                      r"the gradient points uphill.")
    sol.misconception("per-example gradient", "missing-input", g / x_s,
                      r"The chain rule multiplies by $\partial f/\partial w_j = x_{ij}$, the input that $w_j$ "
                      r"multiplies. Only the bias has $x_{i0} = 1$; every other weight's gradient is scaled by its "
                      r"own input.")
    sol.misconception("per-example gradient", "uncancelled-two", 2 * g,
                      r"The $\tfrac12$ in $L$ is there to cancel the $2$ from differentiating the square: "
                      r"$\partial L_i/\partial w_j = -(y_i - f(\mathbf{x}_i))\,x_{ij}$, with no factor $2$.")
    sol.misconception("per-example update", "gradient-ascent", w_s + eta_s * g,
                      r"Gradient descent steps against the gradient: $w_j - \eta\,\partial L_i/\partial w_j = "
                      r"w_j + \eta(y_i - f(\mathbf{x}_i))\,x_{ij}$. Adding the gradient moves the weights uphill "
                      r"and the error grows.")
    sol.misconception("per-example update", "update-without-input", w_s - eta_s * g / x_s,
                      r"Each weight moves in proportion to its own input, $w_j + \eta(y_i - f(\mathbf{x}_i))\,"
                      r"x_{ij}$. Dropping $x_{ij}$ updates every weight like the bias, which is not the gradient "
                      r"of $L$.")


def _rate_mistakes(sol: Solution, ends: tuple[float, float]) -> None:
    """The usual slips in the threshold, as formulas; 2/lambda_min where the data tell it apart."""
    sol.misconception("eta threshold", "optimum-as-threshold", 1 / lam_hi,
                      r"$1/\lambda_{\max}$ removes the top mode in one step; it is not the limit of stability. "
                      r"That mode is multiplied by $1 - \eta\lambda_{\max}$, whose size stays below $1$ until "
                      r"$\eta = 2/\lambda_{\max}$. (A Hessian taken as $2X^\top X$ gives the same value: the "
                      r"$\tfrac12$ in $L$ cancels the $2$ from differentiating the square.)")
    if ends[0] > 0 and _differs(2 / ends[0], 2 / ends[1]):
        sol.misconception("eta threshold", "smallest-eigenvalue", 2 / lam_lo,
                          r"Every mode must contract, and the stiffest (the largest eigenvalue of $X^\top X$) "
                          r"breaks first: the threshold is $2/\lambda_{\max}$. $2/\lambda_{\min}$ keeps only the "
                          r"flattest mode stable.")
    sol.misconception("eta threshold", "mean-loss", 2 * m_s / lam_hi,
                      r"The sheet's $L$ is a sum over the $m$ examples, not a mean, so its Hessian is $X^\top X$ "
                      r"and the threshold $2/\lambda_{\max}(X^\top X)$. Dividing the Hessian by $m$ allows a rate "
                      r"$m$ times too large.")


def _enough_iterations(X: np.ndarray, p: Params) -> None:
    """Refuse a main run that cannot reach `tol`: its slowest mode shrinks by rho per step.

    rho = max_k |1 - eta_fraction * 2 lambda_k / lambda_max| is computed from the data directly, not
    through the formulas under test, so a wrong formula still fails its claims instead of being refused.
    """
    A = np.column_stack([np.ones(len(X)), X])
    lam = np.linalg.eigvalsh(A.T @ A)
    rho = float(np.max(np.abs(1 - 2 * p.eta_fraction * lam / lam[-1])))
    need = math.ceil(math.log(p.tol / 2) / math.log(rho)) if rho < 1 else math.inf
    if p.iterations < need:
        raise BadInput(f"iterations = {p.iterations} are too few to reach tol = {p.tol:g} on this data: the error "
                       f"shrinks by 1 - {1 - rho:.3g} per step at eta_fraction = {p.eta_fraction:g}, so {need} are "
                       "needed (or take a larger tol, a smaller |offset|)")


def _sci(x: float) -> str:
    """A number for LaTeX: 0.0123 or 1.23\\times10^{-11}."""
    if not math.isfinite(x):
        return r"\infty" if x > 0 else ("-\\infty" if x < 0 else r"\mathrm{NaN}")
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e4):
        mant, exp = f"{x:.2e}".split("e")
        return rf"{mant}\times10^{{{int(exp)}}}"
    return f"{x:.3g}"


def _plot(path, runs: dict, loss_min: float) -> None:
    converging = [r for r in runs.values() if r["rho"] < 1]
    end = max((int(np.argmax(np.append(r["pred"] < 1e-12 * r["pred"][0], True)))
               for r in converging), default=50)
    end = max(end, 10)
    with figures.figure(path, ncols=2) as (fig, (left, right)):
        top_loss = 1e6 * max(r["loss"][0] - loss_min for r in runs.values())
        top_dist = 1e3 * max(r["dist"][0] for r in runs.values())
        floor = 1e-14 * max(r["loss"][0] for r in runs.values())
        for (frac, r), colour in zip(runs.items(), figures.series(len(runs))):
            n = min(len(r["loss"]), end + 1)
            t = np.arange(n)
            label = rf"$\eta = {frac:g}\cdot 2/\lambda_{{\max}}$"
            left.plot(t, np.maximum(r["loss"][:n] - loss_min, floor), lw=1, color=colour, label=label)
            right.plot(t, r["pred"][:n], **figures.style("derived", color=colour, lw=1))
            every = max(1, n // 25)
            right.plot(t[::every], r["dist"][:n:every], **figures.style("measured", color=colour, ms=3))
        left.set_yscale("log")
        left.set_ylim(floor, top_loss)
        left.set_xlabel("iteration $t$")
        left.set_ylabel(r"$L(\mathbf{w}_t) - L(\hat{\mathbf{w}})$")
        left.legend(loc="best")
        right.set_yscale("log")
        right.set_ylim(1e-12 * max(r["dist"][0] for r in runs.values()), top_dist)
        right.set_xlabel("iteration $t$")
        right.set_ylabel(r"$\|\mathbf{w}_t - \hat{\mathbf{w}}\|$")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
