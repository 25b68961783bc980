"""Wrong deltas, wrong updates and the wrong momentum convention are rejected (two_layer_sgd)."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved, typed_numbers
from theory import two_layer_sgd as tls
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

DEAD_H1 = "w1=0.1, w2=0.2, w3=0.3, w4=0.4, w5=0.5, w6=0.6, b1=-0.5, b2=0.2, b3=0.3"


def _gradient(sol) -> dict:
    """The checked gradient answer (a list in the order of its name's brackets), by parameter name."""
    name = next(n for n in sol.answers if n.startswith("gradient ["))
    return dict(zip(name[len("gradient ["):-1].split(", "), sol.answers[name], strict=True))


def test_the_sheets_numbers():
    sol = solve_topic(tls, {})
    y = 1 / (1 + sp.exp(-sp.Rational(16, 25)))
    assert sol.answers["y"]["value"] == pytest.approx(float(y))
    assert sol.answers["loss"]["value"] == pytest.approx(float(-sp.log(y)))
    grad = _gradient(sol)
    assert grad["w3"]["value"] == grad["w4"]["value"] == 0.0
    assert grad["w5"]["value"] == pytest.approx(float((y - 1) * sp.Rational(1, 5)))
    assert sol.answers["w5, momentum (i) velocity form"]["value"] == pytest.approx(
        0.956905, abs=1e-6
    )
    assert sol.answers["w5, momentum (ii) buffer form"]["value"] == pytest.approx(
        0.461905, abs=1e-6
    )


def test_an_output_delta_that_keeps_the_sigmoid_derivative_is_rejected(monkeypatch):
    monkeypatch.setattr(tls, "output_delta", lambda y, t, base: y * (1 - y) * (y - t))
    assert {
        "c.delta",
        "c.sympy",
        "c.reverse-mode",
        "c.finite-differences",
        "c.sgd",
    } <= failed_claims(tls)


def test_a_wrong_sign_delta_is_rejected(monkeypatch):
    monkeypatch.setattr(tls, "output_delta", lambda y, t, base: t - y)
    assert {"c.delta", "c.sympy", "c.reverse-mode", "c.decrease"} <= failed_claims(tls)


def test_a_relu_that_never_dies_is_rejected(monkeypatch):
    monkeypatch.setattr(tls, "activation_derivative", lambda act, z, a: sp.Integer(1))
    failed = failed_claims(tls, {"weights": DEAD_H1})
    assert {"c.sympy", "c.reverse-mode", "c.finite-differences", "c.zeros"} <= failed


def test_a_dead_relu_is_explained():
    sol = solve_topic(tls, {"weights": DEAD_H1})
    notes = " ".join(
        b.body for part in sol.parts for b in part.blocks if type(b).__name__ == "Text"
    )
    assert sol.passed and "dead ReLU" in notes
    assert {n for n, g in _gradient(sol).items() if g["value"] == 0} == {
        "w1",
        "w3",
        "w4",
        "w5",
        "b1",
    }


def test_large_exact_gradients_are_compared_to_50_digits():
    a = sum(sp.exp(sp.Rational(k, 7)) for k in range(60))
    assert tls._same_value(a, a + 0, 1.0).passed
    wrong = tls._same_value(a, a + sp.Rational(1, 10**30), 1.0)
    assert not wrong.passed and wrong.method == "numeric"


def test_a_sigmoid_network_with_a_soft_target_holds():
    sol = solve_topic(tls, {"wiring": "h1 = sigmoid(a*x1 + b*x2 + c); h2 = sigmoid(d*x1 + u*x2 + f); "
                                      "y = sigmoid(g*h1 + k*h2 + m*x1 + n)",
                            "weights": "a=-0.37, b=0.35, c=0.1, d=0.26, u=-0.24, f=0.1, g=-0.5, k=0.4, m=0.3, n=0.2",
                            "update": "a, n", "momentum_param": "g", "target": "0.3", "x": "(0.5, 0.5)",
                            "eta": "10", "mu": "0.99", "velocity": "10"})
    assert sol.passed


def test_wrong_zero_reasons_are_rejected(monkeypatch):
    monkeypatch.setattr(tls, "zero_reasons", lambda *a: {"w3": "made up"})
    assert "c.zeros" in failed_claims(tls)


def test_a_gradient_ascent_step_is_rejected(monkeypatch):
    monkeypatch.setattr(tls, "sgd_step", lambda w, g, eta: w + eta * g)
    assert {"c.sgd", "c.decrease"} <= failed_claims(tls)


def test_a_numpy_network_that_forgets_the_biases_measures_other_pre_activations(monkeypatch):
    right = tls.sim.forward
    monkeypatch.setattr(tls.sim, "forward", lambda spec, values, logits=None: right(
        [(name, act, edges, ()) for name, act, edges, _ in spec], values, logits))
    assert {"a.z-h1", "a.z-h2"} <= failed_claims(tls)


def test_a_step_length_and_a_momentum_gradient_from_a_wrong_delta_are_rejected(monkeypatch):
    """The extra y(1 - y) shortens the gradient: its length, its first-order change and the gradient answer,
    whose entry (d) quotes as its g, all differ from the central differences (a flipped sign would keep the
    first two)."""
    monkeypatch.setattr(tls, "output_delta", lambda y, t, base: y * (1 - y) * (y - t))
    gradient = "answer:gradient [w1, w2, w3, w4, w5, w6, b1, b2, b3]"
    assert {"c.step-length", "c.first-order", gradient} <= failed_claims(tls)


def test_the_momentum_step_quotes_its_g_from_the_gradient_answer():
    sol = solve_topic(tls, {"momentum_param": "w6"})
    (q,) = [q for q in sol.parts[-1].quotes if q.of.startswith("gradient [")]
    found, checked = sol.checked_value(q)
    assert found and float(checked) == _gradient(sol)["w6"]["value"] != 0


def test_a_wrong_sign_loss_is_rejected(monkeypatch):
    monkeypatch.setattr(tls, "cross_entropy", lambda y, t, base: t * sp.log(y) + (1 - t) * sp.log(1 - y))
    assert {"b.loss.1", "b.numpy", "c.delta"} <= failed_claims(tls)


def test_base_two_divides_the_loss_and_the_gradient_by_ln_two_and_holds():
    natural, bits = (solve_topic(tls, {"log_base": b}) for b in ("e", "2"))
    assert not {cid for cid, _, v in bits.claims() if not v.passed}
    assert bits.answers["y"] == natural.answers["y"]
    pairs = [(natural.answers["loss"], bits.answers["loss"])]
    pairs += [(_gradient(natural)[n], g) for n, g in _gradient(bits).items()]
    for a, b in pairs:
        assert sp.simplify(sp.sympify(b["exact"]) * sp.log(2) - sp.sympify(a["exact"])) == 0
        assert b["value"] == pytest.approx(a["value"] / math.log(2), rel=1e-14, abs=0)


def test_a_natural_log_delta_is_rejected_when_base_two_is_in_force(monkeypatch):
    monkeypatch.setattr(tls, "output_delta", lambda y, t, base: y - t)
    assert {"c.delta", "c.sympy", "c.reverse-mode", "c.finite-differences", "c.sgd"} <= failed_claims(
        tls, {"log_base": "2"})


def test_a_natural_log_loss_is_rejected_when_base_ten_is_in_force(monkeypatch):
    monkeypatch.setattr(tls, "cross_entropy", lambda y, t, base: -(t * sp.log(y) + (1 - t) * sp.log(1 - y)))
    assert {"b.loss.1", "b.numpy", "c.delta"} <= failed_claims(tls, {"log_base": "10"})


def test_the_wrong_momentum_convention_is_rejected(monkeypatch):
    monkeypatch.setattr(tls, "momentum_velocity_form", tls.momentum_buffer_form)
    assert {"d.velocity-form", "d.same-algorithm"} <= failed_claims(tls)


def test_a_buffer_form_that_forgets_the_momentum_is_rejected(monkeypatch):
    monkeypatch.setattr(tls, "momentum_buffer_form", lambda w, v, g, eta, mu: (g, w - eta * g))
    assert {"d.buffer-form", "d.same-algorithm"} <= failed_claims(tls)


@pytest.mark.parametrize(
    "overrides",
    [
        {"wiring": tls.ALT_WIRING},
        {"target": "0.3", "x": "(0.5, -1.5)", "eta": "0.5", "mu": "0", "velocity": "-0.2"},
        {"log_base": "10", "target": "0.3", "x": "(0.5, -1.5)", "wiring": tls.ALT_WIRING},
        {
            "wiring": "h1 = tanh(a*x1 + b*x2); y = sigmoid(c*h1 + d)",
            "weights": "a=1, b=-2, c=0.5, d=0.1",
            "update": "a, d",
            "momentum_param": "c",
            "x": "(0.3, 0.7)",
        },
    ],
)
def test_other_networks_and_values_hold(overrides):
    assert not failed_claims(tls, overrides)


@pytest.mark.parametrize(
    "bad",
    [
        {"eta": "0"},
        {"mu": "1"},
        {"mu": "-0.1"},
        {"target": "1.5"},
        {"x": "(1,)"},
        {"update": "w9"},
        {"momentum_param": "x1"},
        {"weights": "w1=0.1"},
        {"weights": "w1=oops"},
        {
            "wiring": "h1 = relu(w1*x1 + b1); y = relu(w5*h1 + b3)",
            "weights": "w1=1, b1=0, w5=1, b3=0",
            "update": "w1",
            "momentum_param": "w5",
        },
        {
            "wiring": "y = sigmoid(w1*x1 + t)",
            "weights": "w1=1",
            "update": "w1",
            "momentum_param": "w1",
        },
        {"wiring": "h1 = relu(w1*x1 +"},
        {"weights": "w1=1e308, w2=0.2, w3=0.3, w4=0.4, w5=0.5, w6=0.6, b1=0.1, b2=0.2, b3=0.3"},
        {"weights": "w\u00e9=0.1".encode().decode("unicode_escape")},
        {"x": "(1e308, 0)"},
        {"weights": "e=0.1"},
        {"x": "(1, 0, 0, 0, 0, 0, 0, 0, 0)"},
        {"eta": "1e308"},
        {"velocity": "-1e308"},
        {"weights": "w1=10, w2=0.2, w3=0.3, w4=0.4, w5=10, w6=0.6, b1=10, b2=0.2, b3=10", "x": "(10, 0)"},
        {"weights": "w1=0.1, w2=0.2, w3=0.3, w4=0.4, w5=0.5, w6=0.6, b1=-0.09999, b2=0.2, b3=0.3"},
        {
            "wiring": "h1 = tanh(w1*x1); h2 = tanh(w2*h1); y = sigmoid(w3*h2)",
            "weights": "w1=1, w2=1, w3=1",
            "update": "w1",
            "momentum_param": "w1",
        },
        {
            "wiring": "; ".join(f"h{i} = tanh(a{i}*x1)" for i in range(5))
            + "; y = sigmoid(" + " + ".join(f"v{i}*h{i}" for i in range(5)) + ")",
            "weights": ", ".join(f"a{i}=0.1, v{i}=0.2" for i in range(5)),
            "update": "a0",
            "momentum_param": "a0",
        },
        {
            "weights": "w1=0.1, w2=0.2, w3=0.3, w4=0.4, w5=0.5, w6=0.6, b1=-0.1, b2=0.2, b3=0.3"
        },  # ReLU at 0
        {"log_base": "3"},
    ],
)
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(tls, bad)


def test_grading_accepts_the_answers_and_names_each_misconception():
    sol = solved("two_layer_sgd")
    assert not misgraded(sol, typed_numbers)
    assert grade.grade(grade.gradeable(sol)["loss"], 0.4235, []).verdict == "correct"


def test_the_right_value_is_no_misconception():
    names = ("y", "loss", "gradient [w1, w2, w3, w4, w5, w6, b1, b2, b3]", "updated [w1, w4, w5, w6, b1, b3]")
    assert not right_values_rejected(solved("two_layer_sgd"), names)


def test_the_momentum_steps_are_checked_answers():
    """Each convention's new w5 is judged by its NumPy optimiser object; the other convention's value is rejected."""
    sol = solved("two_layer_sgd")
    one, two = (sol.results[n] for n in ("w5, momentum (i) velocity form", "w5, momentum (ii) buffer form"))
    assert one.verdict.passed and two.verdict.passed
    assert one.claims == ("d.velocity-form",) and two.claims == ("d.buffer-form",)
    assert sol.rejects(one.id, two.value).passed and sol.rejects(two.id, one.value).passed
