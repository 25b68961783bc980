"""Figures: drawn at the printed width in the document's font, no text below 6 pt as printed, one style
per method. Every figure of every sheet passes `figures.check_text` when it is saved, so each sheet's
build (tests/test_typography.py) checks them all; here the check itself, the style table, the sources,
and the figures of a few quick topics."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import solved
from theory.core import figures, registry
from theory.core.solution import Figure

ROOT = Path(__file__).resolve().parents[1]
TOPIC_SOURCES = sorted((ROOT / "theory").glob("*.py"))


def test_printed_geometry_is_read_from_the_preamble():
    fixed = figures.read_print("\\documentclass[11pt,a4paper]{article}\n\\usepackage[margin=2.2cm]{geometry}\n"
                               "\\newcommand{\\solutionfigure}[2]{\\begin{center}"
                               "\\includegraphics[width=0.86\\linewidth]{#1}}\n")
    assert fixed.width == pytest.approx(0.86 * 16.6 / 2.54) and fixed.scale(2 * fixed.width, 9) == 0.5
    capped = figures.read_print("\\documentclass[a4paper]{article}\n"
                                "\\usepackage[margin=2cm,top=1.8cm,bottom=2cm]{geometry}\n"
                                "\\newcommand{\\solutionfigure}[2]{\\adjustbox{max width=0.8\\linewidth,"
                                "max height=0.25\\textheight}{\\includegraphics{#1}}}\n")
    assert capped.fixed_width is None and capped.width == pytest.approx(0.8 * 17 / 2.54)
    assert capped.max_height == pytest.approx(0.25 * 25.9 / 2.54)
    assert capped.scale(capped.width, 1.0) == 1.0  # natural size: printed as drawn
    assert capped.scale(capped.width, 2 * capped.max_height) == pytest.approx(0.5)  # too tall: shrunk
    preamble = (ROOT / "solutions" / "preamble.tex").read_text()
    assert figures.printed() == figures.read_print(preamble)


def _draw(tmp_path, text: str, size: float, **kw):
    with figures.figure(tmp_path / "f.pdf", **kw) as (fig, ax):
        ax.plot([0, 1], [0, 1])
        ax.set_title(text, fontsize=size)


def test_text_below_6pt_is_refused(tmp_path):
    with pytest.raises(figures.TextTooSmall, match="4.0 pt"):
        _draw(tmp_path, "tiny", 4)
    assert not (tmp_path / "f.pdf").exists() and not list(tmp_path.iterdir())  # nor a half-saved temporary


def test_subscripts_count(tmp_path):
    with pytest.raises(figures.TextTooSmall, match="5.6 pt"):  # 8 pt text, its subscript at 0.7 of it
        _draw(tmp_path, r"$\lambda_{\max}$", 8)
    _draw(tmp_path, r"$\lambda_{\max}$", 9)
    assert (tmp_path / "f.pdf").exists()


def test_size_is_measured_as_printed():
    import matplotlib.pyplot as plt

    p = figures.printed()
    fig, ax = plt.subplots(figsize=(2 * p.width, 1.0))  # drawn twice too wide: printed at half size
    ax.set_title("half", fontsize=10)
    ax.axis("off")
    assert figures.smallest_text(fig) == pytest.approx((5.0, "half"))
    plt.close(fig)


def test_width_is_the_figures_own(tmp_path):
    with pytest.raises(TypeError, match="height"):
        _draw(tmp_path, "x", 9, figsize=(6, 3))
    with figures.figure(tmp_path / "g.pdf", height=2.0) as (fig, ax):
        assert fig.get_size_inches() == pytest.approx((figures.printed().width, 2.0))


def test_document_font():
    assert figures.RC["font.family"][0] == "cmr10" and figures.RC["mathtext.fontset"] == "cm"
    assert not figures.RC.get("text.usetex")


def test_one_colour_and_marker_per_style():
    seen = {}
    for name, s in figures.STYLES.items():
        assert s.colour in figures._PALETTE, name
        assert (s.color, s.marker) not in seen, f"{name} is drawn like {seen.get((s.color, s.marker))}"
        seen[s.color, s.marker] = name
    assert set(figures.ALIASES.values()) <= set(figures.STYLES)
    assert figures.style("momentum") == figures.style("heavy ball")
    assert figures.style("Adam", "measured")["linestyle"] == "none"
    with pytest.raises(KeyError, match="known"):
        figures.style("Adamax")
    with pytest.raises(KeyError, match="estimator"):
        figures.style("Adam", "guessed")


# Colours a topic may not write itself: the palette the named styles use (by cycle index, Tableau
# name, hex or hue name), the series' hexes, and matplotlib's one-letter colours in format strings.
_HUES = {k for k in figures._PALETTE if k not in ("black", "grey")} | {"magenta", "yellow"}
_HEXES = {h.lower() for h in [*figures._PALETTE.values(), *figures.SERIES]} - {"#000000"}
_FORBIDDEN = re.compile(r"C\d|tab:\w+|[bgrcmy](?:[o^vsDx*+](?:--|-\.|-|:)?|\.(?:--|-\.|-|:)|--|-\.|-|:)")


def _colour_literals(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            v = node.value
            if _FORBIDDEN.fullmatch(v) or v.lower() in _HEXES or v in _HUES:
                out.append((node.lineno, f"line {node.lineno}: {v!r}"))
    return [text for _, text in sorted(out)]


def test_the_scan_finds_a_hard_coded_colour():
    assert _colour_literals('ax.plot(x, y, color="C1")\nax.plot(x, y, "ro")\nax.plot(x, y, c="tab:red")\n'
                            'ax.bar(x, y, color="green")') == ["line 1: 'C1'", "line 2: 'ro'", "line 3: 'tab:red'",
                                                               "line 4: 'green'"]
    assert _colour_literals('ax.plot(x, y, "k--", color="0.5")\nax.plot(x, y, "o-")') == []


@pytest.mark.parametrize("source", TOPIC_SOURCES, ids=lambda p: p.stem)
def test_topics_take_method_colours_from_the_table(source):
    assert not _colour_literals(source.read_text()), "use figures.style(name) or figures.series(n)"


@pytest.mark.parametrize("topic", ["kl", "softsign", "losses", "lr_divergence", "perceptrons"])
def test_a_topics_figures_print_at_6pt_or_more(topic, tmp_path):
    assert topic in registry.TOPICS
    drawn = []
    for part in solved(topic).parts:
        for b in part.blocks:
            if isinstance(b, Figure):
                b.draw(tmp_path / f"{b.name}.pdf")  # raises TextTooSmall below 6 pt
                drawn.append(b.name)
                assert (tmp_path / f"{b.name}.pdf").stat().st_size > 0
    assert drawn


def test_a_formula_is_laid_out_once_per_process_not_once_per_renderer(tmp_path):
    """Tick labels are mathtext: every figure's renderers would otherwise lay out the same labels again."""
    def draw(name: str) -> None:
        with figures.figure(tmp_path / name) as (fig, ax):
            ax.plot([-2.0, 0.0, 3.0], [1e-3, 1.0, 1e2])
            ax.set_yscale("log")
            ax.set_xlabel(r"step $t$, $\eta/\sqrt{t}$")

    layout = figures.share_mathtext_layouts()
    assert layout is not None, "this Matplotlib lays out mathtext differently: figures draw more slowly"
    draw("first.pdf")
    made = layout.cache_info().misses
    draw("second.pdf")
    assert layout.cache_info().misses == made and layout.cache_info().hits > 0
    assert (tmp_path / "first.pdf").read_bytes() == (tmp_path / "second.pdf").read_bytes()
