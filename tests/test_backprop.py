"""Wrong answers to the backpropagation problem are rejected by its checks."""

from __future__ import annotations

import pytest

from checks import backprop as sim
from checks.finite_differences import central_difference
from tests.conftest import failed_claims, misgraded, right_values_rejected, solved
from theory import backprop
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

# the claims that compare the derived dL/dw1 with something computed independently
WITNESSES = {"b.grad.1", "b.grad.3", "c.reverse", "c.factors", "c.fd", "c.fd_order"}


def test_dropped_sigmoid_derivative_of_hidden_unit_is_rejected(monkeypatch):
    monkeypatch.setattr(backprop, "hidden_grad", lambda g: backprop.X[0])  # forgot h1(1-h1)
    assert WITNESSES <= failed_claims(backprop)


def test_wrong_sign_of_loss_derivative_is_rejected(monkeypatch):
    monkeypatch.setattr(backprop, "loss_grad", lambda g: 2 * (backprop.Y - g.yhat))
    assert WITNESSES <= failed_claims(backprop)


def test_dropped_output_sigmoid_derivative_is_rejected(monkeypatch):
    monkeypatch.setattr(backprop, "output_grad", lambda g, output: backprop.W[4])
    assert WITNESSES <= failed_claims(backprop)


def test_identity_output_formula_used_for_sigmoid_output_is_rejected(monkeypatch):
    true_grad = backprop.output_grad
    monkeypatch.setattr(backprop, "output_grad", lambda g, output: true_grad(g, "identity"))
    assert {"c.reverse", "c.fd"} <= failed_claims(backprop)


def test_wrong_logistic_derivative_is_rejected(monkeypatch):
    monkeypatch.setattr(backprop, "logistic_derivative", lambda s: s * (1 + s))
    assert {"b.logistic"} | WITNESSES <= failed_claims(backprop)


def test_wrong_third_derivative_breaks_the_error_prediction(monkeypatch):
    true_third = backprop.loss_third_derivative
    monkeypatch.setattr(backprop, "loss_third_derivative", lambda output: 2 * true_third(output))
    assert {"c.third", "c.fd_order"} <= failed_claims(backprop)


def test_identity_output_and_other_weights_hold():
    assert not failed_claims(backprop, {"output": "identity"})
    assert not failed_claims(backprop, {"w1": "0.8", "w5": "1.5", "y": "0.9", "fd_step": "1e-4"})


def test_residual_near_zero_is_handled_by_the_condition_number():
    yhat = sim.network(backprop.SHEET_X, backprop.ASSUMED_W, 0.5, "sigmoid").value("yhat")
    assert not failed_claims(backprop, {"y": repr(round(yhat, 9))})


def test_hand_reverse_pass_matches_sheet_wiring():
    tape = sim.network((-0.7, 1.2, 1.1, -2.0), backprop.ASSUMED_W, 0.5, "sigmoid")
    adj = tape.backward("L")
    step = 1e-6
    f = sim.loss_along_weight((-0.7, 1.2, 1.1, -2.0), backprop.ASSUMED_W, 0.5, "sigmoid", 0)
    assert adj["w1"] == pytest.approx(central_difference(f, backprop.ASSUMED_W[0], step),
                                      rel=1e-6)


@pytest.mark.parametrize("bad", [{"output": "relu"}, {"fd_step": "0"}, {"fd_step": "0.5"},
                                 {"w1": "100"}, {"x1": "30", "w1": "20"}, {"w6": "1e-300"}, {"y": "-1e-7"},
                                 {"x1": "1e308"}, {"output": "'\\input{x}'"}])
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(backprop, bad)


def test_small_but_normal_values_hold():
    """Values down to 1e-6 keep every adjoint in the normal float range."""
    assert not failed_claims(backprop, {"w6": "1e-6", "x4": "-1e-6", "y": "1e-6", "x2": "0"})


def test_misconceptions_are_rejected_and_named_by_grading():
    sol = solved("backprop")
    assert {"loss-derivative-sign", "missing-factor-2", "hidden-sigmoid-derivative-dropped",
            "output-sigmoid-derivative-dropped"} <= {m.id for m in sol.misconceptions}
    assert not misgraded(sol, lambda v: f"{float(v):.6g}", ["dL/dw1"])  # a number to 6 figures
    assert {m.answer for m in sol.misconceptions} == {"dL/dw1"}


def test_the_right_value_is_no_misconception():
    assert not right_values_rejected(solved("backprop"), ["dL/dw1"])


def test_an_input_of_one_makes_the_dropped_input_harmless():
    sol = solve_topic(backprop, {"x1": "1", "output": "identity"})
    ids = {m.id for m in sol.misconceptions}
    assert "input-factor-dropped" not in ids and "output-sigmoid-derivative-dropped" not in ids
    assert sol.passed
