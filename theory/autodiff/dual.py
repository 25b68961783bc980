"""Forward mode: dual numbers a + b*epsilon (epsilon^2 = 0) pushed through the graph.

A dual number carries a value and a tangent. Each operation maps both at
once: the value by the operation, the tangent by the chain rule with the
operation's local derivatives. One pass gives the derivative of every node
along one input direction, so a full Jacobian takes one pass per input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from theory.autodiff.graph import Graph
from theory.autodiff.ops import OPS


@dataclass(frozen=True)
class Dual:
    value: float
    tangent: float = 0.0

    @staticmethod
    def apply(op: str, *xs: Dual) -> Dual:
        """value and tangent of op(xs): tangent = sum of local derivative x operand tangent."""
        vals = [x.value for x in xs]
        local = OPS[op].partials(*vals)
        return Dual(OPS[op].value(*vals), sum(d * x.tangent for d, x in zip(local, xs) if x.tangent))

    def __add__(self, other: Dual) -> Dual:
        return Dual.apply("add", self, _dual(other))

    def __sub__(self, other: Dual) -> Dual:
        return Dual.apply("sub", self, _dual(other))

    def __mul__(self, other: Dual) -> Dual:
        return Dual.apply("mul", self, _dual(other))

    def __truediv__(self, other: Dual) -> Dual:
        return Dual.apply("div", self, _dual(other))

    def __pow__(self, other: Dual) -> Dual:
        return Dual.apply("pow", self, _dual(other))

    def __neg__(self) -> Dual:
        return Dual.apply("neg", self)

    __radd__ = lambda self, o: _dual(o) + self  # noqa: E731
    __rmul__ = lambda self, o: _dual(o) * self  # noqa: E731


def _dual(x) -> Dual:
    return x if isinstance(x, Dual) else Dual(float(x))


def forward_pass(graph: Graph, point: Mapping[str, float], direction: Mapping[str, float]) -> list[Dual]:
    """Every node as a dual number: its value and its derivative along `direction`."""
    duals: list[Dual] = []
    for node in graph.nodes:
        if node.op == "input":
            duals.append(Dual(float(point[node.name]), float(direction.get(node.name, 0.0))))
        elif node.is_const:
            duals.append(Dual(float(node.const)))
        else:
            operands = [duals[a] for a in node.args]
            try:
                duals.append(Dual.apply(node.op, *operands))
            except (ValueError, ZeroDivisionError, OverflowError):
                graph.apply(node, [d.value for d in operands])  # raises it as bad input
    return duals


def forward_jacobian(graph: Graph, point: Mapping[str, float]) -> list[list[float]]:
    """d output_i / d input_j, one forward pass per input (column by column)."""
    columns = []
    for name in graph.inputs:
        duals = forward_pass(graph, point, {name: 1.0})
        columns.append([duals[graph.names[out]].tangent for out in graph.outputs])
    return [list(row) for row in zip(*columns)]
