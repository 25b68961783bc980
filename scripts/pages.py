"""Pages of each built solution PDF: total, body (before the verification appendix), and overfull boxes.

Run from the repository root after `python -m theory build --all`: `python scripts/pages.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from theory.core import registry, sheet  # noqa: E402
from theory.core.pages import BODY_TARGETS, body_pages  # noqa: E402


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
        print(f"{name:<14} {total:3d} pages, body {body:3d} (at most {BODY_TARGETS.get(name, '-')}), "
              f"overfull hboxes {overfull}")


if __name__ == "__main__":
    main()
