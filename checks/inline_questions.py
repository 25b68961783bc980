"""Simulations for cse543-hw1's inline questions: random-feature networks and adaptive optimizers.

Q1: a one-hidden-layer ReLU network whose first layer is random and whose output layer is
fitted in closed form by ridge regression, on a synthetic task; it measures training and test
errors while the training-set size, the number of hidden units and the ridge penalty vary.

Q2: AdaGrad, RMSProp and Adam written line for line as in the course notebooks
(`cache += dw**2; w += -lr * dw / (np.sqrt(cache) + eps)` ...), run on a given gradient
function; it records the iterates, from which the step lengths are measured.

Nothing here knows a derived formula: callers pass the settings and compare what is measured
with what the derivation predicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# ---- Q1: random ReLU features + ridge regression ----------------------------------------------

CHUNK_ENTRIES = 1 << 22  # floats of one block of optimism draws


@dataclass(frozen=True)
class Pool:
    """One random task: a teacher, data and a bank of random hidden units.

    A setting (n, width) uses the first n training points and the first `width` units, so
    the settings of one pool share their randomness (common random numbers).
    """

    F: np.ndarray  # training features, n_max x width_max: relu(x W + b)
    Ft: np.ndarray  # test features, n_test x width_max
    y: np.ndarray  # training targets, n_max x 2: (noisy regression target, noisy +-1 label)
    yt: np.ndarray  # test targets, n_test x 2
    f: np.ndarray  # noiseless regression target at the training inputs


def teacher(rng: np.random.Generator, dim: int, components: int = 8) -> Callable:
    """A smooth nonlinear target f(x) = sum_k a_k sin(2 u_k . x) / sqrt(K)."""
    U = rng.standard_normal((dim, components)) / np.sqrt(dim)
    a = rng.standard_normal(components)
    return lambda X: np.sin(2 * X @ U) @ a / np.sqrt(components)


def pool(rng: np.random.Generator, *, dim: int, n_max: int, n_test: int, width_max: int,
         noise: float, flip: float) -> Pool:
    """Draw a teacher, n_max training and n_test test points, and width_max hidden units."""
    f = teacher(rng, dim)
    X = rng.standard_normal((n_max, dim))
    Xt = rng.standard_normal((n_test, dim))
    W = rng.standard_normal((dim, width_max)) / np.sqrt(dim)
    b = 0.5 * rng.standard_normal(width_max)

    def targets(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        clean = f(Z)
        reg = clean + noise * rng.standard_normal(len(Z))
        label = np.where(clean >= 0, 1.0, -1.0) * np.where(rng.random(len(Z)) < flip, -1.0, 1.0)
        return np.stack([reg, label], axis=1), clean

    y, clean = targets(X)
    yt, _ = targets(Xt)
    return Pool(np.maximum(X @ W + b, 0), np.maximum(Xt @ W + b, 0), y, yt, clean)


def ridge(F: np.ndarray, Y: np.ndarray, lam: float) -> np.ndarray:
    """Output weights minimising |Y - F beta|^2 / n + lam |beta|^2 (normal equations)."""
    n, p = F.shape
    return np.linalg.solve(F.T @ F + n * lam * np.eye(p), F.T @ Y)


def errors(pl: Pool, n: int, width: int, lam: float) -> np.ndarray:
    """(train acc, test acc, train MSE, test MSE) of the network fitted on n points, `width` units.

    The regression column is scored by mean squared error, the label column (fitted as a
    +-1 target, a least-squares classifier) by the accuracy of the sign of the output.
    """
    F, Ft = pl.F[:n, :width], pl.Ft[:, :width]
    beta = ridge(F, pl.y[:n], lam)
    P, Pt = F @ beta, Ft @ beta
    return np.array([
        np.mean(np.sign(P[:, 1]) == pl.y[:n, 1]), np.mean(np.sign(Pt[:, 1]) == pl.yt[:, 1]),
        np.mean((P[:, 0] - pl.y[:n, 0]) ** 2), np.mean((Pt[:, 0] - pl.yt[:, 0]) ** 2),
    ])


def sweep(rng: np.random.Generator, settings: list[tuple[int, int, float]], seeds: int,
          **pool_kw) -> np.ndarray:
    """errors() of every (n, width, lam) setting on `seeds` independent pools.

    Returns an array seeds x settings x 4.
    """
    n_max = max(s[0] for s in settings)
    width_max = max(s[1] for s in settings)
    out = np.empty((seeds, len(settings), 4))
    for i, child in enumerate(rng.spawn(seeds)):
        pl = pool(child, n_max=n_max, width_max=width_max, **pool_kw)
        for j, (n, width, lam) in enumerate(settings):
            out[i, j] = errors(pl, n, width, lam)
    return out


def trend(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean over seeds of the least-squares slope of y (seeds x settings) against log x; its SE."""
    lx = np.log(np.asarray(x, dtype=float))
    lx = lx - lx.mean()
    slopes = (y - y.mean(axis=1, keepdims=True)) @ lx / (lx @ lx)
    return float(slopes.mean()), float(slopes.std(ddof=1) / np.sqrt(slopes.size))


def hat_trace(F: np.ndarray, lam: float) -> float:
    """tr H for the ridge smoother H = F (F^T F + n lam I)^{-1} F^T, formed explicitly."""
    return float(np.trace(hat(F, lam)))


def hat(F: np.ndarray, lam: float) -> np.ndarray:
    n, p = F.shape
    return F @ np.linalg.solve(F.T @ F + n * lam * np.eye(p), F.T)


def optimism_sampler(F: np.ndarray, f: np.ndarray, noise: float, lam: float):
    """Sampler of (in-sample error - training error) for a fixed design, fresh noise each draw.

    A draw: y = f + noise e, fitted values H y; a second, independent noise vector e' gives new
    targets y' = f + noise e' at the same inputs; the draw is |y' - Hy|^2/n - |y - Hy|^2/n,
    averaged with the same for (-e, -e').
    """
    H = hat(F, lam)
    n = len(f)
    rows = max(1, CHUNK_ENTRIES // n)  # draws per block: each k x n array stays within 32 MB

    def gap(e: np.ndarray, e_new: np.ndarray) -> np.ndarray:
        y, y_new = f + noise * e, f + noise * e_new
        fitted = y @ H  # H is symmetric
        return (np.sum((y_new - fitted) ** 2, axis=1) - np.sum((y - fitted) ** 2, axis=1)) / n

    def block(rng: np.random.Generator, k: int) -> np.ndarray:
        """Antithetic pairs: the noise and its negation (the same law), averaged. The terms linear in
        the noise cancel within a pair, so a target f far larger than the noise adds no spread."""
        e, e_new = rng.standard_normal((k, n)), rng.standard_normal((k, n))
        return (gap(e, e_new) + gap(-e, -e_new)) / 2

    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        return np.concatenate([block(rng, min(rows, k - i)) for i in range(0, k, rows)]) if k else np.empty(0)

    return draw


# ---- Q2: the update rules, as written in the notebooks ----------------------------------------

METHODS = ("adagrad", "rmsprop", "adam")
Grad = Callable[[np.ndarray, int], np.ndarray]


def run(method: str, grad: Grad, w0, steps: int, *, lr: float, eps: float, beta1: float = 0.9,
        beta2: float = 0.999, decay: float = 0.99) -> np.ndarray:
    """Iterates w_0..w_steps of `method`; grad(w, t) is the gradient dw at step t = 1, 2, ...

    Several independent 1-D problems may be stacked in w (every rule acts per coordinate).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    w = np.array(w0, dtype=float)
    ws = np.empty((steps + 1, *w.shape))
    ws[0] = w
    cache = np.zeros_like(w)  # AdaGrad / RMSProp
    m = np.zeros_like(w)  # Adam first moment
    v = np.zeros_like(w)  # Adam second moment
    for t in range(1, steps + 1):
        dw = grad(w, t)
        if method == "adagrad":
            cache += dw**2
            w += -lr * dw / (np.sqrt(cache) + eps)
        elif method == "rmsprop":
            cache = decay * cache + (1 - decay) * dw**2
            w += -lr * dw / (np.sqrt(cache) + eps)
        else:
            m = beta1 * m + (1 - beta1) * dw
            mt = m / (1 - beta1**t)
            v = beta2 * v + (1 - beta2) * (dw**2)
            vt = v / (1 - beta2**t)
            w += -lr * mt / (np.sqrt(vt) + eps)
        ws[t] = w
    return ws


def step_lengths(ws: np.ndarray) -> np.ndarray:
    """|w_t - w_{t-1}| for t = 1..T, measured from the iterates."""
    return np.abs(np.diff(ws, axis=0))


def constant(values) -> Grad:
    """The same gradient at every step (a linear loss)."""
    g = np.asarray(values, dtype=float)
    return lambda w, t: g + 0 * w


def dropping(before: float, after: float, at: int) -> Grad:
    """Gradient `before` for steps t <= at, then `after`."""
    return lambda w, t: np.full_like(w, before if t <= at else after)


def quadratic(curvature: float, minimiser: float) -> Grad:
    """Gradient of curvature/2 (w - minimiser)^2."""
    return lambda w, t: curvature * (w - minimiser)
