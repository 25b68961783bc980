"""The autodiff engine: each operation's derivative, parsing, and forward = reverse = SymPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from theory.autodiff import Dual, Graph, Tape, forward_jacobian, forward_pass, reverse_jacobian, tables, tikz
from theory.autodiff.ops import OPS, explicit
from theory.core.errors import BadInput

POINTS = {"ln": (0.3, 2.5), "sqrt": (0.3, 2.5), "pow": (0.3, 2.5)}


@pytest.mark.parametrize("name", sorted(OPS))
def test_local_derivatives_match_sympy(name):
    op = OPS[name]
    xs = sp.symbols(f"x0:{op.arity}", real=True)
    rng = np.random.default_rng(0)
    for _ in range(20):
        point = rng.uniform(*POINTS.get(name, (-2.0, 2.0)), size=op.arity)
        if name == "leaky_relu":
            point[1] = 0.1
        subs = dict(zip(xs, (sp.Float(v, 30) for v in point)))
        expr = explicit(op.sympy(*xs))
        assert op.value(*point) == pytest.approx(float(expr.subs(subs)), rel=1e-12, abs=1e-12)
        for k, d in enumerate(op.partials(*point)):
            assert d == pytest.approx(float(sp.diff(expr, xs[k]).subs(subs).evalf()), rel=1e-10, abs=1e-12)


def test_precedence_follows_python():
    g = Graph.parse({"f": "-w1**2 + 3*w2/2 - w1"}, ["w1", "w2"])
    w1, w2 = sp.symbols("w1 w2", real=True)
    assert sp.simplify(g.sympy()["f"] - (-w1**2 + sp.Rational(3, 2) * w2 - w1)) == 0


def test_shared_subexpressions_are_one_node_and_constants_fold():
    g = Graph.parse({"y": "relu(2*pi*x + 1) * relu(2*pi*x + 1)"}, ["x"])
    ops = [g.nodes[i].op for i in g.operations()]
    assert ops == ["mul", "add", "relu", "mul"]
    assert g.nodes[g.nodes[g.operations()[0]].args[0]].const == 2 * sp.pi


def test_trace_names_and_outputs():
    g = Graph.parse([("z1", "w1/w2"), ("z2", "sin(2*pi*z1)"), ("z3", "z1*z2")], ["w1", "w2"])
    assert g.outputs == ("z3",)
    assert [g.label(i) for i in g.operations()] == ["z1", "v1", "z2", "z3"]


@pytest.mark.parametrize("lines, message", [
    ({"f": "w1 +"}, "not an expression"),
    ({"f": "foo(w1)"}, "unknown function"),
    ({"f": "w3 * 2"}, "unknown variable"),
    ({"f": "max(w1)"}, "takes 2 argument"),
    ({"f": "w1 if w2 else 0"}, "unsupported syntax"),
    ({"w1": "w2"}, "cannot assign"),
])
def test_bad_expressions_are_bad_input(lines, message):
    with pytest.raises(BadInput, match=message):
        Graph.parse(lines, ["w1", "w2"])


def test_evaluation_outside_the_domain_is_bad_input():
    g = Graph.parse({"f": "ln(w1 - w2)"}, ["w1", "w2"])
    with pytest.raises(BadInput, match="cannot evaluate"):
        g.evaluate({"w1": 1.0, "w2": 2.0})


EXAMPLES = [
    ({"f1": "cos(w1)*cos(w2) + sigmoid(w2)", "f2": "ln(w1 + w2) + w1**2*w2"}, (1.0, 2.0)),
    ({"f1": "ln(w1**2 + w2**2) + w1*exp(w2)", "f2": "w1*sin(w2) + cos(w1)"}, (2.0, 1.0)),
    ({"f": "sigmoid(ln(5*(max(w1, w2)*w3/w4 - (w5 + w6))) + 1/2)"}, (-1.0, 3.0, 4.0, 5.0, -5.0, 7.0)),
    ({"f": "(sin(2*pi*w1/w2) + 3*w1/w2 - exp(2*w2))*(3*w1/w2 - exp(2*w2))"}, (1.5, 0.5)),
    ({"y": "tanh(leaky_relu(w1 - 2*w2, 0.1)) * sqrt(w1) + w1**w2 - abs(w2)"}, (1.3, -0.7)),
]


@pytest.mark.parametrize("lines, point", EXAMPLES)
def test_forward_and_reverse_agree_with_sympy(lines, point):
    names = [f"w{i + 1}" for i in range(len(point))]
    g = Graph.parse(lines, names)
    at = dict(zip(names, point))
    syms = [sp.Symbol(n, real=True) for n in names]
    exact = sp.Matrix([explicit(e) for e in g.sympy(dict(zip(names, syms))).values()]).jacobian(syms)
    exact = np.array(exact.subs(dict(zip(syms, point))).evalf(30).tolist(), dtype=float)
    np.testing.assert_allclose(forward_jacobian(g, at), exact, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(reverse_jacobian(g, at), exact, rtol=1e-12, atol=1e-14)


def test_dual_numbers_overload_arithmetic():
    x = Dual(3.0, 1.0)
    y = 2 * x * x - x / Dual(2.0) + 1
    assert (y.value, y.tangent) == (17.5, 11.5)


def test_a_wrong_local_derivative_changes_both_modes(monkeypatch):
    g = Graph.parse({"f": "cos(w1)"}, ["w1"])
    monkeypatch.setitem(OPS, "cos", OPS["cos"].__class__(**{**OPS["cos"].__dict__,
                                                           "partials": lambda a: (math.sin(a),)}))
    assert forward_jacobian(g, {"w1": 1.0})[0][0] == pytest.approx(math.sin(1.0))
    assert reverse_jacobian(g, {"w1": 1.0})[0][0] == pytest.approx(math.sin(1.0))


def test_tables_and_drawing_come_from_the_same_graph():
    g = Graph.parse({"f": "w1*w2 + sin(w1)"}, ["w1", "w2"])
    tape = Tape.record(g, {"w1": 1.0, "w2": 2.0})
    assert [r[0] for r in tables.trace_rows(g, tape.values)] == ["$v_{1}$", "$v_{2}$", "$f$"]
    adj = tables.adjoint_rows(g, tape.backward("f"), "f")
    assert adj[-1][1] == r"$w_{2}\, \bar{v}_{1} + \cos{\left(w_{1} \right)}\, \bar{v}_{2}$"
    tan = tables.tangent_rows(g, forward_pass(g, {"w1": 1.0, "w2": 2.0}, {"w1": 1.0}))
    assert tan[-1][2] == f"${2 + math.cos(1.0):.4g}$"
    picture = tikz.draw(g, tape.values)
    assert picture.count(r"\node") == 5 and picture.count(r"\draw[->]") == 5


def test_layout_orders_columns_to_undo_crossings():
    g = Graph.parse({"f": "sin(b) * cos(a)"}, ["a", "b"])  # operation order: sin(b) above cos(a)
    lay = tikz.layout(g)
    row = {g.nodes[i].name or g.nodes[i].op: r for i, (_, r) in lay.pos.items()}
    assert (row["a"] < row["b"]) == (row["cos"] < row["sin"])  # edges a-cos and b-sin do not cross
    assert not lay.bends  # no edge skips a column


def test_long_edges_pass_between_nodes():
    g = Graph.parse({"f": "w1*exp(w2) + ln(w1**2 + w2**2)", "g": "w1*sin(w2) + cos(w1)"}, ["w1", "w2"])
    lay = tikz.layout(g)
    assert lay.bends, "this graph has edges that skip a column"
    for points in lay.bends.values():
        for c, r in points:
            nodes = [nr for nc, nr in lay.pos.values() if nc == c]
            assert min(abs(r - nr) for nr in nodes) >= (1 + tikz.WAYPOINT) / 2 - 1e-9
    assert tikz.draw(g).count("rounded corners=6pt") == len(lay.bends)


def test_every_operation_has_a_latex_template_and_a_sympy_reading():
    from theory.autodiff.ops import FUNCTIONS, SYMPY_NAMES

    for op in OPS.values():
        assert "{0}" in op.latex.format(*("{0}", "{1}")[: op.arity])  # literal braces are doubled
    assert set(FUNCTIONS) <= set(SYMPY_NAMES)
