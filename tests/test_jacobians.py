"""Wrong derivatives, wrong graphs and wrong error terms are rejected by the Jacobian topic."""

from __future__ import annotations

import ast
import math

import pytest

from tests.conftest import failed_claims
from theory import jacobians as jac
from theory.autodiff import graph as graph_module
from theory.autodiff.ops import OPS
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

CS5388 = {"functions": "f1 = ln(w1**2 + w2**2) + w1*exp(w2); f2 = w1*sin(w2) + cos(w1)", "point": "(2, 1)",
          "step": "0.001", "node_ops": "add, pow, ln, mul, sin, cos", "problem": "cs5388-a1, Problem 6"}


def test_a_wrong_local_derivative_fails_both_modes(monkeypatch):
    cos = OPS["cos"]
    monkeypatch.setitem(OPS, "cos", cos.__class__(**{**cos.__dict__, "partials": lambda a: (math.sin(a),)}))
    assert {"c.jacobian", "d.jacobian"} <= failed_claims(jac)


def test_a_graph_that_misreads_the_formula_fails(monkeypatch):
    monkeypatch.setitem(graph_module._BINARY, ast.Add, "mul")
    failed = failed_claims(jac)
    assert {"a.same-function", "a.values", "c.jacobian", "d.jacobian"} <= failed


def test_wrong_truncation_terms_fail(monkeypatch):
    monkeypatch.setattr(jac, "forward_error", lambda d2, d3, h: h * d2)
    monkeypatch.setattr(jac, "central_error", lambda d3, d5, h: h**2 / 3 * d3)
    assert {"e.forward-error", "e.central-error"} <= failed_claims(jac)


def test_the_cs5388_instance_holds_and_flags_the_missing_exp_node():
    sol = solve_topic(jac, CS5388)
    assert sol.passed
    errata = [b for part in sol.parts for b in part.blocks if type(b).__name__ == "Erratum"]
    assert len(errata) == 1 and "exp" in errata[0].correction
    assert sol.answers["f"]["f1"]["value"] == pytest.approx(math.log(5) + 2 * math.e)


def test_max_is_explained_and_a_kink_at_the_point_is_bad_input():
    sol = solve_topic(jac, {"functions": "f = max(w1, w2) * w1", "point": "(1, 2)"})
    notes = [b.body for part in sol.parts for b in part.blocks if type(b).__name__ == "Text"]
    assert sol.passed and any("arguments tie" in n for n in notes)
    with pytest.raises(BadInput, match="not differentiable"):
        solve_topic(jac, {"functions": "f = max(w1, w2) * w1", "point": "(1, 1)"})


@pytest.mark.parametrize("bad", [
    {"point": "(1, 2, 3)"}, {"functions": "f1 = cos(w1) +"}, {"functions": "f1 = cosh(w1)"},
    {"step": "0"}, {"point": "(-5, 2)"}, {"functions": "nonsense"}, {"inputs": "w1, 2x"},
])
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(jac, bad)


@pytest.mark.parametrize("functions", ["f1 = leaky_relu(w1) + w2; f2 = w1*w2",
                                       "f1 = relu(w1 - 3) + w2**2; f2 = relu(w1 + w2) * w1",
                                       "f1 = LeakyReLU(w1 - 2, 0.2) * w2; f2 = ReLU(w2) + sigma(w1)"])
def test_every_activation_name_is_read_by_both_parsers(functions):
    assert failed_claims(jac, {"functions": functions, "point": "(1, 2)"}) == set()
