"""Simulation for Glorot initialisation, written from the definitions (imports nothing from theory/)."""

from __future__ import annotations

import numpy as np
import scipy.stats

BLOCK = 1 << 22  # numbers drawn at once: memory stays near 64 MB whatever the fan


def dot_squares(rng: np.random.Generator, n: int, fan: int, weight_var: float, input_var: float) -> np.ndarray:
    """n draws of (sum_k W_k u_k)^2 over `fan` terms, W uniform with variance weight_var, u normal."""
    r = np.sqrt(3.0 * weight_var)
    rows = max(1, BLOCK // fan)
    out = np.empty(n)
    for start in range(0, n, rows):
        m = min(rows, n - start)
        w = rng.uniform(-r, r, (m, fan))
        u = rng.normal(0.0, np.sqrt(input_var), (m, fan))
        out[start:start + m] = np.einsum("ij,ij->i", w, u) ** 2
    return out


def uniform_variance(r: float) -> float:
    """Variance of U(-r, r), from SciPy's distribution rather than a formula."""
    return float(scipy.stats.uniform(loc=-r, scale=2 * r).var())
