"""A two-headed network (regression + classification): its outputs, dl/dw1, and the numbers.

The wiring is text, read three ways as in `two_layer_sgd`: SymPy's own parse
(the composed loss, differentiated), the autodiff engine's graph (reverse
mode), and the neurons it describes (drawn, and run in NumPy by
`checks.multitask`). The chain rule by hand (the delta rule, in the neurons'
own symbols) must agree with all three.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import multitask as sim
from theory.autodiff import Graph, Tape, tables
from theory.autodiff import delta as by_hand
from theory.autodiff import network as nn
from theory.autodiff.network import describe, factor, named_units, names_in, number, power_of_ten, quote, tex_name
from theory.autodiff.ops import explicit, sigmoid
from theory.core import expr, logbase, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation, Printer
from theory.core.params import Parameters, numbers, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict
from theory.jacobians import independent_sympy, program

TOPIC = "multitask"
SOURCE = "comp433-a2, Question 6"

WIRING = "h = sigmoid(w1*x); y1 = w2*h; y2 = sigmoid(w3*h)"
CE = "(t2*ln(y2) + (1 - t2)*ln(1 - y2))"
LOSS = {"correct": f"1/2*(y1 - t1)**2 - {CE}", "printed": f"1/2*(y1 - t1)**2 + {CE}"}
SIGN = {"correct": 1, "printed": -1}  # l = l_reg + sign * (binary cross-entropy)
RESERVED = ("t1", "t2", "l")


def loss_text(conv: str, base: str) -> str:
    """The loss line read by the engine and by SymPy, its cross-entropy in log_b."""
    return LOSS[conv] if base == "e" else LOSS[conv].replace(CE, f"{CE}/ln({base})")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "identity")
FD_STEP = 1e-6
RANDOM_POINTS = 5  # extra (x, w, t) points where the gradient formula is checked numerically
CLS_STEP = 0.1  # learning rate of the step that shows which way each sign moves y2
MAX_VALUE = 10.0  # |x|, |w_i|, |t1|: a sheet's values, where the float witnesses keep their digits
# the derivation is symbolic in x and w: its expressions grow fast with the network (three layers of
# sigmoids take half a minute), so at most 4 hidden neurons in at most 2 layers, and 12 weights
MAX_WEIGHTS, MAX_HIDDEN, MAX_LAYERS = 12, 4, 2
LARGE_OPS = 300  # operations beyond which two expressions are compared at random points, not proved
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # names reach LaTeX: ASCII identifiers only
DISPLAYED = {"e": "Euler's number", r"\sigma": "the sigmoid", r"\theta": "the step function"}  # LaTeX the displays use

X, T1, T2 = sp.symbols("x t1 t2", real=True)
# how the displays' functions are read back: the activations as drawn, and ReLU's derivative as SymPy prints it
READ = {"sigma": lambda z: 1 / (1 + sp.exp(-z)), r"\mathrm{ReLU}": lambda z: sp.Max(z, 0), "theta": sp.Heaviside}


# --- the network ------------------------------------------------------------------------------


@dataclass
class Net:
    pairs: list[tuple[str, str]]
    graph: Graph
    units: list[nn.Neuron]
    params: tuple[str, ...]

    def spec(self) -> list[tuple]:
        return [(u.name, u.activation, list(u.edges), list(u.biases)) for u in self.units]


def build(wiring: str, n_weights: int) -> Net:
    """Parse and validate: input x, weights w1..wk, outputs y1 (regression) and y2 (a sigmoid)."""
    pairs = program(wiring)
    for name, text in pairs:  # the safe reader's limits first, then the names
        expr.tree(text, f"wiring: {name[:20]} = {text[:60]!r}")
        if not NAME.fullmatch(name):
            raise BadInput(f"wiring: {name[:60]!r} is not a name (a letter, then letters, digits or _)")
    params = tuple(f"w{i + 1}" for i in range(n_weights))
    used = names_in(pairs)
    clash = [n for n in RESERVED if n in used or n in dict(pairs)]
    if clash:
        raise BadInput(
            f"wiring: the names {', '.join(clash)} are reserved for the targets and the loss"
        )
    unknown = [n for n in used if n != "x" and n not in params]
    if unknown:
        raise BadInput(
            f"wiring uses {', '.join(n[:20] for n in unknown[:6])}; the names available are x and "
            f"{', '.join(params)} (one per entry of w)"
        )
    if "w1" not in used:
        raise BadInput("wiring does not use w1, so dl/dw1 = 0 trivially")
    unused = [n for n in params if n not in used]
    if unused:
        raise BadInput(f"w has {len(params)} entries but the wiring does not use {', '.join(unused[:6])}")
    shown = dict(DISPLAYED)  # a display reads each name one way: no two names may look alike
    for n in ("x", *params, *RESERVED, *dict(pairs)):
        other = shown.setdefault(tex_name(n), n)
        if other != n:
            raise BadInput(f"wiring: {n[:20]} would be displayed like {other[:20]}; choose another name")
    graph = Graph.parse(pairs, ("x", *params))
    if set(graph.outputs) != {"y1", "y2"}:
        raise BadInput(
            f"wiring must end in the two outputs y1 and y2, got {', '.join(o[:20] for o in graph.outputs[:6])}"
        )
    units = named_units(graph, {"x"})
    _check_size(units)
    odd = [u.name for u in units if u.activation not in ACTIVATIONS]
    if odd:
        raise BadInput(
            f"neurons {', '.join(n[:20] for n in odd[:6])}: activations must be one of {', '.join(ACTIVATIONS)}"
        )
    if next(u for u in units if u.name == "y2").activation != "sigmoid":
        raise BadInput("y2 must be a sigmoid output: the cross-entropy needs a probability")
    return Net(pairs, graph, units, params)


def _agree(a: sp.Expr, b: sp.Expr) -> Verdict:
    """a = b: SymPy's proof when the two are small enough to try; larger ones (a wider network's
    derivative) are evaluated, at 8 random points, or to 50 digits when they are numbers, and the
    verdict then says numeric (SymPy's own fallback expands them term by term and takes minutes)."""
    a, b = sp.sympify(a, strict=True), sp.sympify(b, strict=True)
    if sp.count_ops(a) + sp.count_ops(b) <= LARGE_OPS:
        return prove.equal(a, b)
    names = sorted(a.free_symbols | b.free_symbols, key=str)
    if not names:
        return prove.to_digits(a, b)
    f = sp.lambdify(names, [a, b], "numpy")
    points = np.random.default_rng(0).uniform(0.1, 3.0, (8, len(names)))
    pairs = np.array([f(*pt) for pt in points], float)
    gap = np.abs(pairs[:, 0] - pairs[:, 1])
    ok = bool(np.all(np.isfinite(pairs)) and np.all(gap <= 1e-9 * np.maximum(1.0, np.abs(pairs).max(axis=1))))
    return Verdict("numeric", ok,
                   f"large expressions compared at 8 random points: max |diff| {prove.gap(gap.max())}", {"points": 8})


def _check_size(units: list[nn.Neuron]) -> None:
    """At most MAX_HIDDEN hidden neurons in at most MAX_LAYERS layers."""
    layer = {"x": 0}
    for u in units:
        layer[u.name] = 1 + max((layer.get(s, 0) for s, _ in u.edges), default=0)
    hidden = [u.name for u in units if u.name not in ("y1", "y2")]
    deepest = max((layer[h] for h in hidden), default=0)
    if len(hidden) > MAX_HIDDEN or deepest > MAX_LAYERS:
        raise BadInput(f"{len(hidden)} hidden neurons in {deepest} layers: at most {MAX_HIDDEN} in {MAX_LAYERS} "
                       "(the symbolic derivation grows fast with the network)")


# --- the derived formulas (monkeypatched by the tests) --------------------------------------


def activate(act: str, z: sp.Expr) -> sp.Expr:
    return {
        "relu": lambda: sp.Max(z, 0),
        "sigmoid": lambda: sigmoid(z),
        "tanh": lambda: sp.tanh(z),
        "identity": lambda: z,
    }[act]()


def compose(units: list[nn.Neuron], values: dict[str, sp.Expr]) -> tuple[dict, dict]:
    """(a): each neuron's output (and pre-activation) in terms of the input and the weights."""
    return by_hand.forward(units, values, activate)


def sigmoid_derivative(s: sp.Expr) -> sp.Expr:
    """sigma'(z) through s = sigma(z)."""
    return s * (1 - s)


def regression_delta(y1: sp.Expr, t1: sp.Expr) -> sp.Expr:
    """d/dy1 of 1/2 (y1 - t1)^2."""
    return y1 - t1


def classification_delta(y2: sp.Expr, t2: sp.Expr, sign: int, base: str) -> sp.Expr:
    """d/dz of sign * CE_b(sigma(z), t2) = sign * (y2 - t2) / ln b.

    sigma' = y2 (1 - y2) cancels the cross-entropy's denominators.
    """
    return sign * (y2 - t2) / logbase.ln(base)


def activation_derivative(act: str, z: sp.Expr, a: sp.Expr) -> sp.Expr:
    if act == "relu":
        return sp.Heaviside(z)
    return {
        "sigmoid": lambda: sigmoid_derivative(a),
        "tanh": lambda: 1 - a**2,
        "identity": lambda: sp.Integer(1),
    }[act]()


def backprop(
    units: list[nn.Neuron], env: dict, pre: dict, t1: sp.Expr, t2: sp.Expr, sign: int, base: str
) -> tuple[dict, dict]:
    """The delta rule: each pre-activation's delta, then dl/dw = delta x source."""
    given = {"y2": classification_delta(env["y2"], t2, sign, base)}
    return by_hand.backprop(units, env, pre, activation_derivative, given,
                            {"y1": regression_delta(env["y1"], t1)})


def loss_value(y1: sp.Expr, y2: sp.Expr, t1: sp.Expr, t2: sp.Expr, sign: int, base: str) -> sp.Expr:
    """l = 1/2 (y1 - t1)^2 - sign * [t2 log_b y2 + (1 - t2) log_b(1 - y2)]."""
    return (y1 - t1) ** 2 / 2 - sign * (t2 * logbase.log(y2, base) + (1 - t2) * logbase.log(1 - y2, base))


# --- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Params(Parameters):
    wiring: str = param(
        WIRING,
        "the network as 'name = expression' lines separated by ';' (input x, weights w1, w2, ...; "
        "outputs y1 regression, y2 classification; the figure is missing)",
    )
    x: float = param(0.5, "the input (the table's Network 1)", lo=-MAX_VALUE, hi=MAX_VALUE)
    w: tuple = param(
        (0.5, 0.2, 0.1), "the weights w1, w2, w3 (the table's Network 1)",
        check=numbers("the weights w1, w2, ...", lo=-MAX_VALUE, hi=MAX_VALUE, length=(1, MAX_WEIGHTS),
                      example="(0.5, 0.2, 0.1)"),
    )
    t1: float = param(1.0, "regression target (not given by the sheet)", lo=-MAX_VALUE, hi=MAX_VALUE)
    t2: float = param(1.0, "classification target (not given by the sheet)", lo=0.0, hi=1.0)
    cls_sign: str = param(
        "correct",
        "sign of l_cls: 'correct' (-[t ln y + ...], the cross-entropy) or 'printed' (the sheet's "
        "+[t ln y + ...])",
        check=lambda v: None if v in SIGN else "must be 'correct' or 'printed'",
    )
    log_base: str = logbase.field("the cross-entropy's log (the sheet writes ln)")

    def __post_init__(self) -> None:
        super().__post_init__()
        net = build(self.wiring, len(self.w))
        nn.refuse_out_of_range(net.units, {"x": float(self.x), **{n: float(v) for n, v in zip(net.params, self.w)}})


# --- formatting -------------------------------------------------------------------------------


def loss_tex(sign: int, base: str, y1: str, t1: str, y2: str, t2: str, not_y2: str, not_t2: str) -> str:
    """The loss as displayed, in names or numbers: log_b as ln over ln b (the display reader has no log_b)."""
    ce = rf"\left[{t2}\ln {y2} + {not_t2}\ln {not_y2}\right]"
    if base != "e":
        ce = rf"\frac{{1}}{{\ln {base}}}{ce}"
    return rf"\tfrac12({y1} - {t1})^2 {'-' if sign == 1 else '+'} {ce}"


LOSS_TEX = ("y_1", "t_1", "y_2", "t_2", "(1-y_2)", "(1-t_2)")


def exactly(ch, tex: str, value: sp.Expr) -> None:
    """The chain's last line, the exact value and its decimal; a decimal with a power of ten goes beside it
    (the display reader reads only a plain decimal after \\approx)."""
    shown = number(value)
    if r"\times" in shown:
        ch.step(tex, value, rf"exactly; $\approx {shown}$")
    else:
        ch.step(rf"{tex} \approx {shown}", value, "exactly")


def _assumed(p: Params, *keys: str) -> tuple[str, ...]:
    """The assumption boxes among `keys` that a solve writes: the wiring only for the sheet's missing figure,
    the log base only when it is not the sheet's e."""
    written = {"wiring": p.wiring == WIRING, logbase.KEY: p.log_base != "e"}
    return tuple(k for k in keys if written.get(k, True))


def approximately(tex: str, value: sp.Expr) -> str:
    """A line of numbers ending in the value's decimal (a decimal with a power of ten is left off: the display
    reader reads only a plain decimal after \\approx)."""
    shown = number(value)
    return tex if r"\times" in shown else rf"{tex} \approx {shown}"


class _Tex(Printer):
    """The notation's LaTeX (a sum opens with a positive term: y_1 - t_1) with ln for log, and a function's
    power as (tanh x)^2, which the display reader reads."""

    def __init__(self, settings: dict | None = None):
        super().__init__({"ln_notation": True, **(settings or {})})

    def _print_Pow(self, expr):
        if isinstance(expr.base, sp.Function) and expr.exp.is_Integer and expr.exp > 1:
            return rf"\left({self._print(expr.base)}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)


def _tex(expr: sp.Expr) -> str:
    return _Tex().doprint(expr)


class _Numbers(_Tex):
    """Prints an expression's structure with each symbol shown as its (rounded) value."""

    def __init__(self, values: dict[sp.Symbol, float]):
        super().__init__({"mul_symbol": "dot"})
        self.values = values

    def _print_Symbol(self, expr, style="plain"):
        if expr in self.values:
            return factor(self.values[expr])
        return super()._print_Symbol(expr, style)


def _shown(expr: sp.Expr, values: dict[sp.Symbol, float]) -> str:
    """`expr` written with numbers in place of its symbols (structure kept, nothing evaluated)."""
    return _Numbers(values).doprint(expr)


def solve(p: Params, ctx: Context) -> Solution:
    net = build(p.wiring, len(p.w))
    sign = SIGN[p.cls_sign]
    W = {n: sp.Symbol(n, real=True) for n in net.params}
    syms = {"x": X, **W, "t1": T1, "t2": T2}
    # display symbols: the neurons by name (h, y1, y2), for the chain rule as written by hand
    N = {u.name: sp.Symbol(u.name, real=True) for u in net.units}
    composed, _ = compose(net.units, {"x": X, **W})  # in x and w, sigmoid printed as sigma
    to_xw = {N[u.name]: composed[u.name] for u in net.units}
    formulas = {conv: independent_sympy([*net.pairs, ("l", loss_text(conv, p.log_base))], syms) for conv in LOSS}
    sol = Solution(
        TOPIC,
        "A multi-task network: regression and classification heads",
        SOURCE,
        p,
        # a neuron's name in a display stands for its output in x and w
        notation=Notation({tex_name(n): explicit(v) for n, v in composed.items() if n in N}, READ),
        question=(
            r"A network shares one hidden layer between a regression output $y_1$ and a "
            r"classification output $y_2$ ($\sigma$ the sigmoid, weights $\mathbf w = ("
            + ", ".join(tex_name(n) for n in net.params) + ")$)."
        ),
    )

    points = _points(p, ctx)
    _outputs_part(sol, p, net, N, composed, formulas["correct"], points)
    hand, slips = _gradient_part(sol, p, net, sign, N, to_xw, formulas, points)
    _numbers_part(sol, p, net, sign, hand, formulas, slips)
    return sol


def _points(p: Params, ctx: Context) -> list[tuple]:
    """(x, w, t1, t2): the sheet's point, then random ones, where formulas are checked numerically."""
    rng = ctx.rng("points")
    return [(p.x, *p.w, p.t1, p.t2)] + [
        (
            rng.uniform(-2, 2),
            *rng.uniform(-2, 2, len(p.w)),
            rng.uniform(-1, 2),
            rng.uniform(0.05, 0.95),
        )
        for _ in range(RANDOM_POINTS)
    ]


def _order(net: Net) -> list[sp.Symbol]:
    return [X, *(sp.Symbol(n, real=True) for n in net.params), T1, T2]


def _at_points(order: list[sp.Symbol], points: list[tuple], measured, what: str, rtol: float,
               atol: float) -> Check:
    """A formula in x, w, t1, t2 evaluated at every point, against the NumPy witness measured there."""

    def check(value) -> Verdict:
        try:
            got = [witness.number(sp.sympify(value, strict=True).subs(dict(zip(order, pt)))) for pt in points]
        except (TypeError, ValueError, sp.SympifyError):
            got = [None]
        if any(g is None for g in got):
            return Verdict("numeric", False, f"{what}: {sp.sstr(value)[:60]} is not a formula in x, w, t1, t2")
        return prove.close_all(measured, got, rtol=rtol, atol=atol, what=what)

    return check


def _differs(wrong: sp.Expr, right: sp.Expr, at: dict) -> bool:
    """At the sheet's point, far enough from the right value for the witness and the grader to tell apart."""
    a, b = float(explicit(wrong).subs(at)), float(explicit(right).subs(at))
    return abs(a - b) > 0.01 * abs(b) + 1e-9


def _outputs_part(sol, p, net, N, composed, formulas, points) -> None:
    pa = sol.part("a", "The outputs", r"Write $y_1$ and $y_2$ in terms of $x$ and $\mathbf w$.")
    if p.wiring == WIRING:
        pa.erratum(
            r"write $y_1$ and $y_2$ for the network of its figure, which is missing from its text; only "
            r"the input $x$, three weights $\mathbf w = [w_1, w_2, w_3]$, the sigmoid $\sigma$ and a "
            r"shared hidden layer are mentioned.",
            r"the outputs depend on the wiring. We assume the smallest network that fits: one "
            r"shared hidden unit $h = \sigma(w_1x)$, a linear regression head $y_1 = w_2h$ (a "
            r"regression target is unbounded, so no squashing) and a sigmoid classification head "
            r"$y_2 = \sigma(w_3h)$ (the cross-entropy needs a probability), no biases (none are "
            r"listed).",
            r"\texttt{wiring} = "
            + "; ".join(rf"${tex_name(u.name)} = {describe(u)}$" for u in net.units)
            + r" (give the real figure's wiring as this parameter).",
            key="wiring",
        )
    else:
        pa.text(r"The network is the one given in the parameter \texttt{wiring}.")
    pa.diagram(
        "network",
        r"The assumed multi-task network: $h$ is shared by the regression head $y_1$ and the "
        r"classification head $y_2$.",
        nn.draw(net.units, ["x"]),
        [f"{u.name} = {describe(u)}" for u in net.units],
        aside=True,  # the erratum states the three-neuron wiring in full; the drawing only repeats it
    )
    for u in net.units:
        built = explicit(composed[u.name])
        if all(s == "x" for s, _ in u.edges):  # written out already by its definition: a cross-check
            pa.claim(f"{u.name}", rf"${tex_name(u.name)}$ reads only the input, so there is nothing to "
                     r"substitute: the neuron built from the wiring computes the wiring's formula, read on its own,",
                     prove.equal(built, formulas[u.name]), latex=rf"{tex_name(u.name)} = {describe(u)}",
                     value=sp.Eq(built, formulas[u.name], evaluate=False), aside=True)
            continue
        pa.chain(f"{u.name}", tex_name(u.name)).define(describe(u), formulas[u.name], "the wiring").step(
            _tex(composed[u.name]), built, "substitute the neurons it reads")
    order = _order(net)
    arr = np.array(points, float).T
    measured = sim.forward(net.spec(), {"x": arr[0], **{n: arr[1 + i] for i, n in enumerate(net.params)}})
    at = dict(zip(order, (sp.nsimplify(v, rational=True) for v in points[0])))
    flat = [u if u.name in ("y1", "y2") else dataclasses.replace(u, activation="identity") for u in net.units]
    W = {n: sp.Symbol(n, real=True) for n in net.params}
    unsquashed, pre = compose(flat, {"x": X, **W})
    checks = {name: _at_points(order, points, measured[name], f"NumPy forward pass ({name})", 1e-10, 1e-12)
              for name in ("y1", "y2")}
    pa.claim("numpy", rf"A NumPy forward pass of the network at {len(points)} random inputs and weights gives "
             r"these $y_1$ and $y_2$.",
             functools.reduce(operator.and_, (checks[n](explicit(composed[n])) for n in checks)), aside=True)
    for name in ("y1", "y2"):
        right = explicit(composed[name])
        sol.answer(name, right, claims=("a.numpy",), rests_on=_assumed(p, "wiring"), check=checks[name])
        if _differs(unsquashed[name], right, at):
            sol.misconception(name, f"{name}-hidden-unsquashed", explicit(unsquashed[name]),
                              "The shared hidden layer applies its activation before the heads read it: "
                              + "; ".join(rf"${tex_name(u.name)} = {describe(u)}$" for u in net.units
                                          if u.name not in ("y1", "y2"))
                              + ". Passing the weighted input straight to the heads leaves out that nonlinearity.")
    _, pre = compose(net.units, {"x": X, **W})
    if _differs(pre["y2"], composed["y2"], at):
        sol.misconception("y2", "y2-output-unsquashed", explicit(pre["y2"]),
                          r"The classification head $y_2$ is a sigmoid of its weighted input, so that it is a "
                          r"probability in $(0, 1)$ for the cross-entropy. Without the output sigmoid it is only "
                          r"the pre-activation.")


def _gradient_part(sol, p, net, sign, N, to_xw, formulas, points) -> tuple[dict, dict]:
    pb = sol.part(
        "b",
        r"The gradient $\partial l/\partial w_1$",
        r"With $l = l_{reg} + l_{cls}$, the squared error on $y_1$ plus the cross-entropy on "
        r"$y_2$, find $\partial l/\partial w_1$ by the chain rule.",
    )
    pb.erratum(
        r"$l_{cls} = \sum_i [t_{2i}\ln(y_{2i}) + (1-t_{2i})\ln(1-y_{2i})]$, without a minus sign.",
        r"the cross-entropy is $l_{cls} = -\sum_i [t_{2i}\ln y_{2i} + (1-t_{2i})\ln(1-y_{2i})]$. "
        r"As printed it is the log-likelihood, largest (not smallest) at $y_2 = t_2$: "
        r"minimising it pushes the classifier away from its targets.",
        rf"the {'correct' if sign == 1 else 'printed'} sign (parameter \texttt{{cls\_sign}} = "
        rf"\texttt{{{p.cls_sign}}}).",
        key="sign",
    )
    b = p.log_base
    ln_b = logbase.ln(b)
    logbase.note(pb, b, r"$l_{cls}$ with $\ln$.", sheet_base="e")
    Y, T = sp.symbols("y t", positive=True)
    printed = T * logbase.log(Y, b) + (1 - T) * logbase.log(1 - Y, b)
    stationary = sp.solve(sp.together(sp.diff(printed, Y)), Y)
    per_ln = "" if b == "e" else rf"\,\ln {b}"
    pb.claim(
        "printed-maximum",
        r"As printed, $l_{cls}(y_2)$ is stationary only at $y_2 = t_2$, where its second "
        rf"derivative is $-1/(t_2(1-t_2){per_ln}) < 0$: a maximum.",
        prove.equal(len(stationary), 1)
        & prove.equal(stationary[0], T)
        & prove.equal(sp.diff(printed, Y, 2).subs(Y, T), -1 / (T * (1 - T) * ln_b)),
        aside=True,
    )
    pb.text(
        r"For a batch $l$ and its gradient are sums over the samples; below $n = 1$. "
        r"With $\delta_u = \partial l/\partial z_u$: $\delta_{y_1} = y_1 - t_1$; at $y_2$, $\partial "
        r"l_{cls}/\partial y_2 \cdot \sigma'(z_{y_2}) = "
        + logbase.scaled(r"\left(-\frac{t_2}{y_2} + \frac{1-t_2}{1-y_2}\right) y_2(1-y_2)", b)
        + (" = y_2 - t_2$" if b == "e" else rf" = (y_2 - t_2)/\ln {b}$")
        + r"; a hidden neuron's is $\sigma'(z)\sum_k w_k\delta_k$, $\sigma' = \sigma(1-\sigma)$."
    )
    env_d = {"x": X, **{n: sp.Symbol(n, real=True) for n in net.params}, **N}
    pre_d = {
        u.name: sum((env_d[w] * env_d[s] for s, w in u.edges), sp.Integer(0))
        + sum((env_d[b] for b in u.biases), sp.Integer(0))
        for u in net.units
    }
    w1 = sp.Symbol("w1", real=True)
    hand = {}
    for conv in ("correct", "printed") if sign == 1 else ("printed", "correct"):
        s_ = SIGN[conv]
        delta, grads = backprop(net.units, env_d, pre_d, T1, T2, s_, b)
        hand[conv] = grads
        ys = {n: explicit(to_xw[N[n]]) for n in ("y1", "y2")}
        dl_dy2 = -s_ * (T2 / N["y2"] - (1 - T2) / (1 - N["y2"])) / ln_b
        rule = "; ".join(
            rf"$\delta_{{{tex_name(u.name)}}} = {_tex(delta[u.name])}$"
            for u in reversed(net.units)
        )
        lhs = (
            r"\frac{\partial l}{\partial w_1}"
            if conv == "correct"
            else r"\frac{\partial l^{\mathrm{printed}}}{\partial w_1}"
        )
        # the question's derivation is the chain for the sign in use; the other sign's goes to the appendix
        ch = pb.chain(f"dw1-{conv}", lhs, aside=conv != p.cls_sign)
        derivative = sp.diff(formulas[conv]["l"], w1)
        chain_rule = ((ys["y1"] - T1) * sp.diff(ys["y1"], w1)
                      + dl_dy2.xreplace({N["y2"]: ys["y2"]}) * sp.diff(ys["y2"], w1))
        by_hand_ = explicit(grads["w1"].xreplace(to_xw))
        ch.define(
            rf"\frac{{\partial}}{{\partial w_1}}\left({loss_tex(s_, b, *LOSS_TEX)}\right)",
            derivative,
            "the loss as a function of $w_1$ (SymPy differentiates it)",
        )
        ch.step(
            rf"(y_1 - t_1)\frac{{\partial y_1}}{{\partial w_1}} + \left({_tex(dl_dy2)}\right)"
            r"\frac{\partial y_2}{\partial w_1}",
            chain_rule,
            r"$w_1$ reaches $l$ only through $y_1$ and $y_2$",
            verdict=_agree(derivative, chain_rule),
        )
        ch.step(
            _tex(grads["w1"]),
            by_hand_,
            "backpropagation: " + rule,
            verdict=_agree(chain_rule, by_hand_),
        )
        ch.step(
            _tex(grads["w1"].xreplace(to_xw)),
            explicit(grads["w1"].xreplace(to_xw)),
            "substituting " + ", ".join(rf"${tex_name(n)} = {sp.latex(to_xw[N[n]])}$" for n in N),
        )
    other = "printed" if sign == 1 else "correct"
    pb.text(
        rf"The {other} sign flips only the classification term, so the two derivatives differ by twice it, "
        r"$2\,\frac{\partial l_{cls}}{\partial y_2}\frac{\partial y_2}{\partial w_1}$."
    )
    # numeric witnesses at the sheet's point and at random points
    order = _order(net)
    f = sp.lambdify(
        order, [explicit(hand[p.cls_sign][n].xreplace(to_xw)) for n in net.params], "numpy"
    )
    derived = np.array([f(*pt) for pt in points], float)
    g = Graph.parse([*net.pairs, ("l", loss_text(p.cls_sign, p.log_base))], ("x", *net.params, "t1", "t2"))
    engine = []
    for pt in points:
        tape = Tape.record(g, dict(zip(["x", *net.params, "t1", "t2"], pt)))
        adj = tape.backward("l")
        engine.append([adj[g.names[n]] for n in net.params])
    pb.claim(
        "reverse-mode",
        r"The engine's reverse-mode sweep agrees with the hand gradient (all weights) at the "
        + ("sheet's point" if p.is_default("x", "w", "t1", "t2") else "given point")
        + rf" and {RANDOM_POINTS} random points $(x, \mathbf w, t_1, t_2)$.",
        prove.close_all(
            engine, derived, rtol=1e-10, atol=1e-13, what="tape against the chain rule"
        ),
        aside=True,
    )
    arr = np.array(points, float).T
    values = {"x": arr[0], **{n: arr[1 + i] for i, n in enumerate(net.params)}}
    base_f = logbase.number(b)
    fd = sim.central_gradient(net.spec(), values, list(net.params), arr[-2], arr[-1], sign, FD_STEP, base=base_f)
    pb.claim(
        "finite-differences",
        rf"Central differences (step ${power_of_ten(FD_STEP)}$) of a NumPy version of the "
        "network and loss agree at the same points.",
        prove.close_all(fd.T, derived, rtol=1e-6, atol=1e-8, what="central differences"),
        aside=True,
    )
    moves = {}
    for conv in ("correct", "printed"):
        before, after = sim.classifier_step(
            net.spec(),
            {"x": p.x, **dict(zip(net.params, p.w))},
            list(net.params),
            p.t2,
            SIGN[conv],
            CLS_STEP,
            FD_STEP,
            base_f,
        )
        moves[conv] = (before, after)
    # the step moves y2 at first order unless y2 = t2 already or z_{y2} does not depend on w here
    Ws = [sp.Symbol(n, real=True) for n in net.params]
    here = {X: sp.nsimplify(p.x), **{s: sp.nsimplify(v) for s, v in zip(Ws, p.w)}}
    z2 = explicit(compose(net.units, {"x": X, **dict(zip(net.params, Ws))})[1]["y2"])
    slope = sum(float(sp.diff(z2, s).subs(here)) ** 2 for s in Ws)
    y2_here = float(explicit(to_xw[N["y2"]]).subs(here))
    gap = abs(y2_here - p.t2)
    # the step changes z_{y2} by about eta * slope * (y2 - t2), y2 by sigma' times that: beyond half the
    # gap it may overshoot the target, and first order no longer says which way |y2 - t2| goes
    short = CLS_STEP * slope * y2_here * (1 - y2_here) / float(np.log(base_f)) <= 0.5  # log_b: steps 1/ln b longer
    if slope > 1e-10 and gap > 1e-6 and short:
        before = moves["correct"][0]
        pb.claim(
            "start",
            rf"In NumPy the classifier starts at $|y_2 - t_2| = {pb.quote(before, 'start', '.6f')}$, as derived.",
            prove.close(before, gap, rtol=1e-12, atol=1e-15, what="NumPy |y2 - t2| against the derived one"),
            value=before,
            aside=True,
        )
        pb.claim(
            "correct-direction",
            rf"Then one gradient step ($\eta = {pb.setting(CLS_STEP)}$) on $l_{{cls}}$ alone with the correct "
            rf"sign moves it to ${pb.quote(moves['correct'][1], 'correct-direction', '.6f')}$, towards the target.",
            prove.on_instances({"correct sign: closer": moves["correct"][1] < before}, "NumPy gradient step"),
            value=moves["correct"][1],
            aside=True,
        )
        pb.claim(
            "printed-direction",
            rf"With the printed sign the same step moves it to "
            rf"${pb.quote(moves['printed'][1], 'printed-direction', '.6f')}$, away from the target.",
            prove.on_instances({"printed sign: farther": moves["printed"][1] > before}, "NumPy gradient step"),
            value=moves["printed"][1],
            aside=True,
        )
    right = explicit(hand[p.cls_sign]["w1"].xreplace(to_xw))
    sol.answer("dl/dw1 expression", right, claims=("b.finite-differences",),
               rests_on=_assumed(p, "wiring", "sign", logbase.KEY),
               check=_at_points(order, points, fd[0], "dl/dw1 by central differences", 1e-6, 1e-8))
    fd_other = sim.central_gradient(net.spec(), values, ["w1"], arr[-2], arr[-1], SIGN[other], FD_STEP,
                                    base=base_f)[0]
    other_check = _at_points(order, points, fd_other, f"dl/dw1 by central differences ({other} sign)", 1e-6, 1e-8)
    right_other = explicit(hand[other]["w1"].xreplace(to_xw))
    # the second answer of (b): shown in the body, since its derivation is in the appendix
    pb.claim("other-sign-finite-differences", rf"With the {other} sign of $l_{{cls}}$ the same steps give the "
             r"derivative below; central differences of the NumPy loss agree with it at the same points.",
             other_check(right_other), latex=_tex(hand[other]["w1"].xreplace(to_xw)), value=right_other, aside=False)
    sol.answer(f"dl/dw1 expression ({other} sign)", right_other, claims=("b.other-sign-finite-differences",),
               check=other_check, rests_on=_assumed(p, "wiring", logbase.KEY))
    slips = _slips(net, env_d, pre_d, sign, b, N)
    if sign == 1:
        slips["sheet-sign"] = hand["printed"]["w1"]
    at = dict(zip(order, (sp.nsimplify(v, rational=True) for v in points[0])))
    for id, wrong in slips.items():
        wrong = explicit(wrong.xreplace(to_xw))
        if _differs(wrong, right, at):
            sol.misconception("dl/dw1 expression", f"{id}-formula", wrong, SLIPS[id])
    return hand, slips


SLIPS = {
    "regression-path-only": r"$w_1$ feeds the shared hidden layer, which reaches the loss through both heads: "
    r"$\partial l/\partial w_1$ is the sum of the path through $y_1$ (regression) and the path through $y_2$ "
    r"(classification). Keeping only the regression path ignores that the classification loss depends on $w_1$ too.",
    "classification-path-only": r"$w_1$ feeds the shared hidden layer, which reaches the loss through both heads: "
    r"$\partial l/\partial w_1$ is the sum of the path through $y_1$ and the path through $y_2$. Keeping only the "
    r"classification path ignores the regression loss, which depends on $w_1$ as well.",
    "hidden-derivative-dropped": r"The chain rule passes through the hidden unit's activation: its derivative "
    r"(for a sigmoid, $h(1 - h)$) multiplies everything that flows back to $w_1$. Leaving it out treats the hidden "
    r"layer as linear.",
    "output-derivative-dropped": r"The classification delta is $\partial l/\partial z_{y_2}$: $\partial l/\partial "
    r"y_2$ times the output sigmoid's derivative $y_2(1 - y_2)$, which together simplify to $y_2 - t_2$. Using "
    r"$\partial l/\partial y_2$ alone leaves out the output sigmoid.",
    "sheet-sign": r"The sheet prints $l_{cls}$ without its minus sign: that is the log-likelihood, largest at "
    r"$y_2 = t_2$, so minimising it pushes the classifier away from its target. With the cross-entropy "
    r"$-[t_2\ln y_2 + (1 - t_2)\ln(1 - y_2)]$ the classification term of the gradient has the opposite sign.",
}


def _slips(net: Net, env: dict, pre: dict, sign: int, base: str, N: dict) -> dict[str, sp.Expr]:
    """dl/dw1 (in the neurons' symbols) as the common slips of the delta rule give it."""
    outputs = {pre["y1"], pre["y2"]}

    def linear_hidden(act: str, z: sp.Expr, a: sp.Expr) -> sp.Expr:
        return activation_derivative(act, z, a) if z in outputs else sp.Integer(1)

    reg = {"y1": regression_delta(env["y1"], T1)}
    cls = {"y2": classification_delta(env["y2"], T2, sign, base)}
    dl_dy2 = -sign * (T2 / N["y2"] - (1 - T2) / (1 - N["y2"])) / logbase.ln(base)
    cases = {
        "regression-path-only": (activation_derivative, {"y2": sp.Integer(0)}, reg),
        "classification-path-only": (activation_derivative, cls, {"y1": sp.Integer(0)}),
        "hidden-derivative-dropped": (linear_hidden, cls, reg),
        "output-derivative-dropped": (activation_derivative, {"y2": dl_dy2}, reg),
    }
    return {id: by_hand.backprop(net.units, env, pre, d, given, up)[1]["w1"] for id, (d, given, up) in cases.items()}


def _numbers_part(sol, p, net, sign, hand, formulas, slips) -> None:
    ws = ", ".join(f"{v:g}" for v in p.w)
    pc = sol.part(
        "c", "The numbers", rf"Evaluate the network for $x = {p.x:g}$, $\mathbf w = ({ws})$."
    )
    pc.erratum(
        r"the table gives the input and the weights but no targets $t_1, t_2$.",
        r"the outputs need no targets, but the loss and $\partial l/\partial w_1$ do.",
        rf"$t_1 = {p.t1:g}$, $t_2 = {p.t2:g}$ (parameters \texttt{{t1}}, \texttt{{t2}}).",
        key="targets",
    )
    exact = {
        "x": sp.nsimplify(p.x, rational=True),
        **{n: sp.nsimplify(v, rational=True) for n, v in zip(net.params, p.w)},
    }
    t1, t2 = sp.nsimplify(p.t1, rational=True), sp.nsimplify(p.t2, rational=True)
    at = {X: exact["x"], **{sp.Symbol(n, real=True): exact[n] for n in net.params}, T1: t1, T2: t2}
    env, pre = compose(net.units, exact)
    names = [u.name for u in net.units]
    # here every name in a display stands for its value: the table's, the targets', the neurons'
    pc.notation = Notation({**{tex_name(k): v for k, v in exact.items()}, sp.latex(T1): t1, sp.latex(T2): t2,
                            **{tex_name(n): explicit(env[n]) for n in names}}, READ)
    numbers = {k: explicit(v) for k, v in env.items() if k in exact or k in names}
    for u in net.units:
        value = explicit(env[u.name])
        ch = pc.chain(f"{u.name}", tex_name(u.name)).define(
            describe(u), formulas["correct"][u.name].subs(at), "the wiring"
        )
        ch.step(describe(u, numbers), value,
                ("the table's values" if p.is_default("x", "w") else "the given values") + " and the neurons above")
        # the exact value in sigmoids (sigma(sigma(1/4)/10)), not in nested exponentials
        exactly(ch, _tex(activate(u.activation, pre[u.name])), value)
    floats = {k: float(v) for k, v in exact.items()}
    measured = sim.forward(net.spec(), floats)
    pc.claim(
        "numpy",
        r"A NumPy forward pass of the drawn network gives the same values: "
        + ", ".join(rf"${tex_name(n)} \approx {quote(pc, explicit(env[n]), n)}$" for n in names)
        + ".",
        prove.close_all(
            [float(measured[n][0]) for n in names],
            [float(explicit(env[n])) for n in names],
            rtol=1e-12,
            atol=1e-15,
            what="NumPy network against exact",
        ),
        aside=True,
    )
    y1, y2 = explicit(env["y1"]), explicit(env["y2"])
    b = p.log_base
    base_f = logbase.number(b)
    loss = loss_value(y1, y2, t1, t2, sign, b)
    loss_shown = loss_value(env["y1"], env["y2"], t1, t2, sign, b)
    pc.chain("loss", "l").define(
        loss_tex(sign, b, *LOSS_TEX),
        formulas[p.cls_sign]["l"].subs(at),
        f"the {p.cls_sign} sign",
    ).step(  # its exact form nests sigmoids three deep: the value is shown as a decimal only
        approximately(loss_tex(sign, b, number(y1), factor(t1), factor(y2), rf"{number(t2)} \cdot",
                               factor(1 - y2), rf"{number(1 - t2)} \cdot"), explicit(loss_shown)),
        loss,
        rf"$t_1 = {p.t1:g}$, $t_2 = {p.t2:g}$",
    )
    pc.claim(
        "numpy-loss",
        r"The NumPy loss agrees.",
        prove.close(
            float(sim.loss(net.spec(), floats, p.t1, p.t2, sign, base=base_f)[0]),
            float(loss),
            rtol=1e-12,
            what="NumPy loss",
        ),
        aside=True,
    )
    N = {u.name: sp.Symbol(u.name, real=True) for u in net.units}
    vals = (
        {sp.Symbol(k, real=True): floats[k] for k in floats}
        | {N[n]: explicit(env[n]) for n in N}
        | {T1: p.t1, T2: p.t2}
    )
    at_n = {
        **{sp.Symbol(k, real=True): exact[k] for k in exact},
        **{N[n]: env[n] for n in N},
        T1: t1,
        T2: t2,
    }
    w1 = sp.Symbol("w1", real=True)
    g_exact = {conv: explicit(hand[conv]["w1"].xreplace(at_n)) for conv in hand}
    sympy_at = sp.diff(formulas[p.cls_sign]["l"], w1).subs(at)
    g_hand = g_exact[p.cls_sign]
    pc.chain("dw1", r"\frac{\partial l}{\partial w_1}").define(
        _tex(hand[p.cls_sign]["w1"]), g_hand, "the formula of (b)",
    ).step(
        approximately(_shown(hand[p.cls_sign]["w1"], vals), g_hand),
        g_hand,
        "the values above; SymPy's derivative of the composed loss, at the same values, agrees",
        verdict=_agree(sympy_at, g_hand),
    )
    g = Graph.parse([*net.pairs, ("l", loss_text(p.cls_sign, p.log_base))], ("x", *net.params, "t1", "t2"))
    tape = Tape.record(g, {**floats, "t1": p.t1, "t2": p.t2})
    adj = tape.backward("l")
    pc.table(
        ["adjoint", "rule", "value"],
        tables.adjoint_rows(g, adj, "l"),
        caption=r"The same gradient by the autodiff engine: one backward sweep from $\bar l = 1$; "
                r"the rows "
        r"$\bar w_1, \bar w_2, \bar w_3$ are $\partial l/\partial\mathbf w$.",
        aside=True,
    )
    pc.claim(
        "engine",
        rf"The engine's $\bar w_1 = {quote(pc, adj[g.names['w1']], 'engine')}$ agrees.",
        # a saturated sigmoid's s(1 - s) rounds to 0 in floats: gradients below eps times the loss are lost
        prove.close(adj[g.names["w1"]], float(g_exact[p.cls_sign]), rtol=1e-12, what="tape",
                    atol=1e-14 * max(1.0, abs(float(loss)))),
        value=adj[g.names["w1"]],
        aside=True,
    )
    other = "printed" if sign == 1 else "correct"
    fd_other = sim.central_gradient(net.spec(), floats, ["w1"], p.t1, p.t2, SIGN[other], FD_STEP, base=base_f)[
        0, 0
    ]
    pc.claim(
        "other-sign",
        rf"With the {other} sign of $l_{{cls}}$ instead, $\partial l/\partial w_1 = "
        rf"{quote(pc, g_exact[other], 'other-sign')}$ (central differences of the NumPy loss agree).",
        prove.close(
            float(fd_other), float(g_exact[other]), rtol=1e-6, what="central difference",
            # l(w1 +- h) are rounded to about eps l each: the difference carries about 1e-9 l
            atol=1e-9 * max(1.0, abs(float(sim.loss(net.spec(), floats, p.t1, p.t2, SIGN[other], base=base_f)[0]))),
        ),
        value=g_exact[other],
        aside=True,
    )
    sol.answer(", ".join(names), [explicit(env[n]) for n in names], claims=("c.numpy",), rests_on=_assumed(p, "wiring"),
               check=witness.close_all([float(measured[n][0]) for n in names], rtol=1e-12, atol=1e-15,
                                       what="NumPy forward pass"))
    loss_np = float(sim.loss(net.spec(), floats, p.t1, p.t2, sign, base=base_f)[0])
    sol.answer("loss", loss, claims=("c.numpy-loss",), check=witness.close(loss_np, rtol=1e-12, what="NumPy loss"),
               rests_on=_assumed(p, "wiring", "sign", logbase.KEY, "targets"))
    wrong_losses = {"loss-sheet-sign": loss_value(y1, y2, t1, t2, -1, b)} if sign == 1 else {}
    if b != "10":
        wrong_losses["loss-log10"] = loss_value(y1, y2, t1, t2, sign, "10")
    for id, wrong in wrong_losses.items():
        if _differs(wrong, loss, {}):
            why = LOSS_SLIPS[id] if id != "loss-log10" or b == "e" else (
                rf"The loss is taken with ${logbase.tex(b)}$ (see the erratum of (b)): a calculator's log key "
                rf"(base $10$) gives values ${logbase.tex(b)} 10$ times too small.")
            sol.misconception("loss", id, wrong, why)
    sol.answer("dl/dw1", g_exact[p.cls_sign], claims=("c.engine",),
               rests_on=_assumed(p, "wiring", "sign", logbase.KEY, "targets"),
               check=witness.close(adj[g.names["w1"]], rtol=1e-12, what="the engine's reverse sweep",
                                   atol=1e-14 * max(1.0, abs(float(loss)))))
    for id, wrong in slips.items():
        wrong = explicit(wrong.xreplace(at_n))
        if _differs(wrong, g_exact[p.cls_sign], {}):
            sol.misconception("dl/dw1", id, wrong, SLIPS[id])
    sol.answer(f"dl/dw1 ({other} sign)", g_exact[other], claims=("c.other-sign",),
               rests_on=_assumed(p, "wiring", logbase.KEY, "targets"),
               check=witness.close(float(fd_other), rtol=1e-6, what="central difference",
                                   atol=1e-9 * max(1.0, abs(float(sim.loss(net.spec(), floats, p.t1, p.t2,
                                                                            SIGN[other], base=base_f)[0])))))


LOSS_SLIPS = {
    "loss-sheet-sign": r"The sheet prints $l_{cls}$ without its minus sign. The cross-entropy $-[t_2\ln y_2 + "
    r"(1 - t_2)\ln(1 - y_2)]$ is positive; the printed sum is its negative, the log-likelihood, which makes the "
    r"loss smaller the worse the classifier does.",
    "loss-log10": r"The cross-entropy's $\ln$ is the natural logarithm: a calculator's log key (base $10$) gives "
    r"values $\ln 10$ times too small.",
}


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
