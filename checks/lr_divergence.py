"""Gradient descent on a black-box function: numeric gradients, iterates, line searches.

The function arrives as a plain Python callable; gradients here come from
central differences, never from the topic's formulas.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize_scalar

from checks.finite_differences import central_difference

Fn = Callable[[float], float]


def grad(f: Fn, w: float, h: float = 1e-5) -> float:
    return central_difference(f, w, h)


def descend(f: Fn, w0: float, eta: float, steps: int) -> np.ndarray:
    """Iterates w_0..w_steps of gradient descent with a fixed step `eta`."""
    w = [w0]
    for _ in range(steps):
        w.append(w[-1] - eta * grad(f, w[-1]))
    return np.array(w)


def best_step(f: Fn, w0: float, upper: float) -> float:
    """The step size minimising f after one gradient step from w0 (bounded line search)."""
    g = grad(f, w0)
    res = minimize_scalar(lambda eta: f(w0 - eta * g), bounds=(0.0, upper), method="bounded",
                          options={"xatol": 1e-12})
    return float(res.x)


def minimiser(f: Fn, lo: float, hi: float) -> float:
    return float(minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12}).x)
