"""Dropped sigmoid derivatives, wrong signs and misread outputs are rejected (multitask)."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved, typed_numbers
from theory import multitask as mt
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

GRADIENT = {
    "b.dw1-correct.2",
    "b.dw1-printed.2",
    "b.reverse-mode",
    "b.finite-differences",
    "c.dw1.1",
    "c.engine",
    "c.other-sign",
}


def _sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_the_sheets_numbers():
    sol = solve_topic(mt, {})
    h = _sigma(0.25)
    y1, y2 = 0.2 * h, _sigma(0.1 * h)
    values = sol.answers["h, y1, y2"]
    assert [v["value"] for v in values] == pytest.approx([h, y1, y2])
    expected = ((y1 - 1) * 0.2 + (y2 - 1) * 0.1) * h * (1 - h) * 0.5
    assert sol.answers["dl/dw1"]["value"] == pytest.approx(expected)
    printed = ((y1 - 1) * 0.2 - (y2 - 1) * 0.1) * h * (1 - h) * 0.5
    assert sol.answers["dl/dw1 (printed sign)"]["value"] == pytest.approx(printed)


def test_a_dropped_sigmoid_derivative_is_rejected(monkeypatch):
    monkeypatch.setattr(mt, "sigmoid_derivative", lambda s: sp.Integer(1))
    assert GRADIENT <= failed_claims(mt)


def test_a_flipped_classification_term_is_rejected(monkeypatch):
    monkeypatch.setattr(mt, "classification_delta", lambda y, t, sign, base: -sign * (y - t))
    assert GRADIENT <= failed_claims(mt)


def test_a_wrong_sign_regression_delta_is_rejected(monkeypatch):
    monkeypatch.setattr(mt, "regression_delta", lambda y, t: t - y)
    assert GRADIENT <= failed_claims(mt)


def test_a_misread_output_is_rejected(monkeypatch):
    right = mt.activate
    monkeypatch.setattr(
        mt, "activate", lambda act, z: 2 * z if act == "identity" else right(act, z)
    )
    assert {"a.y1.1", "c.y1.1"} <= failed_claims(mt)


def test_a_misbuilt_hidden_unit_is_rejected(monkeypatch):
    """h reads only x: its claim compares the neuron as built with the wiring's formula read on its own."""
    right = mt.activate
    monkeypatch.setattr(mt, "activate", lambda act, z: right(act, 2 * z) if act == "sigmoid" else right(act, z))
    assert {"a.h", "a.numpy"} <= failed_claims(mt)  # the NumPy network (a's answers' witness) disagrees too


def test_a_loss_without_the_half_is_rejected(monkeypatch):
    monkeypatch.setattr(
        mt,
        "loss_value",
        lambda y1, y2, t1, t2, sign, base: (
            (y1 - t1) ** 2 - sign * (t2 * sp.log(y2) + (1 - t2) * sp.log(1 - y2))
        ),
    )
    assert {"c.loss.1", "c.numpy-loss"} <= failed_claims(mt)


def test_base_two_divides_the_cross_entropy_and_its_gradient_by_ln_two_and_holds():
    natural, bits = (solve_topic(mt, {"log_base": b}) for b in ("e", "2"))
    assert not {cid for cid, _, v in bits.claims() if not v.passed}
    assert bits.answers["h, y1, y2"] == natural.answers["h, y1, y2"]
    y1 = sp.sympify(natural.answers["h, y1, y2"][1]["exact"])
    reg = (y1 - 1) ** 2 / 2  # t1 = 1: the squared error has no log and does not change
    ex = {k: [sp.sympify(s.answers[k]["exact"]) for s in (natural, bits)] for k in ("loss", "dl/dw1",
                                                                                   "dl/dw1 (printed sign)")}
    assert sp.simplify((ex["loss"][1] - reg) * sp.log(2) - (ex["loss"][0] - reg)) == 0
    # the two signs differ by twice the cross-entropy's part of the gradient
    cls = [ex["dl/dw1"][i] - ex["dl/dw1 (printed sign)"][i] for i in (0, 1)]
    assert cls[0] != 0 and sp.simplify(cls[1] * sp.log(2) - cls[0]) == 0
    assert float(cls[1]) == pytest.approx(float(cls[0]) / math.log(2), rel=1e-14)


def test_a_natural_log_delta_is_rejected_when_base_two_is_in_force(monkeypatch):
    monkeypatch.setattr(mt, "classification_delta", lambda y, t, sign, base: sign * (y - t))
    assert GRADIENT <= failed_claims(mt, {"log_base": "2"})


def test_a_numpy_start_off_the_derived_gap_is_rejected(monkeypatch):
    right = mt.sim.classifier_step
    monkeypatch.setattr(mt.sim, "classifier_step", lambda *a, **k: (right(*a, **k)[0] + 0.01, right(*a, **k)[1]))
    assert "b.start" in failed_claims(mt)


def test_a_classifier_step_with_the_sign_flipped_is_rejected(monkeypatch):
    right = mt.sim.classifier_step
    monkeypatch.setattr(mt.sim, "classifier_step", lambda spec, values, names, t2, sign, *rest: right(
        spec, values, names, t2, -sign, *rest))
    assert {"b.correct-direction", "b.printed-direction"} <= failed_claims(mt)


def test_an_other_sign_formula_that_keeps_the_sign_in_force_is_rejected(monkeypatch):
    right = mt.classification_delta
    monkeypatch.setattr(mt, "classification_delta", lambda y, t, sign, base: right(y, t, 1, base))
    failed = failed_claims(mt)
    assert "b.other-sign-finite-differences" in failed and "b.finite-differences" not in failed


def test_a_natural_log_loss_is_rejected_when_base_ten_is_in_force(monkeypatch):
    right = mt.loss_value
    monkeypatch.setattr(mt, "loss_value", lambda y1, y2, t1, t2, sign, base: right(y1, y2, t1, t2, sign, "e"))
    assert {"c.loss.1", "c.numpy-loss"} <= failed_claims(mt, {"log_base": "10"})


def test_the_printed_sign_reproduces_the_sheet():
    sol = solve_topic(mt, {"cls_sign": "printed"})
    assert sol.passed
    h = _sigma(0.25)
    printed = ((0.2 * h - 1) * 0.2 - (_sigma(0.1 * h) - 1) * 0.1) * h * (1 - h) * 0.5
    assert sol.answers["dl/dw1"]["value"] == pytest.approx(printed)


@pytest.mark.parametrize(
    "overrides",
    [
        {"t1": "-0.4", "t2": "0", "x": "-1.5", "w": "(1.2, -0.7, 2.0)"},
        {"t1": "10", "t2": "0", "x": "10", "w": "(10, -10, 10)"},  # saturated sigmoids
        {
            "wiring": "h = tanh(w1*x); g = relu(w2*h + w4); y1 = w3*g; y2 = sigmoid(w5*h)",
            "w": "(0.5, 0.2, 0.1, 0.3, -0.4)",
            "t2": "0.25",
        },
        {"log_base": "10", "cls_sign": "printed", "t1": "-0.4", "t2": "0.3", "x": "-1.5", "w": "(1.2, -0.7, 2.0)"},
    ],
)
def test_other_networks_and_values_hold(overrides):
    assert not failed_claims(mt, overrides)


@pytest.mark.parametrize(
    "bad",
    [
        {"t2": "1.5"},
        {"cls_sign": "minus"},
        {"w": "(0.5, 0.2)"},
        {"w": "()"},
        {"wiring": "h = sigmoid(w1*x); y1 = w2*h"},
        {"wiring": "h = sigmoid(w1*x); y1 = w2*h; y2 = w3*h"},
        {"wiring": "h = sigmoid(w2*x); y1 = w2*h; y2 = sigmoid(w3*h)"},
        {"wiring": "h = sigmoid(w1*x + t1); y1 = w2*h; y2 = sigmoid(w3*h)"},
        {"wiring": "h = sigmoid(w1*x); y1 = w2*h; y2 = sigmoid(w3*h +"},
        {"x": "1e308"},
        {"t1": "-1e308"},
        {"w": "(1e308, 0.2, 0.1)"},
        {"w": str(tuple([0.1] * 10))},
        {"w": str(tuple([0.1] * 13))},
        {"w": "(10, 10, 10)", "x": "10.5"},
        {"wiring": "h = relu(w1*x + w4); y1 = w2*h; y2 = sigmoid(w3*h)", "w": "(0.5, 0.2, 0.1, -0.24999)"},
        {"wiring": "h\u00e9 = sigmoid(w1*x); y1 = w2*h\u00e9; y2 = sigmoid(w3*h\u00e9)".encode().decode(
            "unicode_escape")},
        {
            "wiring": "h1 = sigmoid(w1*x); h2 = sigmoid(w2*h1); h3 = sigmoid(w3*h2); y1 = w4*h3; "
            "y2 = sigmoid(w5*h3)",
            "w": "(0.5, 0.2, 0.1, 0.3, -0.4)",
        },
        {
            "wiring": "a = tanh(w1*x); b = tanh(w2*x); c = tanh(w3*x); d = tanh(w4*x); e1 = tanh(w9*x); "
            "y1 = w5*a + w6*b + w10*e1; y2 = sigmoid(w7*c + w8*d)",
            "w": "(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)",
        },
        {"wiring": "sigma = sigmoid(w1*x); y1 = w2*sigma; y2 = sigmoid(w3*sigma)"},  # displayed as the sigmoid
        {"wiring": "w_1 = sigmoid(w1*x); y1 = w2*w_1; y2 = sigmoid(w3*w_1)"},  # displayed as the weight w_1
        {"log_base": "3"},
        {"log_base": "ln"},
    ],
)
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(mt, bad)


def test_grading_accepts_the_answers_and_names_each_misconception():
    sol = solved("multitask")
    assert not misgraded(sol, typed_numbers)
    by_hand = "(w2*(y1 - t1) + w3*(y2 - t2))*h*(1 - h)*x".replace("y1", "(w2*h)").replace(
        "y2", "1/(1 + exp(-w3*h))").replace("h", "(1/(1 + exp(-w1*x)))")
    assert grade.grade(grade.gradeable(sol)["dl/dw1 expression"], by_hand, []).verdict == "correct"


def test_the_right_value_is_no_misconception():
    names = ("y1", "y2", "dl/dw1 expression", "loss", "dl/dw1", "dl/dw1 (printed sign)")
    assert not right_values_rejected(solved("multitask"), names)


def test_the_sheets_sign_is_no_misconception_when_it_is_in_force():
    sol = solve_topic(mt, {"cls_sign": "printed"})
    ids = {m.id for m in sol.misconceptions}
    assert "sheet-sign" not in ids and "loss-sheet-sign" not in ids and "regression-path-only" in ids
    assert sol.passed


def test_the_outputs_and_the_other_sign_formula_are_checked_answers():
    """(c)'s outputs are judged entry by entry by the NumPy forward pass; (b)'s formula under the other sign
    of l_cls by central differences of the NumPy loss with that sign (not by the formula of the sign in use)."""
    sol = solved("multitask")
    outputs = sol.results["h, y1, y2"]
    assert outputs.verdict.passed and outputs.claims == ("c.numpy",)
    h, y1, y2 = outputs.value
    assert sol.rejects(outputs.id, [h, y1, y2 * sp.Rational(101, 100)]).passed
    assert sol.rejects(outputs.id, [y1, y2]).passed
    other = sol.results["dl/dw1 expression (printed sign)"]
    assert other.verdict.passed and other.claims == ("b.other-sign-finite-differences",)
    assert sol.rejects(other.id, sol.results["dl/dw1 expression"].value).passed
