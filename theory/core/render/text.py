"""The terminal view: each step, its check method and its verdict, at a glance."""

from __future__ import annotations

import shutil
import textwrap
from collections import Counter

from theory.core.grade import show
from theory.core.render.plain import plain
from theory.core.solution import Algorithm, Chain, Claim, Diagram, Erratum, Figure, Solution, Table, Text
from theory.core.verdict import Verdict

_MARK = {True: "ok ", False: "FAIL"}


def _tag(v: Verdict) -> str:
    return f"[{v.method:<11} {'skip' if v.skipped else _MARK[v.passed]}]"


def _wrap(s: str, indent: str, width: int) -> str:
    return textwrap.fill(s, width, initial_indent=indent, subsequent_indent=indent)


def render(sol: Solution, *, verbose: bool = False) -> str:
    width = min(shutil.get_terminal_size((100, 20)).columns, 110)
    out = [f"{sol.title}  ({sol.source})", "=" * min(width, len(sol.title) + len(sol.source) + 4)]
    params = ", ".join(f"{k}={v}" for k, v in sol.params.as_dict().items())
    out.append(_wrap(f"parameters: {params}", "", width))
    for part in sol.parts:
        out += ["", f"({part.label}) {part.title}", _wrap(plain(part.question), "    ", width)]
        for b in part.blocks:
            out += _block(b, width, verbose)
    out += _checked_answers(sol, width, verbose)
    out += ["", summary(sol)]
    return "\n".join(out)


def _checked_answers(sol: Solution, width: int, verbose: bool) -> list[str]:
    """The answers backed by a witness, and the misconceptions that witness rejects."""
    out = []
    checked = [a for a in sol.results.values() if a.verdict is not None]
    if checked:
        out += ["", "Answers, each checked against its witness:"]
        for a in checked:
            out.append(_wrap(f"{_tag(a.verdict)} {a.id} = {_answer(sol.answers[a.id])}", "", width))
            if verbose:
                out.append(_wrap(f"answer:{a.id}: {plain(a.verdict.detail)}", " " * 20, width))
    if sol.misconceptions:
        out += ["", "Common mistakes, each rejected by the same witness:"]
        for m in sol.misconceptions:
            out.append(_wrap(f"{_tag(m.verdict)} {m.id}: {m.answer} = {show(m.value)}", "", width))
            out.append(_wrap(plain(m.explanation), " " * 20, width))
            if verbose or not m.verdict.passed:
                out.append(_wrap(f"misconception:{m.id}: {plain(m.verdict.detail)}", " " * 20, width))
    return out


def _block(b, width: int, verbose: bool) -> list[str]:
    if isinstance(b, Text):
        return [_wrap(plain(b.body), "  ", width)]
    if isinstance(b, Chain):
        lines = []
        lhs = plain(b.lhs)
        for i, s in enumerate(b.steps):
            head = f"  {lhs if i == 0 else ' ' * len(lhs)} = {plain(s.latex)}"
            tag = "[definition      ]" if s.verdict is None else _tag(s.verdict)
            lines.append(f"{tag} {head}   <- {plain(s.reason)}")
            if verbose and s.verdict is not None:
                lines.append(_wrap(f"{b.id}.{i}: {plain(s.verdict.detail)}", " " * 22, width))
        return lines
    if isinstance(b, Claim):
        tag = _tag(b.verdict)
        lines = [textwrap.fill(f"{tag} {plain(b.text)}", width, subsequent_indent=" " * (len(tag) + 1))]
        if b.latex:  # the display the claim states (the PDF's displayed formula)
            lines.append(_wrap(plain(b.latex), " " * (len(tag) + 3), width))
        if verbose:
            lines.append(_wrap(f"{b.id}: {plain(b.verdict.detail)}", " " * 20, width))
        elif not b.verdict.passed or b.verdict.method == "monte-carlo":
            lines.append(_wrap(plain(b.verdict.detail), " " * 20, width))
        return lines
    if isinstance(b, Table):
        rows = [b.header, *b.rows]
        widths = [max(len(plain(r[i])) for r in rows) for i in range(len(b.header))]
        fmt = lambda r: "  " + "  ".join(plain(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
        return [fmt(b.header), "  " + "  ".join("-" * w for w in widths), *map(fmt, b.rows)]
    if isinstance(b, Figure):
        return [f"  [figure {b.name}: {plain(b.caption)}]"]
    if isinstance(b, Diagram):
        return [f"  [diagram {b.name}: {plain(b.caption)}]", *(f"    {plain(line)}" for line in b.outline)]
    if isinstance(b, Algorithm):
        width_no = len(str(len(b.lines)))
        return [f"  {plain(b.title)}", *(f"  {n:>{width_no}}  {plain(x)}" for n, x in enumerate(b.lines, 1))]
    if isinstance(b, Erratum):
        title, says, correct, assumed = (w.rstrip(".:") for w in b.words)
        lines = [textwrap.fill(f"{title.upper()}  {says.lower()}: {plain(b.sheet_says)}", width, initial_indent="  ",
                               subsequent_indent=" " * 11),
                 _wrap(f"{correct.lower()}: {plain(b.correction)}", "           ", width)]
        if b.parameter:
            lines.append(_wrap(f"{assumed.lower()}: {plain(b.parameter)}", "           ", width))
        return lines
    raise TypeError(f"unknown block {type(b).__name__}")


def answers(sol: Solution) -> str:
    """The answers alone, one per line, then the summary of the checks that ran."""
    lines = [f"{sol.title}  ({sol.source})"]
    for name, value in sol.answers.items():
        answer = _answer(value)
        lines.append(f"  {name}: {plain(answer)}" if " = " in answer else f"  {name} = {answer}")
    return "\n".join([*lines, summary(sol)])


def _answer(value) -> str:
    if isinstance(value, bool):  # a yes/no question's answer, in words
        return "yes" if value else "no"
    if isinstance(value, dict) and "exact" in value:
        number = value.get("value")
        return value["exact"] + (f"  (= {number:.6g})" if isinstance(number, float) and value["exact"] != f"{number:g}"
                                 else "")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_answer(v)}" for k, v in value.items())
    if isinstance(value, list):  # short exact entries alone: [-7/2, 1/4], not [-7/2  (= -3.5), 1/4  (= 0.25)]
        short = all(isinstance(v, dict) and len(v.get("exact", "")) <= 12 for v in value)
        return "[" + ", ".join(v["exact"] if short else _answer(v) for v in value) + "]"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def summary(sol: Solution) -> str:
    claims = list(sol.claims())
    by_method = Counter(v.method for _, _, v in claims)
    failed = [cid for cid, _, v in claims if not v.passed]
    skipped = sum(v.skipped for _, _, v in claims)
    methods = ", ".join(f"{n} {m}" for m, n in sorted(by_method.items()))
    verdict = "all hold" if not failed else f"{len(failed)} FAILED: {', '.join(failed)}"
    if skipped:
        verdict = (verdict.replace("all hold", "all checked ones hold")
                   + f"; {skipped} check{'s' if skipped > 1 else ''} skipped (simulations off)")
    return f"{sol.topic}: {len(claims)} claims ({methods}) -- {verdict}"
