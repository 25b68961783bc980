"""Finite-difference Jacobians of a plain NumPy function, and their observed order of accuracy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Vector = Callable[[np.ndarray], np.ndarray]


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
