"""Pages of a built solution PDF: the total, the body (before the verification appendix), a page's text.

Shared by `scripts/pages.py` and the typography tests; needs poppler's `pdftotext`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

BODY_TARGETS = {"iust-dl-hw1": 9, "cs7643-ps2": 9, "cse543-hw1": 6, "cs5388-a1": 9, "comp433-a2": 8}
"""The most body pages each sheet's key may take: about what a hand-written key of it takes."""


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, in order (pdftotext's layout mode)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def body_pages(pdf: Path) -> tuple[int, int]:
    """(total pages, pages before the one where the appendix heading 'Verification' starts a page)."""
    pages = page_texts(pdf)
    starts = [i for i, page in enumerate(pages) if page.strip().startswith("Verification")]
    return len(pages), (starts[-1] if starts else len(pages))
