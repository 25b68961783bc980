"""Numeric witnesses for the KL-divergence topic: a grid for ln x <= x - 1, SciPy's KL.

Nothing here knows the derivation: the grid is scanned as it is, and KL values
come from SciPy's own relative entropy (`scipy.special.rel_entr`,
`scipy.stats.entropy`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import rel_entr
from scipy.stats import entropy


def log_grid(lo: float, hi: float, n: int) -> np.ndarray:
    """n log-spaced points in [lo, hi], with x = 1 included exactly."""
    x = np.unique(np.concatenate([np.geomspace(lo, hi, n), [1.0]]))
    return x


def log_gap(x: np.ndarray) -> np.ndarray:
    """ln x - (x - 1), accurate near x = 1 (log1p of the exact x - 1)."""
    u = x - 1.0
    return np.log1p(u) - u


def random_pairs(rng: np.random.Generator, k: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n pairs of strictly positive distributions on k outcomes, Dirichlet(1, ..., 1).

    Arrays of shape (k, n): the first axis indexes the outcomes.
    """
    p = rng.dirichlet(np.ones(k), size=n).T
    q = rng.dirichlet(np.ones(k), size=n).T
    return np.maximum(p, 1e-300), np.maximum(q, 1e-300)


def kl_rel_entr(p: np.ndarray, q: np.ndarray, base: float = np.e) -> np.ndarray:
    """KL(p, q) along the first axis from scipy.special.rel_entr (natural log), divided by ln(base)."""
    return rel_entr(np.asarray(p, float), np.asarray(q, float)).sum(axis=0) / np.log(base)


def kl_entropy(p: np.ndarray, q: np.ndarray, base: float = np.e) -> np.ndarray:
    """KL(p, q) along the first axis from scipy.stats.entropy with its own `base` argument."""
    return entropy(np.asarray(p, float), np.asarray(q, float), base=base, axis=0)
