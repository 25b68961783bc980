"""The sigmoid's derivative, and the gradient of a composition with a max at a given point.

The derivative sigma' = sigma (1 - sigma) is proved as a chain of checked
steps. The gradient of the composed function is written by hand from that
rule and the chain rule, then compared with SymPy, with a reverse-mode pass of
the autodiff engine, and with central differences of a NumPy version.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import finite_differences as fd
from theory.autodiff import Graph, Tape, tables
from theory.autodiff.network import power_of_ten
from theory.core import logbase, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, exact_decimal, numbers, param
from theory.core.solution import ANSWER_RTOL, Solution

TOPIC = "sigmoid_gradient"

x = sp.Symbol("x", real=True)
X = sp.symbols("x1:7", real=True)
REACH = 3000  # steps between the point and the nearest kink or singularity: (h/r)^2 ~ 1e-7, below rtol 1e-6
CANCELLATION = 1e4  # (|m x3/x4| + |x5| + |x6|) / g: beyond it g loses too many digits in float for the checks


@dataclass(frozen=True)
class Params(Parameters):
    point: tuple = param((-1.0, 3.0, 4.0, 5.0, -5.0, 7.0), "the point x-hat (six coordinates)",
                         check=numbers("the point x-hat", lo=-1e3, hi=1e3, length=(6, 6),
                                       example="(-1, 3, 4, 5, -5, 7)"))
    log_base: str = logbase.field()
    # Central differences lose eps/h to rounding and (h/r)^2 to truncation: both stay below rtol 1e-6 here.
    step: float = param(1e-5, "central-difference step", lo=1e-6, hi=1e-4)
    samples: int = param(200, "random points at which sigma' is checked numerically", lo=10, hi=100000)

    def __post_init__(self) -> None:
        super().__post_init__()
        x1, x2, x3, x4, x5, x6 = self.point
        if x4 == 0 or 5 * (max(x1, x2) * x3 / x4 - (x5 + x6)) <= 0:
            raise BadInput(f"f is not defined at {self.point}: the log needs 5(max(x1, x2) x3/x4 - (x5 + x6)) > 0")
        if x1 == x2:
            raise BadInput(f"f is not differentiable at {self.point}: max(x1, x2) ties (x1 = x2)")
        reach, cancellation = conditioning(self.point)
        if reach < REACH * self.step:
            raise BadInput(f"the point is within {reach:.3g} of the kink x1 = x2, from x4 = 0 or from the edge of f's "
                           f"domain: central differences need {REACH} steps ({REACH * self.step:.3g}); "
                           "take a smaller step or another point")
        if cancellation > CANCELLATION:
            raise BadInput(f"5(max(x1, x2) x3/x4 - (x5 + x6)) cancels {cancellation:.3g}-fold at the point (at most "
                           f"{CANCELLATION:g}): in float it keeps too few digits to check the gradient against")


def conditioning(point: tuple) -> tuple[float, float]:
    """How far the point is from trouble: the distance r to the kink, to x4 = 0 or to g = 0 (to first
    order), and the cancellation (|m x3/x4| + |x5| + |x6|) / g of g = m x3/x4 - (x5 + x6)."""
    x1, x2, x3, x4, x5, x6 = point
    m = max(x1, x2)
    a = m * x3 / x4
    g = a - (x5 + x6)
    slope = max(abs(x3 / x4), abs(m / x4), abs(a / x4), 1.0)  # the largest |dg/dx_i|
    return min(abs(x1 - x2), abs(x4), g / slope), (abs(a) + abs(x5) + abs(x6)) / g


def logistic(z: sp.Expr) -> sp.Expr:
    """sigma(z) = 1/(1 + e^-z)."""
    return 1 / (1 + sp.exp(-z))


def sigmoid_derivative(s: sp.Expr) -> sp.Expr:
    """sigma'(x) written through s = sigma(x)."""
    return s * (1 - s)


def chain_factors(point: tuple, base: sp.Expr) -> tuple[sp.Expr, list[sp.Expr]]:
    """sigma'(u) * du/dg (common to every component) and dg/dx_i, with the max routing to its larger argument."""
    x1, x2, x3, x4, x5, x6 = (exact_decimal(v) for v in point)
    m = sp.Max(x1, x2)
    g = m * x3 / x4 - (x5 + x6)
    u = sp.log(5 * g) / sp.log(base) + sp.Rational(1, 2)
    outer = sigmoid_derivative(logistic(u)) / (g * sp.log(base))  # d sigma(u)/du * du/dg
    first = 1 if x1 > x2 else 0
    return outer, [first * x3 / x4, (1 - first) * x3 / x4, m / x4, -m * x3 / x4**2, sp.Integer(-1), sp.Integer(-1)]


def hand_gradient(point: tuple, base: sp.Expr) -> list[sp.Expr]:
    """The chain rule, outside in: sigma'(u) * du/dg * dg/dx_i."""
    outer, dg = chain_factors(point, base)
    return [sp.nsimplify(outer * d) if d == 0 else outer * d for d in dg]


def formula(base_text: str) -> str:
    log = "ln(5*(max(x1, x2)*x3/x4 - (x5 + x6)))"
    return f"sigmoid({log} + 1/2)" if base_text == "e" else f"sigmoid({log}/ln({base_text}) + 1/2)"


def solve(p: Params, ctx: Context) -> Solution:
    base = logbase.value(p.log_base)
    sol = Solution(TOPIC, "The sigmoid's derivative and a gradient through a max", "cs5388-a1, Problems 0-1", p,
                   notation=Notation(functions={"sigma": logistic},
                                     printing={"fold_frac_powers": True, "ln_notation": True}),
                   question=r"Show that $\sigma'(x) = \sigma(x)(1-\sigma(x))$ for the logistic function, then find "
                   r"the gradient of $f(\mathbf x) = \sigma\big(\log(5(\max\{x_1,x_2\}\,x_3/x_4 - (x_5+x_6))) "
                   r"+ \tfrac12\big)$ and evaluate it at $\hat{\mathbf x}$.")

    p0 = sol.part("0", "The sigmoid's derivative", r"Differentiate $\sigma(x) = 1/(1+e^{-x})$.")
    s = logistic(x)
    p0.chain("derivative", r"\sigma'(x)").define(r"\frac{d}{dx}\left(1 + e^{-x}\right)^{-1}", sp.diff(s, x),
                                                   "definition of sigma") \
        .step(r"\frac{e^{-x}}{\left(1+e^{-x}\right)^2}", sp.exp(-x) / (1 + sp.exp(-x)) ** 2,
              r"chain rule: $-(1+e^{-x})^{-2}$ times $-e^{-x}$") \
        .step(r"\frac{1}{1+e^{-x}} \cdot \frac{e^{-x}}{1+e^{-x}}", s * sp.exp(-x) / (1 + sp.exp(-x)), "split") \
        .step(r"\frac{1}{1+e^{-x}} \left(1 - \frac{1}{1+e^{-x}}\right)", s * (1 - s),
              r"$\frac{e^{-x}}{1+e^{-x}} = 1 - \frac{1}{1+e^{-x}}$") \
        .step(r"\sigma(x)\,(1-\sigma(x))", sigmoid_derivative(s), "definition of sigma")
    rng = ctx.rng("sigmoid")
    xs = rng.uniform(-8, 8, p.samples)
    central = fd.central_difference(lambda v: 1 / (1 + np.exp(-v)), xs, p.step)
    derived = sp.lambdify(x, sigmoid_derivative(s), "numpy")(xs)
    p0.claim("numeric", rf"Central differences of the logistic function at {p.samples} random points in "
             r"$[-8, 8]$ agree with $\sigma(1-\sigma)$.",
             prove.close_all(central, derived, rtol=1e-6, atol=1e-10, what="central differences"), aside=True)
    sol.answer("sigma'(x)", sigmoid_derivative(s), claims=("0.numeric",),
               check=witness.formula_on((x,), (xs,), central, rtol=1e-6, atol=1e-10,
                                        what=f"central differences at {len(xs)} points"))

    p1 = sol.part("1", "The gradient at the given point",
                  r"Differentiate $f$ by the chain rule, say how the $\max$ is differentiated, and evaluate at "
                  rf"$\hat{{\mathbf x}} = ({', '.join(f'{v:g}' for v in p.point)})$.")
    p1.text(r"Write $m = \max\{x_1, x_2\}$, $g = m\,x_3/x_4 - (x_5 + x_6)$, $u = \log(5g) + \tfrac12$, "
            r"$f = \sigma(u)$ ($b$ the log's base). Then $\partial f/\partial x_i = \sigma(u)(1-\sigma(u))\,"
            r"\frac{1}{g\,\ln b}\,\partial g/\partial x_i$ with $\partial g/\partial m = x_3/x_4$, "
            r"$\partial g/\partial x_3 = m/x_4$, $\partial g/\partial x_4 = -m x_3/x_4^2$, "
            r"$\partial g/\partial x_5 = \partial g/\partial x_6 = -1$; the $\max$ routes the gradient to its "
            r"larger argument ($\partial m/\partial x_1 = [x_1 > x_2]$, $\partial m/\partial x_2 = [x_2 > x_1]$; "
            r"at $x_1 = x_2$ any convex combination is a subgradient).")
    logbase.note(p1, p.log_base)
    hand = hand_gradient(p.point, base)
    f_sym = logistic(sp.log(5 * (sp.Max(X[0], X[1]) * X[2] / X[3] - (X[4] + X[5]))) / sp.log(base)
                     + sp.Rational(1, 2))
    at = {xi: exact_decimal(v) for xi, v in zip(X, p.point)}
    sympy_grad = [sp.diff(f_sym, xi).subs(at) for xi in X]
    p1.claim("sympy", r"The hand-derived gradient equals SymPy's derivative of $f$ at $\hat{\mathbf x}$ "
             r"(componentwise, exactly).",
             prove.proved_for_each({f"x{i + 1}": (lambda a=a, b=b: prove.equal(a, b))
                                    for i, (a, b) in enumerate(zip(hand, sympy_grad))}, "each component"),
             aside=True)
    hand_f = np.array([float(v) for v in hand])
    outer, dg = chain_factors(p.point, base)
    p1.table(["component", r"$\partial g/\partial x_i$", r"$c\,\partial g/\partial x_i$"],
             [[rf"$\partial f/\partial x_{i + 1}$", f"${sp.latex(d, fold_short_frac=True)}$", f"${float(v):.6g}$"]
              for i, (d, v) in enumerate(zip(dg, hand))],
             caption=r"The gradient $\nabla f(\hat{\mathbf x})$ by hand: $\partial f/\partial x_i = "
             r"c\,\partial g/\partial x_i$ with $c = \sigma(u)(1-\sigma(u))/(g\ln b) = "
             rf"{_inline(sp.simplify(outer))} \approx {p1.quote(float(outer), of='factor')}$.")
    p1.claim("factor", r"The common factor $c$ is $-\partial f/\partial x_6$ by SymPy, since "
             r"$\partial g/\partial x_6 = -1$.", prove.equal(outer, -sympy_grad[5]), value=outer, aside=True)
    names = [f"x{i}" for i in range(1, 7)]
    g = Graph.parse({"f": formula(p.log_base)}, names)
    point = dict(zip(names, p.point))
    tape = Tape.record(g, point)
    adjoint = tape.backward("f")
    p1.table(["node", "operation", "value"], tables.trace_rows(g, tape.values),
             caption=r"The forward pass of the autodiff engine through $f$ at $\hat{\mathbf x}$.", aside=True)
    p1.table(["adjoint", "rule", "value"], tables.adjoint_rows(g, adjoint, "f"),
             caption=r"One reverse-mode sweep of the autodiff engine gives all six partial derivatives.",
             aside=True)
    engine = [adjoint[g.names[n]] for n in names]
    rtol = max(1e-12, 8 * np.finfo(float).eps * conditioning(p.point)[1])  # float g carries eps x its cancellation
    p1.claim("reverse-mode", r"The reverse-mode sweep gives the same gradient.",
             prove.close_all(engine, hand_f, rtol=rtol, atol=1e-14, what="tape against the hand gradient"),
             aside=True)
    f_np = lambda v: 1 / (1 + np.exp(-(np.log(5 * (np.maximum(v[0], v[1]) * v[2] / v[3] - (v[4] + v[5])))  # noqa: E731
                                        / np.log(logbase.number(p.log_base)) + 0.5)))
    central = fd.central_jacobian(f_np, np.array(p.point), p.step).ravel()
    p1.claim("central-differences",
             rf"Central differences (step ${power_of_ten(p.step)}$) of a NumPy version of $f$ agree.",
             prove.close_all(central, hand_f, rtol=1e-6, atol=1e-9, what="central differences"), aside=True)
    value = sp.simplify(f_sym.subs(at))
    measured = float(f_np(np.array(p.point, dtype=float)))
    p1.claim("value", rf"$f(\hat{{\mathbf x}}) \approx {p1.quote(float(value), of='value')}$: the NumPy version of "
             r"$f$ agrees.", prove.close(measured, float(value), rtol=rtol, what="NumPy f at the point"),
             value=value, aside=True)
    sol.answer("f(x_hat)", value, claims=("1.value",), rests_on=(logbase.KEY,),  # f holds a log of open base
               check=witness.close(measured, rtol=rtol, what="NumPy f at the point"))
    sol.answer("gradient", hand, claims=("1.central-differences", "1.reverse-mode"), rests_on=(logbase.KEY,),
               label=f"gradient in x1, ..., x{len(hand)}",
               check=witness.both(witness.close_all(central, rtol=1e-6, atol=1e-9, what="central differences"),
                                  witness.close_all(engine, rtol=rtol, atol=1e-14, what="reverse-mode sweep")))
    _misconceptions(sol, p, s, hand, value)
    return sol


def _inline(e: sp.Expr) -> str:
    """A fraction for a line of text: numerator / denominator, the numerator in brackets when it is a sum,
    the denominator when it is a sum or a product (a/(b c), not a/b c)."""
    def flat(t: sp.Expr) -> str:  # e^{1/2}, not e^{\frac{1}{2}}; ln, as the topic prints it; brackets at text height
        tex = sp.latex(t, fold_frac_powers=True, ln_notation=True).replace(r"\left(", "(").replace(r"\right)", ")")
        return re.sub(r"\^\{\\frac\{(\d+)\}\{(\d+)\}\}", r"^{\1/\2}", tex)

    num, den = sp.fraction(e)
    if den == 1:
        return flat(e)
    return (f"({flat(num)})" if num.is_Add else flat(num)) + "/" + (f"({flat(den)})" if den.is_Add or den.is_Mul
                                                                  else flat(den))


def _differs(wrong, right, atol: float) -> bool:
    """Whether a wrong number or vector is far enough from the right one for the witness and for grading
    to tell: some entry off by more than 1% (and by more than ten times the witness's absolute tolerance)."""
    w, r = np.atleast_1d(np.array(wrong, dtype=float)), np.atleast_1d(np.array(right, dtype=float))
    return bool(np.any(np.abs(w - r) > np.maximum(10 * ANSWER_RTOL * np.abs(r), 10 * atol)))


def _misconceptions(sol: Solution, p: Params, s: sp.Expr, grad: list[sp.Expr], value: sp.Expr) -> None:
    """The usual slips, each declared where it changes the answer (and differs from the slips before it)."""
    sol.misconception("sigma'(x)", "one-plus-sigma", s * (1 + s),
                      r"Since $1 - \frac{1}{1+e^{-x}} = \frac{e^{-x}}{1+e^{-x}}$, the second factor is "
                      r"$1 - \sigma(x)$, not $1 + \sigma(x)$. With a plus sign the slope grows towards $2$ for "
                      r"large $x$, where the sigmoid is flat.")
    sol.misconception("sigma'(x)", "dropped-inner-minus", -sp.exp(-x) / (1 + sp.exp(-x)) ** 2,
                      r"The chain rule multiplies $-(1+e^{-x})^{-2}$ by the derivative of $e^{-x}$, which is "
                      r"$-e^{-x}$: the two minus signs cancel. Dropping the inner one makes $\sigma'$ negative, "
                      r"yet $\sigma$ is increasing.")
    sol.misconception("sigma'(x)", "power-rule-only", -1 / (1 + sp.exp(-x)) ** 2,
                      r"The power rule alone gives $-(1+e^{-x})^{-2}$; the chain rule then multiplies by the "
                      r"derivative of the inside, $-e^{-x}$, giving $\frac{e^{-x}}{(1+e^{-x})^2}$.")
    log = logbase.tex(p.log_base)
    over = "" if p.log_base == "e" else rf"\ln {p.log_base}"  # the 1/ln b of d/dg log_b, written only for b != e
    wrong: list[tuple[str, list[sp.Expr], str]] = [
        ("max-to-smaller", [grad[1], grad[0], *grad[2:]],
         r"The $\max$ passes the gradient to its larger argument only: $\partial m/\partial x_i$ is $1$ for the "
         r"larger of $x_1, x_2$ and $0$ for the smaller. Routing it to the smaller one swaps the first two "
         r"components."),
        ("max-to-both", [grad[0] + grad[1]] * 2 + grad[2:],
         r"Where $x_1 \ne x_2$, the smaller one can move a little without changing $m = \max\{x_1, x_2\}$, so "
         r"its partial derivative is $0$, not the same as the larger's."),
        ("inner-five-dropped", [v / 5 for v in grad],
         rf"$\frac{{d}}{{dg}}{log}(5g) = \frac{{5}}{{5g{over}}} = \frac{{1}}{{g{over}}}$: the chain rule's inner "
         rf"factor $5$ cancels the $5$ in the denominator. Writing $\frac{{1}}{{5g{over}}}$ forgets that inner "
         r"derivative and shrinks every component five-fold."),
        ("sigma-for-sigma-prime", [v / (1 - value) for v in grad],
         r"The outer derivative is $\sigma'(u) = \sigma(u)(1-\sigma(u))$, not $\sigma(u)$: using the sigmoid "
         r"itself leaves out the factor $1 - \sigma(u)$ and overstates every component."),
        ("x4-sign", [*grad[:3], -grad[3], *grad[4:]],
         r"$\partial(x_3/x_4)/\partial x_4 = -x_3/x_4^2$, since the derivative of $1/x_4$ is $-1/x_4^2$. "
         r"Dropping that minus sign flips the sign of the $x_4$ component."),
    ]
    for b in logbase.BASES:
        if b != p.log_base:
            other = hand_gradient(p.point, logbase.value(b))
            wrong.append((logbase.mistake_id(b), other,
                          rf"The log in $f$ is {logbase.name(p.log_base)} here: $\frac{{d}}{{dg}}\log_b(5g) = "
                          rf"\frac{{1}}{{g\ln b}}$ with $b = {p.log_base}$, and $u = \log_b(5g) + \frac12$, where "
                          rf"$\sigma'$ is taken, is in that base too. With {logbase.name(b)} both the factor "
                          r"$1/\ln b$ and $\sigma'(u)$ change."))
    declared: list[list[sp.Expr]] = []
    for id, values, why in wrong:
        if _differs(values, grad, 1e-9) and all(_differs(values, d, 1e-9) for d in declared):
            sol.misconception("gradient", id, values, why)
            declared.append(values)
    u = _u(p.point, p.log_base)
    for b in (b for b in logbase.BASES if b != p.log_base):  # f under another base: a wrong value
        other = sp.simplify(logistic(_u(p.point, b)))
        if _differs(other, value, 1e-12):
            sol.misconception("f(x_hat)", f"value-{logbase.mistake_id(b)}", other,
                              rf"The log in $f$ is {logbase.name(p.log_base)} here; {logbase.name(b)} gives "
                              r"another $u = \log_b(5g) + \frac12$ and so another $\sigma(u)$.")
    if _differs(u, value, 1e-12):
        sol.misconception("f(x_hat)", "without-sigmoid", u,
                          rf"$u = {log}(5g) + \frac12$ is only the argument of the sigmoid: "
                          r"$f = \sigma(u) = \frac{1}{1+e^{-u}}$, which always lies between $0$ and $1$.")


def _u(point: tuple, b: str) -> sp.Expr:
    """u = log_b(5g) + 1/2 at the point: the sigmoid's argument in f, with its log in base b."""
    x1, x2, x3, x4, x5, x6 = (exact_decimal(v) for v in point)
    g = sp.Max(x1, x2) * x3 / x4 - (x5 + x6)
    return logbase.log(5 * g, b) + sp.Rational(1, 2)


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
