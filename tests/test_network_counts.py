"""Wrong counts for the two-layer classifier (comp433-a2 Q1-2) are rejected."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved, unrejected
from theory import network_counts as nc
from theory.core import grade
from theory.core.errors import BadInput

FAST = {"trials": "2", "samples": "20000"}  # keeps every test well under a second


def test_forgotten_biases_are_rejected(monkeypatch):
    monkeypatch.setattr(nc, "param_count", lambda d, m, k: d * m + m * k)
    failed = failed_claims(nc, FAST)
    assert {"1a.P.1", "1a.symbolic-net", "1a.random", "1b.fd.1", "1b.counted-fd"} <= failed


def test_one_forward_pass_per_parameter_is_rejected(monkeypatch):
    monkeypatch.setattr(nc, "fd_ops", lambda n, d, m, k, a, c: sp.expand(
        nc.param_count(d, m, k) * (nc.forward_ops(n, d, m, k, a, c) + 4)))
    failed = failed_claims(nc, FAST)
    assert {"1b.fd.1", "1b.order", "1b.counted-fd", "1b.fd-vs-bp"} <= failed


def test_forward_count_without_bias_additions_is_rejected(monkeypatch):
    monkeypatch.setattr(nc, "forward_ops", lambda n, d, m, k, a, c:
                        n * ((2 * d - 1) * m + (2 * m - 1) * k + a * (m + k) + c + 1))
    failed = failed_claims(nc, FAST)
    assert {"1b.forward.1", "1b.counted-forward", "1b.counted-bp"} <= failed


def test_backward_count_off_is_rejected(monkeypatch):
    right = nc.backward_ops
    monkeypatch.setattr(nc, "backward_ops",
                        lambda n, d, m, k, a, c: right(n, d, m, k, a, c) + n * m * k)
    failed = failed_claims(nc, FAST)
    assert {"1b.backward.1", "1b.counted-bp", "1b.bp-ratio"} <= failed


@pytest.mark.parametrize("rounding", [sp.floor, lambda r: sp.Integer(round(float(r)))])
def test_wrong_rounding_of_batches_is_rejected(monkeypatch, rounding):
    def wrong(n, epochs, batch, drop_last=False):
        per = sp.Rational(n, batch) if isinstance(n, int) and isinstance(batch, int) else n / batch
        return epochs * (sp.ceiling(per) if drop_last else rounding(per))

    monkeypatch.setattr(nc, "updates_per_parameter", wrong)
    failed = failed_claims(nc, {"trials": "1"})
    assert {"2.minibatch.1", "2.simulated", "2.ceil-floor"} <= failed


def test_matrix_form_without_hidden_bias_is_rejected(monkeypatch):
    def wrong(X, W1, b1, W2, b2, act, relu):
        ones = np.ones((X.shape[0], 1)) if isinstance(X, np.ndarray) else sp.ones(X.shape[0], 1)
        return (H := act(X @ W1)), relu(H @ W2 + ones @ b2.T)

    monkeypatch.setattr(nc, "forward_matrix", wrong)
    failed = failed_claims(nc, FAST)
    assert {"1c.entrywise", "1c.loop", "1a.symbolic-net"} <= failed


def test_other_settings_hold():
    assert not failed_claims(nc, {"g": "sigmoid", "act_cost": "3", "loss_cost": "2", "trials": "2",
                                  "samples": "1280", "batch": "128", "epochs": "2"})


@pytest.mark.parametrize("bad", [{"g": "relu"}, {"batch": "0"}, {"max_size": "9"},
                                 {"act_cost": "-1"}, {"samples": "0"}, {"act_cost": "1e308"},
                                 {"D": "10**40"}, {"batch": "2**63"},
                                 {"samples": "10000000", "epochs": "11"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(nc, bad)


# --- named misconceptions: each is rejected by its answer's witness and recognised by grading ---

def test_the_named_misconceptions_are_declared():
    assert {"forgotten-biases", "softmax-as-layer", "bias-additions-forgotten", "one-pass-per-parameter",
            "passes-shared", "backward-only", "floor-batches", "no-rounding", "last-batch-dropped",
            "epochs-forgotten", "sgd-epochs-forgotten", "full-batch-per-sample"} <= {
        m.id for m in solved("network_counts").misconceptions}


def test_grading_names_each_misconception_and_accepts_the_answer():
    sol = solved("network_counts")
    assert not misgraded(sol, sp.sstr, {m.answer for m in sol.misconceptions})


@pytest.mark.parametrize("name", ["parameters", "forward ops", "finite-difference ops",
                                  "backprop ops", "updates: mini-batch 128", "updates formula"])
def test_the_right_value_is_no_misconception(name):
    assert not right_values_rejected(solved("network_counts"), [name])


def test_counts_are_exact_where_rounding_would_hide_a_batch():
    """39060 is within 1e-3 of 39065: counts are graded exactly."""
    sol = solved("network_counts")
    answer = grade.gradeable(sol)["updates: mini-batch 128"]
    assert grade.grade(answer, 39060, sol.misconceptions).misconception.id == "last-batch-dropped"


def test_misconceptions_vanish_where_harmless():
    from theory.core.cli import solve_topic

    sol = solve_topic(nc, {**FAST, "samples": "1280", "batch": "128", "epochs": "1"})
    ids = {m.id for m in sol.misconceptions}
    assert not ids & {"last-batch-dropped", "epochs-forgotten", "sgd-epochs-forgotten"}
    assert not unrejected(sol)
