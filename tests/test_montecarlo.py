"""The calibrated Monte-Carlo check: its false-alarm bound, its power, its extension, its budget."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from checks import montecarlo as mc
from tests.conftest import invoke
from theory.core.context import Context
from theory.core.errors import BadInput


def _normal(rng, n):
    return rng.standard_normal(n) + 1.0


def _spread_grows(pilot: int, later_sd: float = 1.5):
    """Mean-1 samples whose first `pilot` draws have sd 1 and all later draws sd `later_sd`.

    The pilot then underestimates the spread of the main run, as a small
    pilot of a heavy-tailed sampler does by chance.
    """
    drawn = 0

    def draw(rng, n):
        nonlocal drawn
        sd = np.where(np.arange(drawn, drawn + n) < pilot, 1.0, later_sd)
        drawn += n
        return 1.0 + sd * rng.standard_normal(n)

    return draw


def test_montecarlo_accepts_truth_and_rejects_one_percent():
    good = mc.mean_test(_normal, 1.0, np.random.default_rng(1))
    assert good.passed and good.status == "agrees" and good.calibrated and abs(good.z) < mc.Z_ALARM
    for seed in range(2, 7):  # a 1% error sits Z_ALARM + Z_POWER standard errors away: always caught
        for wrong in (1.01, 0.99):
            r = mc.mean_test(_normal, wrong, np.random.default_rng(seed))
            assert r.status == "refuted" and not r.passed, (seed, wrong, r)
    assert mc.mean_test(_normal, -1.0, np.random.default_rng(2)).status == "refuted"


def test_montecarlo_calibration_constants():
    # the union bound over the STAGES possible final sizes keeps the false-alarm rate below 1e-9
    assert mc.STAGES * math.erfc(mc.Z_ALARM / math.sqrt(2)) <= mc.FALSE_ALARM
    assert mc.STAGES * math.erfc((mc.Z_ALARM - 0.01) / math.sqrt(2)) > mc.FALSE_ALARM  # and not more
    # the first planned size makes a 1% error sit Z_ALARM + Z_POWER standard errors away
    n = mc.required_samples(spread=2.0, scale=1.0, minimum=1)
    assert 0.01 / (2.0 / math.sqrt(n)) >= mc.Z_ALARM + mc.Z_POWER


def test_montecarlo_grid_has_at_most_stages_sizes():
    assert mc.sample_grid(1000, 10**9) == (1000, 1500, 2250, 3375)
    assert len(mc.sample_grid(1000, 2000)) <= mc.STAGES and max(mc.sample_grid(1000, 2000)) == 2000
    assert mc.sample_grid(1000, 500) == (500,)


@pytest.fixture
def grids(monkeypatch) -> list[tuple[int, ...]]:
    """Records every grid of sizes that mean_test plans."""
    planned: list[tuple[int, ...]] = []
    grid = mc.sample_grid
    monkeypatch.setattr(mc, "sample_grid", lambda first, cap: planned.append(grid(first, cap)) or planned[-1])
    return planned


def test_montecarlo_extends_when_the_pilot_underestimates_the_spread(monkeypatch, grids):
    sampler, drawn = _spread_grows(mc.PILOT), []
    r = mc.mean_test(lambda rng, n: drawn.append(n) or sampler(rng, n), 1.0, np.random.default_rng(4))
    assert r.status == "agrees" and r.calibrated
    # it stopped at a size of the grid fixed before the stream was drawn (the union bound's premise),
    # having extended one stream: the pilot and the final sample are all that was drawn
    assert r.samples == grids[-1][2] > grids[-1][0] and r.stop == "resolved" and r.stage == 2
    assert sum(drawn) == mc.PILOT + r.samples
    # without extension (one planned size, the old rule) the same correct claim fails as under-powered
    monkeypatch.setattr(mc, "STAGES", 1)
    old = mc.mean_test(_spread_grows(mc.PILOT), 1.0, np.random.default_rng(4))
    assert old.status == "under-powered" and old.stop == "grid" and old.samples == grids[-1][0]


def test_montecarlo_extension_is_bounded(grids):
    # a spread four times the pilot's needs 16x the samples: beyond the grid, so under-powered, not refuted
    r = mc.mean_test(_spread_grows(mc.PILOT, later_sd=4.0), 1.0, np.random.default_rng(5))
    assert r.status == "under-powered" and r.stop == "grid" and not r.passed
    assert len(grids[-1]) == mc.STAGES and r.samples == grids[-1][-1]


def test_montecarlo_kaiming_regression(monkeypatch):
    """The issue's case: `theory.kaiming --param alpha=0.5`, check d.gain1 (20-layer networks of
    width 32, Rademacher weights at the derived variance), ended just short of 1% and failed."""
    from checks.kaiming import layer_gains

    def gains(rng, n):
        return layer_gains(rng, n, width=32, depth=20, batch=8, weight_var=2 / (1.25 * 32), alpha=0.5,
                           kind="rademacher")

    v = Context("kaiming").monte_carlo("d.gain1", gains, 1.0, pilot=200)
    assert v.passed and v.data["status"] == "agrees", v.detail
    monkeypatch.setattr(mc, "STAGES", 1)  # the old rule: one size, no extension
    old = Context("kaiming").monte_carlo("d.gain1", gains, 1.0, pilot=200)
    assert not old.passed and old.data["status"] == "under-powered"


def test_montecarlo_sizes_do_not_depend_on_the_clock(monkeypatch):
    """Same seed, same samples, whatever the machine's speed; a check that cannot fit is refused."""
    r = mc.mean_test(_normal, 1.0, np.random.default_rng(6))
    monkeypatch.setattr(mc, "MAX_SECONDS", 10.0 * r.samples * 1e-6)  # a much slower machine, still within budget
    slow = mc.mean_test(lambda g, n: (time.sleep(1e-6 * n), _normal(g, n))[1], 1.0, np.random.default_rng(6))
    assert (slow.samples, slow.estimate) == (r.samples, r.estimate)
    monkeypatch.setattr(mc, "MAX_SECONDS", 1e-9)  # nothing beyond the pilot fits
    with pytest.raises(BadInput, match=r"check demo/mean needs about [\d,]+ samples .* beyond its"):
        Context("demo").monte_carlo("mean", _normal, 1.0)


def test_montecarlo_fixed_tiny_sample_is_under_powered_not_refuted():
    r = mc.mean_test(_normal, 1.0, np.random.default_rng(3), samples=100)
    assert r.samples == 100 and r.status == "under-powered" and not r.passed and not r.calibrated
    v = Context("demo", samples=100).monte_carlo("mean", _normal, 1.0)
    assert not v.passed and v.data["status"] == "under-powered"
    assert v.detail.startswith("under-powered:") and "not a refutation" in v.detail
    wrong = Context("demo", samples=100).monte_carlo("mean", _normal, 5.0)  # far off: refuted even so
    assert wrong.data["status"] == "refuted" and wrong.detail.startswith("refuted:")


def test_montecarlo_fixed_sample_is_used_exactly():
    r = mc.mean_test(_spread_grows(10), 1.0, np.random.default_rng(7), samples=30_000)
    assert r.samples == 30_000 and r.stop == "fixed"


def test_montecarlo_fixed_samples_beyond_the_budget_are_bad_input():
    drawn = 0

    def slow(rng, n):  # 0.1 ms a sample; refuses to run for long
        nonlocal drawn
        drawn += n
        assert drawn <= 1000, "drew far beyond the timing run"
        time.sleep(1e-4 * n)
        return rng.standard_normal(n)

    with pytest.raises(BadInput, match=r"--samples 10000000 would take about \d+ s for check demo/slow; "
                                       r"at most [\d,]+ samples fit the 120 s budget"):
        Context("demo", samples=10_000_000).monte_carlo("slow", slow, 0.0, scale=1.0, pilot=100)
    assert drawn == 100

    def never(rng, n):
        raise AssertionError("drew samples for a size above the cap")

    with pytest.raises(BadInput, match="above the limit"):
        Context("demo", samples=mc.MAX_SAMPLES + 1).monte_carlo("cap", never, 1.0)


def test_montecarlo_cli_statuses():
    def run(*args):
        return invoke("theory.dropout", "--param", "max_size=1", *args)

    tiny = run("--samples", "50")
    assert tiny.returncode == 1 and "under-powered" in tiny.stdout and "refuted" not in tiny.stdout
    huge = run("--samples", str(mc.MAX_SAMPLES + 1))
    assert huge.returncode == 2 and huge.stderr.count("\n") == 1 and "above the limit" in huge.stderr


def test_montecarlo_zero_claim_needs_scale():
    with pytest.raises(ValueError):
        mc.mean_test(_normal, 0.0, np.random.default_rng(0))


@settings(max_examples=25, deadline=None)
@given(hs.floats(0.2, 5.0), hs.integers(0, 2**32 - 1))
def test_montecarlo_false_alarm_free_on_random_problems(mean, seed):
    r = mc.mean_test(lambda g, n: g.exponential(mean, n), mean, np.random.default_rng(seed))
    assert r.passed
