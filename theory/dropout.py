"""Dropout on least-squares regression and its ridge-like penalty (iust-dl-hw1 P6)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp
import sympy.stats as st

from checks import dropout as sim
from theory.core import prove, witness
from theory.core.context import Context
from theory.core.expectation import Independent, bernoulli
from theory.core.latexread import Notation
from theory.core.params import Parameters, param
from theory.core.solution import ANSWER_RTOL, Check, Solution
from theory.core.verdict import Verdict

TOPIC = "dropout"
MAX_NKD = 12  # the identity is expanded symbolically for the sizes with N K D at most this
rho_ = sp.Symbol("rho", positive=True)
N_, K_, D_ = sp.symbols("N K D", integer=True, positive=True)
n_, k_, i_ = sp.symbols("n k i", integer=True, positive=True)
y_, w_, x_, R_ = (sp.IndexedBase(name) for name in "ywxR")
y1, w1, x1 = sp.symbols("y w x", real=True)  # one point's target, weight and input: the graded form of (b)


class _Entry(sp.Indexed):
    """y_nk, w_ki, x_ni, R_ni (1-based): an entry printed without a comma between its indices."""

    def _latex(self, printer) -> str:
        return f"{self.base.label}_{{{''.join(printer._print(k) for k in self.indices)}}}"


def entry(base: sp.IndexedBase):
    """The family base_(indices), as the displays subscript it."""
    return lambda *indices: _Entry(base, *indices)


class Mean(sp.Function):
    """E[...] over the masks R, independent Bernoulli(rho); evaluated once the sums' sizes are numbers."""

    def _latex(self, printer, exp=None) -> str:
        tex = rf"\mathbb{{E}}\Bigl[{sp.latex(self.args[0], order='none')}\Bigr]"
        return tex if exp is None else f"{tex}^{{{exp}}}"

    def doit(self, **hints) -> sp.Expr:
        body = self.args[0].doit(**hints)
        return Independent({r: bernoulli(rho_) for r in body.atoms(sp.Indexed) if r.base == R_}).E(body)


s_ = sp.Sum(_Entry(w_, i_) * _Entry(R_, i_) * _Entry(x_, i_), (i_, 1, D_))  # (b): s for one (n, k)
NOTATION = Notation(
    names={r"\mathbb{E}[s]": Mean(s_), r"\mathbb{E}[s^2]": Mean(s_**2), r"\lambda": (1 - rho_) / rho_},
    indexed={"y": entry(y_), "w": entry(w_), "x": entry(x_), r"\tilde{w}": lambda *ix: rho_ * _Entry(w_, *ix),
             r"\delta": sp.KroneckerDelta},
    sums={"i": (1, D_), "j": (1, D_), "n": (1, N_), "k": (1, K_)},
)


RHO_SIMULATED = (0.2, 0.99)
RESOLVED = 0.02  # a misconception is declared where it is off by twice the simulations' 1% resolution


def _keep_probability(rho: float) -> str | None:
    """0 (all dropped), 1 (no dropout), or a probability the simulations resolve.

    Below 0.2 the product of two masks (mean rho^2) needs more than 3 * 10^7 samples for a 1%
    resolution; above 0.99 a pilot run sees too few dropped inputs to measure the spread.
    """
    lo, hi = RHO_SIMULATED
    return None if rho in (0, 1) or lo <= rho <= hi else f"must be 0, 1 or in [{lo:g}, {hi:g}], got {rho:.6g}"


@dataclass(frozen=True)
class Params(Parameters):
    rho: float = param(0.8, r"probability that an input is kept, $R \sim \mathrm{Bernoulli}(\rho)$", lo=0.0, hi=1.0,
                       check=_keep_probability)
    N: int = param(3, "data points in the random instance simulated", lo=1, hi=4)
    K: int = param(2, "outputs in the random instance simulated", lo=1, hi=4)
    D: int = param(3, "inputs in the random instance simulated", lo=1, hi=4)
    max_size: int = param(3, "largest N, K and D of the sizes on which (b)'s identity is proved symbolically "
                          "(those listed in (b))", lo=1, hi=4)


def expected_error(Y, W, X, rho):
    """E[E(W)] = sum_nk (y_nk - rho sum_i w_ki x_ni)^2 + rho(1-rho) sum_nki w_ki^2 x_ni^2: result of (b).

    Works on SymPy matrices and NumPy arrays alike.
    """
    N, D = X.shape
    K = W.shape[0]
    first = sum((Y[n, k] - rho * sum(W[k, i] * X[n, i] for i in range(D))) ** 2
                for n in range(N) for k in range(K))
    second = rho * (1 - rho) * sum(W[k, i] ** 2 * X[n, i] ** 2
                                   for n in range(N) for k in range(K) for i in range(D))
    return first + second


def ridge_minimiser(Y: np.ndarray, X: np.ndarray, rho: float) -> np.ndarray:
    """argmin of (c)'s ridge form: W^T = (1/rho)(X^T X + lam diag(X^T X))^-1 X^T Y, lam = (1-rho)/rho."""
    return _ridge(Y, X, rho, (1 - rho) / rho)


def _ridge(Y: np.ndarray, X: np.ndarray, rho: float, lam: float) -> np.ndarray:
    G = X.T @ X
    return (np.linalg.solve(G + lam * np.diag(np.diag(G)), X.T @ Y) / rho).T


def _penalty_weight(Y: np.ndarray, X: np.ndarray, rho: float, exact: np.ndarray) -> Check:
    """A candidate lambda judged by the enumerated minimiser of (c): the ridge fit with that lambda must
    land on it (a wrong lambda shrinks the weights by the wrong amount)."""

    def check(value) -> Verdict:
        lam = witness.number(value)
        if lam is None or lam < 0:
            return Verdict("numeric", False, f"lambda = {value} is not a non-negative number")
        gap = float(np.max(np.abs(exact - _ridge(Y, X, rho, lam))))
        return prove.close(gap, 0.0, rtol=0.0, atol=1e-8,
                           what=r"max $|W_{\mathrm{enumerated}} - W_{\mathrm{ridge}}|$ at $\lambda$ = " f"{lam:.6g}")

    return check


def _differs(wrong: float, right: float, rel: float = RESOLVED) -> bool:
    """Whether a wrong value is far enough from the right one for the witness and for grading to tell."""
    return abs(float(wrong) - float(right)) > max(rel, 10 * ANSWER_RTOL) * abs(float(right))


def _symbolic_instance(N: int, K: int, D: int):
    """Y, W, X of the given sizes, every entry a separate symbol (y_nk, w_ki, x_ni, counted from 1)."""
    return tuple(sp.Matrix(rows, cols, lambda a, b, base=base: _Entry(base, a + 1, b + 1))
                 for base, rows, cols in ((y_, N, K), (w_, K, D), (x_, N, D)))


def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(
        TOPIC, "Dropout as a regulariser", "iust-dl-hw1, Problem 6", p,
        notation=NOTATION,
        question=(
            r"A linear model $y_k = \sum_i w_{ki}x_i$ is trained with dropout on its inputs: the "
            r"squared error $E(\mathbf W) = \sum_{n,k}\bigl(y_{nk} - \sum_i w_{ki}R_{ni}x_{ni}\bigr)^2$ "
            rf"uses independent masks $R_{{ni}} \sim \mathrm{{Bernoulli}}(\rho)$, here with $\rho = {p.rho:g}$. "
            r"Find the moments of $R$, the expected error, and what its extra term means."
        ),
    )
    rho = sp.nsimplify(p.rho)
    # (a)
    pa = sol.part("a", "Moments of the mask",
                  r"Show $\mathbb{E}[R_{ni}] = \rho$ and "
                  r"$\mathbb{E}[R_{ni}R_{nj}] = \delta_{ij}\rho + (1-\delta_{ij})\rho^2$.")
    Ri, Rj = st.Bernoulli("R_i", rho_), st.Bernoulli("R_j", rho_)
    pa.claim("mean", r"$\mathbb{E}[R] = 1\cdot\rho + 0\cdot(1-\rho) = \rho$.", prove.equal(st.E(Ri), rho_))
    pa.claim("same", r"$i = j$: $R^2 = R$ for $R\in\{0,1\}$, so $\mathbb{E}[R_{ni}^2] = \rho$.",
             prove.equal(st.E(Ri**2), rho_))
    pa.claim("distinct", r"$i \neq j$: independent masks, so $\mathbb{E}[R_{ni}R_{nj}] = "
             r"\mathbb{E}[R_{ni}]\,\mathbb{E}[R_{nj}] = \rho^2$.", prove.equal(st.E(Ri * Rj), rho_**2))
    delta = lambda i, j: rho_ if i == j else rho_**2  # noqa: E731
    pa.claim("formula", r"Both cases are $\delta_{ij}\rho + (1-\delta_{ij})\rho^2$.",
             prove.equal(delta(0, 0), sp.KroneckerDelta(0, 0) * rho_ + (1 - sp.KroneckerDelta(0, 0)) * rho_**2)
             & prove.equal(delta(0, 1), sp.KroneckerDelta(0, 1) * rho_ + (1 - sp.KroneckerDelta(0, 1)) * rho_**2))
    if 0 < p.rho:
        v_mean = ctx.monte_carlo("a.mean", lambda rng, n: sim.bernoulli(rng, n, p.rho), float(rho))
        v_pair = ctx.monte_carlo("a.pair", lambda rng, n: sim.bernoulli(rng, n, p.rho)
                                 * sim.bernoulli(rng, n, p.rho), float(rho**2))
        mean_check = witness.monte_carlo(v_mean, "mean of the simulated masks")
        pair_check = witness.monte_carlo(v_pair, "mean of the product of two simulated masks")
    else:  # every mask is 0: nothing to simulate; sympy.stats at rho = 0 decides
        v_mean, v_pair = prove.equal(0, rho), prove.equal(0, rho**2)
        at_rho = st.Bernoulli("R_i", rho), st.Bernoulli("R_j", rho)
        mean_check = witness.equal(st.E(at_rho[0]), "E[R] by sympy.stats")
        pair_check = witness.equal(st.E(at_rho[0] * at_rho[1]), "E[R_i R_j] by sympy.stats")
    pa.claim("mc.mean", rf"Simulation at $\rho = {p.rho:g}$: mean of the mask.", v_mean)
    pa.claim("mc.pair", rf"Simulation at $\rho = {p.rho:g}$: mean of the product of two masks.", v_pair)

    # (b)
    pb = sol.part("b", "The expected error",
                  r"Show that $\mathbb{E}[E(\mathbf W)]$ is the squared error of the model scaled by "
                  r"$\rho$ plus $\rho(1-\rho)\sum_{n,k,i} w_{ki}^2x_{ni}^2$.")
    y = sp.Symbol("y")
    w, x = entry(w_), entry(x_)

    def wx(D):
        return sum(w(i) * x(i) for i in range(1, D + 1))

    def squares(D):
        return sum(w(i) ** 2 * x(i) ** 2 for i in range(1, D + 1))

    cases = {f"D={D}": {"D": D} for D in range(1, 5)}
    pb.text(r"Fix one $(n, k)$ and write $s = \sum_i w_{ki}R_{ni}x_{ni}$; the sum over $n, k$ is "
            r"taken at the end.")
    pb.chain("term", r"\mathbb{E}\bigl[(y - s)^2\bigr]", cases, sizes={"D": D_}).define(
        r"y^2 - 2y\,\mathbb{E}[s] + \mathbb{E}[s^2]", lambda D: Mean((y - s_) ** 2).subs(D_, D).doit(),
    ).step(
        r"y^2 - 2y\rho\sum_i w_ix_i + \sum_i\sum_j w_iw_jx_ix_j\,\bigl(\delta_{ij}\rho + (1-\delta_{ij})\rho^2\bigr)",
        lambda D: y**2 - 2 * y * rho_ * wx(D) + sum(w(i) * w(j) * x(i) * x(j) * delta(i, j)
                                                    for i in range(1, D + 1) for j in range(1, D + 1)),
        r"linearity; $\mathbb{E}[R_iR_j]$ by (a)",
    ).step(
        r"y^2 - 2y\rho\sum_i w_ix_i + \rho^2\Bigl(\sum_i w_ix_i\Bigr)^2 + \rho(1-\rho)\sum_i w_i^2x_i^2",
        lambda D: y**2 - 2 * y * rho_ * wx(D) + rho_**2 * wx(D) ** 2 + rho_ * (1 - rho_) * squares(D),
        r"split $i = j$ from $i \neq j$",
    ).step(
        r"\Bigl(y - \rho\sum_i w_ix_i\Bigr)^2 + \rho(1-\rho)\sum_i w_i^2x_i^2",
        lambda D: (y - rho_ * wx(D)) ** 2 + rho_ * (1 - rho_) * squares(D),
        "complete the square",
    )
    sizes = {"N": N_, "K": K_, "D": D_}
    whole = {f"({N},{K},{D})": {"N": N, "K": K, "D": D}
             for N in range(1, p.max_size + 1) for K in range(1, p.max_size + 1)
             for D in range(1, p.max_size + 1) if N * K * D <= MAX_NKD}
    error = sp.Sum(sp.Add(_Entry(y_, n_, k_), -sp.Sum(_Entry(w_, k_, i_) * _Entry(R_, n_, i_) * _Entry(x_, n_, i_),
                                                       (i_, 1, D_)), evaluate=False) ** 2, (n_, 1, N_), (k_, 1, K_))
    result = (r"\sum_n\sum_k\Bigl(y_{nk} - \rho\sum_i w_{ki}x_{ni}\Bigr)^2"
              r" + \rho(1-\rho)\sum_n\sum_k\sum_i w_{ki}^2x_{ni}^2")

    def expected(N, K, D):
        Y, W, X = _symbolic_instance(N, K, D)
        return expected_error(Y, W, X, rho_)

    pb.text(r"Summed over $n, k$, with every $y_{nk}, w_{ki}, x_{ni}$ a separate symbol and the expectation "
            rf"expanded exactly over all masks for each of the {len(whole)} sizes $(N, K, D)$ with "
            rf"$N, K, D \le {p.max_size}$ and $NKD \le {MAX_NKD}$, namely "
            + ", ".join(f"${size}$" for size in whole) + ":")
    enumerated = {}  # the expectation over every mask, computed at each size: the witness of (b)

    def over_masks(N, K, D):
        enumerated[N, K, D] = Mean(error).subs({N_: N, K_: K, D_: D}).doit()
        return enumerated[N, K, D]

    pb.chain("identity", r"\mathbb{E}[E(\mathbf W)]", whole, sizes=sizes).define(
        Mean(error), over_masks,
    ).step(result, expected, "expectation over all masks, symbolically for each size")
    rng = ctx.rng("instance")
    Y = rng.normal(size=(p.N, p.K))
    W = rng.normal(size=(p.K, p.D))
    X = rng.normal(size=(p.N, p.D))
    claimed = float(expected_error(Y, W, X, p.rho))
    instance = (rf"a random instance ($N={p.N}$, $K={p.K}$, $D={p.D}$, $\rho = {p.rho:g}$, standard normal "
                r"data and weights)")
    pb.text(rf"As a number: on {instance}, drawn once, the formula gives "
            rf"$\mathbb{{E}}[E(\mathbf W)] = {pb.quote(claimed, 'mc')}$.")
    if p.rho in (0, 1):  # every mask is the same: one draw, compared up to rounding
        one = float(sim.sampled_errors(ctx.rng("b.instance"), 1, Y, W, X, p.rho)[0])
        error_check = witness.close(one, rtol=1e-12, what="E(W) for the one possible mask")
        pb.claim("mc", rf"On {instance} every mask is the same, so one sampled $E(\mathbf W)$ is the expectation.",
                 error_check(claimed), value=claimed, aside=True)
    else:
        v_error = ctx.monte_carlo("b.instance", lambda g, n: sim.sampled_errors(g, n, Y, W, X, p.rho), claimed)
        error_check = witness.monte_carlo(v_error, "mean of E(W) over sampled masks")
        pb.claim("mc", rf"Simulation on {instance}: mean of $E(\mathbf W)$ over sampled masks.", v_error,
                 value=claimed)

    # (c)
    pc = sol.part("c", "What the second term resembles",
                  r"Interpret $\rho(1-\rho)\sum_{n,k,i} w_{ki}^2x_{ni}^2$.")
    pc.text(
        r"An $L_2$ (ridge, weight-decay) penalty $\rho(1-\rho)\sum_{k,i} c_i\,w_{ki}^2$, each input "
        r"weighted by its energy $c_i = \sum_n x_{ni}^2$ (Tikhonov with $\mathrm{diag}(X^\top X)$). "
        r"With $\tilde w = \rho w$, $\lambda = (1-\rho)/\rho$ it is exactly ridge regression "
        r"(chain in the appendix)."
    )
    small = {f"({N},{K},{D})": {"N": N, "K": K, "D": D} for N in (1, 2) for K in (1, 2) for D in (1, 2)}

    def ridge(N, K, D):
        Y, W, X = _symbolic_instance(N, K, D)
        tilde, lam = W * rho_, (1 - rho_) / rho_
        return sum((Y[n, k] - sum(tilde[k, i] * X[n, i] for i in range(D))) ** 2
                   for n in range(N) for k in range(K)) + lam * sum(
            tilde[k, i] ** 2 * sum(X[n, i] ** 2 for n in range(N)) for k in range(K) for i in range(D))

    ridge_chain = pc.chain("ridge", r"\mathbb{E}[E(\mathbf W)]", small, sizes=sizes, aside=True)
    ridge_chain.define(result, expected, "by (b)").step(
        r"\sum_n\sum_k\Bigl(y_{nk} - \sum_i \tilde w_{ki}x_{ni}\Bigr)^2 + \lambda\sum_k\sum_i"
        r"\Bigl(\sum_n x_{ni}^2\Bigr)\tilde w_{ki}^2", ridge,
        r"$\tilde w_{ki} = \rho w_{ki}$, $\lambda = (1-\rho)/\rho$; symbolically for $N, K, D \le 2$",
    )
    lam_check = None
    if 0 < p.rho:
        exact = sim.exact_dropout_minimiser(Y, X, p.rho)
        lam_check = _penalty_weight(Y, X, p.rho, exact)
        closed = ridge_minimiser(Y, X, p.rho)
        pc.claim("minimiser", r"On the random instance of (b), minimising the exact expected error "
                 rf"(all $2^{{{p.N * p.D}}}$ masks enumerated, weighted least squares) gives the ridge "
                 r"closed form $\tilde{\mathbf W}^\top = \bigl(X^\top X + \lambda\,\mathrm{diag}(X^\top X)\bigr)^{-1}"
                 r"X^\top Y$.",
                 prove.close(float(np.max(np.abs(exact - closed))), 0.0, rtol=0.0, atol=1e-8,
                             what=r"max $|W_{\mathrm{enumerated}} - W_{\mathrm{ridge}}|$"), aside=True)
    pc.text(r"As $\rho \to 1$ (no dropout) $\lambda \to 0$ and the plain least-squares fit returns; "
            r"stronger dropout (smaller $\rho$) means stronger shrinkage.")
    at = {rho_: rho}  # the sheet asks in letters: formulas in rho, each judged at the rho in force
    sol.answer("E[R]", rho_, check=witness.at(at, mean_check), claims=("a.mc.mean",))
    sol.answer("E[R_i R_j], i and j distinct", rho_**2, check=witness.at(at, pair_check), claims=("a.mc.pair",))
    if lam_check is not None:
        sol.answer("lambda", (1 - rho_) / rho_, check=witness.at(at, lam_check), claims=("c.minimiser",))
    else:
        pc.text(r"At $\rho = 0$ every input is dropped and the model always predicts 0: no finite $\lambda$ "
                r"describes that, so there is no penalty weight to give.")
    Y1, W1, X1 = _symbolic_instance(1, 1, 1)  # (b) for one point, one output, one input, in plain letters
    single = enumerated[1, 1, 1].xreplace({Y1[0, 0]: y1, W1[0, 0]: w1, X1[0, 0]: x1})
    sol.answer("expected error, N = K = D = 1", (y1 - rho_ * w1 * x1) ** 2 + rho_ * (1 - rho_) * w1**2 * x1**2,
               check=witness.equal(single, "the mean over both masks of (y - wRx)^2"), claims=("b.identity",))
    _misconceptions(sol, rho)
    return sol


def _misconceptions(sol: Solution, rho: sp.Expr) -> None:
    """The usual slips, as formulas in rho. Those of (a) and (c) are declared where at the rho in force they give
    another value than the right one (elsewhere the checks at that rho could not tell them apart); those of (b)
    always, as its witness is exact in rho."""
    if _differs(1 - rho, rho):
        sol.misconception("E[R]", "drop-rate-as-mean", 1 - rho_,
                          r"$\rho$ is the probability that an input is kept ($R = 1$), so $\mathbb{E}[R] = \rho$; "
                          r"$1 - \rho$ is the dropout rate, the chance of $R = 0$, which adds nothing to the mean.")
    if _differs(rho, rho**2):
        sol.misconception("E[R_i R_j], i and j distinct", "same-mask", rho_,
                          r"$R^2 = R$ holds for one mask ($i = j$). Two different inputs have independent masks, "
                          r"so the mean of the product is the product of the means, $\rho^2$.")
    if _differs((1 - rho) ** 2, rho**2):
        sol.misconception("E[R_i R_j], i and j distinct", "both-dropped", (1 - rho_) ** 2,
                          r"$(1-\rho)^2$ is the chance that both inputs are dropped; $R_iR_j = 1$ only when both "
                          r"are kept, which has probability $\rho^2$.")
    if 0 < rho < 1:
        lam = (1 - rho) / rho
        if _differs(rho * (1 - rho), lam):
            sol.misconception("lambda", "unscaled-weights", rho_ * (1 - rho_),
                              r"$\rho(1-\rho)$ weighs the penalty on $w$, but the fit is then to $\rho w$. For "
                              r"the weights the model applies, $\tilde{w} = \rho w$, the penalty "
                              r"$\rho(1-\rho)w^2$ is $\lambda\,\tilde{w}^2$ with $\lambda = (1-\rho)/\rho$.")
        if _differs(rho / (1 - rho), lam):
            sol.misconception("lambda", "inverted-ratio", rho_ / (1 - rho_),
                              r"The penalty grows with the dropout rate: $\lambda = (1-\rho)/\rho$ vanishes "
                              r"without dropout ($\rho = 1$) and grows as $\rho$ falls; $\rho/(1-\rho)$ does "
                              r"the opposite.")
    spread = rho_ * (1 - rho_) * w1**2 * x1**2
    wrong = {
        "no-variance-term": ((y1 - rho_ * w1 * x1) ** 2,
                             r"$\mathbb{E}[(y - s)^2]$ is not $(y - \mathbb{E}[s])^2$: it also holds "
                             r"$\operatorname{Var}(s)$, the term $\rho(1-\rho)\sum w^2x^2$. Taking "
                             r"$\mathbb{E}[R_iR_j] = \rho^2$ also for $i = j$ loses this regulariser."),
        "unscaled-prediction": ((y1 - w1 * x1) ** 2 + spread,
                                r"Dropout without rescaling shrinks the mean prediction to $\rho\sum wx$, so the "
                                r"first term is $(y - \rho\sum wx)^2$; leaving $\rho$ out holds only for inverted "
                                r"dropout (kept inputs scaled by $1/\rho$), not for this model."),
        "keep-drop-swapped": ((y1 - (1 - rho_) * w1 * x1) ** 2 + spread,
                              r"$\rho$ is the probability of keeping an input; $1 - \rho$ in its place gives the "
                              r"error of a model that keeps each input with the dropout rate instead."),
    }
    for id, (value, why) in wrong.items():
        sol.misconception("expected error, N = K = D = 1", id, value, why)


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
