"""Wrong-answer tests for the optimizers topic: each derived formula, falsified, must be caught."""

from __future__ import annotations

import pytest
import sympy as sp

import theory.optimizers as opt
from tests.conftest import invoke, misgraded, right_values_rejected, solved, typed_numbers, unrejected
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

# shorter runs than the defaults, to keep the suite fast; every claim still holds with them
FAST = {"rate_steps": 600, "ramp_steps": 300, "rosen_steps": 1500, "steps": 300}


def failed(overrides: dict | None = None) -> set[str]:
    sol = solve_topic(opt, {**FAST, **(overrides or {})})
    return {cid for cid, _, v in sol.claims() if not v.passed}


def test_fast_settings_pass():
    assert failed() == set()


def test_wrong_gd_step(monkeypatch):
    monkeypatch.setattr(opt, "gd_optimal_step", lambda mu, L: 1 / L)
    assert {"a.gd_balance", "a.gd_measured"} <= failed()


def test_wrong_gd_rate(monkeypatch):
    monkeypatch.setattr(opt, "gd_rate", lambda k: (k - 1) / k)
    assert {"a.gd_rate.2", "a.gd_measured"} <= failed()


def test_wrong_heavy_ball_momentum(monkeypatch):
    right = opt.heavy_ball_optimum

    def unsquared(mu, L):  # beta* without its square
        eta_, beta_ = right(mu, L)
        return eta_, sp.sqrt(beta_)

    monkeypatch.setattr(opt, "heavy_ball_optimum", unsquared)
    assert {"a.hb_edges", "a.hb_rate.1", "a.hb_measured"} <= failed()


def test_wrong_heavy_ball_rate(monkeypatch):
    monkeypatch.setattr(opt, "heavy_ball_rate", lambda k: 1 - 1 / sp.sqrt(k))
    assert {"a.hb_rate.2", "a.hb_measured"} <= failed()


def test_wrong_nesterov_rate(monkeypatch):
    monkeypatch.setattr(opt, "nesterov_rate", lambda k: 1 - 2 / sp.sqrt(k))
    assert {"b.rate.1", "b.nag_measured", "b.gap.1"} <= failed()


def test_wrong_nesterov_momentum(monkeypatch):
    monkeypatch.setattr(opt, "nesterov_beta", lambda k: (sp.sqrt(k) - 1) / sp.sqrt(k))
    assert {"b.double_root", "b.nag_measured"} <= failed()


def test_unsquared_heavy_ball_momentum_is_not_at_the_bottom_of_the_radius(monkeypatch):
    right = opt.heavy_ball_optimum
    monkeypatch.setattr(opt, "heavy_ball_optimum", lambda mu, L: (right(mu, L)[0], sp.sqrt(right(mu, L)[1])))
    assert "a.hb_tuned" in failed()


def test_nesterov_momentum_off_tune_is_not_at_the_bottom_of_the_radius(monkeypatch):
    monkeypatch.setattr(opt, "nesterov_beta", lambda k: (sp.sqrt(k) - 1) / sp.sqrt(k))
    assert "b.beta_tuned" in failed()


def test_wrong_spectral_radius_fails_heavy_ball_at_nesterovs_setting(monkeypatch):
    right = opt._spectral_radius
    monkeypatch.setattr(opt, "_spectral_radius", lambda poly, values: 0.9 * right(poly, values))
    assert {"b.hb_measured", "b.measured"} <= failed()


def test_uncorrected_adam_step_without_the_root_fails_its_extreme(monkeypatch):
    right = opt.adam_step

    def no_root(eta_, g_, t_, beta1_, beta2_, eps_, corrected):  # sqrt(1 - beta2^t) taken as 1 - beta2^t
        if corrected:
            return right(eta_, g_, t_, beta1_, beta2_, eps_, corrected)
        return eta_ * (1 - beta1_**t_) * g_ / (g_ * (1 - beta2_**t_) + eps_)

    monkeypatch.setattr(opt, "adam_step", no_root)
    assert {"e.extreme_measured", "e.steps_measured"} <= failed()


CONVENTIONS = {"classical": {}, "pytorch": {"momentum": "pytorch", "dampening": 0.5},
               "ema": {"momentum": "ema", "nesterov": "pytorch"}}
GAINS = {"classical": 1 / (1 - opt.beta), "pytorch": (1 - opt.damp) / (1 - opt.beta), "ema": sp.Integer(1)}


@pytest.mark.parametrize("conv", opt.MOMENTUM)
def test_each_convention_closed_form_and_gain_hold(conv):
    assert opt._convention_holds(conv).passed
    assert sp.simplify(opt.momentum_gain(conv) - GAINS[conv]) == 0
    assert all(opt._equivalent(conv, form).passed and opt._forms_agree(conv).passed
               for form in (None, "lookahead", "pytorch"))


@pytest.mark.parametrize("conv", CONVENTIONS)
def test_each_convention_solves(conv):
    sol = solve_topic(opt, {**FAST, **CONVENTIONS[conv]})
    assert {cid for cid, _, v in sol.claims() if not v.passed} == set()
    assert sol.params.momentum == conv
    gain = GAINS[conv].subs({opt.beta: sp.Rational(9, 10), opt.damp: sp.Rational(1, 2)})
    assert sol.results["momentum gain"].value == gain  # 10, 5, 1


@pytest.mark.parametrize("conv, wrong", [
    ("classical", sp.Integer(1)),  # the moving average's gain
    ("pytorch", 1 / (1 - opt.beta)),  # dampening forgotten
    ("ema", 1 / (1 - opt.beta)),  # the classical gain claimed for the moving average
])
def test_wrong_gain_per_convention(monkeypatch, conv, wrong):
    right = opt.momentum_gain
    monkeypatch.setattr(opt, "momentum_gain", lambda c: wrong if c == conv else right(c))
    assert {"a.gain", "a.conventions", "a.gain_measured"} <= failed(CONVENTIONS[conv])


@pytest.mark.parametrize("conv", opt.MOMENTUM)
def test_closed_velocity_without_transient_per_convention(monkeypatch, conv):
    right = opt.momentum_velocity
    monkeypatch.setattr(opt, "momentum_velocity",
                        lambda c, t_: right(c, sp.oo).subs(opt.beta**sp.oo, 0) if c == conv else right(c, t_))
    assert {"a.ramp.1", "a.conventions", "a.ramp_measured"} <= failed(CONVENTIONS[conv])


def test_wrong_scale_breaks_the_equivalence(monkeypatch):
    right = opt.momentum_scale
    monkeypatch.setattr(opt, "momentum_scale", lambda c: sp.Integer(1) if c == "ema" else right(c))
    assert {"a.rule.1", "a.equivalent", "a.equivalent_measured", "b.rule.1"} <= failed({"momentum": "ema"})


def test_unknown_convention_exits_2_in_one_line():
    for arg in ("momentum=nag", "nesterov=bengio"):
        r = invoke("theory.optimizers", "--param", arg)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "must be one of" in r.stderr, r.stderr


def test_adagrad_rate_wrong_power(monkeypatch):
    monkeypatch.setattr(opt, "adagrad_rate", lambda eta, g, t, eps: eta / (g * t + eps))
    assert {"c.rate.1", "c.rate_measured", "c.slope"} <= failed()


def test_adagrad_distance_off_by_two(monkeypatch):
    right = opt.adagrad_distance_bounds

    def half(eta, T):
        lo, hi = right(eta, T)
        return lo / 2, hi / 2

    monkeypatch.setattr(opt, "adagrad_distance_bounds", half)
    assert "c.distance" in failed()


def test_rmsprop_rate_without_root(monkeypatch):
    monkeypatch.setattr(opt, "rmsprop_rate",
                        lambda eta, g, t, rho, eps: eta / (g * (1 - rho**t) + eps))
    assert {"d.rate.1", "d.rate_measured"} <= failed()


def test_rmsprop_wrong_limit(monkeypatch):
    monkeypatch.setattr(opt, "rmsprop_rate",
                        lambda eta, g, t, rho, eps: eta / (g * sp.sqrt(1 - rho**t) + eps) / 2)
    assert {"d.limit", "d.limit_measured", "d.rate_measured"} <= failed()


def test_rmsprop_gap_no_longer_bounds_the_excess(monkeypatch):
    # epsilon subtracted: a positive epsilon now raises the relative excess above its value at epsilon = 0
    monkeypatch.setattr(opt, "rmsprop_rate",
                        lambda eta, g, t, rho, eps: eta / (g * sp.sqrt(1 - rho**t) - eps))
    assert {"d.limit", "d.gap"} <= failed()


def test_adam_factor_without_root(monkeypatch):
    right = opt.adam_step

    def wrong(eta, g, t, b1, b2, eps, corrected):
        if corrected:
            return right(eta, g, t, b1, b2, eps, True)
        return eta * (1 - b1**t) * g / (g * (1 - b2**t) + eps)

    monkeypatch.setattr(opt, "adam_step", wrong)
    assert {"e.first.2", "e.first_measured", "e.steps_measured"} <= failed()


def test_adam_correction_off(monkeypatch):
    right = opt.adam_step
    monkeypatch.setattr(opt, "adam_step", lambda eta, g, t, b1, b2, eps, corrected:
                        right(eta, g, t, b1, b2, eps, False))
    assert {"e.first_corrected.1", "e.steps_measured"} <= failed()


@pytest.mark.parametrize("bad", [
    {"kappa": 1.0}, {"beta": 1.0}, {"beta": 0.0}, {"rho": -0.1}, {"beta2": 1.0},
    {"eta_adam": 0.0}, {"x0": (0.0, 1.0)}, {"x0": (1.0,)}, {"x0": ((), ())}, {"rosen_start": ((1,), 1.0)},
    {"ramp_slopes": ()},
    {"ramp_slopes": (1.0, -2.0)}, {"rosen_start": (1.0, 1.0)}, {"tol": 1.0}, {"eps": 0.0},
    {"eta_adam": 1e308}, {"L": 1e308}, {"L": 5e-324}, {"x0": (1e-300, 1.0)}, {"ramp_slopes": (1e6,)},
    {"rosen_b": 1000.0}, {"eta_rosen": 2e-3}, {"rosen_steps": 100000}, {"eta_rmsprop": 0.1},
    {"kappa": 1e6}, {"kappa": 1e5, "steps": 1000}, {"tol": 1e-300},
    {"momentum": "nag"}, {"nesterov": "sutskever"}, {"dampening": 0.5}, {"momentum": "pytorch", "dampening": 0.95},
    {"momentum": "pytorch", "dampening": 0.5, "nesterov": "pytorch"}, {"dampening": -0.1},
])
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(opt, bad)


def test_limit_at_infinity_of_several_powers():
    k = sp.Symbol("k", positive=True)
    b1, b2, a = sp.symbols("b1 b2 a", positive=True)
    expr = (1 - b1**k) * a / (1 - b2**k) + b1 ** (k + 1)
    assert sp.simplify(opt.limit_at_infinity(expr, b1, b2, var=k) - a) == 0
    assert opt.limit_at_infinity(a * (1 - opt.rho**opt.t), opt.rho) == a
    assert opt.limit_at_infinity(a * opt.rho**opt.t, opt.rho) == 0


def test_budget_messages_name_the_limit():
    with pytest.raises(BadInput, match="eta_rosen \\* rosen_b"):
        solve_topic(opt, {"eta_rosen": 2e-3, "rosen_b": 100.0})
    with pytest.raises(BadInput, match="too few for heavy ball"):
        solve_topic(opt, {"kappa": 1e5, "rate_steps": 4000, "steps": 1000})
    with pytest.raises(BadInput, match="too few to measure rates"):
        solve_topic(opt, {"kappa": 1e5, "steps": 5000})


@pytest.mark.parametrize("overrides", [
    {"kappa": 2.0, "tol": 1e-2, "L": 49.0},  # 1 - (1/49) 49 rounds to 1e-16: Nesterov's zero radius
    {"kappa": 1e4, "steps": 2000, "rate_steps": 1000, "tol": 1e-2, "x0": (1e-3, 1e3)},
    {"rosen_b": 150.0, "rosen_start": (-1.1, 1.1), "eta_rosen": 0.05 / 150, "beta": 0.8, "eta_rmsprop": 0.005,
     "rho": 0.99},
    {"rosen_b": 50.0, "rosen_start": (-1.3, 0.9), "eta_rosen": 0.12 / 50, "beta": 0.95, "eta_rmsprop": 0.02,
     "rho": 0.8, "rosen_steps": 3000},
    {"momentum": "ema", "kappa": 1e4, "steps": 2000, "rate_steps": 1000, "tol": 1e-2, "x0": (1e-3, 1e3)},
    {"momentum": "ema", "nesterov": "pytorch", "kappa": 2.0, "tol": 1e-2, "L": 49.0},
    {"momentum": "pytorch", "dampening": 0.9},
])
def test_edges_hold(overrides):
    assert failed(overrides) == set()


def test_tex_numbers_without_an_exponent():
    assert opt._tex_num(0.000987) == "0.000987"
    assert opt._tex_num(2.5e-5) == r"2.5\times 10^{-5}"


# ---- answers and their named misconceptions --------------------------------------------------

CHECKED = ("momentum gain", "eta* GD", "rate GD", "rate heavy ball", "rate Nesterov", "AdaGrad effective rate",
           "AdaGrad log-log slope", "RMSProp effective rate", "RMSProp rate limit", "Adam step",
           "Adam uncorrected step", "Adam uncorrected first-step factor")


def _judged(sol) -> None:
    """Every misconception rejected by its witness; grading names each one and accepts the right values."""
    assert not unrejected(sol)
    assert not misgraded(sol, typed_numbers, CHECKED)


def test_every_misconception_is_rejected_and_named_by_grading():
    sol = solved("optimizers")
    assert {a for a in CHECKED if sol.results[a].check is not None} == set(CHECKED)
    assert {"moving-average-gain", "mean-not-sum", "bias-free", "factor-of-m-only"} <= {
        m.id for m in sol.misconceptions}
    _judged(sol)


def test_the_right_value_is_no_misconception():
    assert not right_values_rejected(solved("optimizers"), CHECKED)


@pytest.mark.parametrize("conv, ids", [
    ("pytorch", {"dampening-ignored", "moving-average-gain", "series-from-beta", "first-step-as-gain"}),
    ("ema", {"classical-gain", "first-step-as-gain"}),
])
def test_the_gain_of_another_convention_is_named(conv, ids):
    sol = solve_topic(opt, {**FAST, **CONVENTIONS[conv]})
    assert {m.id for m in sol.misconceptions if m.answer == "momentum gain"} == ids
    _judged(sol)


@pytest.mark.parametrize("overrides", [
    {"beta1": 0.0, "beta2": 0.0},  # no bias at all: the uncorrected step is the corrected one
    {"beta1": 0.9, "beta2": 0.99},  # (1 - beta1) = sqrt(1 - beta2): the first-step factor is 1
    {"beta": 0.95, "ramp_steps": 50, "kappa": 1e4, "steps": 2000, "rate_steps": 1000, "tol": 1e-2},
])
def test_misconceptions_only_where_they_differ(overrides):
    sol = solve_topic(opt, {**FAST, **overrides})
    assert {cid for cid, _, v in sol.claims() if not v.passed} == set()
    _judged(sol)


@pytest.mark.parametrize("conv", CONVENTIONS)
def test_tuned_settings_are_judged_by_the_simulators_step(conv):
    """Polyak's (eta*, beta*) and Nesterov's beta_N are checked answers: 0.2% off either way, they contract
    slower than the simulator's step map at the derived setting (in every convention)."""
    sol = solve_topic(opt, {**FAST, **CONVENTIONS[conv]})
    for name, claim in (("eta* heavy ball", "a.hb_tuned"), ("beta* heavy ball", "a.hb_tuned"),
                        ("beta Nesterov", "b.beta_tuned")):
        answer = sol.results[name]
        assert answer.verdict.passed and answer.claims == (claim,)
        off = (sp.Rational(998, 1000), sp.Rational(1002, 1000))
        assert all(sol.rejects(name, answer.value * f).passed for f in off)


def test_failed_tuning_is_caught(monkeypatch):
    monkeypatch.setattr(opt, "heavy_ball_optimum", lambda mu, L: (4 / (sp.sqrt(L) + sp.sqrt(mu)) ** 2,
                                                                  ((sp.sqrt(L) - sp.sqrt(mu)) / sp.sqrt(L)) ** 2))
    assert "a.hb_tuned" in failed()
