"""Hinge and softmax cross-entropy losses for one example; L2 regression loss (cs5388-a1 P3-4)."""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import losses as num
from theory.core import figures, logbase, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, exact_decimal, param
from theory.core.render.latex import escape
from theory.core.solution import ANSWER_RTOL, Solution
from theory.core.verdict import Verdict

TOPIC = "losses"
RTOL = 1e-12
EPS = float(np.finfo(float).eps)
MAX_CLASSES = 20


MAX_SCORE = 100.0  # |s_j|: e^s stays a float (e^709 overflows) and the softmax exact form stays small
MAX_VALUE = 1e6  # |x|, |y|, |w|, |b|: squared errors of up to 16 such terms stay far from float's limits
MIN_VALUE = 1e-6  # smallest non-zero |x|, |y|, |w|: products of them do not underflow
MAX_FEATURES = 16
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,'()/+-]{0,39}")  # printed into LaTeX and figure labels as they are


def _numbers(what: str, at_least: int = 1, at_most: int = MAX_FEATURES, hi: float = MAX_VALUE):
    """A `check=` for a list of numbers that are 0 or between MIN_VALUE and hi in size."""
    def check(value) -> str | None:
        if not isinstance(value, tuple) or not at_least <= len(value) <= at_most or any(
                isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
                or abs(v) > hi or 0 < abs(v) < MIN_VALUE for v in value):
            return (f"expected {at_least} to {at_most} numbers ({what}), each 0 or between {MIN_VALUE:g} and {hi:g} "
                    "in size")
        return None

    return check


def _names(value) -> str | None:
    if not isinstance(value, tuple) or not 2 <= len(value) <= MAX_CLASSES or any(
            not isinstance(v, str) or not NAME.fullmatch(v) for v in value):
        return (f"expected 2 to {MAX_CLASSES} class names, e.g. ('cat', 'dog'), each up to 40 letters, digits, "
                "spaces or .,'()/+-")
    if len(set(value)) != len(value):
        return "class names must be distinct"
    return None


def _rows(value) -> str | None:
    if not isinstance(value, tuple) or not value or any(
            not isinstance(r, tuple) or len(r) < 2 or _numbers("", 2, MAX_FEATURES + 1)(r) for r in value):
        return (f"expected a list of examples (x_1, ..., x_n, y), n <= {MAX_FEATURES}, of numbers that are 0 or "
                f"between {MIN_VALUE:g} and {MAX_VALUE:g} in size")
    if len({len(r) for r in value}) != 1:
        return "every example must have the same number of features"
    return None


@dataclass(frozen=True)
class Params(Parameters):
    scores: tuple = param((2.0, 4.5, 1.0, 3.5), "class scores of the example in Problem 3",
                          check=_numbers("the class scores", 2, MAX_CLASSES, MAX_SCORE))
    classes: tuple = param(("motorcycle", "car", "truck", "SUV"),
                           "class names, in the order of the scores", check=_names)
    true_class: str = param("motorcycle", "the class the example belongs to")
    margin: float = param(1.0, "hinge-loss margin Delta", lo=0.0, hi=1e3)
    data: tuple = param(((1.0, 2.0, 4.0), (2.0, 0.0, 3.0), (3.0, 1.0, 5.0)),
                        "regression examples (x_1, x_2, y) of Problem 4", check=_rows)
    weights: tuple = param((0.5, 1.0), "regression weights (w_1, w_2)", check=_numbers("weights"))
    bias: float = param(0.0, "regression bias b (not regularised)", lo=-MAX_VALUE, hi=MAX_VALUE)
    lam: float = param(0.1, "L2 regularisation strength lambda", lo=0.0, hi=MAX_VALUE)
    log_base: str = logbase.field("the cross-entropy's log")

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.classes) != len(self.scores):
            raise BadInput(f"parameters scores and classes have different lengths "
                           f"({len(self.scores)} and {len(self.classes)}): one score per class")
        if self.true_class not in self.classes:
            raise BadInput(f"parameter true_class: {self.true_class[:60]!r} is not one of the classes "
                           f"{', '.join(self.classes)[:200]}")
        if len(self.data[0]) != len(self.weights) + 1:
            raise BadInput(f"parameters data and weights disagree: examples have "
                           f"{len(self.data[0]) - 1} features but there are {len(self.weights)} "
                           "weights")


# --- the derived formulas -------------------------------------------------------------------

def hinge(s: list, y: int, delta) -> sp.Expr:
    """Multiclass SVM loss: sum over the wrong classes j of max(0, s_j - s_y + delta)."""
    return sum((sp.Max(0, s[j] - s[y] + delta) for j in range(len(s)) if j != y), sp.Integer(0))


def softmax(s: list) -> list[sp.Expr]:
    """p_j = e^{s_j} / sum_k e^{s_k}."""
    z = sum(sp.exp(v) for v in s)
    return [sp.exp(v) / z for v in s]


def cross_entropy(s: list, y: int, base: str) -> sp.Expr:
    """-log_b p_y with p = softmax(s) (b = e: -ln p_y)."""
    return -logbase.log(softmax(s)[y], base)


def predict(x: list, w: list, b) -> sp.Expr:
    """y_hat = w . x + b."""
    return sum(wi * xi for wi, xi in zip(w, x)) + b


def squared_error(y, y_hat) -> sp.Expr:
    """The L2 loss of one example, (y - y_hat)^2."""
    return (y - y_hat) ** 2


def regulariser(w: list, b, lam) -> sp.Expr:
    """R = lambda * sum_i w_i^2; the bias b is not penalised."""
    return lam * sum(wi**2 for wi in w)


def total_loss(mean, reg) -> sp.Expr:
    return mean + reg


# --- helpers --------------------------------------------------------------------------------

def _tex(v) -> str:
    """A number as LaTeX: integers plain, other rationals as decimals if short, else fractions."""
    v = _exact(v)
    if v.is_Integer:
        return str(v)
    if v.is_Rational:
        f = float(v)
        if sp.Rational(repr(f)) == v and len(repr(f)) <= 6 and "e" not in repr(f):  # 0.25, never 1e-06
            return repr(f)
        return ("-" if v < 0 else "") + rf"\tfrac{{{abs(v.p)}}}{{{v.q}}}"
    return sp.latex(v)


def _exact(v) -> sp.Basic:
    """A value as it is, exactly: a float as the decimal it prints as (nsimplify would round -99.999999 to -100)."""
    return sp.Rational(repr(float(v))) if isinstance(v, (float, sp.Float)) else sp.sympify(v, strict=True)


def _approx(v, quoted=None) -> str:
    """Exact value, with a decimal beside it when the exact form is a fraction (in a sentence, `quoted`
    prints that decimal as the value its claim checked)."""
    text = _tex(v)
    if "frac" not in text:
        return quoted(float(v)) if quoted and not _exact(v).is_Integer else text
    return text + rf" \approx {quoted(float(v)) if quoted else _decimal(float(v))}"


def _decimal(x: float) -> str:
    """About six significant figures, always positional (a display reads 1000000, not 1e+06)."""
    text = f"{x:.6g}"
    if "e" not in text:
        return text
    return f"{x:.0f}" if abs(x) >= 1 else np.format_float_positional(x, precision=6, unique=False,
                                                                        fractional=False, trim="-")



def _exp_tex(v) -> str:
    return "e" if v == 1 else rf"e^{{{_tex(v)}}}"


def _worst_rel(a, b, slack=0.0) -> float:
    """The largest |a - b| / |b|, each difference first reduced by its float rounding slack."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    excess = np.maximum(np.abs(a - b) - np.asarray(slack, float), 0.0)
    return float(np.max(excess / np.maximum(np.abs(b), 1e-300))) if a.size else 0.0


def _count(n: int) -> str:
    """A small count in words for running text (three training examples), larger ones as numerals."""
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if n < len(words) else str(n)


def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(
        TOPIC, "Classification and regression losses", "cs5388-a1, Problems 3-4", p,
        notation=Notation(printing={"ln_notation": True}),
        question=(
            rf"Problem 3: a classifier gives one image of a {escape(p.true_class)} the scores "
            + (r"$s = (s_{\text{motorcycle}}, s_{\text{car}}, s_{\text{truck}}, s_4)"  # the sheet's 4th: erratum
               if p.is_default("classes") else
               "$s = (" + ", ".join(rf"s_{{\text{{{escape(c)}}}}}" for c in p.classes) + ")")
            + " = (" + ", ".join(_tex(exact_decimal(v)) for v in p.scores) + ")$"
            + r"; compute its multiclass SVM (hinge) loss, then turn the scores into softmax probabilities and "
            r"compute the cross-entropy loss. Problem 4: for the linear model $\hat{y} = "
            + " + ".join(f"w_{k + 1}x_{k + 1}" for k in range(len(p.weights))) + " + b$ with $"
            + ", ".join(f"w_{k + 1} = {_tex(exact_decimal(v))}" for k, v in enumerate(p.weights))
            + rf"$, $b = {_tex(exact_decimal(p.bias))}$ and {_count(len(p.data))} training "
            rf"example{'s' if len(p.data) > 1 else ''}, compute the L2 loss of "
            r"each example and their mean, the L2 penalty $\lambda\sum_i w_i^2$, and the total."
        ),
    )
    s = [exact_decimal(v) for v in p.scores]
    y = p.classes.index(p.true_class)
    delta = exact_decimal(p.margin)
    others = [j for j in range(len(s)) if j != y]
    names = [escape(c) for c in p.classes]

    # Problem 3 (a): hinge loss
    pa = sol.part("3a", "Multiclass SVM (hinge) loss",
                  r"Compute $L_{\text{SVM}} = \sum_{j\ne y}\max(0, s_j - s_y + \Delta)$ for this "
                  rf"example ($\Delta = {_tex(delta)}$).")
    pa.erratum(
        r"the classes are \{motorcycle, car, truck, SUV\}, but the fourth score is given as the "
        r"``bicycle score = 3.5''.",
        r"four classes need four scores, and bicycle is not one of the classes: the fourth score "
        r"belongs to the fourth class. The losses depend only on the scores and on which one is "
        r"the true class, not on the names, so every number below is the same either way.",
        rf"the fourth score ({_tex(s[3]) if len(s) > 3 else '--'}) is the "
        rf"{escape(p.classes[3]) if len(p.classes) > 3 else 'fourth class'}'s "
        r"(parameter \texttt{classes}"
        + (r"; set its fourth entry to \texttt{bicycle} to follow the score list instead)."
           if len(p.classes) < 4 or p.classes[3] != "bicycle" else ")."),
    )
    terms = [sp.Max(0, s[j] - s[y] + delta) for j in others]
    pa.notation = Notation(names={**{f"s_{{{j + 1}}}": v for j, v in enumerate(s)}, "s_y": s[y], r"\Delta": delta})
    pa.chain("hinge", r"L_{\text{SVM}}").define(
        " + ".join(rf"\max(0,\; s_{{{j + 1}}} - s_y + \Delta)" for j in others), hinge(s, y, delta),
        r"the definition, $j \ne y$",
    ).step(
        " + ".join(rf"\max(0,\; {_tex(s[j])} - {_tex(s[y])} + {_tex(delta)})" for j in others),
        sum(terms, sp.Integer(0)), rf"true class {names[y]}: $s_y = {_tex(s[y])}$",
    ).step(" + ".join(_tex(v) for v in terms), sum(terms, sp.Integer(0)), "evaluate each max").step(
        _tex(sum(terms, sp.Integer(0))), sum(terms, sp.Integer(0)), "add")
    L_svm = hinge(s, y, delta)
    pa.claim("numpy", r"NumPy, from the definition with a mask for the true class, gives the "
             rf"same loss ${pa.quote(float(L_svm), 'hinge loss')}$.",
             prove.close(num.multiclass_hinge([float(v) for v in s], y, float(delta)), float(L_svm),
                         rtol=RTOL, atol=max(1e-12, 4 * EPS * len(s) * float(2 * max(map(abs, s)) + delta)),
                         what="NumPy hinge loss"), aside=True)
    rows = []
    for j, c in enumerate(p.classes):
        raw = s[j] - s[y] + delta
        if j == y:
            note, shown = "true class (skipped)", "--"
        else:
            shown = _tex(max(raw, 0))
            note = ("violates the margin" if raw > 0 else
                    "exactly at the margin (no loss)" if raw == 0 else "margin satisfied")
        rows.append([escape(c), f"${_tex(s[j])}$", f"${_tex(raw)}$" if j != y else "--",
                     f"${shown}$" if j != y else "--", note])
    pa.table(["class $j$", "$s_j$", r"$s_j - s_y + \Delta$", r"$\max(0, \cdot)$", ""], rows,
             caption=rf"Hinge terms for true class {escape(p.true_class)} ($s_y = {_tex(s[y])}$, "
                     rf"$\Delta = {_tex(delta)}$).", aside=True)

    # Problem 3 (b): softmax and cross-entropy
    log = logbase.tex(p.log_base)
    pb = sol.part("3b", "Softmax probabilities and cross-entropy",
                  r"Turn the scores into probabilities $p_j = e^{s_j}/\sum_k e^{s_k}$ and compute "
                  rf"$L_{{\text{{CE}}}} = -{log} p_y$.")
    logbase.note(pb, p.log_base, r"``calculate the cross-entropy loss'', without the base of its logarithm.")
    probs = softmax(s)
    Z = sum(sp.exp(v) for v in s)
    z_tex = " + ".join(_exp_tex(v) for v in s)
    ref = num.softmax_probs([float(v) for v in s])
    pb.table(["class $j$", "$s_j$", r"$p_j = e^{s_j}/Z$", "$p_j$"],
             [[escape(c), f"${_tex(s[j])}$", f"${_exp_tex(s[j])}/Z$", f"${float(probs[j]):.6f}$"]
              for j, c in enumerate(p.classes)],
             caption=rf"Softmax of the scores, $Z = {z_tex} \approx {pb.quote(float(Z), 'Z', '.4f')}$.")
    pb.claim("Z", r"SciPy's $\exp(\operatorname{logsumexp}(s))$ agrees with $Z$.",
             prove.close(num.partition([float(v) for v in s]), float(Z), rtol=RTOL, what="exp(logsumexp(s))"),
             value=Z, aside=True)
    pb.claim("sum", r"The probabilities add up to one (exactly).",
             prove.equal(sum(probs), 1))
    pb.claim("scipy", r"They agree with SciPy\'s softmax to $10^{-12}$ relative, the true class's $p_y$ included.",
             Verdict("numeric", _worst_rel([float(v) for v in probs], ref) <= RTOL,
                     f"worst relative difference {prove.gap(_worst_rel([float(v) for v in probs], ref))}"),
             value=probs[y], aside=True)
    L_ce = cross_entropy(s, y, p.log_base)
    shift = [s[j] - s[y] for j in others]
    ln_b = logbase.ln(p.log_base)
    prev = (sp.log(Z) - s[y]) / ln_b
    new = sp.log(1 + sum(sp.exp(v) for v in shift)) / ln_b
    to_ln = "" if p.log_base == "e" else r", $\log_b x = \ln x/\ln b$"
    pb.notation = Notation(names={"p_y": probs[y], "s_y": s[y], r"\sum_k e^{s_k}": Z})
    pb.chain("ce", r"L_{\text{CE}}").define(logbase.scaled(r"-\ln p_y", p.log_base), L_ce, "definition" + to_ln).step(
        logbase.scaled(r"-\ln\frac{e^{s_y}}{\sum_k e^{s_k}}", p.log_base), -logbase.log(sp.exp(s[y]) / Z, p.log_base),
        "softmax").step(
        logbase.scaled(r"\ln\sum_k e^{s_k} - s_y", p.log_base), prev,
        r"$\ln \frac{a}{b} = \ln a - \ln b$, $\ln e^{s_y} = s_y$"
    ).step(logbase.scaled(rf"\ln\bigl({z_tex}\bigr) - {_tex(s[y])}", p.log_base), prev, "the scores").step(
        logbase.scaled(rf"\ln\bigl(1 + {' + '.join(_exp_tex(v) for v in shift)}\bigr)", p.log_base)
        + rf" \approx {_decimal(float(new))}", new,
        r"divide inside by $e^{s_y}$",
        verdict=prove.equal(sp.exp(prev * ln_b), sp.exp(new * ln_b)) if shift else prove.equal(prev, new))
    base_f = logbase.number(p.log_base)
    # logsumexp(s) - s_y cancels when p_y ~ 1; dividing by ln b scales that rounding with the value
    ce_atol = 8 * EPS * max(1.0, max(abs(float(v)) for v in s)) / float(np.log(base_f))
    in_base = "" if p.log_base == "e" else rf", divided by $\ln {p.log_base}$,"
    pb.claim("value", rf"$L_{{\text{{CE}}}} \approx {pb.quote(float(L_ce), 'value', '.6f')}$, and "
             rf"$p_y \approx {pb.quote(float(probs[y]), 'scipy', '.6f')}$: "
             rf"SciPy's $\operatorname{{logsumexp}}(s) - s_y${in_base} "
             rf"and $-{log}$ of SciPy's softmax agree.",
             prove.close(num.cross_entropy([float(v) for v in s], y, base_f), float(L_ce), rtol=RTOL,
                         atol=ce_atol, what="logsumexp(s) - s_y")
             & prove.close(num.neg_log(ref[y], base_f), float(L_ce), rtol=1e-10, atol=ce_atol,
                           what="-ln scipy softmax" if p.log_base == "e" else f"-log_{p.log_base} scipy softmax"),
             value=L_ce, aside=True)
    pb.figure("scores", rf"Left: hinge terms $\max(0, s_j - s_y + \Delta)$ per class (true "
              rf"class {escape(p.true_class)}, $\Delta = {_tex(delta)}$); right: softmax "
              r"probabilities, with the true class's bar outlined.",
              lambda path: _plot_scores(path, p, [float(v) for v in s], y, float(delta),
                                        [float(v) for v in probs]), aside=True)

    # Problem 4: regression loss
    rows4 = [[exact_decimal(v) for v in r] for r in p.data]
    w = [exact_decimal(v) for v in p.weights]
    b = exact_decimal(p.bias)
    lam = exact_decimal(p.lam)
    n = len(rows4)
    preds = [predict(r[:-1], w, b) for r in rows4]
    per = [squared_error(r[-1], yh) for r, yh in zip(rows4, preds)]
    # independent of the functions above: written out from the rows
    direct = [(r[-1] - sum(wi * xi for wi, xi in zip(w, r[:-1])) - b) ** 2 for r in rows4]
    ref4 = num.regression(p.data, p.weights, p.bias, p.lam)
    half4 = num.regression(p.data, p.weights, p.bias, p.lam, half=True)
    # Float X w + b - y cancels: each residual is off by up to a few eps times the size of its terms.
    size = [abs(p.bias) + abs(r[-1]) + sum(abs(wi * xi) for wi, xi in zip(p.weights, r[:-1])) for r in p.data]
    slack_pred = [4 * (len(w) + 2) * EPS * v for v in size]
    slack_per = [2 * abs(float(r[-1] - yh)) * e + e * e for r, yh, e in zip(rows4, preds, slack_pred)]
    slack_mean = sum(slack_per) / len(slack_per)
    wnames = [f"w_{i + 1}" for i in range(len(w))]
    xs = sp.symbols(f"x_1:{len(w) + 1}")
    pr = sol.part("4a", "L2 loss of each example and the mean",
                  r"Compute the L2 loss of each example and its average over the examples.")
    pr.text(r"$L_i = (y_i - \hat{y}_i)^2$ with $\hat{y}_i = "
            + " + ".join(f"{wn}x_{{i{k + 1}}}" for k, wn in enumerate(wnames)) + r" + b$; "
            r"with the convention $\tfrac12(y_i - \hat{y}_i)^2$ every $L_i$ and the mean halve "
            r"(last column, and (c)).")
    pr.table(["$i$", "$x_i$", "$y_i$", r"$\hat{y}_i$", r"$y_i - \hat{y}_i$", r"$L_i$",
              r"$\tfrac12 L_i$"],
             [[str(i + 1), "$(" + ", ".join(_tex(v) for v in r[:-1]) + ")$", f"${_tex(r[-1])}$",
               f"${_tex(yh)}$", f"${_tex(r[-1] - yh)}$", f"${_tex(li)}$", f"${_tex(li / 2)}$"]
              for i, (r, yh, li) in enumerate(zip(rows4, preds, per))],
             caption=rf"Model $\hat{{y}} = {sp.latex(predict(xs, w, b))}$ on the {n} examples.")
    pr.claim("numpy", r"NumPy ($X w + b$, then squared residuals) reproduces every "
             r"$\hat{y}_i$ and $L_i$ of the table.",
             Verdict("numeric", _worst_rel([float(v) for v in preds], ref4["pred"], slack_pred) <= RTOL
                     and _worst_rel([float(v) for v in per], ref4["per"], slack_per) <= RTOL,
                     f"worst relative differences: predictions "
                     f"{_worst_rel([float(v) for v in preds], ref4['pred'], slack_pred):.1e}, losses "
                     f"{_worst_rel([float(v) for v in per], ref4['per'], slack_per):.1e}"), aside=True)
    mean = sum(per) / n
    reg = regulariser(w, b, lam)
    total = total_loss(mean, reg)
    notation = Notation(names={"n": sp.Integer(n), **{f"L_{{{i + 1}}}": v for i, v in enumerate(per)},
                               r"\lambda": lam, **{f"w_{{{i + 1}}}": v for i, v in enumerate(w)},
                               r"\bar{L}": mean, "R": reg})
    pr.notation = notation
    pr.chain("mean", r"\bar{L}").define(
        r"\frac{1}{n}\bigl(" + " + ".join(f"L_{{{i + 1}}}" for i in range(n)) + r"\bigr)", mean,
        r"the mean, $\bar{L} = \frac{1}{n}\sum_{i=1}^{n} L_i$").step(
        rf"\frac{{1}}{{{n}}}\bigl(" + " + ".join(_tex(v) for v in direct) + r"\bigr)",
        sum(direct) / n, "the rows, residuals written out").step(
        _approx(sum(direct) / n), sum(direct) / n, "add")
    pr.claim("numpy-mean", r"NumPy's mean of the squared residuals agrees.",
             prove.close(ref4["mean"], float(mean), rtol=RTOL, atol=1e-15 + slack_mean, what="NumPy MSE"),
             aside=True)

    pg = sol.part("4b", "L2 regularisation term",
                  r"Compute $R = \lambda\sum_i w_i^2$ with $\lambda = " + _tex(lam) + "$.")
    pg.notation = notation
    reg_direct = lam * sum(wi * wi for wi in w)
    pg.chain("reg", "R").define(r"\lambda\bigl(" + " + ".join(f"{wn}^2" for wn in wnames)
                                + r"\bigr)", reg).step(
        _tex(lam) + r"\bigl(" + " + ".join(f"({_tex(wi)})^2" if wi < 0 else f"{_tex(wi)}^2" for wi in w)
        + r"\bigr)", reg_direct,
        "the weights").step(
        _approx(reg_direct), reg_direct, "evaluate")
    pg.claim("numpy", r"NumPy's $\lambda\, w\cdot w$ agrees.",
             prove.close(ref4["reg"], float(reg), rtol=RTOL, atol=1e-15, what="NumPy penalty"), aside=True)

    pt = sol.part("4c", "Total loss", r"Add the average L2 loss and the penalty.")
    pt.notation = notation
    pt.chain("total", "L").define(r"\bar{L} + R", total).step(
        f"{_tex(sum(direct) / n)} + {_tex(reg_direct)}", sum(direct) / n + reg_direct,
        "(a) and (b)").step(
        _approx(sum(direct) / n + reg_direct),
        sum(direct) / n + reg_direct, "add")
    pt.claim("numpy", r"NumPy's mean squared residual plus $\lambda\, w\cdot w$ agrees.",
             prove.close(ref4["total"], float(total), rtol=RTOL, atol=1e-15 + slack_mean,
                         what="NumPy total"), aside=True)
    half_total = total_loss(mean / 2, reg)
    pt.claim("half", rf"With the $\tfrac12(y-\hat{{y}})^2$ convention the mean halves to "
             r"$\tfrac12\bar{L}$, $R$ is unchanged, and the total is "
             rf"${_approx(half_total, lambda x: pt.quote(x, 'half', '.6g'))}$ (NumPy with the factor "
             r"$\tfrac12$ agrees).",
             prove.close(half4["total"], float(half_total), rtol=RTOL, atol=1e-15 + slack_mean / 2,
                         what="NumPy total, half convention"), value=half_total, aside=True)

    # each answer judged by the NumPy/SciPy number of its claim, with that claim's tolerance
    sf = [float(v) for v in s]
    hinge_atol = max(1e-12, 4 * EPS * len(s) * float(2 * max(map(abs, s)) + delta))
    ce_measured = num.cross_entropy(sf, y, base_f)
    sol.answer("hinge loss", L_svm, claims=("3a.numpy",),
               check=witness.close(num.multiclass_hinge(sf, y, float(delta)), rtol=RTOL, atol=hinge_atol,
                                   what="NumPy hinge loss"))
    sol.answer("softmax probabilities", list(probs), claims=("3b.scipy", "3b.sum"),
               check=witness.close_all(ref, rtol=RTOL, what=f"SciPy's softmax, classes {', '.join(p.classes)}"))
    sol.answer("p_y", probs[y], claims=("3b.scipy",),
               check=witness.close(float(ref[y]), rtol=RTOL, what="SciPy's softmax of the true class"))
    sol.answer("cross-entropy", sp.expand_log(L_ce, force=True), claims=("3b.value",), rests_on=(logbase.KEY,),
               check=witness.close(ce_measured, rtol=RTOL, atol=ce_atol, what="logsumexp(s) - s_y"))
    sol.answer("predictions", preds, claims=("4a.numpy",),
               check=witness.close_all(ref4["pred"], rtol=RTOL, atol=1e-15 + max(slack_pred), what="NumPy X w + b"))
    sol.answer("L2 losses", per, claims=("4a.numpy",),
               check=witness.close_all(ref4["per"], rtol=RTOL, atol=1e-15 + max(slack_per),
                                       what="NumPy squared residuals"))
    sol.answer("mean L2 loss", mean, claims=("4a.numpy-mean",),
               check=witness.close(ref4["mean"], rtol=RTOL, atol=1e-15 + slack_mean, what="NumPy MSE"))
    sol.answer("regulariser", reg, claims=("4b.numpy",),
               check=witness.close(ref4["reg"], rtol=RTOL, atol=1e-15, what="NumPy penalty"))
    sol.answer("total loss", total, claims=("4c.numpy",),
               check=witness.close(ref4["total"], rtol=RTOL, atol=1e-15 + slack_mean, what="NumPy total"))
    sol.answer("total loss (1/2 convention)", half_total, claims=("4c.half",),
               label="total loss with halved L2 losses (the other convention)",
               check=witness.close(half4["total"], rtol=RTOL, atol=1e-15 + slack_mean / 2,
                                   what="NumPy total, half convention"))
    mistakes = _Mistakes(sol)
    _classification_mistakes(mistakes, p, s, y, delta, probs, L_ce, hinge_atol, ce_atol)
    _regression_mistakes(mistakes, rows4, w, b, lam, per, reg, 1e-15 + slack_mean)
    return sol


class _Mistakes:
    """Declares a misconception only where grading and the witness can tell it from the right value
    and from the misconceptions of the same answer declared before it."""

    def __init__(self, sol: Solution) -> None:
        self.sol, self.seen = sol, {}

    def __call__(self, answer: str, id: str, wrong, right, atol: float, why: str) -> None:
        before = self.seen.setdefault(answer, [])
        if _differs(wrong, right, atol) and all(_differs(wrong, v, atol) for v in before):
            self.sol.misconception(answer, id, wrong, why)
            before.append(wrong)


def _differs(wrong, right, atol: float) -> bool:
    """Some entry off by more than 1% and by more than ten times the witness's absolute tolerance."""
    w, r = (np.atleast_1d(np.array([float(v) for v in np.ravel(np.array(a, dtype=object))])) for a in (wrong, right))
    return w.shape != r.shape or bool(np.any(np.abs(w - r) > np.maximum(10 * ANSWER_RTOL * np.abs(r),
                                                                        max(10 * atol, 1e-9))))


def _classification_mistakes(add: _Mistakes, p: Params, s: list, y: int, delta, probs: list, L_ce,
                             hinge_atol: float, ce_atol: float) -> None:
    """Problem 3's usual slips: the margin, the true class's term, the sign; the log's base, its sign, the class."""
    right = hinge(s, y, delta)
    add("hinge loss", "no-margin", hinge(s, y, 0), right, hinge_atol,
        r"The margin is part of every term, $\max(0, s_j - s_y + \Delta)$. Without it a wrong class costs "
        r"nothing as soon as it scores below the true class, however slightly, instead of once it trails "
        r"by $\Delta$.")
    add("hinge loss", "true-class-included", right + sp.Max(0, delta), right, hinge_atol,
        r"The sum runs over the wrong classes $j \ne y$ only. Including $j = y$ adds "
        r"$\max(0, s_y - s_y + \Delta) = \Delta$, a constant that no score can remove.")
    add("hinge loss", "swapped-sign", sum((sp.Max(0, s[y] - s[j] + delta) for j in range(len(s)) if j != y),
                                          sp.Integer(0)), right, hinge_atol,
        r"A wrong class is penalised when its score comes close to or beats the true one: the term "
        r"$\max(0, s_j - s_y + \Delta)$ grows with $s_j$. Writing $s_y - s_j$ penalises the classes that "
        r"the classifier already ranks below the true one.")
    sf = [float(v) for v in s]
    total = sum(sf)
    if total:
        add("p_y", "linear-normalisation", s[y] / sum(s), probs[y], 0.0,
            r"Softmax exponentiates before normalising: $p_y = e^{s_y}/\sum_k e^{s_k}$. Dividing the raw "
            r"scores by their sum is not a distribution in general (scores can be negative) and does not "
            r"sharpen the gap between the classes as $e^{s}$ does.")
    top = int(np.argmax(sf))
    if top != y:
        add("p_y", "predicted-class-probability", probs[top], probs[y], 0.0,
            r"$p_y$ is the probability of the true class $y$, not of the class the network ranks highest.")
    ce = sp.expand_log(L_ce, force=True)
    for b in logbase.BASES:
        if b != p.log_base:
            add("cross-entropy", _base_id(b), sp.expand_log(cross_entropy(s, y, b), force=True), ce, ce_atol,
                f"The cross-entropy is asked with {_base_name(p.log_base)} here (parameter "
                rf"\texttt{{log\_base}}), in {logbase.UNITS[p.log_base]}. Since $\log_b x = \ln x/\ln b$, "
                f"{_base_name(b)} gives the same loss in {logbase.UNITS[b]}, "
                rf"${_ratio_tex(p.log_base, b)}$ times the value asked for.")
    add("cross-entropy", "missing-minus", -ce, ce, ce_atol,
        rf"The loss is $-{logbase.tex(p.log_base)} p_y$: ${logbase.tex(p.log_base)} p_y$ is negative for "
        rf"$p_y < 1$, and the minus sign makes the loss positive, falling to $0$ as $p_y$ approaches $1$.")
    if top != y:
        add("cross-entropy", "predicted-class", sp.expand_log(cross_entropy(s, top, p.log_base), force=True), ce,
            ce_atol, r"The cross-entropy takes the probability of the true class $y$, whatever the network "
            rf"predicts: $-{logbase.tex(p.log_base)} p_y$, not minus the log of the largest probability.")
    add("cross-entropy", "raw-score", -s[y] / logbase.ln(p.log_base), ce, ce_atol,
        r"$\ln p_y = s_y - \ln\sum_k e^{s_k}$: the softmax's denominator is part of the probability. "
        r"Taking $-s_y$ alone leaves out the normalisation, so the loss no longer depends on the other scores.")


def _regression_mistakes(add: _Mistakes, rows: list, w: list, b, lam, per: list, reg, mean_atol: float) -> None:
    """Problem 4's usual slips: the absolute error or the norm for the squared one, the sum for the mean, the
    penalty without lambda, squared weights or with the bias, and the factor 1/2 put on the penalty too."""
    n = len(rows)
    residuals = [r[-1] - predict(r[:-1], w, b) for r in rows]
    mean = sum(per) / n
    add("L2 losses", "absolute-error", [abs(e) for e in residuals], per, mean_atol,
        r"The L2 loss of one example squares the residual, $(y_i - \hat{y}_i)^2$. The norm "
        r"$|y_i - \hat{y}_i|$ of a single residual is its absolute value, the L1 loss.")
    add("mean L2 loss", "sum-not-mean", sum(per), mean, mean_atol,
        rf"The average divides the sum of the per-example losses by the number of examples, $n = {n}$.")
    add("mean L2 loss", "l2-norm", sp.sqrt(sum(per)), mean, mean_atol,
        r"The L2 loss is the mean of the squared residuals, not the Euclidean (L2) norm of the residual "
        r"vector: no square root, and divided by $n$.")
    add("mean L2 loss", "mean-absolute-error", sum(abs(e) for e in residuals) / n, mean, mean_atol,
        r"Averaging $|y_i - \hat{y}_i|$ gives the mean absolute error (L1); the L2 loss averages the squares.")
    add("regulariser", "missing-lambda", sum(v**2 for v in w), reg, 1e-15,
        r"$R = \lambda\sum_i w_i^2$: the strength $\lambda$ multiplies the sum of squares.")
    add("regulariser", "l1-penalty", lam * sum(abs(v) for v in w), reg, 1e-15,
        r"The L2 penalty sums the squared weights; $\lambda\sum_i |w_i|$ is the L1 (lasso) penalty.")
    add("regulariser", "bias-penalised", reg + lam * b**2, reg, 1e-15,
        r"The sheet's $R$ has the weights $w_i$ only: the bias $b$ is not penalised, since it only shifts "
        r"every prediction and does not make the model any less smooth.")
    total = mean + reg
    add("total loss", "summed-losses-in-total", sum(per) + reg, total, mean_atol,
        r"The total adds the \emph{average} L2 loss $\bar{L}$ to the penalty: the sum of the per-example "
        r"losses is $n$ times larger.")
    add("total loss", "no-penalty", mean, total, mean_atol,
        r"The total loss is the average L2 loss $\bar{L}$ plus the regularisation term $R$ of (b).")
    add("total loss (1/2 convention)", "halved-penalty", (mean + reg) / 2, mean / 2 + reg, mean_atol,
        r"The factor $\tfrac12$ belongs to the squared error only; $R = \lambda\sum_i w_i^2$ is unchanged.")


def _ratio_tex(asked: str, other: str) -> str:
    """How many times the loss in base `asked` the loss in base `other` is: ln(asked)/ln(other), exact."""
    if asked == "e":
        return rf"1/\ln {other}"
    return rf"\ln {asked}" if other == "e" else rf"\ln {asked}/\ln {other}"


def _base_id(b: str) -> str:
    return "natural-log" if b == "e" else f"log-base-{b}"


def _base_name(b: str) -> str:
    return "the natural log" if b == "e" else f"the base-{b} log"


def _plot_scores(path, p: Params, s: list[float], y: int, delta: float, probs: list[float]) -> None:
    terms = [0.0 if j == y else max(0.0, s[j] - s[y] + delta) for j in range(len(s))]
    xs = np.arange(len(s))
    hinge, softmax = figures.series(2)
    with figures.figure(path, ncols=2) as (fig, (left, right)):
        left.bar(xs, terms, color=hinge)
        left.set_xticks(xs, p.classes)
        left.set_ylabel(r"hinge term $\max(0, s_j - s_y + \Delta)$")
        left.set_xlabel("class $j$")
        bars = right.bar(xs, probs, color=softmax, alpha=0.8)
        bars[y].set_edgecolor("k")
        bars[y].set_linewidth(1.5)
        right.set_xticks(xs, p.classes)
        right.set_ylabel("softmax probability $p_j$")
        right.set_xlabel("class $j$")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
