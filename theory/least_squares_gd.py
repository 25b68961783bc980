"""Least squares by gradient descent: gradient, minimiser, iterates in closed form (comp433-a2 Q4).

The loss L(w) = ||Xw - y||^2 / (2N) is differentiated with SymPy's matrix calculus
(matrix symbols of symbolic size) and entry by entry on small symbolic matrices; the
k-th gradient-descent iterate is derived in closed form, proved by induction as an
identity between polynomials in the iteration matrix, and compared with iterations,
solvers and the pseudocode run in `checks.least_squares_gd`.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import least_squares_gd as sim
from theory.core import figures, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict

TOPIC = "least_squares_gd"

N_, D_ = sp.symbols("N D", positive=True, integer=True)
alpha_, lam_ = sp.symbols("alpha lambda", positive=True)
lam_max_ = sp.Symbol(r"\lambda_{\max}", positive=True)  # the largest eigenvalue of X^T X
# the answers' symbols, as a student types them: the extreme eigenvalues and the trace of X^T X
lam_hi, lam_lo, trace_ = sp.symbols("lambda_max lambda_min trace", positive=True)
t_ = sp.Symbol("t")  # stands for the iteration matrix A in polynomial identities
j_ = sp.Symbol("j", integer=True, nonnegative=True)
k_ = sp.Symbol("k", integer=True, nonnegative=True)
w0s_, cs_, ws_ = sp.symbols("w_0 c w^*")  # scalar stand-ins for w_0, c and w*

Xm = sp.MatrixSymbol("X", N_, D_)
wm = sp.MatrixSymbol("w", D_, 1)
w0m = sp.MatrixSymbol("w_0", D_, 1)
w1m = sp.MatrixSymbol("w_1", D_, 1)
ym = sp.MatrixSymbol("y", N_, 1)
GRAD = sp.MatrixSymbol(r"\nabla_w\mathcal{L}", D_, 1)  # the left-hand sides of the answers
WSTAR = sp.MatrixSymbol("w^*", D_, 1)
W2, WK = sp.MatrixSymbol("w_2", D_, 1), sp.MatrixSymbol("w_k", D_, 1)


@dataclass(frozen=True)
class Params(Parameters):
    N: int = param(20, "samples in the numeric instances (at least 2D, so X is well conditioned)", lo=4, hi=2000)
    D: int = param(4, "features in the numeric instances", lo=2, hi=20)
    rank: int = param(2, "rank of the rank-deficient X in (b) (below D)", lo=1, hi=19)
    # near 0 or 1 the slowest mode of the rank-deficient run needs more than its 200000 steps
    alpha_frac: float = param(0.5, "step size as a fraction of the stability limit 2N/lambda_max",
                              lo=0.05, hi=0.95)
    k: int = param(30, "iterations compared with the closed form", lo=1, hi=300)
    edge: float = param(0.02, "relative distance from the stability limit in the divergence "
                        "demonstration", lo=1e-4, hi=0.5)
    noise: float = param(0.1, "noise of the targets y = X w_true + noise", lo=0.0, hi=1e3)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.rank >= self.D:
            raise BadInput(f"parameter rank = {self.rank} must be below D = {self.D} (a rank-deficient X)")
        if self.N < 2 * self.D:
            raise BadInput(f"N = {self.N} samples for D = {self.D} features: need N >= 2D, so that the "
                           "full-rank X is well conditioned")


# ------------------------------------------------------------------ derived formulas

def loss(X, w, y, n):
    """L(w) = (Xw - y)^T (Xw - y) / (2N), the loss of the question."""
    r = X @ w - y
    return r.T @ r / (2 * n)


def gradient(X, w, y, n):
    """grad L = X^T (X w - y) / N: the result of (b)."""
    return X.T @ (X @ w - y) / n


def minimiser(X, y):
    """w* = (X^T X)^{-1} X^T y, when X^T X is invertible."""
    if isinstance(X, np.ndarray):
        return np.linalg.solve(X.T @ X, X.T @ y)
    return (X.T @ X).inv() @ X.T @ y


def gd_limit(X: np.ndarray, y: np.ndarray, w0: np.ndarray) -> np.ndarray:
    """Where GD from w0 ends for any X: X^+ y plus the null-space part (I - X^+ X) w0 of w0."""
    Xp = _pinv(X)
    return Xp @ y + (np.eye(X.shape[1]) - Xp @ X) @ w0


def min_loss(X: np.ndarray, y: np.ndarray) -> float:
    """The least value of L: the part of y outside the column space, ||(I - X X^+) y||^2 / (2N)."""
    r = y - X @ (_pinv(X) @ y)
    return float(np.sum(r * r)) / (2 * X.shape[0])


def gd_step(w, X, y, alpha, n):
    """One gradient-descent step with the gradient of (b)."""
    return w - alpha * gradient(X, w, y, n)


def iteration_matrix(X, alpha, n):
    """A = I - (alpha/N) X^T X, so that w_{k+1} = A w_k + (alpha/N) X^T y."""
    return _eye(X, X.shape[1]) - alpha / n * (X.T @ X)


def kth_iterate(X, y, w0, alpha, n, k):
    """w_k = w* + A^k (w_0 - w*), the closed form of (d) telescoped (X^T X invertible), in matrix symbols of
    symbolic size: the answer of (d)."""
    w_star = minimiser(X, y)
    return w_star + sp.MatPow(iteration_matrix(X, alpha, n), k) @ (w0 - w_star)


def closed_form_poly(t, k):
    """w_k = p_k(A) w_0 + q_k(A) c with c = (alpha/N) X^T y: returns (p_k(t), q_k(t))."""
    return t**k, sp.Sum(t**j_, (j_, 0, k - 1))


def closed_form(k: int, w0, X, y, alpha, n):
    """w_k from the closed form of (d), evaluated for a concrete k (SymPy or NumPy matrices)."""
    A = iteration_matrix(X, alpha, n)
    c = alpha / n * (X.T @ y)
    p, q = closed_form_poly(t_, k)
    return _poly_at(p, A) @ w0 + _poly_at(_written_out(q), A) @ c


def stable_limit(lam_max, n):
    """GD on L converges for every start iff 0 < alpha < 2N / lambda_max(X^T X)."""
    return 2 * n / lam_max


# ------------------------------------------------------------------ helpers

def _pinv(X: np.ndarray) -> np.ndarray:
    """The pseudo-inverse, singular values below max(N, D) eps s_max counted as zero.

    NumPy's default cut (1e-15 s_max) keeps the rounding residue of a zero singular value once N is
    in the hundreds, and then inverts it.
    """
    return np.linalg.pinv(X, rcond=max(X.shape) * np.finfo(float).eps)


def _eye(X, d):
    if isinstance(X, np.ndarray):
        return np.eye(d)
    if isinstance(X, sp.MatrixBase):
        return sp.eye(d)
    return sp.Identity(d)


def _written_out(s: sp.Sum) -> sp.Expr:
    """A sum with integer limits as the sum of its terms.

    Not `doit()`: from 101 terms on SymPy returns the closed geometric form
    Piecewise((k, t = 1), ((1 - t^k)/(1 - t), True)), which is no polynomial.
    """
    (j, lo, hi), = s.limits
    return sp.Add(*(s.function.xreplace({j: sp.Integer(i)}) for i in range(int(lo), int(hi) + 1)))


def _poly_at(expr, A):
    """A polynomial in t evaluated at the square matrix A (Horner)."""
    coeffs = sp.Poly(expr, t_).all_coeffs()
    numeric = isinstance(A, np.ndarray)
    eye = _eye(A, A.shape[0])
    out = eye * (float(coeffs[0]) if numeric else coeffs[0])
    for a in coeffs[1:]:
        out = out @ A + eye * (float(a) if numeric else a)
    return out


def _folded_equal(a: sp.Expr, b: sp.Expr) -> Verdict:
    """a = b for expressions holding evaluated sums, which SymPy splits into t = 1 and t != 1.

    Each branch of a - b (with t = 1 substituted in the first) is brought to one fraction; the
    identity holds when every numerator cancels to 0.
    """
    d = sp.piecewise_fold(sp.sympify(a, strict=True) - b)
    branches = d.args if isinstance(d, sp.Piecewise) else [(d, sp.true)]
    left = []
    for expr, cond in branches:
        if isinstance(cond, sp.Eq):
            expr = expr.subs(cond.lhs, cond.rhs)
        left.append(sp.cancel(sp.together(sp.expand(expr))))
    if all(e == 0 for e in left):
        return Verdict("symbolic", True, "every branch (t = 1 and t != 1) cancels to 0")
    return Verdict("symbolic", False, f"branches leave {', '.join(sp.sstr(e) for e in left)}")


def _small(n: int, d: int):
    X = sp.Matrix(n, d, lambda i, q: sp.Symbol(f"x_{i}{q}"))
    w = sp.Matrix(d, 1, lambda i, _: sp.Symbol(f"w_{i}"))
    y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y_{i}"))
    return X, w, y


def _checked_ks(k: int, most: int = 61) -> list[int]:
    """Every k up to `k`, or `most` of them evenly spread: each closed form costs SymPy work of order k."""
    return list(range(k + 1)) if k < most else sorted({round(i * k / (most - 1)) for i in range(most)})


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


# ------------------------------------------------------------------ solve

def notation(dL: sp.MatrixExpr) -> Notation:
    """The displays' names: I, the gradient at the first iterates, lambda_max(X^T X); the eigenvalue of the
    answers, where only the largest matters, printed as lambda_max."""
    return Notation({
        "I": sp.Identity(D_),
        **{rf"\nabla_w\mathcal{{L}}({sp.latex(v)})": dL.xreplace({wm: v}) for v in (w0m, w1m)},
        r"\lambda_{\max}(X^\top X)": lam_max_,
    }, printing={"symbol_names": {lam_hi: r"\lambda_{\max}", lam_lo: r"\lambda_{\min}",
                                  trace_: r"\operatorname{tr}(X^\top X)"}})


def solve(p: Params, ctx: Context) -> Solution:
    L = loss(Xm, wm, ym, N_)  # matrix symbols of symbolic size
    dL = sp.diff(L, wm)
    sol = Solution(
        TOPIC, "Least squares by gradient descent", "comp433-a2, Question 4", p,
        notation=notation(dL),
        question=(
            r"The mean squared loss $\mathcal{L}(w) = \frac{1}{2N}\lVert Xw - y\rVert^2$, "
            r"$X\in\mathbb{R}^{N\times D}$, minimised by gradient descent (step $\alpha$, start $w_0$). "
            rf"The numeric checks use random data with $N = {p.N}$ samples of $D = {p.D}$ features."
        ),
    )
    data = _data(p, ctx)
    _dimensions(sol, L, dL)
    _gradient(sol, p, ctx, data, dL)
    _first_iterates(sol, dL, data)
    _general_iterate(sol, p, ctx, data)
    _pseudocode(sol, p, data)
    return sol


def _data(p: Params, ctx: Context) -> dict:
    X, y, w0 = sim.make_data(ctx.rng("data.full"), p.N, p.D, noise=p.noise)
    Xr, yr, w0r = sim.make_data(ctx.rng("data.deficient"), p.N, p.D, rank=p.rank, noise=p.noise)
    lam = np.linalg.eigvalsh(X.T @ X)
    lam_r = np.linalg.eigvalsh(Xr.T @ Xr)
    return {"X": X, "y": y, "w0": w0, "lam": lam, "Xr": Xr, "yr": yr, "w0r": w0r,
            "alpha": p.alpha_frac * float(stable_limit(lam[-1], p.N)),
            "alpha_r": p.alpha_frac * float(stable_limit(lam_r[-1], p.N))}


def _dimensions(sol: Solution, L: sp.MatrixExpr, dL: sp.MatrixExpr) -> None:
    pa = sol.part("a", "Dimensions", r"What do $N$ and $D$ stand for, and why are $w$ and $y$ "
                  r"of sizes $D\times 1$ and $N\times 1$?")
    pa.text(r"Row $n$ of $X$ is sample $n$, column $i$ feature $i$: $N$ counts the samples, $D$ "
            r"the features. The prediction $\hat y_n = \sum_i x_{ni}w_i$ needs one weight per "
            r"feature ($w\in\mathbb{R}^{D\times 1}$, so $Xw$ is defined), and $\hat y = Xw$ has "
            r"one entry per sample, like $y\in\mathbb{R}^{N\times 1}$; the loss is a scalar.")
    r = Xm @ wm - ym
    pa.claim("shapes", r"With matrix symbols of symbolic size: $Xw - y$ is $N\times 1$, the loss "
             r"is $1\times 1$ and its gradient in $w$ is $D\times 1$, the shape of $w$.",
             prove.equal(r.shape[0], N_) & prove.equal(r.shape[1], 1) & prove.equal(L.shape[0], 1)
             & prove.equal(L.shape[1], 1) & prove.equal(dL.shape[0], D_)
             & prove.equal(dL.shape[1], 1), aside=True)


def _gradient(sol: Solution, p: Params, ctx: Context, data: dict, dL: sp.MatrixExpr) -> None:
    pb = sol.part("b", "Gradient and minimiser",
                  r"Find $\nabla_w\mathcal{L}$ and $\operatorname{arg\,min}_w\mathcal{L}$.")
    pb.chain("grad", r"\nabla_w\mathcal{L}").define(
        r"\tfrac{1}{2N}\bigl(2X^\top Xw - 2X^\top y\bigr)", dL,
        r"SymPy's matrix derivative of $\mathcal{L} = \tfrac{1}{2N}(Xw-y)^\top(Xw-y) = "
        r"\tfrac{1}{2N}(w^\top X^\top Xw - 2y^\top Xw + y^\top y)$",
    ).step(r"\tfrac{1}{N}X^\top(Xw - y)", gradient(Xm, wm, ym, N_), "factor")

    def entries(n, d):
        X, w, y = _small(n, d)
        Ls = sum((sum(X[i, q] * w[q] for q in range(d)) - y[i]) ** 2 for i in range(n)) / (2 * n)
        return prove.equal(gradient(X, w, y, n), sp.Matrix(d, 1, lambda q, _: sp.diff(Ls, w[q])))

    pb.claim("entries", r"Entry by entry: $\partial/\partial w_i$ of "
             r"$\frac{1}{2N}\sum_n(\sum_i x_{ni}w_i - y_n)^2$ is row $i$ of "
             r"$\frac{1}{N}X^\top(Xw-y)$ (symbolic entries).",
             prove.proved_for_each({f"(N,D)=({n},{d})": (lambda n=n, d=d: entries(n, d))
                                    for n, d in [(3, 2), (2, 3), (4, 1)]}, "entries compared"), aside=True)
    X, y, w0 = data["X"], data["y"], data["w0"]
    fd = sim.fd_gradient(X, w0, y)
    pb.claim("fd", rf"Central differences of the loss on random data ($N={p.N}$, $D={p.D}$) "
             r"agree with the formula.",
             prove.close(_rel(gradient(X, w0, y, p.N), fd), 0.0, rtol=0.0,
                         atol=1e-7, what="largest relative gap"), aside=True)
    pb.claim("hessian", r"The Hessian is $\frac{1}{N}X^\top X$, positive semidefinite "
             r"($v^\top X^\top Xv = \lVert Xv\rVert^2 \ge 0$): $\mathcal{L}$ is convex, so every "
             r"zero of the gradient is a global minimiser.",
             prove.equal(sp.diff(gradient(Xm, wm, ym, N_), wm), Xm.T @ Xm / N_))
    pb.text(r"Setting the gradient to zero gives the normal equations $X^\top Xw = X^\top y$. "
            r"When $X^\top X$ is invertible (rank $X = D$, which needs $N \ge D$):")
    pb.claim("normal", r"The minimiser $w^* = \operatorname{arg\,min}_w\mathcal{L}$, the zero of "
             r"the gradient (matrix symbols, $X^\top X$ invertible), is",
             prove.equal(gradient(Xm, minimiser(Xm, ym), ym, N_), sp.ZeroMatrix(D_, 1)),
             latex=r"(X^\top X)^{-1}X^\top y", value=minimiser(Xm, ym))
    lstsq = sim.least_squares(X, y)
    pb.claim("lstsq", r"On the random full-rank data it equals NumPy's least-squares solution.",
             prove.close(_rel(minimiser(X, y), lstsq), 0.0, rtol=0.0, atol=1e-10,
                         what="largest relative gap"), aside=True)
    pb.text(r"When $X^\top X$ is singular the minimisers form $X^+y + \mathrm{null}(X)$ and GD, "
            r"whose steps lie in $\mathrm{range}(X^\top)$, ends at $X^+y + (I - X^+X)w_0$.")
    Xr, yr, w0r = data["Xr"], data["yr"], data["w0r"]
    limit = gd_limit(Xr, yr, w0r)
    reached, used = sim.run_to_convergence(Xr, yr, w0r, data["alpha_r"])
    rank_ok = int(np.linalg.matrix_rank(Xr.T @ Xr)) == p.rank
    pb.claim("gd-limit", r"When $X^\top X$ is singular (rank $r < D$, e.g. $N < D$ or collinear "
             r"features) the minimisers form the affine set $X^+y + \mathrm{null}(X)$, $X^+$ the "
             r"pseudo-inverse: moving along $\mathrm{null}(X)$ does not change $Xw$. Every GD step "
             r"adds $-\frac{\alpha}{N}X^\top(Xw-y)\in\mathrm{range}(X^\top) = "
             r"\mathrm{null}(X)^\perp$, so the null-space part of $w_0$ never changes and GD "
             r"converges to the minimiser closest to $w_0$. "
             rf"A rank-{p.rank} $X$ ($N={p.N}$, $D={p.D}$, so $X^\top X$ is "
             rf"singular): GD run to convergence ({used} steps) from $w_0$ ends at "
             r"$X^+y + (I - X^+X)w_0$.",
             prove.close(_rel(reached, limit), 0.0, rtol=0.0, atol=1e-9,
                         what="largest relative gap")
             & prove.on_instances({f"rank of X^T X is {p.rank}": rank_ok}, "measured"), aside=True)
    pb.claim("closest", r"SciPy's projection of $w_0$ onto the set of least-squares solutions "
             r"(null-space basis) gives the same point.",
             prove.close(_rel(sim.closest_minimiser(Xr, yr, w0r), limit), 0.0, rtol=0.0, atol=1e-10,
                         what="largest relative gap"), aside=True)
    flat = sim.loss_on_minimiser_set(ctx.rng("b.flat"), Xr, yr)
    pb.claim("flat", rf"The loss is the same at {len(flat)} random points of that set and equals "
             r"$\frac{1}{2N}\lVert(I - XX^+)y\rVert^2$.",
             prove.close(float(np.max(np.abs(flat - min_loss(Xr, yr)))), 0.0, rtol=0.0,
                         atol=1e-10 * max(1.0, min_loss(Xr, yr)), what="largest loss gap"), aside=True)
    traj = sim.trajectory(Xr, yr, w0r, data["alpha_r"], p.k)
    P0 = np.eye(p.D) - _pinv(Xr) @ Xr
    pb.claim("null-part", rf"Along the first {p.k} iterates the null-space part $(I - X^+X)w_k$ "
             r"stays $(I - X^+X)w_0$.",
             prove.close(_rel(traj @ P0.T, np.tile((P0 @ w0r).T, (p.k + 1, 1))), 0.0, rtol=0.0,
                         atol=1e-10, what="largest relative drift"), aside=True)
    # Formulas in matrix symbols, stated as equations (the grader reads no matrix algebra); each is judged by
    # evaluating its right-hand side on the random data against the claim's NumPy witness.
    sol.answer("gradient", sp.Eq(GRAD, gradient(Xm, wm, ym, N_), evaluate=False), claims=("b.fd",),
               check=witness.rhs(witness.formula_on((Xm, wm, ym, N_), (X, w0, y, p.N), fd, rtol=0.0,
                                             atol=1e-7 * max(1.0, float(np.max(np.abs(fd)))),
                                             what="central differences of the loss on the random data")))
    sol.answer("minimiser", sp.Eq(WSTAR, minimiser(Xm, ym), evaluate=False), claims=("b.lstsq", "b.normal"),
               check=witness.rhs(witness.formula_on((Xm, ym), (X, y), lstsq, rtol=0.0,
                                             atol=1e-10 * max(1.0, float(np.max(np.abs(lstsq)))),
                                             what="NumPy's least-squares solution on the random data")))


def _iterates_check(data: dict, ks: tuple[int, ...], *, in_k: bool) -> Check:
    """A formula for the iterate w_k (`in_k`: with k a symbol), stated as w_k = formula in X, w_0, y and alpha,
    evaluated by NumPy on the random data at each k of `ks` against the iterates of a plain gradient-descent
    loop. The matrix symbols take the data's sizes first (NumPy has no identity of symbolic size)."""
    X, y, w0, alpha = data["X"], data["y"], data["w0"], data["alpha"]
    traj = sim.trajectory(X, y, w0, alpha, max(ks))
    sizes = {N_: X.shape[0], D_: X.shape[1]}
    symbols = (*(m.subs(sizes) for m in (Xm, w0m, ym)), alpha_)
    scale = max(1.0, float(np.max(np.abs(traj))))
    return witness.rhs(witness.both(*(
        witness.at({**sizes, **({k_: k} if in_k else {})},
                   witness.formula_on(symbols, (X, w0, y, alpha), traj[k][:, None], rtol=0.0, atol=1e-9 * scale,
                                      what=f"$w_{{{k}}}$ of a gradient-descent loop on the random data"))
        for k in ks)))


def _first_iterates(sol: Solution, dL: sp.MatrixExpr, data: dict) -> None:
    pc = sol.part("c", "The first two iterates",
                  r"Write $w_1$ and $w_2$ through $\alpha$, $w_0$, $X$, $y$.")

    def descend(w):
        return w - alpha_ * dL.xreplace({wm: w})

    w1 = descend(w0m)
    pc.chain("w1", "w_1").define(r"w_0 - \alpha\nabla_w\mathcal{L}(w_0)", w1, "a gradient-descent step") \
        .step(r"w_0 - \frac{\alpha}{N}X^\top(Xw_0 - y)", gd_step(w0m, Xm, ym, alpha_, N_), "gradient of (b)")
    A, c = iteration_matrix(Xm, alpha_, N_), alpha_ / N_ * (Xm.T @ ym)
    expanded = (w0m - 2 * alpha_ / N_ * Xm.T @ Xm @ w0m
                + (alpha_ / N_) ** 2 * Xm.T @ Xm @ Xm.T @ Xm @ w0m
                + 2 * alpha_ / N_ * Xm.T @ ym - (alpha_ / N_) ** 2 * Xm.T @ Xm @ Xm.T @ ym)
    pc.chain("w2", "w_2").define(r"w_1 - \alpha\nabla_w\mathcal{L}(w_1)", descend(w1m),
                                 "the next step") \
        .step(r"\Bigl(I - \frac{\alpha}{N}X^\top X\Bigr)w_1 + \frac{\alpha}{N}X^\top y", A @ w1m + c,
              "gradient of (b), collect $w_1$") \
        .step(r"w_0 - \frac{2\alpha}{N}X^\top Xw_0 + \frac{\alpha^2}{N^2}(X^\top X)^2w_0 "
              r"+ \frac{2\alpha}{N}X^\top y - \frac{\alpha^2}{N^2}X^\top XX^\top y", expanded,
              "substitute $w_1$, expand", given={w1m: w1})

    def compact(n, d):
        X, w, y = _small(n, d)
        Am, cm = iteration_matrix(X, alpha_, n), alpha_ / n * (X.T @ y)
        return prove.equal(gd_step(gd_step(w, X, y, alpha_, n), X, y, alpha_, n),
                           Am @ Am @ w + (sp.eye(d) + Am) @ cm)

    pc.claim("compact", r"With $A = I - \frac{\alpha}{N}X^\top X$ and "
             r"$c = \frac{\alpha}{N}X^\top y$: "
             r"$w_1 = Aw_0 + c$ and $w_2 = A^2w_0 + (I + A)c$ (two steps of the update on "
             r"symbolic matrices).",
             prove.proved_for_each({f"(N,D)=({n},{d})": (lambda n=n, d=d: compact(n, d))
                                    for n, d in [(3, 2), (2, 2)]}, "entries compared"), aside=True)
    first, second = _iterates_check(data, (1,), in_k=False), _iterates_check(data, (2,), in_k=False)
    w1_value, w2_value = sp.Eq(w1m, w1, evaluate=False), sp.Eq(W2, expanded, evaluate=False)
    pc.claim("loop", r"On the random data both formulas, evaluated by NumPy, are the first two iterates of a "
             r"plain gradient-descent loop.", first(w1_value) & second(w2_value), aside=True)
    sol.answer("w1", w1_value, claims=("c.loop",), check=first, label="first iterate")
    sol.answer("w2", w2_value, claims=("c.loop",), check=second, label="second iterate")


def _general_iterate(sol: Solution, p: Params, ctx: Context, data: dict) -> None:
    pd = sol.part("d", "The k-th iterate",
                  r"Express $w_k$ through $\alpha$, $w_0$, $X$, $y$ and $k$.")
    # the displays of (d) are polynomials in A: A (also written out) and c read as the stand-ins t and c
    pd.notation = Notation({**pd.notation.names, "A": t_, r"\Bigl(I - \frac{\alpha}{N}X^\top X\Bigr)": t_,
                            r"\frac{\alpha}{N}X^\top y": cs_})
    A, c = iteration_matrix(Xm, alpha_, N_), alpha_ / N_ * (Xm.T @ ym)
    pd.claim("affine", r"One step is the affine map $w \mapsto Aw + c$ with "
             r"$A = I - \frac{\alpha}{N}X^\top X$ and $c = \frac{\alpha}{N}X^\top y$ "
             r"(matrix symbols).", prove.equal(gd_step(wm, Xm, ym, alpha_, N_), A @ wm + c))
    pd.text(r"Claim: $w_k = A^kw_0 + \sum_{j=0}^{k-1}A^jc$, by induction on $k$ (polynomials in "
            r"$A$ commute, so scalar polynomial identities in $t$ hold with $t = A$).")
    p0, q0 = closed_form_poly(t_, 0)
    pd.claim("base", r"Base case $k = 0$: $A^0w_0 + (\text{empty sum}) = w_0$.",
             prove.equal(p0 * w0s_ + q0.doit() * cs_, w0s_))
    pk, qk = closed_form_poly(t_, k_)
    pk1, qk1 = closed_form_poly(t_, k_ + 1)
    pd.chain("induction", r"Aw_k + c").define(
        r"A\Bigl(A^kw_0 + \sum_{j=0}^{k-1}A^jc\Bigr) + c", t_ * (pk * w0s_ + qk.doit() * cs_) + cs_,
        "inductive hypothesis, one step",
    ).step(r"A^{k+1}w_0 + \sum_{j=0}^{k}A^jc", pk1 * w0s_ + qk1.doit() * cs_,
           r"$\sum_{j<k}t^{j+1} + 1 = \sum_{j\le k}t^j$ for every $k \ge 0$",
           verdict=_folded_equal(t_ * (pk * w0s_ + qk.doit() * cs_) + cs_,
                                 pk1 * w0s_ + qk1.doit() * cs_))
    Xs = sp.Matrix(ctx.rng("d.explicit").integers(-3, 4, (3, 2)))  # integer X; w, y, alpha symbolic
    _, ws, ys = _small(3, 2)

    def one_more(k):
        return prove.equal(closed_form(k + 1, ws, Xs, ys, alpha_, 3),
                           gd_step(closed_form(k, ws, Xs, ys, alpha_, 3), Xs, ys, alpha_, 3))

    pd.claim("explicit", rf"The closed form, evaluated for a $3\times 2$ integer $X$ "
             rf"(${sp.latex(Xs)}$) with symbolic $w_0$, $y$, $\alpha$, gives $w_0$ at "
             r"$k = 0$ and satisfies $w_{k+1} = w_k - \alpha\nabla\mathcal{L}(w_k)$ for "
             r"$k = 0,\dots,3$.",
             prove.proved_for_each({"k=0: w_0": lambda: prove.equal(closed_form(0, ws, Xs, ys, alpha_, 3), ws),
                                    **{f"k={k}": (lambda k=k: one_more(k)) for k in range(4)}},
                                   "entries compared"), aside=True)
    c_identity = prove.equal((_eye(Xm, D_) - A) @ minimiser(Xm, ym), c)
    pd.claim("c-identity", r"When $X^\top X$ is invertible, $c = (I - A)w^*$ (normal equations).", c_identity,
             aside=True)
    telescoped = ws_ + t_**k_ * (w0s_ - ws_)
    pd.chain("closed", r"w_k").define(
        r"\Bigl(I - \frac{\alpha}{N}X^\top X\Bigr)^kw_0 + \sum_{j=0}^{k-1}"
        r"\Bigl(I - \frac{\alpha}{N}X^\top X\Bigr)^j\frac{\alpha}{N}X^\top y", pk * w0s_ + qk.doit() * cs_,
        "the induction, $A$ and $c$ written out",
    ).step(r"w^* + \Bigl(I - \frac{\alpha}{N}X^\top X\Bigr)^k(w_0 - w^*)", telescoped,
           r"$X^\top X$ invertible: $c = (I - A)w^*$, and $(1-t)\sum_{j<k}t^j = 1 - t^k$ telescopes",
           verdict=c_identity & _folded_equal(pk * w0s_ + (qk * (1 - t_)).doit() * ws_, telescoped))
    X, y, w0, alpha = data["X"], data["y"], data["w0"], data["alpha"]
    traj = sim.trajectory(X, y, w0, alpha, p.k)
    wstar = minimiser(X, y)
    An = iteration_matrix(X, alpha, p.N)
    ks = _checked_ks(p.k)
    gaps = [max(_rel(closed_form(k, w0, X, y, alpha, p.N)[:, 0], traj[k]),
                _rel((wstar + np.linalg.matrix_power(An, k) @ (w0 - wstar))[:, 0], traj[k]))
            for k in ks]
    which = (rf"for $k = 0,\dots,{p.k}$" if len(ks) == p.k + 1
             else rf"at {len(ks)} evenly spread $k$ from $0$ to ${p.k}$")
    pd.claim("iteration", rf"On random data ($N={p.N}$, $D={p.D}$, "
             rf"$\alpha = {p.alpha_frac:g}\cdot 2N/\lambda_{{\max}}$) both forms equal the "
             rf"iterates of a plain gradient-descent loop {which}.",
             prove.close(max(gaps), 0.0, rtol=0.0, atol=1e-10, what="largest relative gap"), aside=True)

    lam = data["lam"]
    top = float(np.linalg.norm(X, 2)) ** 2  # the largest singular value of X, squared
    pd.claim("lam-max", r"NumPy's largest singular value of the random $X$, squared, is the same "
             r"$\lambda_{\max}(X^\top X)$.", prove.close(top, float(lam[-1]), rtol=1e-12, what=r"$\sigma_{\max}(X)^2$"),
             value=float(lam[-1]), aside=True)
    pd.text(r"Since $w_k - w^* = A^k(w_0 - w^*)$, GD converges when $|1 - \alpha\lambda_i/N| < 1$ for "
            r"every eigenvalue $\lambda_i$ of $X^\top X$, i.e. $0 < \alpha < 2N/\lambda_{\max}$ (cross-checked). "
            rf"For the random data $\lambda_{{\max}} = {pd.quote(float(lam[-1]), 'lam-max', '.6g')}$, "
            rf"with $N = {p.N}$.")
    u = sp.Symbol("u", real=True)  # u = alpha lambda / N, the step along one eigenvector
    quad = sp.Poly(sp.expand((1 - u) ** 2 - 1), u)  # |1 - u| < 1 iff this is negative
    roots = sorted(sp.roots(quad))
    stable = (prove.equal(quad.degree(), 2) & prove.holds(quad.LC() > 0)
              & prove.equal(roots[0], 0)
              & prove.equal(roots[-1] * N_ / lam_, stable_limit(lam_, N_)))
    pd.claim("stability", r"With $u = \alpha\lambda/N$: $|1 - u| < 1 \iff (1-u)^2 - 1 = u(u-2) < 0"
             r" \iff 0 < u < 2$, i.e. $0 < \alpha < 2N/\lambda$; for all eigenvalues at once:",
             stable, latex=r"0 < \alpha < \frac{2N}{\lambda_{\max}(X^\top X)}",
             value=sp.And(sp.Lt(0, alpha_, evaluate=False), sp.Lt(alpha_, stable_limit(lam_max_, N_))),
             aside=True)
    limit = float(stable_limit(lam[-1], p.N))
    rho = lambda a: float(np.max(np.abs(1 - a * lam / p.N)))  # noqa: E731
    Q = np.linalg.eigh(X.T @ X)[1]
    e0 = Q.T @ (w0 - wstar)[:, 0]  # the first error along the eigenvectors
    for name, f in (("inside", 1 - p.edge), ("outside", 1 + p.edge)):
        a = f * limit
        # 400 steps, or fewer where a converging error would sink below 1e-8 of its start into rounding
        steps = 400 if rho(a) >= 1 else min(400, max(2, int(math.log(1e-8) / math.log(rho(a)))))
        factors = 1 - a * lam / p.N
        derived = float(np.linalg.norm(factors**steps * e0) / np.linalg.norm(factors ** (steps - 1) * e0))
        measured = sim.error_ratio(X, y, w0, a, steps)
        fate = "converges" if f < 1 else "diverges"
        pd.claim(f"rate-{name}", rf"At $\alpha = {pd.setting(f)}\cdot 2N/\lambda_{{\max}}$ the measured "
                 rf"$\lVert w_{{k+1}} - w^*\rVert/\lVert w_k - w^*\rVert$ after {steps} steps is "
                 rf"the derived ${pd.quote(derived, f'rate-{name}')}$, the same ratio of "
                 r"$\lVert(I - \frac{\alpha}{N}\Lambda)^kQ^\top(w_0 - w^*)\rVert$, which tends to "
                 rf"$\rho = \max_i|1 - \alpha\lambda_i/N|$: GD {fate}.",
                 prove.close(measured, derived, rtol=1e-6, what="error ratio")
                 & prove.on_instances({fate: (measured < 1) == (f < 1)}, "measured ratio vs 1"),
                 value=derived, aside=True)
    err = np.linalg.norm(traj - wstar[:, 0], axis=1)
    rho_alpha = rho(alpha)
    bound = rho_alpha ** np.arange(p.k + 1) * err[0]
    floor = 1e-12 * max(1.0, float(np.linalg.norm(wstar)))  # rounding: w* and the iterates to ~eps cond(X^T X)
    radius = float(np.max(np.abs(np.linalg.eigvals(An))))
    pd.claim("bound", rf"At the step $\alpha = {p.alpha_frac:g}\cdot 2N/\lambda_{{\max}}$ every measured error obeys "
             rf"$\lVert w_k - w^*\rVert \le \rho^k\lVert w_0 - w^*\rVert$, "
             rf"$\rho = {pd.quote(rho_alpha, 'bound', '.4g')}$ (the spectral radius of NumPy's $A$).",
             prove.close(radius, rho_alpha, rtol=1e-9, what="spectral radius of A")
             & prove.on_instances({f"k = 0..{p.k}": bool(np.all(err <= bound * (1 + 1e-9) + floor))},
                                  "measured errors against the bound"), value=rho_alpha, aside=True)
    general = _iterates_check(data, (1, p.k), in_k=True)
    wk_value = sp.Eq(WK, kth_iterate(Xm, ym, w0m, alpha_, N_, k_), evaluate=False)
    pd.claim("loop", rf"The closed form $w_k = w^* + A^k(w_0 - w^*)$ in matrix symbols, evaluated by NumPy on the "
             rf"random data at $k = 1$ and $k = {p.k}$, gives the iterates of the loop.", general(wk_value),
             aside=True)
    sol.answer("wk", wk_value, claims=("d.loop",), check=general, label="k-th iterate")
    pd.figure("errors", r"Distance to $w^*$ of gradient-descent iterates on the random "
              r"full-rank data (markers) and the bound $\rho^k\lVert w_0-w^*\rVert$ (lines), "
              r"for step sizes below, near and beyond the stability limit.",
              lambda path: _plot(path, X, y, w0, wstar, limit, p, rho), aside=True)
    threshold = _threshold(X, y, w0, lam, p.N, p.edge)
    at_data = {lam_hi: sp.Float(lam[-1], 17), lam_lo: sp.Float(lam[0], 17), trace_: sp.Float(np.sum(lam), 17),
               N_: p.N}
    sol.answer("stability limit", stable_limit(lam_hi, N_), claims=("d.rate-inside", "d.rate-outside"),
               check=witness.at(at_data, threshold))
    sol.misconception("stability limit", "missing-N", 2 / lam_hi,
                      r"The loss carries $\frac{1}{2N}$, so its gradient is $\frac{1}{N}X^\top(Xw - y)$ and the "
                      r"iteration matrix $I - \frac{\alpha}{N}X^\top X$; its eigenvalues $1 - \alpha\lambda_i/N$ "
                      r"stay in $(-1, 1)$ up to $\alpha = 2N/\lambda_{\max}$. Without the $N$ the limit is $N$ "
                      r"times too small.")
    sol.misconception("stability limit", "monotone-limit", N_ / lam_hi,
                      r"This is where the top direction stops converging monotonically and starts to zig-zag; "
                      r"GD still converges while $|1 - \alpha\lambda_{\max}/N| < 1$, i.e. up to "
                      r"$\alpha = 2N/\lambda_{\max}$.")
    if lam[-1] - lam[0] > 0.02 * lam[-1]:  # on data this spread out the runs can tell the two limits apart
        sol.misconception("stability limit", "smallest-eigenvalue", stable_limit(lam_lo, N_),
                          r"Every direction must contract, and the largest eigenvalue of $X^\top X$ is the first "
                          r"to overshoot: the limit is $2N/\lambda_{\max}$. A step of $2N/\lambda_{\min}$ lets the "
                          r"steepest direction diverge.")
    sol.misconception("stability limit", "trace-for-max", stable_limit(trace_, N_),
                      r"A step below $2N/\operatorname{tr}(X^\top X)$ is safe, since the trace exceeds "
                      r"$\lambda_{\max}$, but that is not the limit: GD converges up to $2N/\lambda_{\max}$, the "
                      r"largest eigenvalue alone.")


def _threshold(X: np.ndarray, y: np.ndarray, w0: np.ndarray, lam: np.ndarray, n: int, edge: float) -> Check:
    """A candidate stability limit judged as the claims rate-inside and rate-outside judge 2N/lambda_max: the
    measured error ratio of gradient descent is below 1 at (1 - edge) of it and above 1 at (1 + edge) of it."""

    def check(value):
        x = witness.number(value)
        if x is None or x <= 0:
            return prove.on_instances({f"{value} is a positive number": False}, "stability limit")
        fates = {}
        for f in (1 - edge, 1 + edge):
            rho = float(np.max(np.abs(1 - f * x * lam / n)))
            steps = 400 if rho >= 1 else min(400, max(2, int(math.log(1e-8) / math.log(max(rho, 1e-300)))))
            with np.errstate(all="ignore"):  # a far too long step overflows (ratio nan): it diverged
                ratio = sim.error_ratio(X, y, w0, f * x, steps)
            overflowed = not math.isfinite(ratio)
            fate = "converges" if f < 1 else "diverges"
            measured = "the error overflowed" if overflowed else f"ratio {ratio:.4g}"
            fates[f"{fate} at {f:g} times {x:.6g} ({measured})"] = (
                ratio < 1 if f < 1 else overflowed or ratio > 1)
        return prove.on_instances(fates, "measured error ratio of gradient descent")

    return check


def _pseudocode(sol: Solution, p: Params, data: dict) -> None:
    pe = sol.part("e", "Pseudocode", r"Write pseudocode computing $w_k$ from "
                  r"$\alpha$, $w_0$, $X$, $y$, $k$.")
    pe.table(["line", "instruction", "comment"], [
        ["1", r"\textbf{input} $X$, $y$, $w_0$, $\alpha$, $k$",
         r"$X$ is $N\times D$, $y$ is $N\times 1$, $w_0$ is $D\times 1$"],
        ["2", r"$N \leftarrow$ rows of $X$; $w \leftarrow w_0$", ""],
        ["3", r"\textbf{repeat} $k$ times:", r"$k = 0$: return $w_0$"],
        ["4", r"\quad $r \leftarrow Xw - y$", r"residual, $N\times 1$"],
        ["5", r"\quad $g \leftarrow \frac{1}{N}X^\top r$", r"gradient, $D\times 1$"],
        ["6", r"\quad $w \leftarrow w - \alpha g$", "the update"],
        ["7", r"\textbf{return} $w$", r"$= w_k$"],
    ], caption="Gradient descent for least squares.")
    pe.text(r"Each pass costs about $4ND$ operations (or $O(D^2)$ with $G = \frac{1}{N}X^\top X$ "
            r"and $b = \frac{1}{N}X^\top y$ precomputed: $w \leftarrow w - \alpha(Gw - b)$).")
    rows = {}
    for tag, (X, y, w0, alpha) in {
        "full rank": (data["X"], data["y"], data["w0"], data["alpha"]),
        f"rank {p.rank}": (data["Xr"], data["yr"], data["w0r"], data["alpha_r"]),
    }.items():
        want = closed_form(p.k, w0, X, y, alpha, p.N)
        rows[f"{tag}, listing"] = _rel(sim.pseudocode(X, y, w0, alpha, p.k), want) < 1e-10
        rows[f"{tag}, Gram variant"] = _rel(sim.pseudocode_gram(X, y, w0, alpha, p.k), want) < 1e-10
    pe.claim("runs", rf"A direct implementation of the listing (and of the Gram variant) returns "
             rf"the closed form's $w_{{{p.k}}}$ to $10^{{-10}}$.",
             prove.on_instances(rows, "run on the random data of (b) and (d)"), aside=True)


def _plot(path, X, y, w0, wstar, limit, p: Params, rho) -> None:
    steps = 60
    fracs = (p.alpha_frac, 1 - p.edge, 1 + p.edge)
    with figures.figure(path) as (fig, ax):
        for f, colour in zip(fracs, figures.series(len(fracs))):
            traj = sim.trajectory(X, y, w0, f * limit, steps)
            err = np.linalg.norm(traj - wstar[:, 0], axis=1)
            ax.plot(np.arange(steps + 1), rho(f * limit) ** np.arange(steps + 1) * err[0],
                    **figures.style("derived", color=colour, lw=1))
            ax.plot(np.arange(steps + 1), err, **figures.style("measured", color=colour, ms=3),
                    label=rf"$\alpha = {f:g}\cdot 2N/\lambda_{{\max}}$, $\rho = {rho(f * limit):.3f}$")
        ax.set_yscale("log")
        ax.set_xlabel("iteration $k$")
        ax.set_ylabel(r"$\|w_k - w^*\|$")
        ax.legend(loc="best")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
