"""Wrong answers to the Kaiming problem are rejected by its checks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from checks import kaiming as sim
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
                                 {"mc_weights": "'cauchy'"}, {"t_dof": "3"}, {"t_dof": "4.5"},
                                 {"alpha": "1e308"}, {"scale": "1e308"}, {"mc_width": "16"},
                                 {"factors": "(1, 1.0)"}, {"factors": "(1e6,)"}, {"factors": "(0.5,) * 9"},
                                 {"batch": "64"}, {"width": "1024"}, {"fan_in": "1000000"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(kaiming, bad)


def test_budget_limits_are_named():
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput, match="exceeds the 6144 limit"):
        solve_topic(kaiming, {"mc_width": "64", "batch": "64"})


def test_gains_stay_finite_far_from_the_preserving_variance():
    """100 layers at 100x or 0.01x the variance leave float32's range unless rescaled."""
    rng = np.random.default_rng(1)
    for k in (0.01, 100.0):
        g = sim.layer_gains(rng, 990, width=32, depth=100, batch=2, weight_var=k * 2 / 32, alpha=0.0,
                            kind="rademacher")
        assert np.all(np.isfinite(g)) and abs(g.mean() / k - 1) < 0.1
        v = sim.variance_by_layer(rng, width=32, depth=100, batch=2, networks=8, weight_var=k * 2 / 32, alpha=0.0)
        assert np.all(np.isfinite(v)) and np.all(v > 0)


def test_one_unit_is_drawn_in_bounded_blocks(monkeypatch):
    monkeypatch.setattr(sim, "BLOCK", 64)
    z = sim.one_unit(np.random.default_rng(2), 10_000, 48, 1 / 48, lambda r, s: r.uniform(0.0, 2.0, s))
    assert z.shape == (10_000,) and abs(np.mean(z**2) - 4 / 3) < 0.1


@pytest.mark.parametrize("scale", [1e-3, 1e3])
def test_quadrature_finds_narrow_and_wide_densities(scale):
    p = kaiming.Params(scale=scale, alpha=0.5)
    for name, density in kaiming._densities(p).items():
        exact = float((1 + sp.Rational(1, 4)) / 2 * kaiming._integral(kaiming.z**2 * density, -sp.oo, sp.oo))
        assert kaiming._quad_leaky_sq(density, 0.5, scale) == pytest.approx(exact, rel=1e-9), name
