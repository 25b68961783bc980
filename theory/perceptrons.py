"""Perceptrons for A AND NOT B and a two-layer network for XOR (cs5388-a1 P5)."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from checks import perceptrons as sim
from theory.core import figures, prove, witness
from theory.core.context import Context
from theory.core.params import Parameters, exact_decimal, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict

TOPIC = "perceptrons"

ROWS = ((0, 0), (0, 1), (1, 0), (1, 1))
w1_, w2_, b_ = sp.symbols("w_1 w_2 b", real=True)
A_, B_ = sp.symbols("A B")

# The target functions, written as SymPy logic (checks/ writes them with Python operators).
SPEC = {
    "A and not B": sp.And(A_, sp.Not(B_)),
    "not A and B": sp.And(sp.Not(A_), B_),
    "A or B": sp.Or(A_, B_),
    "A xor B": sp.Xor(A_, B_),
}


MAX_WEIGHT = 1e6
MIN_WEIGHT = 1e-6  # smallest non-zero |w|: margins and the perturbations around them stay normal floats


def _three_weights(value) -> str | None:
    ok = (isinstance(value, tuple) and len(value) == 3
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                  and (v == 0 or MIN_WEIGHT <= abs(v) <= MAX_WEIGHT) for v in value))
    return None if ok else (f"expected three numbers (w_1, w_2, b), each 0 or between {MIN_WEIGHT:g} and "
                            f"{MAX_WEIGHT:g} in size, e.g. (1, -1, -0.5)")


@dataclass(frozen=True)
class Params(Parameters):
    and_not: tuple = param((1.0, -1.0, -0.5),
                           "(w_1, w_2, b) of the single perceptron for A and not B",
                           check=_three_weights)
    hidden1: tuple = param((1.0, -1.0, -0.5),
                           "(w_1, w_2, b) of hidden unit h1, meant to be A and not B",
                           check=_three_weights)
    hidden2: tuple = param((-1.0, 1.0, -0.5),
                           "(w_1, w_2, b) of hidden unit h2, meant to be not A and B",
                           check=_three_weights)
    output: tuple = param((1.0, 1.0, -0.5),
                          "(w_1, w_2, b) of the output unit on (h1, h2), meant to be OR",
                          check=_three_weights)
    strict: bool = param(True, "step convention: output 1 iff w.x + b > 0 (true) or >= 0 (false)")
    samples: int = param(4000, "random weight vectors used to test the inequalities in (a)",
                         lo=100, hi=200000)


def preactivation(w, x):
    """w_1 x_1 + w_2 x_2 + b for w = (w_1, w_2, b)."""
    return w[0] * x[0] + w[1] * x[1] + w[2]


def step(s, strict: bool) -> int:
    """The threshold unit: 1 iff s > 0 (strict) or s >= 0."""
    return int(bool(s > 0)) if strict else int(bool(s >= 0))


def perceptron(w, x, strict: bool) -> int:
    return step(preactivation(w, x), strict)


def network(h1, h2, out, x, strict: bool) -> int:
    """Two-layer network: output unit on the hidden pair (h1(x), h2(x))."""
    return perceptron(out, (perceptron(h1, x, strict), perceptron(h2, x, strict)), strict)


def margin(w) -> sp.Expr:
    """Robustness margin: the smallest |w.x + b| over the four Boolean inputs."""
    return sp.Min(*[sp.Abs(preactivation(w, x)) for x in ROWS])


def constraints(table: dict, strict: bool) -> dict:
    """The inequality on (w_1, w_2, b) that each row of the truth table imposes."""
    out = {}
    for x in ROWS:
        s = preactivation((w1_, w2_, b_), x)
        if table[x]:
            out[x] = s > 0 if strict else s >= 0
        else:
            out[x] = s <= 0 if strict else s < 0
    return out


def certificate(table: dict) -> dict | None:
    """Multipliers lambda_r >= 0 with sum_{t=1} lambda_r s_r = sum_{t=0} lambda_r s_r identically.

    Found by solving the linear system in lambda and setting its free
    parameters to 1; None if that gives no non-negative, nonzero solution.
    """
    lam = sp.symbols("lambda0:4")
    sign = [1 if table[x] else -1 for x in ROWS]
    eqs = [sum(sg * lm * (*x, 1)[k] for sg, lm, x in zip(sign, lam, ROWS)) for k in range(3)]
    sols = sp.solve(eqs, lam, dict=True)
    if not sols:
        return None
    vals = [sp.sympify(lm, strict=True).subs(sols[0]) for lm in lam]
    free = set().union(*[v.free_symbols for v in vals])
    vals = [sp.nsimplify(v.subs({f: 1 for f in free})) for v in vals]
    if any(v < 0 for v in vals) or all(v == 0 for v in vals):
        return None
    return dict(zip(ROWS, vals))


def _spec_table(name: str) -> dict:
    return {x: int(bool(SPEC[name].xreplace({A_: bool(x[0]), B_: bool(x[1])}))) for x in ROWS}


def _exhaustive(got: dict, want: dict, what: str) -> Verdict:
    bad = [f"A={a},B={b}" for a, b in ROWS if got[(a, b)] != want[(a, b)]]
    detail = f"{what}: exact evaluation on all four inputs (the whole domain)"
    if bad:
        detail += f"; differs at {', '.join(bad)}"
    return Verdict("symbolic", not bad, detail, {"mismatches": bad})


def _rel(strict: bool, target: int) -> str:
    if target:
        return ">" if strict else r"\ge"
    return r"\le" if strict else "<"


def _wx(w, names=("A", "B")) -> str:
    """LaTeX of w_1 x_1 + w_2 x_2 + b with the numbers shown."""
    return sp.latex(w[0] * sp.Symbol(names[0]) + w[1] * sp.Symbol(names[1]) + w[2])


def _num(v) -> str:
    """A number for a table cell or a line of text: a fraction on one line (-3/2), not stacked."""
    return sp.latex(sp.sympify(v, strict=True), fold_short_frac=True)


def _table_rows(w, strict: bool, target: dict) -> list[list[str]]:
    return [[str(a), str(b), f"${_num(preactivation(w, (a, b)))}$",
             str(perceptron(w, (a, b), strict)), str(target[(a, b)])] for a, b in ROWS]


def _preacts(w) -> np.ndarray:
    """The exact pre-activations on the four inputs, as floats (each to within rounding of itself)."""
    return np.array([float(preactivation(w, x)) for x in ROWS])


def _robust(w, target: dict, strict: bool, directions: np.ndarray) -> Check:
    """A candidate margin m judged by NumPy: moves of the weights just inside the L1 ball of radius m
    keep the table, and some vertex just outside breaks it (`directions`: points of the unit L1 sphere)."""
    pre = _preacts(w)
    want = np.array([target[x] for x in ROWS])

    def check(value) -> Verdict:
        mf = witness.number(value)
        if mf is None:
            return Verdict("numeric", False, f"margin {sp.sstr(value)[:60]} is not a number")
        inside = np.vstack([sim.l1_vertices(0.999 * mf), 0.999 * mf * directions])
        kept = bool(np.all(sim.perturbed_tables(pre, inside, strict) == want))
        outside = sim.perturbed_tables(pre, sim.l1_vertices(1.001 * mf), strict)
        broken = bool(np.any(np.any(outside != want, axis=1)))
        return prove.on_instances(
            {rf"6 vertices and {len(directions)} random points of $\|\delta\|_1 = 0.999 \times {mf:.6g}$ "
             "keep the table": kept,
             rf"some vertex of $\|\delta\|_1 = 1.001 \times {mf:.6g}$ changes it": broken},
            "perturbed truth tables in NumPy")

    return check


def _unit(value) -> list | None:
    """An offered unit (w_1, w_2, b) as exact fractions, or None if it is not three numbers."""
    try:
        w = [_fraction(v) for v in (list(value) if isinstance(value, (list, tuple, sp.MatrixBase)) else [])]
    except (TypeError, ValueError):
        return None
    return w if len(w) == 3 else None


def _computes(name: str, strict: bool) -> Check:
    """Candidate weights (w_1, w_2, b) judged by their truth table, evaluated exactly in checks/,
    against the Boolean function written with Python's operators."""
    want = sim.boolean_table(name)

    def check(value) -> Verdict:
        w = _unit(value)
        if w is None:
            return Verdict("numeric", False, f"{sp.sstr(value)[:60]} is not three numbers (w_1, w_2, b)")
        got = sim.exact_table(w, strict)
        bad = [f"A={a},B={b}" for a, b in ROWS if got[(a, b)] != want[(a, b)]]
        return Verdict("symbolic", not bad, f"truth table of ({', '.join(map(str, w))}) vs Python's {name}, "
                       "exact on all four inputs" + (f"; differs at {', '.join(bad)}" if bad else ""))

    return check


def _fraction(v) -> Fraction:
    x = sp.sympify(v, strict=True)
    if x.is_Rational:
        return Fraction(int(x.p), int(x.q))
    return Fraction(float(sp.N(x, 30)))


def _differs(wrong, right, rel: float = 0.01) -> bool:
    """A misconception is declared only where its value is more than `rel` away from the answer
    (relative, in some entry): grading and the witness can then tell them apart."""
    pairs = zip(wrong, right) if isinstance(right, (list, tuple)) else [(wrong, right)]
    return any(abs(float(a) - float(b)) > rel * max(abs(float(a)), abs(float(b))) for a, b in pairs)


def solve(p: Params, ctx: Context) -> Solution:
    conv = ">" if p.strict else r"\ge"
    sol = Solution(
        TOPIC, "Perceptrons", "cs5388-a1, Problem 5", p,
        question=(
            r"A perceptron with inputs $A, B\in\{0,1\}$ outputs $1$ if $w_1A + w_2B + b "
            + conv + r" 0$ and $0$ otherwise. (a) Choose weights so that one perceptron computes "
            r"$A\wedge\neg B$. (b) Build a two-layer network of perceptrons computing "
            r"$A\oplus B$ (XOR), and show one perceptron cannot."
        ),
    )
    conv_text = (r"We use the strict convention: the unit fires iff $w\cdot x + b > 0$; a zero "
                 r"pre-activation gives $0$." if p.strict else
                 r"We use the non-strict convention: the unit fires iff $w\cdot x + b \ge 0$; a "
                 r"zero pre-activation gives $1$.")

    # (a) A and not B
    pa = sol.part("a", "A single perceptron for $A\\wedge\\neg B$",
                  r"Give weights $(w_1, w_2, b)$ of one perceptron computing $A\wedge\neg B$.")
    pa.text(conv_text)
    target_a = _spec_table("A and not B")
    cons = constraints(target_a, p.strict)
    wa = tuple(map(exact_decimal, p.and_not))
    pa.table(["$A$", "$B$", r"$A\wedge\neg B$", r"constraint on $(w_1, w_2, b)$",
              rf"at $w_1 = {_num(wa[0])}, w_2 = {_num(wa[1])}, b = {_num(wa[2])}$"],
             [[str(a), str(b), str(target_a[(a, b)]), f"${sp.latex(cons[(a, b)])}$",
               rf"${_num(preactivation(wa, (a, b)))} {_rel(p.strict, target_a[(a, b)])} 0$"]
              for a, b in ROWS],
             caption=r"Each row of the truth table is one linear inequality on the weights.")
    pa.claim("constraints", r"The chosen weights satisfy all four inequalities.",
             prove.holds(sp.And(*[c.subs({w1_: wa[0], w2_: wa[1], b_: wa[2]})
                                  for c in cons.values()])))
    rng = ctx.rng("a.characterise")
    rand_w = sim.random_weights(rng, p.samples, 1.0)
    computes = np.all(sim.tables(rand_w, p.strict) == np.array([sim.boolean_table("A and not B")[x]
                                                                for x in ROWS]), axis=1)
    ineq = np.asarray(sp.lambdify((w1_, w2_, b_), sp.And(*cons.values()), "numpy")(*rand_w.T), bool)
    pa.claim("characterise",
             r"The four inequalities hold exactly for the weights that compute $A\wedge\neg B$: "
             rf"on {p.samples} random $(w_1, w_2, b)\in[-1,1]^3$ ({int(computes.sum())} of which "
             r"compute it) the inequalities and the simulated truth table agree.",
             prove.on_instances({"inequalities hold iff the NumPy table is A and not B":
                                 bool(np.array_equal(computes, ineq)),
                                 "both outcomes occur": bool(0 < computes.sum() < p.samples)},
                                f"{p.samples} random weight vectors"), aside=True)
    ma = margin(wa)
    pa.claim("margin", rf"With margin $m = \min_x |w\cdot x + b| = {sp.latex(ma)} > 0$, every row "
             r"holds strictly with room $m$: $(2t-1)(w\cdot x + b)\ge m$ for target $t$.",
             prove.holds(sp.And(ma > 0, *[(2 * target_a[x] - 1) * preactivation(wa, x) >= ma
                                          for x in ROWS])))
    got_a = {x: perceptron(wa, x, p.strict) for x in ROWS}
    pa.claim("truth", rf"The perceptron $\mathrm{{step}}({_wx(wa)})$ computes $A\wedge\neg B$ "
             r"on all four inputs.",
             _exhaustive(got_a, sim.boolean_table("A and not B"), "perceptron vs Python Boolean"))
    pa.table(["$A$", "$B$", r"$w\cdot x + b$", "output", r"$A\wedge\neg B$"],
             _table_rows(wa, p.strict, sim.boolean_table("A and not B")),
             caption=r"Truth table of the perceptron in (a).", aside=True)
    robust = _robust(wa, sim.boolean_table("A and not B"), p.strict, sim.l1_sphere(ctx.rng("a.robust"), 2000, 1.0))
    pa.claim("robust", rf"Any change of $(w_1, w_2, b)$ with $\|\delta\|_1 < m = {sp.latex(ma)}$ "
             r"keeps $A\wedge\neg B$, and slightly larger changes can break it. (For a change "
             r"$\delta = (\delta_1, \delta_2, \delta_b)$ and $x\in\{0,1\}^2$, "
             r"$|\delta_1 A + \delta_2 B + \delta_b| \le \|\delta\|_1$, so no pre-activation changes sign "
             r"while $\|\delta\|_1 < m$; the set of $\delta$ that keep the table is convex, so testing the "
             r"vertices of the $\ell_1$ ball suffices; moving $b$ alone by $m$ reaches the boundary, so $m$ "
             r"is tight.)", robust(ma), aside=True)
    pa.figure("and-not", r"Decision boundary $w_1A + w_2B + b = 0$ of the perceptron in (a) "
              r"(shaded: output 1) with the four inputs marked by their target "
              r"$A\wedge\neg B$.", lambda path: _plot_and_not(path, wa, target_a, p.strict), aside=True)

    # (b) XOR
    pb = sol.part("b", "A two-layer network for XOR",
                  r"Build a network of perceptrons with one hidden layer computing $A\oplus B$.")
    h1, h2, wo = (tuple(map(exact_decimal, w)) for w in (p.hidden1, p.hidden2, p.output))
    pb.text(r"Since $A\oplus B = (A\wedge\neg B)\vee(\neg A\wedge B)$, the hidden unit $h_1$ "
            rf"computes $A\wedge\neg B$ ({'as in (a): ' if p.hidden1 == p.and_not else ''}"
            rf"$\mathrm{{step}}({_wx(h1)})$), $h_2$ computes "
            rf"$\neg A\wedge B$ ($\mathrm{{step}}({_wx(h2)})$), and the output unit computes "
            rf"$h_1\vee h_2$ ($\mathrm{{step}}({_wx(wo, ('h_1', 'h_2'))})$).")
    got1 = {x: perceptron(h1, x, p.strict) for x in ROWS}
    got2 = {x: perceptron(h2, x, p.strict) for x in ROWS}
    goto = {x: perceptron(wo, x, p.strict) for x in ROWS}
    gotn = {x: network(h1, h2, wo, x, p.strict) for x in ROWS}
    pb.claim("h1.truth", r"$h_1$ computes $A\wedge\neg B$.",
             _exhaustive(got1, sim.boolean_table("A and not B"), "unit vs Python Boolean"))
    pb.claim("h2.truth", r"$h_2$ computes $\neg A\wedge B$.",
             _exhaustive(got2, sim.boolean_table("not A and B"), "unit vs Python Boolean"))
    pb.claim("out.truth",
             r"The output unit computes $h_1\vee h_2$ on all four inputs $(h_1, h_2)$.",
             _exhaustive(goto, sim.boolean_table("A or B"), "unit vs Python Boolean"))
    pb.claim("xor.truth", r"The network computes $A\oplus B$.",
             _exhaustive(gotn, sim.boolean_table("A xor B"), "network vs Python Boolean"))
    rows = []
    for x in ROWS:
        hh = (got1[x], got2[x])
        rows.append([str(x[0]), str(x[1]), f"${_num(preactivation(h1, x))}$", str(hh[0]),
                     f"${_num(preactivation(h2, x))}$", str(hh[1]),
                     f"${_num(preactivation(wo, hh))}$", str(gotn[x]),
                     str(sim.boolean_table("A xor B")[x])])
    pb.table(["$A$", "$B$", r"$s_1$", "$h_1$", r"$s_2$", "$h_2$", r"$s_{\mathrm{out}}$", "output",
              r"$A\oplus B$"], rows, caption=r"Pre-activations $s$ and outputs of every unit.")
    margins = {"h_1": margin(h1), "h_2": margin(h2), r"\mathrm{out}": margin(wo)}
    pb.claim("margins", "Every unit has a positive margin: " + ", ".join(
        f"$m_{{{k}}} = {sp.latex(v)}$" for k, v in margins.items()) + ".",
        prove.holds(sp.And(*[v > 0 for v in margins.values()])), aside=True)
    pb.claim("robust", r"So perturbing each unit's weights by less than its margin (in $\ell_1$) "
             r"keeps every unit's table, hence XOR.",
             _robust_network(h1, h2, wo, margins, p.strict, ctx.rng("b.robust")), aside=True)

    # no single perceptron
    target_x = _spec_table("A xor B")
    cons_x = constraints(target_x, p.strict)
    pb.text(r"One hidden layer is needed: no single perceptron computes XOR (proof in the appendix).")
    demands = (r"No single perceptron computes XOR: its truth table demands " + ", ".join(
        f"${sp.latex(cons_x[x])}$" for x in ROWS)
        + r" (rows $(A,B) = (0,0), (0,1), (1,0), (1,1)$). ")
    lam = certificate(target_x)
    pos = [x for x in ROWS if target_x[x]]
    neg = [x for x in ROWS if not target_x[x]]
    if lam is None:
        pb.claim("impossible", demands + r"Adding the inequalities gives a contradiction.",
                 Verdict("symbolic", False, "no non-negative combination of the rows cancels"), aside=True)
    else:
        s = {x: preactivation((w1_, w2_, b_), x) for x in ROWS}
        pb.chain("sum", r"\sum_{t=1}\lambda_x\,(w\cdot x + b)", aside=True).define(
            _combo(lam, s, pos), sum(lam[x] * s[x] for x in pos),
            r"the two rows with target 1",
        ).step(_combo(lam, s, neg), sum(lam[x] * s[x] for x in neg),
               r"regroup: the two rows with target 0")
        pb.claim("impossible",
                 demands + r"The multipliers $\lambda = (" + ", ".join(sp.latex(lam[x]) for x in ROWS)
                 + r")$ are all positive, so the left side is $" + ("> 0" if p.strict else r"\ge 0")
                 + r"$ (sum of the target-1 rows) while the right side is $"
                 + (r"\le 0" if p.strict else "< 0")
                 + r"$ (sum of the target-0 rows): the four inequalities are infeasible.",
                 prove.holds(sp.And(*[v > 0 for v in lam.values()])), aside=True)
    status_x, _ = sim.separable(sim.boolean_table("A xor B"))
    status_a, w_lp = sim.separable(sim.boolean_table("A and not B"))
    lp_ok = w_lp is not None and bool(np.all(sim.tables(w_lp[None, :], p.strict)[0] == np.array(
        [sim.boolean_table("A and not B")[x] for x in ROWS])))
    pb.claim("linprog", r"Linear programming agrees: SciPy's linear-programming solver reports the "
             r"system $(2t-1)(w\cdot x + b)\ge 1$ infeasible for XOR, and feasible for "
             r"$A\wedge\neg B$ with a solution that computes it.",
             prove.on_instances({"XOR infeasible (status 2)": status_x == 2,
                                 "A and not B feasible (status 0)": status_a == 0,
                                 "its solution computes A and not B": lp_ok},
                                "HiGHS linear programs"), aside=True)
    pb.figure("xor", r"Decision boundaries of the XOR network: hidden units $h_1$, $h_2$ in the "
              r"input plane; the output unit in the hidden plane $(h_1, h_2)$, where the four "
              r"inputs land on three points; and the whole network's region in the input plane "
              r"(shaded: output 1). Markers show the target $A\oplus B$.",
              lambda path: _plot_xor(path, h1, h2, wo, p.strict), aside=True)

    _and_not_answers(sol, p, wa, ma, robust)
    _xor_answers(sol, p, h1, h2, wo)
    return sol


def _and_not_answers(sol: Solution, p: Params, wa: tuple, ma: sp.Expr, robust: Check) -> None:
    """The weights of (a), judged by their truth table, and their margin, judged by the perturbations."""
    w1, w2, b = wa
    sol.answer("and_not weights", list(wa), check=_computes("A and not B", p.strict), claims=("a.truth",),
               any_passing=True, label="A and not B: weights (w1, w2, b)")
    sol.answer("and_not margin", ma, check=robust, claims=("a.robust",), label="A and not B: margin")
    if b != 0:  # with b = 0 there is no sign to lose
        sol.misconception("and_not weights", "bias-sign", [w1, w2, -b],
                          r"The bias must be negative: at $A = B = 0$ the pre-activation is $b$ alone, and the "
                          r"unit must stay off there. With the sign flipped the unit fires at the origin, where "
                          r"the target is $0$.")
    if _differs([w2, w1], [w1, w2]):
        sol.misconception("and_not weights", "negated-wrong-input", [w2, w1, b],
                          r"The negative weight belongs on the negated input $B$, the positive one on $A$. "
                          r"Swapping them makes the unit compute $B$ and not $A$: it fires at $A = 0, B = 1$ "
                          r"instead of $A = 1, B = 0$.")
    pre = [abs(preactivation(wa, x)) for x in ROWS]
    geometric = ma / sp.sqrt(w1**2 + w2**2) if w1 or w2 else ma
    if ma > 0 and _differs(geometric, ma):
        sol.misconception("and_not margin", "geometric-margin", geometric,
                          r"Dividing $\min_x |w\cdot x + b|$ by $\|(w_1, w_2)\|_2$ gives how far the inputs could move "
                          r"before one crosses the decision line. The question is how far the weights may move: a "
                          r"move $\delta$ of $(w_1, w_2, b)$ changes each pre-activation by at most "
                          r"$\|\delta\|_1$, so the radius is $\min_x |w\cdot x + b|$ itself.")
    if _differs(max(pre), ma):
        sol.misconception("and_not margin", "largest-preactivation", max(pre),
                          r"The margin is the room of the row closest to the boundary, $\min_x |w\cdot x + b|$ "
                          r"over the four inputs, not the largest: a change of the weights flips that tightest "
                          r"row first, long before the most comfortable one.")


XOR_UNITS = {"h1": "hidden unit h1", "h2": "hidden unit h2", "output": "output unit"}


def _xor_answers(sol: Solution, p: Params, h1: tuple, h2: tuple, wo: tuple) -> None:
    """Each unit of the XOR network, judged by the network's truth table with that unit as offered."""
    units = {"h1": h1, "h2": h2, "output": wo}
    for key, w in units.items():
        sol.answer(f"xor weights.{key}", list(w), check=_xor_with(units, key, p.strict), claims=("b.xor.truth",),
                   any_passing=True, label=f"XOR, {XOR_UNITS[key]}: weights (w1, w2, b)")
    a, c, b = wo
    is_or = all(perceptron(wo, x, p.strict) == int(bool(x[0] or x[1])) for x in ROWS)
    if is_or and a > 0 and c > 0:  # an OR of two positive inputs: its AND keeps the weights and needs both
        sol.misconception("xor weights.output", "and-output", [a, c, -(a + c) + min(a, c) / 2],
                          r"XOR is ($A$ and not $B$) or (not $A$ and $B$): the output unit must fire when "
                          r"either hidden unit fires. An AND output needs both, but $h_1$ and $h_2$ never fire "
                          r"together, so the network then outputs $0$ on every input.")


def _xor_with(units: dict, key: str, strict: bool) -> Check:
    """Candidate weights for one unit, placed in the network, judged by the network's exact truth
    table against Python's XOR."""
    want = sim.boolean_table("A xor B")

    def check(value) -> Verdict:
        w = _unit(value)
        if w is None:
            return Verdict("numeric", False, f"{sp.sstr(value)[:60]} is not three numbers (w_1, w_2, b)")
        t = {k: sim.exact_table(w if k == key else [_fraction(v) for v in u], strict) for k, u in units.items()}
        got = {x: t["output"][(t["h1"][x], t["h2"][x])] for x in ROWS}
        bad = [f"A={a},B={b}" for a, b in ROWS if got[(a, b)] != want[(a, b)]]
        return Verdict("symbolic", not bad, f"network with {key} = ({', '.join(map(str, w))}) vs Python's XOR, "
                       "exact on all four inputs" + (f"; differs at {', '.join(bad)}" if bad else ""))

    return check


def _combo(lam: dict, s: dict, rows: list) -> str:
    terms = []
    for x in rows:
        c = lam[x]
        body = sp.latex(s[x]) if s[x].is_Symbol else rf"({sp.latex(s[x])})"
        terms.append(body if c == 1 else rf"{sp.latex(c)}\,{body}")
    return " + ".join(terms)


def _robust_network(h1, h2, wo, margins: dict, strict: bool, rng: np.random.Generator) -> Verdict:
    m = [float(v) for v in margins.values()]
    pres = [_preacts(w) for w in (h1, h2, wo)]
    want = np.array([sim.boolean_table("A xor B")[x] for x in ROWS])
    verts = [sim.l1_vertices(0.999 * mk) for mk in m]
    i, j, k = np.meshgrid(np.arange(6), np.arange(6), np.arange(6), indexing="ij")
    i, j, k = i.ravel(), j.ravel(), k.ravel()
    at_vertices = sim.perturbed_network_tables(*pres, verts[0][i], verts[1][j], verts[2][k], strict)
    rand = [sim.l1_sphere(rng, 2000, 0.999 * mk) for mk in m]
    at_random = sim.perturbed_network_tables(*pres, *rand, strict)
    return prove.on_instances(
        {"216 vertex combinations": bool(np.all(at_vertices == want)),
         "2000 random perturbations on the spheres": bool(np.all(at_random == want))},
        "perturbed networks in NumPy, each unit moved by 0.999 of its margin")


def _panel(ax, w, pts: dict, strict: bool, labels: tuple, title: str, region=None) -> None:
    g = np.linspace(-0.25, 1.25, 301)
    X, Y = np.meshgrid(g, g)
    wf = [float(v) for v in w]
    if region is None:
        s = wf[0] * X + wf[1] * Y + wf[2]
        region = (s > 0) if strict else (s >= 0)
        if abs(wf[1]) > 1e-12:
            ax.plot(g, -(wf[0] * g + wf[2]) / wf[1], "k-", lw=1, label=r"$w\cdot x + b = 0$")
        elif abs(wf[0]) > 1e-12:
            ax.axvline(-wf[2] / wf[0], color="k", lw=1, label=r"$w\cdot x + b = 0$")
    shade = figures.style("region 1")["color"]
    ax.contourf(X, Y, region.astype(float), levels=[0.5, 1.5], colors=[shade], alpha=0.18)
    ax.plot([], [], "s", color=shade, alpha=0.3, ms=7, label="output 1")
    for t, style in ((1, figures.style("target 1", "measured", ms=6, label="target 1")),
                     (0, figures.style("target 0", "measured", ms=6, mfc="white", label="target 0"))):
        xy = [x for x, tt in pts.items() if tt == t]
        if xy:
            ax.plot([x[0] for x in xy], [x[1] for x in xy], **style)
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-0.25, 1.25)
    ax.set_aspect("equal")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_title(title)


def _plot_and_not(path, w, target: dict, strict: bool) -> None:
    with figures.figure(path, height=2.4) as (fig, ax):  # short: it and its caption fit the foot of a page
        _panel(ax, w, target, strict, ("$A$", "$B$"), rf"$\mathrm{{step}}({_wx(w)})$")
        ax.legend(loc="upper left", bbox_to_anchor=(1.04, 1.0))


def _plot_xor(path, h1, h2, wo, strict: bool) -> None:
    xor = sim.boolean_table("A xor B")
    hidden = {(perceptron(h1, x, strict), perceptron(h2, x, strict)): xor[x] for x in ROWS}
    g = np.linspace(-0.25, 1.25, 301)
    X, Y = np.meshgrid(g, g)
    f = [[float(v) for v in w] for w in (h1, h2, wo)]
    fire = (lambda s: s > 0) if strict else (lambda s: s >= 0)
    a1 = fire(f[0][0] * X + f[0][1] * Y + f[0][2])
    a2 = fire(f[1][0] * X + f[1][1] * Y + f[1][2])
    region = fire(f[2][0] * a1 + f[2][1] * a2 + f[2][2])
    with figures.figure(path, ncols=4, height=2.2) as (fig, axes):
        for ax, w, name in ((axes[0], h1, "h_1"), (axes[1], h2, "h_2")):
            _panel(ax, w, xor, strict, ("$A$", "$B$"), rf"hidden ${name}$" "\n" rf"$\mathrm{{step}}({_wx(w)})$")
        _panel(axes[2], wo, hidden, strict, ("$h_1$", "$h_2$"),
               "output\n" rf"$\mathrm{{step}}({_wx(wo, ('h_1', 'h_2'))})$")
        _panel(axes[3], wo, xor, strict, ("$A$", "$B$"), "whole\nnetwork", region=region)
        for ax in axes:
            ax.set_xticks([0, 1])
            ax.set_yticks([0, 1])
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=4)


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
