"""Wrong answers to cse543-hw1's inline questions are rejected by their checks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved
from theory import inline_questions as iq
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput


def test_selecting_more_hidden_units_is_rejected(monkeypatch):
    effects = {"data": -1, "hidden": -1, "reg": -1}  # "options 1, 2 and 3"
    monkeypatch.setattr(iq, "gap_effect", lambda knob: effects[knob])
    assert {"a.hidden", "b.df-trends"} <= failed_claims(iq)


def test_more_data_widening_the_gap_is_rejected(monkeypatch):
    effects = {"data": +1, "hidden": +1, "reg": -1}
    monkeypatch.setattr(iq, "gap_effect", lambda knob: effects[knob])
    assert {"a.data", "b.df-trends"} <= failed_claims(iq)


def test_optimism_without_factor_two_is_rejected(monkeypatch):
    monkeypatch.setattr(iq, "optimism", lambda sigma2, df, n: sigma2 * df / n)
    assert {"b.optimism.2", "b.mc"} <= failed_claims(iq)


def test_wrong_degrees_of_freedom_are_rejected(monkeypatch):
    monkeypatch.setattr(iq, "ridge_df", lambda sv, pen: sum(s / (s + pen) for s in sv))
    assert {"b.df-svd", "b.mc"} <= failed_claims(iq)


def test_adagrad_decay_like_one_over_t_is_rejected(monkeypatch):
    monkeypatch.setattr(iq, "adagrad_step", lambda lr, g, t, eps: lr * g / (g * t + eps))
    assert {"c.step.1", "c.law", "c.measured", "d.ratio"} <= failed_claims(iq)


def test_adagrad_cache_squared_count_is_rejected(monkeypatch):
    monkeypatch.setattr(iq, "adagrad_cache", lambda g, t: t**2 * g**2)
    assert {"c.cache.1", "c.measured", "e.measured"} <= failed_claims(iq)


def test_distance_without_factor_two_is_rejected(monkeypatch):
    monkeypatch.setattr(iq, "adagrad_distance_bounds",
                        lambda lr, T: (lr * (sp.sqrt(T + 1) - 1),
                                       lr * (sp.sqrt(T) - sp.Rational(1, 2))))
    assert {"c.distance", "c.measured-distance", "f.adagrad"} <= failed_claims(iq)


def test_adagrad_upper_bound_too_low_is_rejected(monkeypatch):
    monkeypatch.setattr(iq, "adagrad_distance_bounds",  # upper integral without the first term's 1
                        lambda lr, T: (2 * lr * (sp.sqrt(T + 1) - 1), 2 * lr * (sp.sqrt(T) - 1)))
    assert {"c.bounds-at-T", "f.adagrad"} <= failed_claims(iq)


def test_adagrad_lower_bound_too_high_is_rejected(monkeypatch):
    monkeypatch.setattr(iq, "adagrad_distance_bounds",  # the integral's lower end s = 1 dropped
                        lambda lr, T: (2 * lr * sp.sqrt(T + 1), lr * (1 + 2 * (sp.sqrt(T) - 1))))
    assert {"c.bounds-at-T", "f.adagrad"} <= failed_claims(iq)


def _adam_variant(monkeypatch, correct_m: bool, correct_v: bool):
    """The simulator's Adam with a bias correction left out; the other methods as they are."""
    run = iq.sim.run

    def wrong(method, grad, w0, steps, *, lr, eps, beta1=0.9, beta2=0.999, **kw):
        if method != "adam":
            return run(method, grad, w0, steps, lr=lr, eps=eps, beta1=beta1, beta2=beta2, **kw)
        w = np.array(w0, dtype=float)
        ws, m, v = [w.copy()], np.zeros_like(w), np.zeros_like(w)
        for t in range(1, steps + 1):
            dw = grad(w, t)
            m, v = beta1 * m + (1 - beta1) * dw, beta2 * v + (1 - beta2) * dw**2
            mt = m / (1 - beta1**t) if correct_m else m
            vt = v / (1 - beta2**t) if correct_v else v
            w = w - lr * mt / (np.sqrt(vt) + eps)
            ws.append(w.copy())
        return np.array(ws)

    monkeypatch.setattr(iq.sim, "run", wrong)


def test_adam_steps_without_first_moment_correction_are_rejected(monkeypatch):
    _adam_variant(monkeypatch, correct_m=False, correct_v=True)  # first steps (1 - beta1^t) eta, too short
    assert {"d.measured", "f.adam", "f.adam-band"} <= failed_claims(iq)


def test_adam_steps_without_second_moment_correction_are_rejected(monkeypatch):
    _adam_variant(monkeypatch, correct_m=True, correct_v=False)  # first steps eta/sqrt(1 - beta2^t), too long
    assert {"d.measured", "f.adam", "f.adam-band", "f.ratio"} <= failed_claims(iq)


def test_adam_without_bias_correction_is_rejected(monkeypatch):
    monkeypatch.setattr(iq, "adam_step", lambda lr, g, t, b1, b2, eps:
                        lr * (1 - b1**t) * g / (g * sp.sqrt(1 - b2**t) + eps))
    assert {"d.step.2", "d.measured", "d.ratio"} <= failed_claims(iq)


def test_moving_average_without_start_bias_is_rejected(monkeypatch):
    monkeypatch.setattr(iq, "ema", lambda value, t, beta: value)  # forgets that m_0 = 0
    assert {"d.m.1", "d.v.1", "d.rmsprop.1", "d.rmsprop"} <= failed_claims(iq)


def test_drop_average_forgetting_the_start_is_rejected(monkeypatch):
    monkeypatch.setattr(iq, "ema_after_drop",
                        lambda before, after, t0, k, beta: before * beta**k + after * (1 - beta**k))
    assert {"e.ema.1", "e.measured"} <= failed_claims(iq)


def test_other_optimizer_settings_hold():
    assert not failed_claims(iq, {"lr": "0.05", "beta1": "0.5", "beta2": "0.99", "eps": "0",
                                  "rho": "0.9", "grads": "(0.5, 3.0)", "drop_factor": "4",
                                  "drop_at": "30", "drop_steps": "500"})


def test_steps_far_below_the_iterates_are_measured_to_their_rounding():
    """After a drop by 10^6 the steps are 10^-8 while the iterates are near 1: their differences are exact
    only to eps |w|, which the comparison allows for."""
    assert "e.measured" not in failed_claims(iq, {"drop_factor": "1e6"})


@pytest.mark.parametrize("bad", [{"beta1": "1"}, {"beta2": "1.0"}, {"beta1": "-0.1"}, {"lr": "0"},
                                 {"lr": "-0.01"}, {"eps": "-1e-8"}, {"rho": "1"},
                                 {"grads": "(0.0,)"}, {"drop_factor": "1"}, {"label_flip": "0.5"},
                                 {"widths": "(10, 20, 190)"}, {"sizes": "(100, 200)"},
                                 {"sizes": "(100.5, 200, 400)"}, {"sizes": "(1e999, 200, 400)"},
                                 {"widths": "('10', 20, 40)"}, {"width": "90"},
                                 {"lr": "0.1"}, {"seeds": "2"}, {"noise": "1e308"}, {"lam": "1e308"},
                                 {"n_test": "10000000"}, {"mc_n": "100", "mc_width": "10"},
                                 {"grads": "(1e-300, 1, 2)"}, {"drop_factor": "1e308"},
                                 {"seeds": "200", "n_train": "1000", "width": "400",
                                  "sizes": "(1000, 2000, 3000)", "widths": "(100, 200, 700)"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(iq, bad)


ANSWERS = ("Q1 options chosen", "AdaGrad step, constant gradient", "Adam step, constant gradient",
           "RMSProp step limit")


def _raw(value):
    """As an answers file gives it: a list of options as a list, a formula as SymPy text."""
    return value if isinstance(value, list) else grade.show(value)


def test_every_answer_has_a_misconception_and_its_right_value_is_none():
    sol = solved("inline_questions")
    assert {m.answer for m in sol.misconceptions} == set(ANSWERS)
    assert not right_values_rejected(sol, ANSWERS)


def test_grading_accepts_the_answers_and_names_each_misconception():
    assert not misgraded(solved("inline_questions"), _raw, ANSWERS)


def test_rmsprop_mistakes_need_a_run_long_enough_to_tell():
    """After 100 steps at rho = 0.999 RMSProp's step is still far from its limit: nothing to reject with."""
    sol = solve_topic(iq, {"rho": "0.999", "steps": "100"})
    assert not {m.id for m in sol.misconceptions} & {"decays-to-zero", "unrooted-cache"}
    assert sol.passed


def test_adam_having_adagrads_issue_is_rejected():
    sol = solved("inline_questions")
    assert not right_values_rejected(sol, ["Adam has the same issue"])
    assert sol.rejects("Adam has the same issue", True).passed
    assert sol.rejects("Adam has the same issue", "no").passed  # words are not a yes/no value


def test_an_adam_that_sums_its_cache_has_the_issue(monkeypatch):
    real = iq.sim.run
    monkeypatch.setattr(iq.sim, "run", lambda method, *a, **kw: real("adagrad" if method == "adam" else method,
                                                                     *a, **kw))
    assert {"d.measured", "answer:Adam has the same issue"} <= failed_claims(iq)
