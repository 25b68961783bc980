"""Dropout on a linear model, simulated and enumerated from the definition of E(W)."""

from __future__ import annotations

import itertools

import numpy as np


def sampled_errors(rng: np.random.Generator, n: int, Y: np.ndarray, W: np.ndarray, X: np.ndarray,
                   rho: float) -> np.ndarray:
    """n draws of E(W) = sum_nk (y_nk - sum_i w_ki R_ni x_ni)^2 with R_ni ~ Bernoulli(rho)."""
    R = rng.random((n, *X.shape)) < rho
    pred = np.einsum("snd,kd->snk", R * X, W)
    return np.sum((Y - pred) ** 2, axis=(1, 2))


def bernoulli(rng: np.random.Generator, n: int, rho: float) -> np.ndarray:
    return (rng.random(n) < rho).astype(float)


def exact_dropout_minimiser(Y: np.ndarray, X: np.ndarray, rho: float) -> np.ndarray:
    """argmin_W E_R[E(W)], by enumerating every dropout mask as a weighted least-squares row.

    Each mask m (an N x D 0/1 matrix) has probability rho^|m| (1-rho)^(ND-|m|);
    stacking the masked data with sqrt-probability weights turns the expected
    error into one ordinary least-squares problem.
    """
    N, D = X.shape
    rows, targets = [], []
    for bits in itertools.product((0, 1), repeat=N * D):
        m = np.array(bits, dtype=float).reshape(N, D)
        prob = rho ** m.sum() * (1 - rho) ** (N * D - m.sum())
        if prob == 0:
            continue
        rows.append(np.sqrt(prob) * (m * X))
        targets.append(np.sqrt(prob) * Y)
    A = np.concatenate(rows)
    B = np.concatenate(targets)
    W_T, *_ = np.linalg.lstsq(A, B, rcond=None)
    return W_T.T
