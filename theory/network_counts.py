"""Counting a two-layer classifier: parameters, finite-difference operations, updates per epoch.

comp433-a2, Questions 1-2. The network is D -> M (activation g) -> K (ReLU) -> softmax.
The parameter count, the operation counts of a two-sided finite-difference gradient and of
backpropagation, and the number of updates per parameter in an epoch loop are derived with
SymPy and compared with networks built, run and counted in `checks.network_counts`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.utilities.lambdify import implemented_function

from checks import network_counts as sim
from theory.core import prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict

TOPIC = "network_counts"
ACTIVATIONS = ("tanh", "sigmoid")

N_, D_, M_, K_ = sp.symbols("N D M K", positive=True, integer=True)
a_, c_ = sp.symbols("a c", nonnegative=True, integer=True)
E_, B_ = sp.symbols("E B", positive=True, integer=True)
s_ = sp.Symbol("s", positive=True)  # common scale of D, M, K in the asymptotics
d_, m_, k_, n_ = sp.symbols("d m k n", positive=True)  # their proportions


MAX_SAMPLE_EPOCHS = 10**8  # samples x epochs of the simulated SGD loop: about 10 s (one window per sample)


@dataclass(frozen=True)
class Params(Parameters):
    # the worked example is only substituted into exact formulas: any plausible size is cheap
    D: int = param(784, "input features of the worked example (the sheet keeps D symbolic)", lo=1, hi=10**6)
    M: int = param(16, "hidden units of the worked example", lo=1, hi=10**6)
    K: int = param(10, "classes of the worked example", lo=1, hi=10**6)
    N: int = param(60000, "samples in the worked example", lo=1, hi=10**9)
    g: str = param("tanh", "hidden activation g: tanh or sigmoid", check=lambda v: None
                   if v in ACTIVATIONS else f"must be one of {', '.join(ACTIVATIONS)}")
    act_cost: int = param(0, "operations charged per activation (and derivative) evaluation; "
                          "0 = only additions and multiplications count", lo=0, hi=1000)
    loss_cost: int = param(0, "operations charged per sample for softmax + loss (or its gradient); "
                           "0 = ignored, as the sheet allows", lo=0, hi=1000)
    trials: int = param(5, "random networks whose operations are counted one by one", lo=1, hi=20)
    max_size: int = param(3, "largest N, D, M, K of the counted networks", lo=2, hi=4)
    samples: int = param(1_000_000, "training samples in Question 2", lo=1, hi=10_000_000)
    epochs: int = param(5, "epochs in Question 2", lo=1, hi=100)
    batch: int = param(128, "mini-batch size in Question 2", lo=1, hi=10_000_000)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.samples * self.epochs > MAX_SAMPLE_EPOCHS:
            raise BadInput(f"samples * epochs = {self.samples * self.epochs:.3g} exceeds the 10^8 limit that keeps "
                           "the simulated SGD loop (one update per sample) under a minute")


# ------------------------------------------------------------------ derived formulas

def param_count(d, m, k):
    """Weights and biases of D -> M -> K (the softmax has none): Question 1(a)."""
    return (d + 1) * m + (m + 1) * k


def forward_ops(n, d, m, k, a, c):
    """Operations of one forward pass over n samples, loss averaged (the counting model of (b))."""
    return n * (2 * d * m + 2 * m * k + a * (m + k) + c + 1)


def fd_ops(n, d, m, k, a, c):
    """Two-sided finite-difference gradient: 2 forward passes and 4 operations per parameter."""
    return sp.expand(param_count(d, m, k) * (2 * forward_ops(n, d, m, k, a, c) + 4))


def backward_ops(n, d, m, k, a, c):
    """Backward pass of backpropagation after one forward pass (the same counting model)."""
    return (4 * n * m * k + 2 * n * d * m + 2 * n * k + n * m - m * k - d * m - k - m
            + a * n * (m + k) + c * n)


def updates_per_parameter(n, epochs, batch, drop_last=False):
    """Updates of every parameter in `epochs` passes over n samples in batches of `batch`."""
    per = sp.Rational(n, batch) if isinstance(n, int) and isinstance(batch, int) else n / batch
    return epochs * (sp.floor(per) if drop_last else sp.ceiling(per))


def forward_matrix(X, W1, b1, W2, b2, act, relu):
    """H = g(X W1 + 1 b1^T), Z = ReLU(H W2 + 1 b2^T); works on SymPy and NumPy matrices."""
    ones = np.ones((X.shape[0], 1)) if isinstance(X, np.ndarray) else sp.ones(X.shape[0], 1)
    H = act(X @ W1 + ones @ b1.T)
    Z = relu(H @ W2 + ones @ b2.T)
    return H, Z


def softmax_rows(Z: np.ndarray) -> np.ndarray:
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ------------------------------------------------------------------ helpers

def _sym_act(g: str):
    """g as an opaque SymPy function (fast to compare) that still evaluates numerically."""
    return implemented_function("g", _np_act(g))


def _np_act(g: str):
    return np.tanh if g == "tanh" else (lambda t: 1 / (1 + np.exp(-t)))


def _sym_net(d: int, m: int, k: int, n: int = 1):
    X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x_{i}{j}"))
    W1 = sp.Matrix(d, m, lambda i, j: sp.Symbol(f"u_{i}{j}"))
    b1 = sp.Matrix(m, 1, lambda i, _: sp.Symbol(f"b_{i}"))
    W2 = sp.Matrix(m, k, lambda i, j: sp.Symbol(f"v_{i}{j}"))
    b2 = sp.Matrix(k, 1, lambda i, _: sp.Symbol(f"c_{i}"))
    return X, W1, b1, W2, b2


def _scaled(expr: sp.Expr, with_n: bool = False) -> sp.Expr:
    """D, M, K (and N) grown together: D = ds, M = ms, K = ks (N = ns), s -> infinity."""
    sizes = {D_: d_ * s_, M_: m_ * s_, K_: k_ * s_, **({N_: n_ * s_} if with_n else {})}
    return expr.subs(sizes, simultaneous=True)


def _counted(instances: dict[str, tuple[dict, int]], what: str) -> Check:
    """A candidate count formula judged at instances where the count was measured: substituted
    there, it must give each measured integer (a formula in other names gives no number)."""

    def check(value) -> Verdict:
        try:
            f = sp.sympify(value, strict=True)
        except (sp.SympifyError, TypeError):
            return Verdict("numeric", False, f"{what}: {str(value)[:60]} is not a formula")
        return prove.on_instances({name: _integer(f.subs(at)) == n for name, (at, n) in instances.items()}, what)

    return check


def _integer(x: sp.Expr) -> int | None:
    return int(x) if x.is_Integer else None


def _fmt(x) -> str:
    """An integer for LaTeX: thin-space groups, or 4 digits times a power of ten when huge."""
    v = int(x)
    if abs(v) < 10**9:
        return f"{v:,}".replace(",", r"\,")
    mant, exp = f"{float(v):.3e}".split("e")
    return rf"{mant}\times 10^{{{int(exp)}}}"


# ------------------------------------------------------------------ solve

def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(
        TOPIC, "Counting parameters, operations and updates", "comp433-a2, Questions 1-2", p,
        # P and F, once derived in 1(a) and 1(b), stand for their formulas in later displays
        notation=Notation(names={"P": param_count(D_, M_, K_), "F": forward_ops(N_, D_, M_, K_, a_, c_)}),
        question=(
            r"A fully connected classifier: $N$ samples of $D$ features ($X\in\mathbb{R}^{N\times D}$), "
            r"$M$ hidden units with activation $g$, $K$ ReLU outputs, then a softmax."
        ),
    )
    _parameters(sol, p, ctx)
    _operations(sol, p, ctx)
    _matrix_form(sol, p, ctx)
    _updates(sol, p, ctx)
    return sol


def _parameters(sol: Solution, p: Params, ctx: Context) -> None:
    pa = sol.part("1a", "Parameters", r"How many weights and biases does the network learn? (Worked example: "
                  rf"$D = {p.D}$, $M = {p.M}$, $K = {p.K}$.)")
    P_sym = param_count(D_, M_, K_)
    pa.chain("P", "P").define(
        r"DM + M + MK + K", D_ * M_ + M_ + M_ * K_ + K_,
        r"one weight per edge, one bias per unit: $W_1$, $b_1$, $W_2$, $b_2$",
    ).step(r"(D+1)M + (M+1)K", P_sym, "collect terms")
    pa.text(r"The softmax only normalises the $K$ outputs (no parameters); $N$ does not enter.")
    act = _sym_act(p.g)

    def free_count(d, m, k):
        X, W1, b1, W2, b2 = _sym_net(d, m, k)
        _, Z = forward_matrix(X, W1, b1, W2, b2, lambda A: A.applyfunc(act),
                              lambda A: A.applyfunc(lambda t: sp.Max(0, t)))
        Y = Z.applyfunc(sp.exp) / sum(Z.applyfunc(sp.exp))
        return len(Y.free_symbols - set(X))

    cases = {f"(D,M,K)={s}": (lambda s=s: prove.equal(free_count(*s), param_count(*s)))
             for s in [(1, 1, 2), (2, 3, 2), (3, 2, 4)]}
    pa.claim("symbolic-net", r"The SymPy-built network output (softmax included) depends on "
             r"exactly $(D+1)M + (M+1)K$ parameter symbols. (With $K = 1$ the softmax output is "
             r"identically 1 and depends on no parameter at all: a one-class softmax classifier "
             r"learns nothing.)",
             prove.proved_for_each(cases, "free symbols of the output counted"), aside=True)
    rng = ctx.rng("1a.random")
    shapes = [tuple(int(v) for v in rng.integers(1, 200, 3)) for _ in range(20)]
    counted = _counted({f"{s}": (dict(zip((D_, M_, K_), s)), sim.count_entries(sim.build_network(rng, *s)))
                        for s in shapes}, "entries counted")
    pa.claim("random", r"Networks built from NumPy arrays for 20 random $(D, M, K)$ hold "
             r"$(D+1)M + (M+1)K$ entries in total.", counted(P_sym), aside=True)
    P_ex = sp.Integer(param_count(p.D, p.M, p.K))
    counted_ex = witness.close(sim.count_entries(sim.unfilled_network(p.D, p.M, p.K)), rtol=0.0,
                               what="entries of unfilled arrays of the example's shapes")
    pa.claim("example", rf"Arrays of the worked example's shapes ($D={p.D}$, $M={p.M}$, $K={p.K}$; views "
             rf"of one zero, so any size is free) hold ${pa.quote(P_ex, 'example', '.10g')}$ entries.",
             counted_ex(P_ex), value=P_ex, aside=True)
    sol.answer("parameters", P_sym, check=counted, claims=("1a.random",))
    no_bias, softmax_layer = D_ * M_ + M_ * K_, P_sym + (K_ + 1) * K_
    forgot = (r"A bias is learned too: one per hidden unit and one per output unit, $M + K$ of them beside "
              r"the $DM + MK$ weights, so the count is $(D+1)M + (M+1)K$.")
    layer = (r"The softmax only normalises the $K$ outputs, $y_k = e^{z_k}/\sum_j e^{z_j}$: it has no weights "
             r"or biases of its own, so it adds nothing to $(D+1)M + (M+1)K$.")
    sol.misconception("parameters", "forgotten-biases", no_bias, forgot)
    sol.misconception("parameters", "softmax-as-layer", softmax_layer, layer)


def _operations(sol: Solution, p: Params, ctx: Context) -> None:
    pb = sol.part("1b", "Finite-difference gradient: operation count",
                  r"Estimating the gradient with the two-sided difference "
                  r"$\partial L/\partial\theta_i \approx "
                  r"[L(\theta + h e_i) - L(\theta - h e_i)]/(2h)$, "
                  r"how many additions and multiplications are needed (softmax ignored)?")
    pb.text(
        r"A unit with $D$ inputs costs $D$ multiplications, $D-1$ additions and a bias addition; "
        r"an activation evaluation costs $a$, softmax and loss $c$ per sample, the mean over $N$ "
        rf"samples $N$ (here $a = {p.act_cost}$, $c = {p.loss_cost}$: only additions and "
        r"multiplications). Per parameter: $\theta_i \pm h$ (2), two forward passes, a "
        r"subtraction and a multiplication by $1/(2h)$."
    )
    model = dict(n=N_, d=D_, m=M_, k=K_, a=a_, c=c_)
    F_model = (N_ * (M_ * (D_ + (D_ - 1) + 1) + K_ * (M_ + (M_ - 1) + 1) + a_ * (M_ + K_) + c_)
               + (N_ - 1) + 1)
    F_sym = forward_ops(**model)
    pb.chain("forward", "F").define(
        r"N\bigl[M(D + (D-1) + 1) + K(M + (M-1) + 1) + a(M+K) + c\bigr] + (N-1) + 1", F_model,
        "per sample: two layers, activations, loss; then the mean",
    ).step(r"N\bigl(2DM + 2MK + a(M+K) + c + 1\bigr)", F_sym, "collect terms")
    T_sym = fd_ops(**model)
    pb.chain("fd", r"T_{\mathrm{FD}}").define(
        r"P\,(2F + 4)", (D_ * M_ + M_ + M_ * K_ + K_) * (2 * F_model + 4),
        "per parameter: 2 forward passes, 4 more operations",
    ).step(r"\bigl((D+1)M + (M+1)K\bigr)\bigl(2N(2DM + 2MK + a(M+K) + c + 1) + 4\bigr)", T_sym,
           "by (a) and $F$",
    ).step(r"\bigl((D+1)M + (M+1)K\bigr)\bigl("
           + sp.latex(sp.expand(2 * forward_ops(N_, D_, M_, K_, p.act_cost, p.loss_cost) + 4),
                      order="lex") + r"\bigr)",
           param_count(D_, M_, K_) * (2 * forward_ops(N_, D_, M_, K_, p.act_cost, p.loss_cost) + 4),
           rf"$a = {p.act_cost}$, $c = {p.loss_cost}$", given={a_: p.act_cost, c_: p.loss_cost})
    lead = sp.limit(_scaled(T_sym) / (4 * N_ * (_scaled(D_ * M_ + M_ * K_)) ** 2), s_, sp.oo)
    pb.claim("order", r"For large layers $T_{\mathrm{FD}} = 4N(DM+MK)^2\,(1 + o(1)) = O(NP^2)$: "
             r"the ratio $T_{\mathrm{FD}}/4N(DM+MK)^2$ tends to 1 when $D, M, K$ grow in fixed "
             r"proportions, whatever $a, c$.", prove.equal(lead, 1), aside=True)

    B_model = (c_ * N_ + N_ * K_ * (1 + a_) + M_ * K_ * (2 * N_ - 1) + K_ * (N_ - 1)
               + N_ * M_ * (2 * K_ - 1) + N_ * M_ * (1 + a_) + D_ * M_ * (2 * N_ - 1)
               + M_ * (N_ - 1))
    B_sym = backward_ops(**model)
    # backprop's cost is a comparison the question does not ask for: its chain goes to the appendix
    pb.text(r"Backprop after a forward pass computes $G_2 = \partial L/\partial Z \odot \mathrm{ReLU}'(A_2)$, "
            r"$\nabla W_2 = H^\top G_2$, $\nabla b_2 = G_2^\top\mathbf{1}$, $G_1 = (G_2W_2^\top)\odot g'(A_1)$, "
            r"$\nabla W_1 = X^\top G_1$ and $\nabla b_1 = G_1^\top\mathbf{1}$; its cost $B$ is in the appendix.")
    pb.chain("backward", r"B", aside=True).define(
        r"cN + N(K+M)(1+a) + MK(2N-1) + NM(2K-1) + DM(2N-1) + (K+M)(N-1)", B_model,
        "the six products above, counted",
    ).step(r"2NDM + 4NMK + 2NK + NM - DM - MK - M - K + aN(M+K) + cN", B_sym, "collect terms")
    ratio = sp.limit(_scaled(F_sym + B_sym, True) / _scaled(F_sym, True), s_, sp.oo)
    pb.claim("bp-ratio", r"Backprop costs $F + B \approx \frac{2DM + 3MK}{DM + MK}F$, between 2 "
             r"and 3 forward passes: when $N, D, M, K$ grow together the ratio tends to "
             r"$3 - \frac{D}{D+K}$.", prove.equal(ratio, 3 - d_ / (d_ + k_)), aside=True)
    speed = sp.limit(_scaled(T_sym, True) / (_scaled(param_count(D_, M_, K_), True)
                                             * _scaled(F_sym + B_sym, True)), s_, sp.oo)
    pb.claim("fd-vs-bp", r"Finite differences cost about $\frac{2(D+K)}{2D+3K}P$ times backprop, "
             r"i.e. between $\tfrac23P$ and $P$ times: one gradient of $P$ entries needs $2P$ "
             r"forward passes instead of about three (same limit).",
             prove.equal(speed, 2 * (d_ + k_) / (2 * d_ + 3 * k_)), aside=True)

    rng = ctx.rng("1b.counted")
    measured = {}
    for _ in range(p.trials):
        n, d, m, k = (int(v) for v in rng.integers(1, p.max_size + 1, 4))
        m, k = max(m, 2), max(k, 2)
        measured[(n, d, m, k)] = sim.measure_counts(rng, n, d, m, k, p.g, p.act_cost,
                                                    p.loss_cost)

    def counted(key: str) -> Check:
        return _counted({f"(N,D,M,K)={nd}": (dict(zip((N_, D_, M_, K_, a_, c_), (*nd, p.act_cost, p.loss_cost))),
                                             r[key]) for nd, r in measured.items()},
                        "scalar operations counted one by one in loops")

    counted_f, counted_fd, counted_bp = counted("forward"), counted("fd"), counted("backprop")
    pb.claim("counted-forward", r"A forward pass written with counted scalar operations performs "
             r"exactly $F$ of them on random small networks.", counted_f(F_sym), aside=True)
    pb.claim("counted-fd", r"The counted two-sided finite-difference loop performs exactly "
             r"$T_{\mathrm{FD}}$ operations.", counted_fd(T_sym), aside=True)
    pb.claim("counted-bp", r"Counted backpropagation performs exactly $F + B$ operations.",
             counted_bp(F_sym + B_sym), aside=True)
    gap = max(r["gap"] for r in measured.values())
    pb.claim("same-gradient", r"The counted programs compute the gradient: finite differences "
             r"($h = 10^{-6}$) and backprop agree to $10^{-7}$ on every counted network.",
             prove.close(gap, 0.0, rtol=0.0, atol=1e-7, what="largest |FD - backprop| entry"), aside=True)
    ex = [sp.Integer(v) for v in (p.N, p.D, p.M, p.K, p.act_cost, p.loss_cost)]
    P_ex, F_ex, T_ex = param_count(*ex[1:4]), forward_ops(*ex), fd_ops(*ex)
    BP_ex = F_ex + backward_ops(*ex)
    pb.table(["quantity", "formula", "value"], [
        ["parameters", "$P$", f"${_fmt(P_ex)}$"],
        ["one forward pass", "$F$", f"${_fmt(F_ex)}$"],
        ["finite differences", r"$T_{\mathrm{FD}}$", f"${_fmt(T_ex)}$"],
        ["backpropagation", "$F + B$", f"${_fmt(BP_ex)}$"],
        ["ratio", r"$T_{\mathrm{FD}}/(F+B)$", f"${_fmt(round(T_ex / BP_ex))}$"],
    ], caption=rf"Worked example: $D={p.D}$, $M={p.M}$, $K={p.K}$, $N={p.N}$, "
               rf"$a={p.act_cost}$, $c={p.loss_cost}$.", aside=True)
    sol.answer("forward ops", F_sym, check=counted_f, claims=("1b.counted-forward",))
    # shown factored: expanded it is a box of 25 terms
    sol.answer("finite-difference ops", sp.factor(T_sym), check=counted_fd, claims=("1b.counted-fd",))
    sol.answer("backprop ops", sp.expand(F_sym + B_sym), check=counted_bp, claims=("1b.counted-bp",))
    sol.misconception("forward ops", "bias-additions-forgotten",
                      N_ * ((2 * D_ - 1) * M_ + (2 * M_ - 1) * K_ + a_ * (M_ + K_) + c_ + 1),
                      r"A unit with $D$ inputs makes $D$ multiplications and $D - 1$ additions to sum them, "
                      r"then one more addition for its bias: $2D$ operations per hidden unit and $2M$ per "
                      r"output unit, not $2D - 1$ and $2M - 1$.")
    if any(nd[0] > 1 for nd in measured):  # the counted networks must have more than one sample to tell
        sol.misconception("forward ops", "per-sample-count", sp.expand(F_sym / N_),
                          r"The forward pass runs over all $N$ rows of $X$: every per-sample operation happens "
                          r"$N$ times, and averaging the $N$ losses costs $N$ more, so the count for one sample "
                          r"is multiplied by $N$.")
    P = param_count(D_, M_, K_)
    # the slip in its own form, P (F + 4): expanded it is a line of 25 terms
    sol.misconception("finite-difference ops", "one-pass-per-parameter", P * (F_sym + 4),
                      r"The two-sided difference needs the loss at $\theta + he_i$ and at $\theta - he_i$: two "
                      r"forward passes for every parameter, so the count is $P(2F + 4)$, not $P(F + 4)$.")
    sol.misconception("finite-difference ops", "passes-shared", sp.expand(2 * F_sym + 4 * P),
                      r"Each of the $P$ partial derivatives needs its own pair of forward passes; moving all "
                      r"parameters at once gives one directional derivative, not the gradient. The count is "
                      r"$P(2F + 4)$, not $2F + 4P$.")
    sol.misconception("backprop ops", "backward-only", sp.expand(B_sym),
                      r"Backpropagation needs the activations of a forward pass before it can go backward: "
                      r"its cost is the forward pass plus the backward pass, $F + B$, not $B$ alone.")


def _matrix_form(sol: Solution, p: Params, ctx: Context) -> None:
    pc = sol.part("1c", "Forward pass in matrix form",
                  r"Write the map from the inputs to the outputs with matrices and vectors.")
    pc.text(r"With $W_1\in\mathbb{R}^{D\times M}$, $b_1\in\mathbb{R}^{M}$, "
            r"$W_2\in\mathbb{R}^{M\times K}$, $b_2\in\mathbb{R}^{K}$ and "
            r"$\mathbf{1}\in\mathbb{R}^N$ a column of ones: "
            r"$H = g(XW_1 + \mathbf{1}b_1^\top)\in\mathbb{R}^{N\times M}$, "
            r"$Z = \mathrm{ReLU}(HW_2 + \mathbf{1}b_2^\top)\in\mathbb{R}^{N\times K}$ and "
            r"$Y_{nk} = e^{Z_{nk}}/\sum_{j} e^{Z_{nj}}$, the softmax of each row; $g$ and ReLU act "
            r"entrywise. For one sample (a column $x$): $y = \mathrm{softmax}(\mathrm{ReLU}("
            r"W_2^\top g(W_1^\top x + b_1) + b_2))$.")
    Xs, W1s, W2s = (sp.MatrixSymbol(nm, r, q)
                    for nm, r, q in (("X", N_, D_), ("W_1", D_, M_), ("W_2", M_, K_)))
    b1s, b2s = sp.MatrixSymbol("b_1", M_, 1), sp.MatrixSymbol("b_2", K_, 1)
    one = sp.MatrixSymbol("1", N_, 1)
    A1, A2 = Xs * W1s + one * b1s.T, sp.MatrixSymbol("H", N_, M_) * W2s + one * b2s.T
    pc.claim("shapes", r"The products are defined and $XW_1 + \mathbf{1}b_1^\top$ is "
             r"$N\times M$, $HW_2 + \mathbf{1}b_2^\top$ is $N\times K$ (SymPy matrix symbols of "
             r"symbolic size).",
             prove.equal(A1.shape[0], N_) & prove.equal(A1.shape[1], M_)
             & prove.equal(A2.shape[0], N_) & prove.equal(A2.shape[1], K_), aside=True)
    act = _sym_act(p.g)
    relu_s = lambda A: A.applyfunc(lambda t: sp.Max(0, t))  # noqa: E731

    def entrywise(n, d, m, k):
        X, W1, b1, W2, b2 = _sym_net(d, m, k, n)
        _, Z = forward_matrix(X, W1, b1, W2, b2, lambda A: A.applyfunc(act), relu_s)
        hidden = lambda i, j: act(sum(X[i, r] * W1[r, j] for r in range(d)) + b1[j])  # noqa: E731
        Zdef = sp.Matrix(n, k, lambda i, q: sp.Max(
            0, sum(W2[j, q] * hidden(i, j) for j in range(m)) + b2[q]))
        return prove.equal(Z, Zdef, budget=0.2)

    cases = {f"(N,D,M,K)={s}": (lambda s=s: entrywise(*s))
             for s in [(2, 3, 2, 2), (3, 2, 3, 1), (1, 1, 1, 3)]}
    pc.claim("entrywise", r"Entry by entry, the matrix form equals the definition "
             r"$z_{nk} = \mathrm{ReLU}\bigl(\sum_j w^{(2)}_{jk}\,"
             r"g(\sum_i x_{ni}w^{(1)}_{ij} + b^{(1)}_j) + b^{(2)}_k\bigr)$ "
             r"(symbolic weights and inputs).",
             prove.proved_for_each(cases, "all entries compared"), aside=True)
    rng = ctx.rng("1c.loop")
    npact = _np_act(p.g)
    gaps = {}
    for _ in range(5):
        n, d, m, k = (int(v) for v in rng.integers(1, 9, 4))
        net = sim.build_network(rng, d, m, k)
        X = rng.standard_normal((n, d))
        _, Z = forward_matrix(X, net["W1"], net["b1"][:, None], net["W2"], net["b2"][:, None],
                              npact, lambda A: np.maximum(A, 0.0))
        Y = softmax_rows(Z)
        ref = sim.loop_forward(X, net, p.g)
        gaps[(n, d, m, k)] = Y.shape == ref.shape and float(np.max(np.abs(Y - ref))) < 1e-12
    pc.claim("loop", r"On random sizes and weights the matrix form (NumPy) reproduces a "
             r"per-sample loop over the scalar definition to $10^{-12}$, with $Y$ of shape "
             r"$N\times K$.",
             prove.on_instances({f"(N,D,M,K)={s}": ok for s, ok in gaps.items()}, "compared"), aside=True)
    pc.text(r"(A ReLU before the softmax is unusual; the counts do not depend on it.)")
    k_dead = 4
    Yd, gmax = sim.dead_outputs(ctx.rng("1c.dead"), 4, 3, 5, k_dead, p.g, shift=100.0)
    zero = sp.zeros(1, k_dead)
    uniform = zero.applyfunc(sp.exp) / sum(zero.applyfunc(sp.exp))  # softmax of Z = 0
    pc.claim("dead", r"The logits $Z$ of a ReLU output layer cannot be negative, so a class cannot be "
             r"pushed below the others by a negative score; usually the last layer is affine and the "
             r"softmax provides the nonlinearity. "
             rf"Lowering every output bias by 100 in a random network ($K = {k_dead}$): "
             r"every prediction is the softmax of $Z = 0$, i.e. $1/K$, and backpropagation "
             r"returns an all-zero gradient.",
             prove.close(float(np.max(np.abs(Yd - np.array(uniform, dtype=float)))), 0.0,
                         rtol=0.0, atol=1e-15, what="largest |y - softmax(0)|")
             & prove.close(gmax, 0.0, rtol=0.0, atol=0.0, what="largest |gradient entry|"), aside=True)


def _updates(sol: Solution, p: Params, ctx: Context) -> None:
    q2 = sol.part("2", "Updates per parameter",
                  rf"How often is each parameter updated in {p.epochs} epochs over "
                  rf"${_fmt(p.samples)}$ samples with SGD, mini-batches of {p.batch} and "
                  r"full-batch gradient descent?")
    q2.text(r"Each step updates every parameter once, so the count is $E$ epochs times "
            r"$\lceil N/B\rceil$ batches per epoch (batch size $B$, last shorter batch kept).")
    sheet = {N_: p.samples, E_: p.epochs, B_: p.batch}
    values = "sheet values" if p.is_default("samples", "epochs", "batch") else "the question's values"
    mb, mb_drop = f"mini-batch {p.batch}", f"mini-batch {p.batch}, last dropped"
    upd = {"SGD": (1, False), mb: (p.batch, False), mb_drop: (p.batch, True),
           "full batch": (p.samples, False)}
    derived = {name: updates_per_parameter(p.samples, p.epochs, b, drop)
               for name, (b, drop) in upd.items()}
    per_epoch = sp.ceiling(sp.Rational(p.samples, p.batch))
    q2.chain("minibatch", r"U_{\mathrm{mini}}").define(
        None, E_ * sp.ceiling(N_ / B_), "one update per batch, last batch kept",
    ).step(sp.Mul(p.epochs, per_epoch, evaluate=False), derived[mb], values, given=sheet,
    ).step(None, derived[mb], "multiply")
    q2.chain("sgd", r"U_{\mathrm{SGD}}").define(
        None, E_ * N_, r"$B = 1$: $\lceil N/1\rceil = N$ batches per epoch",
    ).step(None, derived["SGD"], values, given=sheet)
    q2.chain("full", r"U_{\mathrm{full}}").define(
        None, E_, r"$B = N$: $\lceil N/N\rceil = 1$ batch per epoch",
    ).step(None, derived["full batch"], values, given=sheet)
    rest = p.samples % p.batch
    q2.text(rf"The last mini-batch holds $N - B\lfloor N/B\rfloor = {rest}$ samples"
            + (r"; if that short batch is dropped each epoch, the count is "
               rf"$E\lfloor N/B\rfloor = {_fmt(derived[mb_drop])}$."
               if rest else r", so no batch is short."))
    runs = {name: sim.simulate_epochs(p.samples, p.epochs, b, drop)
            for name, (b, drop) in upd.items()}
    q2.claim("simulated", r"Simulating the epoch loop's batch boundaries gives the same counts, "
             r"and every sample is used $E$ times (all but the $N \bmod B$ dropped ones per "
             r"epoch).",
             prove.on_instances({
                 name: runs[name]["updates"] == int(derived[name])
                 and runs[name]["uses"] == p.epochs * (p.samples - (p.samples % b if drop else 0))
                 for name, (b, drop) in upd.items()}, "updates counted in the simulated loop"), aside=True)
    rng = ctx.rng("2.random")
    pairs = [(int(n), int(b)) for n, b in zip(rng.integers(1, 3000, 24), rng.integers(1, 200, 24))]
    pairs += [(1280, 128), (127, 128), (1, 1)]
    loops = {(n, b, drop): sim.simulate_epochs(n, 2, b, drop)["updates"] for n, b in pairs for drop in (False, True)}
    both = {f"({n},{b})": all(loops[n, b, drop] == int(updates_per_parameter(n, 2, b, drop))
                              for drop in (False, True))
            for n, b in pairs}
    q2.claim("ceil-floor", r"$\lceil N/B\rceil$ (last batch kept) and $\lfloor N/B\rfloor$ "
             rf"(dropped) match the simulated loop for {len(pairs)} other $(N, B)$, divisible and "
             r"not.", prove.on_instances(both, "simulated over 2 epochs"), aside=True)
    q2.table(["method", "batch size", "updates per epoch", rf"updates in {p.epochs} epochs"], [
        [name, f"${_fmt(b)}$", f"${_fmt(derived[name] / p.epochs)}$", f"${_fmt(derived[name])}$"]
        for name, (b, _) in upd.items()], caption="Updates of each parameter.", aside=True)
    q2.text(rf"SGD makes about {float(derived['SGD'] / derived[mb]):.0f} times as many updates as "
            r"mini-batches (the batch size); full-batch descent one per epoch.")
    for name, value in derived.items():
        sol.answer(f"updates: {name}", value, claims=("2.simulated",), rtol=0.0, check=witness.close(
            runs[name]["updates"], rtol=0.0, what=f"updates counted in the simulated loop, {name}"))
    formula = E_ * sp.ceiling(N_ / B_)
    sol.answer("updates formula", formula, claims=("2.ceil-floor",), check=_counted(
        {f"({n},{b})": ({N_: n, B_: b, E_: 2}, loops[n, b, False]) for n, b in pairs},
        "updates counted in the simulated loop over 2 epochs, last batch kept"))
    sol.misconception("updates formula", "floor-batches", E_ * sp.floor(N_ / B_),
                      r"Rounding $N/B$ down drops the last, shorter batch; it still makes an update unless "
                      r"it is dropped on purpose, so an epoch has $\lceil N/B\rceil$ batches.")
    sol.misconception("updates formula", "no-rounding", E_ * N_ / B_,
                      r"The number of batches is a whole number, $\lceil N/B\rceil$ (the last batch may be "
                      r"shorter); $EN/B$ is not even an integer unless $B$ divides $N$.")
    if rest:
        sol.misconception(f"updates: {mb}", "last-batch-dropped", derived[mb_drop],
                          rf"$N = {_fmt(p.samples)}$ is not a multiple of $B = {p.batch}$: the last batch of "
                          rf"each epoch holds only ${rest}$ samples but still makes an update, so an epoch has "
                          r"$\lceil N/B\rceil$ batches, not $\lfloor N/B\rfloor$.")
    if p.epochs > 1:
        sol.misconception(f"updates: {mb}", "epochs-forgotten", per_epoch,
                          rf"This counts one epoch; each of the $E = {p.epochs}$ epochs repeats every batch, "
                          r"so the updates are $E\lceil N/B\rceil$.")
        sol.misconception("updates: SGD", "sgd-epochs-forgotten", sp.Integer(p.samples),
                          rf"SGD makes one update per sample in every epoch: $N$ per epoch, so $EN$ over the "
                          rf"$E = {p.epochs}$ epochs, not $N$.")
    if p.samples > 1:
        sol.misconception("updates: full batch", "full-batch-per-sample", derived["SGD"],
                          r"Full-batch gradient descent averages the gradient over all $N$ samples and then "
                          r"makes one update: one per epoch, $E$ in all. One update per sample is SGD.")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
