"""Pages of each built solution PDF: total, body (before the verification appendix), and overfull boxes.

Run from the repository root after `python -m theory build --all`: `python scripts/pages.py`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from theory.core import registry, sheet  # noqa: E402


def body_pages(pdf: Path) -> tuple[int, int]:
    """(total pages, pages before the one where the appendix heading 'Verification' starts a page)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")
    total = len(pages) - (1 if not pages[-1].strip() else 0)
    starts = [i for i, page in enumerate(pages) if page.strip().startswith("Verification")]
    return total, (starts[-1] if starts else total)


def main() -> None:
    for name in registry.sheet_names():
        s = sheet.load(registry.sheet_path(name))
        pdf = registry.BUILD_DIR / s.output
        log = registry.BUILD_DIR / Path(s.output).stem / f"{Path(s.output).stem}.log"
        if not pdf.is_file():
            print(f"{name:<14} not built")
            continue
        total, body = body_pages(pdf)
        overfull = log.read_text(errors="replace").count("Overfull \\hbox") if log.is_file() else -1
        print(f"{name:<14} {total:3d} pages, body {body:3d}, overfull hboxes {overfull}")


if __name__ == "__main__":
    main()
