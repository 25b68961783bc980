"""Numeric witnesses for the losses topic: hinge, softmax cross-entropy, L2 regression loss.

Floating-point NumPy/SciPy versions written from the textbook definitions;
nothing here sees the exact derivation.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp, softmax


def multiclass_hinge(scores, y: int, delta: float) -> float:
    """sum_{j != y} max(0, s_j - s_y + delta), vectorised with a mask for the true class."""
    s = np.asarray(scores, dtype=float)
    margins = np.maximum(0.0, s - s[y] + delta)
    return float(np.sum(margins[np.arange(s.size) != y]))


def softmax_probs(scores) -> np.ndarray:
    """scipy.special.softmax of the scores."""
    return softmax(np.asarray(scores, dtype=float))


def partition(scores) -> float:
    """Z = sum_k e^{s_k}, as exp(scipy.special.logsumexp(s))."""
    return float(np.exp(logsumexp(np.asarray(scores, dtype=float))))


def cross_entropy(scores, y: int, base: float = np.e) -> float:
    """-log_base softmax(s)_y computed stably as (logsumexp(s) - s_y) / ln(base)."""
    s = np.asarray(scores, dtype=float)
    return float((logsumexp(s) - s[y]) / np.log(base))


def neg_log(prob: float, base: float = np.e) -> float:
    """-log_base of a probability, as ln(prob) / ln(base)."""
    return float(-np.log(prob) / np.log(base))


def regression(data, weights, bias: float, lam: float, half: bool = False) -> dict[str, np.ndarray]:
    """Predictions, per-example squared errors, their mean, the ridge penalty and the total.

    `data` rows are (x_1, ..., x_n, y); with `half` each example's loss is (y - y_hat)^2 / 2.
    The bias is not penalised.
    """
    a = np.asarray(data, dtype=float)
    X, y = a[:, :-1], a[:, -1]
    w = np.asarray(weights, dtype=float)
    pred = X @ w + bias
    per = (y - pred) ** 2 * (0.5 if half else 1.0)
    mean = float(per.mean())
    reg = float(lam * w @ w)
    return {"pred": pred, "per": per, "mean": mean, "reg": reg, "total": mean + reg}
