"""Every sheet's PDF is typeset as a document, not a program's output: checked on the real builds."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from theory.core import build, pages, registry, sheet

pytestmark = [
    pytest.mark.skipif(shutil.which("latexmk") is None or shutil.which("pdftotext") is None,
                       reason="needs latexmk and pdftotext"),
    pytest.mark.tex,
    pytest.mark.xdist_group("sheets"),
]
PROGRAM = re.compile(r"\*\*|!=|->|==|\b(?:theory|checks|numpy|scipy|sympy)\.[a-z]|\.py\b|\$|\\[a-z]+\{"  # raw TeX too
                     # e-notation, also with a typeset minus (4e^{-2|x|} is mathematics, 1e-05 is not)
                     r"|\b\d+(?:\.\d+e\s?[-+\u2212]?\s?\d+|e\s?[-+\u2212]?\s?\d{2,})\b")


@pytest.fixture(scope="module")
def pdfs() -> dict[str, tuple[str, str, str]]:
    """Each sheet built (or up to date): its PDF's text, its TeX log and its metadata."""
    out = {}
    assert build.build_all(registry.sheet_names()) == 0
    for name in registry.sheet_names():
        output = sheet.load(registry.sheet_path(name)).output
        pdf = registry.BUILD_DIR / output
        stem = pdf.stem
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        out[name] = (text, (registry.BUILD_DIR / stem / f"{stem}.log").read_text(errors="replace"), info)
    return out


@pytest.fixture(scope="module")
def layouts(pdfs) -> dict[str, tuple[list[str], int, bool]]:
    """Each built sheet's page texts, its body pages and whether its source has an erratum box."""
    out = {}
    for name in pdfs:
        pdf = registry.BUILD_DIR / sheet.load(registry.sheet_path(name)).output
        tex = (pdf.parent / pdf.stem / f"{pdf.stem}.tex").read_text(encoding="utf-8")
        out[name] = (pages.page_texts(pdf), pages.body_pages(pdf)[1], r"\erratum[" in tex)
    return out


def test_nothing_runs_into_the_margin(pdfs):
    over = {name: log.count("Overfull \\hbox") for name, (_, log, _) in pdfs.items()}
    assert not any(over.values()), f"overfull boxes: {over}"


def test_no_diagram_prints_its_text_below_6pt(pdfs):
    small = [name for name, (_, log, _) in pdfs.items() if "Diagram text printed below 6pt" in log]
    assert not small, f"diagrams shrunk below 6 pt text: {small}"


def test_no_program_text_and_numbers_typeset_as_numbers(pdfs):
    found = {name: sorted(set(PROGRAM.findall(text)))[:8] for name, (text, _, _) in pdfs.items()}
    assert not any(found.values()), f"program text in the PDFs: {found}"


def test_title_and_subject_are_in_the_metadata(pdfs):
    for name, (_, _, info) in pdfs.items():
        assert re.search(r"^Title:\s+\S", info, re.M) and re.search(r"^Subject:\s+Checked solutions", info, re.M), name


def test_the_body_is_as_short_as_a_key(layouts):
    long = {name: (body, pages.BODY_TARGETS[name]) for name, (_, body, _) in layouts.items()
            if name in pages.BODY_TARGETS and body > pages.BODY_TARGETS[name]}
    assert not long, f"body pages (found, at most): {long}"


def test_the_front_matter_has_the_answers_and_the_errata(layouts):
    for name, (texts, _, has_errata) in layouts.items():
        front = "\n".join(texts[:2])
        assert "Answers" in front, name
        assert not has_errata or "Errata and assumptions" in front, name


def test_tables_and_figures_are_numbered_from_one_without_gaps(pdfs):
    for name, (text, _, _) in pdfs.items():
        for kind in ("Table", "Figure"):
            numbers = sorted({int(n) for n in re.findall(rf"\b{kind} (\d+):", text)})  # captions, in any text order
            assert numbers == list(range(1, len(numbers) + 1)), (name, kind, numbers)


def test_no_problem_heading_is_left_at_the_foot_of_a_page(layouts):
    """A problem's heading (in the body or the appendix) is followed on its page by what it heads."""
    stranded = []
    for name, (texts, _, _) in layouts.items():
        for number, page in enumerate(texts, 1):
            lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
            last = lines[-2] if len(lines) >= 2 and lines[-1].isdigit() else (lines[-1] if lines else "")
            if re.match(r"Problem [\w.-]+: ", last):
                stranded.append((name, number, last))
    assert not stranded, f"headings at the foot of a page: {stranded}"
