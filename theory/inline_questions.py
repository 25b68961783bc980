"""Train/test gap remedies and AdaGrad's shrinking steps vs Adam (cse543-hw1 Q2 inline questions).

Inline Q1 (which changes shrink the gap between training and test accuracy) is answered from
the optimism of a linear smoother, derived with SymPy, and backed by a seeded experiment with
a one-hidden-layer ReLU network whose first layer is random and whose output layer is fitted
by ridge regression in closed form. Inline Q2 (why AdaGrad's updates become tiny, and whether
Adam has the same problem) derives both step lengths under a constant gradient, after a drop
in the gradient scale, and compares them with the update rules run as written in the notebooks.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import inline_questions as sim
from theory import optimizers
from theory.core import prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.expectation import Independent, listed
from theory.core.latexread import Notation
from theory.core.params import Parameters, exact_decimal, numbers, param, whole_list
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict
from theory.optimizers import limit_at_infinity, numeric

TOPIC = "inline_questions"

lr, g, h, t, T, k, t0 = sp.symbols("eta g h t T k t_0", positive=True)
eps = sp.Symbol("epsilon", nonnegative=True)
b1, b2, rho, beta = sp.symbols("beta1 beta2 rho beta", positive=True)
s2 = sp.Symbol("sigma^2", positive=True)
# The optimizers' symbols, named so that a display reads even where a value lacks one of them.
NOTATION = Notation(names={sp.latex(s): s for s in (lr, g, h, t, T, k, t0, eps, b1, b2, rho, beta)})

OPTIONS = ("train on a larger dataset", "add more hidden units",
           "increase the regularisation strength")
KNOBS = ("data", "hidden", "reg")  # the knob each option turns, in the sheet's order


def _grid(inner):
    """`inner`, and at least three settings, so that a trend can be measured."""
    def check(v) -> str | None:
        return inner(v) or ("expected at least three settings, so a trend can be measured"
                            if len(v) < 3 else None)
    return check


MAX_N = 10_000  # training points: one ridge fit is O(n p^2)
MAX_WIDTH = 2_000  # hidden units: one ridge fit solves a p x p system
MAX_FEATURE_ENTRIES = 4 * 10**7  # (max training points + test points) x max width floats: 320 MB a pool
MAX_SWEEP_WORK = 6 * 10**10  # seeds x (settings' 4 (n p^2 + p^3) + n_test p, (n + n_test) p dim): a minute
MAX_MC_N = 200  # the optimism simulation multiplies each draw by the n x n hat matrix: cost n^3 / df^2
MAX_STEPS = 100_000  # iterations of an optimizer run, stepped in Python
SMALL_N = (1, 2, 3)  # sample sizes at which the optimism is derived with explicit vectors
EXACT_SUMS_AT = (1, 2, 10, 100, 1000)  # horizons T at which the distance bounds meet the exact sum


@dataclass(frozen=True)
class Params(Parameters):
    # Inline Q1: the random-feature experiment
    # The trends below are measured, not derived: the bounds keep the experiment where the gap is
    # large enough for them to reach the t-statistic (in 1 or 2 dimensions, at 10^4 points, with
    # 10 hidden units or lambda = 1 the gap or its change is too small to show in 10 tasks).
    dim: int = param(5, "input dimension of the synthetic task", lo=3, hi=50)
    n_train: int = param(200, "training points when the width or the penalty is varied", lo=10, hi=1000)
    width: int = param(50, "hidden units when the data size or the penalty is varied", lo=20, hi=MAX_WIDTH)
    # Below 1e-6 the ridge system is too ill-conditioned for tr H to match the SVD formula to 1e-9;
    # above 0.1 the fit is mostly penalty: the gap and the optimism simulation's df are too small.
    lam: float = param(1e-3, "ridge penalty lambda (per sample) when it is not varied", lo=1e-6, hi=0.1)
    sizes: tuple = param((100, 200, 400, 800, 1600), "training-set sizes tried",
                         check=_grid(whole_list("training-set sizes", 10, hi=MAX_N)))
    widths: tuple = param((10, 20, 40, 80, 120), "hidden-unit counts tried",
                          check=_grid(whole_list("hidden units", 1, hi=MAX_WIDTH)))
    lams: tuple = param((1e-4, 1e-3, 1e-2, 1e-1, 1.0), "ridge penalties tried",
                        check=_grid(numbers("ridge penalties", lo=1e-6, hi=1e3, example="(1e-4, 1e-2, 1)")))
    label_flip: float = param(0.1, "probability that a training or test label is flipped",
                              lo=0.0, hi=0.5, hi_open=True)
    # Below 0.05 the residual of the noiseless target dominates the optimism draws' spread.
    noise: float = param(0.5, "noise standard deviation of the regression target", lo=0.05, hi=10.0)
    n_test: int = param(2000, "test points per task", lo=100, hi=100_000)
    seeds: int = param(10, "independent tasks (teacher, data, hidden units) averaged over",
                       lo=5, hi=200)
    # A t-statistic of 6 is already a false-alarm rate near 1e-9; beyond it a true trend needs many seeds.
    margin: float = param(4.0, "t-statistic a measured trend must reach", lo=1.0, hi=6.0)
    mc_n: int = param(30, "training points of the fixed design in the optimism simulation", lo=2, hi=MAX_MC_N)
    mc_width: int = param(60, "hidden units of that design (any width: the identity holds for "
                          "every design; a wide one makes df large and the simulation cheap)", lo=10,
                          hi=MAX_WIDTH)
    # Inline Q2: the optimizers
    lr: float = param(1e-2, "learning rate eta of AdaGrad, RMSProp and Adam", lo=1e-6, hi=10.0)
    eps: float = param(1e-8, "epsilon added to the root of the squared-gradient statistic",
                       lo=0.0, hi=1e-3)
    beta1: float = param(0.9, "Adam first-moment decay", lo=0.0, hi=1.0, hi_open=True)
    beta2: float = param(0.999, "Adam second-moment decay", lo=0.0, hi=1.0, hi_open=True)
    rho: float = param(0.99, "RMSProp decay rate of its cache", lo=0.0, hi=1.0, hi_open=True)
    grads: tuple = param((0.01, 1.0, 100.0), "constant gradient magnitudes tried",
                         check=numbers("gradient magnitudes", lo=1e-6, hi=1e6, example="(0.01, 1, 100)"))
    steps: int = param(1000, "iterations on the constant gradients", lo=10, hi=MAX_STEPS)
    drop_at: int = param(100, "step t_0 after which the gradient drops", lo=1, hi=MAX_STEPS)
    drop_factor: float = param(10.0, "factor c by which the gradient drops", lo=1.0, lo_open=True, hi=1e6)
    drop_steps: int = param(4000, "iterations after the drop", lo=10, hi=MAX_STEPS)
    quad_curvature: float = param(0.01, "curvature a of the 1-D quadratic a (w - w*)^2 / 2",
                                  lo=1e-6, hi=1e3)
    quad_distance: float = param(100.0, "distance w* - w_0 from the start to the minimiser",
                                 lo=1e-3, hi=1e6)
    quad_steps: int = param(1000, "iterations on the quadratic", lo=10, hi=MAX_STEPS)

    def __post_init__(self) -> None:
        super().__post_init__()
        if max(self.widths) > 0.8 * self.n_train or self.width > 0.8 * min(self.sizes):
            raise BadInput(
                "hidden units must stay below 0.8 x the training points (max(widths) <= "
                "0.8 n_train, width <= 0.8 min(sizes)): the experiment is meant to stay below "
                "the interpolation threshold p = n, where the test error peaks (double descent)")
        if self.lr * self.quad_steps > 0.5 * self.quad_distance:
            raise BadInput("lr x quad_steps must be at most quad_distance / 2, so that Adam "
                           "(about lr per step) is still on its way to w* at the end of the run")
        if self.mc_n > 5 * self.mc_width:
            raise BadInput(f"mc_n = {self.mc_n} exceeds 5 x mc_width = {5 * self.mc_width}: so narrow a design has "
                           "too few degrees of freedom for the optimism simulation to resolve 1% within its budget")
        n_max, p_max = max(max(self.sizes), self.n_train), max(max(self.widths), self.width)
        entries = (n_max + self.n_test) * p_max
        if entries > MAX_FEATURE_ENTRIES:
            raise BadInput(f"(largest training set + n_test) x most hidden units = {entries:,} features exceeds "
                           f"the {MAX_FEATURE_ENTRIES:,} limit that keeps a task within 320 MB")
        work = (self.seeds * (sum(4 * (n * w * w + w**3) + self.n_test * w for n, w, _ in self.settings())
                              + entries * self.dim)
                + sum(30 * n * w * w for n, w, _ in self.settings()))  # one SVD per setting for df
        if work > MAX_SWEEP_WORK:
            raise BadInput(f"seeds x the settings' ridge fits = {work:.3g} operations exceeds the {MAX_SWEEP_WORK:.2g} "
                           "limit that keeps the experiment within about a minute")

    def settings(self) -> list[tuple[int, int, float]]:
        """The (training points, hidden units, penalty) of every run of the experiment, per task."""
        return ([(int(n), self.width, self.lam) for n in self.sizes]
                + [(self.n_train, int(w), self.lam) for w in self.widths]
                + [(self.n_train, self.width, float(x)) for x in self.lams])


# ---- derived formulas ------------------------------------------------------------------------

def gap_effect(knob: str) -> int:
    """The answer to inline Q1, per option: -1 if it shrinks the train/test gap, +1 if it widens it.

    From the optimism 2 sigma^2 df / n: more data divides by a larger n (df <= p stays put),
    more hidden units raise df, a larger ridge penalty lowers df.
    """
    return {"data": -1, "hidden": +1, "reg": -1}[knob]


def optimism(sigma2, df, n):
    """E[in-sample error - training error] of a linear smoother with tr H = df (per sample)."""
    return 2 * sigma2 * df / n


def ridge_df(singular_values, penalty):
    """tr H of ridge regression from the design's singular values: sum s^2 / (s^2 + n lam)."""
    return sum(s**2 / (s**2 + penalty) for s in singular_values)


def adagrad_cache(g_, t_):
    """AdaGrad's cache after t steps of a constant gradient g."""
    return t_ * g_**2


def adagrad_step(lr_, g_, t_, eps_):
    """Length of AdaGrad's t-th step under a constant gradient g > 0."""
    return lr_ * g_ / (sp.sqrt(adagrad_cache(g_, t_)) + eps_)


# Integral-comparison bounds on lr * sum_{t<=T} t^(-1/2), the distance AdaGrad covers: the
# optimizers topic's result, a module-level name here so that it can be replaced on its own.
adagrad_distance_bounds = optimizers.adagrad_distance_bounds


def ema(value, t_, beta):
    """The moving average beta a_{t-1} + (1 - beta) x after t steps of a constant x, from 0."""
    return (1 - beta**t_) * value


def adam_step(lr_, g_, t_, beta1_, beta2_, eps_):
    """Length of Adam's t-th step under a constant gradient g > 0 (bias-corrected)."""
    m_hat = ema(g_, t_, beta1_) / (1 - beta1_**t_)
    v_hat = ema(g_**2, t_, beta2_) / (1 - beta2_**t_)
    return lr_ * m_hat / (sp.sqrt(v_hat) + eps_)


def rmsprop_step(lr_, g_, t_, rho_, eps_):
    """Length of RMSProp's t-th step under a constant gradient g > 0 (cache starts at 0)."""
    return lr_ * g_ / (sp.sqrt(ema(g_**2, t_, rho_)) + eps_)


def ema_after_drop(before, after, t0_, k_, beta):
    """The moving average k steps after its input changed from `before` (steps <= t0) to `after`."""
    return before * (beta**k_ - beta ** (t0_ + k_)) + after * (1 - beta**k_)


def adagrad_cache_after_drop(g_, h_, t0_, k_):
    """AdaGrad's cache k steps after the gradient dropped from g to h at step t0."""
    return adagrad_cache(g_, t0_) + k_ * h_**2


# ---- helpers ----------------------------------------------------------------------------------

SHRUNK = 0.5  # a method "has AdaGrad's issue" when its last measured step is below half its first


def _same_issue(meas: dict[str, np.ndarray], steps: int) -> Check:
    """A yes/no candidate for "would Adam have the same issue", judged by the measured runs on constant
    gradients: yes is right exactly when Adam's last step, like AdaGrad's, is below SHRUNK of its first."""
    kept = {m: float(np.max(meas[m][-1] / meas[m][0])) for m in ("adagrad", "adam")}
    issue = kept["adam"] < SHRUNK
    seen = (f"after {steps} steps on constant gradients AdaGrad's last step is {kept['adagrad']:.3g} of its first, "
            f"Adam's {kept['adam']:.3g} (shrinking means below half)")
    return witness.yes_no(issue, seen)


def _within(values, lo, hi, what: str) -> Verdict:
    values, lo, hi = (np.asarray(x, float) for x in (values, lo, hi))
    ok = bool(np.all(values >= lo) and np.all(values <= hi))
    return Verdict("numeric", ok, f"{what}: {values.size} values in their bounds"
                   + ("" if ok else f"; {int(np.sum((values < lo) | (values > hi)))} outside"),
                   {"values": int(values.size)})


def _tex(x: float) -> str:
    """1e-08 -> 10^{-8}, 2.5e-05 -> 2.5\\times 10^{-5}, 0.01 -> 0.01."""
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}"
    mant, exp = f"{x:.2e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return (rf"{mant}\times " if mant != "1" else "") + f"10^{{{int(exp)}}}"


def _options(shrinks: set[int]) -> Check:
    """A candidate list of options judged by the measured trends: exactly the options whose gap shrinks
    at the claims' t-statistic (option 4 when none does)."""
    measured = sorted(shrinks) or [4]

    def check(value) -> Verdict:
        items = value if isinstance(value, (list, tuple)) else [value]
        picked = [witness.number(v) for v in items]
        ok = None not in picked and sorted(picked) == measured
        return Verdict("numeric", ok, f"options {', '.join(sp.sstr(v) for v in items)} against the options whose "
                       f"measured gap shrinks: {', '.join(map(str, measured))}")

    return check


# ---- inline Q1 --------------------------------------------------------------------------------

def _q1(sol: Solution, p: Params, ctx: Context) -> None:
    sizes = [int(n) for n in p.sizes]
    widths = [int(w) for w in p.widths]
    lams = [float(x) for x in p.lams]
    grid = {"data": (sizes, [(n, p.width, p.lam) for n in sizes]),
            "hidden": (widths, [(p.n_train, w, p.lam) for w in widths]),
            "reg": (lams, [(p.n_train, p.width, x) for x in lams])}
    settings = [s for _, ss in grid.values() for s in ss]
    res = sim.sweep(ctx.rng("a.sweep"), settings, p.seeds, dim=p.dim, n_test=p.n_test,
                    noise=p.noise, flip=p.label_flip)
    acc_gap = res[:, :, 0] - res[:, :, 1]
    mse_gap = res[:, :, 3] - res[:, :, 2]
    chosen = [i for i, knob in enumerate(KNOBS, 1) if gap_effect(knob) < 0]
    answer = " and ".join(str(i) for i in chosen) if chosen else "4 (none)"

    pa = sol.part("a", "Inline Q1: closing the train/test gap",
                  r"A trained two-layer network scores much higher on its training set than on "
                  r"test data. Which of these shrink the gap: (1) a larger training set, (2) more "
                  r"hidden units, (3) a stronger regularisation, (4) none of them?")
    pa.text(
        rf"\textbf{{Answer: {answer}.}} The gap is the optimism of fitting one sample's noise, "
        r"$2\sigma^2\,\mathrm{df}/n$ by (b): (1) more data divides it by a larger $n$; (3) a larger "
        r"penalty lowers the effective number of parameters $\mathrm{df}$; (2) more hidden units raise "
        r"$\mathrm{df}$ (more capacity to memorise), so the gap widens, and (4) is wrong."
    )
    experiment = (
        r"\emph{Experiment.} A network $x\mapsto \beta^\top\mathrm{ReLU}(Wx+b)$ with a random, "
        r"frozen first layer ($W_{ij}\sim N(0,1/d)$, $b_j\sim N(0,1/4)$) and an output layer "
        r"fitted by ridge regression, $\beta = (\Phi^\top\Phi + n\lambda I)^{-1}\Phi^\top y$. "
        rf"Task: $x\sim N(0, I_{{{p.dim}}})$, label "
        r"$\operatorname{sign} f(x)$ of a fixed random smooth $f$ (a sum of 8 sines), "
        rf"flipped with probability {p.label_flip:g}, fitted as $\pm1$ targets by least squares "
        rf"and scored on {p.n_test} fresh test points. Each knob is varied with the others held at "
        rf"$n = {p.n_train}$, $p = {p.width}$, $\lambda = {_tex(p.lam)}$, over {p.seeds} independent "
        r"tasks (new $f$, data and hidden units). All settings keep $p/n \le "
        rf"{pa.setting(max(max(widths) / p.n_train, p.width / min(sizes)), '.2g')}$, below the interpolation "
        r"threshold $p = n$ (beyond it the gap can shrink again as $p$ grows, ``double descent''). "
        r"Criterion of the claims (measured trends, not theorems): per task, the least-squares slope "
        r"of the accuracy gap against the logarithm of the knob; the mean slope over tasks must have "
        rf"the predicted sign with $|t| \ge {p.margin:g}$, and so must the mean-squared-error gap of a "
        r"regression target fitted on the same features."
    )
    names = {"data": "number of training points $n$", "hidden": "number of hidden units $p$",
             "reg": r"ridge penalty $\lambda$"}
    short = {"data": "data $n$", "hidden": "width $p$", "reg": r"penalty $\lambda$"}
    rows, start = [], 0
    trends = {}
    shrinks = set()  # the options whose measured trend shrinks the gap, at the claims' t-statistic
    for knob, (xs, ss) in grid.items():
        cols = slice(start, start + len(ss))
        start += len(ss)
        gap = acc_gap[:, cols]
        slope, se = sim.trend(xs, gap)
        mslope, mse_se = sim.trend(xs, mse_gap[:, cols])
        trends[knob] = (xs, gap, res[:, cols])
        want = gap_effect(knob)
        word = "shrinks" if want < 0 else "widens"
        i = KNOBS.index(knob) + 1
        tstat = slope / se if se > 0 else np.inf * np.sign(slope)
        mt = mslope / mse_se if mse_se > 0 else np.inf * np.sign(mslope)
        if slope < 0 and mslope < 0 and min(abs(tstat), abs(mt)) >= p.margin:
            shrinks.add(i)
        pa.claim(
            knob, rf"Option {i} ({OPTIONS[i - 1]}) {word} the gap: as the {names[knob]} goes "
            rf"from ${_tex(xs[0])}$ to ${_tex(xs[-1])}$, the mean accuracy gap goes from "
            rf"{gap[:, 0].mean():.3f} to {gap[:, -1].mean():.3f}.",
            Verdict("numeric", bool(np.sign(slope) == want and abs(tstat) >= p.margin
                                    and np.sign(mslope) == want and abs(mt) >= p.margin),
                    f"accuracy-gap slope {slope:+.4f} (t = {tstat:+.1f}); MSE-gap slope "
                    f"{mslope:+.4f} (t = {mt:+.1f}); predicted sign {want:+d}, |t| >= "
                    f"{p.margin:g}", {"t": float(tstat), "t_mse": float(mt)}),
            aside=True)
        for x, col in zip(xs, range(gap.shape[1])):
            r = res[:, cols][:, col]
            rows.append([short[knob] if col == 0 else "", f"${_tex(x)}$",
                         f"{r[:, 0].mean():.3f}", f"{r[:, 1].mean():.3f}",
                         rf"{gap[:, col].mean():.3f} $\pm$ {gap[:, col].std(ddof=1):.3f}",
                         f"{mse_gap[:, cols][:, col].mean():.3f}"])
    pa.table(["varied", "value", "train acc.", "test acc.", "acc. gap", "MSE gap"], rows,
             caption=experiment + rf" Means over {p.seeds} tasks ($\pm$ one standard deviation across "
             r"tasks); MSE gap: test minus training mean squared error of the regression target "
             rf"$f(x) + N(0, {p.noise:g}^2)$.", aside=True)
    pa.figure("gap", rf"Train/test accuracy gap of the random-feature network, mean $\pm$ one "
              rf"standard deviation over {p.seeds} tasks, against the training-set size (left), "
              r"the number of hidden units (middle) and the ridge penalty (right); the other two "
              r"knobs are held fixed.",
              lambda path: _plot_gap(path, trends, names), aside=True)
    sol.answer("Q1 options chosen", chosen or [4], claims=tuple(f"a.{knob}" for knob in KNOBS),
               check=_options(shrinks))
    sol.misconception("Q1 options chosen", "capacity-closes-gap", [1, 2, 3],
                      "More hidden units give the network more capacity to memorise its training set: the "
                      "training accuracy rises faster than the test accuracy and the gap widens (below the "
                      "interpolation threshold). A bigger network may test better, but its gap is not smaller.")
    sol.misconception("Q1 options chosen", "regularisation-only-hurts", [1],
                      "A stronger penalty lowers the training accuracy, but it is the training accuracy that the "
                      "gap is measured from: keeping the weights from bending to single examples costs little on "
                      "test data, so the gap shrinks. Option 3 is a remedy, like option 1.")
    sol.misconception("Q1 options chosen", "nothing-helps", [4],
                      "The gap is not fixed by the architecture alone: more data and a stronger penalty both "
                      "reduce how much the fit depends on the accidents of one training sample (the optimism "
                      r"$2\sigma^2\,\mathrm{df}/n$ of part (b) falls with $n$ and with $\lambda$).")

    # (b) why: the optimism of a linear smoother
    pb = sol.part("b", "Inline Q1: why, in numbers",
                  r"For a network with fixed hidden features and an output layer fitted by ridge regression "
                  r"(a linear smoother; the experiment that checks (a) uses one), compute how much the "
                  r"training error understates the error on fresh noise.")
    pb.text(
        r"Fixed inputs, $y = f + e$, $\mathbb{E}[e] = 0$, $\mathrm{Cov}(e) = \sigma^2 I$; ridge on the "
        r"features $\Phi$ predicts $\hat y = Hy$, $H = \Phi(\Phi^\top\Phi + n\lambda I)^{-1}\Phi^\top$ "
        r"(symmetric). $\mathrm{err}_{\mathrm{tr}} = \|y - Hy\|^2/n$; on new labels $y' = f + e'$, "
        r"$\mathrm{err}_{\mathrm{in}} = \|y' - Hy\|^2/n$ (checked for "
        rf"$n = {', '.join(map(str, SMALL_N))}$, general $H$, $f$)."
    )
    cases = {f"n={n}": {"n": n} for n in SMALL_N}

    @functools.cache
    def setup(n):
        Hm = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"H_{min(i, j) + 1}{max(i, j) + 1}"))
        f = sp.Matrix(sp.symbols(f"f1:{n + 1}"))
        e = sp.Matrix(sp.symbols(f"e1:{n + 1}"))
        e2 = sp.Matrix(sp.symbols(f"q1:{n + 1}"))
        model = Independent({v: listed(0, s2) for v in [*e, *e2]})
        return Hm, f, e, e2, model, sp.eye(n)

    def sq(v):
        return (v.T * v)[0, 0]

    def defined(n):
        Hm, f, e, e2, model, _ = setup(n)
        y = f + e
        return model.E(sq(f + e2 - Hm * y) - sq(y - Hm * y)) / n

    def expanded(n):
        Hm, f, _, _, _, eye = setup(n)
        bias = sq((eye - Hm) * f)
        return (s2 * (n + (Hm * Hm).trace()) + bias - s2 * ((eye - Hm) ** 2).trace() - bias) / n

    nn = sp.Symbol("n", positive=True)

    @functools.cache
    def spelled(n):
        """The displays' names at this n: the matrices and the squared norms they abbreviate."""
        Hm, f, e, e2, model, eye = setup(n)
        y = f + e
        return {"H": Hm, "I": eye, r"\|(I-H)f\|^2": sq((eye - Hm) * f),
                r"\mathbb{E}\|f + e' - H(f+e)\|^2": model.E(sq(f + e2 - Hm * y)),
                r"\mathbb{E}\|f + e - H(f+e)\|^2": model.E(sq(y - Hm * y))}

    terms = Notation(names={name: (lambda n, name=name: spelled(n)[name]) for name in spelled(1)})
    ch = pb.chain("optimism", r"\mathbb{E}[\mathrm{err}_{\mathrm{in}} - \mathrm{err}_{\mathrm{tr}}]", cases,
                  sizes={"n": nn}, notation=terms)
    ch.define(r"\tfrac1n\bigl(\mathbb{E}\|f + e' - H(f+e)\|^2 - \mathbb{E}\|f + e - H(f+e)\|^2\bigr)",
              defined)
    ch.step(r"\tfrac1n\bigl[\sigma^2(n + \operatorname{tr}H^2) + \|(I-H)f\|^2 - "
            r"\sigma^2\operatorname{tr}\bigl[(I-H)^2\bigr] - \|(I-H)f\|^2\bigr]", expanded,
            r"$\mathbb{E}[e^\top A e] = \sigma^2\operatorname{tr}A$; cross terms have mean 0")
    ch.step(r"\frac{2\sigma^2}{n}\operatorname{tr}H", lambda n: optimism(s2, setup(n)[0].trace(), n),
            r"$\operatorname{tr}\bigl[(I-H)^2\bigr] = n - 2\operatorname{tr}H + \operatorname{tr}H^2$")
    pb.text(
        r"With the singular values $s_i$ of $\Phi$, $\mathrm{df} = \operatorname{tr}H = "
        r"\sum_i s_i^2/(s_i^2 + n\lambda) \le \min(n, p)$, falling in $\lambda$ and rising with $p$ "
        r"(more columns of $\Phi$): options 1 and 3 shrink the optimism, option 2 widens it. The test "
        r"gap of (a) also has new inputs, but follows the same trends."
    )
    sv, lam_ = sp.symbols("s lambda", positive=True)
    pb.claim("df-lambda", r"Each term of $\mathrm{df}$ decreases in $\lambda$: "
             r"$\frac{\partial}{\partial\lambda}\frac{s^2}{s^2+n\lambda} < 0$.",
             prove.holds(sp.diff(ridge_df([sv], nn * lam_), lam_) < 0), aside=True)
    pb.claim("df-bound", r"Each term of $\mathrm{df}$ is below $1$: "
             r"$1 - \frac{s^2}{s^2+n\lambda} = \frac{n\lambda}{s^2+n\lambda} > 0$.",
             prove.holds(sp.cancel(1 - ridge_df([sv], nn * lam_)) > 0), aside=True)
    design = sim.pool(ctx.rng("b.design"), dim=p.dim, n_max=p.mc_n, n_test=1, width_max=p.mc_width,
                      noise=p.noise, flip=p.label_flip)
    svals = np.linalg.svd(design.F, compute_uv=False)
    df = float(ridge_df(svals, p.mc_n * p.lam))
    pb.claim("df-svd", rf"On the simulated design ($n = {p.mc_n}$, $p = {p.mc_width}$, "
             rf"$\lambda = {_tex(p.lam)}$) the singular-value formula gives "
             rf"$\mathrm{{df}} = {pb.quote(df, 'df-svd', '.4f')}$, the trace of the explicitly formed $H$.",
             prove.close(sim.hat_trace(design.F, p.lam), df, rtol=1e-9, what="tr H"), value=df, aside=True)
    claimed = float(optimism(p.noise**2, df, p.mc_n))
    pb.claim("mc", rf"Simulation on that design, regression target $f + N(0, {p.noise:g}^2)$: "
             r"the mean of $\mathrm{err}_{\mathrm{in}} - \mathrm{err}_{\mathrm{tr}}$ over fresh "
             rf"noise draws is $2\sigma^2\mathrm{{df}}/n = {pb.quote(claimed, 'mc', '.4g')}$.",
             ctx.monte_carlo("b.optimism", sim.optimism_sampler(design.F, design.f, p.noise,
                                                                 p.lam), claimed, pilot=5000), value=claimed)
    base = sim.pool(ctx.rng("b.df"), dim=p.dim, n_max=max(sizes), n_test=1,
                    width_max=max(max(widths), p.width), noise=p.noise, flip=p.label_flip)

    def scaled_df(n, w, lam):
        F = base.F[:n, :w]
        return float(optimism(1.0, ridge_df(np.linalg.svd(F, compute_uv=False), n * lam), n))

    results = {}
    for knob, (_, ss) in grid.items():
        vals = np.array([scaled_df(*s) for s in ss])
        results[f"{knob}: {' -> '.join(f'{v:.3g}' for v in vals)}"] = bool(
            np.all(np.sign(np.diff(vals)) == gap_effect(knob)))
    pb.claim("df-trends", r"On one simulated task, $2\,\mathrm{df}/n$ (the optimism per unit "
             r"$\sigma^2$) moves over each of the three sweeps of (a) in the direction the "
             r"answer states, at every step: down with $n$, up with $p$, down with $\lambda$.",
             prove.on_instances(results, "2 df / n along each sweep"), aside=True)


def _plot_gap(path, trends: dict, names: dict) -> None:
    from theory.core import figures

    with figures.figure(path, ncols=3, sharey=True) as (fig, axes):
        for ax, (knob, (xs, gap, res)) in zip(axes, trends.items()):
            ax.errorbar(xs, gap.mean(axis=0), yerr=gap.std(axis=0, ddof=1), fmt="o-", ms=3,
                        lw=1, capsize=2, label="train $-$ test accuracy")
            ax.plot(xs, res[:, :, 0].mean(axis=0), "s:", ms=3, lw=0.8, label="train accuracy")
            ax.plot(xs, res[:, :, 1].mean(axis=0), "^:", ms=3, lw=0.8, label="test accuracy")
            if knob != "hidden":
                ax.set_xscale("log")
            ax.set_xlabel(names[knob])
            ax.set_ylim(0, 1.02)
        axes[0].set_ylabel("accuracy, gap")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=3)


def _q2(sol: Solution, p: Params, ctx: Context) -> None:
    T_ = p.steps
    gs = np.asarray(p.grads, dtype=float)
    ts = np.arange(1, T_ + 1, dtype=float)
    mid = gs.size // 2
    kw = dict(lr=p.lr, eps=p.eps, beta1=p.beta1, beta2=p.beta2, decay=p.rho)
    zeros = np.zeros_like(gs)
    meas = {m: sim.step_lengths(sim.run(m, sim.constant(gs), zeros, T_, **kw))
            for m in sim.METHODS}

    # (c) AdaGrad
    pc = sol.part("c", "Inline Q2: why AdaGrad's updates shrink",
                  r"With AdaGrad's rule ($\mathrm{cache} \mathrel{+}= dw^2$, "
                  r"$w \mathrel{+}= -\eta\,dw/(\sqrt{\mathrm{cache}}+\epsilon)$), John's updates "
                  r"became tiny and learning slowed down. Why? Would Adam suffer the same?")
    pc.text(
        r"\textbf{Answer.} AdaGrad's cache is a running \emph{sum} of squared gradients: it never "
        r"decreases, so even under gradients of constant size the step decays like $\eta/\sqrt t$ and "
        r"the distance covered grows only like $2\eta\sqrt T$. Adam divides by the root of a moving "
        r"\emph{average} of squared gradients, which tracks their recent size: its steps stay about "
        r"$\eta$ (d), and shrink only while gradients are small compared with their recent size (e). "
        r"So Adam does not have this problem (nor RMSProp, the same change within AdaGrad's family)."
    )
    C = sp.Symbol(r"\mathrm{cache}_{t-1}", nonnegative=True)
    Ct = sp.Symbol(r"\mathrm{cache}_t", nonnegative=True)
    ch = pc.chain("cache", r"\mathrm{cache}_t").define(
        r"\mathrm{cache}_{t-1} + g^2", C + g**2, r"constant gradient $g > 0$, cache$_0 = 0$")
    ch.induction(r"t\,g^2", adagrad_cache(g, t), C, t, 0)
    ch = pc.chain("step", r"|w_t - w_{t-1}|").define(
        r"\eta g/(\sqrt{\mathrm{cache}_t} + \epsilon)", lr * g / (sp.sqrt(Ct) + eps), "the rule")
    ch.step(r"\frac{\eta g}{g\sqrt t + \epsilon}", adagrad_step(lr, g, t, eps),
            r"cache$_t = t g^2$", given={Ct: t * g**2})
    law = adagrad_step(lr, g, t, 0)
    pc.claim("law", r"For $\epsilon \to 0$ (or once $g\sqrt t \gg \epsilon$) the step no longer "
             r"depends on $g$ and decays like $1/\sqrt t$: $|w_t - w_{t-1}|$ tends to",
             prove.equal(law, lr / sp.sqrt(t)), latex=None, value=law)
    lo, hi = adagrad_distance_bounds(lr, T)
    pc.claim("distance", r"The distance covered in $T$ steps, $D_T = \eta\sum_{t\le T}t^{-1/2}$, "
             r"lies between the integrals $\eta\int_1^{T+1}s^{-1/2}ds$ and "
             r"$\eta(1 + \int_1^T s^{-1/2}ds)$, i.e. "
             rf"${sp.latex(lo)} \le D_T \le {sp.latex(hi)}$, both $\sim 2\eta\sqrt T$ "
             r"(ratio to $2\eta\sqrt T$ tends to 1; bounds checked against the exact sum for "
             rf"$T = {', '.join(map(str, EXACT_SUMS_AT))}$). To cover a distance $D$ AdaGrad needs about "
             r"$(D/2\eta)^2$ steps, not $D/\eta$.",
             prove.equal(sp.limit(lo / (2 * lr * sp.sqrt(T)), T, sp.oo), 1)
             & prove.equal(sp.limit(hi / (2 * lr * sp.sqrt(T)), T, sp.oo), 1)
             & prove.on_instances(
                 {f"T={n}": bool(float(lo.subs({lr: 1, T: n})) <= float(np.sum(
                     1 / np.sqrt(np.arange(1, n + 1)))) <= float(hi.subs({lr: 1, T: n})))
                  for n in EXACT_SUMS_AT}, "bounds vs exact sum"), aside=True)
    d_ada = numeric((lr, g, t, eps), adagrad_step(lr, g, t, eps))(
        p.lr, gs[None, :], ts[:, None], p.eps)
    d_law = np.broadcast_to(numeric((lr, g, t), law)(p.lr, gs[None, :], ts[:, None]),
                            d_ada.shape)
    tol = 2 * p.eps / gs.min() + 1e-9
    pc.claim("measured", rf"Measured (the rule run for {T_} steps on constant gradients "
             rf"$g \in \{{{', '.join(_tex(x) for x in gs)}\}}$, $\eta = {_tex(p.lr)}$, "
             rf"$\epsilon = {_tex(p.eps)}$): every step length equals the derived "
             r"$\eta g/(g\sqrt t+\epsilon)$ (to $10^{-9}$), and the law $\eta/\sqrt t$ up to "
             rf"the relative size of $\epsilon$, ${pc.setting(tol, '.2g')}$.",
             prove.close_all(meas["adagrad"], d_ada, 1e-9, "step lengths")
             & prove.close_all(meas["adagrad"], d_law, tol, r"against $\eta/\sqrt{t}$"), aside=True)
    lo_n, hi_n = (float(b.subs({lr: exact_decimal(p.lr), T: T_})) for b in (lo, hi))
    exact = p.lr * float(np.sum(1 / np.sqrt(ts)))  # D_T summed term by term
    pc.claim("bounds-at-T", rf"At $T = {T_}$, $\eta = {_tex(p.lr)}$ the lower bound is "
             rf"$L_T = {pc.quote(lo_n, 'bounds-at-T', '.4g', index=0)}$, below the exact sum $D_T$, and the upper "
             rf"bound is $U_T = {pc.quote(hi_n, 'bounds-at-T', '.4g', index=1)}$, above it.",
             prove.on_instances({f"L_T <= D_T = {exact:.6g}": lo_n <= exact,
                                 f"D_T = {exact:.6g} <= U_T": exact <= hi_n}, "bounds at T"),
             value=(lo_n, hi_n), aside=True)
    dist = meas["adagrad"].sum(axis=0)
    pc.claim("measured-distance", rf"Measured: after $T = {T_}$ steps AdaGrad has moved "
             rf"${pc.quote(float(dist[mid]), 'measured-distance', '.4g')}$ (for $g = {_tex(gs[mid])}$), inside "
             rf"the derived $[{pc.quote(lo_n, 'bounds-at-T', '.4g', index=0)}, "
             rf"{pc.quote(hi_n, 'bounds-at-T', '.4g', index=1)}]$ "
             r"for every $g$ (the lower end shortened by the factor $1/(1+\epsilon/g)$); steps of length "
             rf"$\eta = {_tex(p.lr)}$ would have covered $\eta T = {pc.setting(p.lr * T_, '.4g')}$.",
             prove.on_instances({f"g={x:g}": bool(lo_n / (1 + p.eps / x) <= d <= hi_n * (1 + 1e-9))
                                 for x, d in zip(gs, dist)}, "distance within the bounds"),
             value=float(dist[mid]), aside=True)

    # (d) Adam (and RMSProp)
    pd = sol.part("d", "Inline Q2: Adam's steps",
                  r"Derive Adam's step length under the same constant gradient.")
    pd.text(
        r"Adam keeps $m_t = \beta_1 m_{t-1} + (1-\beta_1)\,dw$ and "
        r"$v_t = \beta_2 v_{t-1} + (1-\beta_2)\,dw^2$ (both from $0$), corrects their bias, "
        r"$\hat m_t = m_t/(1-\beta_1^t)$, $\hat v_t = v_t/(1-\beta_2^t)$, and steps by "
        r"$-\eta\hat m_t/(\sqrt{\hat v_t} + \epsilon)$."
    )
    Mp, Vp = sp.Symbol("m_{t-1}"), sp.Symbol("v_{t-1}")
    ch = pd.chain("m", r"m_t").define(r"\beta_1 m_{t-1} + (1-\beta_1)g", b1 * Mp + (1 - b1) * g,
                                      "constant gradient $g > 0$")
    ch.induction(r"(1-\beta_1^t)\,g", ema(g, t, b1), Mp, t, 0)
    ch = pd.chain("v", r"v_t").define(r"\beta_2 v_{t-1} + (1-\beta_2)g^2",
                                      b2 * Vp + (1 - b2) * g**2, "likewise")
    ch.induction(r"(1-\beta_2^t)\,g^2", ema(g**2, t, b2), Vp, t, 0)
    Mt, Vt = sp.Symbol("m_t", positive=True), sp.Symbol("v_t", positive=True)
    # the bias factors 1 - beta^t, positive because 0 <= beta < 1: the display's (1-\beta^t) stand for them
    u1, u2 = sp.symbols("u_1 u_2", positive=True)
    pd.notation = Notation(names={**NOTATION.names, r"(1-\beta_1^t)": u1, r"(1-\beta_2^t)": u2})
    ch = pd.chain("step", r"|w_t - w_{t-1}|").define(
        r"\frac{\eta\, m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}",
        lr * (Mt / u1) / (sp.sqrt(Vt / u2) + eps), "the rule")
    ch.step(r"\frac{\eta\,g}{\sqrt{g^2} + \epsilon}",
            lr * g / (sp.sqrt(g**2) + eps), r"bias correction: $\hat m_t = g$, $\hat v_t = g^2$ "
            "exactly", given={Mt: u1 * g, Vt: u2 * g**2})
    ch.step(r"\frac{\eta\,g}{g+\epsilon}", adam_step(lr, g, t, b1, b2, eps), r"$g > 0$")
    pd.claim("ratio", r"Adam's step over AdaGrad's is $(g\sqrt t+\epsilon)/(g+\epsilon)$, "
             r"which tends to $\sqrt t$ as $\epsilon\to0$: after $10^4$ steps AdaGrad moves "
             r"100 times slower.",
             prove.equal(adam_step(lr, g, t, b1, b2, eps) / adagrad_step(lr, g, t, eps),
                    (g * sp.sqrt(t) + eps) / (g + eps))
             & prove.equal(adam_step(lr, g, t, b1, b2, 0) / adagrad_step(lr, g, t, 0), sp.sqrt(t)), aside=True)
    d_adam = np.broadcast_to(numeric((lr, g, t, b1, b2, eps), adam_step(lr, g, t, b1, b2, eps))(
        p.lr, gs[None, :], ts[:, None], p.beta1, p.beta2, p.eps), d_ada.shape)
    pd.claim("measured", rf"Measured (Adam as written in the notebook, $\beta_1 = {p.beta1:g}$, "
             rf"$\beta_2 = {p.beta2:g}$, same gradients): every step equals the derived "
             r"$\eta g/(g+\epsilon)$ (to $10^{-9}$), i.e. $\eta$ up to "
             rf"${pd.setting(tol, '.2g')}$ relative, for every $g$ and every $t$.",
             prove.close_all(meas["adam"], d_adam, 1e-9, "step lengths")
             & prove.close_all(meas["adam"], np.full_like(d_adam, p.lr), tol, "against eta"), aside=True)
    Sp = sp.Symbol(r"\mathrm{cache}_{t-1}", nonnegative=True)
    ch = pd.chain("rmsprop", r"\mathrm{cache}_t").define(
        r"\rho\,\mathrm{cache}_{t-1} + (1-\rho)g^2", rho * Sp + (1 - rho) * g**2,
        r"RMSProp, decay rate $\rho$")
    ch.induction(r"(1-\rho^t)\,g^2", ema(g**2, t, rho), Sp, t, 0)
    r_lim = limit_at_infinity(rmsprop_step(lr, g, t, rho, eps), rho)
    d_rms = numeric((lr, g, t, rho, eps), rmsprop_step(lr, g, t, rho, eps))(
        p.lr, gs[None, :], ts[:, None], p.rho, p.eps)
    pd.claim("rmsprop", r"RMSProp, AdaGrad with the sum replaced by this average, steps by "
             r"$\eta g/(g\sqrt{1-\rho^t}+\epsilon)$, which tends to $\eta g/(g+\epsilon)$ "
             rf"instead of $0$; measured with $\rho = {p.rho:g}$ on the same gradients, every "
             r"step equals that formula (to $10^{-9}$).",
             prove.equal(r_lim, lr * g / (g + eps))
             & prove.close_all(meas["rmsprop"], d_rms, 1e-9, "step lengths"), aside=True)
    pd.text(
        r"So Adam's step is $\eta g/(g+\epsilon)$ at every step, $\eta$ to within a fraction $\epsilon/g$, "
        r"whatever $t$ (AdaGrad's shrinks like $\eta/\sqrt t$); without the bias correction its first steps "
        r"are off by the factor $(1-\beta_1^t)/\sqrt{1-\beta_2^t}$, but they too tend to $\eta g/(g+\epsilon)$."
    )
    at = (p.lr, gs[None, :], ts[:, None])
    sol.answer("AdaGrad step, constant gradient", adagrad_step(lr, g, t, eps), claims=("c.measured",),
               check=witness.formula_on((lr, g, t, eps), (*at, p.eps), meas["adagrad"], rtol=1e-9,
                                 what="measured AdaGrad step lengths"))
    sol.misconception("AdaGrad step, constant gradient", "no-square-root", lr * g / (g * t + eps),
                      r"The cache $t g^2$ enters under a square root: the step is "
                      r"$\frac{\eta g}{\sqrt{t g^2} + \epsilon} = \frac{\eta g}{g\sqrt{t} + \epsilon}$, "
                      r"decaying like $\frac{1}{\sqrt{t}}$, not like $\frac{1}{t}$.")
    sol.misconception("AdaGrad step, constant gradient", "latest-gradient", lr * g / (g + eps),
                      r"AdaGrad's cache is the \emph{sum} of all squared gradients so far, $t g^2$ after $t$ "
                      r"steps, not the latest one: dividing by $g$ gives Adam's and RMSProp's step, about $\eta$, "
                      r"which does not decay.")
    sol.answer("Adam has the same issue", False, claims=("c.measured", "d.measured"), check=_same_issue(meas, T_),
               label="would Adam have the same issue")
    sol.answer("Adam step, constant gradient", adam_step(lr, g, t, b1, b2, eps), claims=("d.measured",),
               check=witness.formula_on((lr, g, t, b1, b2, eps), (*at, p.beta1, p.beta2, p.eps), meas["adam"],
                                        rtol=1e-9, what="measured Adam step lengths"))
    # The answer is the same at every t, so a student may use only eta, g and epsilon: the misconceptions
    # that keep t or the betas (the steps without bias correction, AdaGrad's decay) cannot be written in it.
    # At g = 1 these two slips give the right step: declared when a measured gradient differs from 1.
    if any(abs(x - 1) > 0.01 for x in gs):
        sol.misconception("Adam step, constant gradient", "unrooted-second-moment", lr * g / (g**2 + eps),
                          r"Adam divides by the square \emph{root} of the second-moment estimate, "
                          r"$\sqrt{\hat{v}_t} = g$, so the step is $\frac{\eta g}{g + \epsilon} \approx \eta$. "
                          r"Dividing by $\hat{v}_t = g^2$ itself gives about $\frac{\eta}{g}$, which depends on the "
                          r"scale of the gradient, the very thing the normalisation removes.")
        sol.misconception("Adam step, constant gradient", "gradient-sized-step", lr * g,
                          r"Adam's step is normalised: $\hat{m}_t/\sqrt{\hat{v}_t} = g/g = 1$ under a constant "
                          r"gradient, so the step is about $\eta$ whatever the size of $g$, not $\eta g$ as in "
                          r"plain gradient descent.")
    transient = 1 / np.sqrt(1 - p.rho**T_) - 1  # how far the last measured step is from the limit, relatively
    sol.answer("RMSProp step limit", r_lim, claims=("d.rmsprop",),
               check=witness.formula_on((lr, g, eps), (p.lr, gs, p.eps), meas["rmsprop"][-1], rtol=transient + 1e-9,
                                 what=f"measured RMSProp steps at t = {T_}"))
    if transient < 0.005:  # the run is long enough to tell the limit from the first steps
        sol.misconception("RMSProp step limit", "decays-to-zero", sp.Integer(0),
                          r"RMSProp's cache is a decaying average: under a constant gradient it tends to $g^2$, "
                          r"not to infinity, so the step tends to $\frac{\eta g}{g + \epsilon} \approx \eta$, "
                          r"not to $0$.")
    if transient < 0.005 and any(abs(x - 1) > 0.01 for x in gs):
        sol.misconception("RMSProp step limit", "unrooted-cache", lr * g / (g**2 + eps),
                          r"The step divides by the square root of the cache, which tends to $g^2$: the limit is "
                          r"$\frac{\eta g}{g + \epsilon}$. Without the root it would be about $\frac{\eta}{g}$, "
                          r"which depends on the scale of the gradient.")

    # (e) a drop in the gradient scale
    t0n, c = p.drop_at, exact_decimal(p.drop_factor)
    K = p.drop_steps
    pe = sol.part("e", "Inline Q2: when do Adam's steps shrink?",
                  r"Let the gradient be $g$ for $t \le t_0$ and $h = g/c$ afterwards. Compare the "
                  r"two methods' steps after the drop.")
    Ak = sp.Symbol("a_{t_0+k-1}")
    ch = pe.chain("ema", r"a_{t_0+k}").define(
        r"\beta a_{t_0+k-1} + (1-\beta) h", beta * Ak + (1 - beta) * h,
        r"any of the moving averages, input $h$ after $t_0$")
    ch.induction(r"g(\beta^k - \beta^{t_0+k}) + h(1 - \beta^k)",
                 ema_after_drop(g, h, t0, k, beta), Ak, k, ema(g, t0, beta))
    Ck = sp.Symbol(r"\mathrm{cache}_{t_0+k-1}", nonnegative=True)
    ch = pe.chain("cache", r"\mathrm{cache}_{t_0+k}").define(
        r"\mathrm{cache}_{t_0+k-1} + h^2", Ck + h**2, "AdaGrad after the drop")
    ch.induction(r"t_0 g^2 + k h^2", adagrad_cache_after_drop(g, h, t0, k), Ck, k,
                 adagrad_cache(g, t0))
    ada_after = lr * h / (sp.sqrt(adagrad_cache_after_drop(g, h, t0, k)) + eps)
    tk = t0 + k
    adam_after = (lr * (ema_after_drop(g, h, t0, k, b1) / (1 - b1**tk))
                  / (sp.sqrt(ema_after_drop(g**2, h**2, t0, k, b2) / (1 - b2**tk)) + eps))
    pe.text(
        r"So AdaGrad steps by $\eta h/(\sqrt{t_0g^2 + kh^2}+\epsilon) < \eta/(c\sqrt{t_0})$ and keeps "
        r"shrinking: the early gradients stay in its sum. Adam's step (the averages above with inputs "
        r"$g, h$ and $g^2, h^2$) dips to about $\eta/c$ while $v$ remembers $g^2$, then recovers to "
        r"$\eta h/(h+\epsilon)$ as $\beta_2^k \to 0$."
    )
    lim = limit_at_infinity(adam_after, b1, b2, var=k)
    pe.claim("adam-limit", r"As $k\to\infty$ Adam's step after the drop, $|w_{t_0+k} - w_{t_0+k-1}|$, "
             r"recovers to about $\eta$: it tends to", prove.equal(lim, lr * h / (h + eps)),
             latex=None, value=lim, aside=True)
    g0 = float(gs[mid])
    hn = g0 / float(c)
    grad = sim.dropping(g0, hn, t0n)
    runs = {m: sim.step_lengths(sim.run(m, grad, np.zeros(1), t0n + K, **kw))[:, 0]
            for m in ("adagrad", "adam")}
    ks = np.arange(1, K + 1, dtype=float)
    d_after = {
        "adagrad": numeric((lr, g, h, t0, k, eps), ada_after)(p.lr, g0, hn, t0n, ks, p.eps),
        "adam": numeric((lr, g, h, t0, k, b1, b2, eps), adam_after)(
            p.lr, g0, hn, t0n, ks, p.beta1, p.beta2, p.eps),
    }
    # A step is the difference of two iterates: it carries their rounding, eps |w| with |w| <= the sum of steps.
    rounding = {m: 2 * np.finfo(float).eps * float(runs[m].sum()) for m in runs}
    cap = p.lr / (float(c) * np.sqrt(t0n))
    # what the claim checks: the cap, and every step after the drop (in units of eta) of both methods
    relative = (cap, runs["adam"][t0n:] / p.lr, runs["adagrad"][t0n:] / p.lr)
    pe.claim("measured", rf"Measured ($g = {_tex(g0)}$, $c = {p.drop_factor:g}$, "
             rf"$t_0 = {t0n}$, {K} steps after the drop): every step after the drop equals the "
             r"derived formula for both methods (to $10^{-9}$), and AdaGrad's steps all stay "
             rf"below $\eta/(c\sqrt{{t_0}}) = {pe.quote(cap, 'measured', '.3g', index=0)}$.",
             prove.close_all(runs["adagrad"][t0n:], d_after["adagrad"], 1e-9, "AdaGrad steps",
                             atol=rounding["adagrad"])
             & prove.close_all(runs["adam"][t0n:], d_after["adam"], 1e-9, "Adam steps", atol=rounding["adam"])
             & _within(runs["adagrad"][t0n:], 0, cap, "AdaGrad below the cap"), value=relative, aside=True)
    dip = int(np.argmin(relative[1]))
    in_numbers = (
        rf"In numbers: Adam's step falls to ${pe.quote(relative[1][dip], 'measured', '.3g', index=(1, dip))}\,\eta$ "
        rf"($k = {dip + 1}$; "
        rf"$1/c = {pe.setting(1 / p.drop_factor, '.3g')}$) and is back at "
        rf"${pe.quote(relative[1][K - 1], 'measured', '.3g', index=(1, K - 1))}\,\eta$ after "
        rf"{K} steps (the memory of $v$ is about $1/(1-\beta_2) = {pe.setting(1 / (1 - p.beta2), '.4g')}$ "
        rf"steps); AdaGrad's ends at ${pe.quote(relative[2][K - 1], 'measured', '.3g', index=(2, K - 1))}\,\eta$ "
        r"and is still "
        r"falling. Adam's step shrinks only while the gradient is small \emph{compared with "
        r"its recent size}; a gradient that stays small becomes the new normal."
    )
    pe.figure("steps", r"Step length against iteration (log-log). Left: constant gradient "
              rf"$g = {_tex(g0)}$; AdaGrad falls like $\eta/\sqrt t$, Adam stays at "
              rf"$\eta = {_tex(p.lr)}$, RMSProp (no bias correction: its first step is "
              r"$\eta/\sqrt{1-\rho}$) settles at $\eta$. Right: the gradient drops by the factor "
              rf"{p.drop_factor:g} after $t_0 = {t0n}$ (dotted line). Markers: measured; lines: "
              r"derived. " + in_numbers,
              lambda path: _plot_steps(path, p, ts, meas, d_ada, d_adam, d_rms, mid, runs,
                                       d_after), aside=True)

    # (f) a simple problem: a quadratic far from the start
    pf = sol.part("f", "Inline Q2: a simple problem",
                  r"Run both methods on a 1-D quadratic whose minimiser is far from the start.")
    a, D, Tq = p.quad_curvature, p.quad_distance, p.quad_steps
    qgrad = sim.quadratic(a, D)
    qs = {m: sim.run(m, qgrad, np.zeros(1), Tq, **kw)[:, 0] for m in ("adagrad", "adam")}
    pf.text(
        rf"Loss $\tfrac{{{a:g}}}{{2}}(w - {D:g})^2$ from $w_0 = 0$: as $w_t$ moves towards $w^*$ and $g_t$ falls, "
        r"(c) and (d) become bounds, AdaGrad's $t$-th step at most $\eta/\sqrt t$ and Adam's at least "
        r"$\eta\frac{g_t/g_1}{1+\epsilon/g_1}$ (both bounds in the appendix)."
    )
    gq = {m: np.abs(a * (x[:-1] - D)) for m, x in qs.items()}  # gradient seen at each step
    moved = {m: np.abs(x[-1] - x[0]) for m, x in qs.items()}
    one_side = {m: bool(np.all(x < D)) for m, x in qs.items()}
    g1, gT = gq["adagrad"][0], gq["adagrad"][-1]
    shrink = (gT / g1) / (1 + p.eps / g1)
    lo_q, hi_q = (float(b.subs({lr: exact_decimal(p.lr), T: Tq})) for b in (lo, hi))
    ada_lo = float(shrink * lo_q)
    ada = float(moved["adagrad"])
    pf.claim("adagrad", rf"Measured: after {Tq} steps AdaGrad has moved ${pf.quote(ada, 'adagrad', '.4g', index=1)}$, "
             r"inside the derived $[\frac{g_T}{g_1}\frac{L_T}{1+\epsilon/g_1}, U_T]$ = "
             rf"$[{pf.quote(ada_lo, 'adagrad', '.4g', index=0)}, {pf.quote(hi_q, 'adagrad', '.4g', index=2)}]$ "
             r"with $g_1, g_T$ the gradients of the run and $L_T, U_T$ the bounds of (c) at "
             rf"$T = {Tq}$, about $2\eta\sqrt T$; it never reached the minimiser.",
             _within(ada, ada_lo, hi_q, "distance")
             & prove.on_instances({"one side": one_side["adagrad"]}, "iterates below w*"),
             value=(ada_lo, ada, hi_q))  # the band's lower end, the distance, the band's upper end
    ga = gq["adam"]
    steps_adam = sim.step_lengths(qs["adam"][:, None])[:, 0]
    band_lo, band_hi = float((ga[-1] / ga[0]) / (1 + p.eps / ga[0])), float(ga[0] / ga[-1])  # at the last step
    adam = float(moved["adam"])
    ratio = adam / ada
    pf.claim("adam", rf"Measured: Adam's {Tq} steps each lie in "
             r"$[\eta\frac{g_t/g_1}{1+\epsilon/g_1}, \eta\frac{g_1}{g_t}]$ "
             rf"(here within $[{pf.quote(band_lo, 'adam-band', '.3g', index=0)}\,\eta, "
             rf"{pf.quote(band_hi, 'adam-band', '.3g', index=1)}\,\eta]$); it moved ${pf.quote(adam, 'adam', '.4g')}$, "
             rf"which is ${pf.quote(ratio, 'ratio', '.3g')}$ times AdaGrad's distance.",
             _within(steps_adam, p.lr * (ga / ga[0]) / (1 + p.eps / ga[0]), p.lr * ga[0] / ga,
                     "Adam steps") & prove.on_instances({"one side": one_side["adam"]},
                                                        "iterates below w*"), value=adam)
    pf.claim("adam-band", rf"Adam's steps are all at least ${pf.quote(band_lo, 'adam-band', '.3g', index=0)}\,\eta$ "
             rf"and at most ${pf.quote(band_hi, 'adam-band', '.3g', index=1)}\,\eta$, the two bounds at the last "
             r"step, where $g_t$ is smallest.",
             _within(steps_adam, p.lr * band_lo, p.lr * band_hi, "Adam steps"), value=(band_lo, band_hi), aside=True)
    pf.claim("ratio", rf"Adam's distance over AdaGrad's, ${pf.quote(ratio, 'ratio', '.3g')}$, lies between "
             r"what the bounds allow: Adam's lower end times $\eta T$ over AdaGrad's upper end, and Adam's "
             r"upper end times $\eta T$ over AdaGrad's lower end.",
             _within(ratio, band_lo * p.lr * Tq / hi_q, band_hi * p.lr * Tq / ada_lo, "ratio of the distances"),
             value=ratio, aside=True)
    pf.figure("quadratic", rf"Distance covered on the quadratic ($a = {a:g}$, $w^* = {D:g}$, "
              rf"$\eta = {_tex(p.lr)}$): Adam moves about $\eta$ per step, AdaGrad about "
              r"$2\eta\sqrt t$ in total (markers: measured; dashed: $\eta t$ and $2\eta\sqrt t$).",
              lambda path: _plot_quadratic(path, qs, p.lr), aside=True)


def _plot_steps(path, p: Params, ts, meas, d_ada, d_adam, d_rms, mid, runs, d_after) -> None:
    from theory.core import figures

    idx = np.unique(np.geomspace(1, ts.size, 30).astype(int)) - 1
    with figures.figure(path, ncols=2, sharey=True) as (fig, (left, right)):
        for name, m, d in (("AdaGrad", "adagrad", d_ada), ("RMSProp", "rmsprop", d_rms), ("Adam", "adam", d_adam)):
            left.loglog(ts[idx], meas[m][idx, mid], **figures.style(name, "measured", ms=3), label=name)
            left.loglog(ts, d[:, mid], **figures.style(name, "derived", lw=1))
        left.set_xlabel("step $t$")
        left.set_ylabel(r"step length $|w_t - w_{t-1}|$")
        left.set_title("constant gradient")
        left.legend(loc="best")
        t0n = p.drop_at
        total = runs["adam"].size
        tt = np.arange(1, total + 1)
        sel = np.unique(np.geomspace(1, total, 40).astype(int)) - 1
        for name, m in (("AdaGrad", "adagrad"), ("Adam", "adam")):
            right.loglog(tt[sel], runs[m][sel], **figures.style(name, "measured", ms=3), label=name)
            right.loglog(tt[t0n:], d_after[m], **figures.style(name, "derived", lw=1))
        right.axvline(t0n, color="k", lw=0.6, ls=":")
        right.set_xlabel("step $t$")
        right.set_title(f"gradient divided by {p.drop_factor:g} after $t_0$")
        right.legend(loc="best")


def _plot_quadratic(path, qs, lr_: float) -> None:
    from theory.core import figures

    with figures.figure(path) as (fig, ax):
        tt = np.arange(1, qs["adam"].size)
        sel = np.unique(np.geomspace(1, tt.size, 40).astype(int)) - 1
        for name, m in (("AdaGrad", "adagrad"), ("Adam", "adam")):
            ax.loglog(tt[sel], np.abs(qs[m][1:] - qs[m][0])[sel], **figures.style(name, "measured", ms=3),
                      label=name)
        ax.loglog(tt, lr_ * tt, **figures.style("Adam", "derived", lw=0.8, linestyle="--"), label=r"$\eta t$")
        ax.loglog(tt, 2 * lr_ * np.sqrt(tt), **figures.style("AdaGrad", "derived", lw=0.8, linestyle="--"),
                  label=r"$2\eta\sqrt{t}$")
        ax.set_xlabel("step $t$")
        ax.set_ylabel(r"distance $|w_t - w_0|$")
        ax.legend(loc="best")


def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(
        TOPIC, "Inline questions: the train/test gap and AdaGrad vs Adam",
        "cse543-hw1, Question 2 (inline questions)", p, notation=NOTATION,
        question=(
            r"Two short questions from the programming part. Q1: a trained two-layer network "
            r"has a much lower test accuracy than training accuracy; which changes reduce the "
            r"gap? Q2: AdaGrad divides each step by the root of the accumulated squared "
            r"gradients; why can its updates become very small, and is Adam affected the same "
            r"way? The notebooks themselves are not part of this solution."
        ),
    )
    _q1(sol, p, ctx)
    _q2(sol, p, ctx)
    return sol


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
