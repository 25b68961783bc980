"""Forward pass, backprop, one SGD step and one momentum step in a 2-2-1 ReLU/sigmoid network.

The network is given as text and read three ways: the autodiff engine's graph
(its tape gives every adjoint), SymPy's own parse of the same text (exact
values and derivatives), and the neurons it describes, which are drawn and
which `checks.two_layer_sgd` runs in NumPy (finite differences, optimisers).
Backpropagation by hand (the delta rule) is derived here and must agree with
all three.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import two_layer_sgd as sim
from theory.autodiff import Graph, Tape, tables
from theory.autodiff import delta as by_hand
from theory.autodiff import network as nn
from theory.autodiff.network import describe, factor, named_units, names_in, number, power_of_ten, quote, tex_name
from theory.autodiff.ops import CONSTANTS, FUNCTIONS
from theory.core import expr, logbase, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, numbers, param
from theory.core.solution import Solution
from theory.core.verdict import Verdict
from theory.jacobians import independent_sympy, input_names, program

TOPIC = "two_layer_sgd"
SOURCE = "comp433-a2, Question 5"

WIRING = (
    "h1 = relu(w1*x1 + w3*x2 + b1); h2 = relu(w2*x1 + w4*x2 + b2); y = sigmoid(w5*h1 + w6*h2 + b3)"
)
# the other common numbering: weights counted by hidden unit (w1, w2 into h1)
ALT_WIRING = (
    "h1 = relu(w1*x1 + w2*x2 + b1); h2 = relu(w3*x1 + w4*x2 + b2); y = sigmoid(w5*h1 + w6*h2 + b3)"
)
WEIGHTS = "w1=0.1, w2=0.2, w3=0.3, w4=0.4, w5=0.5, w6=0.6, b1=0.1, b2=0.2, b3=0.3"
LOSS = "-(t*ln({y}) + (1 - t)*ln(1 - {y}))"
RESERVED = ("t", "L")
HIDDEN = ("relu", "sigmoid", "tanh", "identity")
FD_STEP = 1e-6
SMALL_STEP = 0.1  # the SGD step's length below which (c) checks that the loss decreases
MOMENTUM_RUN = 20  # steps of both momentum conventions compared in (d)
# finite-difference step of those runs: both see the same truncation error at the same point, and the
# rounding noise (eps L / h) that splits them is 100 times smaller than with FD_STEP
RUN_STEP = 1e-4
MAX_VALUE = 10.0  # |weight|, |input|: a sheet's network, where the float witnesses keep their digits
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # names reach LaTeX: ASCII identifiers only
# the derivation is exact (SymPy numbers): its expressions grow fast with the network. A second hidden
# layer of sigmoids takes minutes; one layer of 4 sigmoids with 48 parameters about 25 s
MAX_INPUTS, MAX_HIDDEN, MAX_PARAMS = 8, 4, 48
SYMPY_BUDGET_S = 24.0  # seconds SymPy may spend proving the exact gradient equal, all parameters together
LARGE_OPS = 100  # operations in an exact gradient beyond which it is compared to 50 digits, not proved


# --- reading the parameters -----------------------------------------------------------------


def parse_weights(text: str) -> dict[str, float]:
    """`"w1=0.1, b1=0.2"` -> {"w1": 0.1, "b1": 0.2}, each name an ASCII identifier, each |value| <= MAX_VALUE."""
    out: dict[str, float] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not NAME.fullmatch(name):
            raise BadInput(f"weights: expected 'name=value' with a name of letters, digits and _, "
                           f"got {item.strip()[:60]!r}")
        try:
            number = float(value)
        except ValueError:
            raise BadInput(f"weights: {name[:20]} = {value.strip()[:40]!r} is not a number") from None
        if not abs(number) <= MAX_VALUE:
            raise BadInput(f"weights: {name[:20]} = {value.strip()[:40]} is outside [-{MAX_VALUE:g}, {MAX_VALUE:g}]")
        if name in FUNCTIONS or name in CONSTANTS:
            raise BadInput(f"weights: {name[:20]} is a function or constant of the wiring, not a parameter name")
        if name in out:
            raise BadInput(f"weights: {name[:20]} is given twice")
        out[name] = number
    if not out:
        raise BadInput("weights: no parameter values given")
    return out


def _listed(names: list[str] | tuple[str, ...], most: int = 6) -> str:
    """Names for a message: the first few, then how many more."""
    shown = ", ".join(n[:20] for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


@dataclass
class Net:
    pairs: list[tuple[str, str]]
    graph: Graph
    units: list[nn.Neuron]
    data: tuple[str, ...]
    params: tuple[str, ...]
    output: str

    def spec(self) -> list[tuple]:
        """The neurons as plain data for the NumPy witness."""
        return [(u.name, u.activation, list(u.edges), list(u.biases)) for u in self.units]


def build(wiring: str, weights: dict[str, float], n_inputs: int) -> Net:
    """Parse and validate the wiring: inputs x1..xn, every other name a parameter with a value."""
    pairs = program(wiring)
    for name, text in pairs:  # the safe reader's limits first, then the names
        expr.tree(text, f"wiring: {name[:20]} = {text[:60]!r}")
        if not NAME.fullmatch(name):
            raise BadInput(f"wiring: {name[:60]!r} is not a name (a letter, then letters, digits or _)")
    data = tuple(f"x{i + 1}" for i in range(n_inputs))
    used = names_in(pairs)
    odd = [n for n in used if not NAME.fullmatch(n)]
    if odd:
        raise BadInput(f"wiring: {odd[0][:60]!r} is not a name (a letter, then letters, digits or _)")
    clash = [n for n in RESERVED if n in used or n in dict(pairs)]
    if clash:
        raise BadInput(
            f"wiring: the names {', '.join(clash)} are reserved for the target and the loss"
        )
    missing = [n for n in used if n not in data and n not in weights]
    if missing:
        raise BadInput(
            f"wiring uses {_listed(missing)} but weights gives no value for it (inputs are "
            f"{_listed(data)})"
        )
    unused = [n for n in weights if n not in used]
    if unused:
        raise BadInput(f"weights gives {_listed(unused)}, which the wiring does not use")
    params = tuple(weights)
    graph = Graph.parse(pairs, data + params)
    if len(graph.outputs) != 1:
        raise BadInput(f"wiring must end in one output, got {_listed(graph.outputs)}")
    units = named_units(graph, set(data))
    _check_size(units, data, params)
    if units[-1].activation != "sigmoid":
        raise BadInput("the output neuron must be a sigmoid (the loss is binary cross-entropy)")
    odd = [u.name for u in units if u.activation not in HIDDEN]
    if odd:
        raise BadInput(f"neurons {_listed(odd)}: activations must be one of {', '.join(HIDDEN)}")
    return Net(pairs, graph, units, data, params, graph.outputs[0])


def _check_size(units: list[nn.Neuron], data: tuple[str, ...], params: tuple[str, ...]) -> None:
    """One hidden layer of at most MAX_HIDDEN neurons and at most MAX_PARAMS parameters."""
    hidden = {u.name for u in units[:-1]}
    deep = [u.name for u in units[:-1] if any(s_ in hidden for s_, _ in u.edges)]
    if deep:
        raise BadInput(f"neuron {deep[0][:20]} takes a hidden neuron's output: the wiring may have one hidden "
                       "layer (the exact derivation of a second one takes minutes)")
    if len(hidden) > MAX_HIDDEN or len(params) > MAX_PARAMS:
        raise BadInput(f"{len(hidden)} hidden neurons and {len(params)} parameters: at most {MAX_HIDDEN} and "
                       f"{MAX_PARAMS} (the exact derivation grows fast with the network)")


# --- the derived formulas (monkeypatched by the tests) --------------------------------------


def loss_text(y: str, base: str) -> str:
    """The loss line read by the engine and by SymPy: the cross-entropy of output y in log_b."""
    return LOSS.format(y=y) if base == "e" else f"{LOSS.format(y=y)}/ln({base})"


def cross_entropy(y: sp.Expr, t: sp.Expr, base: str) -> sp.Expr:
    """Binary cross-entropy L = -[t log_b y + (1 - t) log_b(1 - y)]."""
    return -(t * logbase.log(y, base) + (1 - t) * logbase.log(1 - y, base))


def activate(act: str, z: sp.Expr) -> sp.Expr:
    return {
        "relu": lambda: sp.Max(z, 0),
        "sigmoid": lambda: 1 / (1 + sp.exp(-z)),
        "tanh": lambda: sp.tanh(z),
        "identity": lambda: z,
    }[act]()


# the activations as the displays write them (\tanh is read as it is)
READ = {r"\mathrm{ReLU}": lambda z: activate("relu", z), "sigma": lambda z: activate("sigmoid", z)}


def forward(units: list[nn.Neuron], values: dict[str, sp.Expr]) -> tuple[dict, dict]:
    """Every neuron's pre-activation z and output a, exactly, neuron by neuron."""
    return by_hand.forward(units, values, activate)


def output_delta(y: sp.Expr, t: sp.Expr, base: str) -> sp.Expr:
    """dL/dz at a sigmoid output under cross-entropy: y(1-y) * (-t/y + (1-t)/(1-y)) / ln b = (y - t) / ln b."""
    return (y - t) / logbase.ln(base)


def activation_derivative(act: str, z: sp.Expr, a: sp.Expr) -> sp.Expr:
    """a'(z) for a hidden neuron, from its pre-activation z and output a (ReLU: 0 at z <= 0)."""
    if act == "relu":
        return sp.Integer(1) if z > 0 else sp.Integer(0)
    return {"sigmoid": a * (1 - a), "tanh": 1 - a**2, "identity": sp.Integer(1)}[act]


def backprop(units: list[nn.Neuron], env: dict, pre: dict, t: sp.Expr, base: str) -> tuple[dict, dict]:
    """The delta rule: delta_out = (y - t) / ln b, delta_u = a'(z_u) sum_k w_uk delta_k.

    Then dL/dw = delta x (the value w multiplies) and dL/db = delta.
    """
    out = units[-1].name
    return by_hand.backprop(units, env, pre, activation_derivative, {out: output_delta(env[out], t, base)})


def zero_reasons(units: list[nn.Neuron], env: dict, pre: dict, delta: dict,
                 z_shown: Callable[[str], str]) -> dict[str, str]:
    """Parameters whose gradient is exactly 0, with the reason read off the network (`z_shown(u)` prints the
    pre-activation of neuron u)."""
    why: dict[str, list[str]] = {}
    live: set[str] = set()
    for u in units:
        if delta[u.name] == 0:
            dead = u.activation == "relu" and not pre[u.name] > 0
            reason = (
                rf"${tex_name(u.name)}$ is a dead ReLU ($z_{{{tex_name(u.name)}}} = {z_shown(u.name)} \le 0$)"
                if dead
                else rf"no gradient reaches ${tex_name(u.name)}$ from the loss"
            )
        else:
            reason = ""
        for s, w in u.edges:
            edge_reason = reason or (rf"it multiplies ${tex_name(s)} = 0$" if env[s] == 0 else "")
            (why.setdefault(w, []).append(edge_reason) if edge_reason else live.add(w))
        for b in u.biases:
            (why.setdefault(b, []).append(reason) if reason else live.add(b))
    return {p: "; ".join(dict.fromkeys(r)) for p, r in why.items() if p not in live}


def sgd_step(w: sp.Expr, g: sp.Expr, eta: sp.Expr) -> sp.Expr:
    """w <- w - eta * dL/dw."""
    return w - eta * g


def momentum_velocity_form(w: sp.Expr, v: sp.Expr, g: sp.Expr, eta: sp.Expr, mu: sp.Expr) -> tuple:
    """(i) Sutskever / CS231n / Goodfellow et al.: v <- mu v - eta g, w <- w + v; returns (v, w)."""
    v_new = mu * v - eta * g
    return v_new, w + v_new


def momentum_buffer_form(w: sp.Expr, v: sp.Expr, g: sp.Expr, eta: sp.Expr, mu: sp.Expr) -> tuple:
    """(ii) PyTorch: v <- mu v + g, w <- w - eta v; returns (v, w)."""
    v_new = mu * v + g
    return v_new, w - eta * v_new


# --- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Params(Parameters):
    wiring: str = param(
        WIRING,
        "the network as 'name = expression' lines separated by ';' (inputs x1, x2, ...; the figure "
        "is missing from the sheet)",
    )
    weights: str = param(WEIGHTS, "parameter values as 'name=value' separated by commas (Table 1), "
                         f"each in [-{MAX_VALUE:g}, {MAX_VALUE:g}]")
    x: tuple = param((1.0, 0.0), "the input (x1, x2, ...)",
                     check=numbers("the input", lo=-MAX_VALUE, hi=MAX_VALUE, length=(1, MAX_INPUTS),
                                   example="(1, 0)"))
    target: float = param(1.0, "target t of the cross-entropy", lo=0.0, hi=1.0)
    # beyond 10 the 20 momentum steps of (d) can diverge, and rounding then splits the two runs
    eta: float = param(0.1, "learning rate", lo=1e-6, hi=10.0)
    mu: float = param(0.9, "momentum coefficient", lo=0.0, hi=1.0, hi_open=True)
    velocity: float = param(0.5, "current velocity of the momentum parameter", lo=-MAX_VALUE, hi=MAX_VALUE)
    update: str = param("w1, w4, w5, w6, b1, b3", "parameters whose SGD update is tabulated")
    momentum_param: str = param("w5", "the parameter updated with momentum")
    log_base: str = logbase.field("the cross-entropy's log")

    def __post_init__(self) -> None:
        super().__post_init__()
        weights = parse_weights(self.weights)
        net = build(self.wiring, weights, len(self.x))
        for name in [*input_names(self.update), self.momentum_param]:
            if name not in weights:
                raise BadInput(f"{name[:20]!r} is not a parameter of the network ({_listed(tuple(weights))})")
        nn.refuse_out_of_range(net.units, {**dict(zip(net.data, map(float, self.x))), **weights}, on_kink=False)


# --- formatting -------------------------------------------------------------------------------


def _act_prime(u: nn.Neuron) -> str:
    return {
        "relu": rf"\mathrm{{ReLU}}'(z_{{{tex_name(u.name)}}})",
        "sigmoid": rf"{tex_name(u.name)}(1 - {tex_name(u.name)})",
        "tanh": rf"(1 - {tex_name(u.name)}^2)",
        "identity": "",
    }[u.activation]


def _delta_rule(u: nn.Neuron, units: list[nn.Neuron], output: str, t_tex: str, base: str) -> str:
    if u.name == output:
        return rf"{tex_name(u.name)} - {t_tex}" if base == "e" else rf"({tex_name(u.name)} - {t_tex})/\ln {base}"
    terms = [
        rf"{tex_name(w)}\,\delta_{{{tex_name(v.name)}}}" for v in units for s, w in v.edges if s == u.name
    ]
    inner = " + ".join(terms) or "0"
    prime = _act_prime(u)
    return rf"{prime}\left({inner}\right)" if prime else inner


def _same_value(a: sp.Expr, b: sp.Expr, budget: float) -> Verdict:
    """An exact gradient by hand against SymPy's: proved when the two are small enough to try (within
    `budget` seconds), else compared to 50 significant digits, and the verdict then says numeric
    (proving or even sampling a sigmoid network's large sums of exponentials takes minutes)."""
    if sp.count_ops(a) + sp.count_ops(b) <= LARGE_OPS:
        return prove.equal(a, b, budget=budget)
    return prove.to_digits(a, b)


def _factored(e: sp.Expr, budget: float) -> sp.Expr:
    """An exact gradient as shown: factored if SymPy manages within `budget` seconds, else as it is
    (a sigmoid network's sums of exponentials can take minutes to factor)."""
    factored = prove.attempt(lambda: sp.factor(e), budget)
    return e if factored is None else factored


# --- solving ----------------------------------------------------------------------------------


def solve(p: Params, ctx: Context) -> Solution:
    weights = parse_weights(p.weights)
    net = build(p.wiring, weights, len(p.x))
    floats = {**dict(zip(net.data, map(float, p.x))), **weights}
    exact = {k: sp.nsimplify(v, rational=True) for k, v in floats.items()}
    t = sp.nsimplify(p.target, rational=True)
    eta, mu, v0 = (sp.nsimplify(v, rational=True) for v in (p.eta, p.mu, p.velocity))
    y_name = net.output
    loss_line = ("L", loss_text(y_name, p.log_base))

    # the three readings of the wiring
    full = Graph.parse([*net.pairs, loss_line], (*net.data, "t", *net.params))
    tape = Tape.record(full, {**floats, "t": p.target})
    kinks = full.kinks(tape.values)
    if kinks:
        raise BadInput(f"the loss is not differentiable at these values: {'; '.join(kinks)}")
    syms = {n: sp.Symbol(n, real=True) for n in (*net.data, "t", *net.params)}
    formulas = independent_sympy([*net.pairs, loss_line], syms)
    at = {syms[n]: v for n, v in exact.items()} | {syms["t"]: t}
    env, pre = forward(net.units, exact)
    spec = net.spec()
    numpy_z: dict[str, np.ndarray] = {}
    numpy_env = sim.forward(spec, floats, numpy_z)

    sol = Solution(
        TOPIC,
        "One SGD step and one momentum step by backpropagation",
        SOURCE,
        p,
        # every name in the displays stands for its value: the inputs, the parameters, the neurons, t
        notation=Notation({**{tex_name(n): v for n, v in env.items()}, "t": t}, READ,
                          printing={"ln_notation": True}),
        question=(
            (r"Two inputs, two ReLU hidden units and a sigmoid output" if p.is_default("wiring") else
             r"The network given in the parameter \texttt{wiring}")
            + r", trained with the binary cross-entropy from "
            + (r"the parameter values of the sheet's table" if p.is_default("weights") else
               r"the values given in the parameter \texttt{weights}")
            + ": " + ", ".join(rf"${tex_name(n)} = {v:g}$" for n, v in weights.items()) + "."
        ),
    )

    _forward_part(sol, p, net, exact, env, pre, formulas, at, tape, numpy_env, numpy_z)
    loss_exact = _loss_part(sol, p, net, env, t, formulas, at, floats)
    grads, float_grads = _gradient_part(
        sol, p, net, exact, env, pre, t, eta, formulas, at, full, tape, floats, spec
    )
    _momentum_part(sol, p, net, exact, float_grads, grads, eta, mu, v0, floats, spec)
    _output_answers(sol, p, net, exact, env, pre, t, loss_exact, float(numpy_env[y_name][0]),
                    float(sim.loss(spec, floats, p.target, logbase.number(p.log_base))[0]))
    return sol


def _assumed(p: Params, *keys: str) -> tuple[str, ...]:
    """What an answer rests on: `keys`, and the wiring where the sheet's figure is missing and it is assumed."""
    return (("wiring",) if p.wiring == WIRING else ()) + keys


def _output_answers(sol, p, net, exact, env, pre, t, loss: sp.Expr, y_numpy: float, loss_numpy: float) -> None:
    """y and L checked against the NumPy network, with their slips where they change the value."""
    out, b = net.output, p.log_base
    y = env[out]
    sol.answer("y", y, claims=("a.numpy",), check=witness.close(y_numpy, rtol=1e-12, atol=1e-15, what="NumPy y"),
               rests_on=_assumed(p))
    last = net.units[-1]
    y_tex = tex_name(out)
    slips = [("no-output-sigmoid", pre[out], rf"The output unit is a sigmoid, ${y_tex} = \sigma(z)$, not its weighted "
              r"input $z$: the cross-entropy needs a probability in $(0, 1)$.")]
    if last.biases:
        slips.append(("output-bias-dropped", activate(last.activation, pre[out] - sum(exact[c] for c in last.biases)),
                      rf"The output's weighted input includes its bias: ${y_tex} = {describe(last)}$."))
    for id, wrong, why in slips:
        if _differs([wrong], [y]):
            sol.misconception("y", id, wrong, why)
    sol.answer("loss", loss, claims=("b.numpy",), rests_on=_assumed(p, logbase.KEY),
               check=witness.close(loss_numpy, rtol=1e-12, what="NumPy cross-entropy"))
    lg = logbase.tex(b)
    slips = [("loss-missing-minus", -loss, rf"The cross-entropy is $-[t {lg} {y_tex} + (1 - t) {lg}(1 - {y_tex})]$: "
              r"the logs of probabilities are negative, and the minus makes the loss positive.")]
    if t != sp.Rational(1, 2):
        slips.append(("loss-target-swapped", cross_entropy(y, 1 - t, b),
                      rf"The term ${lg} {y_tex}$ goes with the target $t$ and ${lg}(1 - {y_tex})$ with $1 - t$: the "
                      rf"loss is small when ${y_tex}$ is close to $t$. Swapping them scores the prediction against "
                      r"the other class."))
    if b != "10":
        slips.append(("loss-log10", cross_entropy(y, t, "10"),
                      rf"The loss is taken with ${lg}$ (see the erratum of (b)); a calculator's log key (base "
                      rf"$10$) gives values ${lg} 10$ times too small."))
    for id, wrong, why in slips:
        if _differs([wrong], [loss]):
            sol.misconception("loss", id, wrong, why)


def _forward_part(sol, p, net, exact, env, pre, formulas, at, tape, numpy_env, numpy_z) -> None:
    xs = ", ".join(f"{v:g}" for v in p.x)
    pa = sol.part(
        "a", "The network and its output", rf"Compute the output $y$ for $\mathbf x = ({xs})$."
    )
    if p.wiring == WIRING:
        pa.erratum(
            r"``Figure 1: Network with 2 hidden neurons'': the figure is not in the text of the "
            r"sheet, so which weight joins which pair of units is not given.",
            r"the answer depends on the wiring. We take the usual layout that numbers the input "
            r"weights by source, $x_1 \to h_1$ ($w_1$), $x_1 \to h_2$ ($w_2$), $x_2 \to h_1$ "
            r"($w_3$), $x_2 \to h_2$ ($w_4$), with $w_5, w_6$ from $h_1, h_2$ to the output and "
            r"biases $b_1, b_2, b_3$ on $h_1, h_2, y$. Another common layout numbers them by "
            r"hidden unit ($w_1, w_2$ into $h_1$); both put $w_1$ on $x_1 \to h_1$ and $w_4$ on "
            r"$x_2 \to h_2$.",
            r"\texttt{wiring} = "
            + r"; ".join(rf"${tex_name(u.name)} = {describe(u)}$" for u in net.units)
            + r" (give the real figure's wiring as this parameter).",
            key="wiring",
        )
    else:
        pa.text(r"The network is the one given in the parameter \texttt{wiring}.")
    pa.diagram(
        "network",
        r"The assumed network: a neuron shows its activation, name and (below) bias, an edge its weight.",
        nn.draw(net.units, list(net.data)),
        [f"{u.name} = {describe(u)}" for u in net.units],
    )
    given = "the table's values" if p.is_default("weights", "x") else "the given values"
    for u in net.units:
        ch = pa.chain(f"forward-{u.name}", tex_name(u.name))
        ch.define(describe(u), formulas[u.name].subs(at), "the wiring")
        ch.step(describe(u, env), env[u.name], given)
        act = nn.ACTIVATIONS.get(u.activation, "")
        z_tex = sp.latex(pre[u.name])
        if act:
            ch.step(
                rf"{act}\left({z_tex}\right)", activate(u.activation, pre[u.name]), "arithmetic"
            )
        ch.step(rf"{sp.latex(env[u.name])} \approx {number(env[u.name])}", env[u.name], "")
    names = [u.name for u in net.units]
    exact_f = [float(env[n]) for n in names]
    pa.claim(
        "engine",
        r"The autodiff engine's forward pass over the same wiring gives these values.",
        prove.close_all(
            [tape.values[tape.graph.names[n]] for n in names],
            exact_f,
            rtol=1e-12,
            atol=1e-15,
            what="engine against exact",
        ),
        aside=True,
    )
    pa.claim(
        "numpy",
        r"An independent NumPy forward pass of the drawn network gives these values.",
        prove.close_all(
            [float(numpy_env[n][0]) for n in names],
            exact_f,
            rtol=1e-12,
            atol=1e-15,
            what="NumPy network against exact",
        ),
        aside=True,
    )
    for u in net.units[:-1]:  # the hidden pre-activations, which say whether a ReLU is dead
        pa.claim(
            f"z-{u.name}",
            rf"The NumPy network's pre-activation $z_{{{tex_name(u.name)}}}$ is the exact one.",
            prove.close(float(numpy_z[u.name][0]), float(pre[u.name]), rtol=1e-12, atol=1e-15,
                        what="NumPy pre-activation against exact"),
            value=pre[u.name],
            aside=True,
        )
    zero_x = [d for d, v in zip(net.data, p.x) if v == 0]
    if zero_x:
        silent = sorted({w for u in net.units for s, w in u.edges if s in zero_x})
        pa.text(
            rf"Since ${', '.join(f'{tex_name(d)} = 0' for d in zero_x)}$, the weights "
            rf"${', '.join(tex_name(w) for w in silent)}$ do not enter."
        )
    if p.wiring == WIRING:
        alt = build(ALT_WIRING, parse_weights(p.weights), len(p.x))
        alt_env, _ = forward(alt.units, exact)
        alt_np = sim.forward(alt.spec(), {k: float(v) for k, v in exact.items()})[alt.output][0]
        alt_y = alt_env[alt.output]
        pa.claim(
            "other-layout",
            r"Under the other layout ("
            + "; ".join(rf"${tex_name(u.name)} = {describe(u)}$" for u in alt.units)
            + rf") the output would be $y = {pa.quote(alt_y, 'other-layout')} \approx "
            rf"{quote(pa, alt_y, 'other-layout')}$ instead (checked by the NumPy network).",
            prove.close(
                float(alt_np),
                float(alt_y),
                rtol=1e-12,
                what="NumPy network, other layout",
            ),
            value=alt_y,
            aside=True,
        )


def _loss_part(sol, p, net, env, t, formulas, at, floats) -> sp.Expr:
    pb = sol.part(
        "b", "The loss", rf"Compute the cross-entropy loss for target $t = {p.target:g}$."
    )
    logbase.note(pb, p.log_base, r"``The loss function is a cross entropy loss function'', without the base of "
                 r"its logarithm.")
    y = env[net.output]
    value = cross_entropy(y, t, p.log_base)
    shown = sp.expand_log(value, force=True)
    per = "" if p.log_base == "e" else rf"\frac{{1}}{{\ln {p.log_base}}}"  # log_b = ln / ln b
    pb.chain("loss", "L").define(
        rf"-{per}\left[t \ln {tex_name(net.output)} + (1-t) \ln(1 - {tex_name(net.output)})\right]",
        formulas["L"].subs(at),
        "binary cross-entropy",
    ).step(
        rf"-{per}\left[{sp.latex(t)} \cdot \ln {number(y)} + {sp.latex(1 - t)} \cdot \ln "
        rf"{number(1 - y)}\right]",
        value,
        rf"$t = {sp.latex(t)}$ and ${tex_name(net.output)}$ from (a)",
    ).step(rf"{sp.latex(shown, ln_notation=True)} \approx {number(value)}", shown, "")
    measured = float(sim.loss(net.spec(), floats, p.target, logbase.number(p.log_base))[0])
    pb.claim(
        "numpy",
        r"The NumPy network's cross-entropy agrees.",
        prove.close(measured, float(value), rtol=1e-12, what="NumPy loss"),
        aside=True,
    )
    if t == 1:
        pb.text(
            rf"With $t = 1$ only the first term survives: $L = -{logbase.tex(p.log_base)} y$, small when $y$ "
            r"is close to 1."
        )
    return shown  # the answer in the chain's last form: ln(1 + e^{-z}), not -log(1/(e^{-z} + 1))


def _gradient_part(sol, p, net, exact, env, pre, t, eta, formulas, at, full, tape, floats, spec):
    pc = sol.part(
        "c",
        "Backpropagation and the SGD step",
        rf"Backpropagate the error of this sample and update "
        rf"${', '.join(tex_name(n) for n in input_names(p.update))}$ by SGD with $\eta = {p.eta:g}$.",
    )
    y = net.output
    b = p.log_base
    z, tt = sp.symbols("z t", real=True)
    s = 1 / (1 + sp.exp(-z))
    pc.claim(
        "delta",
        rf"At the sigmoid output the cross-entropy's derivative simplifies: with ${tex_name(y)} = "
        rf"\sigma(z)$, $\partial L/\partial z = \sigma'(z)\,\partial L/\partial {tex_name(y)} = "
        + logbase.scaled(rf"{tex_name(y)}(1-{tex_name(y)})\left(-\frac{{t}}{{{tex_name(y)}}} + "
                         rf"\frac{{1-t}}{{1-{tex_name(y)}}}\right)", b)
        + rf" = {_delta_rule(net.units[-1], net.units, y, 't', b)}$ (SymPy differentiates "
        rf"$L(\sigma(z))$).",
        prove.equal(sp.diff(cross_entropy(s, tt, b), z), output_delta(s, tt, b)),
    )
    pc.text(
        r"Write $\delta_u = \partial L/\partial z_u$ for the pre-activation of neuron $u$. "
        r"Backpropagation: $\delta$ at the output is "
        + ("$y - t$" if b == "e" else rf"$(y - t)/\ln {b}$")
        + r"; a hidden neuron's is $a'(z_u)\sum_k w_{uk}\delta_k$ over the neurons it feeds "
        r"($\mathrm{ReLU}'(z) = [z > 0]$); $\partial L/\partial w = \delta\times$(its input), "
        r"$\partial L/\partial b = \delta$."
    )
    delta, grads = backprop(net.units, env, pre, t, b)
    t_tex = sp.latex(t)
    pc.table(
        ["neuron", r"$\delta$ rule", "value"],
        [
            [
                f"${tex_name(u.name)}$",
                rf"$\delta_{{{tex_name(u.name)}}} = {_delta_rule(u, net.units, y, t_tex, b)}$",
                f"${number(delta[u.name])}$",
            ]
            for u in reversed(net.units)
        ],
        caption=r"The backward pass through the neurons, from the output back.",
    )
    source: dict[str, list[tuple[str, str]]] = {}  # weight -> every (source, neuron) edge it labels
    for u in net.units:
        for s_, w in u.edges:
            source.setdefault(w, []).append((s_, u.name))
    rows = []
    for n in net.params:
        rule = " + ".join(
            rf"\delta_{{{tex_name(u)}}}\,{tex_name(s_)}" for s_, u in source.get(n, [])
        ) or " + ".join(rf"\delta_{{{tex_name(u.name)}}}" for u in net.units if n in u.biases)
        rows.append(
            [
                f"${tex_name(n)}$",
                f"${rule}$",
                f"${sp.latex(_factored(grads[n], min(1.0, 8.0 / len(net.params))), ln_notation=True)}$",
                f"${number(grads[n])}$",
            ]
        )
    pc.table(
        ["parameter", r"$\partial L/\partial(\cdot)$", "value"],
        [[name, rule, value] for name, rule, _, value in rows],
        caption=r"The gradient by backpropagation (by hand).",
    )
    pc.table(
        ["parameter", r"$\partial L/\partial(\cdot)$", "exact", "value"],
        rows,
        caption=r"The gradient by backpropagation, exact values.",
        aside=True,
    )
    sympy_grads = {n: sp.diff(formulas["L"], sp.Symbol(n, real=True)).xreplace(at) for n in net.params}
    # SymPy may take its whole budget on each exact gradient of a sigmoid network (cancelling sums of
    # exponentials); shared out, the claim stays under half a minute, and an undecided one is evaluated
    budget = min(prove.SYMBOLIC_BUDGET_S, SYMPY_BUDGET_S / len(net.params))
    pc.claim(
        "sympy",
        r"SymPy's derivative of the composed loss $L(\theta)$ gives the same gradient, exactly, "
        r"for every parameter.",
        prove.proved_for_each(
            {n: (lambda n=n: _same_value(grads[n], sympy_grads[n], budget)) for n in net.params},
            "each parameter",
        ),
        aside=True,
    )
    float_grads = np.array([float(grads[n]) for n in net.params])
    adjoint = tape.backward("L")
    engine = [adjoint[full.names[n]] for n in net.params]
    pc.table(
        ["adjoint", "rule", "value"],
        tables.adjoint_rows(full, adjoint, "L"),
        caption=r"The autodiff engine's backward sweep from $\bar L = 1$ over the graph of the "
                r"wiring and "
        r"the loss; the adjoints of the parameters are the gradient.",
        aside=True,
    )
    pc.claim(
        "reverse-mode",
        r"The engine's reverse-mode sweep gives the same gradient.",
        prove.close_all(engine, float_grads, rtol=1e-12, atol=1e-15, what="tape against backprop"),
        aside=True,
    )
    base_f = logbase.number(b)
    fd = sim.central_gradient(spec, floats, list(net.params), p.target, FD_STEP, base_f)
    # L(theta +- h) are rounded to about eps L each, so the differences carry about 1e-9 L
    fd_atol = 1e-9 * max(1.0, float(sim.loss(spec, floats, p.target, base_f)[0]))
    by_fd = witness.close_all(fd, rtol=1e-6, atol=fd_atol, what="central differences")  # the answer's check too
    pc.claim(
        "finite-differences",
        rf"Central differences (step ${power_of_ten(FD_STEP)}$) of the NumPy network's loss "
        r"agree.",
        by_fd(float_grads),
        aside=True,
    )
    def z_shown(name: str) -> str:
        return quote(pc, pre[name], f"a.z-{name}")

    reasons = zero_reasons(net.units, env, pre, delta, z_shown)
    zero_exact = {n for n in net.params if sympy_grads[n] == 0}
    if reasons:
        pc.text(
            "Exactly zero: "
            + "; ".join(
                rf"$\partial L/\partial {tex_name(n)} = 0$ because {r}" for n, r in reasons.items()
            )
            + "."
        )
    dead = [u.name for u in net.units if u.activation == "relu" and not pre[u.name] > 0]
    pc.text(
        r"Dead ReLUs: "
        + (
            ", ".join(f"${tex_name(d)}$" for d in dead)
            if dead
            else "none (every hidden pre-activation is positive: "
            + ", ".join(rf"$z_{{{tex_name(u.name)}}} = {z_shown(u.name)}$" for u in net.units[:-1])
            + ")"
        )
        + "."
    )
    pc.claim(
        "zeros",
        r"The parameters named above are exactly those whose gradient SymPy finds to be 0.",
        prove.on_instances({"same set": set(reasons) == zero_exact}, "zero gradients compared"),
        aside=True,
    )
    new = {n: sgd_step(exact[n], grads[n], eta) for n in net.params}
    pc.table(
        [
            "parameter",
            "old",
            r"$\partial L/\partial(\cdot)$",
            r"new $= \text{old} - \eta\,\partial L$",
        ],
        [
            [f"${tex_name(n)}$", f"${number(exact[n])}$", f"${number(grads[n])}$", f"${number(new[n])}$"]
            for n in input_names(p.update)
        ],
        caption=rf"SGD with $\eta = {p.eta:g}$ on this sample.",
    )
    stepped = sim.sgd(floats, dict(zip(net.params, fd)), p.eta)
    pc.claim(
        "sgd",
        r"The updated values agree with a NumPy SGD step that uses the finite-difference gradient.",
        prove.close_all(
            [stepped[n] for n in net.params],
            [float(new[n]) for n in net.params],
            rtol=1e-8,
            atol=max(1e-10, p.eta * fd_atol),
            what="SGD step",
        ),
        aside=True,
    )
    step = float(p.eta * np.linalg.norm(float_grads))
    if step <= SMALL_STEP:
        change = -p.eta * float(float_grads @ float_grads)
        pc.claim(
            "step-length",
            rf"The step's length is $\eta\|\nabla L\| = {pc.quote(step, 'step-length', '.3g')} \le "
            rf"{pc.setting(SMALL_STEP)}$ (the central differences give the same).",
            prove.close(float(p.eta * np.linalg.norm(fd)), step, rtol=1e-5,
                        atol=p.eta * fd_atol * len(fd) ** 0.5,
                        what="step length with the central-difference gradient"),
            value=step,
            aside=True,
        )
        pc.claim(
            "first-order",
            rf"Its first-order change of the loss is $-\eta\|\nabla L\|^2 = "
            rf"{pc.quote(change, 'first-order', '.4g')}$ (the central differences give the same).",
            prove.close(-p.eta * float(fd @ fd), change, rtol=1e-5,
                        atol=2 * p.eta * fd_atol * float(np.abs(float_grads).sum()),
                        what="first-order change with the central-difference gradient"),
            value=change,
            aside=True,
        )
        before = float(sim.loss(spec, floats, p.target, base_f)[0])
        moved = {**floats, **{n: float(new[n]) for n in net.params}}
        after = float(sim.loss(spec, moved, p.target, base_f)[0])
        pc.claim(
            "decrease",
            rf"A step this short lowers the loss, as that change says. Measured with the NumPy network: "
            rf"$L = {pc.quote(before, 'b.loss')} \to {pc.quote(after, 'decrease')}$.",
            prove.on_instances({"L(after) < L(before)": after < before}, "NumPy loss"),
            value=after,
            aside=True,
        )
    _gradient_answers(sol, p, net, exact, env, pre, t, eta, grads, by_fd, fd_atol, stepped)
    return grads, dict(zip(net.params, float_grads))


def _gradient_answer(net: Net) -> str:
    """The id of the gradient answer, which lists the parameters in the order of the network's."""
    return f"gradient [{', '.join(net.params)}]"


def _gradient_answers(sol, p, net, exact, env, pre, t, eta, grads, by_fd, fd_atol, stepped) -> None:
    """The gradient and the updated parameters as lists (tables cannot carry checks), and their slips; the
    gradient is decided by `by_fd`, the central differences' check of (c)."""
    out, b = net.output, p.log_base
    name = _gradient_answer(net)
    right = [grads[n] for n in net.params]
    sol.answer(name, right, claims=("c.finite-differences",), check=by_fd, rests_on=_assumed(p, logbase.KEY))
    feeding = {w for u in net.units for s_, w in u.edges if s_ not in net.data}  # weights after a hidden unit
    slips = {
        "delta-sign": {out: -output_delta(env[out], t, b)},
        "extra-sigmoid-derivative": {out: output_delta(env[out], t, b) * env[out] * (1 - env[out])},
    }
    wrong = {id: by_hand.backprop(net.units, env, pre, activation_derivative, given)[1] for id, given in slips.items()}
    wrong["outgoing-weight-dropped"] = by_hand.backprop(
        net.units, {**env, **{w: sp.Integer(1) for w in feeding}}, pre, activation_derivative,
        {out: output_delta(env[out], t, b)})[1]
    for id, g in wrong.items():
        values = [g.get(n, sp.Integer(0)) for n in net.params]
        if _differs(values, right):
            sol.misconception(name, id, values, GRADIENT_SLIPS[id])
    names = input_names(p.update)
    name = f"updated [{', '.join(names)}]"
    sol.answer(name, [sgd_step(exact[n], grads[n], eta) for n in names], claims=("c.sgd",),
               rests_on=_assumed(p, logbase.KEY),
               check=witness.close_all([stepped[n] for n in names], rtol=1e-8, atol=max(1e-10, p.eta * fd_atol),
                                       what="NumPy SGD step with the central-difference gradient"))
    right = [sgd_step(exact[n], grads[n], eta) for n in names]
    for id, values, why in (
        ("gradient-ascent", [exact[n] + eta * grads[n] for n in names],
         r"SGD steps against the gradient, $w \leftarrow w - \eta\,\partial L/\partial w$: adding it climbs the "
         r"loss."),
        ("learning-rate-dropped", [exact[n] - grads[n] for n in names],
         r"The step is the gradient scaled by the learning rate, $w \leftarrow w - \eta\,\partial L/\partial w$, "
         r"not the whole gradient."),
    ):
        if _differs(values, right):
            sol.misconception(name, id, values, why)


GRADIENT_SLIPS = {
    "delta-sign": r"At a sigmoid output under cross-entropy $\partial L/\partial z = y - t$ (divided by $\ln b$ for "
    r"$\log_b$), not $t - y$: with the sign flipped every gradient points uphill.",
    "extra-sigmoid-derivative": r"The output delta $y - t$ already includes the sigmoid's derivative $y(1 - y)$, "
    r"which cancelled the cross-entropy's denominators. Multiplying by $y(1 - y)$ again counts it twice; that "
    r"product belongs to the squared error, not to the cross-entropy.",
    "outgoing-weight-dropped": r"A hidden unit's delta collects the deltas of the units it feeds, each weighted by "
    r"the connecting weight: $\delta_h = a'(z_h)\sum_k w_{hk}\delta_k$. Without that weight the hidden gradients "
    r"are wrong.",
}


def _differs(wrong: list, right: list) -> bool:
    """Some entry is far enough from the right one for the witness and the grader to tell apart."""
    return any(abs(float(a) - float(b)) > 0.01 * abs(float(b)) + 1e-9 for a, b in zip(wrong, right))


def _momentum_part(sol, p, net, exact, float_grads, grads, eta, mu, v0, floats, spec) -> None:
    w = p.momentum_param
    pd = sol.part(
        "d",
        "A momentum step",
        rf"Update ${tex_name(w)}$ with momentum $\mu = {p.mu:g}$ and current velocity $v = "
        rf"{p.velocity:g}$ instead of plain SGD.",
    )
    g = grads[w]
    pd.text(
        r"Two conventions: (i) velocity form (Goodfellow et al.\ \S 8.3.2, CS231n): "
        r"$v \leftarrow \mu v - \eta g$, $w \leftarrow w + v$; (ii) buffer form (PyTorch): "
        r"$v \leftarrow \mu v + g$, $w \leftarrow w - \eta v$."
    )
    v1, w1 = momentum_velocity_form(exact[w], v0, g, eta, mu)
    v2, w2 = momentum_buffer_form(exact[w], v0, g, eta, mu)
    velocity_form, buffer_form = f"{w}, momentum (i) velocity form", f"{w}, momentum (ii) buffer form"
    gt = factor(g)
    pd.table(
        ["convention", "new velocity", rf"new ${tex_name(w)}$"],
        [
            [
                "(i) velocity form",
                rf"${p.mu:g} \cdot {p.velocity:g} - {p.eta:g} \cdot {gt} = {number(v1)}$",
                rf"${number(exact[w])} + {factor(v1)} = {number(w1)}$",
            ],
            [
                "(ii) buffer form",
                rf"${p.mu:g} \cdot {p.velocity:g} + {gt} = {number(v2)}$",
                rf"${number(exact[w])} - {p.eta:g} \cdot {factor(v2)} = {number(w2)}$",
            ],
        ],
        caption=rf"One momentum step on ${tex_name(w)}$ with $g = \partial L/\partial {tex_name(w)} = "
                rf"{quote(pd, g, _gradient_answer(net), index=net.params.index(w))}$.",
    )
    gw = float_grads[w]
    cs = sim.CS231nMomentum(floats[w], p.velocity, p.eta, p.mu)
    cs.step(gw)
    torch = sim.TorchMomentum(floats[w], p.velocity, p.eta, p.mu)
    torch.step(gw)
    pd.claim(
        "velocity-form",
        rf"(i) gives $v = {quote(pd, v1, 'velocity-form')}$ and ${tex_name(w)} = "
        rf"{quote(pd, w1, velocity_form)}$, as a CS231n-style optimiser object does in NumPy.",
        prove.close_all(
            [cs.v, cs.x], [float(v1), float(w1)], rtol=1e-12, atol=1e-15, what="CS231n step"
        ),
        value=v1,
        aside=True,
    )
    pd.claim(
        "buffer-form",
        rf"(ii) gives $v = {quote(pd, v2, 'buffer-form')}$ and ${tex_name(w)} = "
        rf"{quote(pd, w2, buffer_form)}$, as a PyTorch-style optimiser object does in NumPy.",
        prove.close_all(
            [torch.buf, torch.p],
            [float(v2), float(w2)],
            rtol=1e-12,
            atol=1e-15,
            what="PyTorch step",
        ),
        value=v2,
        aside=True,
    )
    W, V, G, E, M = sp.symbols("w v g eta mu", real=True)
    a_v, a_w = momentum_velocity_form(W, V, G, E, M)
    b_v, b_w = momentum_buffer_form(W, -V / E, G, E, M)
    pd.claim(
        "same-algorithm",
        r"The two are one algorithm in different units: running (ii) from the velocity $-v/\eta$ "
        r"gives the same parameter as (i) from $v$, and its new velocity is again $-1/\eta$ times "
        r"that of (i). With the same number $v$ in both they differ.",
        prove.equal(a_w, b_w) & prove.equal(-a_v / E, b_v),
        aside=True,
    )
    run_i, run_ii = sim.momentum_runs(
        spec,
        floats,
        w,
        p.target,
        p.eta,
        p.mu,
        p.velocity,
        -p.velocity / p.eta,
        MOMENTUM_RUN,
        RUN_STEP,
        logbase.number(p.log_base),
    )
    # each step's gradients differ by the rounding noise (~1e-11 L at RUN_STEP); with momentum the
    # parameter difference grows by up to eta * noise * steps^2
    noise = 1e-11 * max(1.0, float(sim.loss(spec, floats, p.target, logbase.number(p.log_base))[0]))
    pd.claim(
        "same-runs",
        rf"Measured: {MOMENTUM_RUN} steps of both optimisers on $L({tex_name(w)})$, (ii) started from "
        rf"$-v/\eta = {pd.setting(-p.velocity / p.eta)}$, follow the same path.",
        prove.close_all(run_ii, run_i, rtol=1e-9, atol=max(1e-12, p.eta * noise * MOMENTUM_RUN**2),
                        what="two momentum runs"),
        aside=True,
    )
    pd.text(
        r"The sheet's ``momentum term'' and ``velocity'' are Goodfellow et al.'s vocabulary: (i) is "
        rf"most likely intended, ${tex_name(w)} = {quote(pd, w1, velocity_form)}$; under (ii), "
        rf"${tex_name(w)} = {quote(pd, w2, buffer_form)}$."
    )
    # the question asks for the new w; the new velocity is in the table and the claims
    sol.answer(velocity_form, w1, claims=("d.velocity-form",), rests_on=_assumed(p, logbase.KEY),
               check=witness.close(cs.x, rtol=1e-12, atol=1e-15, what=f"CS231n-style optimiser's {w}"))
    sol.answer(buffer_form, w2, claims=("d.buffer-form",), rests_on=_assumed(p, logbase.KEY),
               check=witness.close(torch.p, rtol=1e-12, atol=1e-15, what=f"PyTorch-style optimiser's {w}"))


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
