"""Simulations for the gradient-descent convergence topic (cs7643-ps2, Question 3).

Nothing here knows the derived formulas: the proximal objective is minimised by
SciPy from its definition, the lemma's sequences are generated and both of its
sides are measured, and gradient descent runs with whatever step sizes the
caller passes. The callers compare these measurements with the derivation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

Field = Callable[[np.ndarray], np.ndarray]


LAMBDAS = (0.2, 5.0)  # the range of the random trade-offs lambda (log-uniform)
ETAS = (0.01, 10.0)  # the range of the random step sizes of the lemma's sequences (log-uniform)


# --- part 1: the proximal step, minimised numerically --------------------------------------

def proximal_instances(rng: np.random.Generator, count: int, dim: int) -> dict[str, np.ndarray]:
    """Random (w_t, g, lambda, f(w_t)) for the proximal objective; lambda log-uniform."""
    return {
        "w_t": rng.normal(0.0, 2.0, (count, dim)),
        "g": rng.normal(0.0, 2.0, (count, dim)),
        "lam": np.exp(rng.uniform(*np.log(LAMBDAS), count)),
        "f_t": rng.normal(0.0, 1.0, count),
    }


def proximal_objective(w: np.ndarray, w_t: np.ndarray, g: np.ndarray, lam: float,
                       f_t: float) -> float:
    """The sheet's (4): affine lower bound plus lambda/2 times the squared distance to w_t."""
    d = w - w_t
    return float(f_t + d @ g + 0.5 * lam * d @ d)


def minimise_proximal(inst: dict[str, np.ndarray], rng: np.random.Generator,
                      starts: int) -> np.ndarray:
    """Minimisers found by BFGS (finite-difference gradients) from `starts` random points each.

    Returns an array (instances, starts, dim).
    """
    count, dim = inst["w_t"].shape
    out = np.empty((count, starts, dim))
    for i in range(count):
        args = (inst["w_t"][i], inst["g"][i], inst["lam"][i], inst["f_t"][i])
        for s in range(starts):
            x0 = rng.normal(0.0, 5.0, dim)
            res = minimize(proximal_objective, x0, args=args, method="BFGS", jac="3-point",
                           options={"gtol": 1e-10})
            out[i, s] = res.x
    return out


# --- part 2: the lemma on random sequences -----------------------------------------------

def lemma_sequences(rng: np.random.Generator, count: int, length: int,
                    dim: int) -> dict[str, np.ndarray]:
    """Both sides' ingredients of the lemma for `count` random runs of w_{t+1} = w_t - eta v_t.

    Each run draws its own eta (log-uniform in ETAS), a drift and a noise
    level for the v_t, and a comparator w*; in every third run w* is set to the
    final iterate w_{T+1} (the case where nothing is dropped). Returned per run:
    `lhs` = sum_t <w_t - w*, v_t>, `wstar_sq` = ||w*||^2, `v_sq` = sum_t ||v_t||^2,
    `eta`, `final_sq` = ||w_{T+1} - w*||^2, and the boolean `tight`.
    """
    eta = np.exp(rng.uniform(*np.log(ETAS), count))
    drift = rng.normal(0.0, 1.0, (count, 1, dim)) * rng.uniform(0.0, 2.0, (count, 1, 1))
    noise = rng.uniform(0.1, 3.0, (count, 1, 1))
    v = drift + noise * rng.standard_normal((count, length, dim))
    csum = np.cumsum(v, axis=1)
    w = -eta[:, None, None] * (csum - v)  # w_1 = 0, w_t = -eta (v_1 + ... + v_{t-1})
    w_final = -eta[:, None] * csum[:, -1]
    tight = np.arange(count) % 3 == 2
    wstar = rng.normal(0.0, 1.0, (count, dim)) * rng.uniform(0.1, 10.0, (count, 1))
    wstar[tight] = w_final[tight]
    lhs = np.einsum("ktd,ktd->k", w - wstar[:, None, :], v)
    return {
        "lhs": lhs,
        "wstar_sq": np.einsum("kd,kd->k", wstar, wstar),
        "v_sq": np.einsum("ktd,ktd->k", v, v),
        "eta": eta,
        "final_sq": np.einsum("kd,kd->k", w_final - wstar, w_final - wstar),
        "tight": tight,
    }


# --- part 3: convex, rho-Lipschitz test functions and gradient descent --------------------

def cone(centre: np.ndarray, rho: float) -> tuple[Field, Field]:
    """f(w) = rho ||w - c|| and a subgradient (0 at the kink w = c)."""
    c = np.asarray(centre, dtype=float)

    def f(w: np.ndarray) -> np.ndarray:
        d = w - c
        return rho * np.sqrt(np.einsum("...i,...i->...", d, d))

    def sub(w: np.ndarray) -> np.ndarray:
        d = w - c
        n = np.sqrt(np.einsum("...i,...i->...", d, d))[..., None]
        return np.divide(rho * d, n, out=np.zeros_like(d), where=n > 0)

    return f, sub


def pseudo_huber(centre: np.ndarray, rho: float, delta: float,
                 aspect: float) -> tuple[Field, Field]:
    """f(w) = rho (sqrt(delta^2 + ||A(w - c)||^2) - delta), A = diag(1, aspect, ...); its gradient.

    Smooth and convex; ||grad f|| < rho everywhere (A has norm 1), tending to
    rho far out along the first axis. Evaluated as rho s / (sqrt(delta^2 + s) + delta),
    s = ||A(w - c)||^2, the same number without the cancellation of the difference when
    s is small against delta^2.
    """
    c = np.asarray(centre, dtype=float)
    a = np.full(c.shape, float(aspect))
    a[0] = 1.0

    def f(w: np.ndarray) -> np.ndarray:
        d = (w - c) * a
        s = np.einsum("...i,...i->...", d, d)
        return rho * s / (np.sqrt(delta**2 + s) + delta)

    def grad(w: np.ndarray) -> np.ndarray:
        d = (w - c) * a
        return rho * d * a / np.sqrt(delta**2 + np.einsum("...i,...i->...", d, d))[..., None]

    return f, grad


def descend(sub: Field, etas: np.ndarray, steps: int, dim: int) -> np.ndarray:
    """Iterates of w_{t+1} = w_t - eta g(w_t) from w_1 = 0, one run per step size.

    Returns the history, shape (steps + 1, runs, dim): row t is w_{t+1}.
    """
    etas = np.asarray(etas, dtype=float)[:, None]
    w = np.zeros((len(etas), dim))
    hist = np.empty((steps + 1, len(etas), dim))
    hist[0] = w
    for t in range(steps):
        w = w - etas * sub(w)
        hist[t + 1] = w
    return hist


def measure_runs(f: Field, sub: Field, hist: np.ndarray, horizons: np.ndarray,
                 w_star: np.ndarray) -> dict[str, np.ndarray]:
    """Per run k (stopped after horizons[k] steps), everything the analysis bounds.

    `gap` f(w_bar) - f(w*), `mean_f` (1/T) sum f(w_t) - f(w*), `mean_inner`
    (1/T) sum <w_t - w*, g_t>, `g_sq` sum ||g_t||^2, `g_max` max ||g_t||,
    `convexity` min over t of <w_t - w*, g_t> - (f(w_t) - f(w*)).
    """
    horizons = np.asarray(horizons)
    mask = np.arange(hist.shape[0])[:, None] < horizons[None, :]  # t = 1..T of each run
    f_star = f(np.asarray(w_star, dtype=float))
    fw = f(hist) - f_star
    g = sub(hist)
    inner = np.einsum("tki,tki->tk", hist - w_star, g)
    g_sq = np.einsum("tki,tki->tk", g, g)
    wbar = np.einsum("tki,tk->ki", hist, mask) / horizons[:, None]  # the averaged iterate
    return {
        "gap": f(wbar) - f_star,
        "mean_f": np.sum(fw * mask, axis=0) / horizons,
        "mean_inner": np.sum(inner * mask, axis=0) / horizons,
        "g_sq": np.sum(g_sq * mask, axis=0),
        "g_max": np.sqrt(np.max(np.where(mask, g_sq, 0.0), axis=0)),
        "convexity": np.min(np.where(mask, inner - fw, np.inf), axis=0),
    }


def max_gradient_norm(sub: Field, rng: np.random.Generator, centre: np.ndarray,
                      count: int = 20000) -> float:
    """Largest ||g(w)|| over random points at distances 1e-3..1e4 from the centre."""
    c = np.asarray(centre, dtype=float)
    directions = rng.standard_normal((count, c.size))
    radii = 10.0 ** rng.uniform(-3, 4, (count, 1))
    g = sub(c + radii * directions / np.linalg.norm(directions, axis=1, keepdims=True))
    return float(np.sqrt(np.max(np.einsum("ki,ki->k", g, g))))


# --- part 3: the bound of (5) and (6) with ||w*|| = B and every ||v_t|| = rho, minimised numerically --

def lipschitz_bound(B: float, rho: float, eta: np.ndarray, T: int) -> np.ndarray:
    """(1/T) [B^2/(2 eta) + eta/2 sum_{t<=T} ||v_t||^2] with T gradient norms all equal to rho."""
    norms_sq = np.full(int(T), float(rho)) ** 2
    eta = np.asarray(eta, dtype=float)
    return (B**2 / (2 * eta) + eta / 2 * np.sum(norms_sq)) / T


def best_fixed_step(B: float, rho: float, T: int) -> tuple[float, float]:
    """The step eta > 0 minimising `lipschitz_bound` and the minimum, by bounded Brent on log eta."""
    from scipy.optimize import minimize_scalar

    scale = B / rho  # the search brackets eta in (1e-8, 1e8) times B/rho
    res = minimize_scalar(lambda s: float(lipschitz_bound(B, rho, scale * np.exp(s), T)),
                          bounds=(-8 * np.log(10) - np.log(T), 8 * np.log(10)), method="bounded",
                          options={"xatol": 1e-12})
    eta = scale * float(np.exp(res.x))
    return eta, float(lipschitz_bound(B, rho, eta, T))
