"""Reverse mode: record each operation's local derivatives on a tape, then sweep it backwards.

The forward sweep stores, for every node, its value and the partial
derivatives of the node with respect to its operands. The backward sweep
starts from adjoint 1 at one output and adds adjoint x local derivative into
each operand, in reverse order. One sweep gives the gradient of one output
with respect to every input, so a Jacobian takes one sweep per output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from theory.autodiff.graph import Graph
from theory.autodiff.ops import OPS
from theory.core.errors import BadInput


@dataclass
class Tape:
    graph: Graph
    values: list[float]
    local: list[tuple[float, ...]]  # d node / d operand, per node

    @classmethod
    def record(cls, graph: Graph, point: Mapping[str, float]) -> Tape:
        """Values and local partials at `point`; a partial that does not exist there (sqrt'(0)) is bad input."""
        values = graph.evaluate(point)
        try:
            local = [OPS[n.op].partials(*(values[a] for a in n.args)) if n.args else () for n in graph.nodes]
        except (ArithmeticError, ValueError) as e:
            where = tuple(point.values())
            raise BadInput(f"f is not differentiable at {where}: a local derivative fails ({e})") from None
        return cls(graph, values, local)

    def backward(self, output: str) -> list[float]:
        """Adjoints d output / d node for every node (0 for nodes the output does not use)."""
        adjoint = [0.0] * len(self.values)
        adjoint[self.graph.names[output]] = 1.0
        for i in range(len(self.values) - 1, -1, -1):
            if adjoint[i] == 0.0:
                continue
            for operand, d in zip(self.graph.nodes[i].args, self.local[i]):
                if not self.graph.nodes[operand].is_const:
                    adjoint[operand] += adjoint[i] * d
        return adjoint

    def gradient(self, output: str) -> list[float]:
        adjoint = self.backward(output)
        return [adjoint[self.graph.names[name]] for name in self.graph.inputs]


def reverse_jacobian(graph: Graph, point: Mapping[str, float]) -> list[list[float]]:
    """d output_i / d input_j, one backward sweep per output (row by row) over one recorded tape."""
    tape = Tape.record(graph, point)
    return [tape.gradient(out) for out in graph.outputs]
