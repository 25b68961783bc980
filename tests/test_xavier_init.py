"""Wrong answers to the Glorot question are rejected."""

from __future__ import annotations

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved, typed_numbers
from theory import xavier_init as topic
from theory.core import grade


def test_the_derived_claims_hold():
    assert not failed_claims(topic)


def test_the_arithmetic_mean_of_the_conditions_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "glorot_variance", lambda a, b: (1 / a + 1 / b) / 2)
    assert {"c.harmonic", "c.uniform"} <= failed_claims(topic)


def test_the_forward_condition_alone_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "glorot_variance", lambda a, b: 1 / a)
    assert {"c.harmonic", "c.uniform"} <= failed_claims(topic)


def test_grading_accepts_the_answers_and_names_each_misconception():
    sol = solved("xavier_init")
    assert not misgraded(sol, typed_numbers)
    assert grade.grade(grade.gradeable(sol)["sigma^2"], "1/((n_in + n_out)/2)", sol.misconceptions).verdict == "correct"


def test_the_right_value_is_no_misconception():
    names = ("sigma^2", "sigma^2 at fan_in, fan_out", "uniform limit r")
    assert not right_values_rejected(solved("xavier_init"), names)


def test_equal_fans_declare_only_the_mistakes_they_can_tell_apart():
    """With n_in = n_out the one-sided and averaged variances are the right answer: not declared."""
    from theory.core.cli import solve_topic

    sol = solve_topic(topic, {"fan_in": "8", "fan_out": "8"})
    ids = {m.id for m in sol.misconceptions}
    assert {"missing-half", "relu-gain", "deviation-as-limit", "width-as-limit"} <= ids
    assert not {"forward-only", "backward-only", "arithmetic-mean"} & ids
    assert sol.passed
