"""Wrong answers to the gradient-descent convergence problem (cs7643-ps2 Q3) are rejected."""

from __future__ import annotations

import pytest
import sympy as sp

from tests.conftest import failed_claims, right_values_rejected, solved
from theory import gd_convergence as gdc
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

FAST = {"t_max": "1000", "sequences": "300", "prox_instances": "4", "sym_dims": "2",
        "sym_horizons": "3"}


def failed(overrides=None):
    return failed_claims(gdc, {**FAST, **(overrides or {})})


def test_fast_settings_pass():
    assert not failed()


def test_proximal_step_with_wrong_sign_is_rejected(monkeypatch):
    monkeypatch.setattr(gdc, "prox_minimiser", lambda w_t, g, lam: w_t + g / lam)
    assert {"1.square.1", "1.stationary", "1.any-n", "1.gd", "1.scipy"} <= failed()


def test_eta_equal_to_lambda_is_rejected(monkeypatch):
    monkeypatch.setattr(gdc, "eta_from_lambda", lambda lam: lam)
    # the BFGS minimiser's step disagrees too, and so does the display eta = 1/lambda
    assert failed() == {"1.gd", "display:1.gd", "answer:eta(lambda)"}


def test_identity_without_the_step_term_is_rejected(monkeypatch):
    monkeypatch.setattr(gdc, "inner_as_difference", lambda a, b, v, eta: (a - b) / (2 * eta))
    assert {"2.identity.1", "2.telescope.1"} <= failed()


def test_lemma_bound_with_wrong_factor_is_rejected(monkeypatch):
    monkeypatch.setattr(gdc, "lemma_bound", lambda a, s, eta: a / (2 * eta) + eta / 4 * s)
    assert {"2.telescope.3", "2.lemma", "2.random", "2.slack", "2.tight", "3.combine.1",
            "3.chain.cone"} <= failed()


def test_rate_bound_with_wrong_factor_is_rejected(monkeypatch):
    monkeypatch.setattr(gdc, "rate_bound",
                        lambda B, rho, eta, T: B**2 / (eta * T) + eta * rho**2 / 2)
    assert {"3.combine.1", "3.optimum", "3.amgm.1", "3.rate"} <= failed()


def test_step_size_with_wrong_power_of_T_is_rejected(monkeypatch):
    monkeypatch.setattr(gdc, "optimal_eta", lambda B, rho, T: B / (rho * T))
    assert {"3.optimum", "3.sheet-eta", "3.rate", "3.slope"} <= failed()


def test_rate_one_over_T_is_rejected(monkeypatch):
    monkeypatch.setattr(gdc, "best_bound", lambda B, rho, T: B * rho / T)
    assert {"3.amgm.1", "3.rate", "3.slope", "3.bound.cone"} <= failed()


def test_bound_too_small_by_half_is_caught_by_the_cone(monkeypatch):
    monkeypatch.setattr(gdc, "best_bound", lambda B, rho, T: B * rho / (2 * sp.sqrt(T)))
    assert "3.bound.cone" in failed()


def test_a_fit_that_reports_the_intercept_fails_the_smooth_slope(monkeypatch):
    # the claim compares NumPy's fit with the closed-form slope of the same measured gaps, so only a wrong
    # fit can fail it (a wrong measurement moves both); here polyfit's coefficients come back reversed
    right = gdc.np.polyfit
    monkeypatch.setattr(gdc.np, "polyfit", lambda x, y, deg: right(x, y, deg)[::-1])
    assert "3.smooth-slope" in failed()


def test_a_wide_smooth_function_near_a_small_centre_holds():
    """delta^2 + ||w - c||^2 - delta^2 cancels when delta >> ||w - c||: the check evaluates f without the difference."""
    assert not failed({"centre": "(0.001,)", "delta": "1000"})


@pytest.mark.parametrize("bad", [{"centre": "(0, 0)"}, {"centre": "()"}, {"rho": "0"},
                                 {"aspect": "1.5"}, {"t_min": "100", "t_max": "100"},
                                 {"dim": "0"}, {"delta": "-1"}, {"rho": "1e308"}, {"delta": "1e308"},
                                 {"centre": "(1e308, 1)"}, {"centre": "(1e-4, 0)"},
                                 {"centre": str(tuple(range(1, 12)))},
                                 {"sequences": "200000", "seq_length": "2000", "dim": "50"},
                                 {"t_max": "100000", "t_count": "60", "centre": "(1, 1)"},
                                 {"prox_instances": "500", "dim": "50"}])
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(gdc, bad)


ANSWERS = ("proximal minimiser", "eta(lambda)", "lemma bound", "optimal eta", "rate bound", "bound at optimal eta")


def test_every_answer_has_a_misconception_and_its_right_value_is_none():
    sol = solved("gd_convergence")
    assert {m.answer for m in sol.misconceptions} == set(ANSWERS)
    assert not right_values_rejected(sol, ANSWERS)


def test_grading_accepts_the_optimal_eta_in_another_form():
    sol = solved("gd_convergence")
    answer = grade.gradeable(sol)["optimal eta"]
    assert grade.grade(answer, "sqrt(B**2/(rho**2*T))", sol.misconceptions).verdict == "correct"


def test_the_inverted_ratio_is_declared_only_where_B_differs_from_rho():
    sol = solve_topic(gdc, {**FAST, "centre": "(0.6, 0.8)"})  # B = 1 = rho
    assert "inverted-ratio" not in {m.id for m in sol.misconceptions}
    assert sol.passed
