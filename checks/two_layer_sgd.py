"""Numeric witness for the two-layer SGD topic: a NumPy network, its loss, and two optimisers.

The network is run neuron by neuron from a plain description (name,
activation, [(source, weight)], [bias]), vectorised over any number of
parameter settings at once. Gradients come from central differences of that
forward pass alone; the optimisers are written the way the two libraries
state them (CS231n's `v = mu*v - lr*dx; x += v`, PyTorch's
`buf = momentum*buf + grad; p -= lr*buf`). Nothing here knows a chain rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from checks import finite_differences

Spec = Sequence[tuple[str, str, Sequence[tuple[str, str]], Sequence[str]]]

ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "identity": lambda z: z,
}


def forward(spec: Spec, values: Mapping[str, np.ndarray | float],
            logits: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Every neuron's output, for arrays of inputs/parameters broadcast together.

    `logits`, if given, receives every neuron's pre-activation z.
    """
    env = {k: np.asarray(v, float) for k, v in values.items()}
    for name, activation, edges, biases in spec:
        z = sum((env[w] * env[s] for s, w in edges), np.zeros(1))
        z = z + sum((env[b] for b in biases), np.zeros(1))
        if logits is not None:
            logits[name] = z
        env[name] = ACTIVATIONS[activation](z)
    return env


def cross_entropy(y: np.ndarray, t: float) -> np.ndarray:
    """Binary cross-entropy of a probability y against a target t."""
    return -(t * np.log(y) + (1.0 - t) * np.log1p(-y))


def logit_cross_entropy(z: np.ndarray, t) -> np.ndarray:
    """Binary cross-entropy of sigma(z) against t from the pre-activation z, as libraries compute it:
    -ln sigma(z) = ln(1 + e^-z) and -ln(1 - sigma(z)) = ln(1 + e^z) keep their digits where sigma(z)
    rounds to 1."""
    return t * np.logaddexp(0.0, -z) + (1.0 - t) * np.logaddexp(0.0, z)


def loss(spec: Spec, values: Mapping[str, np.ndarray | float], t: float, base: float = np.e) -> np.ndarray:
    """Cross-entropy of the last neuron's output (from its pre-activation when it is a sigmoid), with
    logarithms to `base`: the natural cross-entropy divided by ln(base)."""
    name, activation = spec[-1][0], spec[-1][1]
    logits: dict[str, np.ndarray] = {}
    env = forward(spec, values, logits)
    nats = logit_cross_entropy(logits[name], t) if activation == "sigmoid" else cross_entropy(env[name], t)
    return nats / np.log(base)


def central_gradient(
    spec: Spec, values: Mapping[str, float], names: Sequence[str], t: float, h: float, base: float = np.e
) -> np.ndarray:
    """dL/dp for each p in `names` by (L(p + h) - L(p - h)) / (2h), all 2n runs in one batch."""
    return finite_differences.central_gradient(lambda batch: loss(spec, batch, t, base), values, names, h)


def sgd(values: Mapping[str, float], grad: Mapping[str, float], lr: float) -> dict[str, float]:
    """One plain SGD step on every parameter in `grad`."""
    return {k: values[k] - lr * grad[k] if k in grad else values[k] for k in values}


class CS231nMomentum:
    """`v = mu * v - learning_rate * dx; x += v` (Sutskever et al. 2013, CS231n notes)."""

    def __init__(self, x: float, v: float, lr: float, mu: float):
        self.x, self.v, self.lr, self.mu = x, v, lr, mu

    def step(self, dx: float) -> float:
        self.v = self.mu * self.v - self.lr * dx
        self.x += self.v
        return self.x


class TorchMomentum:
    """torch.optim.SGD with momentum, dampening 0: `buf = momentum*buf + grad; p -= lr*buf`."""

    def __init__(self, p: float, buf: float, lr: float, momentum: float):
        self.p, self.buf, self.lr, self.momentum = p, buf, lr, momentum

    def step(self, grad: float) -> float:
        self.buf = self.momentum * self.buf + grad
        self.p = self.p - self.lr * self.buf
        return self.p


def momentum_runs(
    spec: Spec,
    values: Mapping[str, float],
    name: str,
    t: float,
    lr: float,
    mu: float,
    v_cs231n: float,
    v_torch: float,
    steps: int,
    h: float,
    base: float = np.e,
) -> tuple[np.ndarray, np.ndarray]:
    """Both optimisers on L as a function of `name` alone (central-difference gradients)."""
    runs = []
    for opt in (
        CS231nMomentum(values[name], v_cs231n, lr, mu),
        TorchMomentum(values[name], v_torch, lr, mu),
    ):
        point = dict(values)
        path = [point[name]]
        for _ in range(steps):
            g = central_gradient(spec, point, [name], t, h, base)[0]
            point[name] = opt.step(g)
            path.append(point[name])
        runs.append(np.array(path))
    return runs[0], runs[1]
