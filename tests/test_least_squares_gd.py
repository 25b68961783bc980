"""Wrong answers to the least-squares gradient-descent problem (comp433-a2 Q4) are rejected."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from tests.conftest import failed_claims, right_values_rejected, solved
from theory import least_squares_gd as ls
from theory.core.errors import BadInput


def test_gradient_without_one_over_n_is_rejected(monkeypatch):
    monkeypatch.setattr(ls, "gradient", lambda X, w, y, n: X.T @ (X @ w - y))
    failed = failed_claims(ls)
    assert {"b.grad.1", "b.entries", "b.fd", "b.hessian", "c.w1.1", "d.affine",
            "d.explicit", "answer:gradient"} <= failed


def test_loss_without_one_half_is_rejected(monkeypatch):
    rng = np.random.default_rng(0)
    X, y, w = rng.standard_normal((5, 3)), rng.standard_normal((5, 1)), rng.standard_normal((3, 1))
    assert np.isclose(ls.loss(X, w, y, 5)[0, 0], np.sum((X @ w - y) ** 2) / 10)
    monkeypatch.setattr(ls, "loss", lambda X, w, y, n: (X @ w - y).T @ (X @ w - y) / n)
    # every part differentiates this one loss; the loop's iterates are NumPy's own
    assert {"b.grad.1", "c.w1.1", "c.w2.1", "c.loop", "answer:w1"} <= failed_claims(ls)


def test_gradient_with_wrong_sign_is_rejected(monkeypatch):
    monkeypatch.setattr(ls, "gradient", lambda X, w, y, n: X.T @ (y - X @ w) / n)
    failed = failed_claims(ls)
    assert {"b.grad.1", "b.entries", "b.fd", "c.w1.1", "c.compact", "d.explicit", "answer:gradient"} <= failed


@pytest.mark.parametrize("wrong", [
    lambda t, k: (t ** (k + 1), sp.Sum(t**ls.j_, (ls.j_, 0, k - 1))),   # A^(k+1) w0
    lambda t, k: (t**k, sp.Sum(t**ls.j_, (ls.j_, 0, k))),               # sum up to j = k
])
def test_wrong_power_in_closed_form_is_rejected(monkeypatch, wrong):
    monkeypatch.setattr(ls, "closed_form_poly", wrong)
    failed = failed_claims(ls)
    # the inductive step holds for any shifted form; the base case rejects it
    assert {"d.base", "d.explicit", "d.iteration", "e.runs", "d.closed.1", "display:d.closed.0"} <= failed
    assert "d.induction.1" not in failed


def test_kth_iterate_off_by_one_step_is_rejected(monkeypatch):
    right = ls.kth_iterate
    monkeypatch.setattr(ls, "kth_iterate", lambda X, y, w0, alpha, n, k: right(X, y, w0, alpha, n, k + 1))
    assert {"d.loop", "answer:wk"} <= failed_claims(ls)


def test_iterates_in_other_terms_are_rejected():
    sol = solved("least_squares_gd")
    assert not right_values_rejected(sol, ["w1", "w2", "wk"])
    X, w0, y, a, n = ls.Xm, ls.w0m, ls.ym, ls.alpha_, ls.N_
    w1 = ls.gd_step(w0, X, y, a, n)
    slips = {"w1": [w0 - a * X.T @ (X @ w0 - y),  # the gradient without its 1/N
                    w0 + a / n * X.T @ (X @ w0 - y)],  # a step up the gradient
             "w2": [w1,  # one step taken for two
                    ls.gd_step(w0, X, y, 2 * a, n)],  # two steps as one of twice the size
             "wk": [ls.kth_iterate(X, y, w0, a, n, ls.k_ + 1),
                    ls.kth_iterate(X, y, w0, a, n, 1)]}  # no k at all: right at k = 1 only
    for name, values in slips.items():
        for v in values:
            assert sol.rejects(name, v).passed, (name, v)
    assert sol.rejects("w1", w1.subs(ls.alpha_, ls.lam_)).passed  # a symbol the question does not give


def test_wrong_stability_limit_minimiser_and_gd_limit_are_rejected(monkeypatch):
    # three independent slips at once (disjoint sets of claims), to keep the suite fast
    monkeypatch.setattr(ls, "stable_limit", lambda lam, n: n / lam)
    monkeypatch.setattr(ls, "minimiser", lambda X, y: (X.T @ X).inv() @ X.T @ y * 2
                        if not isinstance(X, np.ndarray) else 2 * np.linalg.solve(X.T @ X, X.T @ y))
    monkeypatch.setattr(ls, "gd_limit", lambda X, y, w0: np.linalg.pinv(X) @ y)  # forgets w0
    failed = failed_claims(ls)
    assert {"d.stability", "d.rate-outside"} <= failed
    assert {"b.normal", "b.lstsq", "d.c-identity", "d.iteration"} <= failed
    assert {"b.gd-limit", "b.closest"} <= failed


def test_eigenvalues_of_the_hessian_for_those_of_xtx_fail_lam_max(monkeypatch):
    real = ls._data

    def over_n(p, ctx):  # lambda_max of (1/N) X^T X taken for that of X^T X
        data = real(p, ctx)
        return {**data, "lam": data["lam"] / p.N}

    monkeypatch.setattr(ls, "_data", over_n)
    assert "d.lam-max" in failed_claims(ls)


def test_other_sizes_hold():
    assert not failed_claims(ls, {"N": "7", "D": "3", "rank": "1", "alpha_frac": "0.9",
                                  "k": "12", "noise": "0"})


def test_more_than_100_iterations():
    # from 101 terms on Sum.doit() gives the geometric Piecewise, which is no polynomial
    assert ls._written_out(sp.Sum(ls.t_**ls.j_, (ls.j_, 0, 149))) == sum(ls.t_**j for j in range(150))
    assert ls._written_out(sp.Sum(ls.t_**ls.j_, (ls.j_, 0, -1))) == 0
    assert not failed_claims(ls, {"N": "7", "D": "3", "rank": "1", "k": "150"})


def test_long_runs_check_the_closed_form_at_spread_iterations():
    assert ls._checked_ks(30) == list(range(31))
    ks = ls._checked_ks(300)
    assert ks[0] == 0 and ks[-1] == 300 and len(ks) == 61


@pytest.mark.parametrize("bad", [{"rank": "4"}, {"alpha_frac": "1"}, {"N": "1"}, {"k": "0"},
                                 {"edge": "0"}, {"N": "7"}, {"noise": "1e308"}, {"rank": "10**40"},
                                 {"alpha_frac": "0.01"}, {"k": "2**63"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(ls, bad)


ANSWERS = ("stability limit",)


def test_every_answer_has_a_misconception_and_its_right_value_is_none():
    sol = solved("least_squares_gd")
    assert {m.answer for m in sol.misconceptions} == set(ANSWERS)
    assert not right_values_rejected(sol, ANSWERS)
