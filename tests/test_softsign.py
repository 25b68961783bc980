"""Wrong answers to the softsign problem are rejected."""

from __future__ import annotations

import pytest
import sympy as sp

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved
from theory import softsign as ss
from theory.core import grade, prose
from theory.core.errors import BadInput

FAST = {"random_points": "50", "table_points": "(1, 5, 20)"}


def test_derivative_off_by_factor_two_is_rejected(monkeypatch):
    monkeypatch.setattr(ss, "derivative", lambda t: 2 / (1 + sp.Abs(t)) ** 2)
    failed = failed_claims(ss, FAST)
    assert {"bi.pos.2", "bi.neg.2", "bi.fd", "bii.right", "bii.left", "biii.bounds",
            "biii.softsign-tail", "biii.table.x5"} <= failed


def test_derivative_without_absolute_value_is_rejected(monkeypatch):
    monkeypatch.setattr(ss, "derivative", lambda t: 1 / (1 + t) ** 2)
    failed = failed_claims(ss, FAST)
    assert {"bi.neg.2", "bi.fd", "biii.bounds"} <= failed
    assert "bi.pos.2" not in failed  # right for x > 0, wrong only on the other side


def test_forgetting_the_absolute_value_in_the_cases_is_rejected(monkeypatch):
    monkeypatch.setattr(ss, "piecewise_form", lambda t: t / (1 + t))
    failed = failed_claims(ss, FAST)
    assert {"a.form", "a.neg.2", "a.numeric"} <= failed
    assert "a.pos.2" not in failed


def test_wrong_tanh_side_is_rejected(monkeypatch):
    monkeypatch.setattr(ss, "tanh_derivative", lambda t: sp.sech(t))  # square dropped
    monkeypatch.setattr(ss, "softsign_tail", lambda t: 1 / t)  # wrong power
    monkeypatch.setattr(ss, "saturation", lambda: sp.Integer(2))
    failed = failed_claims(ss, FAST)
    assert {"biii.tanh-derivative", "biii.tanh-tail", "biii.table.x1", "biii.softsign-tail",
            "biii.saturates"} <= failed


def test_wrong_tanh_tail_constant_is_rejected(monkeypatch):
    monkeypatch.setattr(ss, "tanh_tail", lambda t: 2 * sp.exp(-2 * sp.Abs(t)))
    assert "biii.tanh-tail" in failed_claims(ss, FAST)


def test_other_parameters_hold():
    assert not failed_claims(ss, {"table_points": "(0.5, 3, 30)", "fd_step": "1e-6",
                                  "spread": "20", "random_points": "1000"})


def test_small_table_points_hold():
    """Below x = 1 the ratio g'/tanh' first falls; the growth claim covers the points from 1 on."""
    assert not failed_claims(ss, {"table_points": "(0.01, 0.1, 0.5, 1, 30)", "fd_step": "1e-3"})


@pytest.mark.parametrize("bad", [{"fd_step": "0"}, {"fd_step": "0.1"}, {"random_points": "0"},
                                 {"table_points": "()"}, {"table_points": "(-1, 2)"},
                                 {"table_points": "(1, 50)"}, {"spread": "0"},
                                 {"table_points": "(1, 1)"}, {"table_points": "(1e-300, 2)"},
                                 {"table_points": str(tuple(range(1, 10)))}, {"spread": "1e308"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(ss, bad)


ANSWERS = ("g'(x)", "g'(x), x < 0", "g'(0)", "lim g at +oo")


def test_grading_accepts_the_answers_and_names_each_misconception():
    sol = solved("softsign")
    assert not misgraded(sol, grade.typed, ANSWERS)
    answer = grade.gradeable(sol)["g'(x), x < 0"]
    assert grade.grade(answer, "1/(1 + Abs(x))**2", sol.misconceptions).verdict == "correct"


def test_the_right_value_is_no_misconception():
    assert not right_values_rejected(solved("softsign"), ANSWERS)


def test_the_limit_of_the_slope_is_judged_by_measured_slopes():
    """lim g' = 0 is backed by slopes measured far out; a constant that the slopes do not approach is rejected."""
    sol = solved("softsign")
    answer = sol.results["lim g' at +-oo"]
    assert answer.verdict.passed and answer.claims == ("biii.limits-measured",)
    for wrong in (1, sp.Rational(1, 4), sp.Rational(-1, 10**6), sp.Rational(1, 10**7)):
        assert sol.rejects("lim g' at +-oo", wrong).passed, wrong


def test_the_slope_at_zero_in_the_sentence_is_the_checked_limit():
    sol = solved("softsign")
    q = next(q for _, q, _ in sol.quoted() if q.of == "right")
    checked = sol.checked_value(q)[1]
    assert prose.same(q.value, checked, "g'(0)").passed
    assert not prose.same(q.value * 1.001, checked, "g'(0)").passed


def test_the_wrong_verdict_on_vanishing_and_exploding_is_rejected():
    sol = solved("softsign")
    assert not right_values_rejected(sol, ["vanishing", "exploding"])
    assert sol.rejects("vanishing", False).passed and sol.rejects("exploding", True).passed
    assert sol.rejects("exploding", 0).passed  # a number is not a yes/no answer


def test_an_activation_with_a_linear_part_neither_vanishes_nor_stays_below_one(monkeypatch):
    real = ss.num.softsign
    monkeypatch.setattr(ss.num, "softsign", lambda t: t + real(t))  # slope 1 + g'(x): from 2 down to 1
    assert {"answer:vanishing", "answer:exploding"} <= failed_claims(ss, FAST)
