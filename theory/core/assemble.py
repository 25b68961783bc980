"""Solve every problem of a sheet and assemble the LaTeX document.

Problems are solved and rendered in parallel, one worker process per core, and each
problem's result (its LaTeX fragment, figures and verdicts) is cached under a key made of
its topic, parameters, seed, sample size and the source files it imports (`deps`), so a
rebuild solves only what changed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from checks.montecarlo import FALSE_ALARM, MISS_RATE, RESOLUTION, Z_ALARM
from theory.core import deps, params, registry
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.render import latex
from theory.core.sheet import Problem, Sheet
from theory.core.solution import Solution
from theory.core.verdict import Verdict

RENDERER = "theory.core.render.latex"


def solve_problem(prob: Problem, seed: int | None = None, samples: int | None = None) -> Solution:
    """One problem solved with its sheet's parameters; a bad value names the problem."""
    module = registry.load_topic(prob.topic)
    try:
        p = params.make(module.Params, prob.params)
    except BadInput as e:
        raise BadInput(f"problem {prob.number}: {e}") from None
    return module.solve(p, Context(module.TOPIC, seed, samples))


def solve_sheet(sheet: Sheet, *, seed: int | None = None, samples: int | None = None) -> list[Solution]:
    """Every problem solved in this process, in order (for checking; builds use `render_sheet`)."""
    try:
        return [solve_problem(prob, seed, samples) for prob in sheet.problems]
    except BadInput as e:
        raise BadInput(f"{sheet.path.name}, {e}") from None


@dataclass(frozen=True)
class Rendered:
    """One problem as the document needs it: its LaTeX section and its verdicts."""

    number: str
    topic: str
    title: str
    tex: str
    claims: tuple[tuple[str, Verdict], ...]
    answers: tuple[dict, ...] = ()  # the checked answers, as `latex.answer_rows` gives them
    appendix: str = ""  # the problem's entry in the verification appendix
    errata: tuple[dict, ...] = ()  # its erratum boxes, as `latex.errata_rows` gives them

    @property
    def passed(self) -> bool:
        return all(v.passed for _, v in self.claims)


def problem_key(prob: Problem, seed: int | None, samples: int | None) -> str:
    """What a problem's result depends on: topic, parameters, run settings, source files and the preamble
    (its geometry sizes the figures)."""
    files = (deps.closure(f"theory.{prob.topic}") + deps.closure(RENDERER) + deps.closure(__name__)
             + (registry.SHEETS_DIR / "preamble.tex",))
    settings = json.dumps([prob.topic, prob.number, prob.params, seed, samples], sort_keys=True, default=str)
    return deps.digest(files, settings)


def render_problem(prob: Problem, figure_dir: Path, cache_dir: Path | None, seed: int | None,
                   samples: int | None) -> Rendered:
    """Solve and render one problem, or take it from the cache; figures land in `figure_dir`."""
    entry = cache_dir / problem_key(prob, seed, samples) if cache_dir else None
    if entry is not None and (entry / "result.json").is_file():
        return _from_cache(entry, prob, figure_dir)
    sol = solve_problem(prob, seed, samples)
    own = figure_dir / f".{prob.topic}-{prob.number}"  # this problem's figures, then moved beside the .tex
    own.mkdir(parents=True, exist_ok=True)
    tex = latex.render(sol, own, number=prob.number)
    result = Rendered(prob.number, prob.topic, sol.title, tex, tuple((cid, v) for cid, _, v in sol.claims()),
                      tuple(latex.answer_rows(sol, prob.number)), latex.verification(sol, prob.number),
                      tuple(latex.errata_rows(sol, prob.number)))
    if entry is not None and result.passed:
        _store(entry, result, own)
    for f in own.iterdir():
        os.replace(f, figure_dir / f.name)
    own.rmdir()
    return result


def _store(entry: Path, result: Rendered, figures: Path) -> None:
    """Write a cache entry through a temporary folder, so a reader never sees half of one."""
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(figures, tmp / "figures")
    claims = [{"id": cid, "method": v.method, "passed": v.passed, "detail": v.detail, "data": v.data}
              for cid, v in result.claims]
    (tmp / "fragment.tex").write_text(result.tex, encoding="utf-8")
    (tmp / "appendix.tex").write_text(result.appendix, encoding="utf-8")
    (tmp / "result.json").write_text(json.dumps({"title": result.title, "claims": claims,
                                                 "answers": list(result.answers), "errata": list(result.errata)},
                                                default=float), encoding="utf-8")
    try:
        os.replace(tmp, entry)
    except OSError:  # another build stored the same entry first
        shutil.rmtree(tmp, ignore_errors=True)


def _from_cache(entry: Path, prob: Problem, figure_dir: Path) -> Rendered:
    data = json.loads((entry / "result.json").read_text(encoding="utf-8"))
    for f in (entry / "figures").iterdir():
        shutil.copyfile(f, figure_dir / f.name)
    claims = tuple((c["id"], Verdict(c["method"], c["passed"], c["detail"], c["data"])) for c in data["claims"])
    return Rendered(prob.number, prob.topic, data["title"], (entry / "fragment.tex").read_text(encoding="utf-8"),
                    claims, tuple(data.get("answers", ())), (entry / "appendix.tex").read_text(encoding="utf-8"),
                    tuple(data.get("errata", ())))


def jobs() -> int:
    """Worker processes: THEORY_JOBS if set, else one per core."""
    text = os.environ.get("THEORY_JOBS", "")
    if text and not (text.isascii() and text.isdigit() and 1 <= int(text) <= 64):
        raise BadInput(f"THEORY_JOBS must be a whole number from 1 to 64, got {text[:20]!r}")
    return int(text) if text else (os.cpu_count() or 1)


def render_sheet(sheet: Sheet, figure_dir: Path, *, cache_dir: Path | None = None, seed: int | None = None,
                 samples: int | None = None, pool: Executor | None = None) -> list[Rendered]:
    """Every problem solved and rendered, in the sheet's order: in `pool` if given (one shared by several
    sheets' builds), else in parallel over `jobs()` processes of its own."""
    args = [(prob, figure_dir, cache_dir, seed, samples) for prob in sheet.problems]
    try:
        if pool is not None:
            return list(pool.map(render_problem, *zip(*args)))
        workers = min(jobs(), len(sheet.problems))
        if workers <= 1:
            return [render_problem(*a) for a in args]
        with solving_pool(workers) as own:
            return list(own.map(render_problem, *zip(*args)))
    except BadInput as e:
        raise BadInput(f"{sheet.path.name}, {e}") from None


def solving_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """Worker processes forked now, while this process runs one thread: the topics it has imported are
    theirs without importing them again, and no other thread's lock is copied into them half held."""
    pool = ProcessPoolExecutor(workers or jobs(), mp_context=get_context("fork"))
    pool.submit(int).result()  # a fork start method launches every worker at the first submission
    return pool


def assemble(sheet: Sheet, figure_dir: Path, *, cache_dir: Path | None = None, seed: int | None = None,
             samples: int | None = None, pool: Executor | None = None) -> tuple[str, list[Rendered]]:
    """The whole document as a string (byte-identical for identical inputs)."""
    problems = render_sheet(sheet, figure_dir, cache_dir=cache_dir, seed=seed, samples=samples, pool=pool)
    preamble = (registry.SHEETS_DIR / "preamble.tex").read_text(encoding="utf-8")
    body = [
        rf"\hypersetup{{pdftitle={{{_plain(sheet.title)}}}, pdfsubject={{Checked solutions: {_plain(sheet.course)}}}}}",
        rf"\solutiontitle{{{sheet.title}}}{{{sheet.course}}}",
        sheet.intro,
        _legend(departs=any(e["departure"] for prob in problems for e in prob.errata)),
        _answers(problems),
        _errata(problems),
    ]  # no table of contents: the PDF's bookmarks (from \addcontentsline) are the navigation
    body.append(r"\clearpage")
    body.extend(prob.tex for prob in problems)
    body.append(_summary(sheet, problems))
    body.extend(prob.appendix for prob in problems)
    doc = preamble + "\n\\begin{document}\n" + "\n\n".join(b for b in body if b) + "\n\\end{document}\n"
    return doc, problems


def _plain(tex: str) -> str:
    """Text for PDF metadata: no math shifts or braces."""
    return latex.escape(tex.replace("$", "").replace("{", "").replace("}", "").replace("\\", ""))


def question(number: str, part: str) -> str:
    """Where a part is on the sheet: 4(d); for a problem spanning questions (1-2) whose parts name their own
    question (1a, 2), that question: 1(a), 2."""
    if not part:
        return number
    if "-" in number and part[0].isdigit():
        digits = part[:len(part) - len(part.lstrip("0123456789"))]
        rest = part[len(digits):]
        return f"{digits}({rest})" if rest else digits
    return f"{number}({part})"


def _answers(problems: list[Rendered]) -> str:
    """The answers first: each checked answer, the page of its box (a link), and how it was checked.

    A problem whose answers are all short is listed in two columns; one with a long answer (a vector of
    decimals, a formula) takes the full width, so that no answer shrinks below the size of its text.
    """
    runs: list[tuple[bool, list[str]]] = []  # (two columns?, rows), consecutive problems of one kind merged
    assumed = False  # some answer rests on an assumption (a dagger links to it)
    row = _errata_numbers(problems)
    for prob in problems:
        rows, short = [], True
        for a in prob.answers:
            where = f"{latex.anchor(prob.number, a['part'])}:box" if a["part"] else ""  # the page of its box
            part = question(prob.number, a["part"])
            page = rf"\hyperref[{where}]{{p.\,\pageref*{{{where}}}}}" if where else ""
            name = a["label"] + (r"\,\textsuperscript{\dag" + ",".join(
                rf"\hyperref[{box}]{{{row[box]}}}" for box in a["assumes"]) + "}" if a["assumes"] else "")
            assumed = assumed or bool(a["assumes"])
            short = short and latex.visible_length(a["latex"]) <= 30 and "matrix}" not in a["latex"]  # a long one wraps
            rows.append(rf"\answerrow{{{part}}}{{{name}}}{{{a['latex']}}}{{{page}}}{{{latex.mark_answer(a)}}}")
        if not rows:
            continue
        if runs and runs[-1][0] == short:
            runs[-1][1].extend(rows)
        else:
            runs.append((short, rows))
    if not runs:
        return ""
    # a full-width run ends with its last row's depth kept: a matrix hanging below it would otherwise meet the
    # two-column rows after it (multicols starts afresh and ignores the depth of what precedes it)
    blocks = [(r"\begin{multicols}{2}" "\n" + "\n".join(rows) + "\n" r"\end{multicols}") if short
              else "\n".join(rows) + "\n" r"\par\vspace{\prevdepth}" for short, rows in runs]
    note = (r"{\footnotesize\textsuperscript{\dag\,$n$}\,Rests on the assumption in row $n$ of the errata below "
            r"(each number links to its box).}" "\n") if assumed else ""
    return (r"\phantomsection\section*{Answers}\addcontentsline{toc}{section}{Answers}" "\n" + note
            + r"\begin{answerlist}" "\n" + "\n".join(blocks) + "\n" r"\end{answerlist}")


def _errata_numbers(problems: list[Rendered]) -> dict[str, int]:
    """Each erratum box's row in the errata table, by anchor: the number an answer's dagger carries."""
    return {e["anchor"]: n for n, e in enumerate((e for prob in problems for e in prob.errata), 1)}


def _errata(problems: list[Rendered]) -> str:
    """Every place the solution corrects the sheet or assumes what it leaves out, linked to its box."""
    departure = r"\emph{departure:} "
    row = _errata_numbers(problems)
    rows = [rf"{row[e['anchor']]} & {question(prob.number, e['part'])} & {departure if e['departure'] else ''}"
            rf"{e['summary']} & \hyperref[{e['anchor']}]{{p.\,\pageref*{{{e['anchor']}}}}}"
            for prob in problems for e in prob.errata]
    if not rows:
        return ""
    return (r"\phantomsection\section*{Errata and assumptions}"
            r"\addcontentsline{toc}{section}{Errata and assumptions}" "\n"
            r"{\footnotesize\setlength{\LTpre}{2pt}\setlength{\LTpost}{0pt}"
            r"\begin{longtable}{@{}r l p{0.77\linewidth} r@{}}\toprule" "\n"
            r"$n$ & Problem & The sheet says (its box corrects it, states what is assumed, or what is done instead) & "
            r"Page \\ \midrule\endhead" "\n"
            + " \\\\\n".join(rows) + "\n" r"\\ \bottomrule\end{longtable}}")


def _legend(departs: bool = False) -> str:
    return (
        r"{\small\textbf{How to read this key.} Every equation was checked, and its line says how: "
        r"\verdict{sym}{pass} SymPy proved the two sides equal; \verdict{num}{pass} they agree at random points "
        r"or on named instances (evidence, not proof); \verdict{MC}{pass} a seeded Monte-Carlo simulation agrees "
        rf"(it rejects when $|z| > {Z_ALARM:.2f}$: false alarms below ${_sci(FALSE_ALARM)}$, a {RESOLUTION:.0%} "
        rf"error caught with probability $1-{_sci(MISS_RATE)}$). Each mark links to what was done, in the "
        r"appendix; orange boxes correct the sheet or state what it leaves out"
        + (r", blue ones where this solution does otherwise than the sheet asks" if departs else "") + r".\par}"
    ).replace("%", r"\%")


def _sci(x: float) -> str:
    mantissa, exp = f"{x:.0e}".split("e")
    return rf"{mantissa}\cdot 10^{{{int(exp)}}}" if mantissa != "1" else rf"10^{{{int(exp)}}}"


def _summary(sheet: Sheet, problems: list[Rendered]) -> str:
    rows = []
    for prob, sol in zip(sheet.problems, problems):
        verdicts = [v for _, v in sol.claims]
        count = Counter(v.method for v in verdicts)
        samples = sum(int(v.data.get("samples", 0)) for v in verdicts if v.method == "monte-carlo")
        failed = sum(not v.passed for v in verdicts)
        status = r"\verdict{all}{pass}" if not failed else rf"\verdict{{{failed} failed}}{{fail}}"
        rows.append(
            f"{prob.number} & {sol.title} & {count['symbolic']} & {count['numeric']} & "
            f"{count['monte-carlo']} & {samples:,} & {status}".replace(",", "{,}")
        )
    changed = [
        f"Problem {p.number}: " + ", ".join(rf"\texttt{{{latex.escape(k)}}}" for k in p.params)
        for p in sheet.problems if p.params
    ]
    note = ("Parameters changed from the defaults by this sheet: " + "; ".join(changed) + ".") if changed else ""
    return (
        r"\clearpage\phantomsection\section*{Verification}\addcontentsline{toc}{section}{Verification}"
        r"Every claim of every problem, with what checked it; the marks in the body link here." "\n"
        r"\paragraph{Verification summary.}" "\n"
        r"\begin{center}\begin{tabular}{lp{6.2cm}rrrrl}\toprule" "\n"
        r"Problem & Topic & sym & num & MC & MC samples & status \\ \midrule" "\n"
        + " \\\\\n".join(rows)
        + "\n" r"\\ \bottomrule\end{tabular}\end{center}" "\n"
        + note + "\n" + _reproduce(sheet)
    )


def _reproduce(sheet: Sheet) -> str:
    def command(*words: str) -> str:  # one \texttt per word, so a long command breaks between words
        return " ".join(rf"\texttt{{{w}}}" for w in words)

    return (
        r"\paragraph{Reproduce.} " + command("python", "-m", "theory", "build", latex.escape(sheet.name))
        + " rebuilds this PDF. Each problem's parameters (the tables below) can be changed on the command line,"
        " and the problem is then re-derived and re-checked with them (see the README)."
    )
