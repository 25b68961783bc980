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


def grad(f: Fn, w: float, h: float = 1e-5, rel: float = 0.0) -> float:
    """f'(w) by central differences with the step max(h, rel * |w|)."""
    return central_difference(f, w, max(h, rel * abs(w)))


def descend(f: Fn, w0: float, eta: float, steps: int, h: float = 1e-5, rel: float = 0.0) -> np.ndarray:
    """Iterates w_0..w_steps of gradient descent with a fixed step `eta` (gradients as in `grad`); an iterate
    that overflows the floats is infinite, and so is every one after it (the run diverged)."""
    w = [w0]
    for _ in range(steps):
        try:
            w.append(w[-1] - eta * grad(f, w[-1], h, rel))
        except OverflowError:
            return np.array(w + [np.inf] * (steps + 1 - len(w)))
    return np.array(w)


def best_step(f: Fn, w0: float, upper: float, h: float = 1e-5, rel: float = 0.0) -> float:
    """The step size minimising f after one gradient step from w0 (bounded line search).

    The search runs over the fraction eta / upper, so its tolerance is relative to `upper`
    whatever the step's magnitude.
    """
    g = grad(f, w0, h, rel)
    res = minimize_scalar(lambda s: f(w0 - s * upper * g), bounds=(0.0, 1.0), method="bounded",
                          options={"xatol": 1e-12})
    return float(res.x) * upper


def minimiser(f: Fn, lo: float, hi: float) -> float:
    return float(minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12}).x)
