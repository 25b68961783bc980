"""PDF builds: the results are in the PDF, the .tex is reproducible, failures keep the old PDF.

Builds of one output are serialised by a lock, a killed build leaves the old PDF and no stamp, a
broken PDF is never published, and an unwritable output is one line and exit status 1. Tests run
as root, where chmod does not stop writing: an unwritable folder is simulated by a regular file
where the folder should be, or by a monkeypatched mkdir that raises PermissionError.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import invoke
from theory.core import build, deps
from theory.core import sheet as sheets
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
    assert invoke("theory", "build", str(sheet), "--out", str(out)).returncode == 0
    info = subprocess.run(["pdfinfo", str(out / "Small.pdf")], capture_output=True, text=True).stdout
    assert "Title:" in info and "CreationDate" not in info and "ModDate" not in info  # no made-up date
    pdf = (out / "Small.pdf").read_bytes()
    text = subprocess.run(["pdftotext", str(out / "Small.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "Learning rate and divergence" in text and "Dropout" in text
    assert "Verification summary" in text and "Erratum" in text
    answers = text[text.index("Answers"):text.index("Problem 4")]
    assert "ηopt" in answers and "divergence threshold" in answers and "E[R]" in answers  # checked answers first,
    assert "eta_opt" not in answers  # under their typeset names
    tex = (out / "Small" / "Small.tex").read_bytes()
    assert build.build(str(sheet), out_dir=out) == 0  # up to date: skipped
    assert build.build(str(sheet), out_dir=out, force=True) == 0
    assert (out / "Small" / "Small.tex").read_bytes() == tex
    assert (out / "Small.pdf").read_bytes() == pdf  # the same inputs, the same bytes
    folder_is_a_file = invoke("theory", "build", str(sheet), "--out", str(out / "Small.pdf"))
    assert folder_is_a_file.returncode == 2 and "not a folder" in folder_is_a_file.stderr
    too_long = invoke("theory", "build", "--all", "--out", str(tmp_path / ("x" * 5000)))  # the name, not a crash
    assert too_long.returncode == 2 and "not a usable name" in too_long.stderr


def test_tex_failure_keeps_previous_pdf(tmp_path, capsys):
    out = tmp_path / "out"
    assert build.build(str(_one_topic(tmp_path)), out_dir=out) == 0
    before = (out / "Small.pdf").read_bytes()
    broken = _one_topic(tmp_path, intro=r"\\undefinedmacro")
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


ONE_TOPIC = 'title = "Small sheet"\noutput = "Small.pdf"\nintro = "{intro}"\n[[problem]]\ntopic = "lr_divergence"\n'


def _one_topic(tmp_path: Path, intro: str = "Intro.") -> Path:
    p = tmp_path / "one.toml"
    p.write_text(ONE_TOPIC.replace("{intro}", intro))
    return p


def _start_build(sheet: Path, out: Path, log: Path) -> subprocess.Popen:
    """`python -m theory build` in its own process group, its output to `log`."""
    env = {**os.environ, "THEORY_BUILD_DIR": str(out), "PYTHONUNBUFFERED": "1"}
    with log.open("w") as f:
        return subprocess.Popen([sys.executable, "-m", "theory", "build", str(sheet)], stdout=f,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _wait_for(what, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _valid_pdf_and_true_stamp(sheet: Path, out: Path) -> None:
    assert build.verify_pdf(out / "Small.pdf") is None
    assert (out / ".Small.inputs").read_text() == build._inputs_key(sheets.load(sheet), None, None)


def test_concurrent_builds_take_turns_and_the_second_finds_it_up_to_date(tmp_path):
    """Both builds wait for a lock this test holds, then run one after the other."""
    sheet, out = _one_topic(tmp_path), tmp_path / "out"
    out.mkdir()
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with open(out / ".Small.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        procs = [_start_build(sheet, out, log) for log in logs]
        for proc, log in zip(procs, logs):  # a build that finishes without waiting ignored the lock
            _wait_for(lambda proc=proc, log=log: "waiting" in log.read_text() or proc.poll() is not None)
            assert proc.poll() is None, log.read_text()
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    ends = sorted(log.read_text().splitlines()[-1].split(": ")[1].split(" (")[0] for log in logs)
    assert ends == ["up to date", "written"], ends
    _valid_pdf_and_true_stamp(sheet, out)


def test_killed_build_keeps_old_pdf_and_leaves_no_stamp(tmp_path):
    out = tmp_path / "out"
    assert build.build(str(_one_topic(tmp_path)), out_dir=out) == 0
    old = (out / "Small.pdf").read_bytes()
    sheet = _one_topic(tmp_path, intro="Changed.")
    proc = _start_build(sheet, out, tmp_path / "log")
    tex = out / "Small" / "Small.tex"
    _wait_for(lambda: proc.poll() is not None or "Changed." in tex.read_text())  # about to run TeX
    time.sleep(0.5)
    assert proc.poll() is None, (tmp_path / "log").read_text()
    os.killpg(proc.pid, signal.SIGKILL)  # the build and its TeX
    proc.wait()
    assert (out / "Small.pdf").read_bytes() == old
    assert not (out / ".Small.inputs").exists()
    aux = out / "Small" / "Small.aux"  # as if the kill hit TeX while it wrote its .aux
    aux.write_bytes(aux.read_bytes()[:300])
    assert build.build(str(sheet), out_dir=out) == 0  # the lock is free and the half-done work is redone
    _valid_pdf_and_true_stamp(sheet, out)
    assert (out / "Small.pdf").read_bytes() != old


def test_broken_pdf_is_not_published(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "Small.pdf").write_bytes(b"the previous PDF")
    (out / ".Small.inputs").write_text("an old stamp")

    def truncated(tex_file: Path) -> bool:
        tex_file.with_suffix(".pdf").write_bytes(b"%PDF-1.5\n1 0 obj\n")
        return True

    monkeypatch.setattr(build, "_compile", truncated)
    assert build.build(str(_one_topic(tmp_path)), out_dir=out) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken PDF" in err and "%%EOF" in err and "previous PDF kept" in err
    assert (out / "Small.pdf").read_bytes() == b"the previous PDF"
    assert not (out / ".Small.inputs").exists()


def test_verify_pdf_rejects_what_is_not_a_whole_pdf(tmp_path):
    pdf = tmp_path / "x.pdf"
    assert build.verify_pdf(pdf) == "no PDF written"
    for data, why in [(b"", "empty"), (b"<html>%%EOF", "%PDF-"), (b"%PDF-1.5\nstuff", "%%EOF"),
                      (b"%PDF-1.4\n%%EOF\n", "pdfinfo rejects it")]:
        pdf.write_bytes(data)
        assert why in build.verify_pdf(pdf)


def test_unwritable_output_is_one_line_and_exit_1(tmp_path):
    """The output folder is a regular file: the real command line, no traceback."""
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    r = subprocess.run([sys.executable, "-m", "theory", "build", str(_one_topic(tmp_path))],
                       capture_output=True, text=True, env={**os.environ, "THEORY_BUILD_DIR": str(blocker)})
    assert r.returncode == 1 and r.stderr == f"error: cannot write {blocker}: File exists\n"


def test_unwritable_work_folder_or_permission_denied_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "Small").write_text("a file where the work folder goes")
    sheet = str(_one_topic(tmp_path))
    assert build.build(sheet, out_dir=out) == 1
    assert capsys.readouterr().err == f"error: cannot write {out / 'Small'}: File exists\n"

    def denied(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "mkdir", denied)  # what a read-only folder does to a non-root user
    assert build.build(sheet, out_dir=tmp_path / "new") == 1
    assert capsys.readouterr().err == f"error: cannot write {tmp_path / 'new'}: Permission denied\n"


def test_tex_in_a_sheet_cannot_run_commands_or_read_outside_files(tmp_path, capsys):
    """A sheet's intro is LaTeX: shell escape is off and absolute paths cannot be read."""
    marker = tmp_path / "ran"
    out = tmp_path / "out"
    assert build.build(str(_one_topic(tmp_path, intro=rf"\\immediate\\write18{{touch {marker}}}")), out_dir=out) == 0
    assert not marker.exists()
    secret = tmp_path / "secret.tex"
    secret.write_text("SECRET-TEXT")
    assert build.build(str(_one_topic(tmp_path, intro=rf"\\input{{{secret}}}")), out_dir=out) == 1
    assert "previous PDF kept" in capsys.readouterr().err
    text = subprocess.run(["pdftotext", str(out / "Small.pdf"), "-"], capture_output=True, text=True).stdout
    assert "SECRET-TEXT" not in text


def test_tex_that_never_ends_is_stopped_and_the_previous_pdf_kept(tmp_path, monkeypatch, capsys):
    """A loop in a sheet's intro would run TeX forever: it is stopped (pdflatex too) after TEX_SECONDS."""
    out = tmp_path / "out"
    assert build.build(str(_one_topic(tmp_path)), out_dir=out) == 0
    before = (out / "Small.pdf").read_bytes()
    monkeypatch.setattr(build, "TEX_SECONDS", 3)
    start = time.monotonic()
    assert build.build(str(_one_topic(tmp_path, intro=r"\\loop\\iftrue\\repeat")), out_dir=out) == 1
    assert time.monotonic() - start < 60 and "did not finish" in capsys.readouterr().err
    assert (out / "Small.pdf").read_bytes() == before
    assert not subprocess.run(["pgrep", "-f", "Small.tex"], capture_output=True).stdout  # no TeX left running


def _pretend_tex(tex_file: Path) -> bool:
    """TeX's place in a build, without TeX: a PDF that passes `verify_pdf` when pdfinfo is absent."""
    tex_file.with_suffix(".pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return True


def test_build_all_solves_every_sheet_in_one_pool_and_writes_what_one_by_one_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "_compile", _pretend_tex)
    monkeypatch.setattr(build, "verify_pdf", lambda pdf: None)
    monkeypatch.setenv("THEORY_JOBS", "2")
    sheets_ = []
    for name, number in (("first", "1"), ("second", "2")):
        path = tmp_path / f"{name}.toml"
        path.write_text(ONE_TOPIC.replace("{intro}", name).replace("Small.pdf", f"{name}.pdf")
                        .replace('number = "4"', f'number = "{number}"'))
        sheets_.append(str(path))
    pools, one_by_one = [], tmp_path / "one-by-one"
    for s in sheets_:
        assert build.build(s, out_dir=one_by_one) == 0
    real, read = build.build, deps._imports
    monkeypatch.setattr(build, "build", lambda *a, **kw: pools.append(kw.get("pool")) or real(*a, **kw))
    readers = set()  # CPython's parser is not safe in two threads: sources are read before the threads start
    monkeypatch.setattr(deps, "_imports", lambda path: readers.add(threading.current_thread()) or read(path))
    deps.closure.cache_clear()
    together = tmp_path / "together"
    assert build.build_all(sheets_, out_dir=together) == 0
    assert len(pools) == 2 and pools[0] is not None and pools[0] is pools[1]
    assert readers == {threading.main_thread()}
    for name in ("first", "second"):
        assert (together / name / f"{name}.tex").read_bytes() == (one_by_one / name / f"{name}.tex").read_bytes()


def test_build_all_refuses_a_bad_sheet_before_building_any(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "_compile", _pretend_tex)
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(ONE_TOPIC.replace("{intro}", "Good."))
    bad.write_text(ONE_TOPIC.replace("{intro}", "Bad.").replace("Small.pdf", "Bad.pdf")
                   .replace('topic = "lr_divergence"', 'topic = "no_such_topic"'))
    with pytest.raises(BadInput, match="no_such_topic"):
        build.build_all([str(good), str(bad)], out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_build_all_writes_the_good_sheets_and_exits_1_when_one_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "_compile", lambda tex: "Broken." not in tex.read_text() and _pretend_tex(tex))
    monkeypatch.setattr(build, "verify_pdf", lambda pdf: None)
    monkeypatch.setenv("THEORY_JOBS", "2")
    good, broken = tmp_path / "good.toml", tmp_path / "broken.toml"
    good.write_text(ONE_TOPIC.replace("{intro}", "Good."))
    broken.write_text(ONE_TOPIC.replace("{intro}", "Broken.").replace("Small.pdf", "Broken.pdf"))
    out = tmp_path / "out"
    assert build.build_all([str(broken), str(good)], out_dir=out) == 1
    assert (out / "Small.pdf").is_file() and not (out / "Broken.pdf").exists()
