"""Wrong sigmoid derivatives and wrong routing through the max are rejected."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from checks import finite_differences as fd
from tests.conftest import failed_claims, misgraded, right_values_rejected, solved
from theory import sigmoid_gradient as sg
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput


def test_a_wrong_sigmoid_derivative_is_rejected(monkeypatch):
    monkeypatch.setattr(sg, "sigmoid_derivative", lambda s: s * (1 + s))
    failed = failed_claims(sg)
    assert {"0.derivative.4", "0.numeric", "1.sympy", "1.reverse-mode", "1.central-differences"} <= failed


def test_a_max_routed_to_the_smaller_argument_is_rejected(monkeypatch):
    right = sg.hand_gradient
    monkeypatch.setattr(sg, "hand_gradient", lambda point, base: [*right(point, base)[1::-1], *right(point, base)[2:]])
    assert {"1.sympy", "1.reverse-mode", "1.central-differences"} <= failed_claims(sg)


def test_a_common_factor_without_the_inner_five_is_rejected(monkeypatch):
    right = sg.chain_factors

    def factors(point, base):
        outer, dg = right(point, base)
        return outer / 5, dg

    monkeypatch.setattr(sg, "chain_factors", factors)
    assert "1.factor" in failed_claims(sg)


def test_a_dropped_inner_derivative_is_rejected(monkeypatch):
    right = sg.hand_gradient
    monkeypatch.setattr(sg, "hand_gradient", lambda point, base: [v * sp.Rational(2, 5) for v in right(point, base)])
    assert {"1.sympy", "1.reverse-mode", "1.central-differences", "answer:gradient"} == failed_claims(sg)


def test_a_natural_log_gradient_is_rejected_when_base_two_is_in_force(monkeypatch):
    right = sg.hand_gradient
    monkeypatch.setattr(sg, "hand_gradient", lambda point, base: right(point, sp.E))
    assert {"1.sympy", "1.reverse-mode", "1.central-differences"} <= failed_claims(sg, {"log_base": "2"})


@pytest.mark.parametrize("base, shown", [("e", r"$\log = \ln$"), ("2", r"$\log = \log_{2}$")])
def test_the_solution_says_which_base_it_uses(base, shown):
    sol = solve_topic(sg, {"log_base": base})
    assert any(shown in getattr(block, "parameter", "") for part in sol.parts for block in part.blocks)


@pytest.mark.parametrize("overrides", [{"log_base": "10"}, {"log_base": "2"}, {"point": "(4, 3, 4, 5, -5, 7)"}])
def test_other_bases_and_points_hold(overrides):
    assert not failed_claims(sg, overrides)


def test_elementwise_central_difference_is_the_jacobian_diagonal():
    xs = np.random.default_rng(0).uniform(-8, 8, 50)
    logistic = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    np.testing.assert_array_equal(fd.central_difference(logistic, xs, 1e-5),
                                  fd.central_jacobian(logistic, xs, 1e-5).diagonal())


def test_many_samples_hold():
    assert not failed_claims(sg, {"samples": "100000"})


def test_a_point_is_used_as_written_not_as_a_nearby_simple_fraction():
    """3.3333333 is 33333333/10^7, not 10/3: the hand gradient and the tape see the same point."""
    assert not failed_claims(sg, {"point": "(-1.23456789e-7, 3.3333333, 4, 5, -5, 7)"})


@pytest.mark.parametrize("bad", [{"point": "(3, 3, 4, 5, -5, 7)"}, {"point": "(-1, 3, 4, 5, 5, 7)"},
                                 {"point": "(1, 2, 3)"}, {"log_base": "3"}, {"step": "0"}, {"step": "0.1"},
                                 {"point": "(1e308, 3, 4, 5, -5, 7)"}, {"point": "(-1, 3, 4, 1e-300, -5, 7)"},
                                 {"point": "(-1, 3, 4, 5, -5, 7.39999)"},  # g = 1e-5: too near the log's edge
                                 {"point": "(2.999999, 3, 4, 5, -5, 7)"},  # too near the kink
                                 {"point": "(-1, 0.5, 0.1, 1, 1000, -1000)"}])  # g = 0.05 from terms of 1000
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(sg, bad)


ANSWERS = ("sigma'(x)", "f(x_hat)", "gradient")


def test_the_named_misconceptions_are_declared():
    assert {"one-plus-sigma", "max-to-smaller", "inner-five-dropped", "log-base-2", "without-sigmoid"} <= {
        m.id for m in solved("sigmoid_gradient").misconceptions}


def test_grading_accepts_the_answers_and_names_each_misconception():
    sol = solved("sigmoid_gradient")
    assert not misgraded(sol, grade.typed, ANSWERS)
    answer = grade.gradeable(sol)["sigma'(x)"]
    assert grade.grade(answer, "exp(-x)/(1 + exp(-x))**2", sol.misconceptions).verdict == "correct"


def test_the_right_value_is_no_misconception():
    assert not right_values_rejected(solved("sigmoid_gradient"), ANSWERS)


def test_a_natural_log_is_a_named_mistake_when_base_two_is_in_force():
    sol = solve_topic(sg, {"log_base": "2"})
    assert sol.passed
    ids = {m.id for m in sol.misconceptions}
    assert {"natural-log", "log-base-10", "value-natural-log"} <= ids and "log-base-2" not in ids
    natural = next(m for m in sol.misconceptions if m.id == "natural-log")
    assert natural.value == sg.hand_gradient(sol.params.point, sp.E)


def test_a_zero_x3_declares_only_the_mistakes_that_change_the_gradient():
    """With x3 = 0 the max's partials vanish: routing them anywhere changes nothing, so it is not declared."""
    sol = solve_topic(sg, {"point": "(-1, 3, 0, 5, -5, -7)"})
    ids = {m.id for m in sol.misconceptions}
    assert sol.passed and not {"max-to-smaller", "max-to-both", "x4-sign"} & ids
