"""Sheet files are validated when loaded: every defect is one BadInput sentence and exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from theory.core import build, cli, registry, sheet
from theory.core.errors import BadInput

HEAD = 'title = "T"\noutput = "T.pdf"\n'
ONE = '[[problem]]\nnumber = "4"\ntopic = "lr_divergence"\n'


def _write(tmp_path: Path, text: str | bytes, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


BAD_SHEETS = {
    "not utf-8": (HEAD.encode() + b'intro = "caf\xe9"\n' + ONE.encode(), r"not UTF-8 text"),
    "too large": (HEAD + ONE + "#" * (1 << 20), r"larger than 1 MiB"),
    "malformed": ("title = \n", r"malformed TOML"),
    "too deep": ("x = " + "[" * 100_000, r"malformed TOML"),
    "title table": ('output = "T.pdf"\n' + ONE + "[title]\nx = 1\n", r"title must be a string, got a table"),
    "course int": (HEAD + "course = 3\n" + ONE, r"course must be a string, got an integer"),
    "intro array": (HEAD + "intro = ['a']\n" + ONE, r"intro must be a string, got an array"),
    "output int": ('title = "T"\noutput = 3\n' + ONE, r"output must be a string, got an integer"),
    "no output": ('title = "T"\n' + ONE, r"missing key 'output'"),
    "no problem": (HEAD, r"missing key 'problem'"),
    "problem string": (HEAD + 'problem = "x"\n', r"problem must be a non-empty array"),
    "problem empty": (HEAD + "problem = []\n", r"problem must be a non-empty array"),
    "problem ints": (HEAD + "problem = [1, 2]\n", r"problem must be a non-empty array"),
    "problem table": (HEAD + '[problem]\ntopic = "lr_divergence"\n', r"problem must be a non-empty array"),
    "unknown key": (HEAD + 'outptu = "x"\n' + ONE, r"unknown key 'outptu' \(allowed: title, course,"),
    "unknown problem key": (HEAD + ONE + "param = 1\n", r"problem 1: unknown key 'param' \(allowed: number"),
    "no topic": (HEAD + '[[problem]]\nnumber = "1"\n', r"problem 1: topic must be a string naming a topic"),
    "topic int": (HEAD + "[[problem]]\ntopic = 3\n", r"topic must be a string .* got an integer"),
    "unknown topic": (HEAD + '[[problem]]\ntopic = "nope"\n', r"problem 1: unknown topic 'nope'"),
    "number bool": (HEAD + "[[problem]]\nnumber = true\ntopic = 'kl'\n", r"number must be a string or integer"),
    "number float": (HEAD + "[[problem]]\nnumber = 1.5\ntopic = 'kl'\n", r"number must be a string or integer"),
    "number path": (HEAD + "[[problem]]\nnumber = '../x'\ntopic = 'kl'\n", r"number must be a string or integer"),
    "params array": (HEAD + ONE + "params = [1]\n", r"problem 4: params must be a table, got an array"),
    "unknown param": (HEAD + ONE + "[problem.params]\neta = 1\n", r"problem 4: unknown parameter eta"),
    "bad param later": (HEAD + ONE + '[[problem]]\nnumber = "5b"\ntopic = "lr_divergence"\n'
                        "[problem.params]\nsteps = 100000\n", r"problem 5b: parameter steps = 100000 is out of range"),
    "param type": (HEAD + ONE + "[problem.params]\na = 'big'\n", r"problem 4: parameter a: cannot read 'big'"),
}
BAD_OUTPUTS = [".pdf", "...pdf", "../x.pdf", "a/b.pdf", "/tmp/x.pdf", "a\\\\b.pdf", "a..pdf", "x.txt", "x", "",
               "-x.pdf", "a b.pdf", "caf\u00e9.pdf", "x.pdf\\n", "cache.pdf", "X.PDF", "a" * 97 + ".pdf"]


@pytest.mark.parametrize("case", BAD_SHEETS)
def test_bad_sheet_is_one_sentence_naming_the_file(tmp_path, case, capsys):
    text, message = BAD_SHEETS[case]
    path = _write(tmp_path, text)
    with pytest.raises(BadInput, match=message) as e:
        sheet.load(path)
    assert str(e.value).startswith("s.toml") and "\n" not in str(e.value)
    # the command line says the same, in one line, with exit status 2, before anything is built
    assert cli.main(["build", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: s.toml") and len(err) < 600


@pytest.mark.parametrize("output", BAD_OUTPUTS)
def test_output_must_be_a_plain_pdf_name(tmp_path, output):
    with pytest.raises(BadInput, match=r"output must be a plain file name"):
        sheet.load(_write(tmp_path, f'title = "T"\noutput = "{output}"\n' + ONE))


def test_good_outputs_and_numbers_are_accepted(tmp_path):
    text = 'title = "T"\noutput = "CS-7643_PS2.v2.pdf"\n' + ONE + "[[problem]]\nnumber = 7\ntopic = 'kl'\n"
    s = sheet.load(_write(tmp_path, "\ufeff" + text))  # a byte-order mark is allowed
    assert s.output == "CS-7643_PS2.v2.pdf" and [p.number for p in s.problems] == ["4", "7"]
    assert sheet.load(_write(tmp_path, HEAD + ONE.replace('number = "4"\n', ""))).problems[0].number == "1"
    assert sheet.load(_write(tmp_path, 'title = "T"\noutput = "' + "a" * 96 + '.pdf"\n' + ONE))


def test_parameters_are_checked_before_anything_is_solved(tmp_path, monkeypatch):
    import theory.lr_divergence

    def solve(*args):
        raise AssertionError("solved before the sheet was validated")

    monkeypatch.setattr(theory.lr_divergence, "solve", solve)
    text, message = BAD_SHEETS["bad param later"]
    with pytest.raises(BadInput, match=message):
        build.build(str(_write(tmp_path, text)), out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_sheets_in_solutions_are_valid_and_write_distinct_pdfs():
    sheet.check_unique_outputs()
    outputs = [sheet.load(registry.sheet_path(n)).output for n in registry.sheet_names()]
    assert len(set(outputs)) == len(outputs) > 0


def test_two_sheets_may_not_write_one_pdf(tmp_path):
    a = _write(tmp_path, HEAD + ONE, "a.toml")
    b = _write(tmp_path, HEAD.replace("T.pdf", "t.pdf") + ONE, "b.toml")
    c = _write(tmp_path, HEAD.replace("T.pdf", "C.pdf") + ONE, "c.toml")
    sheet.check_unique_outputs([a, c])
    with pytest.raises(BadInput, match=r"a.toml and b.toml both write t.pdf"):
        sheet.check_unique_outputs([a, c, b])


def test_build_all_refuses_duplicate_outputs_before_building(tmp_path, monkeypatch, capsys):
    sheets = tmp_path / "solutions"
    sheets.mkdir()
    for name in ("a", "b", "c"):
        _write(sheets, HEAD.replace("T.pdf", "B.pdf" if name == "c" else "A.pdf") + ONE, f"{name}.toml")
    out = tmp_path / "out"
    monkeypatch.setattr(registry, "SHEETS_DIR", sheets)
    monkeypatch.setenv("THEORY_BUILD_DIR", str(out))
    assert cli.main(["build", "--all"]) == 2
    assert capsys.readouterr().err == "error: a.toml and b.toml both write A.pdf: give each sheet its own output\n"
    assert not out.exists()


def test_command_line_reports_bad_sheets_in_one_line(tmp_path):
    """The real entry point, once for a file that is not UTF-8 and once for a path as output."""
    for text in (BAD_SHEETS["not utf-8"][0], 'title = "T"\noutput = "../x.pdf"\n' + ONE):
        r = subprocess.run([sys.executable, "-m", "theory", "build", str(_write(tmp_path, text))],
                           capture_output=True, text=True)
        assert r.returncode == 2 and r.stdout == ""
        assert r.stderr.startswith("error: s.toml: ") and r.stderr.count("\n") == 1
