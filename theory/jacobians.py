"""Jacobians of a small vector function by autodiff, by hand and by finite differences.

One recorded graph (theory.autodiff) gives the values of every intermediate,
the forward-mode tangents, the reverse-mode adjoints and the drawing. SymPy,
parsing the same text on its own, gives the exact Jacobian; finite
differences of a NumPy version give the numerical one, whose error is
compared with its predicted truncation term.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import finite_differences as fd
from theory.autodiff import Graph, Tape, forward_jacobian, forward_pass, reverse_jacobian, tables, tikz
from theory.autodiff.ops import OPS, SYMPY_NAMES, explicit
from theory.core import expr, figures, prove
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.params import Parameters, param
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


def check_program(text: str) -> str | None:
    """A parameter check: 'name = expression' lines that parse (`program` raises BadInput with the reason)."""
    program(text)
    return None


@dataclass(frozen=True)
class Params(Parameters):
    functions: str = param(CS7643, "the vector function, as 'name = expression' assignments separated by ';'",
                           check=check_program)
    inputs: str = param("w1, w2", "the input variables, comma separated")
    point: tuple = param((1.0, 2.0), "the point at which everything is evaluated")
    step: float = param(0.01, "finite-difference step Delta w", lo=0.0, hi=1.0, lo_open=True)
    refine: float = param(10.0, "factor k: the order of accuracy is measured from steps h and h/k",
                          lo=2.0, hi=1000.0)
    node_ops: str = param("", "the operations the sheet allows as graph nodes (comma separated; empty: any)")
    problem: str = param("cs7643-ps2, Question 4", "which sheet question this instance answers")

    def __post_init__(self) -> None:
        super().__post_init__()
        names = input_names(self.inputs)
        if len(self.point) != len(names):
            raise BadInput(f"parameter point has {len(self.point)} coordinates but there are "
                           f"{len(names)} inputs ({', '.join(names)})")
        graph(self)  # a bad expression or name is bad input now, not at solve time


def graph(p: Params) -> Graph:
    return Graph.parse(program(p.functions), input_names(p.inputs))


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
                    {sp.Symbol(g.label(k), real=True): exprs[k] for k in g.ancestors(i)})
                adjoint[a] = adjoint.get(a, 0) + adjoint[i] * local
    return [adjoint.get(g.names[n], sp.Integer(0)) for n in g.inputs]


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
    exact_at = {syms[n]: sp.nsimplify(v) for n, v in at.items()}
    formulas = independent_sympy(list(g.lines), syms)
    outs = list(g.outputs)
    F = sp.Matrix([formulas[o] for o in outs])
    X = [syms[n] for n in names]
    J = F.jacobian(X)
    J_exact = J.subs(exact_at)
    J_num = np.array(J_exact.evalf(30).tolist(), dtype=float)
    tape = Tape.record(g, at)
    kinks = g.kinks(tape.values)
    if kinks:
        raise BadInput(f"f is not differentiable at {p.point}: {'; '.join(kinks)}")
    fmt = ", ".join(f"{v:g}" for v in p.point)
    m, n = len(outs), len(names)

    sol = Solution(TOPIC, "Jacobians by automatic differentiation", p.problem, p, question=(
        rf"For $\mathbf f = ({', '.join(sp.latex(sp.Symbol(o)) for o in outs)})$ with "
        + "; ".join(rf"${sp.latex(sp.Symbol(o))} = {sp.latex(formulas[o], ln_notation=True)}$" for o in outs)
        + rf": draw the computation graph, evaluate it at $({fmt})$, and find the Jacobian there by "
        r"numerical differentiation, by forward-mode and by reverse-mode automatic differentiation, "
        r"and by hand."))

    # (a) graph and values
    pa = sol.part("a", "Computation graph and forward pass",
                  rf"Break $\mathbf f$ into elementary operations and evaluate every intermediate at $({fmt})$.")
    pa.diagram("graph", rf"Computation graph of $\mathbf f$ with the value of every node at $({fmt})$. "
               r"Inputs are circles, outputs have a double border; a constant operand is written into its "
               r"node's label ($\square$ marks where the incoming edge goes).",
               tikz.draw(g, tape.values), tikz.outline(g, tape.values))
    pa.table(["node", "operation", "value"], tables.trace_rows(g, tape.values),
             caption=rf"The evaluation trace at $({fmt})$, in the order the graph computes it.")
    drawn = g.sympy(syms)
    pa.claim("same-function", r"The graph computes the function as written: each output, rebuilt from the "
             r"graph's nodes, equals SymPy's own parse of the formula.",
             _all_equal({o: (explicit(drawn[o]), formulas[o]) for o in outs}))
    values = [tape.values[g.names[o]] for o in outs]
    exact_values = [sp.nsimplify(formulas[o].subs(exact_at)) for o in outs]
    pa.claim("values", rf"Value at $({fmt})$: " + ", ".join(
        rf"${sp.latex(sp.Symbol(o))} = {sp.latex(ev)} \approx {float(ev):.6g}$" for o, ev in zip(outs, exact_values)),
        prove.close_all(values, [float(v) for v in exact_values], rtol=1e-12, atol=1e-14,
                        what="graph's float values against SymPy's exact values"))
    used = {g.nodes[i].op for i in g.operations()}
    allowed = {s.strip() for s in p.node_ops.split(",") if s.strip()}
    if allowed and used - allowed - {"neg"}:
        missing = ", ".join(sorted(used - allowed - {"neg"}))
        pa.erratum(rf"the graph's nodes should be the operations {{{p.node_ops}}}.",
                   rf"the function also needs {missing}: that set cannot express it.",
                   rf"the graph uses {missing} nodes as well (parameter \texttt{{node\_ops}}).")
    for op in sorted({g.nodes[i].op for i in g.operations() if OPS[g.nodes[i].op].kink}):
        pa.text(rf"The ${OPS[op].symbol}$ node is differentiated piecewise: {OPS[op].kink}. "
                rf"At $({fmt})$ no such node sits on its kink, so $\mathbf f$ is differentiable there.")

    # (b) by hand
    pb = sol.part("b", "Jacobian by hand", r"Differentiate each output by the chain rule.")
    for o in outs:
        by_hand = chain_rule_gradient(g, o, syms)
        for j, name in enumerate(names):
            d = sp.diff(formulas[o], syms[name])
            lhs = rf"\frac{{\partial {sp.latex(sp.Symbol(o))}}}{{\partial {sp.latex(syms[name])}}}"
            pb.chain(f"d{o}-d{name}", lhs) \
                .define(sp.latex(by_hand[j]), explicit(by_hand[j]), "chain rule along the graph") \
                .step(sp.latex(d), d, "SymPy differentiates the formula") \
                .step(rf"{sp.latex(J_exact[outs.index(o), j])} \approx {J_num[outs.index(o), j]:.6g}",
                      J_exact[outs.index(o), j], rf"at $({fmt})$", given=exact_at)
    pb.text(rf"So $J = \partial\mathbf f/\partial\mathbf w = {sp.latex(J_exact)} \approx "
            rf"{_matrix_tex(J_num)}$.")
    sol.answer("f", dict(zip(outs, exact_values)))
    sol.answer("jacobian", [[J_exact[i, j] for j in range(n)] for i in range(m)])

    # (c) forward mode
    pc = sol.part("c", "Forward mode", r"Push a tangent through the graph once per input (dual numbers).")
    for name in names:
        duals = forward_pass(g, at, {name: 1.0})
        pc.table(["tangent", "rule", "value"], tables.tangent_rows(g, duals),
                 caption=rf"Forward pass with seed $\dot{{{sp.latex(syms[name])}}} = 1$ (other inputs 0): "
                 rf"the output tangents are the column $\partial\mathbf f/\partial {sp.latex(syms[name])}$.")
    fwd = np.array(forward_jacobian(g, at))
    pc.claim("jacobian", rf"Forward mode ({n} passes, one per input) gives $J \approx {_matrix_tex(fwd)}$, "
             r"the exact Jacobian to rounding.", prove.close_all(fwd, J_num, rtol=1e-12, atol=1e-14,
                                                                 what="forward mode against SymPy"))

    # (d) reverse mode
    pd = sol.part("d", "Reverse mode", r"Record the tape once, then sweep adjoints back from each output.")
    for o in outs:
        pd.table(["adjoint", "rule", "value"], tables.adjoint_rows(g, tape.backward(o), o),
                 caption=rf"Backward sweep from $\bar{{{sp.latex(sp.Symbol(o))}}} = 1$: the input adjoints are "
                 rf"the row $\nabla {sp.latex(sp.Symbol(o))}$. Only nodes that ${sp.latex(sp.Symbol(o))}$ "
                 r"depends on appear.")
    rev = np.array(reverse_jacobian(g, at))
    pd.claim("jacobian", rf"Reverse mode ({m} sweeps over one tape, one per output) gives "
             rf"$J \approx {_matrix_tex(rev)}$, the exact Jacobian to rounding.",
             prove.close_all(rev, J_num, rtol=1e-12, atol=1e-14, what="reverse mode against SymPy"))

    # (e) finite differences
    pe = sol.part("e", "Numerical differentiation",
                  rf"Estimate $J$ with the step $\Delta w = {p.step:g}$ and explain the error.")
    f_np = sp.lambdify([X], list(F), "numpy")
    x0 = np.array(p.point, float)
    h, k = p.step, p.refine
    fwd_fd, cen_fd = fd.forward_jacobian(f_np, x0, h), fd.central_jacobian(f_np, x0, h)
    derivs = {r: np.array([[float(sp.diff(F[i], X[j], r).subs(exact_at).evalf(30)) for j in range(n)]
                           for i in range(m)]) for r in (2, 3, 4, 5)}
    pred_fwd = forward_error(derivs[2], derivs[3], h)
    pred_cen = central_error(derivs[3], derivs[5], h)
    rows = []
    for i, o in enumerate(outs):
        for j, name in enumerate(names):
            rows.append([rf"$\partial {sp.latex(sp.Symbol(o))}/\partial {sp.latex(syms[name])}$",
                         f"${J_num[i, j]:.6f}$", f"${fwd_fd[i, j]:.6f}$", _sci(fwd_fd[i, j] - J_num[i, j]),
                         _sci(pred_fwd[i, j]), f"${cen_fd[i, j]:.6f}$", _sci(cen_fd[i, j] - J_num[i, j])])
    pe.table(["entry", "exact", "forward", "error", "predicted", "central", "error"],
             rows, caption=rf"Finite differences with $h = {h:g}$: forward $(f(w + h e_j) - f(w))/h$ and "
             r"central $(f(w + h e_j) - f(w - h e_j))/(2h)$, computed from a NumPy version of the formula; "
             r"predicted: the truncation terms $\frac{h}{2} f'' + \frac{h^2}{6} f'''$.")
    pe.text(r"The sheet does not say which difference to use; the forward difference is the usual reading "
            r"and the central one is shown beside it. Taylor's theorem gives their errors: "
            r"$\frac{f(w+h)-f(w)}{h} - f'(w) = \frac h2 f''(w) + \frac{h^2}{6} f'''(w) + O(h^3)$ and "
            r"$\frac{f(w+h)-f(w-h)}{2h} - f'(w) = \frac{h^2}{6} f'''(w) + O(h^4)$.")
    scale = max(1.0, float(np.max(np.abs(derivs[4])))) * h**3 + 1e-10
    pe.claim("forward-error", r"The forward-difference errors equal their predicted truncation terms "
             r"$\frac h2 f'' + \frac{h^2}6 f'''$ (to the next order, $h^3$).",
             prove.close_all(fwd_fd - J_num, pred_fwd, rtol=0.02, atol=scale, what="forward error vs prediction"))
    pe.claim("central-error", r"The central-difference errors equal their predicted terms "
             r"$\frac{h^2}6 f''' + \frac{h^4}{120} f^{(5)}$ (to rounding).",
             prove.close_all(cen_fd - J_num, pred_cen, rtol=0.02, atol=1e-9 + scale * h,
                             what="central error vs prediction"))
    fwd_small = fd.forward_jacobian(f_np, x0, h / k) - J_num
    cen_small = fd.central_jacobian(f_np, x0, h / k) - J_num
    mask = (np.abs(pred_fwd) > 1e-7) & (np.abs(pred_cen) > 1e-9)
    orders = (fd.observed_order((fwd_fd - J_num)[mask], fwd_small[mask], k),  # entries with a truncation error
              fd.observed_order((cen_fd - J_num)[mask], cen_small[mask], k))
    pe.claim("orders", rf"Dividing the step by ${k:g}$ divides the forward error by about ${k:g}$ (order 1) and "
             rf"the central error by about ${k * k:g}$ (order 2): measured orders "
             rf"{', '.join(f'{x:.3f}' for x in orders[0])} and {', '.join(f'{x:.3f}' for x in orders[1])}.",
             prove.close_all(orders[0], np.ones_like(orders[0]), rtol=0, atol=0.1, what="forward order")
             & prove.close_all(orders[1], 2 * np.ones_like(orders[1]), rtol=0, atol=0.1, what="central order"))
    steps = np.logspace(-1, -9, 33)
    errs = {"forward": [np.max(np.abs(fd.forward_jacobian(f_np, x0, s) - J_num)) for s in steps],
            "central": [np.max(np.abs(fd.central_jacobian(f_np, x0, s) - J_num)) for s in steps]}
    pe.figure("fd-error", r"Largest finite-difference error over the Jacobian's entries against the step $h$. "
              r"Truncation error falls like $h$ (forward) and $h^2$ (central) until rounding error, about "
              r"$\epsilon/h$, takes over; the dashed line marks the sheet's step.",
              lambda path: _plot_errors(path, steps, errs, h))
    sol.answer("forward difference", fwd_fd.tolist())
    sol.answer("central difference", cen_fd.tolist())

    # (f) discussion
    pf = sol.part("f", "Autodiff, by hand, or numerically?",
                  r"Compare automatic, manual and numerical differentiation.")
    worst_fd = float(np.max(np.abs(fwd_fd - J_num)))
    worst_ad = float(max(np.max(np.abs(fwd - J_num)), np.max(np.abs(rev - J_num))))
    pf.text(
        rf"Automatic differentiation is exact up to floating-point rounding (here within ${worst_ad:.1e}$ of "
        rf"the exact Jacobian, against ${worst_fd:.1e}$ for the forward difference with $h={h:g}$); it needs "
        r"no step size, and its cost is a small constant times one evaluation per pass: forward mode needs one "
        rf"pass per input (here {n}), reverse mode one sweep per output (here {m}). A loss has one output and "
        r"millions of parameters, so reverse mode (backpropagation) gives the whole gradient for about the "
        r"cost of a few forward passes. Differentiating by hand gives formulas, but they swell with depth "
        r"(shared sub-expressions are repeated), are slow to rewrite when the model changes, and carry slips. "
        r"Numerical differentiation is easy to code but costs one or two evaluations per parameter, trades "
        r"truncation error against rounding error, and is never exact; it stays useful as a gradient check.")
    return sol


def _all_equal(pairs: dict[str, tuple[sp.Expr, sp.Expr]]):
    return prove.proved_for_each({o: (lambda a=a, b=b: prove.equal(a, b)) for o, (a, b) in pairs.items()},
                                 "graph against formula")


def _sci(x: float) -> str:
    mantissa, exponent = f"{x:.2e}".split("e")
    return rf"${mantissa} \times 10^{{{int(exponent)}}}$"


def _matrix_tex(a: np.ndarray) -> str:
    rows = r" \\ ".join(" & ".join(f"{x:.6g}" for x in row) for row in a)
    return rf"\begin{{pmatrix}} {rows} \end{{pmatrix}}"


def _plot_errors(path, steps, errs, h) -> None:
    with figures.figure(path, figsize=(5.2, 3.2)) as (fig, ax):
        for name, e in errs.items():
            ax.loglog(steps, e, "o-", ms=3, lw=1, label=f"{name} difference")
        ax.axvline(h, color="k", ls="--", lw=0.8, label=f"sheet's step h = {h:g}")
        ax.set_xlabel("step h")
        ax.set_ylabel("max |error| over the Jacobian")
        ax.legend()


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
