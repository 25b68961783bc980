"""The engine's checks can fail: proofs refute, Monte-Carlo rejects, parameters are validated."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
import sympy as sp

from theory.core import params, prove
from theory.core.errors import BadInput, UncheckedStep
from theory.core.expectation import Independent, bernoulli, listed
from theory.core.render.plain import plain
from theory.core.solution import Chain, Solution

x, y = sp.symbols("x y", positive=True)


@pytest.fixture(autouse=True)
def _fresh_memory():
    """These tests change how `equal` works (monkeypatch): verdicts remembered from before would hide it."""
    prove.forget()


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
    clock = time.process_time  # the budget is CPU time, so the test measures CPU time too
    class Finaliser:  # Python ignores an exception raised in __del__, as in a gc callback
        def __del__(self):
            end = clock() + 1.0
            while clock() < end:
                pass

    start = clock()
    with pytest.raises(prove._OutOfTime), prove._time_budget(0.1):
        Finaliser()  # the first alarm lands in its __del__ and is lost
        while clock() - start < 2.0:
            pass
    assert clock() - start < 0.5


def test_verdicts_are_remembered_by_structure_and_assumptions():
    prove.equal(x**2, x * x)
    hits = prove._remembered.cache_info().hits
    again = prove.equal(x * x, x**2 + 0)  # the same pair once SymPy has built it
    assert prove._remembered.cache_info().hits == hits + 1 and again.passed
    n, m = sp.Symbol("n", integer=True), sp.Symbol("n")
    assert prove.equal((-1) ** (2 * n), 1).passed  # true for whole n
    assert not prove.equal((-1) ** (2 * m), 1).passed  # same name, other assumptions: refuted, not remembered


def test_a_wrong_constant_is_refuted_by_its_digits_and_a_right_one_is_still_proved(monkeypatch):
    calls = []
    monkeypatch.setattr(sp, "simplify", lambda e, *a, **k: calls.append(e) or sp.Integer(1))  # must not be needed
    wrong = prove.equal(sp.log(8) / sp.log(2), 3 / sp.log(2))
    assert wrong.method == "symbolic" and not wrong.passed and "differ by" in wrong.detail and not calls
    monkeypatch.undo()
    assert prove.equal(sp.log(8) / sp.log(2), 3).passed  # equal constants are left to SymPy, not to digits


def test_a_wrong_identity_is_refuted_before_sympy_expands_it(monkeypatch):
    """Expanding a difference that is not 0 can take seconds (a wrong chain rule of sigmoids): one point first."""
    monkeypatch.setattr(sp, "expand", lambda *a, **k: pytest.fail("expanded a wrong identity"))
    wrong = prove.equal((x + 1) ** 30, x**30 + 1)
    assert wrong.method == "symbolic" and not wrong.passed and "counterexample: at x = 17/10" in wrong.detail


def test_the_quick_look_at_one_point_is_never_a_verdict(monkeypatch):
    """A quick look that wrongly sees a gap must be confirmed to 30 digits before anything is refuted."""
    monkeypatch.setattr(prove, "_far_from_zero", lambda diff: True)
    assert prove.equal((x + 1) ** 2, x**2 + 2 * x + 1, seed=1).passed


def test_large_exact_numbers_agree_to_their_digits_or_fail():
    """Two forms of one number agree to 50 digits; a difference in the 30th digit is caught."""
    e = sp.exp(sp.Rational(1, 3))
    same = prove.to_digits(e / (1 + e), 1 - 1 / (1 + e))
    assert same.passed and same.method == "numeric" and "50 digits" in same.detail
    assert not prove.to_digits(e / (1 + e) + sp.Rational(1, 10**30), 1 - 1 / (1 + e)).passed
    assert not prove.to_digits(sp.nan, 1).passed


def test_inconclusive_falls_back_to_numeric(monkeypatch):
    monkeypatch.setattr(prove, "_symbolic_zero", lambda diff, budget: None)
    v = prove.equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1)
    assert v.method == "numeric" and v.passed and "random points" in v.detail
    assert not prove.equal(sp.sin(x) ** 2, 1).passed


def test_random_points_of_an_integer_symbol_are_whole_numbers(monkeypatch):
    """floor(n/2) + ceil(n/2) = n holds for whole n only: the numeric fallback must not refute it at n = 1.95."""
    monkeypatch.setattr(prove, "_symbolic_zero", lambda diff, budget: None)
    n = sp.Symbol("n", integer=True, positive=True)
    assert prove.equal(sp.floor(n / 2) + sp.ceiling(n / 2), n, seed=3).passed
    assert not prove.equal(n * (n - 1) * (n - 2), 0, seed=3).passed  # zero at 1, 2, 3 only: more are probed


def test_equal_on_explicit_matrices():
    a = sp.Matrix([[(x + y) ** 2, 2 * x], [x * y, 1]])
    same = sp.Matrix([[x**2 + 2 * x * y + y**2, x + x], [y * x, sp.sin(x) ** 2 + sp.cos(x) ** 2]])
    v = prove.equal(a, same)
    assert v.method == "symbolic" and v.passed and "4 entries" in v.detail
    wrong = prove.equal(a, same + sp.Matrix([[0, 0], [y, 0]]))
    assert wrong.method == "symbolic" and not wrong.passed and "(1, 0)" in wrong.detail
    shape = prove.equal(sp.Matrix([[x, y]]), sp.Matrix([x, y]))
    assert not shape.passed and "shapes differ" in shape.detail
    assert not prove.equal(sp.Matrix([[x]]), x).passed


def test_equal_on_matrix_entries_falls_back_entry_by_entry(monkeypatch):
    monkeypatch.setattr(prove, "_symbolic_zero", lambda diff, budget: None if diff.has(sp.sin) else diff == 0)
    v = prove.equal(sp.Matrix([x, sp.sin(x) ** 2 + sp.cos(x) ** 2]), sp.Matrix([x, 1]))
    assert v.method == "numeric" and v.passed and "1 of 2 entries" in v.detail
    assert not prove.equal(sp.Matrix([x, sp.sin(x) ** 2]), sp.Matrix([x, 1])).passed


def test_equal_on_matrix_expressions():
    n = sp.Symbol("n", integer=True, positive=True)
    A, B = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", n, n)
    v = prove.equal(A * (A + B), A**2 + A * B)
    assert v.method == "symbolic" and v.passed and "zero matrix" in v.detail
    assert prove.equal((A * B).T, B.T * A.T).passed
    assert prove.equal(2 * A - A, A).passed
    undecided = prove.equal(A * B, B * A)  # false, but nothing to evaluate for symbolic n
    assert undecided.method == "symbolic" and not undecided.passed and "undecided" in undecided.detail
    shape = prove.equal(A, sp.MatrixSymbol("C", n, 1))
    assert not shape.passed and "shapes differ" in shape.detail
    A2, B2 = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
    assert prove.equal(A2 + B2, B2 + A2).passed
    refuted = prove.equal(A2 * B2, B2 * A2)  # written out entry by entry for a concrete size
    assert refuted.method == "symbolic" and not refuted.passed and "refutes entry" in refuted.detail
    explicit = prove.equal(A2 * B2, (A2 * B2).as_explicit())
    assert explicit.method == "symbolic" and explicit.passed
    assert not prove.equal(A2 * B2, sp.Matrix([[1, 2], [3, 4]])).passed


def test_chain_steps_between_matrices_are_checked():
    n = sp.Symbol("n", integer=True, positive=True)
    A, B = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", n, n)
    c = Chain("m", "M").define("A(A+B)", A * (A + B)).step("A^2 + AB", A**2 + A * B, "expand") \
        .step("A^2 + BA", A**2 + B * A, "wrong")
    assert [s.verdict.passed for s in c.steps[1:]] == [True, False]


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


def test_induction_checks_the_recursion_and_the_start():
    n, prev, b = sp.Symbol("n", integer=True), sp.Symbol("prev"), sp.Symbol("b", positive=True)

    def closed(form, start=0):
        return Chain("c", "s_n").define("b s_{n-1} + 1", b * prev + 1).induction(
            "s_n", form, prev, n, start)

    good = closed((1 - b**n) / (1 - b))
    assert good.steps[1].verdict.passed
    assert good.steps[1].reason == "induction on $n$"
    assert not closed((1 - b ** (n + 1)) / (1 - b)).steps[1].verdict.passed  # wrong at n = 0
    assert not closed((1 - b**n) / (1 - b), start=1).steps[1].verdict.passed
    assert not closed(n * b).steps[1].verdict.passed  # not a solution of the recursion
    with pytest.raises(UncheckedStep):
        Chain("d", "f").induction("x", x, prev, n)
    with pytest.raises(UncheckedStep):
        Chain("e", "f", cases={"a": {}}).define("x", lambda: x).induction("x", x, prev, n)


def test_expectation_algebra():
    r1, r2 = sp.symbols("r1 r2")
    rho = sp.Symbol("rho")
    model = Independent({r1: bernoulli(rho), r2: bernoulli(rho)})
    assert sp.expand(model.E((r1 + r2) ** 2) - (2 * rho + 2 * rho**2)) == 0
    w = sp.Symbol("w")
    assert Independent({w: listed(0, 5)}).E(w**2 + w) == 5


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


def test_exact_decimal_reads_a_parameter_as_written():
    assert params.exact_decimal(0.1) == sp.Rational(1, 10)
    assert params.exact_decimal(0.1) != sp.Rational(0.1)  # not the binary float
    assert params.exact_decimal(-2.5e-8) == sp.Rational(-25, 10**9)
    assert params.exact_decimal(3) == 3 and params.exact_decimal(np.float32(0.5)) == sp.Rational(1, 2)


def test_list_checks_reject_nan_and_non_numbers():
    positive, whole = params.positive_list("slopes"), params.whole_list("depths", 2)
    assert positive((0.5, 2)) is None and whole((2, 3.0)) is None
    for bad in [(), (1.0, math.nan), (0.0,), (-1.0,), (1.0, "2"), (1e300,), (1.0,) * 9]:
        assert "numbers in (0, 1e+06] (slopes)" in positive(bad)
    for bad in [(), (math.nan,), (math.inf,), (2.5,), (1,), ("3",), (10**5,)]:
        assert "whole numbers in [2, 10000] (depths)" in whole(bad)


def test_plain_text_rendering():
    assert plain(r"$\frac{1}{2}\sigma^2$") == "1/2σ^2"
    assert plain(r"$\tfrac12 x$") == "1/2 x"
    assert plain(r"$z_i^{(h)}$") == "z_i^(h)" and plain(r"$x^{(a)(b)}$") == "x^((a)(b))"
    assert plain("problems 1--2, run with --no-mc") == "problems 1–2, run with --no-mc"
    assert plain("``the rate'' is $1/E''$") == "“the rate” is 1/E''"  # quotes in text, primes in mathematics


def test_the_text_view_prints_the_display_a_claim_states():
    from dataclasses import dataclass

    from theory.core.params import Parameters
    from theory.core.render import text

    @dataclass(frozen=True)
    class NoParams(Parameters):
        pass

    sol = Solution("t", "T", "s", NoParams())
    sol.part("a", "A", "").claim("x", "Solving for $y$:", prove.equal(x, x), latex=r"\frac{2}{x}", value=2 / x)
    shown = text.render(sol)
    assert "Solving for y:\n" + " " * 20 + "2/x\n" in shown


def test_answers_keep_exact_forms():
    sol = Solution("t", "T", "s", None)
    sol.answer("half", sp.Rational(1, 2), check=lambda v: prove.equal(v, sp.Rational(1, 2)), claims=("a.x",))
    sol.answer("expr", 2 / x, check=lambda v: prove.equal(v, 2 / x), claims=("a.x",))
    assert sol.answers["half"] == {"value": 0.5, "exact": "1/2"}
    assert sp.sympify(sol.answers["expr"]["exact"]) == 2 / sp.Symbol("x")


def test_time_budget_counts_cpu_time_not_waiting():
    """A proof's budget is CPU time: a loaded machine (here, a process that waits) does not cut it short."""
    start = time.perf_counter()
    with prove._time_budget(0.2):
        time.sleep(0.6)
    assert time.perf_counter() - start >= 0.6


def test_a_difference_that_cannot_be_evaluated_proves_nothing(monkeypatch):
    i, k = sp.symbols("i k", integer=True, positive=True)
    p = sp.IndexedBase("p", positive=True)
    monkeypatch.setattr(prove, "_symbolic_zero", lambda diff, budget: None)
    v = prove.equal(sp.Sum(p[i] ** 2, (i, 1, k)), sp.Sum(p[i], (i, 1, k)) ** 2)
    assert not v.passed and "cannot be evaluated" in v.detail


def _solution_with_answer(value, measured=0.5):
    from theory.core import witness

    sol = Solution("t", "T", "s", None)
    sol.part("a", "A", "").claim("m", "measured", prove.close(measured, 0.5, rtol=1e-9, what="m"))
    sol.answer("half", value, check=witness.close(measured, rtol=1e-9, what="measured"), claims=("a.m",))
    return sol


def test_an_answer_that_disagrees_with_its_witness_fails():
    assert _solution_with_answer(sp.Rational(1, 2)).passed
    wrong = _solution_with_answer(sp.Rational(1, 3))
    assert not wrong.passed
    assert [cid for cid, _, v in wrong.claims() if not v.passed] == ["answer:half"]


def test_a_misconception_is_proved_wrong_by_the_answers_witness_or_fails():
    sol = _solution_with_answer(sp.Rational(1, 2))
    assert sol.misconception("half", "double", 1, "doubled").verdict.passed
    assert sol.passed
    assert not sol.rejects("half", sp.Rational(1, 2)).passed and sol.passed  # asking records nothing
    assert not sol.misconception("half", "the-right-value", sp.Rational(1, 2), "not a mistake").verdict.passed
    assert not sol.passed
    with pytest.raises(UncheckedStep):
        sol.misconception("half", "double", 2, "the same id twice")


def test_an_answer_needs_a_check_and_the_claims_it_reuses():
    sol = Solution("t", "T", "s", None)
    with pytest.raises(UncheckedStep, match="needs a check"):
        sol.answer("unchecked", 1, check=None, claims=("a.m",))
    with pytest.raises(UncheckedStep, match="needs a check"):
        sol.answer("unbacked", 1, check=lambda v: prove.close(1.0, float(v), rtol=0, what="x"))
    assert not sol.results


def test_a_misconception_needs_a_checked_answer_and_an_answer_existing_claims():
    sol = Solution("t", "T", "s", None)
    with pytest.raises(UncheckedStep):
        sol.misconception("absent", "m", 2, "...")
    sol.answer("orphan", 1, check=lambda v: prove.close(1.0, float(v), rtol=0, what="x"), claims=("z.none",))
    with pytest.raises(UncheckedStep):
        list(sol.claims())


def test_a_simulation_judges_another_value_at_the_same_alarm_level():
    from checks.montecarlo import Z_ALARM
    from theory.core import witness
    from theory.core.verdict import Verdict

    v = Verdict("monte-carlo", True, "", {"estimate": 1.0, "std_error": 0.01, "samples": 100})
    check = witness.monte_carlo(v, "mean")
    assert check(1.0 + 0.99 * Z_ALARM * 0.01).passed and not check(1.0 + 1.01 * Z_ALARM * 0.01).passed
    assert not check(sp.Symbol("x")).passed
    skipped = Verdict("monte-carlo", True, "skipped", skipped=True)
    assert witness.monte_carlo(skipped, "mean")(5).skipped


def test_a_check_with_a_skipped_part_is_skipped_unless_a_part_that_ran_fails():
    from theory.core.verdict import Verdict

    ran, failed = Verdict("symbolic", True, "ran"), Verdict("numeric", False, "failed")
    off = Verdict("monte-carlo", True, "off", skipped=True)
    assert (ran & off).skipped and (off & ran).passed
    assert not (failed & off).skipped and not (failed & off).passed
    assert not (ran & ran).skipped


def test_a_relation_sympy_cannot_decide_never_passes_as_proved():
    f = sp.Function("f")
    undecided = prove.holds(sp.Lt(f(x), x))
    assert not undecided.passed and "could not decide" in undecided.detail
    assert prove.holds(sp.Lt(x, x + 1)).passed
    assert not prove.holds(sp.Lt(x + 1, x)).passed


def test_one_blas_thread_per_process_unless_asked():
    """Processes run one per core; BLAS threads on top would oversubscribe them."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    probe = ("import theory, numpy, threadpoolctl; "
             "print(max(i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas'))")
    run = lambda **extra: subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,  # noqa: E731
                                         env={**env, **extra}, timeout=120).stdout.strip()
    assert run() == "1"
    assert run(OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2") == "2"


def test_sympy_remembers_a_whole_solve_unless_asked():
    """A topic solved again repeats most of SymPy's work; its default memory (1,000 results) forgets it."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "SYMPY_CACHE_SIZE"}
    probe = "import theory, sympy.core.cache as c; print(c.SYMPY_CACHE_SIZE)"
    run = lambda **extra: subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,  # noqa: E731
                                         env={**env, **extra}, timeout=120).stdout.strip()
    assert run() == "100000"
    assert run(SYMPY_CACHE_SIZE="1000") == "1000"


def test_a_rejected_array_says_how_many_entries_are_outside_not_that_they_are_within():
    v = prove.close_all([1.0, 2.0, 9.0, float("nan")], [1.0, 2.0, 3.0, 4.0], rtol=1e-6, what="table")
    assert not v.passed and "2 of 4 entries outside relative tolerance 1e-06" in v.detail
    assert "within" not in v.detail and "worst entry [3]: measured nan" in v.detail
    assert "4 entries within" in prove.close_all([1.0] * 4, [1.0] * 4, rtol=1e-6, what="table").detail


@pytest.mark.parametrize("text, says", [
    ("exp(exp(exp(64)))", "beyond 300 digits"), ("1/(a*(1+exp(-exp(64))))", "beyond 300 digits"),
    ("((((2**64)**64)**64)**64)", "more than 300 digits"), ("exp(500) * exp(500)", "exp(1000) is beyond"),
    ("(((w**64)**64)**64)", "once its exponents"),
    ("1/0", "division by zero"), ("w**(64+cos(1)**2+sin(1)**2+1)", "outside [-64, 64]"),
])
def test_the_formula_reader_refuses_numbers_no_evaluation_could_finish(text, says):
    from theory.core import expr

    with pytest.raises(BadInput, match=re.escape(says)):
        expr.read(text, {"w": sp.Symbol("w"), "a": sp.Symbol("a", positive=True)})


def test_the_formula_reader_keeps_what_can_be_evaluated():
    from theory.core import expr

    w = sp.Symbol("w")
    assert expr.read("exp(690) + 2**64 + w**64 + (w**64)**64 + w**(64+cos(1)**2+sin(1)**2-1)", {"w": w}).has(w)


def test_a_difference_that_overflows_the_floats_proves_nothing():
    """inf - inf at every random point is not evidence that a formula equals another (exp(exp(exp(exp(a))))
    was graded equal to 1/a)."""
    a = sp.Symbol("a", positive=True)
    v = prove.equal(sp.exp(sp.exp(sp.exp(sp.exp(sp.exp(a))))), 1 / a, budget=2.0)
    assert not v.passed


def test_a_yes_no_answer_is_judged_by_what_was_seen_and_must_be_yes_or_no():
    from theory.core import witness

    check = witness.yes_no(False, "no step raised f")
    assert check(False).passed and not check(True).passed and check(np.bool_(False)).passed
    assert not check(0).passed and "not a yes/no answer" in check("no").detail
