"""Wrong answers to the leaky-ReLU initialisation problem are rejected; the experiment caches."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import sympy as sp

from checks import leaky_training
from tests.conftest import failed_claims, misgraded, right_values_rejected, solved, unrejected
from theory import kaiming
from theory import leaky_init as li
from theory.core import grade
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


def test_kaiming_growth_with_unsquared_slope_is_rejected(monkeypatch):
    monkeypatch.setattr(li, "kaiming_growth", lambda a: 1 + a)  # alpha for alpha^2: 1.1, not 1.01, at 0.1
    assert {"1.kaiming", "1.kaiming-near"} <= failed_claims(li)


def test_digits_mean_square_ignoring_blank_pixels_is_rejected(monkeypatch):
    monkeypatch.setattr(li, "_mean_square", lambda exp: 1.0)  # as if every pixel were standardised to 1
    assert "2.mean-square" in failed_claims(li)


def test_wrong_sign_in_imported_second_moment_is_rejected(monkeypatch):
    monkeypatch.setattr(kaiming, "second_moment_factor", lambda a: (1 - a**2) / 2)
    failed = failed_claims(li)
    assert {"1.moment", "1.beta", "1.kaiming"} <= failed


def test_wrong_backward_slope_is_rejected(monkeypatch):
    monkeypatch.setattr(leaky_training, "leaky_slope", lambda z, a: np.ones_like(z))  # ReLU' lost
    failed = failed_claims(li)
    assert {"2.backprop.2", "2.backprop.0.5", "2.backprop.0.1"} <= failed
    assert "2.backprop.1" not in failed  # for alpha = 1 the slope really is 1


ANSWERS = ("beta_h", "output beta_H+1", "gain", "Kaiming growth per layer")


def test_the_named_misconceptions_are_declared_for_every_answer():
    sol = solved("leaky_init")
    assert {"kaiming-ignores-slope", "missing-relu-half", "slope-not-squared", "fan-out"} <= {
        m.id for m in sol.misconceptions}
    assert {m.answer for m in sol.misconceptions} == set(ANSWERS)


def test_grading_accepts_the_answers_and_names_each_misconception():
    sol = solved("leaky_init")
    assert not misgraded(sol, sp.sstr, ANSWERS)
    answer = grade.gradeable(sol)["beta_h"]
    assert grade.grade(answer, "2/(d_h + alpha**2*d_h)", sol.misconceptions).verdict == "correct"


def test_the_right_values_are_no_misconception():
    assert not right_values_rejected(solved("leaky_init"), ANSWERS)


def _gains(sol):
    """The simulated gains per slope, as the claims hold them, with the weight variance they ran at."""
    verdicts = {cid: v for cid, _, v in sol.claims()}
    return {a: (verdicts[f"1.mc.derived.{li._slope_name(a)}"],
                float(li.beta(li.exact_decimal(a), sol.params.mc_width))) for a in sol.params.alphas}


def test_a_variance_off_by_the_resolution_is_rejected():
    """The gains resolve 1%: a variance 3% too large is caught, by the slope 0.1 alone as well."""
    sol = solved("leaky_init")
    right = li.beta(li.alpha_, li.d_)
    assert sol.rejects("beta_h", 1.03 * right).passed
    only = li._preserving({0.1: _gains(sol)[0.1]}, sol.params.mc_width)
    assert only(right).passed and not only(1.03 * right).passed


def test_slopes_that_cannot_tell_a_mistake_do_not_declare_it():
    """At alpha = 1 alone, alpha and alpha^2 agree and sigma is linear: those mistakes are the right answer."""
    from theory.core.cli import solve_topic

    sol = solve_topic(li, {"alphas": "(1.0,)", "depths": "(3,)", "lrs": "(0.01,)", "tiny": "True"})
    ids = {m.id for m in sol.misconceptions}
    assert not {"slope-not-squared", "linear-lecun", "growth-slope-not-squared"} & ids
    assert {"kaiming-ignores-slope", "missing-relu-half", "fan-out", "no-growth"} <= ids
    assert not unrejected(sol)


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
    {"separation": "9.0", "dataset": "blobs"}, {"mc_width": "1"}, {"depths": "(1e999,)", "lrs": "(0.01,)"},
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


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    from theory.core.cli import solve_topic

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    with pytest.raises(BadInput, match="scikit-learn.*pip install -e ."):
        solve_topic(li, {"dataset": "digits"})


def _sklearn_digits():
    """The reference: scikit-learn's own reader, classes 0 and 1."""
    from sklearn.datasets import load_digits

    return load_digits(n_class=2, return_X_y=True)


def _assert_is_digits_0_and_1(X, y):
    """X, y are the scikit-learn digits 0 (y = -1) and 1 (y = +1), pixels standardised over them."""
    images, target = _sklearn_digits()
    assert set(np.unique(target)) == {0, 1}
    assert X.shape == images.shape and np.array_equal(y, np.where(target == 1, 1.0, -1.0))
    sd = images.std(axis=0)
    np.testing.assert_allclose(X, (images - images.mean(axis=0)) / np.where(sd > 0, sd, 1.0), atol=1e-12)


def test_the_bundled_file_is_what_load_digits_reads():
    from sklearn.datasets import load_digits

    images, labels = leaky_training._bundled_digits()
    ref_images, ref_labels = load_digits(return_X_y=True)
    assert np.array_equal(images, ref_images) and np.array_equal(labels, ref_labels)


def test_default_trains_on_the_real_digits_0_and_1():
    from theory.core import params
    from theory.core.cli import solve_topic

    p = params.make(li.Params, {})
    assert p.dataset == "digits"
    X, y = leaky_training.make_data(p.dataset, np.random.default_rng(0), p.train_size, p.input_dim)
    _assert_is_digits_0_and_1(X, y)
    images, target = _sklearn_digits()
    exp = li.experiment(p, 0)
    assert (exp.dataset, exp.train_size, exp.dim) == ("digits", len(target), images.shape[1])
    assert all(pn.inits["kaiming"][0] == 2 / images.shape[1] for pn in exp.panels)  # fan-in d_1 of the data
    sol = solve_topic(li, {})
    part = next(pt for pt in sol.parts if pt.label == "2")
    erratum = next(b for b in part.blocks if type(b).__name__ == "Erratum" and "MNIST" in b.sheet_says)
    assert erratum.departure  # the sheet is not wrong to ask for MNIST: this solution chose otherwise
    counts = (f"({len(target)} images, {np.sum(target == 0)} of digit 0 with label $-1$ and "
              f"{np.sum(target == 1)} of digit 1 with label $+1$")
    assert "texttt{digits}" in erratum.parameter and counts in erratum.parameter
    assert f"$d_1 = {images.shape[1]}$" in erratum.parameter and "MNIST" in erratum.sheet_says
    assert "stand in for MNIST" in erratum.correction
    blank = int(np.sum(images.std(axis=0) == 0))
    assert f"{blank} pixels are blank" in erratum.parameter
    assert f"mean square {(images.shape[1] - blank) / images.shape[1]:.4g}" in erratum.parameter
    assert counts in _figure(sol).caption


@pytest.mark.parametrize("wrong", [
    lambda X, y: (X, -y),  # labels swapped
    lambda X, y: (X * 2.0, y),  # not standardised
    lambda X, y: (X[:-1], y[:-1]),  # an image lost
])
def test_a_wrong_digits_reader_is_caught(wrong):
    X, y = leaky_training.digits()
    _assert_is_digits_0_and_1(X, y)
    with pytest.raises(AssertionError):
        _assert_is_digits_0_and_1(*wrong(X, y))


def test_a_digits_reader_with_other_classes_is_caught(monkeypatch):
    monkeypatch.setattr(leaky_training, "DIGIT_CLASSES", (0, 7))
    with pytest.raises(AssertionError):
        _assert_is_digits_0_and_1(*leaky_training.digits())


def test_blobs_remain_an_option(tmp_path, monkeypatch):
    from theory.core.cli import solve_topic

    monkeypatch.setattr(li, "CACHE_DIR", tmp_path / "cache")
    small = {"dataset": "blobs", "tiny": "True", "alphas": "(2.0, 0.5)", "depths": "(3, 6)",
             "lrs": "(0.01, 0.01)"}
    sol = solve_topic(li, small)
    assert not {cid for cid, _, v in sol.claims() if not v.passed}
    part = next(pt for pt in sol.parts if pt.label == "2")
    erratum = next(b for b in part.blocks if type(b).__name__ == "Erratum" and "MNIST" in b.sheet_says)
    assert "texttt{blobs}: two Gaussian blobs in $d_1 = 64$ dimensions (256 examples" in erratum.parameter
    assert "Here the data are synthetic" in erratum.correction
    exp = li.experiment(li.Params(dataset="blobs", tiny=True), 0)
    assert (exp.dataset, exp.train_size, exp.dim) == ("blobs", 256, 64)
    _figure(sol).draw(tmp_path / "b.pdf")
    assert (tmp_path / "b.pdf").stat().st_size > 0


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


@pytest.mark.parametrize("dataset", ["digits", "blobs"])
def test_training_reduces_the_loss_and_kaiming_overflows(dataset):
    """A small version of one panel: alpha = 2, depth 10, width 64."""
    rng = np.random.default_rng(0)
    X, y = leaky_training.make_data(dataset, rng, 512)
    n = len(y)
    dims = [64] + [64] * 10 + [1]
    alpha = 2.0
    runs = {}
    laws = {"derived": lambda d: 2 / ((1 + alpha**2) * d), "kaiming": lambda d: 2 / d}
    for name, var in laws.items():
        w = leaky_training.init_weights(np.random.default_rng(1), dims, [var(d) for d in dims[:-1]])
        order = np.concatenate([rng.permutation(n) for _ in range(-(-60 * 64 // n))])
        runs[name] = leaky_training.train(X.astype(np.float32), y.astype(np.float32), w,
                                          alpha=alpha, lr=0.01, steps=60, batch=64,
                                          order=order)["loss"]
    assert np.isfinite(runs["derived"]).all()
    assert runs["derived"][-10:].mean() < 0.5 * runs["derived"][:10].mean()
    assert not np.isfinite(runs["kaiming"]).all()


@pytest.mark.slow
def test_default_experiment_shows_the_effect(tmp_path):
    """The full 16-panel experiment on the real digits (about a minute on 2 cores)."""
    from theory.core import params

    p = params.make(li.Params, {})
    assert p.dataset == "digits"
    results = leaky_training.run_experiment(li.experiment(p, 0), tmp_path)
    for panel, res in zip(li.experiment(p, 0).panels, results):
        derived = res["derived"]["loss"]
        assert np.isfinite(derived).all()
        assert derived[-20:].mean() < 0.1 * derived[:20].mean()
        if (1 + panel.alpha**2) ** (panel.depth + 1) > 100:  # as the text says: these overflow early
            assert not np.isfinite(res["kaiming"]["loss"][:30]).all()
        if panel.alpha <= 0.1:  # Kaiming's 2/d_h is 1.01 times the derived variance: it trains as well
            assert np.isfinite(res["kaiming"]["loss"]).all()


def test_the_variances_at_the_experiments_width_are_judged_slope_by_slope():
    """Each slope's variance at width m must make the quadrature's per-layer factor 1; Kaiming's 2/m fails."""
    sol = solved("leaky_init")
    right = sol.results["beta_h at width"].value
    assert not sol.rejects("beta_h at width", dict(right)).passed
    assert not sol.rejects("beta_h at width", list(right.values())).passed
    for slope in ("2", "0.5"):
        assert sol.rejects("beta_h at width", {**right, slope: 1.001 * right[slope]}).passed
    assert sol.rejects("beta_h at width", {k: sp.Rational(2, sol.params.width) for k in right}).passed
    assert sol.rejects("beta_h at width", list(right.values())[:-1]).passed
