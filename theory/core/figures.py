"""Matplotlib set-up shared by every topic's plots: headless, reproducible, in the document's font,
drawn at the size it is printed, one style per method, and no text below 6 pt as printed.

How a figure is printed is read from solutions/preamble.tex (`printed()`: its paper, margins and
`\\solutionfigure`); `figure()` draws at the printed width, and within the printed maximum height, so
font sizes in points are the printed sizes. At save time every drawn text (mathtext glyph by glyph,
so sub- and superscripts count) is measured at its printed scale, and a figure with text below
`MIN_PT` raises `TextTooSmall` instead of being written.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MIN_PT = 6.0  # the smallest text allowed in print, in points
FONT_PT = 9.0  # the figures' text size: mathtext scripts at 0.7 of it stay above MIN_PT
ROW_HEIGHT = 2.1  # inches per row of panels, unless a topic asks for another height
FIRST_ROW_EXTRA = 0.45  # one row gets a little more (its legend, its axis labels)


@dataclass(frozen=True)
class Print:
    r"""How solutions/preamble.tex prints a figure: at a fixed width (`\includegraphics[width=...]`),
    or at its natural size shrunk to fit `max_width` x `max_height` (an adjustbox); inches."""

    fixed_width: float | None
    max_width: float
    max_height: float

    @property
    def width(self) -> float:
        """The width to draw at: printed as drawn (natural size) or at exactly the fixed width."""
        return self.fixed_width or self.max_width

    def scale(self, w: float, h: float) -> float:
        """Printed size over drawn size for a figure drawn `w` x `h` inches."""
        if self.fixed_width:
            return self.fixed_width / w
        return min(1.0, self.max_width / w, self.max_height / h)


_CM = {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72.27}
_PAPERS = {"a4paper": (21.0, 29.7), "letterpaper": (21.59, 27.94)}
DEFAULT_PRINT = Print(0.86 * 16.6 / 2.54, 16.6 / 2.54, 25.3 / 2.54)  # A4, 2.2 cm margins, 0.86 of the width


def read_print(preamble: str) -> Print:
    r"""The printed geometry of a figure from the preamble's paper, geometry and `\solutionfigure`."""
    cls = re.search(r"\\documentclass\[([^]]*)\]", preamble)
    paper_w, paper_h = next((v for k, v in _PAPERS.items() if cls and k in cls.group(1)), _PAPERS["a4paper"])
    geo = re.search(r"\\usepackage\[([^]]*)\]\{geometry\}", preamble)
    opts = dict(re.findall(r"(\w+)\s*=\s*([\d.]+\s*(?:cm|mm|in|pt))", geo.group(1))) if geo else {}

    def cm(key: str, default: float) -> float:
        if key not in opts:
            return default
        value, unit = re.fullmatch(r"([\d.]+)\s*(\w+)", opts[key]).groups()
        return float(value) * _CM[unit]

    margin = cm("margin", 2.5)
    text_w = paper_w - cm("left", margin) - cm("right", margin)
    text_h = paper_h - cm("top", margin) - cm("bottom", margin)
    body = re.search(r"\\newcommand\{\\solutionfigure\}(.*?)(?:\n\\newcommand|\n%|\Z)", preamble, re.S)
    rule = body.group(1) if body else ""

    def fraction(pattern: str) -> float | None:
        m = re.search(pattern, rule)
        return float(m.group(1) or 1) if m else None

    fixed = fraction(r"\\includegraphics\[[^]]*\bwidth=([\d.]*)\\(?:line|text)width")
    max_w = fraction(r"max width=([\d.]*)\\(?:line|text)width")
    max_h = fraction(r"max height=([\d.]*)\\textheight")
    if fixed is None and max_w is None:
        raise ValueError("solutions/preamble.tex: \\solutionfigure sets neither a width nor a max width")
    return Print(fixed * text_w / 2.54 if fixed else None, (max_w or 1.0) * text_w / 2.54,
                 (max_h or 1.0) * text_h / 2.54)


@functools.cache
def printed() -> Print:
    """The preamble's figure geometry (read once per process), or the default without the preamble."""
    from theory.core import registry

    path = registry.SHEETS_DIR / "preamble.tex"
    return read_print(path.read_text(encoding="utf-8")) if path.exists() else DEFAULT_PRINT


# Categorical palette (Tableau 10) for the named styles below; unnamed series get `series()`.
_PALETTE = {"blue": "#1f77b4", "orange": "#ff7f0e", "green": "#2ca02c", "red": "#d62728",
            "purple": "#9467bd", "brown": "#8c564b", "pink": "#e377c2", "grey": "#7f7f7f",
            "olive": "#bcbd22", "cyan": "#17becf", "black": "#000000"}


@dataclass(frozen=True)
class Style:
    """How one method (or one named element) is drawn in every figure of every sheet."""

    colour: str  # a key of _PALETTE, which is also the word a caption uses for it
    marker: str  # a matplotlib marker; "none" for a line-only element

    @property
    def color(self) -> str:
        return _PALETTE[self.colour]


STYLES: dict[str, Style] = {
    # optimizers (optimizers, inline_questions)
    "GD": Style("grey", "o"),
    "heavy ball": Style("blue", "s"),  # classical momentum
    "heavy ball, NAG setting": Style("brown", "s"),
    "PyTorch momentum": Style("cyan", "<"),
    "EMA momentum": Style("olive", ">"),
    "Nesterov": Style("orange", "^"),
    "AdaGrad": Style("green", "D"),
    "RMSProp": Style("purple", "v"),
    "Adam": Style("red", "P"),  # with bias correction
    "Adam without bias correction": Style("pink", "X"),
    # initialisations (kaiming, leaky_init, xavier_init)
    "Kaiming": Style("orange", "s"),  # He: 2/d_h
    "leaky Kaiming": Style("blue", "o"),  # derived for leaky ReLU: 2/((1+alpha^2) d_h)
    "Xavier": Style("green", "^"),
    # differentiation (autodiff_modes, backprop, jacobians)
    "forward mode": Style("blue", "v"),
    "reverse mode": Style("red", "D"),
    "forward difference": Style("orange", "v"),
    "central difference": Style("purple", "^"),
    # activations (softsign)
    "softsign": Style("blue", "^"),
    "tanh": Style("orange", "o"),
    # estimators: what a curve is, when no method colours it
    "derived": Style("black", "none"),  # a formula: a line
    "measured": Style("black", "o"),  # a simulation or a run: markers
    # classification targets and regions (perceptrons, circulant)
    "target 1": Style("red", "o"),
    "target 0": Style("black", "s"),  # drawn open
    "region 1": Style("blue", "none"),  # where a unit or network outputs 1
    "predicted region": Style("red", "none"),  # the edge of where a rule predicts a difference (circulant)
}
ALIASES = {"momentum": "heavy ball", "classical momentum": "heavy ball", "SGD with momentum": "heavy ball",
           "bias-corrected Adam": "Adam", "He": "Kaiming", "leaky He": "leaky Kaiming", "Glorot": "Xavier",
           "theory": "derived", "bound": "derived", "simulated": "measured"}
ESTIMATORS = {"derived": {"linestyle": "-", "marker": "none"}, "measured": {"linestyle": "none"}}


def _lookup(name: str) -> Style:
    key = ALIASES.get(name, name)
    if key not in STYLES:
        raise KeyError(f"no figure style named {name!r}; known: {', '.join([*STYLES, *ALIASES])}")
    return STYLES[key]


def style(name: str, estimator: str | None = None, **override) -> dict:
    """Plot keywords for a method: `ax.plot(x, y, **style("Adam"))`; with `estimator="measured"` markers
    only, with `"derived"` a line only, in the method's colour; `override` (e.g. a sweep's colour for
    the estimator styles, a line width) on top."""
    s, key = _lookup(name), ALIASES.get(name, name)
    out = {"color": s.color, "marker": s.marker}
    estimator = estimator or (key if key in ESTIMATORS else None)  # style("measured") is markers only
    if estimator is not None:
        if estimator not in ESTIMATORS:
            raise KeyError(f"no estimator named {estimator!r}; known: {', '.join(ESTIMATORS)}")
        out.update(ESTIMATORS[estimator])
    return {**out, **override}


def colour_word(name: str) -> str:
    """The colour of a method in words, for a caption that refers to it (so the two cannot disagree)."""
    return _lookup(name).colour


def series(n: int) -> list[str]:
    """`n` colours for a sweep of one parameter (learning rates, variance factors), dark to light, from
    a sequential map (viridis) that no method colour is taken from."""
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return [matplotlib.colors.to_hex(cmap(0.78 * i / max(n - 1, 1))) for i in range(n)]


SERIES = ["#440154", "#20a486", "#6ece58", "#3a548c"]  # unnamed curves cycle through it: viridis, far apart first
RC = {
    "font.family": ["cmr10", "DejaVu Serif"],  # Computer Modern, as the body; DejaVu only for glyphs it lacks
    "mathtext.fontset": "cm",
    "axes.formatter.use_mathtext": True,  # cmr10 has no minus sign: tick labels go through mathtext
    "axes.unicode_minus": True,
    "font.size": FONT_PT,
    "axes.titlesize": "medium",
    "axes.labelsize": "medium",
    "legend.fontsize": "medium",
    "legend.handlelength": 1.6,
    "legend.labelspacing": 0.3,
    "legend.borderaxespad": 0.4,
    "legend.framealpha": 0.85,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.constrained_layout.use": True,
    "savefig.bbox": None,  # the saved page is the figure: WIDTH wide, as printed
    "pdf.fonttype": 42,
}


class TextTooSmall(ValueError):
    """A figure would print text below MIN_PT."""


def default_height(nrows: int = 1) -> float:
    """The default height in inches of a figure with `nrows` rows of panels, within the printed maximum."""
    return min(ROW_HEIGHT * nrows + FIRST_ROW_EXTRA, printed().max_height)


@contextmanager
def figure(path: Path, ncols: int = 1, nrows: int = 1, *, height: float | None = None, **kw) -> Iterator[tuple]:
    """Yield (fig, axes) WIDTH inches wide (the printed width) and `height` high (default by rows);
    on exit check every text prints at MIN_PT or more, save to `path` without timestamps, and close.

    Matplotlib is imported here, not at module load: only PDF builds draw.
    """
    import logging

    import matplotlib

    if "figsize" in kw:
        raise TypeError("figures.figure draws at the printed width; pass height=... instead of figsize")
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # it warns about SOURCE_DATE_EPOCH's early date
    matplotlib.use("Agg")
    share_mathtext_layouts()
    import matplotlib.pyplot as plt
    from cycler import cycler

    with plt.rc_context({**RC, "axes.prop_cycle": cycler(color=SERIES)}):
        fig, axes = plt.subplots(nrows, ncols, figsize=(printed().width, height or default_height(nrows)), **kw)
        try:
            yield fig, axes
            _save_checked(fig, Path(path))
        finally:
            plt.close(fig)


MATHTEXT_LAYOUTS = 4096  # laid-out formulas remembered per process: every distinct tick label of a sheet


@functools.cache
def share_mathtext_layouts() -> Callable[..., object] | None:
    """Lay out each mathtext string once per process, not once per renderer.

    Matplotlib remembers the last 50 layouts of each parser, and every renderer (two per saved figure,
    one more to measure the texts) has a parser of its own; tick labels are mathtext, so nearly every
    label of every figure was parsed again: 1,701 layouts for 2,311 texts of the five sheets, 45% of
    their drawing time. A layout depends only on the text, size, font and the parser's output kind,
    so all parsers of a kind can share one memory. Returns the shared layout function (its
    `cache_info()` counts the layouts made), or None with a Matplotlib that lays out differently.
    """
    from matplotlib.mathtext import MathTextParser

    own = getattr(MathTextParser._parse_cached, "__wrapped__", None)
    if own is None:
        return None
    first: dict[str, MathTextParser] = {}  # one parser of each output kind does the layouts

    @functools.lru_cache(maxsize=MATHTEXT_LAYOUTS)
    def layout(kind: str, *key):
        return own(first[kind], *key)

    def parse_cached(self, *key):
        first.setdefault(self._output_type, self)
        return layout(self._output_type, *key)

    MathTextParser._parse_cached = parse_cached
    return layout


def _save_checked(fig, path: Path) -> None:
    """Save through a temporary file, measuring the texts in the one draw that saves them; a text below
    MIN_PT raises and leaves no file."""
    tmp = path.with_name(f".{path.name}.tmp")
    with _texts_drawn() as seen:
        fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "Creator": None, "Producer": None})
    size, text = min(_printed_sizes(fig, seen), default=(float("inf"), ""))
    if size < MIN_PT - 1e-9:
        tmp.unlink(missing_ok=True)
        raise TextTooSmall(f"{path.name}: text {text!r} prints at {size:.1f} pt, below {MIN_PT:g} pt "
                           f"(drawn {fig.get_figwidth():.2f} x {fig.get_figheight():.2f} in, printed at "
                           f"{printed().scale(fig.get_figwidth(), fig.get_figheight()):.2f} of that)")
    os.replace(tmp, path)


@contextmanager
def _texts_drawn() -> Iterator[list[tuple[str, object, object]]]:
    """Record (text, font, is-math) of every text the PDF renderer draws inside the block."""
    from matplotlib.backends.backend_pdf import RendererPdf

    seen: list[tuple[str, object, object]] = []
    draw_text = RendererPdf.draw_text

    def spy(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        seen.append((s, prop.copy(), ismath))
        return draw_text(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    RendererPdf.draw_text = spy
    try:
        yield seen
    finally:
        RendererPdf.draw_text = draw_text


def drawn_text(fig) -> list[tuple[float, str]]:
    """(printed size in pt, text) of every text the figure draws, as saving draws it."""
    import io

    with _texts_drawn() as seen:
        fig.savefig(io.BytesIO(), format="pdf")
    return _printed_sizes(fig, seen)


def _printed_sizes(fig, seen: list[tuple[str, object, object]]) -> list[tuple[float, str]]:
    """(printed size in pt, text) of the drawn texts: a mathtext string by its smallest glyph (scripts and
    fractions are smaller), plain text by its font size, scaled from the drawn to the printed size."""
    scale = printed().scale(fig.get_figwidth(), fig.get_figheight())
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("path")  # its layouts are the shared ones (`share_mathtext_layouts`)
    out = []
    for s, prop, ismath in seen:
        if not s.strip():
            continue
        size = prop.get_size_in_points()
        if ismath is True:
            size = min((g[1] for g in parser.parse(s, 72, prop).glyphs), default=size)
        out.append((size * scale, s))
    return out


def smallest_text(fig) -> tuple[float, str]:
    """The smallest printed text of a figure: (size in pt, the text)."""
    return min(drawn_text(fig), default=(float("inf"), ""))


def scientific(x: float) -> str:
    """A number for a figure's text: 1.6, or $2.3\\times10^{-13}$ in mathtext (never e-notation)."""
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e4):
        mantissa, exponent = f"{x:.1e}".split("e")
        return rf"${mantissa}\times10^{{{int(exponent)}}}$"
    return f"{x:.2g}"
