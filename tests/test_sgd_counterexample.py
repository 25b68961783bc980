"""Wrong answers to the SGD counterexample problem are rejected."""

from __future__ import annotations

import pytest
import sympy as sp

from checks import sgd_counterexample as sim
from tests.conftest import failed_claims, right_values_rejected, solved
from theory import sgd_counterexample as sgd
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

FAST = {"grid": "1001"}


def test_step_with_wrong_sign_is_rejected(monkeypatch):
    monkeypatch.setattr(sgd, "sgd_step", lambda v, c, rate: v + rate * (v - c))
    failed = failed_claims(sgd, FAST)
    assert {"a.step", "b.term-decreases", "b.table-mean"} <= failed


def test_change_of_f_measured_on_the_sampled_term_is_rejected(monkeypatch):
    monkeypatch.setattr(sim, "change_of_f", sim.change_of_term)  # f_i's change taken for f's
    assert "b.no-guarantee" in failed_claims(sgd, FAST)


def test_unsquared_contraction_is_rejected(monkeypatch):
    monkeypatch.setattr(sgd, "term_factor", lambda rate: 1 - rate)
    failed = failed_claims(sgd, FAST)
    assert {"a.term.1", "a.range", "d.stationary"} <= failed


def test_wrong_step_size_bound_is_rejected(monkeypatch):
    monkeypatch.setattr(sgd, "max_rate", lambda: sp.Integer(1))  # "eta < 1/curvature"
    failed = failed_claims(sgd, FAST)
    assert {"a.range", "a.sim", "c.shape"} <= failed


@pytest.mark.parametrize("over", [{}, {"centre1": "-1", "centre2": "3", "eta": "1.5", "point": "2.5"}])
def test_naive_increasing_set_between_minimiser_and_centre_is_rejected(monkeypatch, over):
    # forgetting that the step can overshoot the minimiser m: the set (m, c_i), and the two sets leave m uncovered
    monkeypatch.setattr(sgd, "increasing_endpoints", lambda ci, cj, rate: ((ci + cj) / 2, ci))
    failed = failed_claims(sgd, {**FAST, **over})
    assert {"c.change.1", "c.roots", "c.ell-form", "c.set1", "c.set2", "c.sim1", "c.sim2", "c.cover"} <= failed


def test_wrong_sign_in_endpoint_denominator_is_rejected(monkeypatch):
    monkeypatch.setattr(sgd, "increasing_endpoints",
                        lambda ci, cj, rate: ((ci + cj - rate * ci) / (2 + rate), ci))
    failed = failed_claims(sgd, FAST)
    assert {"c.change.1", "c.roots", "c.set1", "c.sim1"} <= failed


def test_expected_rate_without_half_is_rejected(monkeypatch):
    monkeypatch.setattr(sgd, "expected_rate", lambda rate: rate)
    failed = failed_claims(sgd, FAST)
    assert {"d.mean.1", "d.mean-sim", "d.first-order", "b.table-mean"} <= failed


def test_expected_change_without_noise_term_is_rejected(monkeypatch):
    def no_noise(v, c1, c2, rate):
        return -rate * (2 - rate) * (v - (c1 + c2) / 2) ** 2

    monkeypatch.setattr(sgd, "expected_change", no_noise)
    failed = failed_claims(sgd, FAST)
    assert {"d.change.1", "d.ball", "b.table-mean"} <= failed


def test_noise_radius_without_square_root_is_rejected(monkeypatch):
    monkeypatch.setattr(sgd, "noise_radius",
                        lambda c1, c2, rate: sp.Abs(c1 - c2) / 2 * rate / (2 - rate))
    failed = failed_claims(sgd, FAST)
    assert {"d.ball", "d.ball-sim", "d.stationary"} <= failed


@pytest.mark.parametrize("over", [
    {"centre1": "-1", "centre2": "3", "eta": "1.5", "point": "2.5"},
    {"eta": "1", "point": "0.5"},
    {"eta": "0.01", "point": "-0.9"},
    {"centre1": "1000", "centre2": "999", "eta": "0.001", "point": "999.5"},
    {"centre1": "0.001", "centre2": "0", "eta": "1.99", "point": "0.0005"},
])
def test_other_parameters_hold(over):
    assert not failed_claims(sgd, {**FAST, **over})


@pytest.mark.parametrize("bad", [{"eta": "0"}, {"eta": "2"}, {"eta": "2.5"},
                                 {"centre1": "-1"}, {"point": "3"}, {"point": "-1"},
                                 {"grid": "10"}, {"grid": "101"}, {"eta": "1e-9"}, {"eta": "1.999"},
                                 {"centre1": "1e308"}, {"point": "-1e308"},
                                 {"centre1": "1000", "centre2": "999.9", "point": "999.95"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(sgd, bad)


ANSWERS = ("descent rate limit", "ell_1", "expected rate", "noise radius")


def test_every_answer_has_a_misconception_and_its_right_value_is_none():
    sol = solved("sgd_counterexample")
    assert {m.answer for m in sol.misconceptions} == set(ANSWERS)
    assert not right_values_rejected(sol, ANSWERS)


def test_grading_accepts_the_noise_radius_in_another_form():
    sol = solved("sgd_counterexample")
    answer = grade.gradeable(sol)["noise radius"]
    assert grade.grade(answer, "3/2*sqrt(0.1/1.9)", sol.misconceptions).verdict == "correct"


def test_misconceptions_that_coincide_at_eta_one_are_not_declared():
    """At eta = 1 the step lands on c_i: l_1 is c_2, and eta/(2 - eta) = 1 needs no square root."""
    sol = solve_topic(sgd, {**FAST, "eta": "1"})
    ids = {m.id for m in sol.misconceptions}
    assert not {"other-centre", "no-square-root"} & ids and {"minimiser-as-end", "full-distance"} <= ids
    assert sol.passed


def test_the_verdict_and_the_counterexample_are_checked_answers():
    """'No' is judged by simulated steps from the grid; any counterexample whose simulated step lowers the drawn
    term and raises f is right."""
    sol = solved("sgd_counterexample")
    assert sol.results["guaranteed decrease"].verdict.passed
    assert sol.rejects("guaranteed decrease", True).passed
    name = "counterexample [w, eta, term]"
    example = sol.results[name]
    assert example.verdict.passed and example.any_passing
    w, eta, term = example.value
    another = [sp.Rational(1, 10), sp.Rational(1, 2), 2]  # between l_2 and c_2 = -1
    assert not sol.rejects(name, another).passed
    for wrong in ([w, eta, 3 - term],  # the other draw lowers f there
                  [w, 3, term],  # the drawn term goes up: not the sheet's SGD
                  [w, eta, 3], [w, eta]):
        assert sol.rejects(name, wrong).passed, wrong
