"""The base of a loss's logarithm: a parameter wherever a loss or divergence takes a log.

Sheets write `log` without a base, or a cross-entropy with no formula at all; the base is then a
convention the solution must state. `field()` is the `log_base` parameter (e, 2 or 10), `log` and
`ln` give log_b and the factor ln b between it and ln (log_b x = ln x / ln b), `number` the base as
a float for the NumPy witnesses, `tex` its LaTeX, and `note` the erratum that says which base is used.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from theory.core.params import param

BASES: dict[str, sp.Expr] = {"e": sp.E, "2": sp.Integer(2), "10": sp.Integer(10)}
UNITS = {"e": "nats", "2": "bits", "10": "hartleys"}
CONVENTION = r"the base must be fixed; the usual convention in this course is the natural logarithm."


def _check(value: Any) -> str | None:
    return None if value in BASES else "must be e, 2 or 10"


def field(what: str = "the sheet's log") -> Any:
    """The `log_base` parameter: "e" (natural, the default), "2" or "10"."""
    return param("e", f"base of {what}: e (natural), 2 or 10", check=_check)


def value(base: str) -> sp.Expr:
    """The base b as an exact SymPy number."""
    return BASES[base]


def ln(base: str) -> sp.Expr:
    """ln b, the factor with log_b x = ln x / ln b (1 for e)."""
    return sp.log(BASES[base])


def log(x: sp.Expr, base: str) -> sp.Expr:
    """log_b x, written ln x / ln b (plain ln x for e)."""
    return sp.log(x) / ln(base)


def number(base: str) -> float:
    """The base as a float (math.e, 2.0, 10.0): NumPy witnesses divide by np.log of it themselves."""
    return float(BASES[base])


def tex(base: str) -> str:
    r"""The LaTeX of log_b: \ln, \log_{2}, \log_{10}."""
    return r"\ln" if base == "e" else rf"\log_{{{base}}}"


def scaled(latex: str, base: str) -> str:
    r"""`latex` divided by ln b, as displayed: unchanged for e, else \frac{1}{\ln b}(latex)."""
    return latex if base == "e" else rf"\frac{{1}}{{\ln {base}}}\left({latex}\right)"


KEY = "log-base"  # the key of the note, for the answers whose value depends on the base


def note(part: Any, base: str, sheet_says: str = r"$\log$ without a base.",
         sheet_base: str | None = None) -> tuple[str, ...]:
    """An erratum saying which base the solution uses: always where the sheet leaves the base open,
    and where it fixes one (`sheet_base`) only when the parameter departs from it. Returns what an answer
    that depends on the base rests on: the note's key, or nothing when there is no note."""
    if sheet_base is not None and base == sheet_base:
        return ()
    others = " or ".join(b for b in BASES if b != base)
    correction = CONVENTION if sheet_base is None else (
        rf"the sheet fixes ${tex(sheet_base)}$; another base divides the logarithm's terms and their gradients "
        rf"by $\ln b$ (values in {UNITS[base]}), and the derivation below is redone in that base.")
    part.erratum(sheet_says, correction,
                 rf"$\log = {tex(base)}$ (parameter \texttt{{log\_base}} = {others} changes it).", key=KEY)
    return (KEY,)


def mistake_id(base: str) -> str:
    """The id of the misconception 'this base instead of the one in force'."""
    return "natural-log" if base == "e" else f"log-base-{base}"


def name(base: str) -> str:
    """The base in words: 'the natural log', 'the base-2 log'."""
    return "the natural log" if base == "e" else f"the base-{base} log"
