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


@pytest.mark.parametrize("bad", [{"a": "0"}, {"a": "-1"}, {"power": "5"}, {"multipliers": "(0,)"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(lr, bad)
