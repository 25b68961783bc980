"""Numeric witnesses for the softsign topic: the definition, random points, numeric slopes.

Everything here starts from g(x) = x / (1 + |x|) and NumPy's tanh; no derived
formula (the derivative, its limits) is used.
"""

from __future__ import annotations

import numpy as np


def softsign(x: np.ndarray) -> np.ndarray:
    """The definition, elementwise."""
    return x / (1.0 + np.abs(x))


def random_points(rng: np.random.Generator, n: int, spread: float, avoid: float) -> np.ndarray:
    """n points uniform on [-spread, spread], redrawn where |x| <= avoid (away from the kink)."""
    x = rng.uniform(-spread, spread, n)
    near = np.abs(x) <= avoid
    while near.any():
        x[near] = rng.uniform(-spread, spread, int(near.sum()))
        near = np.abs(x) <= avoid
    return x


def odd_residual(x: np.ndarray) -> float:
    """max |g(-x) + g(x)| over the points (0 for an odd function)."""
    return float(np.max(np.abs(softsign(-x) + softsign(x))))


def one_sided_quotients(f, h: float) -> tuple[float, float]:
    """(f(h) - f(0)) / h and (f(-h) - f(0)) / (-h): the difference quotients at 0."""
    zero = f(np.array(0.0))
    return float((f(np.array(h)) - zero) / h), float((f(np.array(-h)) - zero) / (-h))


def tanh_slope(x: np.ndarray, h: float = 1e-20) -> np.ndarray:
    """tanh'(x) by the complex step Im tanh(x + ih) / h.

    tanh is analytic, so this has no subtractive cancellation: float64 central
    differences cannot resolve tanh'(20) ~ 1.7e-17, since tanh(20 +- h) both
    round to 1.0.
    """
    return np.tanh(np.asarray(x, dtype=float) + 1j * h).imag / h
