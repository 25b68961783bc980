"""Numeric witness for the multi-task topic: the two-headed network and its loss in NumPy.

The network is run neuron by neuron from its plain description (the runner of
`checks.two_layer_sgd`), vectorised over many settings at once; gradients are
central differences of the loss alone, and a plain gradient step shows which
way each sign of the classification loss moves the classifier's output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from checks import finite_differences
from checks.two_layer_sgd import Spec, forward, logit_cross_entropy, sgd


def loss(
    spec: Spec,
    values: Mapping[str, np.ndarray | float],
    t1,
    t2,
    cls_sign: float,
    reg_weight: float = 1.0,
    base: float = np.e,
) -> np.ndarray:
    """reg_weight * 1/2 (y1 - t1)^2 + cls_sign * (binary cross-entropy of y2 against t2, logs to `base`).

    y2 is a sigmoid: its cross-entropy is taken from its pre-activation (see `logit_cross_entropy`),
    in nats, then divided by ln(base).
    """
    logits: dict[str, np.ndarray] = {}
    env = forward(spec, values, logits)
    cls = logit_cross_entropy(logits["y2"], t2) / np.log(base)
    return reg_weight * 0.5 * (env["y1"] - t1) ** 2 + cls_sign * cls


def central_gradient(
    spec: Spec,
    values: Mapping[str, np.ndarray | float],
    names: Sequence[str],
    t1,
    t2,
    cls_sign: float,
    h: float,
    reg_weight: float = 1.0,
    base: float = np.e,
) -> np.ndarray:
    """d loss / d name for each name at each (broadcast) point: shape (len(names), points)."""
    points = {k: np.asarray(v, float).ravel() for k, v in values.items()}  # one row of points each
    t1, t2 = np.atleast_1d(t1), np.atleast_1d(t2)
    return finite_differences.central_gradient(lambda batch: loss(spec, batch, t1, t2, cls_sign, reg_weight, base),
                                               points, names, h)


def classifier_step(
    spec: Spec,
    values: Mapping[str, float],
    names: Sequence[str],
    t2: float,
    cls_sign: float,
    lr: float,
    h: float,
    base: float = np.e,
) -> tuple[float, float]:
    """|y2 - t2| before and after one gradient step on the classification term alone."""
    grad = central_gradient(spec, values, names, 0.0, t2, cls_sign, h, reg_weight=0.0, base=base)[:, 0]
    step = sgd(values, dict(zip(names, grad)), lr)
    before = abs(float(forward(spec, values)["y2"][0]) - t2)
    after = abs(float(forward(spec, step)["y2"][0]) - t2)
    return before, after
