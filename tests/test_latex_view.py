"""The LaTeX view: the body is the mathematics, what each check did is in the verification appendix."""

import re
import shutil
import subprocess

import pytest
import sympy as sp

from tests.conftest import solved
from theory.core import registry
from theory.core.render import latex
from theory.core.solution import Chain, Claim


@pytest.mark.parametrize("topic", ["lr_divergence", "dropout"])
def test_the_body_links_each_check_to_its_appendix_entry_and_holds_no_check_detail(topic):
    sol = solved(topic)
    body, appendix = latex.render(sol, number="4"), latex.verification(sol, number="4")
    claims = list(sol.claims())
    for cid, _, v in claims:
        assert rf"\hypertarget{{{latex.target('4', cid)}}}" in appendix
        assert latex.detail(v.detail) in appendix
    checked = [[c for b in q.blocks if latex._aside(b) and isinstance(b, (Claim, Chain)) and (c := latex._checked(b))]
               for q in sol.parts]  # each part's cross-checks
    aside = {cid for ids in checked for cid, _ in ids}
    unlinked = [cid for cid, _, _ in claims if rf"\hyperlink{{{latex.target('4', cid)}}}" not in body
                and not cid.startswith(("display:", "quote:", "answer:", "misconception:"))  # a display's check is its
                and cid not in aside]  # line's; answers are boxed; common mistakes and cross-checks (counted
    assert not unlinked, f"checks without a mark in the body: {unlinked}"  # per part, below) are in the appendix
    for ids in checked:  # a part's cross-checks: counted by method, each count linking to the first of them
        firsts = {v.method: cid for cid, v in reversed(ids)}
        assert all(rf"\hyperlink{{{latex.target('4', cid)}}}" in body for cid in firsts.values())
    assert "SymPy proves the two sides equal" not in body
    assert all(rf"\hyperlink{{{latex.target('4', 'misconception:' + m.id)}}}" in appendix for m in sol.misconceptions)


def test_check_details_are_typeset_not_program_text():
    shown = latex.detail("measured 2.75e-13 vs 1e+06 (x**2 != y -> z >= 1)")
    assert r"2.75\times 10^{-13}" in shown and r"1\times 10^{6}" in shown
    for code in ("**", "!=", "->", ">=", "e-13"):
        assert code not in shown
    formula = latex.detail(r"with $p_k = 1 - \sum_{i<k} p_i$ for x_1")  # a topic's own formula stays mathematics
    assert r"$p_k = 1 - \sum_{i<k} p_i$" in formula and r"x\_1" in formula


def test_every_topic_has_an_appendix_entry_per_claim():
    for topic in ("perceptrons", "softsign"):
        sol = solved(topic)
        assert latex.verification(sol).count(r"\hypertarget") == len(list(sol.claims()))


def test_blocks_marked_aside_are_in_the_appendix_and_linked_from_the_body():
    import sympy as sp

    from theory.core.solution import Solution
    from theory.core.verdict import Verdict

    x = sp.Symbol("x")
    sol = Solution("t", "T", "s", registry.load_topic("lr_divergence").Params())
    part = sol.part("a", "A", "q")
    part.chain("main", "f").define("x^2", x**2).step(r"x \cdot x", x * x, "algebra")
    part.chain("extra", "g", aside=True).define("2x", 2 * x).step("x + x", 2 * x, "algebra")
    part.chain("named", "h", aside=True).define("3x", 3 * x)  # a definition alone: nothing to link
    part.claim("run", "An experiment.", Verdict("numeric", True, "measured"), aside=True)
    part.table(["a"], [["1"]], "An experiment's table.", aside=True)
    body, appendix = latex.render(sol), latex.verification(sol)
    assert "x + x" not in body and "An experiment." not in body and "An experiment's table." not in body
    assert "x + x" in appendix and "An experiment." in appendix and "An experiment's table." in appendix
    assert r"\crosschecks{" in body and latex.target("", "a.extra.1") in body and latex.target("", "a.run") in body
    assert r"x \cdot x" in body


def _chain_solution(steps: int):
    import sympy as sp

    from theory.core.solution import Solution

    x = sp.Symbol("x")
    sol = Solution("t", "T", "s", registry.load_topic("lr_divergence").Params())
    chain = sol.part("a", "A", "q").chain("long", "f").define("x^2", x**2)
    for i in range(steps):
        chain.step(r"x \cdot x", x * x, f"reason{chr(65 + i)}")
    return sol


def test_a_chain_is_one_unbreakable_display():
    body = latex.render(_chain_solution(3))
    start, end = body.index(r"\begin{chain}\begin{align*}"), body.index(r"\end{align*}\end{chain}")
    assert body.count(r"\begin{align*}") == 1 and start < end  # the whole align* inside `chain`
    assert r"\displaybreak" not in body and r"\allowdisplaybreaks" not in body
    preamble = (registry.SHEETS_DIR / "preamble.tex").read_text(encoding="utf-8")
    chain = re.search(r"\\newenvironment\{chain\}\{(.*?)\}\{\}\n", preamble, re.S)
    assert chain and r"\interdisplaylinepenalty=10000" in chain[1]


@pytest.mark.tex
@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="needs pdflatex and pdftotext")
def test_a_chain_at_the_foot_of_a_page_moves_whole_to_the_next(tmp_path):
    """Typeset with the sheets' preamble: a chain that reaches past the foot of a page is not split there.
    The same page with the `chain` environment made breakable does split it (the test can fail)."""
    preamble = (registry.SHEETS_DIR / "preamble.tex").read_text(encoding="utf-8")
    body = latex.render(_chain_solution(8))
    reasons = [f"reason{chr(65 + i)}" for i in range(8)]

    def pages_of_reasons(extra: str) -> set[int]:
        doc = (preamble + extra + "\n\\begin{document}\n\\rule{1pt}{0.80\\textheight}\n\n" + body
               + "\n\\end{document}\n")
        (tmp_path / "doc.tex").write_text(doc, encoding="utf-8")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "doc.tex"], cwd=tmp_path,
                       capture_output=True, check=False)
        text = subprocess.run(["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True).stdout
        return {i for i, page in enumerate(text.split("\f")) for r in reasons if r in page}

    assert len(pages_of_reasons("")) == 1, "a chain was split across a page break"
    assert len(pages_of_reasons(r"\renewenvironment{chain}{}{}")) == 2, "the page did not test a break"


@pytest.mark.tex
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_a_diagram_shrunk_below_6pt_says_so_in_the_log(tmp_path):
    """A TikZ diagram is scaled to the line; its smallest text (7pt) must print at 6pt or more."""
    preamble = (registry.SHEETS_DIR / "preamble.tex").read_text(encoding="utf-8")

    def warned(height_cm: float, width_cm: float = 3.0) -> bool:
        picture = (rf"\begin{{tikzpicture}}\draw (0,0) rectangle ({width_cm},{height_cm});"
                   r"\node[font=\scriptsize] at (1,1) {x};\end{tikzpicture}")
        diagram = rf"\solutiondiagram{{{picture}}}{{A diagram.}}"
        doc = preamble + "\n\\begin{document}\n" + diagram + "\n\\end{document}\n"
        (tmp_path / "doc.tex").write_text(doc, encoding="utf-8")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "doc.tex"], cwd=tmp_path,
                       capture_output=True, check=False)
        return "Diagram text printed below 6pt" in (tmp_path / "doc.log").read_text(errors="replace")

    assert not warned(5.0) and not warned(3.0, width_cm=16.0)
    assert warned(14.0) and warned(3.0, width_cm=25.0)


def test_each_problem_heading_is_a_bookmark_target():
    body = latex.render(_chain_solution(1), number="3")
    assert body.startswith(r"\phantomsection\section*{Problem 3: T}")  # the bookmark lands on the heading
    assert r"\addcontentsline{toc}{section}{Problem 3: T}" in body


def test_a_long_whole_number_matrix_is_shown_exactly_not_as_decimals():
    from theory.core.render.latex import _shown

    zeros_and_ones = [[int(i % 3 == j) for i in range(9)] for j in range(3)]
    shown = _shown(zeros_and_ones)
    assert shown.startswith("= ") and "1.0" not in shown and r"\approx" not in shown
    assert _shown([[sp.sqrt(2) + k for k in range(9)]] * 3).startswith(r"\approx")  # long exact forms: four figures
    assert _shown(False) == r"= \text{no}" and _shown(True) == r"= \text{yes}"  # a yes/no answer in words


def test_cross_checks_are_counted_by_method_and_a_failed_one_is_named():
    from theory.core.solution import Solution
    from theory.core.verdict import Verdict

    sol = Solution("t", "T", "s", registry.load_topic("lr_divergence").Params())
    part = sol.part("a", "A", "q")
    for i in range(3):
        part.claim(f"run{i}", "An experiment.", Verdict("numeric", True, "measured"), aside=True)
    part.claim("broke", "Another.", Verdict("numeric", False, "measured"), aside=True)
    line = next(x for x in latex.render(sol).splitlines() if x.startswith(r"\crosschecks{"))
    assert rf"\hyperlink{{{latex.target('', 'a.run0')}}}{{3\,\verdict{{num}}{{pass}}}}" in line
    assert "run1" not in line and r"\verdict{num}{fail}" in line and "broke" in line


@pytest.mark.parametrize("name, shown", [
    ("sigma_h^2 at width", r"$\sigma_{h}^{2}$ at width"),
    ("eta* GD", r"$\eta^*$ GD"),
    ("dL/dw1 (printed sign)", r"$\partial L/\partial w_{1}$ (printed sign)"),
    ("w_star", r"$w^*$"),
    ("eta_opt", r"$\eta_{\mathrm{opt}}$"),
    ("lim g' at +-oo", r"lim $g'$ at $\pm\infty$"),
    ("layer1_weights", r"layer1 weights"),
    ("w5, momentum (i) velocity form", r"$w_{5}$, momentum (i) velocity form"),
    ("S as a matrix", "S as a matrix"),
    ("Q1 options chosen", "Q1 options chosen"),
    ("OR thresholded like an AND in map (a)", "OR thresholded like an AND in map (a)"),  # a part's label
])
def test_an_answer_s_name_is_typeset_not_shown_as_program_text(name, shown):
    assert latex.answer_label(name) == shown


@pytest.mark.parametrize("math, shown", [
    (r"\tanh{\left(b_{3} + w \right)}", r"\tanh\bigl(b_{3} + w \bigr)"),
    (r"\frac{x \left(a\right) \left(b\right)}{c}", r"\frac{x \bigl(a\bigr) \bigl(b\bigr)}{c}"),  # braces kept
    (r"e^{\left(a\right) b \left(c\right)}", r"e^{\bigl(a\bigr) b \bigl(c\bigr)}"),
    (r"\sigma{\left(b \leftarrow \sigma{\left(x \right)} \right)}",
     r"\sigma\bigl(b \leftarrow \sigma\bigl(x \bigr) \bigr)"),
])
def test_a_long_formula_is_made_breakable_without_unbalancing_its_braces(math, shown):
    assert latex.breakable(math) == shown


def test_an_exact_irrational_answer_shows_its_decimal_beside_it():
    assert latex._shown(sp.sqrt(2)) == r"= \sqrt{2} \approx 1.41421"
    assert latex._shown(sp.Rational(1, 2)) == r"= \frac{1}{2}" and latex._shown(sp.Symbol("x") / 2) == r"= \frac{x}{2}"


def test_an_answer_prints_its_label_and_an_order_of_growth_inside_o():
    """The key names an answer by its label where the id leaves out a setting, and an order of growth is O(.),
    its mistakes too; answers files still use the id."""
    from theory.core.solution import Solution
    from theory.core.verdict import Verdict

    d, T = sp.symbols("d T", positive=True)
    sol = Solution("t", "T", "s", registry.load_topic("lr_divergence").Params())
    part = sol.part("a", "A", "q")
    part.claim("c", "Checked.", Verdict("numeric", True, "measured"))
    right = lambda v: Verdict("numeric", sp.simplify(sp.sympify(v) - 1 / T) == 0, "")  # noqa: E731
    sol.answer("a.rate at width", 1 / T, check=right, claims=("a.c",), label="rate at width 256")
    sol.answer("a.cost", d * T, check=lambda v: Verdict("numeric", True, ""), claims=("a.c",), big_o=True)
    sol.misconception("a.cost", "one-pass", T, "One pass gives one partial derivative.")
    sol.answer("(a) count", T, check=right, claims=("a.c",))  # the part written the other common way
    rows = {r["id"]: r for r in latex.answer_rows(sol)}
    assert rows["a.rate at width"]["label"] == "rate at width 256"
    assert rows["(a) count"]["label"] == "count"  # the table's 3(a) already names the part
    assert rows["a.cost"]["label"] == "cost" and rows["a.cost"]["latex"] == "$O(T d)$"
    assert "$= O(T)$" in latex.verification(sol)
    assert "a.rate at width" in sol.answers  # the id is what an answers file names


def test_a_departure_from_the_sheet_is_not_called_an_erratum():
    """A choice the solution makes (the sheet is not wrong) has its own box, its own words and its own row."""
    from theory.core.render import markdown, text
    from theory.core.solution import Solution

    sol = Solution("t", "T", "s", registry.load_topic("lr_divergence").Params())
    part = sol.part("a", "A", "Q?")
    part.erratum("a typo.", "the right word.")
    part.departure("real images.", "synthetic ones.", "dataset = blobs")
    body = latex.render(sol, number="1")
    assert r"\erratum[err:1-1]{a typo.}" in body and r"\departure[err:1-2]{real images.}" in body
    rows = latex.errata_rows(sol, "1")
    assert [r["departure"] for r in rows] == [False, True]
    shown = "\n".join(text.render(sol).splitlines())
    assert "ERRATUM  the sheet says: a typo." in shown and "DEPARTURE FROM THE SHEET  the sheet asks: real" in shown
    assert "here instead: synthetic ones." in shown and "Correct" not in markdown.render(sol).split("Departure")[1]
    preamble = (registry.SHEETS_DIR / "preamble.tex").read_text()
    assert r"\newcommand{\departure}" in preamble


def test_an_answer_that_rests_on_an_assumption_carries_a_dagger_to_its_box():
    """Only the answers that name an assumption box are marked, each linked to the boxes it names."""
    from theory.core import witness
    from theory.core.assemble import Rendered, _answers
    from theory.core.solution import Solution

    sol = Solution("t", "T", "s", registry.load_topic("lr_divergence").Params())
    check = witness.close(1.0, rtol=0.0, what="one")
    parts = [sol.part(x, x.upper(), "Q?") for x in "abc"]
    parts[0].erratum("a typo.", "the word.")
    parts[1].erratum("no figure.", "any figure works.", "the usual figure", key="figure")
    parts[2].erratum("no targets.", "targets are needed.", "t = 1", key="targets")
    sol.answer("one of a", 1.0, check=check, claims=("a.claim",))
    sol.answer("one of b", 1.0, check=check, claims=("b.claim",), rests_on=("figure",))
    sol.answer("one of c", 1.0, check=check, claims=("c.claim",), rests_on=("figure", "targets"))
    rows = latex.answer_rows(sol, "2")
    assert [r["assumes"] for r in rows] == [[], ["err:2-2"], ["err:2-2", "err:2-3"]]
    key = _answers([Rendered("2", "t", "T", "", (), tuple(rows), errata=tuple(latex.errata_rows(sol, "2")))])
    # each mark carries the rows of the errata table it rests on, each number linked to its box
    assert key.count(r"\textsuperscript{\dag") == 3  # two marks and the note
    assert r"\textsuperscript{\dag\hyperref[err:2-2]{2},\hyperref[err:2-3]{3}}" in key
    sol.answer("one more", 1.0, check=check, claims=("c.claim",), rests_on=("map",))
    with pytest.raises(KeyError, match="no erratum box has that key"):
        latex.answer_rows(sol, "2")


def test_a_part_is_named_where_the_sheet_has_it():
    """A problem spanning questions 1-2 names a part by its own question, 1(a), not 1-2(1a)."""
    from theory.core.assemble import question

    assert [question("1-2", "1a"), question("1-2", "2"), question("3-4", "4c"), question("4", "d"),
            question("3", "1"), question("5", "")] == ["1(a)", "2", "4(c)", "4(d)", "3(1)", "5"]


def test_the_errata_table_quotes_a_sheet_whole_up_to_two_lines():
    from theory.core.render.latex import shortened

    quote = "``" + "the figure is not in the text of the sheet " * 3 + "''"  # 137 characters: whole
    assert shortened(quote) == quote
    long = "write $y_1 = \\sigma(w_1 x)$ " + "and the weights of every layer " * 8
    cut = shortened(long)
    assert cut.endswith(r"\ldots") and len(cut) < len(long) and cut.count("$") % 2 == 0
