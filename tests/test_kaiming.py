"""Wrong answers to the Kaiming problem are rejected by its checks."""

from __future__ import annotations

import pytest

from tests.conftest import failed_claims
from theory import kaiming
from theory.core.errors import BadInput

FAST = {"factors": "(1.0,)"}


def test_he_variance_off_by_factor_two_is_rejected(monkeypatch):
    monkeypatch.setattr(kaiming, "he_variance", lambda a, d: 1 / ((1 + a**2) * d))  # Xavier-like
    failed = failed_claims(kaiming, FAST)
    assert {"d.sigma2", "d.mc.gain1"} <= failed


def test_dropped_alpha_term_is_rejected_for_leaky_relu(monkeypatch):
    monkeypatch.setattr(kaiming, "second_moment_factor", lambda a: a * 0 + 0.5)
    failed = failed_claims(kaiming, {**FAST, "alpha": "0.5"})
    assert {"c.mc.normal", "c.mc.Laplace", "c.mc.uniform"} <= failed


def test_wrong_sign_in_second_moment_is_rejected(monkeypatch):
    monkeypatch.setattr(kaiming, "second_moment_factor", lambda a: (1 - a**2) / 2)
    assert "c.mc.normal" in failed_claims(kaiming, {**FAST, "alpha": "0.3"})


def test_leaky_alpha_derivation_holds():
    assert not failed_claims(kaiming, {**FAST, "alpha": "0.1"})


@pytest.mark.parametrize("bad", [{"alpha": "-0.1"}, {"scale": "0"}, {"factors": "()"},
                                 {"mc_weights": "'cauchy'"}, {"t_dof": "3"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(kaiming, bad)
