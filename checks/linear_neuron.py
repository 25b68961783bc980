"""A linear neuron on random data: its loss from the definition, finite differences, lstsq, GD runs.

Weights are w = (w_0, w_1, ..., w_n) with w_0 the bias; the loss is written
out from f(x) = w_0 + sum_j w_j x_j, never from a design matrix or a gradient
formula of the topic. Gradient descent takes the gradient as a callable.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from checks import optimizers


def make_data(rng: np.random.Generator, m: int, n: int, noise: float,
              offset: float) -> tuple[np.ndarray, np.ndarray]:
    """m examples with n features ~ offset + N(0, 1) and noisy labels of a random linear model."""
    X = offset + rng.standard_normal((m, n))
    w_true = rng.standard_normal(n + 1)
    y = w_true[0] + X @ w_true[1:] + noise * rng.standard_normal(m)
    return X, y


def losses(X: np.ndarray, y: np.ndarray, W: np.ndarray, block: int = 2**22) -> np.ndarray:
    """L(w) = 1/2 sum_i (y_i - w_0 - sum_j w_j x_ij)^2 for each row w of W (shape (k, n+1)).

    Rows are taken a few at a time, so the (rows, m) predictions stay below `block` numbers.
    """
    W = np.atleast_2d(W)
    rows = max(1, block // len(y))
    out = np.empty(len(W))
    for start in range(0, len(W), rows):
        pred = W[start:start + rows, :1] + W[start:start + rows, 1:] @ X.T  # (rows, m)
        out[start:start + rows] = 0.5 * np.sum((y[None, :] - pred) ** 2, axis=1)
    return out


def fd_gradient(X: np.ndarray, y: np.ndarray, w: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central differences of `losses` in every coordinate of w."""
    step = h * np.eye(w.size)
    return (losses(X, y, w + step) - losses(X, y, w - step)) / (2 * h)


def fd_hessian(X: np.ndarray, y: np.ndarray, h: float = 1.0) -> np.ndarray:
    """Central second differences of `losses` at w = 0: the Hessian of the loss, measured (exact for a
    quadratic up to rounding, so the step h can be large)."""
    E = h * np.eye(X.shape[1] + 1)
    k = len(E)
    pp, pm, mp, mm = (losses(X, y, ((a * E)[:, None, :] + (b * E)[None, :, :]).reshape(k * k, k)).reshape(k, k)
                      for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1)))
    return (pp - pm - mp + mm) / (4 * h * h)


def step_matrix(X: np.ndarray, y: np.ndarray, eta: float) -> np.ndarray:
    """The linear part of one gradient-descent step w <- w - eta grad(w), the gradient by central differences:
    column k is half the difference of the steps from +e_k and -e_k."""
    step = lambda w: w - eta * fd_gradient(X, y, w)  # noqa: E731
    return np.array([(step(e) - step(-e)) / 2 for e in np.eye(X.shape[1] + 1)]).T


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The minimiser of L by numpy.linalg.lstsq on [1, X]."""
    A = np.column_stack([np.ones(len(y)), X])
    return np.linalg.lstsq(A, y, rcond=None)[0]


def descend(grad: Callable[[np.ndarray], np.ndarray], w0: np.ndarray, eta: float,
            steps: int) -> np.ndarray:
    """Iterates w_0..w_steps of w <- w - eta grad(w), shape (steps + 1, len(w0))."""
    return optimizers.run("gd", grad, w0, steps, eta=eta).xs


def predictions(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """f(x_i) = w_0 + sum_j w_j x_ij for every example."""
    return w[0] + X @ w[1:]


def descent_ratio(X: np.ndarray, y: np.ndarray, eta: float, steps: int) -> float:
    """||w_T - w_lstsq|| / ||w_0 - w_lstsq|| for gradient descent from w = 0 whose gradient is taken by
    central differences of the loss (no gradient formula); inf once the iterates overflow."""
    target = least_squares(X, y)
    w = np.zeros(X.shape[1] + 1)
    start = float(np.linalg.norm(w - target))
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            w = w - eta * fd_gradient(X, y, w)
            if not np.all(np.isfinite(w)):
                return float("inf")
    return float(np.linalg.norm(w - target)) / start
