"""Matplotlib set-up shared by every topic's plots: headless, small, reproducible."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STYLE = {
    "figure.figsize": (6.4, 3.4),
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,
}


@contextmanager
def figure(path: Path, ncols: int = 1, nrows: int = 1, **kw) -> Iterator[tuple]:
    """Yield (fig, axes); on exit save to `path` without timestamps and close.

    Matplotlib is imported here, not at module load: only PDF builds draw.
    """
    import logging

    import matplotlib

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # it warns about SOURCE_DATE_EPOCH's early date
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, **kw)
        try:
            yield fig, axes
            fig.savefig(path, metadata={"CreationDate": None, "Creator": None, "Producer": None})
        finally:
            plt.close(fig)


def scientific(x: float) -> str:
    """A number for a figure's text: 1.6, or $2.3\\times10^{-13}$ in mathtext (never e-notation)."""
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e4):
        mantissa, exponent = f"{x:.1e}".split("e")
        return rf"${mantissa}\times10^{{{int(exponent)}}}$"
    return f"{x:.2g}"
