"""Text follows the parameters: what is written about the sheet's values is written only when they are in force.

Every topic re-derives everything for its parameters, and its prose must follow: a note or erratum that
describes the defaults ("weights taken from a public solution", "the sheet's point") appears only at the
defaults, and numbers in prose, captions and tables come from the parameters, never typed a second time.

Two kinds of test. The targeted ones pin the phrases that were written for the defaults: present at the
defaults, absent (and replaced by text about the values in force) in a variant. The generic scan solves each
topic at its defaults and once with its numeric parameters moved inside their bounds, and looks for a sentence
that kept a default number although that parameter changed: a sentence of the variant's LaTeX with the same
words around its numbers as a sentence of the default's, where a number that was the default d of a changed
parameter is still d in the same place, and the new value d' appears nowhere in it. Numbers another parameter
also holds, exponents (10^{-9}), names (n10) and the sheet's own words quoted in an erratum box (which keep the
sheet's numbers by design) are not counted; the few constants that merely equal a default are listed in
COINCIDENCES with the reason. Solving skips the Monte-Carlo checks (`simulate=False`); nothing is drawn.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import typing
from typing import Any

import pytest

from theory.core import registry
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.render.latex import parameters, render, summary_line, verification
from theory.core.solution import Erratum


def _latex(topic: str, changes: tuple[tuple[str, Any], ...] = ()) -> str:
    """The topic's LaTeX (body and verification appendix, without the parameter table and the count of
    claims, which no parameter sets) for these changes."""
    module = registry.load_topic(topic)
    p = dataclasses.replace(module.Params(), **dict(changes))
    sol = module.solve(p, Context(topic, simulate=False))
    text = render(sol) + "\n" + verification(sol).replace(parameters(sol), "").replace(summary_line(sol), "")
    for b in (b for part in sol.parts for b in part.blocks if isinstance(b, Erratum)):
        text = text.replace(b.sheet_says, "")  # the sheet's words, quoted: they keep the sheet's numbers
    return text


@functools.cache
def default_text(topic: str) -> str:
    return _latex(topic)


def variant_text(topic: str, **changes: Any) -> str:
    return _latex(topic, tuple(changes.items()))


# --- the phrases written for the defaults ------------------------------------------------------------------

# topic -> (changes, phrases at the defaults that must go in the variant, phrases the variant must have)
PHRASES: dict[str, tuple[dict[str, Any], list[str], list[str]]] = {
    "backprop": (
        {"w1": -1.5, "w4": -1.25},
        ["taken from a public solution", "(-1.7, 0.1, -0.6, -1.8, -0.2, 0.5)"],
        [r"with the weights given as parameters: $(w_1,\dots,w_6) = (-1.5, 0.1, -0.6, -1.25, -0.2, 0.5)$"],
    ),
    "war_zone": (
        {"polygons": (((0.0, 0.0), (2.0, 0.0), (0.0, 2.0)),)},
        ["The default is an L-shaped zone"],
        [r"as given in the parameter \emph{polygons}"],
    ),
    "leaky_init": (
        {"alphas": (1.5, 0.3), "width": 200},
        ["width 256", r"\alpha \in \{2, 1, 0.5, 0.1\}", "default settings", "the curves nearly coincide",
         "each slope of the sheet", "the sheet's slopes", r"$1.01$ per layer at $\alpha = 0.1$"],
        [r"width 200", r"\alpha \in \{1.5, 0.3\}", r"at least $100$: $\alpha = 1.5$",
         r"At $\alpha = 0.3$ the factor is $1.09$ per layer"],
    ),
    "sgd_counterexample": ({"centre1": 2.5}, ["(on the sheet $c_1"], [r"(here $c_1 = \frac{5}{2}$"]),
    "multitask": ({"x": 0.7}, ["at the sheet's point", "{the table's values and the neurons above}"],
                  ["at the given point", "{the given values and the neurons above}"]),
    "jacobians": ({"step": 0.02}, ["marks the step of (e), $h = 0.01$"], ["marks the step of (e), $h = 0.02$"]),
    "network_counts": ({"epochs": 6}, ["{sheet values}"], ["{the question's values}"]),
    "two_layer_sgd": (
        {"weights": "w1=0.15, w2=0.2, w3=0.3, w4=0.4, w5=0.5, w6=0.6, b1=0.1, b2=0.2, b3=0.3"},
        ["the sheet's table", "{the table's values}"],
        [r"the values given in the parameter \texttt{weights}", "{the given values}"],
    ),
    "losses": ({"true_class": "car", "data": ((1.0, 2.0, 4.0), (2.0, 0.0, 3.0))},
               ["one image of a motorcycle", "three training examples"],
               ["one image of a car", "two training examples"]),
    "least_squares_gd": ({"alpha_frac": 0.4}, [r"At the step $\alpha = 0.5\cdot 2N"],
                         [r"At the step $\alpha = 0.4\cdot 2N"]),
}


@pytest.mark.parametrize("topic", sorted(PHRASES))
def test_text_about_the_defaults_appears_only_at_the_defaults(topic):
    changes, default_only, variant_has = PHRASES[topic]
    at_defaults, variant = default_text(topic), variant_text(topic, **changes)
    assert [s for s in default_only if s not in at_defaults] == [], "the phrase moved: update this test"
    assert [s for s in default_only if s in variant] == []
    assert [s for s in variant_has if s not in variant] == []


# --- the generic scan ----------------------------------------------------------------------------------------

def _sig(x: float) -> float:
    return float(f"{x:.3g}")


def _moved(f: dataclasses.Field, hint: Any) -> Any:
    """Another valid value for a numeric parameter (one a number of its own: 1.13 d, or d + 1), else None."""
    d, m = f.default, f.metadata
    lo, hi = m.get("lo"), m.get("hi")

    def inside(v: float) -> bool:
        return ((lo is None or v > lo or (v == lo and not m.get("lo_open")))
                and (hi is None or v < hi or (v == hi and not m.get("hi_open"))))

    if hint is int and not isinstance(d, bool):  # smaller first: a size moved down costs less time
        return next((v for v in (d - 1, d + 1) if inside(v)), None)
    if hint is float:
        candidates = [_sig(d * 1.13), _sig(d * 0.87)] if d else []
        if lo is not None and hi is not None:
            candidates.append(_sig(lo + 0.137 * (hi - lo)))
        return next((v for v in candidates if v != d and inside(v)), None)
    if isinstance(d, tuple) and d and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in d):
        return tuple(_sig(x * 1.13) if x else 0.137 for x in d)
    return None


def variant(topic: str) -> dict[str, Any]:
    """The topic's numeric parameters moved together, each change kept only if the parameters stay valid.

    Parameters whose numbers are all one digit are left alone: the scan cannot tell them from other digits.
    """
    module = registry.load_topic(topic)
    hints = typing.get_type_hints(module.Params)
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(module.Params):
        new = _moved(f, hints[f.name])
        if new is None or all(len(n) < 2 for n in _numbers(f.default)):
            continue
        try:
            module.Params(**changes, **{f.name: new})
        except BadInput:
            continue
        changes[f.name] = new
    return changes


def _numbers(value: Any) -> set[str]:
    """How a parameter's numbers are printed: 1.7 (sign apart), 60000 / 60{,}000 / 60\\,000, 1 \\times 10^{-8}."""
    if isinstance(value, tuple):
        return set().union(*(_numbers(v) for v in value)) if value else set()
    if isinstance(value, str):  # a formula or a list of weights: its numbers
        return {n for n in re.findall(r"\d+(?:\.\d+)?", value)}
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return set()
    a = abs(value)
    out = {f"{a:g}"}
    mantissa, _, exponent = f"{a:g}".partition("e")
    if exponent:
        out.add(rf"{mantissa} \times 10^{{{int(exponent)}}}")
    if float(a).is_integer():
        n = int(a)
        out |= {str(n), f"{n:,}", f"{n:,}".replace(",", "{,}"), f"{n:,}".replace(",", r"\,")}
    return out


def _token(number: str) -> re.Pattern:
    """A number standing alone: not part of a longer number or a name (n10, \\tfrac12), not an exponent or the
    base of a power."""
    return re.compile(r"(?<![\w.,^{!])(?<!\\,)(?<!\{-)" + re.escape(number) + r"(?![\d^]|[.,]\d|\{,\}|\\,\d)")


# A default that some other number happens to equal, in a sentence that does not depend on that parameter:
# (topic, parameter, number) -> fragments of the sentences where that number is the other one, and why.
COINCIDENCES: dict[tuple[str, str, str], tuple[tuple[str, ...], str]] = {
    ("kaiming", "factors", "0.5"): ((r"$\alpha = 0.5$:", r"$\alpha = 0, 0.5, 2$"),
                                    "the quadrature's fixed probe slopes 0, 0.5, 2"),
    ("kl", "grid", "200001"): (("on 200,001 log-spaced points",), "x = 1 joins an even grid of 200,000"),
    ("lr_divergence", "steps", "12"): (("$F''(w_0) = 12$",), "F = w^4 at w_0 = 1"),
    ("least_squares_gd", "N", "20"): (("at 20 random points",), "the check's own sample of 20 points"),
    ("optimizers", "eta_adagrad", "0.5"): (("$d = 0.5$", "d = 0.5,", "measured -0.5"),
                                           "the demonstrated dampening and the fitted slope -1/2"),
    ("optimizers", "eta_rmsprop", "0.01"): (("(relative tolerance 0.01)",), "the tolerance of the fitted slope"),
    ("optimizers", "beta2", "0.999"): (("at 0.999 times it",), "the step bracket of the grader"),
    ("optimizers", "ramp_steps", "500"): (("(500 steps)",), "half of rate_steps = 1000"),
    ("optimizers", "rosen_b", "100"): (("1/100 of the initial loss",), "the loss level of the race"),
    ("optimizers", "kappa", "50"): ((r"over $t\in[50,",), "a tenth of ramp_steps = 500"),
    ("gd_convergence", "t_min", "10"): (("log-uniform in $[0.01, 10]$",), "the simulation's range of steps"),
    ("autodiff_modes", "point", "0.5"): (("ratios 0.5 to 0.5",), "operations counted over the cost model's"),
    ("multitask", "w", "0.1"): ((r"one gradient step ($\eta = 0.1$)",), "the demonstration's step CLS_STEP"),
}


def _coincidence(topic: str, name: str, number: str, sentence: str) -> bool:
    fragments, _why = COINCIDENCES.get((topic, name, number), ((), ""))
    return any(f in sentence for f in fragments)


def sentences(tex: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;:])\s+|\n|\\\\|\\newline|\\tabularnewline", tex) if s.strip()]


# a number as printed: 1.7, 60000, 60{,}000, 60\,000, 1,000,000 (not a name's digits, an exponent or a power's base)
_NUMBER = re.compile(r"(?<![\w.,^{!])(?<!\\,)(?<!\{-)\d+(?:(?:\.|\{,\}|\\,|,(?=\d{3}(?!\d)))\d+)*(?![\d^])")


def _plain(number: str) -> str:
    return re.sub(r"\{,\}|\\,|,", "", number)


def _aligned(default: str, changed: str) -> list[tuple[list[str], list[str], str]]:
    """Pairs of sentences that are the same words around their numbers: the k-th sentence of `changed` with a
    given skeleton (numbers replaced by #) against the k-th of `default`; their numbers, and the changed one."""
    def skeletons(tex: str) -> dict[str, list[list[str]]]:
        out: dict[str, list[list[str]]] = {}
        for s in sentences(tex):
            out.setdefault(_NUMBER.sub("#", s), []).append([_plain(n) for n in _NUMBER.findall(s)])
        return out

    before = skeletons(default)
    pairs = []
    seen: dict[str, int] = {}
    for s in sentences(changed):
        key = _NUMBER.sub("#", s)
        k = seen[key] = seen.get(key, -1) + 1
        if k < len(before.get(key, [])):
            pairs.append((before[key][k], [_plain(n) for n in _NUMBER.findall(s)], s))
    return pairs


def stale(default: str, changed: str, before: Any, after: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(parameter, default number, sentence): sentences of `changed` that kept a moved parameter's default.

    A sentence of `changed` is compared with the sentence of `default` that has the same words around its
    numbers; it is stale when a number that was the default d of a moved parameter is still d in the same
    place, and the new value appears nowhere in it. `before` is the default Params; a number that another
    parameter also holds at the defaults is skipped (it may be that one speaking), as are one-digit numbers.
    """
    values = {f.name: getattr(before, f.name) for f in dataclasses.fields(before)}
    out = []
    for name, new in after.items():
        shared = {_plain(n) for n in set().union(*(_numbers(v) for n, v in values.items() if n != name))}
        olds = {_plain(n) for n in _numbers(values[name])} - {_plain(n) for n in _numbers(new)} - shared
        olds = {n for n in olds if len(n) > 1}
        news = {_plain(n) for n in _numbers(new)}
        for was, now, s in _aligned(default, changed):
            kept = sorted({b for b, a in zip(was, now) if b == a and b in olds})
            if kept and not news & set(now):
                out += [(name, number, s) for number in kept]
    return out


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_no_sentence_keeps_a_default_number_of_a_changed_parameter(topic):
    module = registry.load_topic(topic)
    changes = variant(topic)
    if not changes:
        pytest.skip(f"{topic} has no numeric parameter to move")
    found = [(name, number, s) for name, number, s in
             stale(default_text(topic), variant_text(topic, **changes), module.Params(), changes)
             if not _coincidence(topic, name, number, s)]
    assert found == [], "\n".join(f"{name} = {number}: {s[:300]}" for name, number, s in found)


def test_the_scan_catches_a_typed_default():
    """The scan on a hand-made pair: a sentence that kept the weights (as backprop's erratum once did) is found,
    one that prints the parameters in force is not, nor a number of another parameter or an exponent."""

    @dataclasses.dataclass(frozen=True)
    class P:
        w1: float = -1.7
        w2: float = 0.1
        n: int = 60000

    typed = "with weights $(w_1, w_2) = (-1.7, 0.1)$ taken from a public solution."
    exponent = r"to relative $10^{-9}$, over 10 points."
    default = f"{typed}\nWeights $(-1.7, 0.1)$, n = 60{{,}}000.\n{exponent}"
    changed = f"{typed}\nWeights $(-1.5, 0.1)$, n = 60{{,}}000.\n{exponent}"
    assert stale(default, changed, P(), {"w1": -1.5}) == [("w1", "1.7", typed)]
    assert stale(default, default.replace("60{,}000", "60{,}001"), P(), {"n": 60001}) == []
