"""Run a drawn network, neuron by neuron, from its plain description (no graph, no SymPy)."""

from __future__ import annotations

import numpy as np

ACTIVATIONS = {
    "relu": lambda z, s: np.maximum(z, 0.0),
    "leaky_relu": lambda z, s: np.where(z > 0, z, s * z),
    "sigmoid": lambda z, s: 1.0 / (1.0 + np.exp(-z)),
    "tanh": lambda z, s: np.tanh(z),
    "identity": lambda z, s: z,
}


def evaluate(spec: list[tuple], values: dict[str, np.ndarray]) -> np.ndarray:
    """spec: (name, activation, slope, [(source, weight)], [bias]) in order; returns the last neuron."""
    env = dict(values)
    for name, activation, slope, edges, biases in spec:
        z = sum((env[w] * env[s] for s, w in edges), np.zeros(1)) + sum((env[b] for b in biases), np.zeros(1))
        env[name] = ACTIVATIONS[activation](z, slope)
    return np.asarray(env[spec[-1][0]], float)
