"""The solved object: one source for the terminal, JSON, LaTeX and PDF outputs.

A `Solution` holds the restated question, its parts, and in each part an
ordered list of blocks: prose, derivation chains, single claims, tables,
figures. Every chain step after the first (its definition) and every claim
carries a `Verdict`; `claims()` lists them for summaries and JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp

from theory.core import prose, prove
from theory.core.display import KINDS, Display, show
from theory.core.errors import UncheckedStep
from theory.core.latexread import Notation
from theory.core.verdict import Verdict


@dataclass
class Text:
    """A paragraph. Inline math in `$...$`; the terminal shows it de-TeXed."""

    body: str


@dataclass
class Step:
    latex: str
    reason: str
    verdict: Verdict | None  # None only for a chain's first line, its definition
    value: Any = None
    display: Display | None = None  # how `latex` is tied to `value`

Shown = str | sp.Basic | None
"""A step's display: LaTeX to read back and prove, a SymPy form to print, or None to print the value."""


@dataclass
class Chain:
    """lhs = s0 = s1 = ...: each link checked against the one before it."""

    id: str
    lhs: str
    steps: list[Step] = field(default_factory=list)

    cases: dict[str, dict[str, Any]] | None = None
    notation: Notation = field(default_factory=Notation)
    sizes: dict[str, sp.Symbol] = field(default_factory=dict)  # case keyword -> its symbol in the displays
    aside: bool = False  # a worked check the question did not ask for: shown in the appendix

    def _shown(self, latex: Shown, value: Any, reason: str, verdict: Verdict | None) -> Chain:
        display = show(latex, value, self.notation, cases=self.cases, sizes=self.sizes,
                       context=[s.value for s in self.steps])
        self.steps.append(Step(display.tex, reason, verdict, value, display))
        return self

    def step(self, latex: Shown, value: Any, reason: str, verdict: Verdict | None = None,
             given: dict | Callable[..., dict] | None = None) -> Chain:
        """Add `= latex`; unless `verdict` is given, prove `value` equals the previous value.

        `latex` is what the reader sees: text is read back and proved equal to `value`,
        a SymPy form is printed (and proved equal), None prints `value` itself.

        `given` substitutes hypotheses (e.g. {E[W]: 0}) into the previous value
        first. With `cases`, values are functions of the case's keywords (e.g.
        `lambda d: ...`) and the step is proved for every case; `given` may then be
        a function of the same keywords too (a hypothesis that depends on the case).
        """
        value = self._once(value)
        if verdict is None:
            if not self.steps:
                raise UncheckedStep(f"chain {self.id}: the first line needs an explicit check")
            verdict = self._link(self.steps[-1].value, value, given or {})
        return self._shown(latex, value, reason, verdict)

    def _link(self, before: Any, after: Any, given: dict | Callable[..., dict]) -> Verdict:
        if self.cases is None:
            if callable(given):
                raise UncheckedStep(f"chain {self.id}: a `given` that is a function needs cases")
            return prove.equal(sp.sympify(before, strict=True).subs(given), after)

        def hypotheses(kw: dict) -> dict:
            return given(**kw) if callable(given) else given

        checks = {
            name: (lambda kw=kw: prove.equal(sp.sympify(before(**kw), strict=True).subs(hypotheses(kw)),
                                             after(**kw)))
            for name, kw in self.cases.items()
        }
        return prove.proved_for_each(checks, "proved case by case")

    def induction(self, latex: str, closed: Any, previous: sp.Symbol, var: sp.Symbol,
                  start: Any = 0, reason: str | None = None) -> Chain:
        """Add `= latex`: a closed form of the recursion on the chain's first line, by induction.

        The first line gives the value at `var` in terms of `previous`, the value at
        `var - 1`. Checked: `closed` equals `start` at var = 0, and putting `closed` at
        var - 1 for `previous` into the recursion gives `closed`.
        """
        if not self.steps or self.cases is not None:
            raise UncheckedStep(f"chain {self.id}: induction needs a recursion as the first line "
                                "of a chain without cases")
        step = sp.sympify(self.steps[0].value, strict=True).subs(previous, closed.subs(var, var - 1))
        verdict = prove.equal(step, closed) & prove.equal(closed.subs(var, 0), start)
        return self.step(latex, closed, reason or f"induction on ${sp.latex(var)}$",
                         verdict=verdict)

    def define(self, latex: Shown, value: Any, reason: str = "definition") -> Chain:
        """The chain's first line: what the left-hand side means, not a claim (its display is checked)."""
        if self.steps:
            raise UncheckedStep(f"chain {self.id}: only the first line can be a definition")
        return self._shown(latex, self._once(value), reason, None)

    def _once(self, value: Any) -> Any:
        """With cases, a line's value computed once per case (the link and the display both need it)."""
        if self.cases is None or not callable(value):
            return value
        memo: dict[tuple, Any] = {}

        def at(**kw: Any) -> Any:
            key = tuple(sorted(kw.items()))
            try:
                if key not in memo:
                    memo[key] = value(**kw)
                return memo[key]
            except TypeError:  # a case keyword that cannot be a key (a list): computed again
                return value(**kw)

        return at


@dataclass
class Claim:
    id: str
    text: str
    verdict: Verdict
    latex: str = ""
    display: Display | None = None  # how `latex` is tied to the claim's value, when it has one
    value: Any = None  # the value the claim checked (what a quote of it must print)
    aside: bool | None = None  # a cross-check beside the derivation; None: simulations are, other checks not

    @property
    def cross_check(self) -> bool:
        """Shown in the verification appendix rather than in the body (a simulation, an extra experiment)."""
        return self.verdict.method == "monte-carlo" if self.aside is None else self.aside


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    aside: bool = False  # an experiment's table the question did not ask for: shown in the appendix


@dataclass
class Figure:
    """A plot drawn on demand into `path` (PDF), from the solved numbers."""

    name: str
    caption: str
    draw: Callable[[Path], None]
    aside: bool = False  # an experiment's figure the question did not ask for: shown in the appendix


@dataclass
class Diagram:
    """A drawing given as TikZ code, with a text outline of the same content for the terminal."""

    name: str
    caption: str
    tikz: str
    outline: list[str] = field(default_factory=list)
    aside: bool = False  # a drawing the question did not ask for: shown in the appendix


@dataclass
class Algorithm:
    """Numbered pseudocode lines (inline math in `$...$`); two leading spaces per indent level."""

    title: str
    lines: list[str]


@dataclass
class Erratum:
    """What the sheet says, what is correct, and what this solution assumes; or, for a departure, what the
    sheet asks that this solution does otherwise (the sheet is not wrong there), and what it does instead."""

    sheet_says: str
    correction: str
    parameter: str = ""
    departure: bool = False
    key: str = ""  # the name answers that rest on what this box assumes give it (`Solution.answer(rests_on=)`)

    @property
    def words(self) -> tuple[str, str, str, str]:
        """The box's title and the labels of its three lines."""
        if self.departure:
            return "Departure from the sheet.", "The sheet asks:", "Here instead:", "Setting:"
        return "Erratum.", "The sheet says:", "Correct:", "Assumed here:"


Block = Text | Chain | Claim | Table | Figure | Diagram | Algorithm | Erratum

Check = Callable[[Any], Verdict]
"""Decides a candidate value against a topic's independent witness (see `theory.core.witness`)."""

ANSWER_RTOL = 1e-3  # relative tolerance for a number typed by a student (rounded to about 4 figures)


@dataclass
class Answer:
    """A final result and the check that decides any value offered for it.

    `check` is the comparison a claim of the topic makes against its witness
    (a simulation, a NumPy computation, an independent derivation), as a
    function of the value, so that the same witness can judge the answer and
    every misconception of it. `verdict` is `check(value)`: an answer that
    disagrees with its backing check fails the topic. `claims` names the
    claims whose witness `check` reuses.
    """

    id: str
    value: Any
    check: Check | None = None
    claims: tuple[str, ...] = ()
    rtol: float = ANSWER_RTOL
    verdict: Verdict | None = None
    any_passing: bool = False  # a design (weights, a counterexample): any value its check accepts is right
    label: str = ""  # the name the key prints, when the id alone leaves out a setting it depends on
    big_o: bool = False  # an order of growth (its check accepts any constant multiple): printed as O(value)
    rests_on: tuple[str, ...] = ()  # the keys of the assumption boxes (errata, departures) its value depends on


@dataclass
class Misconception:
    """A named wrong value of an answer, its explanation, and the proof that the checks reject it.

    `verdict` passes when the answer's check rejects `value` (so a misconception
    that the witness would accept fails the topic).
    """

    id: str
    answer: str
    value: Any
    explanation: str
    verdict: Verdict


@dataclass
class Part:
    label: str
    title: str
    question: str
    blocks: list[Block] = field(default_factory=list)
    notation: Notation = field(default_factory=Notation)
    quotes: list[prose.Quote] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)  # numbers printed as settings of the method

    def text(self, body: str) -> None:
        self.blocks.append(Text(body))

    def quote(self, value: Any, of: str, spec: str = ".6g", index: int | tuple[int, ...] | None = None,
              **case: Any) -> str:
        """`value` printed for a sentence's mathematics, as the value that `of` checked.

        `of` is the id of a claim or chain (of this part, or with its part's label) or of an
        answer; `index` picks one entry of a checked vector or matrix; for a chain with cases,
        `case` gives the case's keywords. The solution proves the quoted value is the checked
        one, so a number in a sentence cannot drift from it.
        """
        tex = prose.printed(value, spec, self.notation)
        self.quotes.append(prose.Quote(tex, value, of, self.label, tuple(sorted(case.items())), index))
        return tex

    def setting(self, value: Any, spec: str = "g") -> str:
        """A number a sentence gives as a setting of the method (a step, a tolerance), not a result."""
        tex = prose.printed(value, spec, self.notation)
        self.settings.append(tex)
        return tex

    def chain(self, id: str, lhs: str, cases: dict[str, dict[str, Any]] | None = None,
              sizes: dict[str, sp.Symbol] | None = None, notation: Notation | None = None,
              aside: bool = False) -> Chain:
        """A derivation `lhs = ...`; with `cases`, `sizes` names each case keyword's symbol in the displays.

        `notation` replaces the topic's for this chain only (e.g. names that depend on its cases);
        `aside=True` puts a worked check the question did not ask for in the appendix.
        """
        c = Chain(f"{self.label}.{id}", lhs, cases=cases, notation=notation or self.notation,
                  sizes=dict(sizes or {}), aside=aside)
        self.blocks.append(c)
        return c

    def claim(self, id: str, text: str, verdict: Verdict, latex: Shown = "", value: Any = None,
              aside: bool | None = None) -> Claim:
        """A checked statement; `latex` shows `value` (read back and proved equal, or printed from it).

        `aside=True` puts a cross-check the question did not ask for in the verification appendix
        (simulations go there unless `aside=False`).
        """
        display = None
        if not isinstance(latex, str) or latex:
            display = show(latex, value, self.notation)
            latex = display.tex
        c = Claim(f"{self.label}.{id}", text, verdict, latex, display, value, aside)
        self.blocks.append(c)
        return c

    def table(self, header: list[str], rows: list[list[str]], caption: str = "", aside: bool = False) -> None:
        """A table; `aside=True` for one the question did not ask for (it goes to the appendix)."""
        self.blocks.append(Table(header, rows, caption, aside))

    def figure(self, name: str, caption: str, draw: Callable[[Path], None], aside: bool = False) -> None:
        """A figure; `aside=True` for an extra experiment's plot (it goes to the appendix)."""
        self.blocks.append(Figure(name, caption, draw, aside))

    def diagram(self, name: str, caption: str, tikz: str, outline: list[str] | None = None,
                aside: bool = False) -> None:
        self.blocks.append(Diagram(name, caption, tikz, outline or [], aside))

    def algorithm(self, title: str, lines: list[str]) -> None:
        self.blocks.append(Algorithm(title, lines))

    def erratum(self, sheet_says: str, correction: str, parameter: str = "", *, key: str = "") -> None:
        """A mistake or gap of the sheet; with `parameter`, what is assumed, which answers may name by `key`."""
        self.blocks.append(Erratum(sheet_says, correction, parameter, key=key))

    def departure(self, sheet_asks: str, instead: str, parameter: str = "", *, key: str = "") -> None:
        """Where this solution does otherwise than the sheet asks (a choice, not a correction of the sheet)."""
        self.blocks.append(Erratum(sheet_asks, instead, parameter, departure=True, key=key))


@dataclass
class Solution:
    topic: str
    title: str
    source: str  # which sheet and problem, e.g. "iust-dl-hw1, Problem 2"
    params: Any
    question: str = ""
    parts: list[Part] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Answer] = field(default_factory=dict)
    misconceptions: list[Misconception] = field(default_factory=list)
    notation: Notation = field(default_factory=Notation)

    def part(self, label: str, title: str, question: str, notation: Notation | None = None) -> Part:
        """A part of the question; `notation` replaces the topic's for this part's displays."""
        p = Part(label, title, question, notation=notation or self.notation)
        self.parts.append(p)
        return p

    def answer(self, name: str, value: Any, *, check: Check | None, claims: tuple[str, ...] = (),
               rtol: float = ANSWER_RTOL, any_passing: bool = False, label: str = "",
               big_o: bool = False, rests_on: tuple[str, ...] = ()) -> Answer:
        """Record a result; SymPy numbers keep their exact form beside the float.

        `check` is the witness of `claims` as a function of a value (an answer without
        one is an error, like an unchecked step); with `any_passing`, grading accepts any
        other value that check accepts (a design question has many right answers).
        `label` is the name the key prints in place of `name` (which answers files use),
        e.g. with the value of a parameter the answer is taken at; `big_o` marks an order of
        growth, which the key prints as O(value); `rests_on` names (by key) the erratum boxes whose
        assumption the value depends on, which the key marks with a dagger.
        """
        if check is None or not claims:
            raise UncheckedStep(f"{self.topic}: answer {name!r} needs a check and the claims it reuses: an "
                                "answer is decided by the witness of the claims that prove it")
        self.answers[name] = _answer(value)
        result = Answer(name, value, check, tuple(claims), rtol, check(value), any_passing, label, big_o,
                        tuple(rests_on))
        self.results[name] = result
        return result

    def rejects(self, answer: str, value: Any) -> Verdict:
        """Whether the check of `answer` rejects `value` (passes when it does); records nothing."""
        backing = self.results.get(answer)
        if backing is None or backing.check is None:
            raise UncheckedStep(f"{self.topic}: a misconception needs answer {answer!r} with a check")
        v = backing.check(value)
        return v if v.skipped else Verdict(
            v.method, not v.passed, f"{'rejected' if not v.passed else 'NOT rejected'}: {v.detail}", v.data)

    def misconception(self, answer: str, id: str, value: Any, explanation: str) -> Misconception:
        """A common wrong `value` of `answer`, proved wrong by the answer's check."""
        if any(m.id == id for m in self.misconceptions):
            raise UncheckedStep(f"{self.topic}: two misconceptions are called {id!r}")
        m = Misconception(id, answer, value, explanation, self.rejects(answer, value))
        self.misconceptions.append(m)
        return m

    def part_of(self, answer: Answer) -> Part | None:
        """The part an answer belongs to: the one whose label prefixes its first backing claim's id."""
        if not answer.claims:
            return None
        claim = answer.claims[0]
        owners = [q for q in self.parts if claim == q.label or claim.startswith(q.label + ".")]
        return max(owners, key=lambda q: len(q.label), default=None)

    def claims(self) -> Iterator[tuple[str, str, Verdict]]:
        """(id, statement, verdict) for every checked item, in document order."""
        for part in self.parts:
            for block in part.blocks:
                if isinstance(block, Claim):
                    yield block.id, block.text, block.verdict
                elif isinstance(block, Chain):
                    for i, s in enumerate(block.steps):
                        if s.verdict is not None:
                            yield f"{block.id}.{i}", f"{block.lhs} = {s.latex} ({s.reason})", s.verdict
                        elif i:
                            raise UncheckedStep(f"{self.topic}: step {block.id}.{i} has no check")
        for id, display in self.displays():
            if display.kind == "unchecked":
                raise UncheckedStep(f"{self.topic}: unchecked display {id} (${display.tex}$): {display.why}")
            if display.verdict is not None:
                yield f"display:{id}", f"the display ${display.tex}$ is its value", display.verdict
        for where, number in self.stray_numbers():
            raise UncheckedStep(f"{self.topic}: the number {number} typed into a sentence of {where}: print it "
                                "with part.quote (a result) or part.setting (a setting of the method)")
        for id, q, verdict in self.quoted():
            yield id, f"the sentence's ${q.tex}$ is the value {q.of} checked", verdict
        ids = {b.id for part in self.parts for b in part.blocks if isinstance(b, (Claim, Chain))}
        for a in self.results.values():
            missing = [c for c in a.claims if c not in ids and c.rsplit(".", 1)[0] not in ids]
            if missing:
                raise UncheckedStep(f"{self.topic}: answer {a.id!r} names unknown claims {missing}")
            if a.verdict is not None:
                yield f"answer:{a.id}", f"answer {a.id} agrees with the witness of {', '.join(a.claims)}", a.verdict
        for m in self.misconceptions:
            yield f"misconception:{m.id}", f"misconception {m.id} ({m.answer}) is rejected", m.verdict

    def quoted(self) -> Iterator[tuple[str, prose.Quote, Verdict]]:
        """(id, quote, verdict) for every number quoted in a sentence: is it the value its source checked?"""
        for part in self.parts:
            for i, q in enumerate(part.quotes):
                what = f"the number ${q.tex}$ in a sentence of {part.label}"
                found, checked = self.checked_value(q)
                verdict = (prose.same(q.value, checked, what) if found else
                           Verdict("symbolic", False, f"{what} names {q.of!r}, which checked no value here"))
                yield f"quote:{part.label}.{i}", q, verdict

    def checked_value(self, q: prose.Quote) -> tuple[bool, Any]:
        """The value (or its entry `q.index`) that the claim, chain or answer `q.of` checked; (False, None)
        if none did."""
        found, value = self._checked(q)
        return prose.entry(value, q.index) if found and q.index is not None else (found, value)

    def _checked(self, q: prose.Quote) -> tuple[bool, Any]:
        for ref in (f"{q.part}.{q.of}", q.of):
            for part in self.parts:
                for b in part.blocks:
                    if isinstance(b, Claim) and b.id == ref and b.value is not None:
                        return True, b.value
                    if isinstance(b, Chain) and b.id == ref and b.steps:
                        value = b.steps[-1].value
                        if b.cases is not None:
                            if not q.case:
                                return False, None
                            value = value(**dict(q.case))
                        return True, value
        if q.of in self.results:
            return True, self.results[q.of].value
        return False, None

    def stray_numbers(self) -> list[tuple[str, str]]:
        """(where, number) for each decimal in a sentence's mathematics that was typed, not quoted."""
        given = prose.parameter_values(self.params)
        found = []
        for part in self.parts:
            printed = [q.tex for q in part.quotes] + part.settings
            for b in part.blocks:
                text = {Text: lambda b: b.body, Claim: lambda b: b.text, Table: lambda b: b.caption,
                        Figure: lambda b: b.caption, Diagram: lambda b: b.caption}.get(type(b))
                if text is not None:
                    found += [(part.label, n) for n in prose.stray_numbers(text(b), printed, given)]
        printed = [q.tex for p in self.parts for q in p.quotes] + [t for p in self.parts for t in p.settings]
        for m in self.misconceptions:  # an explanation is prose too
            found += [(f"mistake {m.id}", n) for n in prose.stray_numbers(m.explanation, printed, given)]
        return found

    def displays(self) -> Iterator[tuple[str, Display]]:
        """(id, display) for every formula shown: chain lines and claims' formulas."""
        for part in self.parts:
            for block in part.blocks:
                if isinstance(block, Claim) and block.display is not None:
                    yield block.id, block.display
                elif isinstance(block, Chain):
                    for i, s in enumerate(block.steps):
                        if s.display is not None:
                            yield f"{block.id}.{i}", s.display

    def display_counts(self) -> dict[str, int]:
        """How many displays are printed, parsed back and proved, or unchecked.

        Answers and numbers quoted in sentences are printed; a decimal typed into a sentence's
        mathematics is an unchecked display.
        """
        counts = dict.fromkeys(KINDS, 0)
        for _, d in self.displays():
            counts[d.kind] += 1
        counts["printed"] += len(self.results) + sum(len(p.quotes) for p in self.parts)
        counts["unchecked"] += len(self.stray_numbers())
        return counts

    @property
    def passed(self) -> bool:
        return all(v.passed for _, _, v in self.claims())

    def _repr_markdown_(self) -> str:
        """How a notebook shows a solved topic: the PDF part's content as Markdown and math."""
        from theory.core.render import markdown

        return markdown.render(self)


def nested(value: Any) -> Any:
    """The layout every view uses: a matrix as row-major lists, a row or column as one flat list."""
    if isinstance(value, sp.MatrixBase):
        return list(value) if 1 in value.shape else value.tolist()
    return value


def _answer(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _answer(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_answer(v) for v in value]
    if isinstance(value, sp.Eq):  # an answer stated as an equation (a formula in matrix symbols): lhs = rhs
        return {"exact": f"{sp.sstr(value.lhs)} = {sp.sstr(value.rhs)}"}
    if isinstance(value, sp.Basic):
        if value.free_symbols:
            return {"exact": sp.sstr(value)}
        number = complex(sp.N(value))
        return {"value": number.real if number.imag == 0 else str(number), "exact": sp.sstr(value)}
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return str(value)
