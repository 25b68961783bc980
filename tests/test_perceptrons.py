"""Wrong weights and wrong formulas for the perceptron problem are rejected."""

from __future__ import annotations

import pytest
import sympy as sp

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved, unrejected
from theory import perceptrons as pc
from theory.core.errors import BadInput

FAST = {"samples": "500"}


def test_weights_computing_another_function_fail_not_error():
    # b = +1/2 makes the unit compute A or not B
    failed = failed_claims(pc, {**FAST, "and_not": "(1, -1, 0.5)"})
    assert {"a.truth", "a.constraints", "a.margin", "a.robust"} <= failed


def test_wrong_hidden_unit_breaks_xor():
    failed = failed_claims(pc, {**FAST, "hidden1": "(1, 1, -0.5)"})  # h1 = A or B
    assert {"b.h1.truth", "b.xor.truth"} <= failed
    assert "a.truth" not in failed


def test_or_nand_and_design_computes_xor_but_not_the_stated_units():
    failed = failed_claims(pc, {**FAST, "hidden1": "(1, 1, -0.5)", "hidden2": "(-1, -1, 1.5)",
                                "output": "(1, 1, -1.5)"})
    assert "b.xor.truth" not in failed
    assert {"b.h1.truth", "b.h2.truth"} <= failed


def test_dropped_bias_is_rejected(monkeypatch):
    monkeypatch.setattr(pc, "preactivation", lambda w, x: w[0] * x[0] + w[1] * x[1])
    # under the strict convention (1, -1) alone happens to give A and not B, so use >=
    failed = failed_claims(pc, {**FAST, "strict": "False"})
    assert {"a.truth", "b.xor.truth", "b.h1.truth", "a.constraints"} <= failed


def test_margin_off_by_two_is_rejected(monkeypatch):
    real = pc.margin
    monkeypatch.setattr(pc, "margin", lambda w: 2 * real(w))
    failed = failed_claims(pc, FAST)
    assert {"a.robust", "b.robust"} <= failed


def test_boundary_weights_have_no_margin_and_expose_the_convention(monkeypatch):
    boundary = {**FAST, "and_not": "(1, -1, 0)"}  # w.x + b = 0 at (0, 0) and (1, 1)
    failed = failed_claims(pc, boundary)
    assert "a.truth" not in failed  # right under the strict convention...
    assert {"a.margin", "a.robust"} <= failed  # ...but with no room at all
    assert "a.truth" in failed_claims(pc, {**boundary, "strict": "False"})
    monkeypatch.setattr(pc, "step", lambda s, strict: int(bool(s >= 0)))  # ignores the convention
    assert "a.truth" in failed_claims(pc, boundary)


def test_wrong_inequality_direction_is_rejected(monkeypatch):
    real = pc.constraints

    def flipped(table, strict):
        out = real(table, strict)
        out[(1, 0)] = pc.preactivation((pc.w1_, pc.w2_, pc.b_), (1, 0)) < 0
        return out

    monkeypatch.setattr(pc, "constraints", flipped)
    assert {"a.constraints", "a.characterise"} <= failed_claims(pc, FAST)


def test_wrong_certificate_is_rejected(monkeypatch):
    monkeypatch.setattr(pc, "certificate", lambda t: dict(zip(pc.ROWS, [1, 1, 1, sp.Integer(2)])))
    assert "b.sum.1" in failed_claims(pc, FAST)
    monkeypatch.setattr(pc, "certificate", lambda t: dict(zip(pc.ROWS, [1, 1, 1, sp.Integer(-1)])))
    assert "b.impossible" in failed_claims(pc, FAST)


def test_non_strict_convention_and_other_weights_hold():
    assert not failed_claims(pc, {**FAST, "strict": "False", "and_not": "(2, -3, -1)",
                                  "output": "(2, 2, -1)"})


def test_a_margin_far_below_the_weights_is_resolved():
    """m = 1e-8 beside weights of 1e6: the perturbations are added to exact pre-activations, not lost to rounding."""
    assert not failed_claims(pc, {**FAST, "and_not": "(1e6, -999999.99999901, -0.000001)"})


@pytest.mark.parametrize("bad", [{"and_not": "(1, 2)"}, {"and_not": "(1, 1e999, 0)"},
                                 {"hidden1": "(1, 'x', 0)"}, {"output": "(True, 1, 0)"},
                                 {"samples": "10"}, {"and_not": "(1, nan, 0)"},
                                 {"and_not": "(1e308, -1e308, -1e308)"}, {"hidden2": "(-1, 1, -5e-324)"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(pc, bad)


# --- named misconceptions: each is rejected by its answer's witness and recognised by grading ---

def test_the_named_misconceptions_are_declared():
    assert {"bias-sign", "negated-wrong-input", "geometric-margin", "largest-preactivation", "and-output"} <= {
        m.id for m in solved("perceptrons").misconceptions}


def _typed(value):
    """A value as a student types it in an answers file: a formula, or a list of them."""
    return [_typed(v) for v in value] if isinstance(value, (list, tuple)) else sp.sstr(value)


def test_grading_names_each_misconception_and_accepts_the_answer():
    sol = solved("perceptrons")
    assert not misgraded(sol, _typed, {m.answer for m in sol.misconceptions})


@pytest.mark.parametrize("name", ["and_not weights", "and_not margin", "xor weights.output"])
def test_the_right_value_is_no_misconception(name):
    assert not right_values_rejected(solved("perceptrons"), [name])


def test_misconceptions_follow_the_weights_and_vanish_where_harmless():
    from theory.core.cli import solve_topic

    sol = solve_topic(pc, {**FAST, "and_not": "(2, -3, -1)"})
    values = {m.id: m.value for m in sol.misconceptions}
    assert values["bias-sign"] == [2, -3, 1] and values["negated-wrong-input"] == [-3, 2, -1]
    assert not unrejected(sol)
    boundary = solve_topic(pc, {**FAST, "and_not": "(1, -1, 0)"})  # b = 0: no sign to lose, margin 0
    assert {m.id for m in boundary.misconceptions} == {"negated-wrong-input", "largest-preactivation", "and-output"}
