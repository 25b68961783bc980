"""The elementary operations: value, local derivatives, SymPy form and labels, side by side.

Each operation's local derivative sits beside its value (as in micrograd), so
forward mode, reverse mode and the printed rules all read from one table. The
SymPy form lets tests differentiate each operation independently.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - reads like the other SymPy functions
    """The logistic function as a SymPy function that prints as sigma and differentiates as s(1-s)."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _latex(self, printer):
        return rf"\sigma\left({printer._print(self.args[0])}\right)"

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)


class iverson(sp.Function):  # noqa: N801
    """[a > 0]: how a max, a ReLU or an abs routes its gradient, printed as an Iverson bracket."""

    def _latex(self, printer):
        return rf"[{printer._print(self.args[0])} > 0]"


def explicit(expr: sp.Expr) -> sp.Expr:
    """`expr` in functions SymPy knows: sigmoid written out as 1/(1 + exp(-x)), [a > 0] as Heaviside(a)."""
    return expr.replace(sigmoid, lambda x: 1 / (1 + sp.exp(-x))).replace(iverson, sp.Heaviside)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _pow_partials(a: float, b: float) -> tuple[float, float]:
    d_base = b * a ** (b - 1) if b != 0 else 0.0
    return d_base, (a**b * math.log(a) if a > 0 else math.nan)


@dataclass(frozen=True)
class Op:
    """One elementary operation.

    `partials(*operands)` are the local derivatives of the result with respect
    to each operand; `latex` is a template over the operands' LaTeX; `symbol`
    labels the node in a drawing.
    """

    name: str
    arity: int
    value: Callable[..., float]
    partials: Callable[..., tuple[float, ...]]
    sympy: Callable[..., sp.Expr]
    latex: str
    symbol: str
    kink: str = ""  # where the operation is not differentiable, and the convention used there


def _unary(name, value, partial, sympy, latex, symbol=None, kink=""):
    return Op(name, 1, value, lambda a: (partial(a),), sympy, latex, symbol or rf"\{name}", kink)


OPS: dict[str, Op] = {op.name: op for op in (
    Op("add", 2, lambda a, b: a + b, lambda a, b: (1.0, 1.0), lambda a, b: a + b, "{0} + {1}", "+"),
    Op("sub", 2, lambda a, b: a - b, lambda a, b: (1.0, -1.0), lambda a, b: a - b, "{0} - {1}", "-"),
    Op("mul", 2, lambda a, b: a * b, lambda a, b: (b, a), lambda a, b: a * b, r"{0} \cdot {1}", r"\times"),
    Op("div", 2, lambda a, b: a / b, lambda a, b: (1 / b, -a / b**2), lambda a, b: a / b,
       r"\frac{{{0}}}{{{1}}}", r"\div"),
    Op("pow", 2, lambda a, b: math.pow(a, b), _pow_partials, lambda a, b: a**b, "{0}^{{{1}}}", r"\wedge"),
    Op("max", 2, max, lambda a, b: (1.0, 0.0) if a >= b else (0.0, 1.0), sp.Max,
       r"\max\left\{{{0}, {1}\right\}}", r"\max",
       "not differentiable where the arguments tie; the first argument takes the gradient there"),
    Op("min", 2, min, lambda a, b: (1.0, 0.0) if a <= b else (0.0, 1.0), sp.Min,
       r"\min\left\{{{0}, {1}\right\}}", r"\min",
       "not differentiable where the arguments tie; the first argument takes the gradient there"),
    Op("leaky_relu", 2, lambda a, s: a if a > 0 else s * a, lambda a, s: (1.0 if a > 0 else s, 0.0 if a > 0 else a),
       lambda a, s: sp.Piecewise((a, a > 0), (s * a, True)), r"\mathrm{{LReLU}}_{{{1}}}\left({0}\right)",
       r"\mathrm{LReLU}", "not differentiable at 0; the slope for negative inputs is used there"),
    _unary("neg", lambda a: -a, lambda a: -1.0, lambda a: -a, "-{0}", "-"),
    _unary("sin", math.sin, math.cos, sp.sin, r"\sin\left({0}\right)"),
    _unary("cos", math.cos, lambda a: -math.sin(a), sp.cos, r"\cos\left({0}\right)"),
    _unary("tan", math.tan, lambda a: 1 / math.cos(a) ** 2, sp.tan, r"\tan\left({0}\right)"),
    _unary("exp", math.exp, math.exp, sp.exp, r"e^{{{0}}}"),
    _unary("ln", math.log, lambda a: 1 / a, sp.log, r"\ln\left({0}\right)"),
    _unary("sqrt", math.sqrt, lambda a: 0.5 / math.sqrt(a), sp.sqrt, r"\sqrt{{{0}}}", r"\surd"),
    _unary("tanh", math.tanh, lambda a: 1 - math.tanh(a) ** 2, sp.tanh, r"\tanh\left({0}\right)"),
    _unary("sigmoid", _sigmoid, lambda a: _sigmoid(a) * (1 - _sigmoid(a)), sigmoid,
           r"\sigma\left({0}\right)", r"\sigma"),
    _unary("relu", lambda a: max(a, 0.0), lambda a: 1.0 if a > 0 else 0.0, lambda a: sp.Max(a, 0),
           r"\mathrm{{ReLU}}\left({0}\right)", r"\mathrm{ReLU}", "not differentiable at 0; derivative 0 used there"),
    _unary("abs", abs, lambda a: math.copysign(1.0, a) if a else 0.0, sp.Abs, r"\left|{0}\right|", r"|\cdot|",
           "not differentiable at 0; derivative 0 used there"),
)}

# Function names accepted in expressions, and the operation each one means.
FUNCTIONS = {name: name for name, op in OPS.items() if op.arity == 1 and name != "neg"}
FUNCTIONS |= {"log": "ln", "max": "max", "min": "min", "leaky_relu": "leaky_relu",
              "ReLU": "relu", "sigma": "sigmoid", "LeakyReLU": "leaky_relu"}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
LEAKY_SLOPE = sp.Rational(1, 100)  # leaky_relu(x) written without its slope

# SymPy's own reading of every function name, written apart from OPS so that parsing an expression
# with the safe reader (`theory.core.expr.read`) gives a second, independent reading of what the graph computes.
_READINGS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "ln": sp.log, "sqrt": sp.sqrt,
    "tanh": sp.tanh, "abs": sp.Abs, "max": sp.Max, "min": sp.Min,
    "sigmoid": lambda x: 1 / (1 + sp.exp(-x)),
    "relu": lambda x: sp.Max(x, 0),
    "leaky_relu": lambda x, slope=LEAKY_SLOPE: sp.Piecewise((x, x > 0), (slope * x, True)),
}
SYMPY_NAMES = {alias: _READINGS[op] for alias, op in FUNCTIONS.items() if op in _READINGS}


@contextmanager
def counting() -> Iterator[Counter]:
    """Count evaluations of every operation's value and local derivatives, e.g. to measure a mode's cost."""
    counts: Counter = Counter()
    saved = dict(OPS)

    def counted(kind: str, f: Callable) -> Callable:
        def wrapper(*xs):
            counts[kind] += 1
            return f(*xs)
        return wrapper

    for name, op in saved.items():
        OPS[name] = dataclasses.replace(op, value=counted("values", op.value),
                                        partials=counted("local derivatives", op.partials))
    try:
        yield counts
    finally:
        OPS.update(saved)
