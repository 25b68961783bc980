"""PDF builds: the results are in the PDF, the .tex is reproducible, failures keep the old PDF."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from theory.core import build
from theory.core.errors import BadInput

pytestmark = pytest.mark.skipif(
    shutil.which("latexmk") is None or shutil.which("pdftotext") is None,
    reason="needs latexmk and pdftotext",
)
SMALL = """
title = "Small sheet"
output = "Small.pdf"
intro = "{intro}"
[[problem]]
number = "4"
topic = "lr_divergence"
[[problem]]
number = "6"
topic = "dropout"
[problem.params]
max_size = 1
"""


def _sheet(tmp_path: Path, intro: str = "Intro.") -> Path:
    p = tmp_path / "small.toml"
    p.write_text(SMALL.replace("{intro}", intro))
    return p


def test_build_writes_pdf_with_results_and_is_reproducible(tmp_path):
    sheet = _sheet(tmp_path)
    out = tmp_path / "out"
    assert build.build(str(sheet), out_dir=out) == 0
    text = subprocess.run(["pdftotext", str(out / "Small.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "Learning rate and divergence" in text and "Dropout" in text
    assert "Verification summary" in text and "Erratum" in text
    tex = (out / "Small" / "Small.tex").read_bytes()
    assert build.build(str(sheet), out_dir=out) == 0  # up to date: skipped
    assert build.build(str(sheet), out_dir=out, force=True) == 0
    assert (out / "Small" / "Small.tex").read_bytes() == tex


def test_tex_failure_keeps_previous_pdf(tmp_path, capsys):
    out = tmp_path / "out"
    assert build.build(str(_sheet(tmp_path)), out_dir=out) == 0
    before = (out / "Small.pdf").read_bytes()
    broken = _sheet(tmp_path, intro=r"\\undefinedmacro")
    assert build.build(str(broken), out_dir=out) == 1
    err = capsys.readouterr().err
    assert "Undefined control sequence" in err and "line" in err and "previous PDF kept" in err
    assert (out / "Small.pdf").read_bytes() == before


def test_malformed_sheet_is_bad_input(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("title = 'x'\noutput = 'x.pdf'\n[[problem]]\ntopic = 'nope'\n")
    with pytest.raises(BadInput, match="unknown topic"):
        build.build(str(bad), out_dir=tmp_path)
    bad.write_text("title = \n")
    r = subprocess.run([sys.executable, "-m", "theory", "build", str(bad)], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "malformed TOML" in r.stderr


def test_first_tex_error_is_reported_with_its_line():
    log = "x\n./doc.tex:42: Undefined control sequence.\nmore\n"
    assert build.first_tex_error(log) == "doc.tex line 42: Undefined control sequence."


def test_hw1_pdf_contains_key_results():
    root = Path(__file__).resolve().parents[1]
    assert build.build("iust-dl-hw1") == 0
    text = subprocess.run(["pdftotext", str(root / "solutions/build/HW1_Solution.pdf"), "-"],
                          capture_output=True, text=True).stdout
    for needle in ("Kaiming", "Dropout", "Erratum", "Verification summary", "all hold"):
        assert needle in text
