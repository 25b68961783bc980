"""Networks drawn from their equations, and the drawing checked against the equation.

Each equation is parsed into the autodiff graph, which stores a repeated
sub-expression once; the graph is read as neurons (activation of a weighted
sum plus bias) and drawn from that reading. An independent evaluator runs the
drawn network and must reproduce the equation at random points.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import sympy as sp

from checks import network_drawing as run_net
from theory.autodiff import Graph
from theory.autodiff import network as nn
from theory.autodiff.network import tex_name
from theory.autodiff.ops import CONSTANTS, FUNCTIONS, SYMPY_NAMES
from theory.core import expr, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.params import Parameters, param
from theory.core.solution import Solution
from theory.jacobians import input_names, program

TOPIC = "network_drawing"

NET_A = ("y = tanh(w31*leaky_relu(w11*x1 + w12*x2 + w13*x3 + b1) "
         "+ w32*leaky_relu(w21*x1 + w22*x2 + w23*x3 + b2) + b3)")
NET_B = ("y = sigmoid(w6*sigmoid(w4*relu(w2*relu(w1*x + b1) + b2) "
         "+ w5*sigmoid(w3*relu(w2*relu(w1*x + b1) + b2) + b3) + b4) + b5)")


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # names reach LaTeX and TikZ: ASCII identifiers only


def _ascii_names(text: str) -> str | None:
    """A check for the data names: comma-separated ASCII identifiers."""
    bad = [n for n in input_names(text) if not _NAME.fullmatch(n)]
    return f"{bad[0][:60]!r} is not a name (a letter, then letters, digits or _)" if bad else None


@dataclass(frozen=True)
class Params(Parameters):
    net_a: str = param(NET_A, "equation (a), as 'y = ...'")
    net_b: str = param(NET_B, "equation (b), as 'y = ...'")
    data: str = param("x, x1, x2, x3", "names that are data inputs; every other name is a weight or bias",
                      check=_ascii_names)
    slope: float = param(0.01, "negative slope of the leaky ReLU (the sheet does not give it)", lo=0.0, hi=1.0)
    # every name is sampled at every point: up to ~700 names x 10^5 points x 8 bytes stays below 1 GiB
    points: int = param(200, "random (input, weight) points at which drawing and equation are compared",
                        lo=1, hi=100000)

    def __post_init__(self) -> None:
        super().__post_init__()
        data = set(input_names(self.data))
        for equation in (self.net_a, self.net_b):
            nn.neurons(parse(equation, data, self.slope).graph, data)  # bad equations fail here, with the reason


class Equation(NamedTuple):
    """An equation 'y = ...' read once, for everything the solution does with it."""

    name: str  # the output
    text: str  # the right-hand side with the slope filled in
    graph: Graph  # its graph: inputs are the data names, then the parameters, sorted
    used: list[str]  # the data inputs it uses
    tree: ast.expr  # the right-hand side as written (without the slope)


def parse(equation: str, data: set[str], slope: float) -> Equation:
    """The equation read: its output, text with the slope, graph, data inputs and syntax tree as written."""
    if not equation.isascii():
        raise BadInput(f"equation {equation[:60]!r}: only ASCII characters (names reach LaTeX)")
    pairs = program(equation)
    if len(pairs) != 1:
        raise BadInput(f"expected one equation 'y = ...', got {len(pairs)}: {equation[:60]!r}")
    (name, text), = pairs
    where = f"{name[:20]} = {text[:60]!r}"
    tree = expr.tree(text, where)
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(FUNCTIONS) - set(CONSTANTS))
    for n in (name, *names):
        if not _NAME.fullmatch(n):
            raise BadInput(f"{where}: {n[:60]!r} is not a name (a letter, then letters, digits or _)")
    text = _with_slope(text, tree, slope)
    if len(text) > expr.MAX_LENGTH:
        raise BadInput(f"{where}: {len(text)} characters once the slope is written into each leaky_relu, "
                       f"more than the {expr.MAX_LENGTH} allowed")
    used = [n for n in names if n in data]
    return Equation(name, text, Graph.parse({name: text}, used + [n for n in names if n not in data]), used, tree)


def _with_slope(text: str, tree: ast.expr, slope: float) -> str:
    """leaky_relu(z) -> leaky_relu(z, slope): the sheet leaves the slope out; here it is a parameter.

    The slope is inserted into the text itself, before each call's closing bracket, so the equation
    keeps its spelling and length (an ASCII one-line text: column offsets are character offsets).
    """
    text = text.strip()
    ends = sorted((n.end_col_offset - 1 for n in ast.walk(tree)
                   if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and len(n.args) == 1
                   and FUNCTIONS.get(n.func.id) == "leaky_relu"), reverse=True)
    for end in ends:
        comma = "" if text[:end].rstrip().endswith(",") else ","
        text = f"{text[:end]}{comma} {slope!r}{text[end:]}"
    return text


_SIZES = ("", r"\bigl", r"\Bigl")  # brackets by how many calls they enclose
_BINARY = {ast.Add: "+", ast.Sub: "-"}


def equation_tex(tree: ast.expr) -> str:
    """The equation as the question writes it (from its syntax tree as written), in LaTeX: the user's order of
    terms kept (SymPy would sort them), names subscripted, activations as drawn; brackets grow outwards and the
    formula may break after any + inside them, or after the dot between a weight and the unit it multiplies."""

    def depth(n: ast.AST) -> int:
        inner = max((depth(c) for c in ast.iter_child_nodes(n)), default=0)
        return inner + isinstance(n, ast.Call)

    def bracket(inside: str, d: int) -> str:
        size = _SIZES[min(d, len(_SIZES) - 1)]
        return f"{size}({inside}{size.replace('l', 'r', 1) if size else ''})" if size else f"({inside})"

    def tex(n: ast.AST) -> str:
        if isinstance(n, ast.Name):
            return tex_name(n.id)
        if isinstance(n, ast.Constant):
            return f"{n.value:g}"
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return f"-{grouped(n.operand)}"
        if isinstance(n, ast.BinOp) and type(n.op) in _BINARY:
            right = grouped(n.right) if isinstance(n.op, ast.Sub) else tex(n.right)
            return f"{tex(n.left)} {_BINARY[type(n.op)]} {right}"
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):  # a weight times a unit: a line may break there
            joint = r" \cdot " if isinstance(n.right, ast.Call) else r"\,"
            return f"{grouped(n.left)}{joint}{grouped(n.right)}"
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div):
            return rf"\frac{{{tex(n.left)}}}{{{tex(n.right)}}}"
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow):
            return f"{grouped(n.left)}^{{{tex(n.right)}}}"
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            op = FUNCTIONS.get(n.func.id, n.func.id)
            name = nn.ACTIVATIONS.get(op) or rf"\operatorname{{{op}}}"
            return name + bracket(", ".join(tex(a) for a in n.args), depth(n) - 1)
        raise BadInput(f"cannot typeset {ast.dump(n)[:60]}")

    def grouped(n: ast.AST) -> str:
        return bracket(tex(n), depth(n)) if isinstance(n, (ast.BinOp, ast.UnaryOp)) and not isinstance(
            getattr(n, "op", None), (ast.Mult, ast.Div, ast.Pow)) else tex(n)

    return tex(tree)


def describe(unit: nn.Neuron) -> str:
    """A neuron as LaTeX: h = act(sum w * source + b)."""
    return rf"{tex_name(unit.name)} = {nn.describe(unit)}"


def as_spec(units: list[nn.Neuron]) -> list[tuple]:
    """The drawing as plain data for the independent evaluator: (name, activation, slope, edges, biases)."""
    return [(u.name, u.activation, u.slope, list(u.edges), list(u.biases)) for u in units]


def solve(p: Params, ctx: Context) -> Solution:
    data = set(input_names(p.data))
    sol = Solution(TOPIC, "Networks drawn from their equations", "comp433-a2, Question 3", p, question=(
        r"Draw the network each equation describes, labelling nodes, edges and activations."))
    rng = ctx.rng("points")
    for label, equation in (("a", p.net_a), ("b", p.net_b)):
        name, text, g, used, tree = parse(equation, data, p.slope)
        units = nn.neurons(g, data)
        leaky = "leaky_relu" in {FUNCTIONS.get(n.func.id) for n in ast.walk(tree)
                                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        part = sol.part(label, f"Network ({label})", rf"Draw the network of ${tex_name(name)} = "
                        rf"{equation_tex(tree)}$" + (rf" (leaky-ReLU slope ${p.slope:g}$)." if leaky else "."))
        formula = expr.read(text, {n: sp.Symbol(n) for n in g.inputs}, functions=SYMPY_NAMES,
                            where=f"equation ({label})")
        params = sorted(str(s) for s in formula.free_symbols if str(s) not in data)
        described = [describe(u) for u in units]
        part.diagram("network", rf"Network ({label}): inputs on the left; a neuron shows its activation, name "
                     r"and (below) bias, an edge its weight.",
                     nn.draw(units, used), described)
        # plain brackets: a line may break after any + inside them
        part.text("The drawing reads the equation as neurons: " + "; ".join(
            "$" + d.replace(r"\left(", "(").replace(r"\right)", ")") + "$" for d in described) + ".")
        shared = [u.name for u in units if sum(u.name == s for v in units for s, _ in v.edges) > 1]
        if shared:
            names = ", ".join(f"${tex_name(s)}$" for s in shared)
            part.text(rf"The equation repeats the sub-expression computing {names} "
                      r"with the same weights: one neuron whose output feeds several neurons.")
        drawn = sorted([w for u in units for _, w in u.edges] + [b for u in units for b in u.biases])
        part.claim("parameters", rf"Each of the equation's {len(params)} weights and biases labels exactly one edge "
                   r"or neuron of the drawing.",
                   prove.on_instances({"each parameter drawn once": drawn == params}, "labels compared"),
                   aside=True)
        f = sp.lambdify([sp.Symbol(n) for n in [*used, *params]], formula, "numpy")
        values = {n: rng.normal(size=p.points) for n in [*used, *params]}
        predicted = f(*(values[n] for n in [*used, *params]))
        measured = run_net.evaluate(as_spec(units), values)
        part.claim("evaluates", rf"Running the drawn network at {p.points} random inputs and weights reproduces "
                   r"the equation.", prove.close_all(measured, np.broadcast_to(predicted, measured.shape),
                                                     rtol=1e-12, atol=1e-12, what="drawing against equation"),
                   aside=True)
        count = f"({label}) neuron count"
        neurons = witness.equal(activations(formula), "distinct activations in SymPy's reading of the equation "
                                "(and the output unit when it has none)")
        part.claim("neurons", rf"The drawing has {len(units)} neurons: one per distinct activation of the equation "
                   r"as SymPy reads it, plus the output unit if the equation does not end in an activation.",
                   neurons(len(units)), aside=True)
        sol.answer(count, len(units), claims=(f"{label}.neurons",), check=neurons)
        written = _written(tree, data, units)
        if written["neurons"] != len(units):
            sol.misconception(count, f"repeated-neuron-drawn-twice-{label}", written["neurons"],
                              "A sub-expression the equation writes more than once with the same weights is computed "
                              "once: it is one neuron whose output feeds every neuron that uses it. Drawing a neuron "
                              "for each appearance gives a different network, whose copies would have their own "
                              "weights.")
        sol.answer(f"({label}) parameters", len(params), claims=(f"{label}.parameters",),
                   check=witness.equal(sp.Integer(len(drawn)), "weights and biases labelling the drawing"))
        if written["parameters"] != len(params):
            sol.misconception(f"({label}) parameters", f"repeated-parameter-counted-twice-{label}",
                              written["parameters"],
                              "A weight or bias that the equation writes several times (a repeated sub-expression "
                              "repeats its weights) is one parameter: it labels one edge or one neuron of the "
                              "drawing, so it counts once, however often it is written.")
        biases = {b for u in units for b in u.biases}
        if biases:
            sol.misconception(f"({label}) parameters", f"biases-forgotten-{label}", len(params) - len(biases),
                              f"The biases ${', '.join(tex_name(b) for b in sorted(biases))}$ are parameters too: "
                              "each neuron's bias is learned like its weights. Counting only the weights on the "
                              "edges leaves them out.")
    return sol


def activations(formula: sp.Expr) -> sp.Integer:
    """Neurons as SymPy reads the equation: its distinct activations (tanh, ReLU as max(z, 0), leaky ReLU as a
    piecewise, sigmoid as 1/(1 + e^-z)), plus the output unit when the equation does not end in one."""
    def is_activation(e: sp.Expr) -> bool:
        return isinstance(e, (sp.tanh, sp.Max, sp.Piecewise)) or (
            e.is_Pow and e.exp == -1 and e.base.is_Add and 1 in e.base.args and any(
                isinstance(a, sp.exp) for a in e.base.args))

    found = {e for e in sp.preorder_traversal(formula) if is_activation(e)}
    return sp.Integer(len(found) + (0 if is_activation(formula) else 1))


def _written(tree: ast.expr, data: set[str], units: list[nn.Neuron]) -> dict[str, int]:
    """Neurons and parameters counted as the equation (its syntax tree as written) writes them, every
    repetition again."""
    calls = sum(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and FUNCTIONS.get(n.func.id) in nn.ACTIVATIONS
                for n in ast.walk(tree))
    names = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in data
             and n.id not in FUNCTIONS and n.id not in CONSTANTS]
    return {"neurons": calls + (units[-1].activation == "identity"), "parameters": len(names)}


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
