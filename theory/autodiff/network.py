"""A graph read as a neural network: neurons act(sum of weight * source + bias), drawn as TikZ.

A neuron is an activation node (or an output) whose argument is a sum of
terms `weight * source` and bare `bias` names, where weights and biases are
the graph's parameter inputs and a source is a data input or another neuron.
Because the graph stores shared sub-expressions once, a neuron written twice
in an equation is one neuron feeding two others.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

import sympy as sp

from theory.autodiff.graph import Graph
from theory.autodiff.ops import CONSTANTS, FUNCTIONS
from theory.core.errors import BadInput
from theory.core.render import latex

MAX_Z = 100.0  # |pre-activation|: beyond, a sigmoid is 1 to the last bit and gradients vanish in rounding
KINK_GAP = 1e-4  # a ReLU this close to its kink: finite differences (step 1e-6) would straddle it
ACTIVATIONS = {"relu": r"\mathrm{ReLU}", "leaky_relu": r"\mathrm{LReLU}", "sigmoid": r"\sigma", "tanh": r"\tanh"}


@dataclass
class Neuron:
    name: str
    activation: str  # a key of ACTIVATIONS, or "identity"
    edges: list[tuple[str, str]] = field(default_factory=list)  # (source, weight)
    biases: list[str] = field(default_factory=list)
    slope: float | None = None  # leaky ReLU's negative slope


def neurons(graph: Graph, data: set[str]) -> list[Neuron]:
    """The neurons of `graph` in evaluation order; parameters are the inputs not in `data`."""
    params = {n for n in graph.inputs if n not in data}
    outputs = {graph.names[o]: o for o in graph.outputs}
    heads = [i for i, n in enumerate(graph.nodes) if n.op in ACTIVATIONS or i in outputs]
    names: dict[int, str] = {}
    found = []
    for i in heads:
        node = graph.nodes[i]
        act = node.op if node.op in ACTIVATIONS else "identity"
        pre = node.args[0] if act != "identity" else i
        names[i] = outputs.get(i, f"h{len(names) + 1 - sum(1 for h in names if h in outputs)}")
        neuron = Neuron(names[i], act)
        if act == "leaky_relu":
            neuron.slope = float(graph.nodes[node.args[1]].const)
        for term in _terms(graph, pre):
            t = graph.nodes[term]
            if t.op == "input" and t.name in params:
                neuron.biases.append(t.name)
                continue
            if t.op == "mul":
                a, b = t.args
                weight, source = (a, b) if graph.nodes[a].name in params else (b, a)
                src = graph.nodes[source]
                if graph.nodes[weight].name in params and (source in names or src.name in data):
                    neuron.edges.append((names.get(source, src.name), graph.nodes[weight].name))
                    continue
            raise BadInput(f"{names[i]}: the term {graph.definition(term) if t.args else t.name} is not "
                           "weight * (input or neuron) or a bias")
        found.append(neuron)
    return found


def _terms(graph: Graph, i: int) -> list[int]:
    node = graph.nodes[i]
    if node.op == "add":
        return _terms(graph, node.args[0]) + _terms(graph, node.args[1])
    return [i]


def tex_name(name: str) -> str:
    """A name as LaTeX, subscripts and Greek letters included (w11 -> w_{11})."""
    return sp.latex(sp.Symbol(name))


def describe(u: Neuron, values: dict | None = None) -> str:
    """The neuron's right-hand side act(sum w s + b), with names or (given `values`) with numbers."""
    if values is None:
        terms = [rf"{tex_name(w)}\, {tex_name(s)}" for s, w in u.edges] + [tex_name(b) for b in u.biases]
    else:
        terms = [rf"{factor(values[w])} \cdot {factor(values[s])}" for s, w in u.edges]
        terms += [factor(values[b]) for b in u.biases]
    inner = " + ".join(terms) or "0"
    act = ACTIVATIONS.get(u.activation, "")
    return rf"{act}\left({inner}\right)" if act else inner


def figures(v) -> str:
    """The format of `number(v)`: six figures, with their trailing zeros when six figures do not hold v."""
    shown = f"{float(v):.6g}"
    return ".6g" if ((sp.Rational(shown) == v) if isinstance(v, sp.Basic) else (float(shown) == float(v))) else "#.6g"


def number(v) -> str:
    """A value as the worked numbers show it, as LaTeX: exact when six figures hold it, else rounded to six
    figures with its trailing zeros (0.99999999 reads 1.00000, visibly rounded); powers of ten, not e-notation."""
    return latex.number(float(v), figures(v))


def quote(part, v, of: str, index: int | None = None) -> str:
    """`number(v)` in a sentence of `part`, as the value that the claim, chain or answer `of` checked (its entry
    `index` when that value is a list)."""
    return part.quote(float(v), of, figures(v), index=index)


def factor(v) -> str:
    """`number(v)` as a factor or an argument: in parentheses when negative or written with a power of ten."""
    shown = number(v)
    return f"({shown})" if float(v) < 0 or r"\times" in shown else shown


def power_of_ten(h: float) -> str:
    """A step such as 1e-06 as LaTeX, 10^{-6}; other values as they are."""
    k = round(math.log10(h))
    return f"10^{{{k}}}" if math.isclose(10.0**k, h) else latex.number(h, "g")


def names_in(pairs: list[tuple[str, str]]) -> list[str]:
    """Free names of the expressions (not functions, constants, assigned names), in order."""
    assigned = {n for n, _ in pairs}
    seen: dict[str, None] = {}
    for _, text in pairs:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as e:
            raise BadInput(f"wiring: {text!r} is not an expression ({e.msg})") from None
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Name)
                and node.id not in FUNCTIONS
                and node.id not in CONSTANTS
                and node.id not in assigned
            ):
                seen.setdefault(node.id)
    return list(seen)


def named_units(graph: Graph, data: set[str]) -> list[Neuron]:
    """`network.neurons`, but each neuron keeps the name its assignment gave it (h, not h1).

    The engine numbers hidden neurons h1, h2, ... in evaluation order; here they
    are renamed to the wiring's own names so the drawing matches the text.
    """
    units = neurons(graph, data)
    outputs = {graph.names[o] for o in graph.outputs}
    heads = [i for i, n in enumerate(graph.nodes) if n.op in ACTIVATIONS or i in outputs]
    rename = {u.name: graph.nodes[i].name or u.name for u, i in zip(units, heads)}
    if len(set(rename.values())) != len(rename) or set(rename.values()) & data:
        return units  # a clash between given and generated names: keep the engine's names
    for u in units:
        u.name = rename[u.name]
        u.edges = [(rename.get(s, s), w) for s, w in u.edges]
    return units




def draw(units: list[Neuron], data: list[str], dx: float = 3.2, dy: float = 2.0) -> str:
    """Inputs on the left, each neuron one column right of its deepest source; edges carry weight labels."""
    col = {d: 0 for d in data}
    for u in units:
        col[u.name] = 1 + max((col[s] for s, _ in u.edges), default=0)
    rows: dict[str, float] = {}
    for c in range(max(col.values()) + 1):
        members = [n for n in col if col[n] == c]
        if c:
            members.sort(key=lambda n: sum(rows[s] for s, _ in _unit(units, n).edges) / len(_unit(units, n).edges))
        for r, n in enumerate(members):
            rows[n] = r - (len(members) - 1) / 2
    out = [r"\begin{tikzpicture}[>=stealth, every node/.style={font=\small},"
           r" unit/.style={draw, circle, minimum size=13mm, align=center, inner sep=1pt, fill=blue!4},"
           r" datum/.style={draw, circle, minimum size=8mm, fill=gray!10},"
           r" weight/.style={font=\scriptsize, inner sep=1pt}]"]
    for d in data:
        out.append(rf"\node[datum] ({d}) at (0, {-rows[d] * dy:.2f}) {{${tex_name(d)}$}};")
    for u in units:
        act = ACTIVATIONS.get(u.activation, r"\mathrm{id}")
        bias = " + ".join(tex_name(b) for b in u.biases)
        label = rf"${act}$\\ {{\scriptsize ${tex_name(u.name)}$}}"
        out.append(rf"\node[unit] ({u.name}) at ({col[u.name] * dx:.2f}, {-rows[u.name] * dy:.2f}) {{{label}}};")
        if bias:
            out.append(rf"\node[font=\scriptsize, below] at ({u.name}.south) {{$+{bias}$}};")
    for u in units:
        for src, w in u.edges:
            # a label near its source keeps the labels of a fan-out apart; an edge that skips a column
            # bends around the neuron in between
            path = "to[bend left=40]" if col[u.name] - col[src] > 1 else "--"
            label = rf"node[weight, pos=0.3, sloped, above] {{${tex_name(w)}$}}"
            out.append(rf"\draw[->] ({src}) {path} {label} ({u.name});")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)


def _unit(units: list[Neuron], name: str) -> Neuron:
    return next(u for u in units if u.name == name)


def refuse_out_of_range(units: list[Neuron], values: dict[str, float], *, on_kink: bool = True) -> None:
    """Refuse values where the float witnesses of a worked network lose their digits: a pre-activation
    beyond +-MAX_Z, or a ReLU within KINK_GAP of its kink (exactly on it too, unless `on_kink` is False
    because the caller reports kinks itself)."""
    env = dict(values)
    for u in units:
        z = sum(env[w] * env[s] for s, w in u.edges) + sum(env[b] for b in u.biases)
        if abs(z) > MAX_Z:
            raise BadInput(f"neuron {u.name[:20]}: pre-activation {z:.4g} at these values, beyond the "
                           f"+-{MAX_Z:g} where the float witnesses keep their digits")
        if u.activation == "relu" and abs(z) < KINK_GAP and (on_kink or z != 0):
            raise BadInput(f"neuron {u.name[:20]}: pre-activation {z:.3g} is within {KINK_GAP:g} of the ReLU's "
                           "kink, where the loss is not differentiable or finite differences straddle it")
        env[u.name] = {"relu": max(z, 0.0), "sigmoid": 1 / (1 + math.exp(-z)), "tanh": math.tanh(z),
                       "identity": z}[u.activation]
