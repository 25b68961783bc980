"""Wrong pseudocode and wrong cost models are rejected by the forward/reverse-mode topic."""

from __future__ import annotations

import pytest
import sympy as sp

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved
from theory import autodiff_modes as am
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput


def test_a_missing_chain_factor_is_rejected(monkeypatch):
    right = am.local_derivative
    monkeypatch.setattr(am, "local_derivative",
                        lambda lines, name, var: right(lines, name, var).subs(sp.pi, 1) if name == "z2" else
                        right(lines, name, var))
    failed = failed_claims(am)
    assert {"1.1.gradient", "1.1.finite-differences", "1.2.derivative"} <= failed


def test_an_adjoint_that_forgets_a_user_is_rejected(monkeypatch):
    right = am.reverse_program

    def forgetful(lines, inputs):
        rules = right(lines, inputs)
        return [(v, rule.subs(sp.Symbol("bar_z5", real=True), 0) if v == "z4" else rule) for v, rule in rules]

    monkeypatch.setattr(am, "reverse_program", forgetful)
    assert {"1.1.gradient", "1.1.finite-differences"} <= failed_claims(am)


def test_pseudocode_that_drops_a_term_is_wrong_at_the_point(monkeypatch):
    right = am.local_derivative
    monkeypatch.setattr(am, "local_derivative",
                        lambda lines, name, var: right(lines, name, var).subs(sp.pi, 1) if name == "z2" else
                        right(lines, name, var))
    assert {"1.1.at-w1", "1.1.at-w2"} <= failed_claims(am)


def test_a_dropped_chain_factor_is_wrong_at_the_default_point(monkeypatch):
    """d z2 / d z1 without its 2 pi: the point's numbers see it (at a point where cos(2 pi z1) = 0 they would not)."""
    right = am.local_derivative
    monkeypatch.setattr(am, "local_derivative",
                        lambda lines, name, var: right(lines, name, var) / (2 * sp.pi) if name == "z2" else
                        right(lines, name, var))
    assert {"1.1.at-w1", "1.1.at-w2", "1.1.finite-differences", "1.1.gradient"} <= failed_claims(am)


def test_a_wrong_cost_model_is_rejected(monkeypatch):
    monkeypatch.setattr(am, "reverse_cost", lambda d, t: {"values": d * t, "local derivatives": d * t})
    assert failed_claims(am) == {"1.3.counted"}


def test_another_trace_and_input_hold():
    trace = "a = w1 + w2; b = w2 + 1; f = a*b"
    assert not failed_claims(am, {"trace": trace, "formula": "(w1 + w2)*(w2 + 1)", "wrt": "w2",
                                  "point": "(1.5, -2)"})


def test_a_sheet_sized_trace_over_many_inputs_holds():
    trace = "; ".join(["z1 = w1 + w2*w3", "z2 = z1*w4 + sin(w5)", "z3 = z2*z1*0.9 + w4", "z4 = z3*z2 + w5*w6*w7*w8"])
    z2 = "((w1 + w2*w3)*w4 + sin(w5))"
    formula = f"{z2}*(w1 + w2*w3)*0.9*{z2} + w4*{z2} + w5*w6*w7*w8"
    assert not failed_claims(am, {"trace": trace, "formula": formula, "inputs": "w1, w2, w3, w4, w5, w6, w7, w8",
                                  "point": "(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)", "wrt": "w5"})


@pytest.mark.parametrize("bad", [{"wrt": "w3"}, {"trace": "z1 = w1 / "}, {"point": "(1,)"}, {"dims": "(1, 2)"},
                                 {"point": "(1, 0)"}, {"point": "(1e308, 1)"}, {"dims": "(2, 10**9)"},
                                 {"dims": "(2, 65)"}, {"dims": "(4, 4)"}, {"dims": "(4,)"}, {"inputs": "w1, w 2"},
                                 {"trace": "z1 = w1*w2; z2 = relu(z1)", "formula": "relu(w1*w2)"},
                                 {"trace": "; ".join(["z1 = w1 + w2", "z2 = z1*w1"] + [f"z{k} = z{k-1}*z{k-2}"
                                                                                      for k in range(3, 30)])},
                                 {"trace": "; ".join(["z1 = w1/w2"] + [f"z{k} = sin(z{k-1})" for k in range(2, 14)])},
                                 {"point": "(0.3, 1e-6)"}, {"point": "(1000, 1000)"}])
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(am, bad)


ANSWERS = ("gradient", "forward-mode time")


def _typed(value):
    """As a student types it: a gradient entry by entry to 8 figures, a cost as a SymPy formula."""
    return [f"{float(x):.8g}" for x in value] if grade.kind(value) == "vector" else sp.sstr(value)


def test_misconceptions_are_rejected_and_named_by_grading():
    sol = solved("autodiff_modes")
    assert {m.id for m in sol.misconceptions} == {"missed-path", "inner-derivative-dropped", "one-pass", "values-once"}
    assert not misgraded(sol, _typed, ANSWERS)
    assert grade.grade(grade.gradeable(sol)["forward-mode time"], "T*d", sol.misconceptions).verdict == "correct"


def test_the_right_values_are_no_misconceptions():
    assert not right_values_rejected(solved("autodiff_modes"), ANSWERS)


def test_a_trace_without_shared_variables_or_inner_factors_declares_only_the_cost_mistakes():
    sol = solve_topic(am, {"trace": "a = w1*w2; f = sin(a)", "formula": "sin(w1*w2)", "point": "(0.5, 1.5)"})
    assert sol.passed and {m.id for m in sol.misconceptions} == {"one-pass", "values-once"}


def test_the_body_states_the_point_and_the_slip_names_a_factor_of_the_trace():
    sol = solve_topic(am, {"point": "(0.25, 0.5)"})
    body = [b.body for part in sol.parts if part.label == "1.1" for b in part.blocks if type(b).__name__ == "Text"]
    assert any("(w_{1}, w_{2}) = (0.25, 0.5)" in t for t in body)
    slip = next(m.explanation for m in sol.misconceptions if m.id == "inner-derivative-dropped")
    assert r"the factor $2 \pi$ of $\sin{\left(2 \pi z_{1} \right)}$ in $\partial z_{2}/\partial z_{1}$" in slip
