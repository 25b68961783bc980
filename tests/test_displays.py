"""What the reader sees is what was checked: displays are read back and proved, or printed from the value."""

import dataclasses

import pytest
import sympy as sp

from tests.conftest import solved
from theory.core import prose, registry
from theory.core.display import show
from theory.core.errors import UncheckedStep
from theory.core.latexread import Notation, Unreadable, canonical, read
from theory.core.solution import Solution
from theory.core.verdict import Verdict

x, y, d = sp.symbols("x y d_h", positive=True)
w1, w2 = sp.symbols("w_1 w_2", real=True)
NAMES = {canonical(sp.latex(s)): s for s in (x, y, d, w1, w2)}
SIGMOID = Notation(functions={"sigma": lambda a: 1 / (1 + sp.exp(-a))})


def value(tex: str, notation: Notation = SIGMOID) -> sp.Basic:
    return read(tex, notation, NAMES).value


@pytest.mark.parametrize("tex, expected", [
    (r"\frac{e^{-x}}{\left(1+e^{-x}\right)^2}", sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
    (r"\tfrac12 x^2 + \frac{1}{2}\,y", x**2 / 2 + y / 2),
    (r"- \sin{\left(w_{1} \right)} \cos{\left(w_{2} \right)}", -sp.sin(w1) * sp.cos(w2)),
    (r"\sigma(x)\,\bigl(1-\sigma(x)\bigr)", sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
    (r"\frac{d}{dx}\left(1 + e^{-x}\right)^{-1}", sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
    (r"\frac{\partial}{\partial w_1} w_1^2 w_2", 2 * w1 * w2),
    (r"\sum_{j=1}^{d_h} x y", d * x * y),
    (r"\int_0^{1} z\,dz", sp.Rational(1, 2)),
    (r"\frac{1}{(1+|w_1|)^2}", 1 / (1 + sp.Abs(w1)) ** 2),
    (r"\operatorname{det}\begin{pmatrix} x & 1\\ 2 & x\end{pmatrix}", x**2 - 2),
    (r"\max(0, w_1)", sp.Max(0, w1)),
    (r"\log_{2} 8 + \log_2 x", 3 + sp.log(x, 2)),
    (r"\tan^{2}{\left(w_{1} \right)}", sp.tan(w1) ** 2),
    (r"\ln 2 + \frac34\ln 3", sp.log(2) + sp.Rational(3, 4) * sp.log(3)),
    (r"0.1 \cdot 1 + 0.3 \cdot 0", sp.Rational(1, 10)),
])
def test_the_reader_reads_the_notation_the_topics_display(tex, expected):
    assert sp.simplify(sp.sympify(value(tex)).doit() - expected) == 0


@pytest.mark.parametrize("tex", [r"x + z", r"\foo(x)", r"\text{column } k", r"x \approx y", r"\sum_j x",
                                 r"\frac{1}{x", "x" * 5000])
def test_what_cannot_be_read_without_guessing_is_unreadable(tex):
    with pytest.raises(Unreadable):
        value(tex)


def test_a_display_proved_equal_to_its_value_is_parsed_and_a_tampered_one_fails():
    shown = show(r"x^2 - 1", (x - 1) * (x + 1), Notation())
    assert shown.kind == "parsed" and shown.verdict.passed and shown.verdict.method == "symbolic"
    assert not shown.recheck(r"x^2 + 1").passed
    assert not show(r"x^2 + 1", (x - 1) * (x + 1), Notation()).verdict.passed


def test_a_rounded_decimal_must_be_the_value_rounded():
    assert show(r"\frac{13}{3} \approx 4.33333", sp.Rational(13, 3), Notation()).verdict.passed
    assert not show(r"\frac{13}{3} \approx 4.33334", sp.Rational(13, 3), Notation()).verdict.passed
    assert not show(r"\frac{13}{3} \approx 4.3", sp.Rational(13, 4), Notation()).verdict.passed
    small = sp.Rational(454, 10**7)
    assert show(r"\frac{454}{10^7} \approx 4.54 \times 10^{-5}", small, Notation()).verdict.passed
    assert not show(r"\frac{454}{10^7} \approx 4.54 \times 10^{-4}", small, Notation()).verdict.passed


def test_a_display_with_cases_is_proved_at_each_case_with_its_sizes_set():
    cases = {f"d={k}": {"d": k} for k in range(1, 5)}
    right = show(r"\sum_{j=1}^{d_h} x^2", lambda d: d * x**2, Notation(), cases=cases, sizes={"d": d})
    assert right.kind == "parsed" and right.verdict.passed
    wrong = right.recheck(r"d_h^2 x^2")
    assert not wrong.passed and "d=2" in wrong.detail


def test_a_relation_is_compared_relation_to_relation():
    between = sp.And(sp.Lt(0, w1), sp.Lt(w1, 2))
    assert show(r"0 < w_1 < 2", between, Notation()).verdict.passed
    assert not show(r"0 < w_1 < 3", between, Notation()).verdict.passed
    assert not show(r"0 < w_1 \le 2", between, Notation()).verdict.passed


def test_a_printed_display_is_the_value_in_the_topic_s_names():
    sigma2 = sp.Symbol("sigma_h^2", positive=True)
    shown = show(None, 2 / d, Notation({r"\sigma_h^2": sigma2}))
    assert shown.kind == "printed" and shown.tex == r"\frac{2}{d_{h}}"
    assert Notation({r"\sigma_h^2": sigma2}).printed(sigma2 * d) == r"d_{h} \sigma_h^2"


def _solution(tex: str) -> Solution:
    sol = Solution("t", "T", "s", None)
    sol.part("a", "A", "q").chain("c", "f").define(r"x^2", x**2).step(tex, x * x, "algebra")
    return sol


def test_a_display_that_disagrees_with_its_value_fails_the_topic():
    assert _solution(r"x \cdot x").passed
    failed = [cid for cid, _, v in _solution(r"x^3").claims() if not v.passed]
    assert failed == ["display:a.c.1"]


def test_an_unchecked_display_is_an_error_at_check_time():
    sol = _solution(r"\text{the square}")
    assert sol.display_counts()["unchecked"] == 1
    with pytest.raises(UncheckedStep, match="unchecked display a.c.1"):
        list(sol.claims())


def test_a_claim_formula_is_tied_to_the_relation_it_states():
    sol = Solution("t", "T", "s", None)
    part = sol.part("a", "A", "q")
    part.claim("ok", "bound", Verdict("symbolic", True, "proved"), r"\ln x \le x - 1", sp.Le(sp.log(x), x - 1))
    part.claim("bad", "bound", Verdict("symbolic", True, "proved"), r"\ln x \le x + 1", sp.Le(sp.log(x), x - 1))
    assert [cid for cid, _, v in sol.claims() if not v.passed] == ["display:a.bad"]


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_tampering_with_any_parsed_display_of_a_topic_fails_its_check(topic):
    """Each formula read back is changed (+ 1 on the value side) and must then fail its proof."""
    missed = []
    for id, d in solved(topic).displays():
        if d.kind != "parsed":
            continue
        head, sep, tail = d.tex.partition(r"\approx")
        try:
            caught = not d.recheck(f"{head} + 1 {sep}{tail}").passed
        except Unreadable:  # a matrix: scale it (the last side of a relation) instead
            left, eq, right = head.rpartition("=")
            caught = not d.recheck(rf"{left}{eq} 3\left({right}\right) {sep}{tail}").passed
        if not caught:
            missed.append(id)
    assert not missed, f"{topic}: tampered displays still pass: {missed}"


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_every_display_is_printed_or_proved(topic):
    """Every formula of every topic is printed from its value or read back and proved equal to it."""
    counts = solved(topic).display_counts()
    assert counts["printed"] + counts["parsed"] > 0 and counts["unchecked"] == 0


def _tampered(value):
    """The value changed everywhere it is a number: twice it plus one (a matrix plus ones, an equation's
    right-hand side doubled); None for text."""
    if isinstance(value, (bool, str, dict)) or value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = [_tampered(v) for v in value]
        return None if None in parts else type(value)(parts)
    if isinstance(value, sp.MatrixBase):
        return value + sp.ones(*value.shape)
    if isinstance(value, sp.Eq):  # a formula stated as an equation (in matrix symbols): twice its right-hand side
        return sp.Eq(value.lhs, 2 * value.rhs, evaluate=False)
    return value * 2 + 1


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_a_tampered_answer_fails_its_check(topic):
    """Each checked answer, changed, is rejected by the witness that backs it (designs accept other designs)."""
    sol = solved(topic)
    tried = {n: _tampered(a.value) for n, a in sol.results.items() if a.check is not None}
    rejected = {n: sol.rejects(n, v).passed for n, v in tried.items() if v is not None}
    accepted = [n for n, r in rejected.items() if not r and not sol.results[n].any_passing]
    assert any(rejected.values()), f"{topic}: no tampered answer was rejected"
    assert not accepted, f"{topic}: tampered answers still pass: {accepted}"


def test_families_mod_limits_and_grouped_digits_are_read():
    i, j, n = sp.symbols("i j n", integer=True)
    a = sp.Function("a")
    notation = Notation(indexed={"a": a, "C_a": lambda r, c: a(sp.Mod(r - c, n))}, sums={"k": (0, n - 1)})
    names = {"i": i, "j": j, "n": n}
    assert read(r"a_{(i-1-j)~\mathrm{mod}~n}", notation, names).value == a(sp.Mod(i - 1 - j, n))
    assert read(r"(C_a)_{i,\,(j+1)~\mathrm{mod}~n}", notation, names).value == a(sp.Mod(i - sp.Mod(j + 1, n), n))
    assert read(r"39\,065 + 1{,}000", Notation()).value == 40065
    t = sp.Symbol("t", positive=True)
    assert read(r"\lim_{t\to\infty} \frac{t}{t + 1}", Notation(), {"t": t}).value.doit() == 1


def test_a_name_may_depend_on_the_case():
    cases = {f"n={k}": {"n": k} for k in (2, 3)}
    notation = Notation(names={"M": lambda n: sp.eye(n)})
    shown = show(r"2M", lambda n: 2 * sp.eye(n), notation, cases=cases)
    assert shown.kind == "parsed" and shown.verdict.passed
    assert not shown.recheck(r"3M").passed


def test_a_chain_of_relations_keeps_each_link():
    a = read(r"x = y + 0 = y \ne 0", Notation(), NAMES).value
    assert isinstance(a, sp.And) and set(a.args) == {sp.Eq(x, y, evaluate=False), sp.Eq(y, y, evaluate=False),
                                                      sp.Ne(y, 0, evaluate=False)}


def test_expectations_norms_and_inner_products_are_read():
    moment = sp.Function("m")
    notation = Notation(names={"v": sp.Matrix([1, 2]), "u": sp.Matrix([3, x])},
                        functions={r"\mathbb{E}": lambda e: moment(e)})
    assert read(r"\mathbb{E}[x^2] + 1", notation, NAMES).value == moment(x**2) + 1
    assert read(r"\|v\|^2 - 2\langle v, u\rangle", notation, NAMES).value == 5 - 2 * (3 + 2 * x)
    with pytest.raises(Unreadable):
        read(r"\langle v, x\rangle", notation, NAMES)


def test_finite_sums_are_written_out_and_a_line_is_computed_once_per_case():
    from theory.core.display import _finite_sums

    k = sp.Symbol("k", integer=True)
    assert _finite_sums(sp.Sum(x**k, (k, 1, 3))) == x + x**2 + x**3
    assert _finite_sums(sp.Sum(x**k, (k, 1, d))) == sp.Sum(x**k, (k, 1, d))  # a symbolic bound stays
    j = sp.Symbol("j", integer=True)
    nested = sp.Sum(x**k * j, (k, 1, j), (j, 1, 3))  # inner bound from the outer index
    assert sp.expand(_finite_sums(nested)) == 6 * x + 5 * x**2 + 3 * x**3  # x + 2(x+x^2) + 3(x+x^2+x^3)
    calls = []
    sol = Solution("t", "T", "s", None)
    ch = sol.part("a", "A", "q").chain("c", "S", cases={"n=1": {"n": 1}, "n=2": {"n": 2}}, sizes={"n": d})
    ch.define(r"d_h x", lambda n: n * x)
    ch.step(r"x d_h", lambda n: calls.append(n) or n * x, "commute")
    assert ch.steps[-1].verdict.passed and sorted(calls) == [1, 2]


def _quoting(quoted: float, of: str = "bound", sentence: str = "") -> Solution:
    sol = Solution("t", "T", "s", None)
    part = sol.part("a", "A", "q")
    part.text(sentence or f"The bound is ${part.quote(quoted, of, '.4g')}$.")
    part.claim("bound", "bound", Verdict("numeric", True, "measured"), value=sp.Rational(1, 3))
    return sol


def test_a_number_quoted_in_a_sentence_is_the_value_its_claim_checked():
    right = _quoting(1 / 3)
    assert right.passed and right.display_counts() == {"printed": 1, "parsed": 0, "unchecked": 0}
    assert right.parts[0].blocks[0].body == "The bound is $0.3333$."
    wrong = _quoting(0.3334)
    assert [cid for cid, _, v in wrong.claims() if not v.passed] == ["quote:a.0"]


def test_a_quote_of_something_that_checked_no_value_fails():
    failed = [(cid, v.detail) for cid, _, v in _quoting(1 / 3, of="nothing").claims() if not v.passed]
    assert failed and failed[0][0] == "quote:a.0" and "'nothing'" in failed[0][1]


def test_a_quote_of_a_chain_with_cases_is_its_last_line_at_the_case():
    sol = Solution("t", "T", "s", None)
    part = sol.part("a", "A", "q")
    part.chain("sq", "f", cases={"d=2": {"d": 2}, "d=3": {"d": 3}}, sizes={"d": d}).define(
        r"\sum_{j=1}^{d_h} 2", lambda d: 2 * d)
    part.text(f"At $d_h = 3$ it is ${part.quote(6, 'sq', d=3)}$, at $d_h = 2$ ${part.quote(5, 'sq', d=2)}$.")
    assert [cid for cid, _, v in sol.claims() if not v.passed] == ["quote:a.1"]


def test_a_decimal_typed_into_a_sentence_is_an_unchecked_display_but_settings_and_parameters_are_not():
    typed = _quoting(1 / 3, sentence=r"The bound is $0.3333$.")
    assert typed.stray_numbers() == [("a", "0.3333")] and typed.display_counts()["unchecked"] == 1
    with pytest.raises(UncheckedStep, match="0.3333 typed into a sentence of a"):
        list(typed.claims())

    @dataclasses.dataclass
    class Params:
        eta: float = 0.25

    sol = Solution("t", "T", "s", Params())
    part = sol.part("a", "A", "q")
    part.text(rf"With $\eta = 0.25$, a tolerance of ${part.setting(1e-9)}$, and $x_{{1.5}}$: $2.5\times 10^{{-3}}$.")
    assert sol.stray_numbers() == [("a", r"2.5\times 10^{-3}")]


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_tampering_with_any_quoted_number_of_a_topic_fails_its_check(topic):
    """Each number quoted in a sentence, moved in its fourth figure, no longer passes as the checked value."""
    sol = solved(topic)
    missed = [id for id, q, v in sol.quoted()
              if prose.same(_moved(q.value), sol.checked_value(q)[1], "tampered").passed]
    assert all(v.passed for _, _, v in sol.quoted()) and not missed, f"{topic}: {missed}"


def _moved(value):
    if isinstance(value, (list, tuple)):
        return [_moved(v) for v in value]
    if isinstance(value, sp.MatrixBase):
        return value * sp.Rational(1001, 1000) + sp.ones(*value.shape)
    return value * sp.Rational(1001, 1000) + 1 if isinstance(value, sp.Basic) else value * 1.001 + 1


def test_a_wrong_quote_names_both_numbers_as_real_numbers():
    assert prose.same(0.5, sp.Rational(5, 8), "x").detail == "x quotes 0.5, not the checked 0.625"
    assert prose.same([1.0, 2.0], [1.0, 2.5], "x").detail == "x quotes [1. 2.], not the checked [1.  2.5]"
    assert prose.same(sp.I, sp.I, "x").detail == "x quotes 0+1j, the checked value"


def test_a_quoted_number_hides_only_itself_not_the_digits_of_other_numbers():
    assert prose.stray_numbers(r"$h = 0.0001$ and $g = 1$", ["1"], []) == ["0.0001"]
    assert prose.stray_numbers(r"$r = 1.05$ and $g = 1$", ["1"], []) == ["1.05"]
    assert prose.stray_numbers(r"$s = -1.25$", [], [-1.25]) == []  # a negative parameter value


def test_a_quote_may_name_one_entry_of_a_checked_matrix():
    sol = Solution("t", "T", "s", None)
    part = sol.part("a", "A", "q")
    part.claim("J", "J", Verdict("numeric", True, "measured"), value=sp.Matrix([[1, 2], [3, 4]]))
    part.text(f"$J_{{21}} = {part.quote(3, 'J', index=(1, 0))}$, $J_{{12}} = {part.quote(3, 'J', index=(0, 1))}$, "
              f"$J_{{31}} = {part.quote(3, 'J', index=(2, 0))}$")
    assert [cid for cid, _, v in sol.claims() if not v.passed] == ["quote:a.1", "quote:a.2"]


def test_a_long_parameter_restated_to_six_figures_is_still_the_parameter():
    assert prose.stray_numbers(r"$\alpha = 0.123457$", [], [0.123456789]) == []
    assert prose.stray_numbers(r"$\alpha = 0.1$", [], [0.123456789]) == ["0.1"]  # a short rounding is a result


def test_a_printed_sum_opens_with_a_positive_term_when_it_has_one():
    w, eta, g, x = sp.symbols("w eta g x")
    X, v, y = sp.MatrixSymbol("X", 3, 2), sp.MatrixSymbol("v", 2, 1), sp.MatrixSymbol("y", 3, 1)
    printed = Notation().printed
    assert printed(w - eta * g) == r"w - \eta g"
    assert printed(sp.sqrt(2) / 2 - 1) == r"\frac{\sqrt{2}}{2} - 1"
    assert printed(v - eta * X.T * (X * v - y)) == r"v - \eta X^{\top} \left(X v - y\right)"
    assert printed(x**3 - 3 * x + 1) == r"x^{3} - 3 x + 1"  # already positive first: unchanged
    assert printed(-x - 1) == r"- x - 1"  # no positive term to put first


def test_a_number_beyond_a_floats_range_is_quoted_with_its_digits_and_compared_as_itself():
    tiny = sp.Float("1.33065e-458", 30)
    assert prose.printed(tiny, ".3g", Notation()) == r"1.33 \times 10^{-458}"
    assert prose.same(tiny, tiny, "gap").passed
    assert not prose.same(tiny * 2, tiny, "gap").passed  # as floats both would be 0
