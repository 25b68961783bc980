"""Sheet -> one .tex -> latexmk -> solutions/build/<output>.pdf, atomically.

The PDF only ever appears by `os.replace` of a freshly compiled file, so a
failed TeX run leaves the previous PDF in place. A build whose inputs (sheet,
preamble, code, seed, samples) are unchanged since the last success is skipped.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from theory.core import registry
from theory.core.errors import BadInput

SOURCE_DATE_EPOCH = "1700000000"
TEX_PROGRAMS = ("latexmk", "pdflatex")
INSTALL_HINT = (
    "apt-get install latexmk texlive-latex-base texlive-latex-recommended "
    "texlive-latex-extra texlive-pictures texlive-fonts-recommended"
)


def _inputs_key(sheet_path: Path, seed: int | None, samples: int | None) -> str:
    """A hash of everything the PDF depends on."""
    h = hashlib.sha256(f"{seed}/{samples}".encode())
    files = [sheet_path, registry.SHEETS_DIR / "preamble.tex"]
    for pkg in ("theory", "checks"):
        files += sorted((registry.ROOT / pkg).rglob("*.py"))
    for f in files:
        h.update(str(f.relative_to(registry.ROOT) if f.is_relative_to(registry.ROOT) else f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def build(name: str, *, seed: int | None = None, samples: int | None = None,
          force: bool = False, out_dir: Path | None = None) -> int:
    """Build one sheet's PDF; returns the exit status (0, 1) or raises BadInput."""
    path = registry.sheet_path(name)
    out_dir = out_dir or registry.BUILD_DIR
    missing = [p for p in TEX_PROGRAMS if shutil.which(p) is None]
    if missing:
        raise BadInput(f"{' and '.join(missing)} not found: install TeX Live with: {INSTALL_HINT}")

    from theory.core import sheet as sheets

    sheet = sheets.load(path)
    target = out_dir / sheet.output
    stamp = out_dir / f".{Path(sheet.output).stem}.inputs"
    key = _inputs_key(path, seed, samples)
    if not force and target.is_file() and stamp.is_file() and stamp.read_text() == key:
        print(f"{target}: up to date")
        return 0

    from theory.core.assemble import assemble

    work = out_dir / Path(sheet.output).stem
    work.mkdir(parents=True, exist_ok=True)
    tex, solutions = assemble(sheet, work, seed=seed, samples=samples)
    tex_file = work / f"{Path(sheet.output).stem}.tex"
    if not tex_file.is_file() or tex_file.read_text(encoding="utf-8") != tex:
        tex_file.write_text(tex, encoding="utf-8")
    if not _compile(tex_file):
        return 1
    os.replace(tex_file.with_suffix(".pdf"), target)
    failed = [s.topic for s in solutions if not s.passed]
    if failed:
        stamp.unlink(missing_ok=True)
        print(f"{target}: written, but claims FAILED in: {', '.join(failed)}")
        return 1
    stamp.write_text(key)
    print(f"{target}: written ({sum(len(list(s.claims())) for s in solutions)} claims hold)")
    return 0


def _compile(tex_file: Path) -> bool:
    """Run latexmk in the work folder; on failure print the first TeX error and its line."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "FORCE_SOURCE_DATE": "1"}
    cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           "-silent", tex_file.name]
    proc = subprocess.run(cmd, cwd=tex_file.parent, env=env, capture_output=True, text=True)
    pdf = tex_file.with_suffix(".pdf")
    if proc.returncode == 0 and pdf.is_file():
        return True
    log = tex_file.with_suffix(".log")
    text = log.read_text(errors="replace") if log.is_file() else proc.stdout + proc.stderr
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
