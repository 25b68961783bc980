"""Solve every problem of a sheet and assemble the LaTeX document."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from checks.montecarlo import FALSE_ALARM, MISS_RATE, RESOLUTION, Z_ALARM
from theory.core import registry
from theory.core.cli import solve_topic
from theory.core.errors import BadInput
from theory.core.render import latex
from theory.core.sheet import Sheet
from theory.core.solution import Solution


def solve_sheet(sheet: Sheet, *, seed: int | None = None, samples: int | None = None) -> list[Solution]:
    out = []
    for prob in sheet.problems:
        try:
            out.append(solve_topic(registry.load_topic(prob.topic), prob.params, seed, samples))
        except BadInput as e:
            raise BadInput(f"{sheet.path.name}, problem {prob.number}: {e}") from None
    return out


def assemble(sheet: Sheet, figure_dir: Path, *, seed: int | None = None,
             samples: int | None = None) -> tuple[str, list[Solution]]:
    """The whole document as a string (byte-identical for identical inputs)."""
    solutions = solve_sheet(sheet, seed=seed, samples=samples)
    preamble = (registry.SHEETS_DIR / "preamble.tex").read_text(encoding="utf-8")
    body = [
        rf"\solutiontitle{{{sheet.title}}}{{{sheet.course}}}",
        sheet.intro,
        _legend(),
        r"\tableofcontents",
    ]
    for prob, sol in zip(sheet.problems, solutions):
        body.append(r"\clearpage")
        body.append(latex.render(sol, figure_dir, number=prob.number))
    body.append(_summary(sheet, solutions))
    doc = preamble + "\n\\begin{document}\n" + "\n\n".join(b for b in body if b) + "\n\\end{document}\n"
    return doc, solutions


def _legend() -> str:
    return (
        r"\paragraph{How to read this document.} Every equation below was checked by the "
        r"verifier, and each line says how: \verdict{sym}{pass} SymPy proved the two sides "
        r"equal; \verdict{num}{pass} they agree numerically (at random points, or on the named "
        r"instances, which is evidence, not proof); \verdict{MC}{pass} an independent "
        r"Monte-Carlo simulation agrees with the derived value. Simulations are seeded and "
        rf"calibrated: a check rejects when $|z| > {Z_ALARM:.2f}$ (false-alarm rate "
        rf"${_sci(FALSE_ALARM)}$) and draws enough samples that a {RESOLUTION:.0%} relative error "
        rf"is caught with probability $1-{_sci(MISS_RATE)}$. Where the sheet is wrong or silent "
        r"(errata, missing figures) a framed note says so and names the parameter that holds "
        r"the assumption."
    ).replace("%", r"\%")


def _sci(x: float) -> str:
    mantissa, exp = f"{x:.0e}".split("e")
    return rf"{mantissa}\cdot 10^{{{int(exp)}}}" if mantissa != "1" else rf"10^{{{int(exp)}}}"


def _summary(sheet: Sheet, solutions: list[Solution]) -> str:
    rows = []
    for prob, sol in zip(sheet.problems, solutions):
        verdicts = [v for _, _, v in sol.claims()]
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
        r"\clearpage\section*{Verification summary}\addcontentsline{toc}{section}{Verification summary}"
        "\n" r"\begin{center}\begin{tabular}{lp{6.2cm}rrrrl}\toprule" "\n"
        r"Problem & Topic & sym & num & MC & MC samples & status \\ \midrule" "\n"
        + " \\\\\n".join(rows)
        + "\n" r"\\ \bottomrule\end{tabular}\end{center}" "\n"
        + note + "\n" + _reproduce(sheet)
    )


def _reproduce(sheet: Sheet) -> str:
    return (
        r"\paragraph{Reproduce.} \texttt{python -m theory build " + latex.escape(sheet.name) + r"} "
        r"rebuilds this PDF; \texttt{python -m theory.\textit{topic} -{}-param name=value} "
        r"re-derives and re-checks one problem with other inputs (\texttt{-{}-help} lists them)."
    )
