"""Wrong answers to the leaky-ReLU initialisation problem are rejected; the experiment caches."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from checks import leaky_training
from tests.conftest import failed_claims
from theory import kaiming
from theory import leaky_init as li
from theory.core.errors import BadInput

SLOPES = ("2", "1", "0.5", "0.1")


def test_xavier_like_half_variance_is_rejected(monkeypatch):
    monkeypatch.setattr(li, "beta", lambda a, d: 1 / ((1 + a**2) * d))  # dropped factor 2
    failed = failed_claims(li)
    assert {"1.recursion.2", "1.beta", "1.gain", "1.linear", "1.relu"} <= failed
    assert {f"1.mc.derived.{a}" for a in SLOPES} <= failed
    assert {f"1.depth.{a}" for a in SLOPES} <= failed


def test_kaiming_for_every_slope_is_rejected(monkeypatch):
    monkeypatch.setattr(li, "beta", lambda a, d: 2 / d + 0 * a)  # alpha term dropped
    failed = failed_claims(li)
    assert {"1.recursion.2", "1.beta", "1.gain", "1.linear"} <= failed
    assert {"1.mc.derived.2", "1.mc.derived.1", "1.mc.derived.0.5"} <= failed
    assert {"1.depth.2", "1.depth.1", "1.depth.0.5"} <= failed


def test_kaiming_growth_halved_is_rejected(monkeypatch):
    monkeypatch.setattr(li, "kaiming_growth", lambda a: (1 + a**2) / 2)  # LeCun's factor
    failed = failed_claims(li)
    assert "1.kaiming" in failed
    assert {f"1.depth.{a}" for a in SLOPES} <= failed


def test_wrong_sign_in_imported_second_moment_is_rejected(monkeypatch):
    monkeypatch.setattr(kaiming, "second_moment_factor", lambda a: (1 - a**2) / 2)
    failed = failed_claims(li)
    assert {"1.moment", "1.beta", "1.kaiming"} <= failed


def test_wrong_backward_slope_is_rejected(monkeypatch):
    monkeypatch.setattr(leaky_training, "leaky_slope", lambda z, a: np.ones_like(z))  # ReLU' lost
    failed = failed_claims(li)
    assert {"2.backprop.2", "2.backprop.0.5", "2.backprop.0.1"} <= failed
    assert "2.backprop.1" not in failed  # for alpha = 1 the slope really is 1


def test_other_slopes_and_first_layer_convention_hold():
    assert not failed_claims(li, {"alphas": "(0.3, 3.0)", "first_layer": "lecun",
                                  "depths": "(5, 8)", "lrs": "(0.01, 0.01)"})


def test_table_caption_counts_the_panels():
    from theory.core.cli import solve_topic

    sol = solve_topic(li, {"alphas": "(2.0, 0.5)", "depths": "(3, 6, 9)",
                           "lrs": "(0.01, 0.01, 0.01)", "tiny": "True"})
    part = next(p for p in sol.parts if p.label == "2")
    table = next(b for b in part.blocks if type(b).__name__ == "Table")
    assert "of the 6 panels" in table.caption and len(table.rows) == 6
    assert "Width $m = 16$" in next(b.body for b in part.blocks if type(b).__name__ == "Text")


@pytest.mark.parametrize("bad", [
    {"alphas": "(-0.1,)"}, {"alphas": "(0.0,)"}, {"alphas": "()"}, {"width": "0"},
    {"depths": "(0,)"}, {"lrs": "(0.01,)"}, {"dataset": "mnist"}, {"mc_weights": "cauchy"},
    {"separation": "9.0"}, {"mc_width": "1"}, {"depths": "(1e999,)", "lrs": "(0.01,)"},
    {"lrs": "(0.01, 0.01, 0.01, -0.01)"},
    {"alphas": "(1e308,)"}, {"alphas": "(5e-324,)"}, {"width": "1000000"}, {"depth_networks": "1000000000"},
    {"mc_depth": "1000"}, {"mc_depth": "30", "alphas": "(10,)"}, {"lrs": "(1e308, 0.01, 0.01, 0.01)"},
    {"depth_networks": "100000", "depth_width": "64"}, {"steps": "10000", "batch": "4096"},
    {"width": "512", "steps": "10000"}, {"train_size": "100000", "input_dim": "1024"},
])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(li, bad)


def test_overflowed_numbers_read_as_infinity():
    assert li._sci(float("inf")) == r"\infty" and li._sci(float("nan")) == r"\mathrm{NaN}"


@pytest.mark.parametrize("field", ["alphas", "lrs"])
def test_nan_slopes_and_rates_are_rejected(field):
    with pytest.raises(BadInput, match=field):
        li.Params(**{field: (float("nan"),) * 4})


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is not None,
                    reason="scikit-learn is installed")
def test_digits_without_scikit_learn_says_how_to_install():
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput, match="pip install scikit-learn"):
        solve_topic(li, {"dataset": "digits"})


def _figure(sol):
    part = next(p for p in sol.parts if p.label == "2")
    return next(b for b in part.blocks if type(b).__name__ == "Figure")


def test_tiny_experiment_draws_the_figure(tmp_path, monkeypatch):
    from theory.core.cli import solve_topic

    monkeypatch.setattr(li, "CACHE_DIR", tmp_path / "cache")
    small = {"tiny": "True", "alphas": "(2.0, 0.5)", "depths": "(3, 6)", "lrs": "(0.01, 0.01)"}
    _figure(solve_topic(li, small)).draw(tmp_path / "a.pdf")
    assert (tmp_path / "a.pdf").stat().st_size > 0
    assert len(list((tmp_path / "cache").glob("leaky-*.npz"))) == 1


def test_experiment_results_are_cached_by_their_settings(tmp_path, monkeypatch):
    from theory.core import params

    p = params.make(li.Params, {"tiny": "True", "alphas": "(2.0,)", "depths": "(3,)",
                                "lrs": "(0.01,)"})
    first = leaky_training.run_experiment(li.experiment(p, 7), tmp_path, workers=1)

    def no_training(*args, **kwargs):
        raise AssertionError("the cached results should have been used")

    monkeypatch.setattr(leaky_training, "run_panel", no_training)
    again = leaky_training.run_experiment(li.experiment(p, 7), tmp_path, workers=1)
    np.testing.assert_array_equal(first[0]["derived"]["loss"], again[0]["derived"]["loss"])
    with pytest.raises(AssertionError, match="cached"):  # another seed is another experiment
        leaky_training.run_experiment(li.experiment(p, 8), tmp_path, workers=1)


def test_training_reduces_the_loss_and_kaiming_overflows():
    """A small version of one panel: alpha = 2, depth 10, width 64."""
    rng = np.random.default_rng(0)
    X, y = leaky_training.make_data("blobs", rng, 512)
    dims = [64] + [64] * 10 + [1]
    alpha = 2.0
    runs = {}
    laws = {"derived": lambda d: 2 / ((1 + alpha**2) * d), "kaiming": lambda d: 2 / d}
    for name, var in laws.items():
        w = leaky_training.init_weights(np.random.default_rng(1), dims, [var(d) for d in dims[:-1]])
        order = np.concatenate([rng.permutation(512) for _ in range(8)])
        runs[name] = leaky_training.train(X.astype(np.float32), y.astype(np.float32), w,
                                          alpha=alpha, lr=0.01, steps=60, batch=64,
                                          order=order)["loss"]
    assert np.isfinite(runs["derived"]).all()
    assert runs["derived"][-10:].mean() < 0.5 * runs["derived"][:10].mean()
    assert not np.isfinite(runs["kaiming"]).all()


@pytest.mark.slow
def test_default_experiment_shows_the_effect(tmp_path):
    """The full 16-panel experiment (about a minute on 2 cores)."""
    from theory.core import params

    p = params.make(li.Params, {})
    results = leaky_training.run_experiment(li.experiment(p, 0), tmp_path)
    for panel, res in zip(li.experiment(p, 0).panels, results):
        derived = res["derived"]["loss"]
        assert np.isfinite(derived).all()
        assert derived[-20:].mean() < derived[:20].mean()
        if panel.alpha >= 1:
            assert not np.isfinite(res["kaiming"]["loss"]).all()
