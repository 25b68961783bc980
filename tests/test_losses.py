"""Wrong answers to the hinge, cross-entropy and regression-loss problems are rejected."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import losses as num
from tests.conftest import failed_claims, misgraded, right_values_rejected, solved
from theory import losses as topic
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

ORIGINAL_HINGE = topic.hinge


def test_missing_margin_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "hinge", lambda s, y, d: ORIGINAL_HINGE(s, y, 0))
    assert {"3a.hinge.1", "3a.numpy"} <= failed_claims(topic)


def test_sum_including_the_true_class_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "hinge",
                        lambda s, y, d: sum(sp.Max(0, sj - s[y] + d) for sj in s))
    assert {"3a.hinge.1", "3a.numpy"} <= failed_claims(topic)


def test_swapped_sign_in_hinge_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "hinge", lambda s, y, d: sum(
        sp.Max(0, s[y] - s[j] + d) for j in range(len(s)) if j != y))
    assert {"3a.hinge.1", "3a.numpy"} <= failed_claims(topic)


def test_softmax_of_negated_scores_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "softmax", lambda s: [sp.exp(-v) / sum(sp.exp(-u) for u in s)
                                                     for v in s])
    failed = failed_claims(topic)
    assert {"3b.scipy", "3b.ce.1", "3b.value"} <= failed
    assert "3b.sum" not in failed  # still a distribution: only the independent checks catch it


def test_partition_witness_missing_a_class_fails_Z(monkeypatch):
    monkeypatch.setattr(num, "partition", lambda s: float(np.sum(np.exp(np.asarray(s, float)[1:]))))
    assert "3b.Z" in failed_claims(topic)


def test_cross_entropy_in_bits_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "cross_entropy",
                        lambda s, y, base: -sp.log(topic.softmax(s)[y]) / sp.log(2))
    assert {"3b.ce.1", "3b.value"} <= failed_claims(topic)


def test_cross_entropy_in_nats_is_rejected_when_base_two_is_in_force(monkeypatch):
    monkeypatch.setattr(topic, "cross_entropy", lambda s, y, base: -sp.log(topic.softmax(s)[y]))
    assert {"3b.ce.1", "3b.value"} <= failed_claims(topic, {"log_base": "2"})


def test_base_two_divides_the_cross_entropy_by_ln_two_and_holds():
    natural, bits = (solve_topic(topic, {"log_base": b}) for b in ("e", "2"))
    assert not {cid for cid, _, v in bits.claims() if not v.passed}
    ce = [sp.sympify(s.answers["cross-entropy"]["exact"]) for s in (natural, bits)]
    assert sp.simplify(ce[1] * sp.log(2) - ce[0]) == 0
    assert bits.answers["cross-entropy"]["value"] == pytest.approx(natural.answers["cross-entropy"]["value"]
                                                                  / np.log(2), rel=1e-14)
    assert bits.answers["total loss"] == natural.answers["total loss"]  # the L2 loss has no log


def test_cross_entropy_without_minus_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "cross_entropy", lambda s, y, base: sp.log(topic.softmax(s)[y]))
    assert {"3b.ce.1", "3b.value"} <= failed_claims(topic)


def test_absolute_instead_of_squared_error_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "squared_error", lambda y, yh: abs(y - yh))
    failed = failed_claims(topic)
    assert {"4a.numpy", "4a.mean.1", "4a.numpy-mean", "4c.numpy", "4c.half"} <= failed


def test_wrong_sign_bias_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "predict", lambda x, w, b: sum(a * c for a, c in zip(w, x)) - b)
    failed = failed_claims(topic, {"bias": "0.5"})
    assert {"4a.numpy", "4a.mean.1", "4a.numpy-mean", "4c.numpy"} <= failed


def test_regularising_the_bias_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "regulariser", lambda w, b, lam: lam * (sum(v**2 for v in w) + b**2))
    assert {"4b.reg.1", "4b.numpy", "4c.numpy"} <= failed_claims(topic, {"bias": "1"})


def test_missing_lambda_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "regulariser", lambda w, b, lam: sum(v**2 for v in w))
    assert {"4b.reg.1", "4b.numpy", "4c.numpy", "4c.half"} <= failed_claims(topic)


def test_total_without_penalty_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "total_loss", lambda mean, reg: mean)
    assert {"4c.total.1", "4c.numpy", "4c.half"} <= failed_claims(topic)


def test_other_inputs_hold():
    assert not failed_claims(topic, {
        "scores": "(0.5, -1.25, 3, 3)", "classes": "('a', 'b', 'c', 'd')", "true_class": "c",
        "margin": "0.5", "data": "((1, 2, 3, 4), (0, -1, 2, 1))", "weights": "(0.25, -1, 2)",
        "bias": "-0.75", "lam": "0.01"})


def test_a_true_class_far_ahead_and_cancelling_residuals_hold():
    """p_y = 1 - 1e-87 and residuals of 1e-6 from terms of 1e6: float rounding is allowed for, not a failure."""
    assert not failed_claims(topic, {
        "scores": "(100, -100, 3, 4)", "data": "((1, 1, 2e-6), (1e6, -999999.999999, 0), (1, 1, 1))",
        "weights": "(1e6, 1e6)", "bias": "-1e6"})


@pytest.mark.parametrize("bad, words", [
    ({"true_class": "bicycle"}, "not one of the classes"),
    ({"scores": "(1.0, 2.0, 3.0)"}, "different lengths"),
    ({"classes": "('a', 'a', 'b', 'c')"}, "distinct"),
    ({"margin": "-1"}, "out of range"),
    ({"lam": "-0.1"}, "out of range"),
    ({"weights": "(1.0,)"}, "disagree"),
    ({"data": "((1, 2, 3), (1, 2))"}, "same number"),
    ({"scores": "(1, 'x', 2, 3)"}, "numbers"),
    ({"scores": "(1e308, 1, 2, 3)"}, "numbers"),
    ({"bias": "1e308"}, "out of range"),
    ({"margin": "1e308"}, "out of range"),
    ({"weights": "(1e-300, 1)"}, "numbers"),
    ({"classes": r"('$\\frac{$', 'b', 'c', 'd')"}, "class names"),
    ({"classes": r"('\\input{x}', 'b', 'c', 'd')"}, "class names"),
    ({"log_base": "3"}, "e, 2 or 10"),
    ({"true_class": "x" * 1000}, "not one of the classes"),
])
def test_bad_parameters(bad, words):
    with pytest.raises(BadInput, match=words):
        solve_topic(topic, bad)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=2, max_size=8), st.data())
def test_exact_losses_match_numpy(halves, data):
    s = [sp.Rational(v, 2) for v in halves]
    y = data.draw(st.integers(0, len(s) - 1))
    delta = sp.Rational(data.draw(st.integers(0, 4)), 2)
    f = [float(v) for v in s]
    expected = num.multiclass_hinge(f, y, float(delta))
    assert float(topic.hinge(s, y, delta)) == pytest.approx(expected)
    assert float(topic.cross_entropy(s, y, "e")) == pytest.approx(num.cross_entropy(f, y), rel=1e-12)
    assert float(topic.cross_entropy(s, y, "10")) == pytest.approx(num.cross_entropy(f, y, 10.0), rel=1e-12)
    assert np.allclose([float(v) for v in topic.softmax(s)], num.softmax_probs(f), rtol=1e-12)


CHECKED = ("hinge loss", "p_y", "cross-entropy", "predictions", "L2 losses", "mean L2 loss", "regulariser",
           "total loss", "total loss (1/2 convention)")


def test_the_named_misconceptions_are_declared():
    assert {"no-margin", "true-class-included", "log-base-2", "missing-minus", "absolute-error", "sum-not-mean",
            "missing-lambda", "no-penalty"} <= {m.id for m in solved("losses").misconceptions}


def test_grading_accepts_the_answers_and_names_each_misconception():
    sol = solved("losses")
    assert not misgraded(sol, grade.typed, CHECKED)
    assert grade.grade(grade.gradeable(sol)["cross-entropy"], "2.89215", sol.misconceptions).verdict == "correct"


def test_the_right_value_is_no_misconception():
    assert not right_values_rejected(solved("losses"), CHECKED)


def test_a_natural_log_is_a_named_mistake_when_base_two_is_in_force():
    sol = solve_topic(topic, {"log_base": "2"})
    assert sol.passed
    natural = next(m for m in sol.misconceptions if m.id == "natural-log")
    assert float(natural.value) == pytest.approx(num.cross_entropy([2.0, 4.5, 1.0, 3.5], 0))
    j = grade.grade(grade.gradeable(sol)["cross-entropy"], "2.89215", sol.misconceptions)
    assert j.verdict == "incorrect" and j.misconception is natural
    assert "log-base-2" not in {m.id for m in sol.misconceptions}


def test_mistakes_that_change_nothing_are_not_declared():
    """No margin, a true class ahead, a zero bias, one example: those slips give the right value there."""
    sol = solve_topic(topic, {"margin": "0", "scores": "(5, 1, 2, 3)", "data": "((1, 2, 4),)"})
    ids = {m.id for m in sol.misconceptions}
    assert sol.passed
    assert not {"no-margin", "true-class-included", "predicted-class", "predicted-class-probability",
                "bias-penalised", "sum-not-mean", "summed-losses-in-total"} & ids
    assert {"missing-minus", "missing-lambda"} <= ids
