"""Gradient descent as a proximal step; O(1/sqrt T) rate on convex Lipschitz f (cs7643-ps2 Q3)."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from checks import gd_convergence as sim
from theory.core import figures, params, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation, read
from theory.core.params import Parameters, exact_decimal, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict

TOPIC = "gd_convergence"

lam_, eta_, B_, rho_, T_ = sp.symbols("lambda eta B rho T", positive=True)
f_t, f_s = sp.symbols(r"f(\mathbf{w}^{(t)}) f(\mathbf{w}^*)", real=True)
a_, s_ = sp.symbols(r"\|\mathbf{w}^*\|^2 S", nonnegative=True)  # ||w*||^2, sum_t ||v_t||^2
n_ = sp.Symbol("n", integer=True, positive=True)
wt_, g_ = sp.symbols("w_t g", real=True)  # one coordinate of w^(t) and of the gradient, for the answers
wsq_, vsq_ = sp.symbols("wstar_sq sum_v_sq", nonnegative=True)  # ||w*||^2 and sum_t ||v_t||^2
eta_star_ = sp.Symbol(r"\eta^\star", positive=True)
f_bar = sp.Symbol(r"f(\bar{\mathbf{w}})", real=True)

W = r"\mathbf{w}"
WS = r"\mathbf{w}^*"
WP = r"\mathbf{w}^{+}"
WT = W + r"^{(t)}"
GRAD = r"\nabla f(" + WT + ")"

# Coordinates: the symbolic checks write each vector in explicit coordinates base[1], ..., base[n].
i_ = sp.Symbol("i", integer=True, positive=True)
WV, WTV, WSV, WPV, GV, VV = (sp.IndexedBase(s, real=True) for s in ("w", "w^{(t)}", "w^*", "w^{+}", "g", "v_t"))
COORDS = {W: WV[i_], WT: WTV[i_], WS: WSV[i_], WP: WPV[i_], r"\mathbf{g}": GV[i_], GRAD: GV[i_],
          r"\mathbf{v}_t": VV[i_], W + r"^{(t+1)}": WTV[i_] - eta_ * VV[i_]}  # the i-th coordinate of each
ROUND = 1e-9  # relative allowance for floating-point rounding in the measured comparisons
LIPSCHITZ_POINTS = 20_000  # random points where the test functions' gradient norms are measured


_centre_numbers = params.numbers("coordinates of the centre", lo=-1e3, hi=1e3, length=(1, 10), example="(3.0, 4.0)")


def _centre_check(value) -> str | None:
    """1 to 10 coordinates within 1e3, and B = ||c|| at least 1e-3 (the step sizes are B/(rho sqrt T))."""
    problem = _centre_numbers(value)
    if problem:
        return problem
    if math.hypot(*value) < 1e-3:
        return "the centre must be at least 1e-3 from the origin (B = ||c|| is the scale of the run)"
    return None


# Work limits, each about 10-15 s on one core: the elements of the largest arrays (about 40 bytes
# each with temporaries), and BFGS with finite-difference gradients, whose time per instance grows
# like a constant plus the dimension (measured: 0.06 s at dim 20, 0.12 s at dim 50, two starts).
MAX_LEMMA = 10**7  # sequences * seq_length * dim
MAX_RUNS = 10**7  # t_max * t_count * len(centre): the iterates of all gradient-descent runs
MAX_PROX = 4000  # prox_instances * (dim + 10)


@dataclass(frozen=True)
class Params(Parameters):
    sym_dims: int = param(4, "symbolic checks use explicit coordinates in every dimension from 1 "
                          "up to this one", lo=1, hi=6)
    sym_horizons: int = param(5, "the telescoping sum is checked symbolically for "
                              "every horizon T from 1 up to this one", lo=1, hi=8)
    dim: int = param(3, "dimension n of the random instances of parts 1 and 2", lo=1, hi=50)
    prox_instances: int = param(20, r"random $(\mathbf{w}^{(t)}, \mathbf{g}, \lambda)$ minimised "
                                "numerically in part 1", lo=1, hi=300)
    sequences: int = param(3000, r"random sequences $\mathbf{v}_1, \dots, \mathbf{v}_T$ testing the lemma",
                           lo=3, hi=200000)
    seq_length: int = param(40, "length T of each random sequence", lo=1, hi=2000)
    centre: tuple = param((3.0, 4.0), r"centre $\mathbf{c}$ of the test functions: their "
                          r"minimiser $\mathbf{w}^*$, $B = \|\mathbf{c}\|$", check=_centre_check)
    rho: float = param(1.0, r"Lipschitz constant $\rho$ of the test functions", lo=1e-3, hi=1e3)
    delta: float = param(1.0, r"width $\delta$ of the smooth (pseudo-Huber) test function", lo=1e-3, hi=1e3)
    aspect: float = param(0.3, "A = diag(1, aspect, ...) of the smooth test function", lo=1e-3, hi=1.0)
    t_min: int = param(10, "smallest horizon T of the gradient-descent runs", lo=1, hi=99999)
    t_max: int = param(10000, "largest horizon T of the gradient-descent runs", lo=2, hi=100000)
    t_count: int = param(13, "number of log-spaced horizons from the smallest to the largest", lo=2, hi=60)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.t_max <= self.t_min:
            raise BadInput(f"parameter t_max = {self.t_max} must exceed t_min = {self.t_min}")
        _limit("sequences * seq_length * dim", self.sequences * self.seq_length * self.dim, MAX_LEMMA,
               "keeps the lemma's random sequences under about 400 MB")
        _limit("t_max * t_count * len(centre)", self.t_max * self.t_count * len(self.centre), MAX_RUNS,
               "keeps the stored gradient-descent iterates under about 400 MB")
        _limit("prox_instances * (dim + 10)", self.prox_instances * (self.dim + 10), MAX_PROX,
               "keeps the numeric minimisations of part 1 under about 15 s")


def _limit(what: str, value: int, limit: int, why: str) -> None:
    if value > limit:
        raise BadInput(f"{what} = {value} exceeds the {limit:,} limit that {why}")


# --- the derived formulas -----------------------------------------------------------------

def prox_minimiser(w_t, g, lam):
    """argmin_w f(w_t) + <w - w_t, g> + lam/2 ||w - w_t||^2 (part 1)."""
    return w_t - g / lam


def eta_from_lambda(lam):
    """The gradient-descent step size that the proximal step with trade-off lam takes."""
    return 1 / lam


def inner_as_difference(dist_now_sq, dist_next_sq, v_sq, eta):
    """<w_t - w*, v_t> written through ||w_t - w*||^2, ||w_{t+1} - w*||^2, ||v_t||^2 (part 2)."""
    return (dist_now_sq - dist_next_sq) / (2 * eta) + eta / 2 * v_sq


def lemma_bound(wstar_sq, v_sq_sum, eta):
    """Right-hand side of the lemma (5): ||w*||^2/(2 eta) + eta/2 sum_t ||v_t||^2."""
    return wstar_sq / (2 * eta) + eta / 2 * v_sq_sum


def rate_bound(B, rho, eta, T):
    """Bound on f(w_bar) - f(w*) for a fixed step eta, ||w*|| <= B, ||grad|| <= rho (part 3)."""
    return B**2 / (2 * eta * T) + eta * rho**2 / 2


def optimal_eta(B, rho, T):
    """The eta > 0 minimising rate_bound."""
    return B / (rho * sp.sqrt(T))


def best_bound(B, rho, T):
    """rate_bound at optimal_eta: the O(1/sqrt(T)) rate."""
    return B * rho / sp.sqrt(T)


# --- helpers ------------------------------------------------------------------------------

def _vec(base: sp.IndexedBase, n: int) -> sp.Matrix:
    return sp.Matrix([base[k] for k in range(1, n + 1)])


class _Vectors:
    """Norms and inner products as the topic's notation: `norm(x)` writes \\|x\\| and names it the sum
    over the n coordinates of x^2, x read coordinate by coordinate through COORDS."""

    def __init__(self) -> None:
        self.names: dict[str, sp.Expr] = dict(COORDS)

    def _coordinate(self, x: str) -> sp.Expr:
        return read(x, Notation(COORDS), {r"\eta": eta_, r"\lambda": lam_}).value

    def norm(self, x: str, big: bool = False) -> str:
        self.names[rf"\|{x}\|"] = sp.sqrt(sp.Sum(self._coordinate(x) ** 2, (i_, 1, n_)))
        return (r"\Bigl\|" + x + r"\Bigr\|") if big else rf"\|{x}\|"

    def inner(self, x: str, y: str) -> str:
        self.names[rf"\langle {x}, {y}\rangle"] = sp.Sum(self._coordinate(x) * self._coordinate(y), (i_, 1, n_))
        return rf"\langle {x}, {y}\rangle"


# Part 2's run from w^(1) = 0 in dimension 2, in the displays: w^(t), v_t, w^* as symbols; the
# squared norm and the inner product of their combinations take coordinates once the indices are numbers.
t_i, s_i = sp.symbols("t s", integer=True, positive=True)
V_ = sp.IndexedBase(r"\mathbf{v}")  # v_t
W_STAR = sp.Symbol(WS)
VC = sp.IndexedBase("v", real=True)  # coordinate j of v_t: v[t, j]


class _Iterate(sp.Function):
    """w^(t) = -eta (v_1 + ... + v_{t-1})."""

    def _latex(self, printer, exp=None):
        return W + "^{(" + printer._print(self.args[0]) + ")}"


def _run_coordinates(x: sp.Expr) -> sp.Matrix | None:
    """A combination of w^(k), v_k and w^* in coordinates, or None while an index is a symbol."""
    x = x.doit()
    if x.has(sp.Sum) or x.free_symbols & {t_i, s_i, T_}:
        return None

    def at(j: int) -> sp.Expr:
        return (x.replace(lambda e: isinstance(e, _Iterate),
                          lambda e: -eta_ * sum((VC[s, j] for s in range(1, int(e.args[0]))), sp.Integer(0)))
                .replace(lambda e: isinstance(e, sp.Indexed) and e.base == V_, lambda e: VC[e.indices[0], j])
                .xreplace({W_STAR: WSV[j]}))

    return sp.Matrix([at(1), at(2)])


class _Terms(sp.Function):
    """a + b + ...: printed in the order written (SymPy would sort the terms), added up by doit."""

    delimiters = ("", "")

    def _latex(self, printer, exp=None):
        tex = printer._print(self.args[0])
        for a in self.args[1:]:
            term = printer._print(a)
            tex += " - " + term[1:].lstrip() if term.startswith("-") else " + " + term
        return tex.join(self.delimiters)

    def doit(self, **hints):
        return sp.Add(*(a.doit(**hints) for a in self.args))


class _Parens(_Terms):
    delimiters = (r"\left(", r"\right)")


class _Bracket(_Terms):
    delimiters = (r"\left[", r"\right]")


class _Times(sp.Function):
    """a b ...: printed side by side in the order written, multiplied by doit."""

    def _latex(self, printer, exp=None):
        return " ".join(printer._print(a) for a in self.args)

    def doit(self, **hints):
        return sp.Mul(*(a.doit(**hints) for a in self.args))


class _Sq(sp.Function):
    """The squared norm."""

    def _latex(self, printer, exp=None):
        return r"\left\|" + printer._print(self.args[0]) + r"\right\|^{2}"

    def doit(self, **hints):
        c = _run_coordinates(self.args[0])
        return self if c is None else _sq(c)


class _Dot(sp.Function):
    """The inner product."""

    def _latex(self, printer, exp=None):
        return r"\left\langle " + printer._print(self.args[0]) + ", " + printer._print(self.args[1]) + r"\right\rangle"

    def doit(self, **hints):
        a, b = _run_coordinates(self.args[0]), _run_coordinates(self.args[1])
        return self if a is None or b is None else _dot(a, b)


def _sq(v: sp.Matrix) -> sp.Expr:
    return (v.T * v)[0, 0]


def _dot(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    return (a.T * b)[0, 0]


def _rel_le(lhs: np.ndarray, rhs: np.ndarray) -> tuple[bool, float]:
    """lhs <= rhs up to rounding; also the smallest relative margin (rhs - lhs)/scale."""
    scale = np.maximum(np.abs(lhs), np.abs(rhs)) + 1e-300
    margin = (np.asarray(rhs) - np.asarray(lhs)) / scale
    return bool(np.all(margin >= -ROUND)), float(np.min(margin))


def horizons(p: Params) -> np.ndarray:
    return np.unique(np.round(np.geomspace(p.t_min, p.t_max, p.t_count)).astype(int))


def solve(p: Params, ctx: Context) -> Solution:
    vec = _Vectors()  # its names fill as the displays write norms and inner products
    sol = Solution(
        TOPIC, "Gradient descent: proximal view and convergence rate", "cs7643-ps2, Question 3", p,
        notation=Notation(names=vec.names, printing={"symbol_names": {  # the answers' symbols as the sheet writes them
            wsq_: r"\|\mathbf{w}^*\|^2", vsq_: r"\sum_{t=1}^T\|\mathbf{v}_t\|^2",
            wt_: r"\mathbf{w}^{(t)}", g_: r"\mathbf{g}"}, "order": "grlex"}),
        question=(
            r"Gradient descent $" + W + r"^{(t+1)} = " + W + r"^{(t)} - \eta\nabla f(" + W
            + r"^{(t)})$ on a convex $f$: (1) as a proximal step, (2) a regret lemma, (3) the "
            r"$O(1/\sqrt T)$ rate for $\rho$-Lipschitz $f$."
        ),
    )
    cases = {f"n={n}": {"n": n} for n in range(1, p.sym_dims + 1)}  # the symbolic dimensions
    _part1(sol, p, ctx, cases, vec)
    _part2(sol, p, ctx, cases, vec)
    _part3(sol, p, ctx, cases, vec)
    return sol


# --- part 1 -------------------------------------------------------------------------------

def _part1(sol: Solution, p: Params, ctx: Context, cases: dict[str, dict], vec: _Vectors) -> None:
    pt = sol.part("1", "Gradient descent is a proximal step",
                  r"Minimise $f(" + W + r"^{(t)}) + \langle " + W + "-" + W + r"^{(t)}, \mathbf{g}"
                  r"\rangle + \frac{\lambda}{2}\|" + W + "-" + W + r"^{(t)}\|^2$ over $" + W
                  + r"$, where $\mathbf{g} = \nabla f(" + W + r"^{(t)})$; what does the minimiser "
                  r"say about the update rule (1), and how are $\lambda$ and $\eta$ related?")
    pt.erratum(
        r"the minimiser of the proximal problem (4) is called $" + WS + r"$, the same name the "
        r"later parts give to the minimiser of $f$ (and the comparator of the lemma).",
        r"they are different points: here the proximal minimiser is written $" + WP
        + r"$ (it is the next iterate $" + W + r"^{(t+1)}$); $" + WS + r"$ keeps its meaning of "
        r"parts 2 and 3.",
    )

    def parts(n):
        return _vec(WV, n), _vec(WTV, n), _vec(GV, n)

    def Q(n):
        w, wt, g = parts(n)
        return f_t + _dot(w - wt, g) + lam_ / 2 * _sq(w - wt)

    pt.text(r"Write $Q(" + W + r")$ for the objective and complete the square:")
    pt.chain("square", r"Q(" + W + ")", cases, sizes={"n": n_}).define(
        r"f(" + WT + ") + " + vec.inner(W + " - " + WT, r"\mathbf{g}")
        + r" + \frac{\lambda}{2}" + vec.norm(W + " - " + WT) + "^2",
        lambda n: Q(n),
    ).step(
        r"f(" + WT + r") - \frac{" + vec.norm(r"\mathbf{g}") + r"^2}{2\lambda} + \frac{\lambda}{2}"
        + vec.norm(W + r" - \Bigl(" + WT + r" - \frac{\mathbf{g}}{\lambda}\Bigr)", big=True) + "^2",
        lambda n: (lambda w, wt, g: f_t - _sq(g) / (2 * lam_)
                   + lam_ / 2 * _sq(w - prox_minimiser(wt, g, lam_)))(*parts(n)),
        "complete the square",
    )

    def stationary(n):
        w, wt, g = parts(n)
        grad = [sp.diff(Q(n), x) for x in w]
        roots = sp.solve(grad, list(w), dict=True)
        target = prox_minimiser(wt, g, lam_)
        if len(roots) != 1:
            return Verdict("symbolic", False, f"{len(roots)} stationary points")
        return prove.equal(_sq(sp.Matrix([roots[0][x] for x in w]) - target), 0)

    def hessian(n):
        w, _, _ = parts(n)
        H = sp.hessian(Q(n), list(w))
        return prove.equal(_sq(sp.Matrix(H - lam_ * sp.eye(n)).reshape(n * n, 1)), 0)

    pt.claim("stationary",
             r"$\nabla Q(" + W + r") = \mathbf{g} + \lambda(" + W + "-" + W + r"^{(t)})$ "
             r"vanishes at exactly one point, and the Hessian is $\lambda I$, positive definite "
             r"since $\lambda > 0$:",
             prove.proved_for_each({k: (lambda n=v["n"]: stationary(n) & hessian(n))
                                    for k, v in cases.items()},
                                   "SymPy's solve of the gradient system; Hessian minus lambda I"),
             latex=WP + " = " + WT + r" - \frac{1}{\lambda}" + GRAD,
             value=sp.Eq(WPV[i_], prox_minimiser(WTV[i_], GV[i_], lam_), evaluate=False))
    Wm, Wt, G = (sp.MatrixSymbol(s, n_, 1) for s in ("w", "w_t", "g"))
    Qm = (Wm - Wt).T * G + lam_ / 2 * (Wm - Wt).T * (Wm - Wt)
    gradm = sp.diff(Qm, Wm)
    pt.claim("any-n",
             r"The same for $" + W + r" \in \mathbb{R}^n$ with $n$ symbolic (matrix calculus on "
             r"$n\times1$ symbols): the gradient "
             r"$\lambda(" + W + "-" + W + r"^{(t)}) + \mathbf{g}$ vanishes at $" + WP
             + r"$ and the Hessian is $\lambda I_n$.",
             prove.equal(gradm.subs(Wm, prox_minimiser(Wt, G, lam_)), sp.ZeroMatrix(n_, 1))
             & prove.equal(sp.diff(gradm, Wm), lam_ * sp.Identity(n_)), aside=True)
    pt.text(r"So $Q(" + W + r") - Q(" + WP + r") = \frac{\lambda}{2}\|" + W + " - " + WP
            + r"\|^2 > 0$ for $" + W + r" \ne " + WP + r"$: $" + WP + r"$ is the unique minimiser.")
    pt.claim("gd",
             r"Hence the proximal step \emph{is} the gradient-descent update (1), $" + WP + " = " + W
             + r"^{(t)} - \eta\nabla f(" + W + r"^{(t)}) = " + W + r"^{(t+1)}$ for $" + W
             + r" \in \mathbb{R}^n$ of any dimension $n$, when the step size is the inverse of the "
             r"trade-off (a large $\lambda$, a strong proximity penalty, means a small step):",
             prove.equal(prox_minimiser(Wt, G, lam_), Wt - eta_from_lambda(lam_) * G),
             latex=r"\eta = \frac{1}{\lambda}", value=sp.Eq(eta_, eta_from_lambda(lam_), evaluate=False))
    inst = sim.proximal_instances(ctx.rng("1.instances"), p.prox_instances, p.dim)
    starts = 2
    found = sim.minimise_proximal(inst, ctx.rng("1.starts"), starts)
    derived = np.asarray(prox_minimiser(inst["w_t"], inst["g"], inst["lam"][:, None]), dtype=float)
    err = np.max(np.abs(found - derived[:, None, :]) / (1 + np.abs(derived[:, None, :])))
    pt.claim("scipy",
             rf"Numerically: for {p.prox_instances} random $(" + W + r"^{(t)}, \mathbf{g}, "
             rf"\lambda)$ in dimension {p.dim} ($\lambda$ log-uniform in "
             rf"$[{pt.setting(sim.LAMBDAS[0])}, {pt.setting(sim.LAMBDAS[1])}]$), BFGS "
             rf"(finite-difference gradients) minimising (4) from {starts} random starts each "
             r"lands on $" + W + r"^{(t)} - \mathbf{g}/\lambda$ (relative error $\le 10^{-6}$).",
             prove.close(float(err), 0.0, rtol=0.0, atol=1e-6,
                         what="largest relative distance of the numeric minimiser"), aside=True)
    lam_i = inst["lam"][:, None]
    sol.answer("proximal minimiser", prox_minimiser(wt_, g_, lam_), claims=("1.scipy",),
               check=witness.formula_on((wt_, g_, lam_), (inst["w_t"], inst["g"], lam_i), found[:, 0, :],
                                 rtol=1e-6, atol=1e-6, what="BFGS minimisers, coordinate by coordinate"))
    taken = np.einsum("ki,ki->k", inst["w_t"] - found[:, 0, :], inst["g"]) / np.einsum("ki,ki->k", inst["g"], inst["g"])
    sol.answer("eta(lambda)", eta_from_lambda(lam_), claims=("1.scipy",),
               check=witness.formula_on((lam_,), (inst["lam"],), taken, rtol=1e-5,
                                 what=r"step $\eta$ that the BFGS minimiser took along $-g$"))
    sol.misconception("proximal minimiser", "ascent-sign", wt_ + g_ / lam_,
                      r"Setting the gradient $\mathbf{g} + \lambda(" + W + "-" + W + r"^{(t)})$ to zero gives $"
                      + W + "=" + W + r"^{(t)} - \mathbf{g}/\lambda$: the step goes against the gradient. With a "
                      r"plus sign the point climbs the affine model, and the objective is larger there than at $"
                      + W + r"^{(t)}$.")
    sol.misconception("proximal minimiser", "missing-half", wt_ - 2 * g_ / lam_,
                      r"The derivative of $\frac{\lambda}{2}\|" + W + "-" + W + r"^{(t)}\|^2$ is $\lambda(" + W
                      + "-" + W + r"^{(t)})$: the $2$ of the square cancels the $\tfrac12$. Differentiating it as "
                      r"$\frac{\lambda}{2}(" + W + "-" + W + r"^{(t)})$ doubles the step to $2\mathbf{g}/\lambda$.")
    sol.misconception("proximal minimiser", "lambda-as-step", wt_ - lam_ * g_,
                      r"$\lambda$ weighs the proximity penalty, so a larger $\lambda$ must mean a shorter step: "
                      r"the minimiser is $" + W + r"^{(t)} - \mathbf{g}/\lambda$, not $" + W
                      + r"^{(t)} - \lambda\mathbf{g}$.")
    sol.misconception("eta(lambda)", "eta-equals-lambda", lam_,
                      r"The trade-off $\lambda$ penalises moving away from $" + W + r"^{(t)}$, so it is the "
                      r"inverse of the step size: $\eta = 1/\lambda$. Reading $\eta = \lambda$ would make a "
                      r"stronger penalty take longer steps.")
    sol.misconception("eta(lambda)", "doubled-step", 2 / lam_,
                      r"The $2$ from differentiating the square cancels the $\tfrac12$ of the penalty "
                      r"$\frac{\lambda}{2}$: the step is $\mathbf{g}/\lambda$, so $\eta = 1/\lambda$, not "
                      r"$2/\lambda$.")


# --- part 2 -------------------------------------------------------------------------------

def _part2(sol: Solution, p: Params, ctx: Context, cases: dict[str, dict], vec: _Vectors) -> None:
    pt = sol.part("2", "The lemma",
                  r"For $" + W + r"^{(t+1)} = " + W + r"^{(t)} - \eta\mathbf{v}_t$, $" + W
                  + r"^{(1)} = 0$ and any $" + WS + r"$, prove $\sum_{t=1}^T\langle " + W
                  + r"^{(t)} - " + WS + r", \mathbf{v}_t\rangle \le \frac{\|" + WS
                  + r"\|^2}{2\eta} + \frac{\eta}{2}\sum_{t=1}^T\|\mathbf{v}_t\|^2$.")

    def vecs(n):
        return _vec(WTV, n), _vec(WSV, n), _vec(VV, n)

    pt.text(r"One step first: expand the squared distance of the next iterate to $" + WS + "$.")
    now, after = vec.norm(WT + " - " + WS), vec.norm(W + "^{(t+1)} - " + WS)
    v_len, inner = vec.norm(r"\mathbf{v}_t"), vec.inner(WT + " - " + WS, r"\mathbf{v}_t")
    pt.chain("expand", after + "^2", cases, sizes={"n": n_}).define(
        vec.norm(WT + r" - \eta\mathbf{v}_t - " + WS) + "^2",
        lambda n: (lambda w, z, v: _sq(w - eta_ * v - z))(*vecs(n)),
    ).step(
        now + r"^2 - 2\eta" + inner + r" + \eta^2" + v_len + "^2",
        lambda n: (lambda w, z, v: _sq(w - z) - 2 * eta_ * _dot(w - z, v) + eta_**2 * _sq(v))(
            *vecs(n)),
        "expand the square",
    )
    pt.chain("identity", inner, cases, sizes={"n": n_}).define(
        sp.Sum(_Parens(WTV[i_], -WSV[i_]) * VV[i_], (i_, 1, n_)),
        lambda n: (lambda w, z, v: _dot(w - z, v))(*vecs(n)),
    ).step(
        r"\frac{" + now + "^2 - " + after + r"^2}{2\eta} + \frac{\eta}{2}" + v_len + "^2",
        lambda n: (lambda w, z, v: inner_as_difference(_sq(w - z), _sq(w - eta_ * v - z), _sq(v),
                                                       eta_))(*vecs(n)),
        "solve the expansion for the inner product",
    )
    pt.text(r"Summing over $t$, the distances telescope:")
    tcases = {f"T={T}": {"T": T} for T in range(1, p.sym_horizons + 1)}

    @cache
    def run(T):
        """w*, v_1..v_T and the iterates w_1 = 0, ..., w_{T+1} (symbolic, dimension 2)."""
        z = _vec(WSV, 2)
        vs = [sp.Matrix([VC[t, 1], VC[t, 2]]) for t in range(1, T + 1)]
        ws = [sp.zeros(2, 1)]
        for v in vs:
            ws.append(ws[-1] - eta_ * v)
        return z, tuple(vs), tuple(ws)

    def lhs(T):
        z, vs, ws = run(T)
        return sum((_dot(ws[t] - z, vs[t]) for t in range(T)), sp.Integer(0))

    def per_step(T):
        z, vs, ws = run(T)
        return sum((inner_as_difference(_sq(ws[t] - z), _sq(ws[t + 1] - z), _sq(vs[t]), eta_)
                    for t in range(T)), sp.Integer(0))

    def telescoped(T):
        z, vs, ws = run(T)
        return ((_sq(ws[0] - z) - _sq(ws[T] - z)) / (2 * eta_)
                + eta_ / 2 * sum((_sq(v) for v in vs), sp.Integer(0)))

    def with_bound(T):
        z, vs, ws = run(T)
        return (lemma_bound(_sq(z), sum((_sq(v) for v in vs), sp.Integer(0)), eta_)
                - _sq(ws[T] - z) / (2 * eta_))

    def over_t(term):
        return sp.Sum(term, (t_i, 1, T_))

    def dist(k):  # ||w^(k) - w*||^2
        return _Sq(_Terms(_Iterate(k), -W_STAR))

    def difference(a, b):
        return _Terms(dist(a), -dist(b)) / (2 * eta_)

    steps = _Times(eta_ / 2, over_t(_Sq(V_[t_i])))
    summed = over_t(_Dot(_Terms(_Iterate(t_i), -W_STAR), V_[t_i]))
    chain = pt.chain("telescope", sp.latex(summed), tcases, sizes={"T": T_})
    chain.define(over_t(_Dot(_Terms(-eta_ * sp.Sum(V_[s_i], (s_i, 1, t_i - 1)), -W_STAR), V_[t_i])), lhs,
                 r"$" + WT + r" = -\eta\sum_{s<t}\mathbf{v}_s$")
    chain.step(over_t(_Bracket(difference(t_i, t_i + 1), _Times(eta_ / 2, _Sq(V_[t_i])))), per_step,
               "the identity, for each $t$")
    chain.step(_Terms(difference(1, T_ + 1), steps), telescoped, "telescoping")
    chain.step(_Terms(_Sq(W_STAR) / (2 * eta_), steps, -dist(T_ + 1) / (2 * eta_)), with_bound,
               r"$" + W + r"^{(1)} = 0$")
    lemma = sp.Le(summed, _Terms(_Sq(W_STAR) / (2 * eta_), steps))

    def drop(T):
        z, vs, ws = run(T)
        dropped = _sq(ws[T] - z) / (2 * eta_)
        bound = lemma_bound(_sq(z), sum((_sq(v) for v in vs), sp.Integer(0)), eta_)
        shown = lemma.subs(T_, T)  # the displayed sides, in coordinates
        return (prove.equal(bound - lhs(T), dropped) & prove.holds(sp.Ge(dropped, 0))
                & prove.equal(shown.lhs.doit(), lhs(T)) & prove.equal(shown.rhs.doit(), bound))

    pt.claim("lemma",
             r"The last term is $-\|" + W + r"^{(T+1)} - " + WS + r"\|^2/(2\eta) \le 0$ "
             r"(a square over $2\eta > 0$); dropping it gives the lemma (5):",
             prove.proved_for_each({k: (lambda T=v["T"]: drop(T)) for k, v in tcases.items()},
                                   "bound minus sum equals the dropped term, which is >= 0; the displayed "
                                   "sides are the sum and the bound"),
             latex=None, value=lemma)
    pt.text(r"Nothing about $\mathbf{v}_t$ is assumed: it need not be a gradient.")
    r = sim.lemma_sequences(ctx.rng("2.sequences"), p.sequences, p.seq_length, p.dim)
    bound = lemma_bound(r["wstar_sq"], r["v_sq"], r["eta"])
    ok, margin = _rel_le(r["lhs"], bound)
    pt.claim("random",
             rf"Numerically: {p.sequences} random sequences of {p.seq_length} vectors in "
             rf"dimension {p.dim} (random drift and noise, $\eta$ log-uniform in "
             rf"$[{pt.setting(sim.ETAS[0])}, {pt.setting(sim.ETAS[1])}]$, "
             r"random $" + WS + r"$) all satisfy (5) (to rounding, relative $10^{-9}$).",
             Verdict("numeric", ok, f"smallest relative margin (bound - sum)/scale = {margin:.3g} "
                     f"over {p.sequences} sequences", {"sequences": p.sequences}), aside=True)
    slack = bound - r["lhs"]
    dropped = r["final_sq"] / (2 * r["eta"])
    scale = np.abs(r["lhs"]) + np.abs(bound)
    slack_err = float(np.max(np.abs(slack - dropped) / scale))
    pt.claim("slack",
             r"On the same sequences the measured slack of (5) equals the dropped term $\|" + W
             + r"^{(T+1)} - " + WS + r"\|^2/(2\eta)$ (relative to the size of the two sides).",
             prove.close(slack_err, 0.0, rtol=0.0, atol=ROUND,
                         what="largest |slack - dropped term| / (|sum| + bound)"), aside=True)
    tight = r["tight"]
    tight_err = float(np.max(np.abs(slack[tight]) / scale[tight]))
    pt.claim("tight",
             rf"The bound cannot be improved: in the {int(tight.sum())} sequences where $" + WS
             + " = " + W + r"^{(T+1)}$, (5) holds with equality (to rounding).",
             prove.close(tight_err, 0.0, rtol=0.0, atol=ROUND,
                         what=r"largest $|\mathrm{bound} - \mathrm{sum}|/(|\mathrm{sum}| + \mathrm{bound})$ "
                         r"when $w^* = w_{T+1}$"), aside=True)
    sol.answer("lemma bound", lemma_bound(wsq_, vsq_, eta_), claims=("2.random", "2.tight"),
               check=_lemma_check(r, tight, ROUND))
    sol.misconception("lemma bound", "cross-term-without-2", wsq_ / eta_ + eta_ * vsq_,
                      r"Expanding $\|" + W + r"^{(t)} - \eta\mathbf{v}_t - " + WS + r"\|^2$ gives the cross "
                      r"term $-2\eta\langle " + W + "^{(t)} - " + WS + r", \mathbf{v}_t\rangle$, with a $2$. "
                      r"Dropping it doubles both terms: still an upper bound, but not the lemma's, and never "
                      r"attained (the lemma holds with equality when $" + WS + r"$ is the last iterate).")
    sol.misconception("lemma bound", "eta-squared", wsq_ / (2 * eta_) + eta_**2 / 2 * vsq_,
                      r"The expansion has $\eta^2\|\mathbf{v}_t\|^2$, and solving for $\langle " + W + "^{(t)} - "
                      + WS + r", \mathbf{v}_t\rangle$ divides it by $2\eta$, leaving "
                      r"$\frac{\eta}{2}\|\mathbf{v}_t\|^2$. Keeping $\eta^2/2$ forgets one of the two divisions.")


# --- part 3 -------------------------------------------------------------------------------

def _part3(sol: Solution, p: Params, ctx: Context, cases: dict[str, dict], vec: _Vectors) -> None:
    pt = sol.part("3", "Convergence rate for convex Lipschitz f",
                  r"For convex, $\rho$-Lipschitz $f$ show $f(\bar{\mathbf{w}}) - f(" + WS
                  + r") \le \frac{1}{T}\sum_t\langle " + W + r"^{(t)} - " + WS + r", \nabla f(" + W
                  + r"^{(t)})\rangle$ with $\bar{\mathbf{w}} = \frac{1}{T}\sum_t " + W
                  + r"^{(t)}$; "
                  r"then, with $\|" + WS + r"\| \le B$ and $\|\nabla f\| \le \rho$, show that "
                  r"$\eta = \sqrt{B^2/(\rho^2T)}$ gives a bound proportional to $1/\sqrt T$.")
    pt.text(r"\emph{Step 1 (Jensen).} $f$ is convex, so $f(\bar{\mathbf{w}}) = f\bigl(\frac{1}{T}"
            r"\sum_t " + W + r"^{(t)}\bigr) \le \frac{1}{T}\sum_t f(" + W + r"^{(t)})$, hence "
            r"$f(\bar{\mathbf{w}}) - f(" + WS + r") \le \frac{1}{T}\sum_t\bigl(f(" + W
            + r"^{(t)}) - "
            r"f(" + WS + r")\bigr)$. \emph{Step 2 (the affine lower bound (3) at $" + W + " = "
            + WS + r"$).} Each term is at most $\langle " + W + r"^{(t)} - " + WS + r", \nabla f("
            + W + r"^{(t)})\rangle$, by the rearrangement below; averaging gives (6).")

    def vecs(n):
        return _vec(WTV, n), _vec(WSV, n), _vec(GV, n)

    pt.chain("rearrange", r"\langle " + WT + " - " + WS + ", " + GRAD + r"\rangle - \bigl(f(" + WT
             + ") - f(" + WS + r")\bigr)", cases, sizes={"n": n_}).define(
        _Terms(sp.Sum(_Parens(WTV[i_], -WSV[i_]) * GV[i_], (i_, 1, n_)), -f_t, f_s),
        lambda n: (lambda w, z, g: _dot(w - z, g) - (f_t - f_s))(*vecs(n)),
    ).step(
        r"f(" + WS + r") - \bigl[f(" + WT + ") + " + vec.inner(WS + " - " + WT, GRAD) + r"\bigr]",
        lambda n: (lambda w, z, g: f_s - (f_t + _dot(z - w, g)))(*vecs(n)),
        r"rearranged; this is $\ge 0$ by (3) at $" + W + " = " + WS + "$",
    )
    pt.text(r"\emph{Step 3 (the lemma with $\mathbf{v}_t = \nabla f(" + W + r"^{(t)})$).} "
            r"Gradient descent is the update of part 2, so $\frac{1}{T}\sum_t\langle " + W
            + r"^{(t)} - " + WS + r", \nabla f(" + W + r"^{(t)})\rangle \le "
            r"\frac{1}{T}\bigl[\frac{\|" + WS + r"\|^2}{2\eta} + \frac{\eta}{2}\sum_t\|\nabla f("
            + W + r"^{(t)})\|^2\bigr]$. The "
            r"bracket increases in $\|" + WS + r"\|^2$ and in each $\|\nabla f\|^2$, so "
            r"$\|" + WS + r"\| \le B$, $\|\nabla f\| \le \rho$ may be substituted:")
    pt.claim("monotone",
             r"$\partial/\partial\|" + WS + r"\|^2$ and "
             r"$\partial/\partial\sum_t\|\mathbf{v}_t\|^2$ of the lemma's bound are positive.",
             prove.holds(sp.diff(lemma_bound(a_, s_, eta_), a_) > 0)
             & prove.holds(sp.diff(lemma_bound(a_, s_, eta_), s_) > 0))
    pt.chain("combine", r"f(\bar{\mathbf{w}}) - f(" + WS + r") \le \frac{1}{T}\Bigl["
             r"\frac{B^2}{2\eta} + \frac{\eta}{2}\sum_{t=1}^T\rho^2\Bigr]").define(
        r"\frac{1}{T}\Bigl[\frac{B^2}{2\eta} + \frac{\eta}{2}\,T\rho^2\Bigr]",
        lemma_bound(B_**2, T_ * rho_**2, eta_) / T_, "lemma with the bounds substituted",
    ).step(r"\frac{B^2}{2\eta T} + \frac{\eta\rho^2}{2}", rate_bound(B_, rho_, eta_, T_),
           "simplify")
    pt.text(r"\emph{Step 4 (choose $\eta$).} The first term falls and the second grows with "
            r"$\eta$; their balance is the best fixed step.")
    phi = rate_bound(B_, rho_, eta_, T_)
    roots = sp.solve(sp.diff(phi, eta_), eta_)
    pt.claim("optimum",
             r"$\frac{d}{d\eta}\bigl[\frac{B^2}{2\eta T} + \frac{\eta\rho^2}{2}\bigr] = "
             r"-\frac{B^2}{2\eta^2T} + \frac{\rho^2}{2}$ has one positive root, and the second "
             r"derivative $B^2/(\eta^3T)$ is positive there, so it is the minimum:",
             prove.equal(len(roots), 1) & prove.equal(roots[0], optimal_eta(B_, rho_, T_))
             & prove.holds(sp.diff(phi, eta_, 2).subs(eta_, optimal_eta(B_, rho_, T_)) > 0),
             latex=r"\eta^\star = \frac{B}{\rho\sqrt T} = \sqrt{\frac{B^2}{\rho^2T}}",
             value=sp.And(sp.Eq(eta_star_, roots[0], evaluate=False),
                          sp.Eq(optimal_eta(B_, rho_, T_), sp.sqrt(B_**2 / (rho_**2 * T_)), evaluate=False)))
    pt.claim("sheet-eta", r"This is the sheet's step: $\sqrt{B^2/(\rho^2T)} = B/(\rho\sqrt T)$ "
             r"for $B, \rho, T > 0$.",
             prove.equal(sp.sqrt(B_**2 / (rho_**2 * T_)), optimal_eta(B_, rho_, T_)))
    pt.chain("amgm", r"\frac{B^2}{2\eta T} + \frac{\eta\rho^2}{2} - \frac{B\rho}{\sqrt T}", aside=True).define(
        r"\frac{B^2 - 2B\eta\rho\sqrt T + \eta^2\rho^2T}{2\eta T}",
        rate_bound(B_, rho_, eta_, T_) - best_bound(B_, rho_, T_), "common denominator",
    ).step(r"\frac{(B - \eta\rho\sqrt T)^2}{2\eta T}", (B_ - eta_ * rho_ * sp.sqrt(T_)) ** 2 / (2 * eta_ * T_),
           r"$\ge 0$: a square over $2\eta T > 0$, zero only at $\eta = \eta^\star$")
    value = rate_bound(B_, rho_, optimal_eta(B_, rho_, T_), T_)
    exponent = sp.simplify(T_ * sp.diff(sp.log(best_bound(B_, rho_, T_)), T_))
    pt.claim("rate",
             r"At $\eta^\star$ the bound is $B\rho/\sqrt T$, and $T\,\frac{d}{dT}\ln(\cdot) = "
             r"-\tfrac12$: the rate is $O(1/\sqrt T)$ (the bound times $\sqrt T$ is the constant "
             r"$B\rho$).",
             prove.equal(value, best_bound(B_, rho_, T_)) & prove.equal(exponent, -sp.S.Half)
             & prove.equal(sp.diff(best_bound(B_, rho_, T_) * sp.sqrt(T_), T_), 0),
             latex=r"f(\bar{\mathbf{w}}) - f(" + WS + r") \le \frac{B\rho}{\sqrt T}",
             value=sp.Le(f_bar - f_s, value))
    pt.text(r"Differentiability is not needed: (3) holds for any subgradient and the lemma for "
            r"any $\mathbf{v}_t$, so the bound also covers subgradient descent on nonsmooth $f$.")
    _demo(pt, p, ctx, exponent)
    _answers3(pt, sol, p)


def _answers3(pt, sol: Solution, p: Params) -> None:
    """Part 3's answers, judged at the demonstration's B, rho and horizons by a numeric minimisation."""
    B_exact = sp.sqrt(sum(exact_decimal(x) ** 2 for x in p.centre))
    B, rho, Ts = float(B_exact), p.rho, horizons(p)
    found = np.array([sim.best_fixed_step(B, rho, int(T)) for T in Ts])
    derived_eta = np.array([float(optimal_eta(B_exact, exact_decimal(rho), int(T))) for T in Ts])
    derived_min = np.array([float(best_bound(B_exact, exact_decimal(rho), int(T))) for T in Ts])
    pt.claim("numeric-optimum",
             r"Independently of the algebra: SciPy's bounded Brent search over $\log\eta$, minimising "
             r"$\frac{1}{T}\bigl[\frac{B^2}{2\eta} + \frac{\eta}{2}\sum_{t\le T}\rho^2\bigr]$ (the "
             rf"lemma with the bounds, summed term by term) at each of the {len(Ts)} horizons, finds "
             r"$\eta^\star = B/(\rho\sqrt T)$ and the minimum $B\rho/\sqrt T$.",
             prove.close_all(found[:, 0], derived_eta, 1e-6, "minimising step")
             & prove.close_all(found[:, 1], derived_min, 1e-9, "minimum"), aside=True)
    at = (B_, rho_, T_), (B, rho, Ts)
    etas = derived_eta[None, :] * np.array([0.5, 1.0, 2.0])[:, None]  # the bound away from its minimum too
    rhs = np.array([[sim.lipschitz_bound(B, rho, e, int(T)) for e, T in zip(row, Ts)] for row in etas])
    sol.answer("optimal eta", optimal_eta(B_, rho_, T_), claims=("3.numeric-optimum",),
               check=witness.formula_on(*at, found[:, 0], rtol=1e-6,
                                        what="numerically minimising step at each horizon"))
    sol.answer("rate bound", rate_bound(B_, rho_, eta_, T_), claims=("3.numeric-optimum",),
               check=witness.formula_on((B_, rho_, eta_, T_), (B, rho, etas, Ts[None, :]), rhs, rtol=1e-9,
                                 what="the lemma's bound summed term by term, at 0.5, 1 and 2 times the best step"))
    sol.answer("bound at optimal eta", best_bound(B_, rho_, T_), claims=("3.numeric-optimum",),
               check=witness.formula_on(*at, found[:, 1], rtol=1e-9, what="numeric minimum at each horizon"))
    sol.misconception("optimal eta", "no-square-root", B_**2 / (rho_**2 * T_),
                      r"The sheet's step is $\sqrt{B^2/(\rho^2T)} = B/(\rho\sqrt T)$. Without the root the step "
                      r"has the wrong units ($B/\rho$ squared) and shrinks like $1/T$, so the first term "
                      r"$B^2/(2\eta T)$ of the bound no longer decays.")
    sol.misconception("optimal eta", "one-over-T", B_ / (rho_ * T_),
                      r"Balancing $B^2/(2\eta T)$ against $\eta\rho^2/2$ gives $\eta^2 = B^2/(\rho^2T)$: the root "
                      r"of $T$, not $T$ itself. With $\eta = B/(\rho T)$ the first term stays $B\rho/2$ and the "
                      r"bound does not go to $0$.")
    if abs(B - rho) > 0.01 * max(B, rho):  # with B = rho the inverted ratio is the same number
        sol.misconception("optimal eta", "inverted-ratio", rho_ / (B_ * sp.sqrt(T_)),
                          r"The step grows with the distance to cover ($B$) and shrinks with the gradient size "
                          r"($\rho$): $\eta = B/(\rho\sqrt T)$, not $\rho/(B\sqrt T)$.")
    sol.misconception("rate bound", "no-average", B_**2 / (2 * eta_) + eta_ * T_ * rho_**2 / 2,
                      r"Inequality (6) bounds the gap by the \emph{average} $\frac{1}{T}\sum_t\langle " + W
                      + "^{(t)} - " + WS + r", \nabla f(" + W + r"^{(t)})\rangle$, so the lemma's right-hand side "
                      r"is divided by $T$: $B^2/(2\eta T) + \eta\rho^2/2$. Without it the bound grows with $T$.")
    sol.misconception("rate bound", "one-gradient-term", B_**2 / (2 * eta_ * T_) + eta_ * rho_**2 / (2 * T_),
                      r"The lemma sums $\|\nabla f(" + W + r"^{(t)})\|^2$ over all $T$ steps, each at most "
                      r"$\rho^2$, so the sum is at most $T\rho^2$ and, divided by $T$, the second term is "
                      r"$\eta\rho^2/2$. Bounding the whole sum by a single $\rho^2$ loses that factor $T$.")
    sol.misconception("bound at optimal eta", "smooth-rate", B_ * rho_ / T_,
                      r"At $\eta = B/(\rho\sqrt T)$ both terms equal $B\rho/(2\sqrt T)$: the bound is "
                      r"$B\rho/\sqrt T$, the $O(1/\sqrt T)$ rate, not the $O(1/T)$ of gradient descent on "
                      r"smooth functions.")
    sol.misconception("bound at optimal eta", "one-term-only", B_ * rho_ / (2 * sp.sqrt(T_)),
                      r"At the best step the two terms $B^2/(2\eta T)$ and $\eta\rho^2/2$ are equal, each "
                      r"$B\rho/(2\sqrt T)$, and the bound is their sum, $B\rho/\sqrt T$.")


def _lemma_check(r: dict, tight: np.ndarray, tol: float) -> Check:
    """A candidate bound in ||w*||^2, sum ||v_t||^2 and eta: above the sum on every random sequence, and
    equal to it (the bound attained) where w* is the last iterate, to rounding `tol`."""
    values = (r["wstar_sq"], r["v_sq"], r["eta"])
    scale = np.abs(r["lhs"])
    attained = witness.formula_on((wsq_, vsq_, eta_), tuple(v[tight] for v in values), r["lhs"][tight],
                           rtol=tol, atol=0.0, what=r"sum attained where $w^* = w_{T+1}$")

    def check(value) -> Verdict:
        v = attained(value)
        if not v.passed:
            return v
        f = sp.lambdify((wsq_, vsq_, eta_), sp.sympify(value, strict=True), "numpy")
        above = np.asarray(f(*values), dtype=float) * np.ones_like(scale)
        ok, margin = _rel_le(r["lhs"], above)
        return v & Verdict("numeric", ok, f"bound above the sum on all {scale.size} sequences: smallest "
                           f"relative margin {margin:.3g}")

    return check


def _demo(pt, p: Params, ctx: Context, exponent: sp.Expr) -> None:
    c = np.asarray(p.centre, dtype=float)
    B_exact = sp.sqrt(sum(exact_decimal(x) ** 2 for x in p.centre))
    B, rho = float(B_exact), p.rho
    Ts = horizons(p)
    etas = np.array([float(optimal_eta(B_exact, exact_decimal(rho), int(T))) for T in Ts])
    bound = np.array([float(best_bound(B_exact, exact_decimal(rho), int(T))) for T in Ts])
    used = np.array([float(rate_bound(B, rho, e, int(T))) for e, T in zip(etas, Ts)])
    d = c.size
    functions = {
        "cone": (r"$f_1(" + W + r") = \rho\|" + W + r" - \mathbf{c}\|$ (nonsmooth, subgradient "
                 r"$0$ at the kink)", sim.cone(c, rho)),
        "smooth": (r"$f_2(" + W + r") = \rho\bigl(\sqrt{\delta^2 + \|A(" + W + r" - \mathbf{c})"
                   r"\|^2} - \delta\bigr)$, $A = \mathrm{diag}(1, " + f"{p.aspect:g}" + r", \dots)$"
                   rf", $\delta = {p.delta:g}$ (smooth pseudo-Huber)",
                   sim.pseudo_huber(c, rho, p.delta, p.aspect)),
    }
    c_tex = ", ".join(f"{x:g}" for x in p.centre)
    demo = (r"\emph{Demonstration.} Two convex $\rho$-Lipschitz functions in dimension "
            rf"{d}, both minimised at $" + WS + r" = \mathbf{c} = (" + c_tex + r")$ with "
            r"$f(" + WS + r") = 0$ (each is $\ge 0$ and vanishes at $\mathbf{c}$), so "
            rf"$B = \|\mathbf{{c}}\| = {sp.latex(B_exact)}$, $\rho = {rho:g}$: "
            + "; ".join(label for label, _ in functions.values())
            + r". Gradient descent from $" + W + r"^{(1)} = 0$ with $\eta = \eta^\star(T)$ runs "
            rf"for {len(Ts)} log-spaced horizons $T = {Ts[0]},\dots,{Ts[-1]}$. ")
    measured = {}
    for key, (_, (f, sub)) in functions.items():
        hist = sim.descend(sub, etas, int(Ts.max()), d)
        measured[key] = sim.measure_runs(f, sub, hist, Ts, c)
    lip = {key: max(float(np.max(m["g_max"])),
                    sim.max_gradient_norm(functions[key][1][1], ctx.rng(f"3.lip.{key}"), c,
                                         count=LIPSCHITZ_POINTS))
           for key, m in measured.items()}
    points = f"{LIPSCHITZ_POINTS:,}".replace(",", r"\,")
    pt.claim("assumptions",
             demo + r"The test functions meet the assumptions: every (sub)gradient met on the runs and "
             rf"at {points} random points (distances $10^{{-3}}$ to $10^4$ from $\mathbf{{c}}$) has "
             r"norm $\le \rho$ (to rounding).",
             prove.on_instances({f"{k}: max norm {v:.6g}": v <= rho * (1 + ROUND)
                                 for k, v in lip.items()}, "measured gradient norms"), aside=True)
    for key, m in measured.items():
        jensen_ok, jensen_margin = _rel_le(m["gap"], m["mean_f"])
        convex_ok = bool(np.min(m["convexity"]) >= -ROUND * max(1.0, B * rho))
        lemma_avg = lemma_bound(B**2, m["g_sq"], etas) / Ts
        lemma_ok, lemma_margin = _rel_le(m["mean_inner"], lemma_avg)
        rate_ok, _ = _rel_le(lemma_avg, used)
        pt.claim(f"chain.{key}",
                 rf"Measured on the runs of $f_{1 if key == 'cone' else 2}$, at every $T$, each "
                 r"link of the argument: Jensen, $f(\bar{\mathbf{w}}) \le \frac{1}{T}\sum_t f(" + W
                 + r"^{(t)})$; (3) at every iterate; the lemma, $\frac{1}{T}\sum_t\langle " + W
                 + r"^{(t)} - " + WS + r", \mathbf{g}_t\rangle \le \frac{1}{T}[\frac{B^2}{2\eta} + "
                 r"\frac{\eta}{2}\sum_t\|\mathbf{g}_t\|^2]$; and that bracket $/T \le \frac{B^2}"
                 r"{2\eta T} + \frac{\eta\rho^2}{2}$.",
                 prove.on_instances({"Jensen": jensen_ok, "convexity (3)": convex_ok,
                                     "lemma": lemma_ok, "rho-substitution": rate_ok},
                                    f"all {len(Ts)} horizons (rounding allowance {ROUND:g}); "
                                    f"smallest Jensen margin {jensen_margin:.3g}, lemma margin "
                                    f"{lemma_margin:.3g}"), aside=True)
        ok, margin = _rel_le(m["gap"], bound)
        ratio = m["gap"] / bound
        pt.claim(f"bound.{key}",
                 rf"Measured, $f_{1 if key == 'cone' else 2}$: $f(\bar{{\mathbf{{w}}}}) - f(" + WS
                 + r") \le B\rho/\sqrt T$ at every horizon (to rounding, relative $10^{-9}$): the "
                 rf"ratio gap/bound is at most ${pt.quote(ratio.max(), f'bound.{key}', '.3g')}$ (table below).",
                 Verdict("numeric", ok, f"smallest relative margin {margin:.3g} over "
                         f"{len(Ts)} horizons", {"horizons": [int(t) for t in Ts]}),
                 value=float(ratio.max()), aside=True)
    slope = float(np.polyfit(np.log(Ts), np.log(used), 1)[0])
    cone_ratio = measured["cone"]["gap"] / bound
    log_t, log_gap = np.log(Ts), np.log(np.maximum(measured["smooth"]["gap"], 1e-300))
    smooth_slope = float(np.polyfit(log_t, log_gap, 1)[0])
    pt.claim("slope",
             r"The bound evaluated at the step sizes the runs used, "
             r"$\frac{B^2}{2\eta T} + \frac{\eta\rho^2}{2}$, has fitted log-log slope $-\tfrac12$ "
             r"in $T$, the exponent derived above. "
             r"\emph{What the measured gap shows.} For the cone $f_1$ the gap reaches "
             rf"${pt.quote(cone_ratio.max(), 'bound.cone', '.3g')}$ of the bound "
             rf"(at $T = {Ts[np.argmax(cone_ratio)]}$): "
             r"$f_1$ is a worst case, (3) and Jensen are equalities along its straight path, every "
             r"subgradient has norm exactly $\rho$, and the iterate can finish near $" + WS
             + r"$ so little is dropped in the lemma. The ratio jumps up and down with $T$ (table below) "
             r"because the path reaches "
             r"$\mathbf{c}$ after about $\sqrt T$ steps and then oscillates about it by one step "
             r"length, with a phase that depends on $T$.",
             prove.close(slope, float(exponent), rtol=1e-6, what="fitted slope of the bound"),
             aside=True)
    direct = float(np.sum((log_t - log_t.mean()) * (log_gap - log_gap.mean())) / np.sum((log_t - log_t.mean()) ** 2))
    kind = "steeper" if smooth_slope < -0.6 else "flatter" if smooth_slope > -0.4 else "close"  # what it says
    pt.claim("smooth-slope", _smooth_statement(pt.quote(smooth_slope, "smooth-slope", ".2f"), kind),
             prove.close(smooth_slope, direct, rtol=1e-9, what="least-squares slope of ln gap against ln T "
                         "(NumPy's fit against the closed form)"),
             value=smooth_slope, aside=True)
    rows = [[f"${T}$", f"${e:.4g}$", _num(g1), _num(g2), _num(b)]
            for T, e, g1, g2, b in zip(Ts, etas, measured["cone"]["gap"],
                                       measured["smooth"]["gap"], bound)]
    pt.table([r"$T$", r"$\eta^\star$", r"gap $f_1$", r"gap $f_2$", r"$B\rho/\sqrt T$"], rows,
             caption=r"Measured $f(\bar{\mathbf{w}}) - f(" + WS + r")$ against the bound.", aside=True)
    pt.figure("rate", r"Gradient descent with $\eta = B/(\rho\sqrt T)$ from $" + W
              + r"^{(1)} = 0$: measured $f(\bar{\mathbf{w}}) - f(" + WS
              + r")$ after $T$ steps for the cone $f_1$ "
              r"and the smooth $f_2$ (markers), the averaged inner products "
              r"$\frac{1}{T}\sum_t\langle " + W + r"^{(t)} - " + WS
              + r", \mathbf{g}_t\rangle$ of (6) (open markers), and the "
              r"bound $B\rho/\sqrt T$ (line); log-log axes.",
              lambda path: _plot(path, Ts, bound, measured), aside=True)


def _num(x: float) -> str:
    """A positive number for a table cell: 4 significant digits, powers of ten as LaTeX."""
    mantissa, _, exp = f"{x:.3e}".partition("e")
    return f"${mantissa}$" if int(exp) == 0 else rf"${mantissa}\times 10^{{{int(exp)}}}$"


def _smooth_statement(slope: str, kind: str) -> str:
    """What the smooth f_2's measured gap does, by the slope's `kind` (steeper than the bound's -1/2, close
    to it, or flatter); `slope` is the quoted least-squares slope of ln gap on ln T."""
    if kind == "flatter":
        return (r"Measured: for the smooth $f_2$ the fitted log-log slope of the gap is "
                rf"${slope}$, flatter than the bound's $-\frac{{1}}{{2}}$ over these horizons.")
    if kind == "steeper":
        return (r"Measured: for the smooth $f_2$ the gap falls faster than the bound, with fitted log-log "
                rf"slope ${slope}$: near its minimum $f_2$ is quadratic and gradient descent "
                r"converges there, so the worst-case $1/\sqrt T$ bound is loose for it.")
    return (r"Measured: for the smooth $f_2$ the fitted log-log slope of the gap is "
            rf"${slope}$, close to the bound's $-\frac{{1}}{{2}}$: over these horizons the "
            r"steps stay long compared with $\delta$, so $f_2$ behaves like the cone.")


def _plot(path, Ts: np.ndarray, bound: np.ndarray, measured: dict) -> None:
    with figures.figure(path) as (fig, ax):
        ax.plot(Ts, bound, **figures.style("derived"), label=r"bound $B\rho/\sqrt{T}$")
        names = {"cone": r"$f_1$ cone", "smooth": r"$f_2$ smooth"}
        for (key, m), colour in zip(measured.items(), figures.series(len(measured))):
            ax.plot(Ts, m["gap"], **figures.style("measured", color=colour),
                    label=names[key] + r": $f(\bar{w}) - f(w^*)$")
            ax.plot(Ts, m["mean_inner"], **figures.style("measured", color=colour, ms=6, mfc="none"),
                    label=names[key] + r": $\frac{1}{T}\sum_t\langle w_t - w^*, g_t\rangle$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("number of steps $T$")
        ax.set_ylabel(r"suboptimality of $\bar{w}$")
        ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
