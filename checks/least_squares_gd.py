"""Least squares by gradient descent, run and measured: data, iterates, limits, solvers.

Everything here works from the loss L(w) = ||Xw - y||^2 / (2N) as written: gradients
by central differences or by the textbook residual formula, minimisers from NumPy's
and SciPy's least-squares solvers, iterates from plain loops. Nothing here knows the
closed forms the topic derives.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lstsq, null_space


def make_data(rng: np.random.Generator, n: int, d: int, rank: int | None = None,
              noise: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X (n x d, of the given rank), y (n x 1) from a noisy linear model, a start w0 (d x 1).

    A rank-deficient X is G O with G Gaussian (n x rank) and O of orthonormal rows (rank x d): its
    nonzero singular values are G's, as well conditioned as a full-rank Gaussian X of rank columns.
    """
    if rank is None or rank >= d:
        X = rng.standard_normal((n, d))
    else:
        G = rng.standard_normal((n, rank))
        X = G @ np.linalg.qr(rng.standard_normal((d, rank)))[0].T
    y = X @ rng.standard_normal((d, 1)) + noise * rng.standard_normal((n, 1))
    return X, y, rng.standard_normal((d, 1))


def loss(X: np.ndarray, w: np.ndarray, y: np.ndarray) -> float:
    r = X @ w - y
    return float(np.sum(r * r)) / (2 * X.shape[0])


def fd_gradient(X: np.ndarray, w: np.ndarray, y: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central differences of `loss`, one coordinate at a time.

    The loss is quadratic, so the differences have no truncation error: a wide step h keeps the
    rounding error (about eps L / h) small even for large losses.
    """
    g = np.empty_like(w)
    for i in range(w.shape[0]):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (loss(X, w + e, y) - loss(X, w - e, y)) / (2 * h)
    return g


def trajectory(X: np.ndarray, y: np.ndarray, w0: np.ndarray, alpha: float, steps: int
               ) -> np.ndarray:
    """Iterates w_0..w_steps of w <- w - alpha * X^T (X w - y) / N, as rows (steps + 1, D)."""
    n = X.shape[0]
    out = np.empty((steps + 1, w0.shape[0]))
    w = w0.copy()
    out[0] = w[:, 0]
    for t in range(steps):
        w = w - alpha * (X.T @ (X @ w - y)) / n
        out[t + 1] = w[:, 0]
    return out


def run_to_convergence(X: np.ndarray, y: np.ndarray, w0: np.ndarray, alpha: float,
                       tol: float = 1e-15, max_steps: int = 200_000) -> tuple[np.ndarray, int]:
    """Gradient descent until a step moves w by less than tol * (1 + ||w||)."""
    n = X.shape[0]
    w = w0.copy()
    for t in range(1, max_steps + 1):
        step = alpha * (X.T @ (X @ w - y)) / n
        w = w - step
        if np.linalg.norm(step) < tol * (1 + np.linalg.norm(w)):
            return w, t
    return w, max_steps


def pseudocode(X: np.ndarray, y: np.ndarray, w0: np.ndarray, alpha: float, k: int) -> np.ndarray:
    """The listing of part (e), line by line."""
    N = X.shape[0]              # 1: N <- number of rows of X
    w = w0.copy()               # 2: w <- w0
    for _ in range(k):          # 3: repeat k times
        r = X @ w - y           # 4:   r <- X w - y          (residual, N x 1)
        g = X.T @ r / N         # 5:   g <- X^T r / N        (gradient, D x 1)
        w = w - alpha * g       # 6:   w <- w - alpha g
    return w                    # 7: return w


def pseudocode_gram(X: np.ndarray, y: np.ndarray, w0: np.ndarray, alpha: float, k: int
                    ) -> np.ndarray:
    """The cheaper variant: precompute G = X^T X / N and b = X^T y / N once,
    then repeat w <- w - alpha (G w - b)."""
    N = X.shape[0]
    G, b = X.T @ X / N, X.T @ y / N
    w = w0.copy()
    for _ in range(k):
        w = w - alpha * (G @ w - b)
    return w


def _cut(X: np.ndarray) -> float:
    """Singular values below this fraction of the largest count as zero (null_space's default).

    SciPy's lstsq cuts at eps only, and keeps the rounding residue of a zero singular value.
    """
    return max(X.shape) * np.finfo(float).eps


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The minimum-norm least-squares solution from NumPy's SVD-based solver."""
    return np.linalg.lstsq(X, y, rcond=None)[0]


def closest_minimiser(X: np.ndarray, y: np.ndarray, w0: np.ndarray) -> np.ndarray:
    """argmin ||w - w0|| over all minimisers, via SciPy: minimisers are w_p + Z c with Z a
    basis of null(X); the closest one has c = Z^T (w0 - w_p)."""
    wp = lstsq(X, y, cond=_cut(X))[0]
    Z = null_space(X)
    return wp + Z @ (Z.T @ (w0 - wp))


def loss_on_minimiser_set(rng: np.random.Generator, X: np.ndarray, y: np.ndarray,
                          count: int = 20, spread: float = 10.0) -> np.ndarray:
    """Loss at random points w_p + Z c of the affine set of least-squares solutions."""
    wp = lstsq(X, y, cond=_cut(X))[0]
    Z = null_space(X)
    return np.array([loss(X, wp + Z @ (spread * rng.standard_normal((Z.shape[1], 1))), y)
                     for _ in range(count)])


def error_ratio(X: np.ndarray, y: np.ndarray, w0: np.ndarray, alpha: float, steps: int
                ) -> float:
    """||w_steps - w*|| / ||w_{steps-1} - w*|| with w* from the least-squares solver."""
    ws = least_squares(X, y)[:, 0]
    traj = trajectory(X, y, w0, alpha, steps)
    return float(np.linalg.norm(traj[-1] - ws) / np.linalg.norm(traj[-2] - ws))
