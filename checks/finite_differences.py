"""Finite differences of plain NumPy functions: elementwise slopes, gradients, Jacobians, observed order."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

Vector = Callable[[np.ndarray], np.ndarray]


def central_difference(f: Callable, x, h: float):
    """(f(x + h) - f(x - h)) / (2h): the slope of a scalar function, or of an elementwise one at each entry.

    x is passed to f as given (a float stays a float), and no n x n Jacobian is
    formed for an elementwise f.
    """
    return (f(x + h) - f(x - h)) / (2.0 * h)


def central_gradient(loss: Callable[[dict[str, np.ndarray]], np.ndarray], values: Mapping[str, np.ndarray | float],
                     names: Sequence[str], h: float) -> np.ndarray:
    """d loss / d p for each p in `names` by (loss(p + h) - loss(p - h)) / (2h), all 2n runs in one batch.

    Each value (a float, or an array of points) is stacked 2n times along a new
    first axis; copy i has names[i] moved up by h and copy n + i has it moved
    down. `loss` maps that batch of values to one loss per copy along the first
    axis; the result has one row per name.
    """
    n = len(names)
    batch = {k: np.broadcast_to(np.asarray(v, float), (2 * n, *np.shape(v))).copy() for k, v in values.items()}
    for i, name in enumerate(names):
        batch[name][i] += h
        batch[name][n + i] -= h
    out = loss(batch)
    return (out[:n] - out[n:]) / (2 * h)


def forward_jacobian(f: Vector, x: np.ndarray, h: float) -> np.ndarray:
    """J[i, j] ~ (f_i(x + h e_j) - f_i(x)) / h."""
    x = np.asarray(x, float)
    fx = np.asarray(f(x), float)
    return np.column_stack([(np.asarray(f(x + h * e), float) - fx) / h for e in np.eye(x.size)])


def central_jacobian(f: Vector, x: np.ndarray, h: float) -> np.ndarray:
    """J[i, j] ~ (f_i(x + h e_j) - f_i(x - h e_j)) / (2h)."""
    x = np.asarray(x, float)
    return np.column_stack([(np.asarray(f(x + h * e), float) - np.asarray(f(x - h * e), float)) / (2 * h)
                            for e in np.eye(x.size)])


def observed_order(errors_at_h: np.ndarray, errors_at_h_over_k: np.ndarray, k: float) -> np.ndarray:
    """p in error ~ C h^p, from the errors at h and at h/k."""
    return np.log(np.abs(errors_at_h) / np.abs(errors_at_h_over_k)) / np.log(k)
