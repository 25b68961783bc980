"""Jacobians of a small vector function by autodiff, by hand and by finite differences.

One recorded graph (theory.autodiff) gives the values of every intermediate,
the forward-mode tangents, the reverse-mode adjoints and the drawing. SymPy,
parsing the same text on its own, gives the exact Jacobian; finite
differences of a NumPy version give the numerical one, whose error is
compared with its predicted truncation term.
"""

from __future__ import annotations

import keyword
import math
import re
import sys
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from checks import finite_differences as fd
from theory.autodiff import Graph, Tape, forward_jacobian, forward_pass, reverse_jacobian, tables, tikz
from theory.autodiff.network import power_of_ten, quote
from theory.autodiff.ops import FUNCTIONS, OPS, SYMPY_NAMES, explicit, sigmoid
from theory.core import expr, figures, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.grade import judge
from theory.core.latexread import Notation
from theory.core.params import Parameters, exact_decimal, numbers, param
from theory.core.solution import Solution

TOPIC = "jacobians"

CS7643 = "f1 = cos(w1)*cos(w2) + sigmoid(w2); f2 = ln(w1 + w2) + w1**2*w2"


def program(functions: str) -> list[tuple[str, str]]:
    """`"f1 = ...; f2 = ..."` (or one assignment per line) as (name, expression) pairs."""
    pairs = []
    for item in functions.replace("\n", ";").split(";"):
        if item.strip():
            name, sep, text = item.partition("=")
            if not sep or not text.strip():
                raise BadInput(f"expected 'name = expression', got {item.strip()[:60]!r}")
            pairs.append((name.strip(), text.strip()))
    if not pairs:
        raise BadInput("no functions given")
    return pairs


def input_names(inputs: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in inputs.split(",") if n.strip())


# Size limits. Each Jacobian entry is a chain of two SymPy proofs (5 s budget each) and each
# operation a node of the drawing, a row of every trace table and a step of every pass.
MAX_LINES = 30  # assignments of a program
MAX_OPERATIONS = 60  # operation nodes of the graph
MAX_ENTRIES = 16  # outputs x inputs
MAX_PIECEWISE_DEPTH = 2  # leaky_relu inside leaky_relu: SymPy's Piecewise of Piecewise grows exponentially
MAX_NESTING = 10  # functions applied to functions: a derivative repeats the inner ones in every factor
MAX_WRITTEN_OUT = 300  # nodes of an output written out as one formula (f2 = f1*f1 doubles f1's)
MAX_TERMS = 3000  # terms of a node's formula or its derivative multiplied out (SymPy's proofs expand them)
PROOFS_BUDGET_S = 60.0  # SymPy's time for the proofs of (d), by hand, shared among the Jacobian's entries
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")  # a variable name that prints as itself in LaTeX and code
NODE_OPS = sorted({*OPS, *FUNCTIONS})  # what node_ops may list: operations and their aliases


def plain_name(name: str) -> str | None:
    """Why `name` cannot name a variable (None if it can): ASCII letters, digits and _, not a keyword."""
    if NAME.fullmatch(name) and not keyword.iskeyword(name):
        return None
    return f"{name[:30]!r} is not a variable name (a letter, then letters, digits or _, at most 31)"


def check_program(text: str) -> str | None:
    """A parameter check: at most MAX_LINES 'name = expression' lines with plain names that parse."""
    pairs = program(text)
    if len(pairs) > MAX_LINES:
        return f"{len(pairs)} assignments, more than the {MAX_LINES} allowed"
    return next((problem for name, _ in pairs if (problem := plain_name(name))), None)


def check_inputs(text: str) -> str | None:
    """A parameter check: comma-separated plain names (their number must match the point's)."""
    names = input_names(text)
    if not names:
        return "expected at least one input name, e.g. 'w1, w2'"
    return next((problem for name in names if (problem := plain_name(name))), None)


def check_node_ops(text: str) -> str | None:
    """A parameter check: known operation names, comma separated (or nothing)."""
    unknown = [s.strip() for s in text.split(",") if s.strip() and s.strip() not in NODE_OPS]
    if unknown:
        return f"unknown operation {unknown[0][:30]!r} (known: {', '.join(NODE_OPS)})"
    return None


@dataclass(frozen=True)
class Params(Parameters):
    functions: str = param(CS7643, "the vector function, as 'name = expression' assignments separated by ';'",
                           check=check_program)
    inputs: str = param("w1, w2", "the input variables, comma separated", check=check_inputs)
    # |coordinates| <= 1e3: beyond, exp and powers overflow floats (such points are refused as well).
    point: tuple = param((1.0, 2.0), "the point at which everything is evaluated",
                         check=numbers("coordinates", lo=-1e3, hi=1e3, length=(1, 8), example="(1.0, 2.0)"))
    # Below h = 1e-3 (and h/k = 1e-4) rounding, about 1e-16 |f| / h, swamps the central difference's
    # truncation error h^2 f'''/6, whose order part (e) measures.
    step: float = param(0.01, "finite-difference step Delta w", lo=1e-3, hi=1.0)
    refine: float = param(10.0, "factor k: the order of accuracy is measured from steps h and h/k",
                          lo=2.0, hi=100.0)
    node_ops: str = param("", "the operations the sheet allows as graph nodes (comma separated; empty: any)",
                          check=check_node_ops)
    problem: str = param("cs7643-ps2, Question 4", "which sheet question this instance answers")

    def __post_init__(self) -> None:
        super().__post_init__()
        names = input_names(self.inputs)
        if len(self.point) != len(names):
            raise BadInput(f"parameter point has {len(self.point)} coordinates but there are "
                           f"{len(names)} inputs ({', '.join(names)[:60]})")
        if self.step / self.refine < 1e-4:
            raise BadInput(f"parameters step / refine = {self.step / self.refine:.3g} is below 1e-4, where "
                           "rounding swamps the truncation error whose order part (e) measures")
        g = graph(self)  # a bad expression or name is bad input now, not at solve time
        problem = size_problem(g)
        if problem:
            raise BadInput(f"parameter functions: {problem}")
        if len(g.outputs) * len(names) > MAX_ENTRIES:
            raise BadInput(f"parameter functions: {len(g.outputs)} outputs x {len(names)} inputs = "
                           f"{len(g.outputs) * len(names)} Jacobian entries, more than the {MAX_ENTRIES} "
                           "whose proofs fit the time budget")


def size_problem(g: Graph) -> str | None:
    """Why the graph is too large for SymPy's proofs within the time budget (None if it is not)."""
    if len(g.operations()) > MAX_OPERATIONS:
        return (f"{len(g.operations())} operations, more than the {MAX_OPERATIONS} that keep the graph, its tables "
                "and its proofs readable and quick")
    if _nesting(g) > MAX_NESTING:
        return (f"functions nested {_nesting(g)} deep, more than the {MAX_NESTING} whose derivatives SymPy proves "
                "within the time budget")
    written = _written_out(g)
    if written > MAX_WRITTEN_OUT:
        return (f"an output written out as one formula has {written} nodes, more than the {MAX_WRITTEN_OUT} that "
                "SymPy handles quickly (each use of an earlier name repeats its whole formula)")
    terms = _expanded_terms(g)
    if terms > MAX_TERMS:
        count = f"{terms}" if terms < 10**9 else "a billion or more"
        return (f"multiplied out, a formula or its derivative has about {count} terms, more than the {MAX_TERMS} "
                "that SymPy's proofs expand quickly")
    if _piecewise_depth(g) > MAX_PIECEWISE_DEPTH:
        return (f"leaky_relu nested {_piecewise_depth(g)} deep, more than the {MAX_PIECEWISE_DEPTH} whose SymPy "
                "piecewise form (exponential in the nesting) stays quick")
    return None


def _most_on_a_path(g: Graph, counts) -> int:
    """The most nodes that `counts` on one path through the graph."""
    depth = [0] * len(g.nodes)
    for i, node in enumerate(g.nodes):
        depth[i] = bool(counts(node)) + max((depth[a] for a in node.args), default=0)
    return max(depth, default=0)


def _written_out(g: Graph) -> int:
    """The most nodes of any node's formula with every shared sub-expression written out again."""
    size = [0] * len(g.nodes)
    for i, node in enumerate(g.nodes):
        size[i] = min(1 + sum(size[a] for a in node.args), 10**9)
    return max(size, default=0)


def _expanded_terms(g: Graph) -> int:
    """An estimate of the most terms any node's formula, or its derivative, has multiplied out (sympy.expand).

    A sum adds its operands' terms, a product multiplies them, an integer power n of t terms has up to
    C(t + n - 1, n); a function of anything, or a power with a variable exponent, is one term. The
    derivative follows the product and chain rules: (ab)' has a'b + ab', f(u)' as many as u' (twice as
    many for sigmoid, tanh and tan, whose derivatives are two-term polynomials in themselves).
    """
    cap = 10**9
    terms, slopes = [1] * len(g.nodes), [1] * len(g.nodes)  # of the node's formula, of its derivative
    for i, node in enumerate(g.nodes):
        t, d = [terms[a] for a in node.args], [slopes[a] for a in node.args]
        if node.op in ("add", "sub"):
            terms[i], slopes[i] = t[0] + t[1], d[0] + d[1]
        elif node.op in ("mul", "div"):
            terms[i], slopes[i] = t[0] * t[1], d[0] * t[1] + t[0] * d[1]
        elif node.op == "neg":
            terms[i], slopes[i] = t[0], d[0]
        elif node.op == "pow" and g.nodes[node.args[1]].is_const and g.nodes[node.args[1]].const.is_integer:
            n = abs(int(g.nodes[node.args[1]].const))
            terms[i] = math.comb(t[0] + n - 1, n) if n else 1
            slopes[i] = math.comb(t[0] + n - 2, n - 1) * d[0] if n > 1 else d[0]
        elif node.op == "pow":
            slopes[i] = d[1] + t[1] * d[0]
        elif node.args:  # a function of one or two arguments: f'(u) u', f' of two terms for s(1 - s), 1 - t^2, ...
            slopes[i] = (2 if node.op in ("sigmoid", "tanh", "tan") else 1) * sum(d)
        terms[i], slopes[i] = min(terms[i], cap), min(slopes[i], cap)
    return max(max(terms, default=1), max(slopes, default=1))


def _piecewise_depth(g: Graph) -> int:
    """leaky_relu nodes on one path (each is a SymPy Piecewise)."""
    return _most_on_a_path(g, lambda node: node.op == "leaky_relu")


def _nesting(g: Graph) -> int:
    """Functions (and powers with a variable exponent) on one path: sin(exp(w)) is 2."""
    return _most_on_a_path(g, lambda node: node.op in FUNCTIONS.values() or (
        node.op == "pow" and not g.nodes[node.args[1]].is_const))


def graph(p: Params) -> Graph:
    try:
        g = Graph.parse(program(p.functions), input_names(p.inputs))
    except BadInput:
        raise
    except (ValueError, TypeError) as e:  # SymPy refusing a folded constant, e.g. min(1, sqrt(-2))
        raise BadInput(f"parameter functions: a constant part cannot be computed ({str(e)[:80]})") from None
    for i, node in enumerate(g.nodes):
        try:
            g.tex(i)
        except TypeError:  # the engine's sigmoid does not print raised to a power
            raise BadInput(f"parameter functions: the constant {sp.sstr(node.const)[:40]} cannot be typeset; "
                           "write it another way") from None
    return g


def independent_sympy(pairs: list[tuple[str, str]], symbols: dict[str, sp.Symbol]) -> dict[str, sp.Expr]:
    """Each assignment parsed by SymPy's own parser, earlier names substituted: a second reading."""
    known: dict[str, sp.Expr] = dict(symbols)
    for name, text in pairs:
        known[name] = expr.read(text, known, functions=SYMPY_NAMES, where=f"{name} = ...")
    return {name: known[name] for name, _ in pairs}


def chain_rule_gradient(g: Graph, output: str, symbols: dict[str, sp.Symbol]) -> list[sp.Expr]:
    """Reverse mode run on symbols: the gradient as the graph's chain rule writes it, by hand."""
    exprs = []
    for node in g.nodes:
        exprs.append(symbols[node.name] if node.op == "input" else node.const if node.is_const
                     else OPS[node.op].sympy(*(exprs[a] for a in node.args)))
    adjoint: dict[int, sp.Expr] = {g.names[output]: sp.Integer(1)}
    for i in sorted(g.ancestors(g.names[output]), reverse=True):
        if i not in adjoint:
            continue
        for a in dict.fromkeys(g.nodes[i].args):
            if not g.nodes[a].is_const:
                local = tables.local_partial(g, i, a).subs(
                    {sp.Symbol(g.label(k), real=True): exprs[k] for k in g.ancestors(i)}).doit()  # |.|'s d/dv v
                adjoint[a] = adjoint.get(a, 0) + adjoint[i] * local
    return [adjoint.get(g.names[n], sp.Integer(0)) for n in g.inputs]


# Common mistakes in a local derivative: (which nodes, the wrong derivative of such a node, the explanation).
# A node f(u) is differentiated as `wrong(node, u)` times u' (the inner-factor slip leaves u' out itself).
TRANSPOSED = (r"The Jacobian of $\mathbf f: \mathbb R^n \to \mathbb R^m$ is $m \times n$: row $i$ is the gradient of "
              r"$f_i$, column $j$ holds the derivatives with respect to $w_j$. Stacking the gradients as columns "
              r"gives its transpose, and the chain rule $J_{g \circ f} = J_g J_f$ then multiplies mismatched shapes "
              r"or the wrong entries.")
SLIPS: dict[str, tuple] = {
    "cos-derivative-sign": (
        lambda x: isinstance(x, sp.cos), lambda x, u: sp.sin(u),
        r"The derivative of $\cos u$ is $-\sin(u)\,u'$: the minus sign is easy to drop, and it flips the sign of "
        r"every term that comes through a cosine."),
    "sigmoid-derivative-of-input": (
        lambda x: isinstance(x, sigmoid), lambda x, u: u * (1 - u),
        r"$\sigma'(u) = \sigma(u)(1 - \sigma(u))$ is written with the sigmoid's output, not its input: $u(1 - u)$ "
        r"is a different function (negative for $u > 1$, where $\sigma'$ is always positive)."),
    "power-rule-factor": (
        lambda x: x.is_Pow and x.exp.is_Integer and x.exp >= 2, lambda x, u: u ** (x.exp - 1),
        r"The power rule brings the exponent down: $\frac{d}{du} u^n = n u^{n-1}$. Lowering the exponent without "
        r"the factor $n$ makes that term $n$ times too small."),
    "inner-derivative-dropped": (
        lambda x: isinstance(x, (sp.sin, sp.cos, sp.tan, sp.exp, sp.log, sp.tanh, sigmoid)) and not x.args[0].is_Symbol,
        None,
        r"The chain rule multiplies the outer derivative by the derivative of the inside: $\frac{d}{dw} f(u) = "
        r"f'(u)\,\frac{du}{dw}$. Stopping at $f'(u)$ drops, e.g., <example>."),
}


def inner_factor(outputs: dict[str, sp.Expr], inputs: list[sp.Symbol]) -> str:
    """The first inner derivative that the inner-derivative slip drops, as typeset text:
    'the factor $2 w_{1}$ of $\\ln(...)$ in $\\partial f_{1}/\\partial w_{1}$'."""
    match = SLIPS["inner-derivative-dropped"][0]
    for o, e in outputs.items():
        for node in sp.preorder_traversal(e):
            if match(node):
                for w in inputs:
                    factor = sp.diff(node.args[0], w)
                    if factor not in (0, 1):
                        shown = [sp.latex(v, ln_notation=True) for v in (factor, node, sp.Symbol(o), w)]
                        return rf"the factor ${shown[0]}$ of ${shown[1]}$ in $\partial {shown[2]}/\partial {shown[3]}$"
    return r"the factor $\partial u/\partial w$"


def slipped_diff(e: sp.Expr, var: sp.Symbol, slip: str) -> sp.Expr:
    """de/dvar with one of the SLIPS made at every node it applies to (the nodes are restored afterwards)."""
    match, wrong, _ = SLIPS[slip]
    saved: dict[type, tuple] = {}

    def stand_in(node: sp.Expr) -> sp.Expr:
        """A function of the node's argument whose derivative is the slip; `saved` rebuilds the node."""
        if len(node.args) == 1:
            u, rebuild = node.args[0], node.func
        else:  # u**n
            u, rebuild = node.base, lambda b, n=node.exp: b**n
        t = sp.Dummy("t")
        outer = sp.diff(rebuild(t), t) if wrong is None else wrong(rebuild(t), t)

        def derivative(self, s):
            inner = sp.Integer(1) if wrong is None else sp.diff(self.args[0], s)
            return outer.subs(t, self.args[0]) * inner if self.args[0].has(s) else sp.Integer(0)

        cls = type(f"slip{len(saved)}", (sp.Function,), {"nargs": 1, "_eval_derivative": derivative})
        saved[cls] = rebuild
        return cls(u)

    d = sp.diff(e.replace(match, stand_in), var)
    return d.replace(lambda x: type(x) in saved, lambda x: saved[type(x)](x.args[0]))


def forward_error(d2: float, d3: float, h: float) -> float:
    """Leading terms of (f(x+h) - f(x))/h - f'(x): h f''/2 + h^2 f'''/6 (Taylor)."""
    return h / 2 * d2 + h**2 / 6 * d3


def central_error(d3: float, d5: float, h: float) -> float:
    """Leading terms of (f(x+h) - f(x-h))/(2h) - f'(x): h^2 f'''/6 + h^4 f^(5)/120."""
    return h**2 / 6 * d3 + h**4 / 120 * d5


def solve(p: Params, ctx: Context) -> Solution:
    g = graph(p)
    names = g.inputs
    syms = {n: sp.Symbol(n, real=True) for n in names}
    at = dict(zip(names, p.point))
    exact_at = {syms[n]: exact_decimal(v) for n, v in at.items()}
    try:
        tape = Tape.record(g, at)
    except TypeError as e:  # a constant the engine cannot turn into a float (sigmoid(sin(1)) evaluates as complex)
        raise BadInput(f"a constant of f cannot be evaluated in floating point ({e}); write it another way") from None
    kinks = g.kinks(tape.values)
    if kinks:
        raise BadInput(f"f is not differentiable at {p.point}: {'; '.join(kinks)}"[:300])
    for width in (p.step, p.step / p.refine):
        same_piece(g, at, width)
    formulas = independent_sympy(list(g.lines), syms)
    outs = list(g.outputs)
    local = {o: on_branch(formulas[o], exact_at) for o in outs}  # the smooth piece f is near the point
    F = sp.Matrix([local[o] for o in outs])
    X = [syms[n] for n in names]
    J = F.jacobian(X)
    J_exact = J.subs(exact_at)
    J_num = _real_values(J_exact.evalf(30), f"the Jacobian at {p.point}")
    rounding = [rounding_bound(tape, o, p.point) for o in outs]
    fmt = ", ".join(f"{v:g}" for v in p.point)
    m, n = len(outs), len(names)

    sol = Solution(TOPIC, "Jacobians by automatic differentiation", p.problem, p,
                   notation=Notation(printing={"ln_notation": True}), question=(
        rf"For $\mathbf f = ({', '.join(sp.latex(sp.Symbol(o)) for o in outs)})$ with "
        + "; ".join(rf"${sp.latex(sp.Symbol(o))} = {sp.latex(formulas[o], ln_notation=True)}$" for o in outs)
        + rf": draw the computation graph, evaluate it at $({fmt})$, and find the Jacobian there by "
        r"forward-mode and reverse-mode automatic differentiation, by hand, and by numerical "
        r"differentiation."))

    # (a) the graph
    pa = sol.part("a", "Computation graph", r"Break $\mathbf f$ into elementary operations, one node each.")
    pa.diagram("graph", rf"Computation graph of $\mathbf f$ with the value of every node at $({fmt})$. "
               r"Inputs are circles, outputs have a double border; a constant operand is written into its "
               r"node's label ($\square$ marks where the incoming edge goes).",
               tikz.draw(g, tape.values), tikz.outline(g, tape.values))
    drawn = g.sympy(syms)
    pa.claim("same-function", r"The graph computes the function as written: each output, rebuilt from the "
             r"graph's nodes, equals SymPy's own parse of the formula.",
             _all_equal({o: (explicit(drawn[o]), formulas[o]) for o in outs}), aside=True)
    used = {g.nodes[i].op for i in g.operations()}
    listed = [s.strip() for s in p.node_ops.split(",") if s.strip()]  # known names only (check_node_ops)
    allowed = {FUNCTIONS.get(s, s) for s in listed}
    if allowed and used - allowed - {"neg"}:
        missing = ", ".join(sorted(used - allowed - {"neg"})).replace("_", r"\_")
        pa.erratum(rf"the graph's nodes should be the operations {{{', '.join(listed)}}}.".replace("_", r"\_"),
                   rf"the function also needs {missing}: that set cannot express it.",
                   rf"the graph uses {missing} nodes as well (parameter \texttt{{node\_ops}}).")
    for op in sorted({g.nodes[i].op for i in g.operations() if OPS[g.nodes[i].op].kink}):
        pa.text(rf"The ${OPS[op].symbol}$ node is differentiated piecewise: {OPS[op].kink}. "
                rf"At $({fmt})$ no such node sits on its kink, so $\mathbf f$ is differentiable there.")

    # (b) values
    pb = sol.part("b", "Value at the point",
                  rf"Evaluate every intermediate at $({fmt})$ (the graph of (a) shows them on its nodes).")
    pb.table(["node", "operation", "value"], tables.trace_rows(g, tape.values),
             caption=rf"The evaluation trace at $({fmt})$, in the order the graph computes it.", aside=True)
    values = [tape.values[g.names[o]] for o in outs]
    exact_values = [formulas[o].subs(exact_at) for o in outs]  # (nsimplify would round 1 - 1e-12 to 1)
    values_atol = 1e-14 + np.array(rounding)
    for o, v, ev, tol in zip(outs, values, exact_values, values_atol):
        pb.claim(f"value-{o}", rf"Value at $({fmt})$: ${sp.latex(sp.Symbol(o))} = "
                 rf"{sp.latex(ev, ln_notation=True)} \approx {quote(pb, ev, f'value-{o}')}$",
                 prove.close(v, float(ev), rtol=1e-12, atol=tol,
                             what=f"graph's float {o} against SymPy's exact value (and its rounding bound)"),
                 value=ev)
    sol.answer("f", exact_values, claims=tuple(f"b.value-{o}" for o in outs),
               check=witness.close_all(values, rtol=1e-12, atol=values_atol, what="the graph's forward pass"))

    # (c) automatic differentiation
    pc = sol.part("c", "Jacobian by automatic differentiation",
                  r"Forward mode pushes a tangent through the graph once per input (dual numbers); reverse mode "
                  r"records the tape once and sweeps adjoints back from each output.")
    passes = [tables.tangent_rows(g, forward_pass(g, at, {name: 1.0})) for name in names]
    pc.table(["tangent", "rule", *(rf"seed $\dot{{{sp.latex(syms[name])}}} = 1$" for name in names)],
             [passes[0][k][:2] + [rows[k][2] for rows in passes] for k in range(len(passes[0]))],
             caption=r"Forward passes, one per input: the seeded input's tangent is $1$, the others' $0$; "
             r"each value column's output tangents are the column $\partial\mathbf f/\partial w_j$ of "
             r"the seeded input.")
    fwd = np.array(forward_jacobian(g, at))
    pc.claim("forward", rf"Forward mode ({n} passes, one per input) gives SymPy's exact Jacobian (worked by "
             r"hand in (d)) to rounding.",
             prove.close_all(fwd, J_num, rtol=1e-12, atol=1e-14, what="forward mode against SymPy"))

    sweeps = {}  # output -> {node: [adjoint, rule, value]}, one backward sweep each
    for o in outs:
        ids = sorted((i for i in g.ancestors(g.names[o]) if not g.nodes[i].is_const), reverse=True)
        sweeps[o] = dict(zip(ids, tables.adjoint_rows(g, tape.backward(o), o), strict=True))
    nodes = sorted(set().union(*sweeps.values()), reverse=True)
    pc.table(["adjoint", *(c for o in outs for c in (rf"rule, from $\bar{{{sp.latex(sp.Symbol(o))}}} = 1$",
                                                     "value"))],
             [[next(sweeps[o][i][0] for o in outs if i in sweeps[o]),
               *(c for o in outs for c in (sweeps[o][i][1:] if i in sweeps[o] else ["", ""]))] for i in nodes],
             caption=r"Backward sweeps over one tape, one per output: seeding the output's adjoint with $1$ "
             r"gives the input adjoints of its row of $J$ (a blank: the output does not depend on that node).")
    rev = np.array(reverse_jacobian(g, at))
    pc.claim("reverse", rf"Reverse mode ({m} sweeps over one tape, one per output) gives the same "
             r"Jacobian to rounding.",
             prove.close_all(rev, J_num, rtol=1e-12, atol=1e-14, what="reverse mode against SymPy"))
    sol.answer("jacobian", [[J_exact[i, j] for j in range(n)] for i in range(m)], claims=("c.forward", "c.reverse"),
               check=witness.both(witness.close_all(fwd, rtol=1e-12, atol=1e-14, what="forward mode"),
                                  witness.close_all(rev, rtol=1e-12, atol=1e-14, what="reverse mode")))
    wrong = {"transposed": (J_exact.T, TRANSPOSED)}
    smooth = {o: on_branch(drawn[o], exact_at) for o in outs}
    example = inner_factor(smooth, X)  # the inner-derivative slip's explanation names a factor of this f
    for slip, (_, _, explanation) in SLIPS.items():
        slipped = sp.Matrix([[slipped_diff(smooth[o], syms[nm], slip) for nm in names] for o in outs])
        wrong[slip] = (explicit(slipped).subs(exact_at), explanation.replace("<example>", example))
    for slip, (value, explanation) in wrong.items():
        value = value.tolist()
        if not judge(value, sol.results["jacobian"].value, sol.results["jacobian"].rtol)[0]:  # the slip changes J
            sol.misconception("jacobian", slip, value, explanation)

    # (d) by hand
    pd = sol.part("d", "Jacobian by hand", r"Differentiate each output by the chain rule.")
    kinked = any(local[o] != formulas[o] for o in outs)
    if kinked:
        pd.text(r"Near the point every $\max$, $\min$, ReLU and $|\cdot|$ node stays on one side of its kink "
                r"(checked out to the finite-difference steps of (e)), so $\mathbf f$ equals there the smooth "
                r"function that takes each such node's active branch: SymPy differentiates that one, and each "
                r"bracket $[a > 0]$ of the chain rule is its value at the point.")
    budget = min(prove.SYMBOLIC_BUDGET_S, PROOFS_BUDGET_S / (2 * m * n))  # two proofs per entry
    for o in outs:
        by_hand = chain_rule_gradient(g, o, syms)
        for j, name in enumerate(names):
            d = sp.diff(local[o], syms[name])
            hand = on_branch(explicit(by_hand[j]), exact_at)
            i = outs.index(o)
            lhs = rf"\frac{{\partial {sp.latex(sp.Symbol(o))}}}{{\partial {sp.latex(syms[name])}}}"
            shown = quote(pd, J_num[i, j], f"d{o}-d{name}")
            # printed: the chain rule's own expression (its brackets [a > 0] are taken at the point, `hand`,
            # to be proved equal to SymPy's derivative), then that derivative and its value at the point
            pd.chain(f"d{o}-d{name}", lhs, aside=True) \
                .define(None, _printable(by_hand[j]), "chain rule along the graph") \
                .step(None, d, "SymPy differentiates the formula" + (" (active branches)" if kinked else ""),
                      verdict=prove.equal(hand, d, budget=budget)) \
                .step(None, J_exact[i, j], rf"at $({fmt})$: $\approx {shown}$",
                      verdict=prove.equal(d.subs(exact_at), J_exact[i, j], budget=budget))
    pd.text(r"The chain rule along the graph (worked entry by entry in the appendix) gives "
            rf"\[J = \frac{{\partial\mathbf f}}{{\partial\mathbf w}} = "
            rf"{sp.latex(J_exact, mat_delim='(', ln_notation=True)} \approx {_matrix_tex(pd, J_num, outs, names)}.\]")


    # (e) finite differences
    pe = sol.part("e", "Numerical differentiation",
                  rf"Estimate $J$ with the step $\Delta w = {power_of_ten(p.step)}$ and explain the error.")
    f_np = sp.lambdify([X], list(F), "numpy")  # f itself out to the steps (same_piece)
    x0 = np.array(p.point, float)
    h, k = p.step, p.refine
    fwd_fd, cen_fd = fd.forward_jacobian(f_np, x0, h), fd.central_jacobian(f_np, x0, h)
    derivs = higher_derivatives(F, X, p.point, (2, 3, 4, 5, 6, 7))
    # Taylor: the forward error is the sum of terms[r] over r >= 2, the central one over odd r >= 3.
    terms = {r: h ** (r - 1) / math.factorial(r) * derivs[r] for r in derivs}
    _taylor_converges(terms, h)
    pred_fwd = forward_error(derivs[2], derivs[3], h)
    pred_cen = central_error(derivs[3], derivs[5], h)
    rows = []
    for i, o in enumerate(outs):
        for j, name in enumerate(names):
            rows.append([rf"$\partial {sp.latex(sp.Symbol(o))}/\partial {sp.latex(syms[name])}$",
                         f"${J_num[i, j]:.6f}$", f"${fwd_fd[i, j]:.6f}$", _sci(fwd_fd[i, j] - J_num[i, j]),
                         _sci(pred_fwd[i, j]), f"${cen_fd[i, j]:.6f}$", _sci(cen_fd[i, j] - J_num[i, j])])
    pe.table(["entry", "exact", "forward", "error", "predicted", "central", "error"],
             rows, caption=rf"Finite differences with $h = {power_of_ten(h)}$: forward $(f(w + h e_j) - f(w))/h$ and "
             r"central $(f(w + h e_j) - f(w - h e_j))/(2h)$, computed from a NumPy version of the formula; "
             r"predicted: the truncation terms $\frac{h}{2} f'' + \frac{h^2}{6} f'''$.")
    pe.text(r"The forward difference is the usual reading (central beside it); by Taylor their errors are "
            r"$\frac h2 f'' + \frac{h^2}{6} f''' + O(h^3)$ and $\frac{h^2}{6} f''' + O(h^4)$.")
    ulps = 1e-15 * np.maximum(1.0, np.abs(np.asarray(f_np(x0), float)))[:, None]  # rounding of f, per output
    scale = max(1.0, float(np.max(np.abs(derivs[4])))) * h**3 + 1e-10
    fwd_atol = scale + 2 * (abs(terms[5]) + abs(terms[6]) + abs(terms[7])) + ulps / h
    pe.claim("forward-error", r"The forward-difference errors equal their predicted truncation terms "
             r"$\frac h2 f'' + \frac{h^2}6 f'''$ (to the next order, $h^3$).",
             prove.close_all(fwd_fd - J_num, pred_fwd, rtol=0.02, atol=fwd_atol,
                             what="forward error vs prediction"), aside=True)
    # the claim's inequality as a function of the offered estimate D: |D - (J + predicted error)| <= tolerance
    sol.answer("forward difference", fwd_fd.tolist(), claims=("e.forward-error",),
               check=witness.close_all(J_num + pred_fwd, rtol=0.0, atol=fwd_atol + 0.02 * np.abs(pred_fwd),
                                       what="exact Jacobian plus the predicted truncation error"))
    pe.claim("central-error", r"The central-difference errors equal their predicted terms "
             r"$\frac{h^2}6 f''' + \frac{h^4}{120} f^{(5)}$ (to rounding).",
             prove.close_all(cen_fd - J_num, pred_cen, rtol=0.02, atol=1e-9 + scale * h + 2 * abs(terms[7]) + ulps / h,
                             what="central error vs prediction"), aside=True)
    fwd_small = fd.forward_jacobian(f_np, x0, h / k) - J_num
    cen_small = fd.central_jacobian(f_np, x0, h / k) - J_num
    # An order is measured on the entries whose leading term is 20 times the next ones at h and 50 times
    # the rounding at h/k: the two errors' ratio is then k (or k^2) within about 5%, the order within 0.07.
    lead = (np.abs(h / 2 * derivs[2]), np.abs(h**2 / 6 * derivs[3]))
    masks = ((np.abs(pred_fwd) > 1e-7) & (lead[0] > 20 * (np.abs(h**2 / 6 * derivs[3]) + np.abs(h**3 / 24 * derivs[4])))
             & (lead[0] / k > 50 * ulps * k / h),
             (np.abs(pred_cen) > 1e-9) & (lead[1] > 20 * np.abs(h**4 / 120 * derivs[5]))
             & (lead[1] / k**2 > 50 * ulps * k / h))
    orders = (fd.observed_order((fwd_fd - J_num)[masks[0]], fwd_small[masks[0]], k),
              fd.observed_order((cen_fd - J_num)[masks[1]], cen_small[masks[1]], k))
    if orders[0].size or orders[1].size:
        listed = [", ".join(f"{x:.3f}" for x in o) or "none" for o in orders]
        pe.claim("orders", rf"Dividing the step by ${k:g}$ divides the forward error by about ${k:g}$ (order 1) and "
                 rf"the central error by about ${k:g}^2$ (order 2): measured orders {listed[0]} and {listed[1]}"
                 + ("." if masks[0].all() and masks[1].all() else
                    r" (on the entries whose leading truncation term dominates the next terms and rounding)."),
                 prove.close_all(orders[0], np.ones_like(orders[0]), rtol=0, atol=0.1, what="forward order")
                 & prove.close_all(orders[1], 2 * np.ones_like(orders[1]), rtol=0, atol=0.1, what="central order"),
                 aside=True)
    else:
        pe.text(rf"At $h = {power_of_ten(h)}$ and $h/{k:g}$ no entry's leading truncation term dominates both the next "
                r"Taylor terms and rounding, so the orders are not measured here.")
    steps = np.logspace(-1, -9, 33)
    steps = steps[steps <= h] if kinked else steps  # beyond h a kink may come between f and its smooth piece
    with np.errstate(all="ignore"):  # a step above h may leave f's domain: that point is not drawn
        errs = {"forward": [np.max(np.abs(fd.forward_jacobian(f_np, x0, s) - J_num)) for s in steps],
                "central": [np.max(np.abs(fd.central_jacobian(f_np, x0, s) - J_num)) for s in steps]}
    pe.figure("fd-error", r"Largest finite-difference error over the Jacobian's entries against the step $h$. "
              r"Truncation error falls like $h$ (forward) and $h^2$ (central) until rounding error, about "
              rf"$\epsilon/h$, takes over; the dashed line marks the step of (e), $h = {h:g}$.",
              lambda path: _plot_errors(path, steps, errs, h), aside=True)

    # (f) discussion
    pf = sol.part("f", "Autodiff, by hand, or numerically?",
                  r"Compare automatic, manual and numerical differentiation.")
    worst_fd = float(np.max(np.abs(fwd_fd - J_num)))
    worst_ad = float(max(np.max(np.abs(fwd - J_num)), np.max(np.abs(rev - J_num))))
    # the largest of the entrywise bounds checked in (c) and (e)
    pf.claim("autodiff-error", "The largest error of forward and reverse mode is within their rounding bound.",
             prove.close(worst_ad, 0.0, rtol=0.0, atol=1e-14 + 1e-12 * float(np.max(np.abs(J_num))),
                         what="largest autodiff error"), value=worst_ad, aside=True)
    pf.claim("difference-error", "The largest forward-difference error is the largest predicted truncation term.",
             prove.close(worst_fd, float(np.max(np.abs(pred_fwd))), rtol=0.02, atol=float(np.max(fwd_atol)),
                         what="largest forward-difference error"), value=worst_fd, aside=True)
    pf.text(
        rf"Autodiff is exact to rounding (here within ${pf.quote(worst_ad, of='autodiff-error', spec='.2e')}$, "
        rf"against ${pf.quote(worst_fd, of='difference-error', spec='.2e')}$ for the "
        rf"forward difference with $h = {power_of_ten(h)}$) and needs no step: forward mode costs one pass per "
        rf"input (here {n}), reverse mode one sweep per output (here {m}), so backpropagation gets a loss's "
        r"whole gradient for a few forward passes. Hand formulas swell with depth and carry slips; numerical "
        r"differences cost an evaluation per parameter and trade truncation against rounding, but make a good "
        r"gradient check.")
    return sol


def higher_derivatives(F: sp.Matrix, X: list[sp.Symbol], point: tuple,
                       orders: tuple[int, ...]) -> dict[int, np.ndarray]:
    """d^r F_i/dx_j^r at the point for each order r, by mpmath's 40-digit differences of the formula.

    Differentiating five times symbolically swells with the formula (the fifth derivative of a
    product of n factors has C(n+4, 5) terms); 40-digit differences cost a few dozen evaluations
    per entry, whatever the formula.
    """
    out = {r: np.empty((F.rows, len(X))) for r in orders}
    with mpmath.workdps(40):
        at = [mpmath.mpf(repr(float(v))) for v in point]  # the decimal as written, as exact_decimal reads it
        for i in range(F.rows):
            f = sp.lambdify(X, F[i], "mpmath")
            for j in range(len(X)):
                ds = list(mpmath.diffs(lambda t, f=f, j=j: f(*(a + t if c == j else a for c, a in enumerate(at))),
                                       0, max(orders)))
                for r in orders:
                    if not (isinstance(ds[r], mpmath.mpf) and abs(ds[r]) < 1e300):
                        raise BadInput(f"f's derivative of order {r} along {X[j]} is not a finite real number "
                                       f"at {point}")
                    out[r][i, j] = float(ds[r])
    return out


def on_branch(e: sp.Expr, at: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """`e` with each max, min, |.|, sign, piecewise and step function replaced by its branch active at `at`.

    Off the kinks (the caller makes sure) this is the smooth function that equals `e` near the point,
    so its derivatives are e's there, and proving things about it needs no case analysis.
    """
    def value(a: sp.Expr) -> sp.Expr:
        return sp.N(a.subs(at), 30)

    def branch(node: sp.Expr) -> sp.Expr:
        if isinstance(node, sp.Max):
            return max(node.args, key=value)
        if isinstance(node, sp.Min):
            return min(node.args, key=value)
        if isinstance(node, sp.Abs):
            return node.args[0] if value(node.args[0]) > 0 else -node.args[0]
        if isinstance(node, sp.Piecewise):
            return next(piece for piece, cond in node.args if bool(cond.subs(at)))
        if isinstance(node, sp.sign):
            return sp.Integer(1 if value(node.args[0]) > 0 else -1)
        return sp.Integer(1 if value(node.args[0]) > 0 else 0)  # Heaviside, a step [a > 0]

    kinds = (sp.Max, sp.Min, sp.Abs, sp.Piecewise, sp.Heaviside, sp.sign)
    while e.has(*kinds):  # again: SymPy may rebuild a resolved node into a new one, |2 w| into 2 |w|
        e = e.replace(lambda node: isinstance(node, kinds), branch)
    return e


def _real_values(values: sp.Matrix, what: str) -> np.ndarray:
    """Exact values as floats; a complex, infinite or undefined entry is bad input (f not differentiable)."""
    for v in values:
        if not (v.is_real and v.is_finite and abs(v) < 1e300):
            raise BadInput(f"f is not differentiable there: an entry of {what} is {sp.sstr(v)[:40]}")
    return np.array(values.tolist(), dtype=float)


def _taylor_converges(terms: dict[int, np.ndarray], h: float) -> None:
    """Refuse a step at which f's Taylor terms stop shrinking: a pole or a steep stretch is within reach.

    The checks of (e) take the omitted terms as bounded by twice the first ones left out, which holds
    while each odd term is at most half the one two orders before.
    """
    growing = (np.abs(terms[7]) > 0.5 * np.abs(terms[5]) + 1e-12) | (np.abs(terms[5]) > 0.5 * np.abs(terms[3]) + 1e-9)
    if growing.any():
        raise BadInput(f"the step {h:g} is too large for f at this point: its Taylor terms do not shrink with the "
                       "order (a pole or a steep stretch is within reach); take a smaller step")


def rounding_bound(tape: Tape, output: str, point: tuple) -> float:
    """How far rounding alone may move the output, to first order; refused beyond 1e-10 relative.

    Rounding node k's value by a relative eps moves the output by eps |adjoint_k v_k|, so the sum over
    the nodes bounds what floating point promises. It is large near a pole or where large terms cancel,
    and beyond 1e-10 the derivatives' checks to 1e-12 could not hold either.
    """
    adjoints = tape.backward(output)
    bound = 2.3e-16 * math.fsum(abs(a * v) for a, v in zip(adjoints, tape.values) if math.isfinite(a * v))
    value = tape.values[tape.graph.names[output]]
    if bound > 1e-10 * abs(value) + 1e-12:
        raise BadInput(f"f is ill-conditioned at {point}: rounding alone may move {output} = {value:.6g} by about "
                       f"{bound:.1g}, beyond the accuracy its checks claim (near a pole, or large terms cancelling)")
    return bound


def _branches(g: Graph, values: list[float]) -> tuple:
    """Which piece of f the values lie on: the side of each kink (max, min, ReLU, |.|, leaky ReLU) and
    of each pole (a divisor's or a power base's sign, tan's period)."""
    def side(node) -> object:
        a = [values[k] for k in node.args]
        if node.op in ("max", "min"):
            return a[0] >= a[1]
        if node.op == "div":
            return a[1] > 0
        if node.op == "tan":
            return math.floor(a[0] / math.pi + 0.5)
        if node.op == "pow" and float(a[1]).is_integer() and a[1] >= 0:
            return None  # a polynomial power is smooth through 0
        return a[0] > 0  # relu, abs, leaky_relu, a power's base

    kinds = ("max", "min", "relu", "abs", "leaky_relu", "div", "pow", "tan")
    return tuple(side(g.nodes[i]) for i in g.operations() if g.nodes[i].op in kinds)


def same_piece(g: Graph, at: dict[str, float], h: float) -> None:
    """The finite-difference points w +- h e_j lie in f's domain, on the same piece of f as w."""
    here = _branches(g, g.evaluate(at))
    for name in g.inputs:
        for sign in (1, -1):
            where = f"the finite-difference point {name} {'+' if sign > 0 else '-'} {h:g}"
            try:
                there = _branches(g, g.evaluate({**at, name: at[name] + sign * h}))
            except BadInput as e:
                raise BadInput(f"{where}: {e}"[:300]) from None
            if there != here:
                raise BadInput(f"{where} lies across a kink or a pole of f (a max, min, ReLU, |.|, a divisor "
                               "or power base changing sign, tan's period): take a smaller step or another point")


def _printable(e: sp.Expr) -> sp.Expr:
    """An expression over the graph's operations as it can be printed: with a power of sigma, every sigma
    the generic function sigma (printed sigma^2(a)); the engine's sigmoid prints itself, but not raised
    to a power."""
    if any(isinstance(power.base, sigmoid) for power in e.atoms(sp.Pow)):
        e = e.replace(sigmoid, sp.Function("sigma"))
    return e


def _all_equal(pairs: dict[str, tuple[sp.Expr, sp.Expr]]):
    return prove.proved_for_each({o: (lambda a=a, b=b: prove.equal(a, b)) for o, (a, b) in pairs.items()},
                                 "graph against formula")


def _sci(x: float) -> str:
    mantissa, exponent = f"{x:.2e}".split("e")
    return rf"${mantissa} \times 10^{{{int(exponent)}}}$"


def _matrix_tex(part, a: np.ndarray, outs: list[str], names: tuple[str, ...]) -> str:
    """The Jacobian's values, each quoted as the value its entry's chain of (d) checked."""
    rows = r" \\ ".join(" & ".join(quote(part, x, f"d.d{o}-d{name}") for x, name in zip(row, names))
                         for row, o in zip(a, outs))
    return rf"\begin{{pmatrix}} {rows} \end{{pmatrix}}"


def _plot_errors(path, steps, errs, h) -> None:
    with figures.figure(path) as (fig, ax):
        for name, e in errs.items():
            ax.loglog(steps, e, **figures.style(f"{name} difference", ms=3, lw=1), label=f"{name} difference")
        ax.axvline(h, color="k", ls="--", lw=0.8, label=f"the step of (e), $h = {power_of_ten(h)}$")
        ax.set_xlabel("step $h$")
        ax.set_ylabel(r"max $|$error$|$ over the Jacobian")
        ax.legend(loc="best")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
