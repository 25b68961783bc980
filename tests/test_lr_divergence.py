"""Wrong answers to the learning-rate problem are rejected."""

from __future__ import annotations

import pytest

from tests.conftest import failed_claims
from theory import lr_divergence as lr
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
    assert not failed_claims(lr, {"a": "0.3", "b": "2", "w0": "-4", "power": "6"})


def test_extreme_quadratics_and_rates_hold():
    assert not failed_claims(lr, {"a": "0.01", "b": "100", "c": "-100", "w0": "100", "steps": "52",
                                  "multipliers": "(0.001, 1.0001, 1.999, 2.0, 10.0)"})
    assert not failed_claims(lr, {"a": "100", "b": "1", "w0": "0.0101", "steps": "200"})


@pytest.mark.parametrize("start_b", ["0.001", "1000"])
def test_counterexample_line_search_at_any_scale(start_b):
    assert not failed_claims(lr, {"power": "16", "start_b": start_b})


def test_trajectories_drawn_when_every_run_diverges(tmp_path):
    from theory.core.cli import solve_topic
    from theory.core.solution import Figure

    sol = solve_topic(lr, {"multipliers": "(3.0,)", "steps": "100"})
    figure = next(b for part in sol.parts for b in part.blocks if isinstance(b, Figure))
    figure.draw(tmp_path / "f.pdf")
    assert (tmp_path / "f.pdf").stat().st_size > 0


@pytest.mark.parametrize("bad", [{"a": "0"}, {"a": "-1"}, {"power": "5"}, {"multipliers": "(0,)"},
                                 {"a": "1e308"}, {"w0": "-1e308"}, {"b": "1e6"}, {"power": "18"},
                                 {"w0": "0.5"}, {"multipliers": "(1, 1.0)"}, {"multipliers": "(10.0,)", "steps": "60"},
                                 {"start_b": "0"}, {"steps": "10**9"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(lr, bad)
