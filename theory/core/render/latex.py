"""The LaTeX view: a fragment per solution, macros defined in solutions/preamble.tex.

The body is the mathematics a student reads: every chain line ends in a tag naming
its reason and a small mark for its check, hyperlinked to the claim's entry in the
verification appendix (`verification`), which holds what was done: random points,
z-scores, samples, instances. A tag that does not fit moves to its own line (amsmath).
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from theory.core.solution import Algorithm, Chain, Claim, Diagram, Erratum, Figure, Solution, Table, Text
from theory.core.verdict import Verdict

SHORT = {"symbolic": "sym", "numeric": "num", "monte-carlo": "MC"}
_SPECIAL = re.compile(r"([&%$#_{}~^\\])")
_REPL = {"~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


def escape(s: str) -> str:
    """Plain text (check details, parameter values) made safe for LaTeX."""
    return _SPECIAL.sub(lambda m: _REPL.get(m[1], "\\" + m[1]), s)


def mark(v: Verdict) -> str:
    return rf"\verdict{{{SHORT[v.method]}}}{{{'pass' if v.passed else 'fail'}}}"


def target(number: str, claim: str) -> str:
    """The hyperlink name of a claim's entry in the verification appendix."""
    return "v:" + re.sub(r"[^A-Za-z0-9.:-]", "-", f"{number}:{claim}")


def linked(v: Verdict, number: str, claim: str) -> str:
    """A check's mark in the body, a link to what the check did."""
    return rf"\hyperlink{{{target(number, claim)}}}{{{mark(v)}}}"


_E_NOTATION = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)e([+-]?)0*(\d+)\b")
_PROGRAM = {"**": r"\textasciicircum{}", "!=": r"$\neq$", "->": r"$\to$", ">=": r"$\geq$", "<=": r"$\leq$",
            "==": "="}


def detail(text: str) -> str:
    """A check's detail as typeset text: numbers as m x 10^k, operators as symbols, not program text;
    a formula a topic wrote in `$...$` (from its own LaTeX, never from user text) is kept as mathematics."""
    parts = re.split(r"(\$[^$]+\$)", text)
    return "".join(p if i % 2 else _plain_detail(p) for i, p in enumerate(parts))


def _plain_detail(text: str) -> str:
    out = escape(text)
    for code, shown in _PROGRAM.items():
        out = out.replace(escape(code), shown)
    return _E_NOTATION.sub(lambda m: rf"${m[1]}\times 10^{{{'-' if m[2] == '-' else ''}{m[3]}}}$", out)


def render(sol: Solution, figure_dir: Path | None = None, number: str = "") -> str:
    """The solution as a LaTeX section; figures are drawn into `figure_dir` if given."""
    title = f"Problem {number}: {sol.title}" if number else sol.title
    out = [rf"\phantomsection\section*{{{title}}}", rf"\addcontentsline{{toc}}{{section}}{{{title}}}"]  # a bookmark
    if sol.question:
        out.append(rf"\begin{{question}}{sol.question}\end{{question}}")
    rows = answer_rows(sol, number)
    errata = iter(errata_rows(sol, number))
    for part in sol.parts:
        label = rf"\phantomsection\label{{{anchor(number, part.label)}}}"
        if part.question:  # the part's heading opens its question: one block, read first
            stop = "" if part.title.rstrip().endswith((".", "?", "!", ":")) else "."
            out.append(rf"\begin{{question}}{label}\parthead{{({part.label}) {part.title}{stop}}}"
                       rf"{part.question}\end{{question}}")
        else:
            out.append(rf"\subsection*{{({part.label}) {part.title}}}{label}")
        shown_before = None
        for b in part.blocks:
            if isinstance(b, Erratum):  # the box carries the anchor the front matter's errata table links to
                shown = _box(b, next(errata)["anchor"])
            else:
                shown = _block(b, f"{sol.topic}-{number}" if number else sol.topic, figure_dir, number)  # draws figures
            if not _aside(b):
                if isinstance(b, Chain) and isinstance(shown_before, Text):
                    out[-1] += "\n" + shown  # a display ends the paragraph that leads to it: no empty line above
                elif isinstance(b, Table) and isinstance(shown_before, Text) and shown_before.body.endswith(":"):
                    out[-1] += r"\par\nopagebreak"  # a sentence that introduces a table goes to its page
                    out.append(shown)
                else:
                    out.append(shown)
                shown_before = b
        aside = [c for b in part.blocks if _aside(b) and isinstance(b, (Claim, Chain)) and (c := _checked(b))]
        if aside:
            out.append(r"\crosschecks{" + _crosschecks(aside, number) + "}")
        boxed = [r for r in rows if r["part"] == part.label]
        if boxed:  # the part ends in its checked answers, as the answers table lists them (short ones side by side)
            label = rf"\phantomsection\label{{{anchor(number, part.label)}:box}}"  # the answers table links here
            out.append(r"\answerbox{" + label + "\n".join(_boxed(r, number) for r in boxed) + "}")
    return "\n\n".join(out) + "\n"


def _boxed(row: dict, number: str) -> str:
    """One answer in its part's box, with its check; one too large for a table cell gets lines of its own."""
    check = rf"{{\hyperlink{{{target(number, 'answer:' + str(row['id']))}}}{{{mark_answer(row)}}}}}"
    if _ELSEWHERE in row["latex"]:
        return rf"\answerwide{{{row['label']}: {row['full']}}}{check}"
    return rf"\answeritem{{{row['label']}: {row['latex']}}}{check}"


def _crosschecks(aside: list[tuple[str, Verdict]], number: str) -> str:
    """A part's cross-checks counted by method, each count linked to the first of them in the appendix
    (where all are listed); a failed one is named, so it cannot hide in a count."""
    groups: dict[str, list[tuple[str, Verdict]]] = {}
    for cid, v in aside:
        if v.passed:
            groups.setdefault(v.method, []).append((cid, v))
    counts = [rf"\hyperlink{{{target(number, items[0][0])}}}{{{len(items)}\,{mark(items[0][1])}}}"
              for items in groups.values()]
    failed = [rf"{linked(v, number, cid)}\,\texttt{{{_breakable(cid)}}}" for cid, v in aside if not v.passed]
    return ", ".join(counts + failed)


def _checked(b: Claim | Chain) -> tuple[str, Verdict] | None:
    """A claim's id and verdict; for a chain, its last line's id and the verdict of all its links (None if none)."""
    if isinstance(b, Claim):
        return b.id, b.verdict
    links = [s.verdict for s in b.steps if s.verdict is not None]
    if not links:
        return None
    return f"{b.id}.{len(b.steps) - 1}", functools.reduce(operator.and_, links)


def _aside(b) -> bool:
    """Whether a block belongs in the verification appendix rather than the body."""
    return (isinstance(b, Claim) and b.cross_check) or (isinstance(b, (Figure, Table, Chain, Diagram)) and b.aside)


def verification(sol: Solution, number: str = "") -> str:
    """The appendix entry of one problem: every claim's id, check and what the check did, and the counts."""
    title = f"Problem {number}: {sol.title}" if number else sol.title
    statements = {b.id: b.text + (rf" \fitmath{{{b.latex}}}" if b.latex else "")
                  for q in sol.parts for b in q.blocks if isinstance(b, Claim) and b.cross_check}
    rows = [rf"\hypertarget{{{target(number, cid)}}}{{}}\raggedright\texttt{{{_breakable(cid)}}} & {mark(v)} & "
            + (rf"{statements[cid]}\newline " if cid in statements else "")
            + rf"{detail(v.detail)}{' (skipped)' if v.skipped else ''}" for cid, _, v in sol.claims()]
    topic = f"{sol.topic}-{number}" if number else sol.topic
    extras = [_block(b, topic, None, number) for q in sol.parts for b in q.blocks
              if isinstance(b, (Figure, Table, Chain, Diagram)) and b.aside]  # figures were drawn with the body
    return (r"\needspace{8\baselineskip}"  # a heading never alone at the foot of a page
            rf"\subsection*{{{title}}}" "\n"
            + parameters(sol)
            + "".join(f"{x}\n" for x in extras)
            + (_misconceptions(sol, number) + "\n" if sol.misconceptions else "")
            + rf"{{\footnotesize\textcolor{{gray}}{{{summary_line(sol)}.}}}}" "\n"
            r"{\footnotesize\begin{longtable}{@{}p{0.24\linewidth} l p{0.62\linewidth}@{}}\toprule" "\n"
            r"Claim & Check & What was done \\ \midrule\endhead" "\n"
            + " \\tabularnewline\n".join(rows) + "\n" r"\tabularnewline \bottomrule\end{longtable}}" "\n")


def _breakable(name: str) -> str:
    """An id in typewriter type that may break after its hyphens, colons and dots."""
    return re.sub(r"([-:.])", r"\1\\allowbreak{}", escape(name))


def parameters(sol: Solution) -> str:
    """The parameters in force as a typeset table: a mathematical name, the meaning, the value."""
    if not dataclasses.is_dataclass(sol.params):
        return ""
    rows = [rf"${math_name(f.name)}$ & {detail(f.metadata.get('doc', ''))} & {typeset(getattr(sol.params, f.name))}"
            for f in dataclasses.fields(sol.params)]
    return (r"{\footnotesize\begin{longtable}{@{}l p{0.48\linewidth} p{0.3\linewidth}@{}}\toprule" "\n"
            r"Parameter & Meaning & Value \\ \midrule\endhead" "\n"
            + " \\tabularnewline\n".join(rows) + "\n" r"\tabularnewline \bottomrule\end{longtable}}" "\n")


def math_name(name: str) -> str:
    """A parameter's identifier as a mathematical name: beta1 -> beta_1, eta_adam -> eta_adam, x0 -> x_0."""
    from theory.core.latexread import GREEK

    head, *rest = name.split("_")
    m = re.fullmatch(r"([A-Za-z]+?)(\d+)", head)
    if len(head) > 1 and head not in GREEK and not m:
        return r"\mathrm{" + name.replace("_", r"\ ") + "}"  # a word, not a symbol: first_layer -> first layer
    digits = ""
    if m and (m.group(1) in GREEK or len(m.group(1)) == 1):
        head, digits = m.groups()
    base = f"\\{head}" if head in GREEK else (head if len(head) == 1 else rf"\mathrm{{{head}}}")
    subs = ([digits] if digits else []) + [r if len(r) == 1 or r.isdigit() else rf"\mathrm{{{r}}}" for r in rest]
    return base + (f"_{{{','.join(subs)}}}" if subs else "")


_WORD = re.compile(r"\((?:i|ii|iii|iv)\)|(?<!\w)\([a-h]\)|\ba (?=[a-z])|d([A-Za-z])/d([A-Za-z]\d*)\b|<=|>=|<|>| - "
                   r"|([A-Za-z]+)(\d*)((?:_\{?[\w+]+\}?|\^\{?[\w+-]+\}?|\*|')*)|\+-oo|oo")


_RELATIONS = {"<=": r"$\le$", ">=": r"$\ge$", "<": "$<$", ">": "$>$", " - ": " $-$ "}


def answer_label(id: str) -> str:
    """An answer's name as typeset text: its symbols as mathematics (sigma_h^2, eta*, dL/dw1, x_hat, y1,
    lambda_max), its words as words (underscores as spaces; "a", (i) and a part's (a) stay text)."""
    from theory.core.latexread import GREEK

    def symbol(base: str, digits: str, mods: str) -> str | None:
        if base not in GREEK and not (len(base) == 1 and (mods or base.islower())):
            return None
        out = (f"\\{base}" if base in GREEK else base) + (f"_{{{digits}}}" if digits else "")
        for sub in re.finditer(r"([_^])\{?([\w+-]+)\}?|(\*)|(')", mods):
            if sub.group(3) or sub.group(4):
                out += "^*" if sub.group(3) else "'"
            elif sub.group(1) == "_" and sub.group(2) in ("hat", "star"):
                out = rf"\hat{{{out}}}" if sub.group(2) == "hat" else out + "^*"
            else:
                arg = sub.group(2)
                arg = ("\\" + arg if arg in ("max", "min", *GREEK)
                       else rf"\mathrm{{{arg}}}" if arg.isalpha() and len(arg) > 1 else arg)
                out += f"{sub.group(1)}{{{arg}}}"
        return out

    def piece(m: re.Match) -> str:
        if m.group(1):
            return rf"$\partial {m.group(1)}/\partial {symbol(m.group(2)[0], m.group(2)[1:], '')}$"
        if m.group(0) in _RELATIONS:
            return _RELATIONS[m.group(0)]
        if m.group(0) in ("+-oo", "oo"):
            return r"$\pm\infty$" if m.group(0) == "+-oo" else r"$\infty$"
        shown = symbol(m.group(3), m.group(4), m.group(5)) if m.group(3) else None
        return f"${shown}$" if shown else escape(m.group(0).replace("_", " "))

    out, last = [], 0
    for m in _WORD.finditer(id):
        out += [escape(id[last:m.start()]), piece(m)]
        last = m.end()
    return "".join(out) + escape(id[last:])


def typeset(value: Any) -> str:
    """A parameter value as typeset text: numbers with powers of ten, lists as tuples, formulas as mathematics."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"${value:,}$".replace(",", r"\,")
    if isinstance(value, float):
        return f"${number(value)}$"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(typeset(v) for v in value) + ")"
    return _formulas(str(value))


def number(x: float, spec: str = "g") -> str:
    """A number for math mode, formatted by `spec`, with a power of ten instead of e-notation."""
    mantissa, _, exponent = format(x, spec).partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa


_ACTIVATIONS = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "sigma", "sigma": "sigma", "tanh": "tanh",
                "step": "theta", "identity": "id", "max": "max", "min": "min", "softplus": "softplus"}


def _formulas(text: str) -> str:
    """Text that holds formulas (`E = w**4`, `f1 = ...; f2 = ...`) typeset as mathematics, else as text."""
    import ast

    from theory.core import expr
    from theory.core.errors import BadInput

    def formula(t: str) -> str | None:
        try:
            tree = expr.tree(t)
            if isinstance(tree, (ast.Name, ast.Constant)):
                return None  # a word, not a formula
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            import sympy as sp

            shown = {**expr.FUNCTIONS, **{f: sp.Function(name) for f, name in _ACTIVATIONS.items()}}
            value = expr.read(t, {n: sp.Symbol(n) for n in names if n not in shown}, functions=shown, constants={})
            return sp.latex(value)
        except (BadInput, TypeError, ValueError):
            return None

    pieces = []
    for piece in text.split(";"):
        name, eq, rhs = piece.partition("=")
        shown = formula(rhs if eq else piece)
        if shown is None:  # text: it may break after operators and commas
            pieces.append(re.sub(r"([*(,+=])", r"\1\\allowbreak{}", escape(piece.strip())))
        else:
            math = f"{math_name(name.strip())} = {shown}" if eq else shown
            pieces.append(rf"\fitmath{{{math}}}" if len(math) <= 80 else f"${breakable(math)}$")
    return "; ".join(pieces)


def breakable(math: str) -> str:
    """A long formula that may break across lines after its + and = at any depth: SymPy's \\left( ... \\right)
    (which TeX never breaks), and the braces around an argument that is exactly one such pair, become
    \\bigl( ... \\bigr)."""
    out, i = [], 0
    while i < len(math):
        end = _argument_end(math, i) if math.startswith(r"{\left(", i) else -1
        if end > 0:  # {\left( ... \right)}: the braces go, so the group may break
            out.append(breakable(math[i + 1:end]))
            i = end + 1
        else:
            out.append(math[i])
            i += 1
    return "".join(out).replace(r"\left(", r"\bigl(").replace(r"\right)", r"\bigr)")


def _argument_end(math: str, start: int) -> int:
    """Where the brace group opened at `start` closes, if it holds exactly one \\left( ... \\right); else -1."""
    depth, pairs = 0, 0
    for j in range(start, len(math)):
        if math.startswith(r"\left", j) and not math[j + 5:j + 6].isalpha():  # not \leftarrow
            pairs += 1
        elif math.startswith(r"\right", j) and not math[j + 6:j + 7].isalpha():
            pairs -= 1
            if pairs == 0 and not math.startswith(r"\right)}", j):
                return -1  # the first pair closes before the group does
        elif math[j] == "{" and (j == 0 or math[j - 1] != "\\"):
            depth += 1
        elif math[j] == "}" and math[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return j if math.startswith(r"\right)}", j - len(r"\right)")) else -1
    return -1


def _block(b, topic: str, figure_dir: Path | None, number: str = "") -> str:
    if isinstance(b, Text):
        return b.body
    if isinstance(b, Chain):
        lines = []
        for i, s in enumerate(b.steps):
            lhs = b.lhs if i == 0 else ""
            tag = (r"\stepdef{" + s.reason + "}" if s.verdict is None
                   else rf"\step{{{s.reason}}}{{{linked(s.verdict, number, f'{b.id}.{i}')}}}")
            lines.append(rf"{lhs} &= {s.latex} \tag*{{{tag}}}")
        # a chain is read as one argument: the `chain` environment forbids page breaks between its lines
        return "\\begin{chain}\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}\\end{chain}"
    if isinstance(b, Claim):
        shown = rf"\[{b.latex}\]" if b.latex else ""  # in the claim's paragraph: no empty line above it
        return rf"\claim{{{linked(b.verdict, number, b.id)}}}{{{b.text}{shown}}}"
    if isinstance(b, Table):
        cols = "l" * len(b.header)
        body = " \\\\\n".join(" & ".join(r) for r in b.rows)
        caption = rf"\captionof{{table}}{{{b.caption}}}" if b.caption else ""
        tall = r"\renewcommand{\arraystretch}{1.4}" if r"\frac" in body else ""  # stacked fractions must not touch
        return (  # a minipage keeps the caption on the table's page; the cells in footnote size
            rf"\begin{{tightcenter}}\begin{{minipage}}{{\linewidth}}\centering\footnotesize{tall}{caption}"
            rf"\begin{{adjustbox}}{{max width=\linewidth}}\begin{{tabular}}{{{cols}}}\toprule" "\n"
            + " & ".join(b.header) + r" \\ \midrule" "\n" + body + "\n"
            + r"\\ \bottomrule\end{tabular}\end{adjustbox}\end{minipage}\end{tightcenter}"
        )
    if isinstance(b, Figure):
        name = f"{topic}-{b.name}"
        if figure_dir is not None:
            b.draw(figure_dir / f"{name}.pdf")
        return rf"\solutionfigure{{{name}.pdf}}{{{b.caption}}}"
    if isinstance(b, Diagram):
        return rf"\solutiondiagram{{{b.tikz}}}{{{b.caption}}}"
    if isinstance(b, Algorithm):
        items = "\n".join(rf"\algoline{{{(len(x) - len(x.lstrip(' '))) // 2}}}{{{x.strip()}}}" for x in b.lines)
        return rf"\begin{{algobox}}{{{b.title}}}" "\n" + items + "\n" r"\end{algobox}"
    if isinstance(b, Erratum):
        return _box(b)
    raise TypeError(f"unknown block {type(b).__name__}")


def _box(b: Erratum, anchor: str = "") -> str:
    """An erratum's or a departure's box, with the anchor the front matter's errata table links to."""
    return (rf"\{'departure' if b.departure else 'erratum'}{f'[{anchor}]' if anchor else ''}"
            rf"{{{b.sheet_says}}}{{{b.correction}}}{{{b.parameter}}}")


def errata_rows(sol: Solution, number: str = "") -> list[dict[str, str]]:
    """Every erratum box of a solution, in order: its part, a one-line summary and its anchor."""
    rows = []
    for part in sol.parts:
        for b in part.blocks:
            if isinstance(b, Erratum):
                rows.append({"part": part.label, "summary": shortened(b.sheet_says), "departure": b.departure,
                             "anchor": "err:" + re.sub(r"[^A-Za-z0-9.-]", "-", f"{number}:{len(rows) + 1}")})
    return rows


def shortened(tex: str, limit: int = 240) -> str:
    """The start of a LaTeX text, cut at a space outside math and braces once about `limit` characters
    would be visible (three lines of the errata table), with an ellipsis; never inside a formula or a
    command's argument. Nearly every sheet quotation fits whole."""
    out, depth, math, visible = [], 0, False, 0
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\" and i + 1 < len(tex):  # a command or an escaped character: copied whole
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            out.append(m[0])
            visible += 1 if not m[1].isalpha() or math else 0
            i += len(m[0])
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "$":
            math = not math
        elif c == " " and not math and depth == 0 and visible >= limit:
            return "".join(out).rstrip(".,;:") + r"\ldots"
        else:
            visible += 1
        out.append(c)
        i += 1
    return "".join(out)


def anchor(number: str, part: str) -> str:
    """The label of a problem's part, for the answers table's page references."""
    return "part:" + re.sub(r"[^A-Za-z0-9.-]", "-", f"{number}:{part}")


def mark_answer(row: dict) -> str:
    """The check of an answer row: its method and verdict, or skipped."""
    return (r"{\footnotesize\sffamily skipped}" if row.get("skipped")
            else rf"\verdict{{{row['method']}}}{{{'pass' if row['passed'] else 'fail'}}}")


def answer_rows(sol: Solution, number: str = "") -> list[dict[str, str | bool]]:
    """The checked answers of a solution as the answers table shows them: part, name, value, check, and the
    anchors of the erratum boxes whose assumption it rests on (`Answer.rests_on`)."""
    boxes = _assumptions(sol, number)
    rows = []
    for a in sol.results.values():
        if a.verdict is None:
            continue
        owner = sol.part_of(a)
        printed = _printer(sol, a.id)
        cell = _cell(a.value, printed)
        rows.append({"id": a.id, "label": _answer_name(sol, a.id), "part": owner.label if owner else "",
                     "latex": cell, "full": _whole(a.value, printed) if _ELSEWHERE in cell else "",
                     "method": SHORT[a.verdict.method], "passed": a.verdict.passed, "skipped": a.verdict.skipped,
                     "assumes": [boxes[k] for k in a.rests_on]})
    order = {q.label: i for i, q in enumerate(sol.parts)}
    return sorted(rows, key=lambda r: order.get(r["part"], len(order)))


class _Boxes(dict):
    """The anchors of a solution's keyed erratum boxes; an answer resting on an unknown key is a topic's bug."""

    def __missing__(self, key: str) -> str:
        raise KeyError(f"an answer rests on the assumption {key!r}, but no erratum box has that key "
                       f"(keys: {', '.join(self) or 'none'})")


def _assumptions(sol: Solution, number: str) -> _Boxes:
    errata = [b for part in sol.parts for b in part.blocks if isinstance(b, Erratum)]
    return _Boxes({b.key: row["anchor"] for b, row in zip(errata, errata_rows(sol, number)) if b.key})


def _answer_name(sol: Solution, id: str) -> str:
    """An answer's name as typeset text, without the prefix of its part (3(a) already names the part)."""
    answer = sol.results.get(id)
    if answer is not None and answer.label:
        return answer_label(answer.label)
    owner = sol.part_of(answer) if answer is not None else None
    return answer_label(id.removeprefix(owner.label + ".").removeprefix(f"({owner.label}) ") if owner else id)


def _printer(sol: Solution, id: str) -> Callable[[Any], str]:
    """How the values of an answer (and of its misconceptions) print: in the topic's notation, an order of
    growth inside O(.) with its factors in the order the topic wrote them (O(dT), not O(Td))."""
    answer = sol.results.get(id)
    if answer is not None and answer.big_o:
        as_written = dataclasses.replace(sol.notation, printing={**sol.notation.printing, "order": "none"})
        return lambda value: f"O({as_written.printed(value)})"
    return sol.notation.printed


def _cell(value, printed: Callable[[Any], str] | None = None) -> str:
    """An answer in a table cell: exact if short, else to four figures; a long one or a matrix of more
    than three rows is named by its shape, with its page beside it."""
    import sympy as sp

    rows = len(value) if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)) \
        else (value.rows if isinstance(value, sp.MatrixBase) and value.cols > 1 else 1)
    if rows > 3:
        cols = len(value[0]) if isinstance(value, (list, tuple)) else value.cols
        return rf"\emph{{a ${rows} \times {cols}$ matrix {_ELSEWHERE}}}"
    shown = f"= {value:.6g}" if isinstance(value, float) else _shown(value, printed)
    return f"${shown.removeprefix('= ')}$" if len(shown) <= 200 else rf"\emph{{{_ELSEWHERE}}}"


def _whole(value, printed: Callable[[Any], str] | None = None) -> str:
    """An answer too large for a table cell, for its part's box: a matrix shrunk to the line, a formula that
    breaks across lines."""
    shown = _shown(value, printed).removeprefix("= ")
    return rf"\fitmath{{{shown}}}" if "matrix}" in shown else rf"$\displaystyle {breakable(shown)}$"


_ELSEWHERE = "(see its page)"  # an answer too large for a table cell: its part's box shows it whole


def visible_length(tex: str) -> int:
    """About how many characters a LaTeX string shows (commands, braces and math shifts dropped)."""
    return len(re.sub(r"\\[A-Za-z]+|[{}$^_\\ ]", "", tex))


def misconception_name(id: str) -> str:
    """A common mistake's name as the key prints it: its words, and its symbols as symbols (y1 -> y_1)."""
    return answer_label(id.replace("-", " "))


def _misconceptions(sol: Solution, number: str) -> str:
    """Each common mistake, marked wrong, its wrong value, why it is wrong, and the check that rejects it
    (a green mark beside a wrong value would read as "right")."""
    items = [r"\paragraph{Common mistakes.}"]
    for m in sol.misconceptions:
        name = misconception_name(m.id)
        label = _answer_name(sol, m.answer)
        shown = _shown(m.value, _printer(sol, m.answer))
        if visible_length(shown) <= 40 and visible_length(label + name + shown) <= 70:  # fits on the first line
            said = f"{label} ${shown}$."
        else:  # a long value centred on a line of its own, the sentence going on below it
            said = (rf"{label}:\par\smallskip{{\centering\fitmath{{{shown.removeprefix('= ')}}}\par}}\smallskip"
                    r"\noindent\hangindent=2.2em\hangafter=0")  # the explanation keeps the item's indent
        why = m.explanation if "$" in m.explanation else escape(m.explanation)  # TeX with its mathematics, or words
        check = linked(m.verdict, number, "misconception:" + m.id)
        rejected = "rejected" if m.verdict.passed else "NOT rejected"
        items.append(rf"\claim{{\wrongmark}}{{\textbf{{{name}}}: {said}\enspace {why}"
                     rf"\enspace{{\footnotesize({rejected}:}}~{check}{{\footnotesize)}}}}")
    return "\n\n".join(items)


def _shown(value, printed: Callable[[Any], str] | None = None) -> str:
    """`= value` in a line of text: a vector as a row, and to four figures when its exact form is long;
    a named collection as `name -> value` pairs."""
    import sympy as sp

    if isinstance(value, bool):  # a yes/no question's answer, in words
        return rf"= \text{{{'yes' if value else 'no'}}}"
    if isinstance(value, dict):
        return r",\ ".join(rf"\text{{{escape(str(k))}}} \mapsto {_shown(x, printed).removeprefix('= ')}"
                            for k, x in value.items())
    v = sp.Matrix(value) if isinstance(value, (list, tuple)) else sp.sympify(value, strict=True)
    row = isinstance(v, sp.MatrixBase) and 1 in v.shape

    def latex(x) -> str:
        tex = printed or sp.latex
        return (r"\left(" + ",\\ ".join(tex(e) for e in x) + r"\right)") if row else tex(x)

    if isinstance(v, sp.Integer) and abs(v) >= 10_000:  # 5\,000\,000, not 5000000
        return "= " + f"{int(v):,}".replace(",", r"\,")
    if isinstance(v, (sp.Expr, sp.MatrixBase)) and v.atoms(sp.Float):  # a computed decimal to six figures
        v = v.evalf(6)
    exact = latex(v)
    whole = all(getattr(e, "is_Integer", False) for e in (v if isinstance(v, sp.MatrixBase) else [v]))
    formula = bool(getattr(v, "free_symbols", None))  # a formula stays exact: its decimals would be noise
    if not (len(exact) <= 90 or whole or formula):
        return rf"\approx {latex(sp.N(v, 4))}"
    irrational = isinstance(v, sp.Expr) and v.is_number and not v.is_Rational and not v.atoms(sp.Float)
    return f"= {exact}" + (rf" \approx {number(float(v), '.6g')}" if irrational and v.is_real else "")


def summary_line(sol: Solution) -> str:
    verdicts = [v for _, _, v in sol.claims()]
    by_method = Counter(v.method for v in verdicts)
    failed = sum(not v.passed for v in verdicts)
    samples = sum(int(v.data.get("samples", 0)) for v in verdicts if v.method == "monte-carlo")
    parts = [f"{by_method[m]} {SHORT[m]}" for m in ("symbolic", "numeric", "monte-carlo") if by_method[m]]
    text = f"{len(verdicts)} checked claims ({', '.join(parts)})"
    if samples:
        text += f"; {samples:,} Monte-Carlo samples"
    return text + ("; all hold" if not failed else f"; {failed} FAILED")
