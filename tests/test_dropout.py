"""Wrong answers to the dropout problem are rejected."""

from __future__ import annotations

import pytest

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved, typed_numbers
from theory import dropout
from theory.core.errors import BadInput

original = dropout.expected_error


def _variance_term(W, X, rho):
    return rho * (1 - rho) * sum(W[k, i] ** 2 * X[n, i] ** 2 for n in range(X.shape[0])
                                 for k in range(W.shape[0]) for i in range(X.shape[1]))


def test_missing_variance_term_is_rejected(monkeypatch):
    monkeypatch.setattr(dropout, "expected_error",
                        lambda Y, W, X, rho: original(Y, W, X, rho) - _variance_term(W, X, rho))
    assert {"b.identity.1", "b.mc"} <= failed_claims(dropout, {"max_size": "2"})


def test_rho_squared_instead_of_rho_is_rejected(monkeypatch):
    def wrong(Y, W, X, rho):
        return original(Y, W, X, rho**2)

    monkeypatch.setattr(dropout, "expected_error", wrong)
    assert {"b.identity.1", "b.mc", "c.ridge.1"} <= failed_claims(dropout, {"max_size": "2"})


def test_wrong_ridge_weight_is_rejected(monkeypatch):
    import numpy as np

    def wrong(Y, X, rho):
        G = X.T @ X
        return (np.linalg.solve(G + (1 - rho) * np.eye(len(G)), X.T @ Y) / rho).T

    monkeypatch.setattr(dropout, "ridge_minimiser", wrong)
    assert "c.minimiser" in failed_claims(dropout, {"max_size": "1"})


@pytest.mark.parametrize("rho", ["0.0", "1.0", "0.3"])
def test_edge_probabilities_hold(rho):
    assert not failed_claims(dropout, {"rho": rho, "max_size": "1"})


@pytest.mark.parametrize("rho", ["0.0", "1.0"])
def test_deterministic_masks_reject_a_missing_variance_term(rho, monkeypatch):
    """At rho = 0 or 1 the one possible mask is compared with the formula, so a wrong formula still fails."""
    monkeypatch.setattr(dropout, "expected_error", lambda Y, W, X, r: original(Y, W, X, r) * 1.001)
    assert "b.mc" in failed_claims(dropout, {"rho": rho, "max_size": "1"})


@pytest.mark.parametrize("bad", [{"rho": "1.5"}, {"rho": "-0.1"}, {"N": "0"}, {"rho": "1e-300"}, {"rho": "0.1"},
                                 {"rho": "0.999999"}, {"N": "5"}, {"max_size": "1e308"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(dropout, bad)


def test_grading_accepts_the_answers_and_names_each_misconception():
    assert not misgraded(solved("dropout"), typed_numbers)


def test_the_right_value_is_no_misconception():
    names = ("E[R]", "E[R_i R_j], i and j distinct", "lambda", "expected error, N = K = D = 1")
    assert not right_values_rejected(solved("dropout"), names)
