"""Text to a graph of elementary operations, with shared sub-expressions stored once.

`Graph.parse` reads assignments such as ``z1 = w1/w2`` with Python's own
parser (no `eval`), so a malformed expression is a clear `BadInput`. Nodes
are hash-consed: writing ``relu(w1*x + b1)`` twice yields one node, which is
what a drawing of the network should show. Purely constant sub-expressions
(``2*pi``) are folded into one exact constant.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from theory.autodiff.ops import CONSTANTS, FUNCTIONS, LEAKY_SLOPE, OPS
from theory.core import expr
from theory.core.errors import BadInput

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


@dataclass(frozen=True)
class Node:
    """An input, an exact constant, or an operation on earlier nodes (by index)."""

    op: str  # "input", "const" or a key of OPS
    args: tuple[int, ...] = ()
    const: sp.Expr | None = None
    name: str = ""  # input name, or the name an assignment gave this node

    @property
    def is_const(self) -> bool:
        return self.op == "const"


@dataclass
class Graph:
    """Nodes in topological order; `outputs` names the nodes whose derivatives are wanted."""

    inputs: tuple[str, ...]
    nodes: list[Node] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)  # assignment and input names -> node
    outputs: tuple[str, ...] = ()
    lines: tuple[tuple[str, str], ...] = ()  # the assignments as written
    _index: dict[tuple, int] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, lines: Sequence[tuple[str, str]] | Mapping[str, str], inputs: Sequence[str],
              outputs: Sequence[str] | None = None) -> Graph:
        """Build the graph of `name = expression` lines over `inputs`.

        Outputs default to the assigned names that no later line uses.
        """
        pairs = tuple(lines.items()) if isinstance(lines, Mapping) else tuple(tuple(p) for p in lines)
        g = cls(tuple(inputs), lines=pairs)
        for name in g.inputs:
            if not name.isidentifier() or name in FUNCTIONS or name in CONSTANTS:
                raise BadInput(f"input name {name!r} is not a usable variable name")
            g.names[name] = g._add(Node("input", name=name))
        used: set[str] = set()
        for name, text in pairs:
            if not name.isidentifier() or name in g.names:
                raise BadInput(f"cannot assign {name!r}: not a new variable name")
            tree = expr.tree(text, f"{name} = {text[:60]!r}")
            used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            index = g._build(tree, f"{name} = {text}")
            if g.nodes[index].op in ("input", "const") or g.nodes[index].name:
                index = g._add(Node("add", (index, g._const(sp.Integer(0)))), shared=False)
            g.nodes[index] = Node(g.nodes[index].op, g.nodes[index].args, g.nodes[index].const, name)
            g.names[name] = index
        assigned = [n for n, _ in pairs]
        g.outputs = tuple(outputs) if outputs else tuple(n for n in assigned if n not in used)
        for out in g.outputs:
            if out not in g.names:
                raise BadInput(f"output {out!r} is not assigned")
        return g

    # --- construction -------------------------------------------------
    def _add(self, node: Node, shared: bool = True) -> int:
        key = (node.op, node.args, node.const, node.name if node.op == "input" else "")
        if shared and key in self._index:
            return self._index[key]
        self.nodes.append(node)
        self._index.setdefault(key, len(self.nodes) - 1)
        return len(self.nodes) - 1

    def _const(self, value: sp.Expr) -> int:
        return self._add(Node("const", const=sp.nsimplify(value)))

    def _apply(self, op: str, args: tuple[int, ...], where: str = "") -> int:
        if all(self.nodes[a].is_const for a in args):
            consts = [self.nodes[a].const for a in args]
            if op == "pow":
                return self._const(expr.power(*consts, where))
            expr.bounded_function(op, consts, where or "formula")
            return self._const(OPS[op].sympy(*consts))
        return self._add(Node(op, args))

    def _build(self, t: ast.AST, where: str) -> int:
        if isinstance(t, ast.Constant):
            return self._const(expr.number(t.value, where))
        if isinstance(t, ast.Name):
            if t.id in self.names:
                return self.names[t.id]
            if t.id in CONSTANTS:
                return self._const(CONSTANTS[t.id])
            raise BadInput(f"{where}: unknown variable {t.id!r} (inputs: {', '.join(self.inputs)})")
        if isinstance(t, ast.UnaryOp) and isinstance(t.op, (ast.USub, ast.UAdd)):
            arg = self._build(t.operand, where)
            return arg if isinstance(t.op, ast.UAdd) else self._apply("neg", (arg,), where)
        if isinstance(t, ast.BinOp) and type(t.op) in _BINARY:
            return self._apply(_BINARY[type(t.op)], (self._build(t.left, where), self._build(t.right, where)), where)
        if isinstance(t, ast.Call) and isinstance(t.func, ast.Name) and not t.keywords:
            op = FUNCTIONS.get(t.func.id)
            if op is None:
                raise BadInput(f"{where}: unknown function {t.func.id!r} (known: {', '.join(sorted(FUNCTIONS))})")
            args = tuple(self._build(a, where) for a in t.args)
            if op == "leaky_relu" and len(args) == 1:
                args += (self._const(LEAKY_SLOPE),)
            if len(args) != OPS[op].arity:
                raise BadInput(f"{where}: {t.func.id} takes {OPS[op].arity} argument(s), got {len(args)}")
            return self._apply(op, args, where)
        raise BadInput(f"{where}: unsupported syntax {ast.unparse(t)[:60]!r}")

    # --- reading ------------------------------------------------------
    def label(self, i: int) -> str:
        """A node's name: its assignment or input name, else v1, v2, ... in order."""
        node = self.nodes[i]
        if node.name:
            return node.name
        if node.is_const:
            return sp.sstr(node.const)
        return f"v{sum(1 for n in self.nodes[:i + 1] if not n.name and n.op not in ('const', 'input'))}"

    def tex(self, i: int) -> str:
        """A node as LaTeX: its name (w_{1}, v_{3}) or its constant."""
        node = self.nodes[i]
        return sp.latex(node.const) if node.is_const else sp.latex(sp.Symbol(self.label(i)))

    def definition(self, i: int) -> str:
        """The node's operation over its operands' names, as LaTeX (e.g. \\sin(v_{1}))."""
        node = self.nodes[i]
        return OPS[node.op].latex.format(*(self.tex(a) for a in node.args))

    def operations(self) -> list[int]:
        """Indices of the operation nodes (not inputs, not constants), in evaluation order."""
        return [i for i, n in enumerate(self.nodes) if n.op not in ("input", "const")]

    def ancestors(self, i: int) -> set[int]:
        """Node `i` and every node it depends on."""
        seen, todo = {i}, [i]
        while todo:
            for a in self.nodes[todo.pop()].args:
                if a not in seen:
                    seen.add(a)
                    todo.append(a)
        return seen

    def evaluate(self, point: Mapping[str, float]) -> list[float]:
        """Every node's value at `point` (constants and inputs included)."""
        values: list[float] = []
        for node in self.nodes:
            if node.op == "input":
                values.append(float(point[node.name]))
            elif node.is_const:
                values.append(float(node.const))
            else:
                values.append(self.apply(node, [values[a] for a in node.args]))
        return values

    def apply(self, node: Node, operands: list[float]) -> float:
        """One operation on floats, with domain errors reported as bad input."""
        try:
            out = OPS[node.op].value(*operands)
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            raise BadInput(f"cannot evaluate {node.name or node.op} at operands {operands}: {e}") from None
        if isinstance(out, complex) or not math.isfinite(out):
            raise BadInput(f"{node.name or node.op} is not a finite real number at operands {operands}")
        return out

    def sympy(self, symbols: Mapping[str, sp.Symbol] | None = None) -> dict[str, sp.Expr]:
        """Each output as one SymPy expression in the inputs (sub-expressions substituted)."""
        symbols = symbols or {n: sp.Symbol(n, real=True) for n in self.inputs}
        exprs: list[sp.Expr] = []
        for node in self.nodes:
            if node.op == "input":
                exprs.append(symbols[node.name])
            elif node.is_const:
                exprs.append(node.const)
            else:
                exprs.append(OPS[node.op].sympy(*(exprs[a] for a in node.args)))
        return {name: exprs[self.names[name]] for name in self.outputs}

    def kinks(self, values: Sequence[float]) -> list[str]:
        """The non-differentiable operations that sit exactly on their kink at these values."""
        found = []
        for i in self.operations():
            node = self.nodes[i]
            ops = [values[a] for a in node.args]
            tie = (node.op in ("max", "min") and ops[0] == ops[1]) or (
                node.op in ("relu", "abs", "leaky_relu") and ops[0] == 0)
            if tie:
                found.append(f"{self.label(i)}: {OPS[node.op].kink}")
        return found
