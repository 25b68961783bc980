"""The graph drawn as TikZ, from the graph object itself.

Every operation sits one column right of its deepest operand (an input just
left of its first use), so edges always point right; an edge that skips
columns bends through waypoints between the nodes it passes. Within a column
nodes are ordered to keep crossings few.
Constant operands are written into the operation's label (``2\\pi \\cdot
\\square``, ``\\square^{2}``) instead of being drawn as nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from theory.autodiff.graph import Graph
from theory.autodiff.ops import OPS
from theory.core.render import latex


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


Key = int | tuple[int, int, int]  # a node, or the point where edge (a, b) crosses column c
SWEEPS = 8  # barycentre sweeps (down then up) of the crossing reduction
NODE_HALF_WIDTH = 0.8  # cm: about half the widest operation node
WAYPOINT = 0.8  # the height of a waypoint, in rows: enough for an edge to pass between two nodes


@dataclass
class Layout:
    """Where each node sits (column, row) and the points each long edge bends through."""

    pos: dict[int, tuple[int, float]]
    bends: dict[tuple[int, int], list[tuple[int, float]]]


def layout(graph: Graph) -> Layout:
    """A layered drawing: an edge that skips columns gets a waypoint in each column it crosses.

    A waypoint takes most of a row, so long edges run between nodes instead of
    through them; each column is ordered by the mean place of its neighbours
    (sweeping left to right, then back), keeping the order with fewest crossings.
    """
    col = layers(graph)
    edges = [(a, b) for b in col for a in dict.fromkeys(graph.nodes[b].args) if a in col]
    columns: list[list[Key]] = [[] for _ in range(max(col.values()) + 1)]
    for i in col:
        columns[col[i]].append(i)
    links: list[tuple[Key, Key]] = []  # segments between adjacent columns
    for a, b in edges:
        chain: list[Key] = [a, *((a, b, c) for c in range(col[a] + 1, col[b])), b]
        for k in chain[1:-1]:
            columns[k[2]].append(k)
        links += zip(chain, chain[1:])
    best, fewest = [list(c) for c in columns], _crossings(columns, links)
    for sweep in range(2 * SWEEPS):
        order = range(1, len(columns)) if sweep % 2 == 0 else range(len(columns) - 2, -1, -1)
        for c in order:
            side = c - 1 if sweep % 2 == 0 else c + 1
            place = {k: r for r, k in enumerate(columns[side])}
            here = {k: r for r, k in enumerate(columns[c])}

            def centre(k: Key, place=place, here=here) -> float:
                near = [place[u] for u, v in links if v == k and u in place] + [
                    place[v] for u, v in links if u == k and v in place]
                return sum(near) / len(near) if near else here[k]
            columns[c].sort(key=centre)
        if (n := _crossings(columns, links)) < fewest:
            best, fewest = [list(c) for c in columns], n
    rows: dict[Key, tuple[int, float]] = {}  # measured downwards from the column's centre
    for c, members in enumerate(best):
        sizes = [WAYPOINT if isinstance(k, tuple) else 1.0 for k in members]
        y = -sum(sizes) / 2
        for k, size in zip(members, sizes):
            rows[k] = (c, y + size / 2)
            y += size
    pos = {k: rows[k] for k in col}
    bends = {(a, b): [rows[(a, b, c)] for c in range(col[a] + 1, col[b])] for a, b in edges if col[b] - col[a] > 1}
    return Layout(pos, bends)


def _crossings(columns: list[list[Key]], links: list[tuple[Key, Key]]) -> int:
    """Pairs of segments between the same two columns whose ends come in opposite orders."""
    place = {k: (c, r) for c, members in enumerate(columns) for r, k in enumerate(members)}
    return sum(place[u1][0] == place[u2][0] and (place[u1][1] - place[u2][1]) * (place[v1][1] - place[v2][1]) < 0
               for x, (u1, v1) in enumerate(links) for u2, v2 in links[x + 1:])


def op_label(graph: Graph, i: int) -> str:
    node = graph.nodes[i]
    if not any(graph.nodes[a].is_const for a in node.args):
        return OPS[node.op].symbol
    return OPS[node.op].latex.format(*(graph.tex(a) if graph.nodes[a].is_const else r"\square" for a in node.args))


def number(x: float) -> str:
    """A node's value in math mode, to four figures: 1.609, or 1.2 \\times 10^{-5} (never e-notation)."""
    return latex.number(x, ".4g")


def draw(graph: Graph, values: Sequence[float] | None = None, edge_labels: dict[tuple[int, int], str] | None = None,
         dx: float = 2.6, dy: float = 1.45) -> str:
    """A tikzpicture of `graph`; with `values`, each node shows its value; `edge_labels` annotates edges."""
    lay = layout(graph)
    pos = lay.pos
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
                bends = lay.bends.get((a, i), [])
                # a waypoint is a level stretch as wide as a node, so the edge passes between nodes
                points = [f"({c * dx + side * NODE_HALF_WIDTH:.2f}, {-r * dy:.2f})"
                          for c, r in bends for side in (-1, 1)]
                path = " -- ".join([*points, f"(n{i})"])
                style = "[->, rounded corners=6pt]" if bends else "[->]"
                out.append(rf"\draw{style} (n{a}) --{tail} {path};")
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
