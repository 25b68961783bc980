"""Sheet -> one .tex -> latexmk -> solutions/build/<output>.pdf, atomically.

The PDF only ever appears by `os.replace` of a freshly compiled and verified
file from a work folder inside the output folder (one file system), so a failed
or killed build leaves the previous PDF in place. Builds of one output take a
lock, so concurrent builds run one after the other. A build whose inputs (sheet,
preamble, code, seed, samples) are unchanged since the last success is skipped;
the stamp that records this is removed when a build starts and written last.
`THEORY_BUILD_DIR` moves the output folder (default solutions/build).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from theory.core import deps, registry
from theory.core import sheet as sheets
from theory.core.errors import BadInput
from theory.core.sheet import Sheet

SOURCE_DATE_EPOCH = "1700000000"
TEX_PROGRAMS = ("latexmk", "pdflatex")
TEX_SECONDS = 300  # a sheet's TeX is stopped after this long (a loop in its title or intro)
INSTALL_HINT = (
    "apt-get install latexmk texlive-latex-base texlive-latex-recommended "
    "texlive-latex-extra texlive-pictures texlive-fonts-recommended"
)
INCOMPLETE = ".incomplete"  # in a work folder while a build runs; a leftover means a killed or failed build


def _inputs_key(sheet: Sheet, seed: int | None, samples: int | None) -> str:
    """A hash of everything the PDF depends on: the sheet, the preamble, the build's own code and
    the source files its topics import (another topic's change leaves the stamp alone)."""
    files = [sheet.path, registry.SHEETS_DIR / "preamble.tex", *deps.closure(__name__)]
    for prob in sheet.problems:
        files += deps.closure(f"theory.{prob.topic}")
    return deps.digest(files, f"{seed}/{samples}")


def build(name: str, *, seed: int | None = None, samples: int | None = None,
          force: bool = False, out_dir: Path | None = None, pool: Executor | None = None) -> int:
    """Build one sheet's PDF; returns the exit status (0, 1) or raises BadInput. Its problems are solved in
    `pool` if given (shared with other builds), else in worker processes of its own."""
    sheet = _load(name)
    missing = [p for p in TEX_PROGRAMS if shutil.which(p) is None]
    if missing:
        raise BadInput(f"{' and '.join(missing)} not found: install TeX Live with: {INSTALL_HINT}")
    out_dir = output_folder(out_dir)
    target = out_dir / sheet.output
    official = registry.SHEETS_DIR.resolve()
    if out_dir.resolve() == registry.BUILD_DIR.resolve() and sheet.path.resolve().parent != official:
        # a sheet of one's own may not overwrite a PDF of the sheets folder's in its build folder
        sheets.check_unique_outputs([*(registry.sheet_path(n) for n in registry.sheet_names()), sheet.path])
    key = _inputs_key(sheet, seed, samples)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with _locked(out_dir / f".{Path(sheet.output).stem}.lock", target):
            return _build_locked(sheet, target, key, seed=seed, samples=samples, force=force, pool=pool)
    except OSError as e:
        print(f"error: cannot write {e.filename or target}: {e.strerror or e}", file=sys.stderr)
        return 1


def output_folder(given: Path | None) -> Path:
    """The output folder (--out, else THEORY_BUILD_DIR, else solutions/build); a name the system will not take
    (too long) is bad input, not a crash."""
    path = Path(given or os.environ.get("THEORY_BUILD_DIR") or registry.BUILD_DIR)
    try:
        path.stat()
    except FileNotFoundError:  # made by the build
        pass
    except OSError as e:
        raise BadInput(f"output folder {str(path)[:80]}...: not a usable name ({e.strerror})") from None
    return path


def _load(name: str) -> Sheet:
    """A sheet by name or path; the sheets of the sheets folder must each write an output of their own."""
    path = registry.sheet_path(name)
    sheet = sheets.load(path)
    if path.resolve().parent == registry.SHEETS_DIR.resolve():
        sheets.check_unique_outputs()
    return sheet


def build_all(names: list[str], *, seed: int | None = None, samples: int | None = None,
              force: bool = False, out_dir: Path | None = None) -> int:
    """Build several sheets at once: one pool of worker processes solves every sheet's problems, and each
    sheet's TeX runs as soon as its own problems are done, while the workers go on with the next sheets'.
    Built one after the other, a core would wait through every TeX run. Returns the worst exit status."""
    from theory.core.assemble import jobs, solving_pool

    output_folder(out_dir)  # bad input before anything is built
    for name in names:  # likewise; topics imported and sources read before the fork and the threads
        _inputs_key(_load(name), seed, samples)
    if jobs() <= 1 or len(names) <= 1:
        return max((build(n, seed=seed, samples=samples, force=force, out_dir=out_dir) for n in names), default=0)
    with solving_pool() as pool, ThreadPoolExecutor(len(names)) as threads:
        runs = [threads.submit(build, n, seed=seed, samples=samples, force=force, out_dir=out_dir, pool=pool)
                for n in names]
        return max(run.result() for run in runs)


@contextmanager
def _locked(lock_file: Path, target: Path) -> Iterator[None]:
    """Hold an exclusive lock for one output; the kernel drops it if the process dies."""
    with open(lock_file, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"{target}: waiting for another build of it to finish", flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _build_locked(sheet: Sheet, target: Path, key: str, *, seed: int | None, samples: int | None,
                  force: bool, pool: Executor | None) -> int:
    """The build proper, under the output's lock: check the stamp, compile, verify, publish."""
    from theory.core.assemble import assemble

    stem = Path(sheet.output).stem
    stamp = target.parent / f".{stem}.inputs"
    if not force and target.is_file() and stamp.is_file() and stamp.read_bytes() == key.encode():
        print(f"{target}: up to date")
        return 0
    stamp.unlink(missing_ok=True)
    work = target.parent / stem
    if (work / INCOMPLETE).exists():  # TeX's files from a killed or failed run may be half written
        shutil.rmtree(work)
    work.mkdir(exist_ok=True)
    (work / INCOMPLETE).touch()
    tex, solutions = assemble(sheet, work, cache_dir=target.parent / "cache" / "problems", seed=seed,
                              samples=samples, pool=pool)
    tex_file = work / f"{stem}.tex"
    if not tex_file.is_file() or tex_file.read_text(encoding="utf-8") != tex:
        tex_file.write_text(tex, encoding="utf-8")
    if not _compile(tex_file):
        return 1
    pdf = tex_file.with_suffix(".pdf")
    problem = verify_pdf(pdf)
    if problem:
        print(f"error: TeX wrote a broken PDF for {target} ({problem}); previous PDF kept", file=sys.stderr)
        pdf.unlink(missing_ok=True)
        return 1
    os.replace(pdf, target)
    (work / INCOMPLETE).unlink()
    failed = [s.topic for s in solutions if not s.passed]
    if failed:
        print(f"{target}: written, but claims FAILED in: {', '.join(failed)}")
        return 1
    _write_atomic(stamp, key)
    print(f"{target}: written ({sum(len(s.claims) for s in solutions)} claims hold)")
    return 0


def verify_pdf(pdf: Path) -> str | None:
    """Why `pdf` is not a whole PDF, or None: TeX can exit 0 and still leave a truncated file."""
    size = pdf.stat().st_size if pdf.is_file() else -1
    if size <= 0:
        return "no PDF written" if size < 0 else "empty file"
    with pdf.open("rb") as f:
        head = f.read(5)
        f.seek(max(0, size - 1024))
        tail = f.read()
    if head != b"%PDF-":
        return "it does not start with %PDF-"
    if not tail.rstrip().endswith(b"%%EOF"):
        return "it does not end with %%EOF"
    if shutil.which("pdfinfo"):
        r = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, errors="replace")
        if r.returncode != 0:
            return "pdfinfo rejects it: " + (r.stderr.strip().splitlines() or ["no message"])[0]
    return None


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and a rename: a reader sees the old text or the new, never half."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _compile(tex_file: Path) -> bool:
    """Run latexmk in the work folder; on failure print the first TeX error and its line.

    A sheet's title and intro are LaTeX, so TeX runs without shell escape and may open files
    only below the work folder (`openin_any=p`: no absolute paths, no parent folders, no dot files).
    """
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "FORCE_SOURCE_DATE": "1",
           "openin_any": "p", "openout_any": "p"}
    cmd = ["latexmk", "-pdf", "-pdflatex=pdflatex -no-shell-escape %O %S", "-interaction=nonstopmode",
           "-halt-on-error", "-file-line-error", "-silent", tex_file.name]
    proc = subprocess.Popen(cmd, cwd=tex_file.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)  # its own group: a timeout stops pdflatex too
    try:
        output, _ = proc.communicate(timeout=TEX_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        print(f"error: TeX did not finish {tex_file.name} within {TEX_SECONDS} s (a loop in the sheet's TeX?); "
              "previous PDF kept", file=sys.stderr)
        tex_file.with_suffix(".pdf").unlink(missing_ok=True)
        return False
    pdf = tex_file.with_suffix(".pdf")
    if proc.returncode == 0 and pdf.is_file():
        return True
    log = tex_file.with_suffix(".log")
    text = log.read_text(errors="replace") if log.is_file() else output
    print(f"error: TeX failed on {tex_file}: {first_tex_error(text)}; previous PDF kept",
          file=sys.stderr)
    pdf.unlink(missing_ok=True)
    return False


def first_tex_error(log: str) -> str:
    """The first error of a -file-line-error log as 'file:line: message'."""
    m = re.search(r"^(\S+\.tex):(\d+): (.+)$", log, re.MULTILINE)
    if m:
        return f"{Path(m[1]).name} line {m[2]}: {m[3].strip()}"
    m = re.search(r"^! (.+)$(?:.|\n)*?^l\.(\d+)", log, re.MULTILINE)
    if m:
        return f"line {m[2]}: {m[1].strip()}"
    lines = [ln for ln in log.splitlines() if ln.strip()]
    return lines[-1] if lines else "no log written"
