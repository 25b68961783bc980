"""Numeric witness for the backpropagation topic: a hand-written reverse-mode pass.

The network is recorded on a small tape, micrograd style: every node stores
its value and, for each input it was computed from, the local derivative of
the node with respect to that input, written beside the forward computation
from the node's definition. `backward` is one sweep over the tape in reverse
order. The topic differentiates the forward pass alone with
`checks.finite_differences.central_difference`. Nothing here knows the chain-rule formula that the
theory side derives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


def logistic(t: float) -> float:
    """1 / (1 + e^-t), written so that neither branch overflows."""
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


@dataclass
class Node:
    name: str
    value: float
    parents: list[tuple[str, float]] = field(default_factory=list)  # (input, d node / d input)


class Tape:
    """Nodes in the order they were computed; names are unique."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}

    def _add(self, name: str, value: float, parents: list[tuple[str, float]]) -> str:
        if name in self.nodes:
            raise ValueError(f"node {name!r} recorded twice")
        self.nodes[name] = Node(name, value, parents)
        return name

    def value(self, name: str) -> float:
        return self.nodes[name].value

    def leaf(self, name: str, value: float) -> str:
        return self._add(name, float(value), [])

    def weighted_sum(self, name: str, pairs: Sequence[tuple[str, str]]) -> str:
        """Sigma node: sum of a*b over the pairs; d/da = b and d/db = a."""
        value = sum(self.value(a) * self.value(b) for a, b in pairs)
        parents = []
        for a, b in pairs:
            parents += [(a, self.value(b)), (b, self.value(a))]
        return self._add(name, value, parents)

    def logistic(self, name: str, a: str) -> str:
        """sigma node: s = 1/(1+e^-a); ds/da = e^-a/(1+e^-a)^2 = s(a) s(-a).

        The product s(a) s(-a) equals s(1-s) but keeps full relative precision
        when the unit saturates (1 - s would cancel).
        """
        t = self.value(a)
        s = logistic(t)
        return self._add(name, s, [(a, s * logistic(-t))])

    def identity(self, name: str, a: str) -> str:
        return self._add(name, self.value(a), [(a, 1.0)])

    def squared_error(self, name: str, target: str, prediction: str) -> str:
        """(t - p)^2; d/dp = -2(t - p), d/dt = 2(t - p)."""
        r = self.value(target) - self.value(prediction)
        return self._add(name, r * r, [(prediction, -2.0 * r), (target, 2.0 * r)])

    def backward(self, output: str) -> dict[str, float]:
        """Adjoints d output / d node for every node, by one reverse sweep."""
        adjoint = {name: 0.0 for name in self.nodes}
        adjoint[output] = 1.0
        for node in reversed(list(self.nodes.values())):
            for parent, local in node.parents:
                adjoint[parent] += adjoint[node.name] * local
        return adjoint


def network(x: Sequence[float], w: Sequence[float], y: float, output: str) -> Tape:
    """h1 = s(x1w1+x2w2), h2 = s(x3w3+x4w4), yhat = out(w5h1+w6h2), L = (y - yhat)^2."""
    t = Tape()
    for i, v in enumerate(x, 1):
        t.leaf(f"x{i}", v)
    for i, v in enumerate(w, 1):
        t.leaf(f"w{i}", v)
    t.leaf("y", y)
    t.weighted_sum("z1", [("x1", "w1"), ("x2", "w2")])
    t.logistic("h1", "z1")
    t.weighted_sum("z2", [("x3", "w3"), ("x4", "w4")])
    t.logistic("h2", "z2")
    t.weighted_sum("z3", [("h1", "w5"), ("h2", "w6")])
    if output == "sigmoid":
        t.logistic("yhat", "z3")
    elif output == "identity":
        t.identity("yhat", "z3")
    else:
        raise ValueError(f"unknown output activation {output!r}")
    t.squared_error("L", "y", "yhat")
    return t


def loss(x: Sequence[float], w: Sequence[float], y: float, output: str) -> float:
    return network(x, w, y, output).value("L")


def loss_along_weight(x: Sequence[float], w: Sequence[float], y: float, output: str,
                      index: int) -> Callable[[float], float]:
    """The loss as a function of weight `index` (0-based), the others held fixed."""

    def f(value: float) -> float:
        moved = list(w)
        moved[index] = value
        return loss(x, moved, y, output)

    return f
