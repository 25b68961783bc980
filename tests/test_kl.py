"""Wrong answers to the KL problem are rejected; KL's properties hold on random inputs."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import entropy

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved, unrejected
from theory import kl as topic
from theory.core import grade
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

FAST = {"pairs": "10", "max_k": "5", "grid": "2001"}
ORIGINAL_KL = topic.kl


def test_log_base_two_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "kl", lambda p, q, base="e": ORIGINAL_KL(p, q, base) / math.log(2))
    failed = failed_claims(topic, FAST)
    assert {"b.i.neg.1", "b.i.scipy", "b.ii.split.1", "b.iii.pq.1", "b.iii.scipy"} <= failed


def test_nats_are_rejected_when_base_two_is_in_force(monkeypatch):
    monkeypatch.setattr(topic, "kl", lambda p, q, base="e": ORIGINAL_KL(p, q))
    failed = failed_claims(topic, {**FAST, "log_base": "2"})
    assert {"b.i.neg.1", "b.i.scipy", "b.ii.split.1", "b.iii.pq.1", "b.iii.qp.1"} <= failed


@pytest.mark.parametrize("base", ["2", "10"])
def test_another_base_divides_every_kl_by_its_log_and_holds(base):
    natural, other = (solve_topic(topic, {**FAST, "log_base": b}) for b in ("e", base))
    assert not {cid for cid, _, v in other.claims() if not v.passed}
    for name in ("KL(p, q)", "KL(q, p)", "KL(p, q) - KL(q, p)"):
        a, b = (sp.sympify(s.answers[name]["exact"]) for s in (natural, other))
        assert sp.simplify(b * sp.log(int(base)) - a) == 0
        assert other.answers[name]["value"] == pytest.approx(natural.answers[name]["value"] / math.log(int(base)),
                                                             rel=1e-14)
    assert other.answers["argmax of ln x - (x - 1)"] == natural.answers["argmax of ln x - (x - 1)"]


def test_swapped_arguments_are_rejected(monkeypatch):
    monkeypatch.setattr(topic, "kl", lambda p, q, base="e": ORIGINAL_KL(q, p, base))
    failed = failed_claims(topic, FAST)
    assert {"b.i.neg.1", "b.i.scipy", "b.iii.pq.1", "b.iii.qp.1", "b.iii.scipy"} <= failed


def test_wrong_sign_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "kl", lambda p, q, base="e": -ORIGINAL_KL(p, q, base))
    failed = failed_claims(topic, FAST)
    assert {"b.i.neg.1", "b.i.scipy", "b.i.random", "b.ii.split.1"} <= failed


def test_dropped_last_term_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "kl", lambda p, q, base="e": ORIGINAL_KL(list(p)[:-1], list(q)[:-1], base))
    failed = failed_claims(topic, FAST)
    assert {"b.i.neg.1", "b.i.scipy", "b.iii.pq.1"} <= failed


def test_wrong_sign_in_slope_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "gap_slope", lambda x: 1 / x + 1)
    failed = failed_claims(topic, FAST)
    assert {"a.slope.1", "a.critical", "a.monotone", "a.maximum", "a.grid",
            "b.ii.only-if"} <= failed


def test_slope_with_wrong_root_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "gap_slope", lambda x: 2 / x - 1)  # root at 2, not 1
    failed = failed_claims(topic, FAST)
    assert {"a.slope.1", "a.critical", "a.maximum", "a.grid"} <= failed


def test_wrong_curvature_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "gap_curvature", lambda x: 1 / x**2)
    assert {"a.curvature.1", "a.concave"} <= failed_claims(topic, FAST)


def test_symmetric_pair_is_not_a_counterexample():
    # p and q mirror each other: KL(p, q) = KL(q, p), so (iii) must fail honestly
    failed = failed_claims(topic, {**FAST, "p": "(0.25, 0.75)", "q": "(0.75, 0.25)"})
    assert failed == {"b.iii.differ"}


@pytest.mark.parametrize("base", ["e", "10"])
def test_fractions_and_other_sizes_hold(base):
    assert not failed_claims(topic, {**FAST, "p": "('1/3', '1/6', '1/2')", "q": "(0.2, 0.3, 0.5)", "log_base": base})


@pytest.mark.parametrize("bad, words", [
    ({"p": "(0.0, 1.0)"}, "is 0"),
    ({"q": "(-0.25, 1.25)"}, "negative"),
    ({"p": "(0.5, 0.6)"}, "sum to"),
    ({"q": "(0.5, 0.25, 0.25)"}, "different lengths"),
    ({"p": "('half', 0.5)"}, "not a number"),
    ({"p": "()"}, "non-empty"),
    ({"grid": "2"}, "out of range"),
    ({"p": "(1e-300, 1.0)"}, "digits"),
    ({"p": ("1/" + "9" * 30, "1")}, "digits"),
    ({"p": "('1/1000000000039', '1000000000038/1000000000039')"}, "digits"),
    ({"p": "('1/999999999989', '1/999999999959', 0.999999999998)", "q": "(0.2, 0.3, 0.5)"}, "approximately"),
    ({"p": str(tuple([1 / 17] * 17)), "q": str(tuple([1 / 17] * 17))}, "outcomes"),
    ({"pairs": "10000", "max_k": "100"}, "limit"),
    ({"grid_decades": "1e-9"}, "out of range"),
    ({"log_base": "3"}, "e, 2 or 10"),
])
def test_bad_parameters(bad, words):
    with pytest.raises(BadInput, match=words):
        solve_topic(topic, bad)


def test_long_decimals_give_the_exact_difference_without_writing_out_r():
    """0.123456789 has a nine-digit denominator: R = prod p^e has about 10^10 digits and is kept as prime powers."""
    sol = solve_topic(topic, {**FAST, "p": "(0.123456789, 0.876543211)"})
    assert not {cid for cid, _, v in sol.claims() if not v.passed}
    assert "R (2^" in dict((cid, v.detail) for cid, _, v in sol.claims())["b.iii.differ"]


def test_decimals_are_read_as_written_and_fractions_floats_as_fractions():
    assert topic._entries((0.05738064631, 0.94261935369)) == [Fraction(5738064631, 10**11),
                                                              Fraction(94261935369, 10**11)]
    assert topic._entries((1 / 3, 2 / 3)) == [Fraction(1, 3), Fraction(2, 3)]


ANSWERS = ("KL(p, q)", "KL(q, p)", "KL(p, q) - KL(q, p)", "argmax of ln x - (x - 1)")


def test_the_named_misconceptions_are_declared():
    assert {"swapped-arguments", "wrong-sign", "log-base-2", "symmetric", "max-value-as-argmax"} <= {
        m.id for m in solved("kl").misconceptions}


def test_grading_accepts_the_answers_and_names_each_misconception():
    sol = solved("kl")
    assert not misgraded(sol, sp.sstr, ANSWERS)
    assert grade.grade(grade.gradeable(sol)["KL(p, q)"], "0.5*log(4/3)", sol.misconceptions).verdict == "correct"


def test_the_right_value_is_no_misconception():
    assert not right_values_rejected(solved("kl"), ANSWERS)


def test_nats_are_a_named_mistake_when_base_two_is_in_force():
    sol = solve_topic(topic, {**FAST, "log_base": "2"})
    assert sol.passed
    j = grade.grade(grade.gradeable(sol)["KL(p, q)"], "log(2) - log(3)/2", sol.misconceptions)
    assert j.verdict == "incorrect" and j.misconception.id == "natural-log"
    assert {"reverse-natural-log", "difference-natural-log"} <= {m.id for m in sol.misconceptions}


def test_a_symmetric_pair_declares_no_asymmetry_mistakes():
    sol = solve_topic(topic, {**FAST, "p": "(0.25, 0.75)", "q": "(0.75, 0.25)"})
    ids = {m.id for m in sol.misconceptions}
    assert not {"swapped-arguments", "reverse-swapped-arguments", "symmetric", "reversed-difference"} & ids
    assert {"wrong-sign", "log-base-2", "max-value-as-argmax"} <= ids
    assert not unrejected(sol)


# --- properties on random inputs -------------------------------------------------------------

PROP = settings(max_examples=200, deadline=None)


@st.composite
def distributions(draw, k=None):
    k = k if k is not None else draw(st.integers(1, 50))
    w = np.array(draw(st.lists(st.floats(1e-3, 1.0), min_size=k, max_size=k)))
    return w / w.sum()


@st.composite
def pairs(draw):
    k = draw(st.integers(1, 50))
    return draw(distributions(k)), draw(distributions(k))


@PROP
@given(pairs())
def test_kl_is_non_negative_and_matches_scipy(pq):
    p, q = pq
    ours = float(topic.kl(p, q))
    ref = float(entropy(p, q))
    assert ours >= -1e-12
    assert abs(ours - ref) <= 1e-12 + 1e-9 * abs(ref)
    bits, ref_bits = float(topic.kl(p, q, "2")), float(entropy(p, q, base=2))
    assert abs(bits - ref_bits) <= 1e-12 + 1e-9 * abs(ref_bits)


@settings(max_examples=100, deadline=None)
@given(distributions())
def test_kl_of_a_distribution_with_itself_is_zero(p):
    assert float(topic.kl(p, p)) == 0.0


@PROP
@given(st.floats(1e-12, 1e12))
def test_log_below_its_tangent(x):
    assert math.log(x) <= (x - 1) + 4e-16 * max(1.0, abs(x - 1))
    if abs(x - 1) > 1e-6:
        assert math.log(x) < x - 1


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=1, max_size=4), st.data())
def test_exact_kl_of_fractions(weights, data):
    other = data.draw(st.lists(st.integers(1, 20), min_size=len(weights), max_size=len(weights)))
    p = [sp.Rational(w, sum(weights)) for w in weights]
    q = [sp.Rational(w, sum(other)) for w in other]
    exact = topic.kl(p, q)
    assert float(exact) >= -1e-15
    assert abs(float(exact) - float(entropy([float(v) for v in p], [float(v) for v in q]))) < 1e-12
    params = topic.Params(p=tuple(f"{v.p}/{v.q}" for v in p), q=tuple(float(v) for v in q))
    assert len(params.p) == len(params.q)
