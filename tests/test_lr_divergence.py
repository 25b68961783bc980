"""Wrong answers to the learning-rate problem are rejected."""

from __future__ import annotations

import pytest
import sympy as sp

from tests.conftest import failed_claims, solved
from theory import lr_divergence as lr
from theory.core.cli import solve_topic
from theory.core.errors import BadInput


def test_sheet_statement_eta_equals_second_derivative_is_rejected(monkeypatch):
    monkeypatch.setattr(lr, "optimal_rate", lambda a: a)  # the sheet's wording
    failed = failed_claims(lr)
    assert {"a.stationary", "a.lands", "a.line-search"} <= failed


def test_threshold_at_eta_opt_is_rejected(monkeypatch):
    monkeypatch.setattr(lr, "optimal_rate", lambda a: 1 / (2 * a))  # eta_opt off by 2
    assert "c.threshold" in failed_claims(lr)


def test_wrong_sign_contraction_is_rejected(monkeypatch):
    monkeypatch.setattr(lr, "contraction", lambda a, rate: 1 + rate * a)
    failed = failed_claims(lr)
    assert {"c.error.1", "c.rate0.5", "c.threshold"} <= failed


def test_other_quadratics_and_powers_hold():
    assert not failed_claims(lr, {"a": "0.3", "b": "2", "w0": "-4", "E": "w**6"})


def test_extreme_quadratics_and_rates_hold():
    assert not failed_claims(lr, {"a": "0.01", "b": "100", "c": "-100", "w0": "100", "steps": "52",
                                  "multipliers": "(0.001, 1.0001, 1.999, 2.0, 10.0)"})
    assert not failed_claims(lr, {"a": "100", "b": "1", "w0": "0.0101", "steps": "200"})


def test_at_unit_curvature_a_slip_equal_to_the_answer_is_not_declared():
    """At a = 1, a is 1/a and 2a is 2/a; at b = 0, b/a is -b/a: those slips are the right values there."""
    sol = solve_topic(lr, {"a": "1", "b": "0"})
    assert not {cid for cid, _, v in sol.claims() if not v.passed}
    ids = {m.id for m in sol.misconceptions}
    assert not {"second-derivative-as-rate", "rate-at-curvature", "dropped-minus"} & ids
    assert {"threshold-as-optimum", "optimum-as-threshold"} <= ids


@pytest.mark.parametrize("start_b", ["0.001", "1000"])
def test_counterexample_line_search_at_any_scale(start_b):
    assert not failed_claims(lr, {"E": "w**16", "start_b": start_b})


@pytest.mark.parametrize("function, start, method", [
    ("cosh(w)", "1", "symbolic"),            # exact: lands on the stationary point 0
    ("w**4 - 3*w**2", "2", "symbolic"),      # two minima: the one on the step's side
    ("sin(w)", "1", "numeric"),              # SymPy lists only some stationary points of a periodic F
    ("log(1 + exp(w)) + w**2/10", "1", "numeric"),  # no closed form
])
def test_a_function_of_your_own_is_rederived(function, start, method):
    from theory.core.cli import solve_topic

    sol = solve_topic(lr, {"E": function, "start_b": start})
    claims = {cid: v for cid, _, v in sol.claims()}
    assert all(v.passed for v in claims.values()), {c: v.detail for c, v in claims.items() if not v.passed}
    assert claims["b.best"].method == method


def test_a_quadratic_is_no_counterexample():
    assert failed_claims(lr, {"E": "3*w**2 + w"}) == {"b.not-newton", "answer:counterexample"}


def test_trajectories_drawn_when_every_run_diverges(tmp_path):
    from theory.core.cli import solve_topic
    from theory.core.solution import Figure

    sol = solve_topic(lr, {"multipliers": "(3.0,)", "steps": "100"})
    figure = next(b for part in sol.parts for b in part.blocks if isinstance(b, Figure))
    figure.draw(tmp_path / "f.pdf")
    assert (tmp_path / "f.pdf").stat().st_size > 0


@pytest.mark.parametrize("bad", [{"a": "0"}, {"a": "-1"}, {"E": "w**3"}, {"multipliers": "(0,)"},
                                 {"a": "1e308"}, {"w0": "-1e308"}, {"b": "1e6"}, {"E": "exp(w)"},
                                 {"E": "w**4", "start_b": "0"}, {"E": "x**2"}, {"E": "w**99"},
                                 {"E": "__import__('os')"}, {"E": "1/w", "start_b": "1"},
                                 {"w0": "0.5"}, {"multipliers": "(1, 1.0)"}, {"multipliers": "(10.0,)", "steps": "60"},
                                 {"steps": "10**9"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(lr, bad)


def test_any_function_whose_best_step_is_not_one_over_f2_answers_part_b():
    """(b) is a design: the line search accepts other counterexamples and refuses quadratics and unbounded F."""
    sol = solved("lr_divergence")
    w = lr.w
    assert sol.results["counterexample"].any_passing
    for other in (sp.cosh(w), sp.sin(w), w**4 - 3 * w**2, sp.log(1 + sp.exp(w)) + w**2 / 10):
        assert not sol.rejects("counterexample", other).passed, other
    for wrong in (w**2, 3 * w**2 + w, (w - 3) ** 2 / 2 + 10**6, -(w**2), w, sp.Integer(3)):
        assert sol.rejects("counterexample", wrong).passed, wrong
