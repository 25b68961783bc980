"""The engine's checks can fail: proofs refute, Monte-Carlo rejects, parameters are validated."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as hs

from checks import montecarlo as mc
from theory.core import params, prove
from theory.core.errors import BadInput, UncheckedStep
from theory.core.expectation import Independent, bernoulli, listed
from theory.core.render.plain import plain
from theory.core.solution import Chain, Solution

x, y = sp.symbols("x y", positive=True)


def test_equal_proves_refutes_and_labels_fallback():
    assert prove.equal((x + y) ** 2, x**2 + 2 * x * y + y**2).method == "symbolic"
    wrong = prove.equal((x + y) ** 2, x**2 + y**2)
    assert not wrong.passed
    off = prove.equal(2 * sp.sin(x) * sp.cos(x), 1.01 * sp.sin(2 * x))
    assert not off.passed


def test_chain_rule_identities_in_function_applications():
    from theory.autodiff.ops import sigmoid

    s = sigmoid(x * sp.exp(y))
    chain_rule = s * (1 - s) * sp.exp(y) * (1 / s - 1 / (1 - s))
    assert prove._zero_over_applications(chain_rule - sp.exp(y) * (1 - 2 * s))
    assert prove.equal(chain_rule, sp.exp(y) * (1 - 2 * s)).passed
    assert not prove._zero_over_applications(chain_rule - sp.exp(y) * (1 - s))
    assert not prove.equal(chain_rule, sp.exp(y) * (1 - s)).passed
    assert not prove._zero_over_applications(sp.sin(2 * x) - 2 * sp.sin(x) * sp.cos(x))  # left to simplify


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_time_budget_survives_an_ignored_interrupt():
    class Finaliser:  # Python ignores an exception raised in __del__, as in a gc callback
        def __del__(self):
            end = time.perf_counter() + 1.0
            while time.perf_counter() < end:
                pass

    start = time.perf_counter()
    with pytest.raises(prove._OutOfTime), prove._time_budget(0.1):
        Finaliser()  # the first alarm lands in its __del__ and is lost
        while time.perf_counter() - start < 2.0:
            pass
    assert time.perf_counter() - start < 0.5


def test_inconclusive_falls_back_to_numeric(monkeypatch):
    monkeypatch.setattr(prove, "_symbolic_zero", lambda diff, budget: None)
    v = prove.equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1)
    assert v.method == "numeric" and v.passed and "random points" in v.detail
    assert not prove.equal(sp.sin(x) ** 2, 1).passed


def test_close_and_instances():
    assert prove.close(1.0 + 1e-10, 1.0, rtol=1e-9, what="x").passed
    assert not prove.close(1.01, 1.0, rtol=1e-3, what="x").passed
    assert not prove.close(math.nan, 1.0, rtol=1e-3, what="x").passed
    assert not prove.on_instances({"a": True, "b": False}, "t").passed
    assert not prove.on_instances({}, "nothing").passed


def test_chain_links_are_checked_and_definitions_only_first():
    c = Chain("c", "f").define("x+x", 2 * x).step("2x", 2 * x, "same").step("3x", 3 * x, "wrong")
    assert [s.verdict.passed for s in c.steps[1:]] == [True, False]
    with pytest.raises(UncheckedStep):
        Chain("d", "f").step("x", x, "no start")
    with pytest.raises(UncheckedStep):
        c.define("x", x)


def test_given_substitutes_hypotheses():
    m = sp.Symbol("m")
    c = Chain("c", "f").define("m x", m * x).step("0", 0, "m = 0", given={m: 0})
    assert c.steps[1].verdict.passed


def test_expectation_algebra():
    r1, r2 = sp.symbols("r1 r2")
    rho = sp.Symbol("rho")
    model = Independent({r1: bernoulli(rho), r2: bernoulli(rho)})
    assert sp.expand(model.E((r1 + r2) ** 2) - (2 * rho + 2 * rho**2)) == 0
    w = sp.Symbol("w")
    assert Independent({w: listed(0, 5)}).E(w**2 + w) == 5


def _normal(rng, n):
    return rng.standard_normal(n) + 1.0


def test_montecarlo_accepts_truth_and_rejects_one_percent():
    rng = np.random.default_rng(1)
    good = mc.mean_test(_normal, 1.0, rng)
    assert good.passed and good.calibrated and abs(good.z) < mc.Z_ALARM
    for wrong in (1.01, 0.99, -1.0):
        assert not mc.mean_test(_normal, wrong, np.random.default_rng(2)).passed


def test_montecarlo_calibration_constants():
    assert mc.Z_ALARM > 6.0  # two-sided false alarm below 1e-9
    assert math.erfc(mc.Z_ALARM / math.sqrt(2)) < 1e-9
    # the sample size makes a 1% error sit Z_ALARM + Z_POWER standard errors away
    n = mc.required_samples(spread=2.0, scale=1.0, minimum=1)
    assert 0.01 / (2.0 / math.sqrt(n)) >= mc.Z_ALARM + mc.Z_POWER


def test_montecarlo_underpowered_run_fails():
    r = mc.mean_test(_normal, 1.0, np.random.default_rng(3), samples=100)
    assert not r.calibrated and not r.passed


def test_montecarlo_zero_claim_needs_scale():
    with pytest.raises(ValueError):
        mc.mean_test(_normal, 0.0, np.random.default_rng(0))


@settings(max_examples=25, deadline=None)
@given(hs.floats(0.2, 5.0), hs.integers(0, 2**32 - 1))
def test_montecarlo_false_alarm_free_on_random_problems(mean, seed):
    r = mc.mean_test(lambda g, n: g.exponential(mean, n), mean, np.random.default_rng(seed))
    assert r.passed


def test_parameters_validate_at_the_edge():
    from theory import dropout

    with pytest.raises(BadInput, match="rho"):
        params.make(dropout.Params, {"rho": "1.5"})
    with pytest.raises(BadInput, match="unknown parameter"):
        params.make(dropout.Params, {"nope": "1"})
    with pytest.raises(BadInput, match="cannot read"):
        params.make(dropout.Params, {"rho": "abc"})
    with pytest.raises(BadInput):
        params.parse_assignments(["rho"])
    assert params.make(dropout.Params, {"rho": "0.5"}).rho == 0.5


def test_plain_text_rendering():
    assert plain(r"$\frac{1}{2}\sigma^2$") == "1/2σ^2"
    assert plain(r"$\tfrac12 x$") == "1/2 x"


def test_answers_keep_exact_forms():
    sol = Solution("t", "T", "s", None)
    sol.answer("half", sp.Rational(1, 2))
    sol.answer("expr", 2 / x)
    assert sol.answers["half"] == {"value": 0.5, "exact": "1/2"}
    assert sp.sympify(sol.answers["expr"]["exact"]) == 2 / sp.Symbol("x")
