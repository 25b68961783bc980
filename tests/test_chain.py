"""Derivation chains: hypotheses that vary with the case; claim ids in the verbose text view."""

from __future__ import annotations

import sympy as sp

from theory.core.render import text
from theory.core.solution import Solution

x, m = sp.symbols("x m", positive=True)


def _chain(given):
    sol = Solution("t", "T", "s", None)
    part = sol.part("a", "A", "")
    ch = part.chain("sum", "S", cases={f"n={n}": {"n": n} for n in (1, 2, 3)})
    ch.define("n m", lambda n: n * m)
    ch.step("n^2", lambda n: sp.Integer(n**2), "m = n in case n", given=given)
    return ch.steps[-1].verdict


def test_given_may_depend_on_the_case():
    assert _chain(lambda n: {m: n}).passed
    wrong = _chain(lambda n: {m: n + 1 if n == 2 else n})
    assert not wrong.passed and "n=2" in wrong.detail and "n=1" not in wrong.detail.split("fails for")[1]
    assert not _chain({m: 2}).passed  # one hypothesis for every case is false here


class _P:
    def as_dict(self):
        return {}


def test_verbose_text_names_every_claim():
    sol = Solution("t", "T", "s", _P())
    part = sol.part("a", "A", "")
    part.chain("c", "x").define("x", x).step("x + 0", x, "nothing")
    quiet, loud = text.render(sol), text.render(sol, verbose=True)
    assert "a.c.1" in loud and "a.c.1" not in quiet


def test_a_failing_case_is_named_with_its_counterexample():
    wrong = _chain(lambda n: {m: n + 1 if n == 2 else n})
    assert wrong.data["failed"] == ["n=2"]
    assert "fails for n=2 (SymPy refutes it: the difference" in wrong.detail
    ch = Solution("t", "T", "s", None).part("a", "A", "").chain("c", "S", cases={f"n={n}": {"n": n} for n in (1, 2)})
    ch.define("n m", lambda n: n * m).step("n m", lambda n: n * m + (m**2 if n == 2 else 0), "algebra")
    assert "fails for n=2" in ch.steps[-1].verdict.detail
    assert "counterexample: at m = 17/10 the sides differ by -2.89" in ch.steps[-1].verdict.detail


def test_a_notebook_shows_the_solution_as_markdown_and_math():
    sol = Solution("t", "Title", "sheet, Problem 1", _P(), question=r"Show ``it''.")
    part = sol.part("a", "A part", r"Prove $x = x$.")
    part.chain("c", "x").define("x", x).step(r"x + 0", x, "nothing")
    md = sol._repr_markdown_()
    assert md.startswith("### Title") and "#### (a) A part" in md and "“it”" in md
    assert "x &= x && \\text{definition}" in md and "&= x + 0 && \\text{symbolic" in md
