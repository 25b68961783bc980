"""The evaluation, tangent and adjoint traces as table rows (LaTeX cells).

The rules are printed from the same operation table the engine runs: each
local derivative is SymPy's derivative of the operation's SymPy form, written
over the operands' names, so a printed rule is the rule that was executed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sympy as sp

from theory.autodiff.dual import Dual
from theory.autodiff.graph import Graph
from theory.autodiff.ops import OPS, iverson
from theory.autodiff.tikz import number


def accented(graph: Graph, i: int, accent: str) -> str:
    r"""A node's name with an accent on its letters: \dot{w}_{1}, \bar{v}_{3}."""
    m = re.fullmatch(r"([A-Za-z]+)_?(\d*)", graph.label(i))
    if not m:
        return rf"\{accent}{{{graph.tex(i)}}}"
    letters = sp.latex(sp.Symbol(m[1]))
    return rf"\{accent}{{{letters}}}" + (rf"_{{{m[2]}}}" if m[2] else "")


def local_partial(graph: Graph, i: int, operand: int) -> sp.Expr:
    """d node_i / d node_operand as SymPy over the operands' names (both slots if used twice)."""
    node = graph.nodes[i]
    slots = [sp.Symbol(f"_slot{k}") for k in range(len(node.args))]
    names = {s: (graph.nodes[a].const if graph.nodes[a].is_const else sp.Symbol(graph.label(a), real=True))
             for s, a in zip(slots, node.args)}
    expr = OPS[node.op].sympy(*slots)
    d = sum((sp.diff(expr, s) for s, a in zip(slots, node.args) if a == operand), sp.Integer(0))
    return d.replace(sp.Heaviside, lambda *a: iverson(a[0])).subs(names)


def _times(coefficient: sp.Expr, factor: str) -> str:
    if coefficient == 1:
        return factor
    if coefficient == -1:
        return "-" + factor
    tex = sp.latex(coefficient)
    return rf"\left({tex}\right) {factor}" if isinstance(coefficient, sp.Add) else rf"{tex}\, {factor}"


def _sum(terms: list[str]) -> str:
    return " + ".join(terms).replace("+ -", "- ") if terms else "0"


def trace_rows(graph: Graph, values: Sequence[float]) -> list[list[str]]:
    """[node, definition, value] for every operation, in evaluation order."""
    return [[f"${graph.tex(i)}$", f"${graph.definition(i)}$", f"${number(values[i])}$"]
            for i in graph.operations()]


def tangent_rows(graph: Graph, duals: Sequence[Dual]) -> list[list[str]]:
    """[tangent, chain rule, value] for every operation: dot v = sum of d v/d u * dot u."""
    rows = []
    for i in graph.operations():
        operands = dict.fromkeys(a for a in graph.nodes[i].args if not graph.nodes[a].is_const)
        rule = _sum([_times(local_partial(graph, i, a), accented(graph, a, "dot")) for a in operands])
        rows.append([f"${accented(graph, i, 'dot')}$", f"${rule}$", f"${number(duals[i].tangent)}$"])
    return rows


def adjoint_rows(graph: Graph, adjoint: Sequence[float], output: str) -> list[list[str]]:
    """[adjoint, accumulation rule, value], from the output back to the inputs."""
    rows = []
    out = graph.names[output]
    needed = graph.ancestors(out)
    for i in sorted(needed, reverse=True):
        if graph.nodes[i].is_const:
            continue
        users = [c for c in needed if i in graph.nodes[c].args]
        if i == out:
            rule = "1"
        else:
            rule = _sum([_times(local_partial(graph, c, i), accented(graph, c, "bar")) for c in users])
        rows.append([f"${accented(graph, i, 'bar')}$", f"${rule}$", f"${number(adjoint[i])}$"])
    return rows
