"""Backpropagation by hand: dL/dw1 in a small logistic network (iust-dl-hw1 P5)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from checks import backprop as sim
from checks.finite_differences import central_difference
from theory.core import figures, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.grade import judge
from theory.core.latexread import Notation
from theory.core.params import Parameters, param
from theory.core.solution import Solution

TOPIC = "backprop"
OUTPUTS = ("sigmoid", "identity")
EPS = float(np.finfo(float).eps)
RTOL = 1e-12  # double-precision passes vs 30-digit SymPy values
ROUNDOFF_FLOPS = 50  # generous count of rounded operations in one evaluation of L
MAX_PREACTIVATION = 20.0  # beyond this sigma' < 2e-9 and the witnesses lose their digits
GRID = 41  # points on [w1 - h, w1 + h] where |L'''| is maximised
SYMBOLIC_BUDGET_S = 0.5  # then a wrong chain-rule step is refuted numerically (true one: 0.02 s)

# Sheet's figure is missing; these weights come from a public solution of the same exercise.
SHEET_X = (-0.7, 1.2, 1.1, -2.0)
ASSUMED_W = (-1.7, 0.1, -0.6, -1.8, -0.2, 0.5)
WEIGHT_NAMES = tuple(f"w{i}" for i in range(1, 7))


class Sig(sp.Function):
    """The logistic function as an opaque SymPy function.

    Its derivative s(1-s) is proved from the definition 1/(1+e^-t) (part b);
    keeping it opaque lets SymPy differentiate and compare expressions fast.
    """

    nargs = 1
    _imp_ = staticmethod(lambda t: 1.0 / (1.0 + np.exp(-t)))  # for lambdify (numeric fallback)

    @classmethod
    def eval(cls, t):
        if t.is_Float:  # numeric arguments evaluate at their own precision
            return 1 / (1 + sp.exp(-t))
        return None

    def _eval_evalf(self, prec: int) -> sp.Expr:
        arg = self.args[0]._eval_evalf(prec)
        return None if arg is None else (1 / (1 + sp.exp(-arg)))._eval_evalf(prec)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = Sig(self.args[0])
        return s * (1 - s)  # proved from the definition in part (b)

    def _eval_rewrite_as_exp(self, t, **kwargs) -> sp.Expr:
        return 1 / (1 + sp.exp(-t))

    def _latex(self, printer) -> str:
        return r"\sigma\left(" + printer._print(self.args[0]) + r"\right)"


def logistic_derivative(s: sp.Expr) -> sp.Expr:
    """sigma'(t) written through s = sigma(t)."""
    return s * (1 - s)


X = sp.symbols("x1:5", real=True)
W = sp.symbols("w1:7", real=True)
Y = sp.Symbol("y", real=True)
LEAVES = {**{str(s): s for s in X}, **{str(s): s for s in W}, "y": Y}
NODES = ("z1", "h1", "z2", "h2", "z3", "yhat", "L")
TEX = {"z1": "z_1", "h1": "h_1", "z2": "z_2", "h2": "h_2", "z3": "z_3", "yhat": r"\hat y",
       "L": "L", "y": "y", **{f"x{i}": f"x_{i}" for i in range(1, 5)},
       **{f"w{i}": f"w_{i}" for i in range(1, 7)}}


def _check_output(v: str) -> str | None:
    return None if v in OUTPUTS else f"must be one of {', '.join(OUTPUTS)}"


def _not_tiny(v: float) -> str | None:
    """0 or at least 1e-6 in magnitude: a product of a few tinier values leaves the normal float range
    (an adjoint of 1e-300 * 1e-20 is subnormal and has lost its relative precision)."""
    return None if v == 0 or abs(v) >= 1e-6 else f"must be 0 or at least 1e-6 in magnitude, got {v:.3g}"


def _coord(default: float, doc: str):
    return param(default, doc, lo=-50.0, hi=50.0, check=_not_tiny)


@dataclass(frozen=True)
class Params(Parameters):
    x1: float = _coord(SHEET_X[0], "input x1 of the data point")
    x2: float = _coord(SHEET_X[1], "input x2 of the data point")
    x3: float = _coord(SHEET_X[2], "input x3 of the data point")
    x4: float = _coord(SHEET_X[3], "input x4 of the data point")
    y: float = _coord(0.5, "true label of the data point")
    w1: float = _coord(ASSUMED_W[0], "weight x1 to h1 (assumed: the sheet's figure is missing)")
    w2: float = _coord(ASSUMED_W[1], "weight x2 to h1 (assumed)")
    w3: float = _coord(ASSUMED_W[2], "weight x3 to h2 (assumed)")
    w4: float = _coord(ASSUMED_W[3], "weight x4 to h2 (assumed)")
    w5: float = _coord(ASSUMED_W[4], "weight h1 to output (assumed)")
    w6: float = _coord(ASSUMED_W[5], "weight h2 to output (assumed)")
    output: str = param("sigmoid", "output node: sigmoid (Sigma then sigma) or identity "
                        "(Sigma only)", check=_check_output)
    fd_step: float = param(1e-2, "step h of the central finite difference", lo=1e-6, hi=0.1)

    @property
    def x(self) -> tuple[float, ...]:
        return (self.x1, self.x2, self.x3, self.x4)

    @property
    def w(self) -> tuple[float, ...]:
        return (self.w1, self.w2, self.w3, self.w4, self.w5, self.w6)

    def exact(self) -> dict[sp.Symbol, sp.Rational]:
        """The data point and weights as exact decimals (-0.7 -> -7/10)."""
        values = dict(zip(X, self.x)) | dict(zip(W, self.w)) | {Y: self.y}
        return {s: sp.Rational(repr(v)) for s, v in values.items()}


@dataclass(frozen=True)
class Graph:
    """Every node of the assumed network as an expression in the leaves."""

    z1: sp.Expr
    h1: sp.Expr
    z2: sp.Expr
    h2: sp.Expr
    z3: sp.Expr
    yhat: sp.Expr
    L: sp.Expr

    def node(self, name: str) -> sp.Expr:
        return getattr(self, name)


def graph(output: str, cut: dict[str, sp.Expr] | None = None) -> Graph:
    """The assumed wiring: two logistic hidden units feeding one output unit.

    `cut` replaces named nodes by given expressions (e.g. a fresh variable)
    before the nodes downstream of them are built.
    """
    cut = cut or {}

    def node(name: str, expr: sp.Expr) -> sp.Expr:
        return cut.get(name, expr)

    z1 = node("z1", X[0] * W[0] + X[1] * W[1])
    h1 = node("h1", Sig(z1))
    z2 = node("z2", X[2] * W[2] + X[3] * W[3])
    h2 = node("h2", Sig(z2))
    z3 = node("z3", W[4] * h1 + W[5] * h2)
    yhat = node("yhat", Sig(z3) if output == "sigmoid" else z3)
    return Graph(z1, h1, z2, h2, z3, yhat, node("L", (Y - yhat) ** 2))


# The three factors of the chain rule, in node values -------------------------

def loss_grad(g: Graph) -> sp.Expr:
    """dL/dyhat for L = (y - yhat)^2."""
    return -2 * (Y - g.yhat)


def output_grad(g: Graph, output: str) -> sp.Expr:
    """dyhat/dh1: through z3 = w5 h1 + w6 h2, then the output activation."""
    return W[4] * (logistic_derivative(g.yhat) if output == "sigmoid" else 1)


def hidden_grad(g: Graph) -> sp.Expr:
    """dh1/dw1 for h1 = sigma(x1 w1 + x2 w2)."""
    return X[0] * logistic_derivative(g.h1)


def dL_dw1(g: Graph, output: str) -> sp.Expr:
    """The answer: the product of the three factors along the only path w1 -> L."""
    return loss_grad(g) * output_grad(g, output) * hidden_grad(g)


U, V = sp.symbols("u v", real=True)  # stand-ins for the node values h1 and yhat
THIRD_GENS = (U, V, X[0], W[4], Y)


def loss_third_derivative(output: str) -> sp.Poly:
    """d^3L/dw1^3 as a polynomial in u = h1, v = yhat, x1, w5 and y, for the finite difference.

    Along w1 (all else fixed) the derivative is the operator D f = f_u u' + f_v v'
    with u' = x1 u(1-u) and v' = w5 u' (times v(1-v) for a sigmoid output);
    apply it three times to L = (y - v)^2.
    """
    gens = THIRD_GENS
    du = sp.Poly(X[0] * logistic_derivative(U), *gens)
    dv = du * sp.Poly(W[4] * (logistic_derivative(V) if output == "sigmoid" else 1), *gens)
    f = sp.Poly((Y - V) ** 2, *gens)
    for _ in range(3):
        f = f.diff(U) * du + f.diff(V) * dv
    return f


# Helpers ----------------------------------------------------------------------

def _value(expr: sp.Expr, exact: dict, digits: int = 30) -> sp.Float:
    """`expr` at the data point to `digits` digits (the logistic evaluates on floats)."""
    point = {s: sp.Float(v, digits) for s, v in exact.items()}
    return sp.N(sp.sympify(expr, strict=True).xreplace(point), digits)


def _polynomial_at(poly: sp.Poly, point: tuple[float, ...]) -> float:
    """A polynomial evaluated in floating point at `point` (one value per generator)."""
    return sum(float(c) * float(np.prod([v**e for v, e in zip(point, m)])) for m, c in poly.terms())


def _tex_num(v: float, digits: int = 6) -> str:
    s = f"{float(v):.{digits}g}"
    if "e" in s:
        mant, exp = s.split("e")
        return rf"{mant}\times 10^{{{int(exp)}}}"
    return s


def _agree(a: float, b: float, rtol: float, scale: float = 0.0) -> bool:
    """|a - b| <= rtol max(|a|, |b|, scale); `scale` is the size of the terms of a sum."""
    return abs(a - b) <= rtol * max(abs(a), abs(b), scale)


def _loss_rounding(y: float, tape: sim.Tape) -> float:
    """Bound on the rounding error of one double-precision evaluation of L, from its forward tape.

    L = r^2 with r = y - yhat: r carries an absolute error of about
    k eps (|y| + |yhat|), so L carries 2|r| times that, plus k eps L.
    """
    yhat = tape.value("yhat")
    return ROUNDOFF_FLOPS * EPS * (tape.value("L") + 2 * abs(y - yhat) * (abs(y) + abs(yhat)))


def solve(p: Params, ctx: Context) -> Solution:
    g = graph(p.output)
    exact = p.exact()
    sigmoid_out = p.output == "sigmoid"
    out_tex = r"\sigma" if sigmoid_out else r"\mathrm{id}"
    sol = Solution(
        TOPIC, "Backpropagation", "iust-dl-hw1, Problem 5", p,
        notation=Notation(names={TEX[n]: g.node(n) for n in NODES}),  # a node's name stands for its value
        question=(
            r"A small network of variable nodes and function nodes ($\Sigma$ adds its inputs, "
            r"$\sigma(t) = 1/(1+e^{-t})$ is the logistic function) maps four inputs to a "
            r"prediction $\hat y$; its first hidden unit is $h_1 = \sigma(x_1w_1 + x_2w_2)$. With "
            rf"the squared loss $L = (y - \hat y)^2$, the data point $(x_1,x_2,x_3,x_4) = "
            rf"({p.x1:g}, {p.x2:g}, {p.x3:g}, {p.x4:g})$ and label $y = {p.y:g}$, find "
            r"$\partial L/\partial w_1$ by backpropagation."
        ),
    )

    # (a) the assumed network and the forward pass -----------------------------
    tape = sim.network(p.x, p.w, p.y, p.output)
    fwd = {n: tape.value(n) for n in NODES}
    adj = tape.backward("L")
    for z in ("z1", "z2", "z3") if sigmoid_out else ("z1", "z2"):
        if abs(fwd[z]) > MAX_PREACTIVATION:
            raise BadInput(
                f"pre-activation {z} = {fwd[z]:.4g} saturates the logistic (|{z}| > "
                f"{MAX_PREACTIVATION:g}, sigma' < 2e-9): choose smaller inputs or weights")
    # Rounding in r = y - yhat is amplified by its condition number kappa; every adjoint
    # and L carry the factor r, so their hand-computed values get the tolerance RTOL kappa.
    r = p.y - fwd["yhat"]
    size = abs(p.y) + abs(fwd["yhat"])
    kappa = max(1.0, size / max(abs(r), EPS * size)) if size else 1.0
    rtol_r = RTOL * kappa
    pa = sol.part("a", "The assumed network and the forward pass",
                  r"State the wiring (the sheet's figure is missing) and evaluate every node at "
                  r"the data point.")
    weights = ", ".join(f"{v:g}" for v in p.w)
    pa.erratum(
        r"compute $\partial L/\partial w_1$ for the network of its diagram, which is missing from its text: "
        r"only $h_1 = \sigma(x_1w_1 + x_2w_2)$ is given, and no weight values.",
        r"Without the figure $\partial L/\partial w_1$ is not determined. We assume the usual "
        r"wiring of this exercise, $h_2 = \sigma(x_3w_3 + x_4w_4)$ and "
        r"$\hat y = \sigma(w_5h_1 + w_6h_2)$, "
        + (rf"with weights $(w_1,\dots,w_6) = ({weights})$ taken from a public solution of the same exercise "
           r"(same data point and label); they could not be checked against the original figure."
           if p.is_default(*WEIGHT_NAMES) else
           rf"with the weights given as parameters: $(w_1,\dots,w_6) = ({weights})$."),
        (r"a logistic output unit, $\hat y = \sigma(z_3)$" if sigmoid_out else
         r"a linear output unit, $\hat y = z_3$ (a plain $\Sigma$)")
        + r", and these weights; give the real ones as the parameters $w_1,\dots,w_6$ and \emph{output}.",
        key="network",
    )
    pa.text(
        rf"Assumed network: $z_1 = x_1w_1 + x_2w_2$, $h_1 = \sigma(z_1)$; $z_2 = x_3w_3 + x_4w_4$, "
        rf"$h_2 = \sigma(z_2)$; $z_3 = w_5h_1 + w_6h_2$, $\hat y = {out_tex}(z_3)$; "
        r"$L = (y - \hat y)^2$. The weight $w_1$ reaches $L$ along one path only: "
        r"$w_1 \to z_1 \to h_1 \to z_3 \to \hat y \to L$."
    )
    definitions = {
        "z1": r"x_1w_1 + x_2w_2", "h1": r"\sigma(z_1)", "z2": r"x_3w_3 + x_4w_4",
        "h2": r"\sigma(z_2)", "z3": r"w_5h_1 + w_6h_2", "yhat": rf"{out_tex}(z_3)",
        "L": r"(y - \hat y)^2",
    }
    pa.table(["node", "definition", "value"],
             [[f"${TEX[n]}$", f"${definitions[n]}$", f"${_tex_num(fwd[n])}$"] for n in NODES],
             caption="Forward pass at the data point (hand-written tape, "
                     "the simulation's own tape); the figure shows the same values.", aside=True)
    sym_fwd = {n: float(_value(g.node(n), exact)) for n in NODES}
    terms = {"z1": abs(p.x1 * p.w1) + abs(p.x2 * p.w2), "z2": abs(p.x3 * p.w3) + abs(p.x4 * p.w4),
             "z3": abs(p.w5 * fwd["h1"]) + abs(p.w6 * fwd["h2"])}
    terms["yhat"] = 0.0 if sigmoid_out else terms["z3"]
    fwd_ok = {f"${TEX[n]}$": _agree(fwd[n], sym_fwd[n], 2 * rtol_r if n == "L" else RTOL, terms.get(n, 0.0))
              for n in NODES}
    pa.claim(
        "forward", r"The hand-written forward pass agrees with SymPy's evaluation of each node's "
        r"expression (30 digits): relative $10^{-12}$ (for the sums $z_i$, relative to the size "
        r"of their terms; for $L$, times $2\kappa$, see (c)).",
        prove.on_instances(fwd_ok, "hand forward pass vs SymPy, per node"), aside=True)
    pa.figure(
        "network",
        r"The assumed network. Single circles are variables, double circles are functions "
        r"($\Sigma$: weighted sum of the incoming edges, $\sigma$: logistic, $\ell$: the loss "
        r"$(y - \hat y)^2$); edges carry their weights. Beside each variable: its forward value (black) "
        r"and its adjoint $\bar v = \partial L/\partial v$ from the reverse pass ("
        + figures.colour_word("reverse mode") + ").",
        lambda path: _draw_network(path, p, fwd, adj),
    )

    # (b) the chain rule ------------------------------------------------------
    pb = sol.part("b", "The chain rule",
                  r"Derive $\partial L/\partial w_1$ symbolically as a product of local "
                  r"derivatives and evaluate it at the data point.")
    t = sp.Symbol("t", real=True)
    from_definition = sp.diff(1 / (1 + sp.exp(-t)), t)
    pb.claim(
        "logistic", r"The logistic function's derivative, from its definition, is "
        r"$\sigma'(t) = \sigma(t)\,(1-\sigma(t))$: both as used in the factors below and as "
        r"SymPy differentiates $\sigma$ in the graph.",
        prove.equal(sp.together(from_definition - logistic_derivative(Sig(t)).rewrite(sp.exp)), 0)
        & prove.equal(sp.together(from_definition - sp.diff(Sig(t), t).rewrite(sp.exp)), 0),
    )
    f_loss, f_out, f_hid = loss_grad(g), output_grad(g, p.output), hidden_grad(g)
    derived = dL_dw1(g, p.output)
    vals = [_value(f, exact) for f in (f_loss, f_out, f_hid)]
    mid = r"w_5\,\hat y(1-\hat y)" if sigmoid_out else r"w_5"
    at_point = sp.Mul(*(f.subs(exact) for f in (f_loss, f_out, f_hid)), evaluate=False)
    l_exp = (Y - g.yhat.rewrite(sp.exp)) ** 2
    others = {s: v for s, v in exact.items() if s != W[0]}
    direct = sp.N(sp.diff(l_exp.subs(others), W[0]).subs(W[0], exact[W[0]]), 30)
    answer = _value(derived, exact)
    ch = pb.chain("grad", r"\frac{\partial L}{\partial w_1}")
    ch.define(r"\frac{\partial}{\partial w_1}\bigl(y - \hat y\bigr)^2", sp.diff(g.L, W[0]),
              r"definition; SymPy differentiates the graph")
    ch.step(r"-2(y - \hat y)\cdot " + mid + r"\cdot x_1\,h_1(1-h_1)", derived,
            r"chain rule $\frac{\partial L}{\partial \hat y}\cdot\frac{\partial \hat y}{\partial h_1}\cdot"
            r"\frac{\partial h_1}{\partial w_1}$ along $w_1\to h_1\to\hat y\to L$; $\sigma' = \sigma(1-\sigma)$",
            verdict=prove.equal(ch.steps[-1].value, derived, budget=SYMBOLIC_BUDGET_S))
    ch.step(rf"\bigl({_tex_num(vals[0])}\bigr)\cdot\bigl({_tex_num(vals[1])}\bigr)\cdot"
            rf"\bigl({_tex_num(vals[2])}\bigr)", at_point,
            "at the data point", given=exact)
    ch.step(rf"{_tex_num(answer)}", direct,
            r"SymPy differentiates $L$ written with $e^{-t}$ directly (30 digits)",
            verdict=prove.close(float(direct), float(_value(at_point, {})), rtol=1e-12,
                                what="direct derivative vs the product of the factors"))
    pb.table(
        ["factor", "in node values", "at the data point"],
        [[r"$\partial L/\partial\hat y$", r"$-2(y-\hat y)$", f"${_tex_num(vals[0])}$"],
         [r"$\partial\hat y/\partial h_1$", f"${mid}$", f"${_tex_num(vals[1])}$"],
         [r"$\partial h_1/\partial w_1$", r"$x_1\,h_1(1-h_1)$", f"${_tex_num(vals[2])}$"]],
        caption=r"The three factors of $\partial L/\partial w_1$.", aside=True,
    )
    pb.text(
        r"So $\partial L/\partial w_1 > 0$: a small step of gradient descent decreases $w_1$." if answer > 0 else
        r"So $\partial L/\partial w_1 < 0$: a small step of gradient descent increases $w_1$." if answer < 0 else
        r"So $\partial L/\partial w_1 = 0$: $w_1$ is stationary here."
    )

    # (c) independent numeric witnesses ---------------------------------------
    pc = sol.part("c", "Reverse mode by hand and finite differences",
                  r"Check the derivative with a hand-written reverse pass and with central "
                  r"finite differences.")
    g_num = float(answer)
    rules = {
        "L": "1", "yhat": r"\bar L\cdot(-2)(y-\hat y)",
        "z3": r"\bar{\hat y}\,\hat y(1-\hat y)" if sigmoid_out else r"\bar{\hat y}",
        "h1": r"\bar z_3\,w_5", "h2": r"\bar z_3\,w_6",
        "w5": r"\bar z_3\,h_1", "w6": r"\bar z_3\,h_2",
        "z1": r"\bar h_1\,h_1(1-h_1)", "z2": r"\bar h_2\,h_2(1-h_2)",
        "w1": r"\bar z_1\,x_1", "w2": r"\bar z_1\,x_2",
        "x1": r"\bar z_1\,w_1", "x2": r"\bar z_1\,w_2",
        "w3": r"\bar z_2\,x_3", "w4": r"\bar z_2\,x_4",
        "x3": r"\bar z_2\,w_3", "x4": r"\bar z_2\,w_4",
        "y": r"\bar L\cdot 2(y-\hat y)",
    }
    order = [n for n in reversed(list(tape.nodes)) if n in rules]
    sym_adj = {n: _sympy_adjoint(g, n, exact, p.output) for n in order}
    pc.table(
        ["node $v$", r"adjoint $\bar v$", "reverse pass", r"SymPy $\partial L/\partial v$"],
        [[f"${TEX[n]}$", f"${rules[n]}$", f"${_tex_num(adj[n])}$", f"${_tex_num(sym_adj[n])}$"]
         for n in order],
        caption=r"Backward pass: adjoints $\bar v = \partial L/\partial v$, swept from $L$ back "
                r"to the leaves (hand-written tape), beside SymPy's derivative with $v$ held as a "
                r"variable.", aside=True,
    )
    pc.text(
        r"The reverse pass sweeps $\bar v = \partial L/\partial v$ from $\bar L = 1$ back to the leaves "
        r"(adjoints in the figure); it and central differences are compared with (b) in the appendix."
    )
    pc.claim(
        "reverse", r"The hand-written reverse pass gives the derived $\partial L/\partial w_1$ "
        r"(relative tolerance $10^{-12}\kappa$, "
        rf"$\kappa = (|y| + |\hat y|)/|y - \hat y| = {pc.setting(kappa, '.4g')}$).",
        prove.close(adj["w1"], g_num, rtol=rtol_r, what="reverse-mode adjoint of $w_1$"), aside=True)
    pc.claim(
        "factors", r"The reverse pass builds the same product, factor by factor: "
        r"$\bar{\hat y} = \partial L/\partial\hat y$, $\bar h_1 = \bar{\hat y}\cdot"
        r"\partial\hat y/\partial h_1$, $\bar w_1 = \bar h_1\cdot\partial h_1/\partial w_1$.",
        prove.on_instances({
            r"$\partial L/\partial\hat y$": _agree(adj["yhat"], float(vals[0]), rtol_r),
            r"$\partial\hat y/\partial h_1$": _agree(adj["h1"], adj["yhat"] * float(vals[1]), RTOL),
            r"$\partial h_1/\partial w_1$": _agree(adj["w1"], adj["h1"] * float(vals[2]), RTOL),
        }, f"adjoints vs the derived factors ({prove.tolerance(rtol_r)} for the first, "
           f"{prove.tolerance(RTOL)} after)"), aside=True)
    pc.claim(
        "adjoints", r"Every adjoint of the reverse pass equals SymPy's partial derivative of $L$ "
        r"with respect to that node (relative $10^{-12}\kappa$).",
        prove.on_instances({f"${TEX[n]}$": _agree(adj[n], float(sym_adj[n]), rtol_r) for n in order},
                           f"reverse pass vs SymPy, per node ({prove.tolerance(rtol_r)})"), aside=True)

    h = p.fd_step
    w1 = p.w1
    f = sim.loss_along_weight(p.x, p.w, p.y, p.output, 0)
    fd = central_difference(f, w1, h)
    third = loss_third_derivative(p.output)

    sizes = sp.Poly({m: abs(c) for m, c in third.terms()}, *THIRD_GENS)  # the size of its terms

    def node_values(tp: sim.Tape) -> tuple[float, ...]:
        """(h1, yhat, x1, w5, y) on a forward tape: node values only; the derivatives are symbolic."""
        return tp.value("h1"), tp.value("yhat"), p.x1, p.w5, p.y

    grid = np.linspace(w1 - h, w1 + h, GRID)
    tapes = [sim.network(p.x, (t, *p.w[1:]), p.y, p.output) for t in grid]  # one forward pass per point
    at_grid = [node_values(tp) for tp in tapes]
    l3_grid = np.array([_polynomial_at(third, v) for v in at_grid])
    l3 = _polynomial_at(third, node_values(tape))  # at w1 itself: the forward pass of (a)
    l3_max = float(np.max(np.abs(l3_grid)))
    pc.claim(
        "third", rf"On the {GRID} points of $[w_1 - h, w_1 + h]$ the third derivative from the polynomial "
        r"in node values is SymPy's third derivative of $L$ written with $e^{-t}$ (30 digits); its largest "
        rf"magnitude is $\max|L'''| \approx {pc.quote(l3_max, 'third', '.4g')}$.",
        prove.close_all(l3_grid, _third_direct(g, exact, grid), rtol=0.0,
                        atol=RTOL * np.array([_polynomial_at(sizes, np.abs(v)) for v in at_grid]),
                        what="third derivative from node values vs SymPy, per grid point"),
        value=l3_max, aside=True)
    roundoff = (_loss_rounding(p.y, tapes[0]) + _loss_rounding(p.y, tapes[-1])) / (2 * h)  # at w1 -+ h
    trunc = h**2 / 6 * l3_max
    fd_bound = (
        r"Central differences $D(h) = \frac{L(w_1+h) - L(w_1-h)}{2h}$ err by at most "
        r"$\frac{h^2}{6}\max|L'''| + \frac{\delta_+ + \delta_-}{2h}$ (Taylor; $\delta_\pm$ bounds the rounding "
        r"of $L$ at $w_1\pm h$, "
        r"$\delta_\pm = k\varepsilon\bigl(L + 2|y-\hat y|(|y|+|\hat y|)\bigr)$, "
        rf"$k = {ROUNDOFF_FLOPS}$, $\varepsilon = 2^{{-52}}$): $h = {_tex_num(h)}$, "
        rf"$\max|L'''| \approx {pc.quote(l3_max, 'third', '.4g')}$ over {GRID} points, "
        rf"tolerance ${pc.setting(trunc + roundoff, '.3g')}$."
    )
    pc.claim(
        "fd", fd_bound + rf" They ($h = {_tex_num(h)}$) agree with the derived "
        r"$\partial L/\partial w_1$ within this truncation-plus-rounding bound.",
        prove.close(fd, g_num, rtol=0.0, atol=trunc + roundoff,
                    what="central difference"), aside=True)
    osc = h**2 / 6 * float(np.max(np.abs(l3_grid - l3)))
    pc.claim(
        "fd_order", r"The finite-difference error is its predicted leading term: "
        r"$D(h) - \partial L/\partial w_1 = \frac{h^2}{6}L'''(w_1)$ up to "
        r"$\frac{h^2}{6}\max|L'''(\xi) - L'''(w_1)|$ and rounding, so the error is "
        r"$O(h^2)$ with the derived constant.",
        prove.close(fd - g_num, h**2 / 6 * l3, rtol=0.0, atol=osc + roundoff,
                    what=r"$D(h) - \partial L/\partial w_1$ vs $h^2 L'''/6$"), aside=True)

    sol.answer("dL/dw1", _at(derived, exact), claims=("c.reverse", "c.fd"), rests_on=("network",), check=witness.both(
        witness.close(adj["w1"], rtol=rtol_r, what="reverse-mode adjoint of $w_1$"),
        witness.close(fd, rtol=0.0, atol=trunc + roundoff, what="central difference")))
    slips(sol, g, p.output, exact)
    return sol


def _at(e: sp.Expr, exact: dict) -> sp.Expr:
    """An expression in node values at the data point, exact (the logistic written with exp)."""
    return sp.sympify(e.subs(exact), strict=True).rewrite(sp.exp)


def slips(sol: Solution, g: Graph, output: str, exact: dict) -> None:
    """Common mistakes in the product of the three factors, each declared where it changes the value."""
    f_loss, f_out, f_hid = loss_grad(g), output_grad(g, output), hidden_grad(g)
    right = _at(f_loss * f_out * f_hid, exact)
    wrong = {
        "loss-derivative-sign": (-f_loss * f_out * f_hid,
            r"The derivative of $L = (y - \hat{y})^2$ with respect to $\hat{y}$ is $-2(y - \hat{y})$: the inner "
            r"derivative of $y - \hat{y}$ is $-1$. Writing $2(y - \hat{y})$ flips the gradient, so a step of "
            r"gradient descent moves $w_1$ the wrong way."),
        "missing-factor-2": (f_loss / 2 * f_out * f_hid,
            r"Differentiating the square brings down a factor 2: $\partial L/\partial\hat{y} = -2(y - \hat{y})$, "
            r"not $-(y - \hat{y})$. The 2 cancels only for a loss with $\tfrac12$ in front, which this one lacks."),
        "hidden-sigmoid-derivative-dropped": (f_loss * f_out * X[0],
            r"With $h_1 = \sigma(x_1w_1 + x_2w_2)$, $\partial h_1/\partial w_1 = x_1 h_1(1 - h_1)$: the "
            r"logistic's derivative $\sigma' = \sigma(1-\sigma)$ multiplies the inner derivative $x_1$. "
            r"Taking $\partial h_1/\partial w_1 = x_1$ treats the hidden unit as linear."),
        "input-factor-dropped": (f_loss * f_out * logistic_derivative(g.h1),
            r"The inner derivative of $z_1 = x_1w_1 + x_2w_2$ with respect to $w_1$ is the input $x_1$, so "
            r"$\partial h_1/\partial w_1 = x_1 h_1(1 - h_1)$. Dropping $x_1$ stops the chain rule one step "
            r"early, at $\partial L/\partial z_1$."),
    }
    if output == "sigmoid":
        wrong["output-sigmoid-derivative-dropped"] = (f_loss * W[4] * f_hid,
            r"The output unit is $\hat{y} = \sigma(w_5h_1 + w_6h_2)$, so $\partial\hat{y}/\partial h_1 = "
            r"w_5\,\hat{y}(1 - \hat{y})$: the path from $h_1$ to $L$ passes through the output logistic too. "
            r"Using $w_5$ alone differentiates a linear output unit.")
    for name, (value, explanation) in wrong.items():
        value = _at(value, exact)
        if not judge(value, right, sol.results["dL/dw1"].rtol)[0]:  # e.g. x1 = 1 makes the input factor harmless
            sol.misconception("dL/dw1", name, value, explanation)


def _third_direct(g: Graph, exact: dict, grid: np.ndarray) -> np.ndarray:
    """d^3L/dw1^3 at each grid point: SymPy differentiates L written with e^-t, mpmath evaluates (30 digits)."""
    others = {s: v for s, v in exact.items() if s != W[0]}
    f = sp.lambdify(W[0], sp.diff(((Y - g.yhat.rewrite(sp.exp)) ** 2).subs(others), W[0], 3), "mpmath")
    with mpmath.workdps(30):
        return np.array([float(f(mpmath.mpf(float(t)))) for t in grid])


def _sympy_adjoint(g: Graph, name: str, exact: dict, output: str) -> sp.Float:
    """dL/d(node): the node cut loose as a variable v, differentiated, v put back."""
    if name in LEAVES:
        return _value(sp.diff(g.L, LEAVES[name]), exact)
    v = sp.Dummy("v", real=True)
    cut = graph(output, {name: v}).L
    return _value(sp.diff(cut, v).subs(v, g.node(name)), exact)


# The figure ------------------------------------------------------------------

def _draw_network(path, p: Params, fwd: dict, adj: dict) -> None:
    r = 0.3
    var = {"x1": (0, 3.6), "x2": (0, 2.4), "x3": (0, 1.2), "x4": (0, 0.0),
           "h1": (4.2, 3.0), "h2": (4.2, 0.6), "yhat": (7.8, 1.8), "y": (7.8, 0.0),
           "L": (10.2, 1.8)}
    fun = {"S1": (2.2, 3.0, r"$\Sigma$"), "s1": (3.2, 3.0, r"$\sigma$"),
           "S2": (2.2, 0.6, r"$\Sigma$"), "s2": (3.2, 0.6, r"$\sigma$"),
           "S3": (5.8, 1.8, r"$\Sigma$"),
           "s3": (6.8, 1.8, r"$\sigma$" if p.output == "sigmoid" else "id"),
           "loss": (9.0, 1.8, r"$\ell$")}
    labels = {"x1": "$x_1$", "x2": "$x_2$", "x3": "$x_3$", "x4": "$x_4$", "h1": "$h_1$",
              "h2": "$h_2$", "yhat": r"$\hat y$", "y": "$y$", "L": "$L$"}
    pos = {k: v[:2] for k, v in {**var, **fun}.items()}
    edges = [("x1", "S1", "w1"), ("x2", "S1", "w2"), ("x3", "S2", "w3"), ("x4", "S2", "w4"),
             ("S1", "s1", None), ("s1", "h1", None), ("S2", "s2", None), ("s2", "h2", None),
             ("h1", "S3", "w5"), ("h2", "S3", "w6"), ("S3", "s3", None), ("s3", "yhat", None),
             ("yhat", "loss", None), ("y", "loss", None), ("loss", "L", None)]
    values = {**fwd, **{f"x{i}": v for i, v in enumerate(p.x, 1)}, "y": p.y}
    adj_colour = figures.style("reverse mode")["color"]  # adjoints come from the reverse pass
    with figures.figure(path) as (fig, ax):
        for a, b, wname in edges:
            (xa, ya), (xb, yb) = pos[a], pos[b]
            d = np.hypot(xb - xa, yb - ya)
            ux, uy = (xb - xa) / d, (yb - ya) / d
            ax.annotate("", xy=(xb - ux * r, yb - uy * r), xytext=(xa + ux * r, ya + uy * r),
                        arrowprops={"arrowstyle": "-|>", "lw": 0.8, "color": "0.35"})
            if wname:
                i = int(wname[1]) - 1
                mx, my = xa + 0.5 * (xb - xa), ya + 0.5 * (yb - ya)
                ax.text(mx, my, f"$w_{i + 1} = {p.w[i]:g}$", fontsize=8.6, ha="center", va="center",
                        color="0.2", zorder=4, bbox={"fc": "white", "ec": "0.5", "lw": 0.4, "pad": 1.0})
        for name, (cx, cy) in var.items():
            ax.add_patch(_circle(cx, cy, r))
            ax.text(cx, cy, labels[name], ha="center", va="center", fontsize=9, zorder=4)
            value, adjoint = f"{values[name]:.4g}", f"{adj[name]:.3g}"
            if name in ("x4", "h2", "y"):  # numbers below the node: value, then adjoint
                ty, va, lines = cy - r - 0.05, "top", (value, "\n" + adjoint)
            else:  # numbers above the node
                ty, va, lines = cy + r + 0.05, "bottom", (value + "\n", adjoint)
            ax.text(cx, ty, lines[0], ha="center", va=va, fontsize=7)
            ax.text(cx, ty, lines[1], ha="center", va=va, fontsize=7, color=adj_colour)
        for cx, cy, text in fun.values():
            ax.add_patch(_circle(cx, cy, r))
            ax.add_patch(_circle(cx, cy, r * 0.78))
            ax.text(cx, cy, text, ha="center", va="center", fontsize=8, zorder=4)
        # a hand-drawn legend: the two node kinds and the two numbers under each variable
        lx, ly = 6.6, 3.9
        ax.add_patch(_circle(lx, ly, 0.15))
        ax.text(lx + 0.3, ly, "variable", va="center", fontsize=7)
        ax.add_patch(_circle(lx + 1.8, ly, 0.15))
        ax.add_patch(_circle(lx + 1.8, ly, 0.11))
        ax.text(lx + 2.1, ly, r"function ($\Sigma$, $\sigma$, $\ell$)",
                va="center", fontsize=7)
        ax.text(lx - 0.15, ly - 0.4, "forward value $v$", va="center", fontsize=7)
        ax.text(lx + 1.65, ly - 0.4, r"adjoint $\bar v = \partial L/\partial v$", va="center",
                fontsize=7, color=adj_colour)
        ax.set_xlim(-0.5, 10.8)
        ax.set_ylim(-0.75, 4.2)
        ax.set_aspect("equal")
        ax.axis("off")


def _circle(cx: float, cy: float, radius: float):
    from matplotlib.patches import Circle

    return Circle((cx, cy), radius, fc="white", ec="k", lw=0.9, zorder=3)


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
