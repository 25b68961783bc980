"""The graph drawn as TikZ, from the graph object itself.

Inputs sit in the left column; every operation sits one column right of its
deepest operand, so edges always point right. Within a column nodes are
ordered by the mean height of their operands, which keeps edges short.
Constant operands are written into the operation's label (``2\\pi \\cdot
\\square``, ``\\square^{2}``) instead of being drawn as nodes.
"""

from __future__ import annotations

from collections.abc import Sequence

from theory.autodiff.graph import Graph
from theory.autodiff.ops import OPS


def layers(graph: Graph) -> dict[int, int]:
    """Column of each non-constant node: 1 + the deepest operand's column; inputs just left of their first use."""
    col: dict[int, int] = {}
    for i, node in enumerate(graph.nodes):
        if node.op == "input":
            col[i] = 0
        elif not node.is_const:
            col[i] = 1 + max((col[a] for a in node.args if a in col), default=0)
    for i, node in enumerate(graph.nodes):  # an input sits just left of its first use
        if node.op == "input":
            uses = [col[c] for c, n in enumerate(graph.nodes) if i in n.args]
            col[i] = max(0, min(uses, default=1) - 1)
    return col


def positions(graph: Graph) -> dict[int, tuple[int, float]]:
    """(column, row) of each drawn node; rows centred on 0 and ordered by the operands' rows."""
    col = layers(graph)
    pos: dict[int, tuple[int, float]] = {}
    for c in range(max(col.values()) + 1):
        members = [i for i in col if col[i] == c]
        if c:
            def height(i):
                rows = [pos[a][1] for a in graph.nodes[i].args if a in pos]
                if not rows:  # an input: beside the other operands of the node it feeds
                    rows = [pos[a][1] for n in graph.nodes if i in n.args for a in n.args if a in pos]
                return sum(rows) / len(rows) if rows else 0.0
            members.sort(key=height)
        for r, i in enumerate(members):
            pos[i] = (c, r - (len(members) - 1) / 2)
    return pos


def op_label(graph: Graph, i: int) -> str:
    node = graph.nodes[i]
    if not any(graph.nodes[a].is_const for a in node.args):
        return OPS[node.op].symbol
    return OPS[node.op].latex.format(*(graph.tex(a) if graph.nodes[a].is_const else r"\square" for a in node.args))


def number(x: float) -> str:
    return f"{x:.4g}".replace("e-0", "e-").replace("e+0", "e")


def draw(graph: Graph, values: Sequence[float] | None = None, edge_labels: dict[tuple[int, int], str] | None = None,
         dx: float = 2.6, dy: float = 1.45) -> str:
    """A tikzpicture of `graph`; with `values`, each node shows its value; `edge_labels` annotates edges."""
    pos = positions(graph)
    columns = 1 + max(c for c, _ in pos.values())
    dx = max(1.9, min(dx, 17.0 / columns))  # long chains: closer columns, less shrinking
    out = [r"\begin{tikzpicture}[>=stealth, every node/.style={font=\small},"
           r" adop/.style={draw, rounded corners=3pt, align=center, inner sep=2.5pt, fill=blue!4},"
           r" adin/.style={draw, circle, align=center, inner sep=1.5pt, fill=gray!10},"
           r" adout/.style={adop, double, fill=green!6},"
           r" edge label/.style={font=\scriptsize, fill=white, inner sep=1pt}]"]
    outputs = {graph.names[o] for o in graph.outputs}
    for i, (c, r) in pos.items():
        node = graph.nodes[i]
        value = rf"\\ {{\scriptsize ${number(values[i])}$}}" if values is not None else ""
        if node.op == "input":
            out.append(rf"\node[adin] (n{i}) at ({c * dx:.2f}, {-r * dy:.2f}) {{${graph.tex(i)}$" + value + "};")
        else:
            style = "adout" if i in outputs else "adop"
            text = rf"${op_label(graph, i)}$\\ {{\scriptsize ${graph.tex(i)}"
            text += rf" = {number(values[i])}$}}" if values is not None else "$}"
            out.append(rf"\node[{style}] (n{i}) at ({c * dx:.2f}, {-r * dy:.2f}) {{{text}}};")
    for i in pos:
        for a in dict.fromkeys(graph.nodes[i].args):
            if a in pos:
                label = (edge_labels or {}).get((a, i))
                tail = rf" node[midway, above, sloped, edge label] {{${label}$}}" if label else ""
                out.append(rf"\draw[->] (n{a}) --{tail} (n{i});")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)


def outline(graph: Graph, values: Sequence[float] | None = None) -> list[str]:
    """The same graph as text lines (for the terminal): one line per operation."""
    lines = []
    for i in graph.operations():
        shown = f" = {number(values[i])}" if values is not None else ""
        args = ", ".join(graph.label(a) for a in graph.nodes[i].args)
        lines.append(f"{graph.label(i)} = {graph.nodes[i].op}({args}){shown}")
    return lines
