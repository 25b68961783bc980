"""The notebook view: a solved topic as Markdown with MathJax math, the same content as its PDF part.

Jupyter shows it for a `Solution` left at the end of a cell (`Solution._repr_markdown_`). Chains are
aligned display math with each line's reason and check; figures are named, not drawn.
"""

from __future__ import annotations

from theory.core.render.latex import summary_line
from theory.core.render.text import _tag
from theory.core.solution import Algorithm, Chain, Claim, Diagram, Erratum, Figure, Solution, Table, Text


def _text(tex: str) -> str:
    """Inline LaTeX text as Markdown: the few text macros MathJax cannot show outside math."""
    for macro, md in ((r"\emph{", "*"), (r"\textbf{", "**"), (r"\texttt{", "`")):
        while macro in tex:
            start = tex.index(macro)
            end = tex.index("}", start)
            tex = tex[:start] + md + tex[start + len(macro):end] + md + tex[end + 1:]
    return tex.replace("``", "“").replace("''", "”").replace("~", " ").replace(r"\,", " ")


def render(sol: Solution) -> str:
    out = [f"### {sol.title}", f"*{sol.source}*"]
    if sol.question:
        out.append(_text(sol.question))
    for part in sol.parts:
        out.append(f"#### ({part.label}) {part.title}")
        if part.question:
            out.append(f"> {_text(part.question)}")
        out += [_block(b) for b in part.blocks]
    out.append(f"*{summary_line(sol)}*")
    return "\n\n".join(out) + "\n"


def _block(b) -> str:
    if isinstance(b, Text):
        return _text(b.body)
    if isinstance(b, Chain):
        rows = []
        for i, s in enumerate(b.steps):
            check = "definition" if s.verdict is None else _tag(s.verdict).strip("[]").replace("ok", "✓")
            rows.append(rf"{b.lhs if i == 0 else ''} &= {s.latex} && \text{{{check}}}")
        reasons = "; ".join(f"({i}) {_text(s.reason)}" for i, s in enumerate(b.steps))
        return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$\n\n<small>" + reasons + "</small>"
    if isinstance(b, Claim):
        shown = f"\n\n$${b.latex}$$" if b.latex else ""
        return f"`{_tag(b.verdict)}` {_text(b.text)}{shown}"
    if isinstance(b, Table):
        head = "| " + " | ".join(b.header) + " |\n|" + "---|" * len(b.header)
        body = "\n".join("| " + " | ".join(r) + " |" for r in b.rows)
        return (f"*{_text(b.caption)}*\n\n" if b.caption else "") + head + "\n" + body
    if isinstance(b, Figure | Diagram):
        return f"*[{type(b).__name__.lower()} {b.name}: {_text(b.caption)}]*"
    if isinstance(b, Algorithm):
        return f"**{_text(b.title)}**\n\n" + "\n".join(f"{n}. {_text(x.strip())}" for n, x in enumerate(b.lines, 1))
    if isinstance(b, Erratum):
        title, says, correct, assumed = b.words
        extra = f" *{assumed}* {_text(b.parameter)}" if b.parameter else ""
        return f"> **{title}** {says} {_text(b.sheet_says)} *{correct}* {_text(b.correction)}{extra}"
    raise TypeError(f"unknown block {type(b).__name__}")
