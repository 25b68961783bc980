"""Wrong derivatives, wrong graphs and wrong error terms are rejected by the Jacobian topic."""

from __future__ import annotations

import ast
import math

import pytest

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved
from theory import jacobians as jac
from theory.autodiff import graph as graph_module
from theory.autodiff.ops import OPS
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

CS5388 = {"functions": "f1 = ln(w1**2 + w2**2) + w1*exp(w2); f2 = w1*sin(w2) + cos(w1)", "point": "(2, 1)",
          "step": "0.001", "node_ops": "add, pow, ln, mul, sin, cos", "problem": "cs5388-a1, Problem 6"}


def test_a_wrong_local_derivative_fails_both_modes(monkeypatch):
    cos = OPS["cos"]
    monkeypatch.setitem(OPS, "cos", cos.__class__(**{**cos.__dict__, "partials": lambda a: (math.sin(a),)}))
    assert {"c.forward", "c.reverse"} <= failed_claims(jac)


def test_a_graph_that_misreads_the_formula_fails(monkeypatch):
    monkeypatch.setitem(graph_module._BINARY, ast.Add, "mul")
    failed = failed_claims(jac)
    assert {"a.same-function", "b.value-f1", "b.value-f2", "c.forward", "c.reverse"} <= failed


def test_wrong_truncation_terms_fail(monkeypatch):
    monkeypatch.setattr(jac, "forward_error", lambda d2, d3, h: h * d2)
    monkeypatch.setattr(jac, "central_error", lambda d3, d5, h: h**2 / 3 * d3)
    assert {"e.forward-error", "e.central-error"} <= failed_claims(jac)


def test_a_wrong_local_derivative_is_beyond_the_autodiff_rounding_bound(monkeypatch):
    cos = OPS["cos"]
    monkeypatch.setitem(OPS, "cos", cos.__class__(**{**cos.__dict__, "partials": lambda a: (math.sin(a),)}))
    assert "f.autodiff-error" in failed_claims(jac)


def test_a_doubled_truncation_term_is_not_the_largest_forward_difference_error(monkeypatch):
    monkeypatch.setattr(jac, "forward_error", lambda d2, d3, h: h * d2)
    assert "f.difference-error" in failed_claims(jac)


def test_the_cs5388_instance_holds_and_flags_the_missing_exp_node():
    sol = solve_topic(jac, CS5388)
    assert sol.passed
    errata = [b for part in sol.parts for b in part.blocks if type(b).__name__ == "Erratum"]
    assert len(errata) == 1 and "exp" in errata[0].correction
    assert sol.answers["f"][0]["value"] == pytest.approx(math.log(5) + 2 * math.e)


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


def test_a_long_product_is_differentiated_quickly():
    """The fifth derivatives come from 40-digit differences, not from SymPy's swelling formulas."""
    product = "f = " + "*".join(f"sin({k}*w1)" for k in range(1, 20)) + " + w2"
    assert failed_claims(jac, {"functions": product, "point": "(1, 2)"}) == set()


@pytest.mark.parametrize("functions", ["f = abs(1 + abs(1 + w1*w2))", "f = abs(leaky_relu(w1 + w1)) + w2",
                                       "f = max(w1, abs(relu(sin(max(w1, abs(relu(sin(w1*w2))))))))"])
def test_nested_kinks_are_differentiated_on_their_active_branches(functions):
    assert failed_claims(jac, {"functions": functions, "point": "(0.3, 0.7)"}) == set()


def test_near_a_pole_the_omitted_taylor_terms_are_allowed_for():
    functions = "f1 = tan(max(max(w1, w1 - w1), w1 / w1**3))"
    assert failed_claims(jac, {"functions": functions, "inputs": "w1", "point": "(0.8,)", "step": "0.001",
                               "refine": "2"}) == set()


@pytest.mark.parametrize("bad", [
    {"point": "(1e308, 2)"}, {"point": str(tuple(range(9)))}, {"step": "1e-4"}, {"step": "0.001", "refine": "100"},
    {"node_ops": r"add, \input{x}"}, {"inputs": "é, w2"}, {"inputs": "lambda, w2"},
    {"functions": "f = " + "+".join(f"sin({k}*w1)" for k in range(40))},
    {"functions": "; ".join(f"f{k} = w1*{k} + w2" for k in range(9))},
    {"functions": "f = " + "sin(" * 11 + "w1*w2" + ")" * 11},
    {"functions": "f = leaky_relu(1 + leaky_relu(1 + leaky_relu(w1*w2)))"},
    {"functions": "f = relu(w1 - 1.005) + w2"},  # the step crosses the kink
    {"functions": "f = 1/(w1 - 1.005) + w2"},  # ... and the pole
    {"functions": "f = (w1 + 10**10) - 10**10 + w2"},  # rounding swamps f
    {"functions": "f = sqrt(w1 - 1) + w2"}, {"functions": "f = w1**w2", "point": "(-1, 2)"},
    {"functions": "f = min(1, sqrt(0.5 - 3)) + w1"}, {"functions": "f = sigmoid(1)**2 + w1"},
    {"functions": "f = exp(100*w1) + w2", "step": "0.5"},  # Taylor terms do not shrink at this step
])
def test_hostile_parameters_are_bad_input(bad):
    with pytest.raises(BadInput):
        solve_topic(jac, bad)


def _graded(sol, name, value):
    return grade.grade(grade.gradeable(sol)[name], value, sol.misconceptions)


def _numbers(matrix) -> list[list[str]]:
    return [[f"{float(x):.8g}" for x in row] for row in matrix]


def test_misconceptions_are_rejected_and_named_by_grading():
    sol = solved("jacobians")
    assert {m.id for m in sol.misconceptions} == {"transposed", "cos-derivative-sign", "sigmoid-derivative-of-input",
                                                  "power-rule-factor"}  # every inner derivative of CS7643's f is 1
    assert not misgraded(sol, _numbers, ["jacobian"]) and {m.answer for m in sol.misconceptions} == {"jacobian"}


def test_the_right_value_is_no_misconception():
    assert not right_values_rejected(solved("jacobians"), ["jacobian"])


def _numbers(matrix) -> list[list[str]]:
    return [[f"{float(x):.8g}" for x in row] for row in matrix]


def test_a_non_square_jacobian_transposed_and_a_dropped_inner_derivative_are_named():
    sol = solve_topic(jac, {"functions": "f = exp(2*w1) * w2", "point": "(0.5, 1.5)"})
    ids = {m.id: m for m in sol.misconceptions}
    assert sol.passed and set(ids) == {"transposed", "inner-derivative-dropped"}
    j = _graded(sol, "jacobian", _numbers(ids["transposed"].value))
    assert j.how.startswith("transposed") and j.misconception.id == "transposed"
    assert float(ids["inner-derivative-dropped"].value[0][0]) == pytest.approx(math.exp(1) * 1.5)


def test_a_symmetric_jacobian_has_no_transposed_misconception():
    sol = solve_topic(jac, {"functions": "f1 = w1*w2; f2 = w1**2/2 + w2**2/2", "point": "(1, 2)"})
    assert sol.passed and "transposed" not in {m.id for m in sol.misconceptions}


def test_the_dropped_inner_derivative_is_named_from_the_function_in_force():
    def explanation(sol):
        return next(m.explanation for m in sol.misconceptions if m.id == "inner-derivative-dropped")

    assert (r"the factor $2 w_{1}$ of $\ln{\left(w_{1}^{2} + w_{2}^{2} \right)}$ in $\partial f_{1}/\partial w_{1}$"
            in explanation(solve_topic(jac, CS5388)))
    changed = explanation(solve_topic(jac, {"functions": "f = w1*sin(3*w2)", "point": "(1, 2)"}))
    assert r"the factor $3$ of $\sin{\left(3 w_{2} \right)}$ in $\partial f/\partial w_{2}$" in changed
    assert r"\ln" not in changed
