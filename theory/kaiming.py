"""Kaiming (He) initialisation for ReLU and leaky-ReLU networks (iust-dl-hw1 P2)."""

from __future__ import annotations

import ast
import functools
import math
import operator
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
import sympy.stats as st

from checks import kaiming as sim
from theory.core import expr, figures, grade, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.expectation import Independent, listed
from theory.core.latexread import Notation
from theory.core.params import Parameters, numbers, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict

TOPIC = "kaiming"

z, u = sp.symbols("z u", real=True)
alpha_, d_, s2_ = sp.symbols("alpha d_h sigma_h^2", positive=True)
d_out = sp.Symbol("d_h1", positive=True)  # d_(h+1): the fan-out, which only a mistaken answer uses
mW, vW, mu, m2 = sp.symbols(r"\mathbb{E}[W] \mathbb{E}[W^2] \mathbb{E}[x] \mathbb{E}[x^2]")


MAX_GAIN_WORK = 6144  # len(factors) * mc_width * (batch + 16): about a minute of gain simulations
MAX_FIGURE_WORK = 2**25  # len(factors) * depth * width^2: weights drawn for the figure, 8 networks each

# The densities of (c): families by name, or formulas in z typed by the user.
FAMILIES = {"normal": "normal", "laplace": "Laplace", "uniform": "uniform", "student_t": "Student-t"}
MAX_DENSITIES = 6  # each is a Monte-Carlo check of a few seconds
MAX_TYPED = 3  # each typed density may spend TYPED_BUDGET_S on SymPy, then quadratures
MAX_FORMULA = 300  # characters of one typed density
MAX_OPS = 60  # operations of one typed density (sympy.count_ops)
TYPED_BUDGET_S = 12.0  # SymPy time for one typed density's integrals and limits
STD_RANGE = (1e-2, 1e2)  # standard deviations of typed densities: what the sampling grid resolves
NORM_TOL = 1e-8  # |integral of p - 1| allowed when the integral is a quadrature
FALLBACK_S = 10.0  # time for mpmath to evaluate the points of one grid where floats overflow
PROBE_SLOPES = (0.0, 0.5, 2.0)  # where a formula in alpha is judged besides the slope in force
QUAD_RTOL = 1e-9  # agreement of the quadratures of E[sigma(z)^2] with the derived factor
RESOLVED = 0.02  # a misconception is declared where it is off by twice the simulations' 1% resolution
EXP_CAP = 1e7  # mpmath's exp/cosh/sinh of a larger argument is taken as its limit (0 or +-inf)
_HALF = np.sinh(np.linspace(0.0, math.asinh(1e6), 10_001)[1:])
GRID = np.concatenate((-_HALF[::-1], [0.0], _HALF))  # where typed densities are scanned: 0, and +-z exactly
DENSITY_FUNCTIONS = {**expr.FUNCTIONS, "max": sp.Max, "min": sp.Min}


def _factors(value: object) -> str | None:
    """Multipliers of the derived variance: 1 to 8 distinct numbers in [0.01, 100].

    A deep network's variance moves by the multiplier per layer; the bounds keep the figure's
    depth x multiplier in float64's range. Each multiplier names a claim, so they must differ.
    """
    problem = numbers("multipliers of the derived variance", lo=0.01, hi=100.0, length=(1, 8),
                      example="(0.5, 1.0, 1.5)")(value)
    if problem:
        return problem
    names = [f"{k:g}" for k in value]
    return None if len(set(names)) == len(names) else f"multipliers must differ, got {', '.join(names)[:60]}"


@dataclass(frozen=True)
class Params(Parameters):
    alpha: float = param(0.0, "leaky-ReLU slope for z < 0 (0 = ReLU)", lo=0.0, hi=10.0)
    width: int = param(256, "units per layer of the networks in the figure", lo=2, hi=1024)
    # At least 32 units: a ReLU layer of w units is all zero with probability about 2^-w, and a
    # network with a dead layer has no defined gain.
    mc_width: int = param(32, "units per layer of the networks whose layer gain is tested", lo=32, hi=64)
    mc_weights: str = param("rademacher", "weight law in the gain test: rademacher or normal",
                            check=lambda v: None if v in ("rademacher", "normal")
                            else "must be 'rademacher' or 'normal'")
    depth: int = param(20, "layers in the deep-network simulation", lo=3, hi=100)
    batch: int = param(8, "inputs fed to each simulated network", lo=1, hi=64)
    fan_in: int = param(4, "fan-in of the single unit simulated in (a), (b)", lo=1, hi=64)
    scale: float = param(1.3, "scale of the normal, laplace, uniform and student_t densities in (c)",
                         lo=1e-3, hi=1e3)
    # From 5: the simulated sigma(z)^2 needs a finite variance (t_dof > 4) that a few million
    # samples measure; beyond 100 the Student-t is the normal density already tried.
    t_dof: float = param(10.0, "degrees of freedom of the Student-t density in (c)", lo=5.0, hi=100.0)
    densities: str = param("normal, laplace, uniform, student_t",
                           "densities tried in (c): " + ", ".join(FAMILIES) + ", or formulas in z such as "
                           "exp(-abs(z))/2 (comma-separated)", check=lambda v: _check_densities(v))
    factors: tuple = param((0.5, 1.0, 1.5), "weight variances tried, as multiples of the derived one",
                           check=_factors)

    def __post_init__(self) -> None:
        super().__post_init__()
        gain = len(self.factors) * self.mc_width * (self.batch + 16)
        if gain > MAX_GAIN_WORK:
            raise BadInput(f"len(factors) * mc_width * (batch + 16) = {gain} exceeds the {MAX_GAIN_WORK} limit "
                           "that keeps the gain simulations under a minute")
        figure = len(self.factors) * self.depth * self.width**2
        if figure > MAX_FIGURE_WORK:
            raise BadInput(f"len(factors) * depth * width^2 = {figure} exceeds the {MAX_FIGURE_WORK} limit "
                           "that keeps the figure's simulation under a minute")


def second_moment_factor(alpha: sp.Expr) -> sp.Expr:
    """E[sigma(z)^2] / Var(z) for a symmetric zero-mean z: the result of (c)."""
    return (1 + alpha**2) / 2


def he_variance(alpha: sp.Expr, d: sp.Expr) -> sp.Expr:
    """The weight variance that preserves the pre-activation variance: the result of (d)."""
    return 2 / ((1 + alpha**2) * d)


class _Entry(sp.Indexed):
    """W_ij, x_j: an entry printed without a comma between its indices."""

    def _latex(self, printer) -> str:
        return f"{self.base.label}_{{{''.join(printer._print(k) for k in self.indices)}}}"


class Mean(sp.Function):
    """E[...] of a polynomial in a unit's W_ij and x_j, all independent: W with moments E[W], E[W^2] and
    x with E[x], E[x^2] (higher ones stay symbols). It evaluates once d_h, the length of its sums, is a number."""

    def _latex(self, printer, exp=None) -> str:
        tex = rf"\mathbb{{E}}\Bigl[{printer._print(self.args[0])}\Bigr]"
        return tex if exp is None else f"{tex}^{{{exp}}}"

    def doit(self, **hints) -> sp.Expr:
        body = self.args[0].doit(**hints)
        return Independent({e: listed(mW, vW, name="w") if e.base == W else listed(mu, m2)
                            for e in body.atoms(sp.Indexed)}).E(body)


W, x = sp.IndexedBase("W"), sp.IndexedBase("x")
i, j = sp.symbols("i j", integer=True, positive=True)
z_i = sp.Sum(_Entry(W, i, j) * _Entry(x, j), (j, 1, d_))  # a unit's pre-activation: d_h terms

# (c): the integrals of a density p symmetric about 0, named as the chain displays them
MOMENTS = (r"\int_{-\infty}^{\infty}\sigma(z)^2p(z)\,dz", r"\int_{-\infty}^{0} z^2p(z)\,dz",
           r"\int_0^{\infty} z^2p(z)\,dz", r"\int_{-\infty}^{\infty} z^2p(z)\,dz", r"\operatorname{Var}(z)")
sq_, neg2, pos2, all2, var_z = (sp.Symbol(name) for name in MOMENTS)

NOTATION = Notation(
    names={r"\mathbb{E}[z_i]": Mean(z_i), r"\mathbb{E}[z_i^2]": Mean(z_i**2), r"\mathbb{E}[W_{ij}]": mW,
           r"\mathbb{E}[W_{ij}^2]": vW, r"\mathbb{E}[x_j]": mu, r"\mathbb{E}[x_j^2]": m2,
           r"\mathbb{E}[(x^{(h)})^2]": m2, r"\sigma_h^2": s2_, "d_h": d_, r"\alpha": alpha_,
           **{m.name: m for m in (sq_, neg2, pos2, all2, var_z)}},
    sums={"j": (1, d_)},
)


def _at(form: sp.Expr) -> Callable[[int], sp.Expr]:
    """form (an expectation over sums of d_h terms) evaluated at each d_h of a chain's cases."""
    return lambda d: form.subs(d_, d).doit()


@dataclass(frozen=True)
class Typed:
    """A density typed by the user, shown to be symmetric with finite second and fourth moments."""

    pdf: sp.Expr
    integrals: dict[str, sp.Expr | float]  # norm, var, fourth, mean, neg2, pos2: exact where SymPy found them
    verdict: Verdict  # how each property was established
    sampler: Callable[[np.random.Generator, int], np.ndarray]  # NumPy draws, from the formula's values only


def _entries(text: str) -> list[str]:
    """The parameter's densities in order: family names, or formulas in z as text."""
    text = text.strip()
    node = expr.tree(text, "the list")
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    out = []
    for item in items:
        if isinstance(item, ast.Name) and item.id.lower() in FAMILIES:
            out.append(item.id.lower())
        elif isinstance(item, ast.Name) and item.id not in ("z", "pi", "e"):
            raise BadInput(f"unknown density {item.id[:40]!r} (known: {', '.join(FAMILIES)}; "
                           "or a formula in z such as exp(-abs(z))/2)")
        else:
            out.append(ast.get_source_segment(text, item) or ast.unparse(item))  # the user's own text
    if not 1 <= len(out) <= MAX_DENSITIES:
        raise BadInput(f"expected 1 to {MAX_DENSITIES} densities, got {len(out)}")
    if len(set(out)) < len(out):
        raise BadInput("a density is listed twice")
    if sum(e not in FAMILIES for e in out) > MAX_TYPED:
        raise BadInput(f"at most {MAX_TYPED} typed densities")
    return out


def _check_densities(text: object) -> str | None:
    if not isinstance(text, str):
        return "expected text"
    try:
        for e in _entries(text):
            if e not in FAMILIES:
                typed_density(e)
    except BadInput as err:
        return str(err)
    return None


def _mp(f: sp.Expr) -> Callable[[float], float]:
    """f as a float function by mpmath, whose exponents do not overflow; nan where not real.

    exp, cosh and sinh of arguments beyond EXP_CAP are their limits, so exp(-exp(z^2)) stays small;
    sin, cos and tan of arguments beyond 1e300 are nan (their reduction would need millions of digits).
    """
    def capped(g, low):
        return lambda x: g(x) if abs(x) <= EXP_CAP else (mpmath.inf if x > 0 else low)

    def periodic(g):
        return lambda x: g(x) if abs(x) <= 1e300 else mpmath.nan

    g = sp.lambdify(z, f, [{"exp": capped(mpmath.exp, 0), "cosh": capped(mpmath.cosh, mpmath.inf),
                            "sinh": capped(mpmath.sinh, -mpmath.inf), "sin": periodic(mpmath.sin),
                            "cos": periodic(mpmath.cos), "tan": periodic(mpmath.tan)}, "mpmath"])

    def value(x: float) -> float:
        try:
            v = g(mpmath.mpf(float(x)))
            if isinstance(v, mpmath.mpc):
                v = v.real if v.imag == 0 else math.nan
            return float(v)
        except (ArithmeticError, ValueError, TypeError, NameError):
            return math.nan
    return value


def _numpy_pdf(pz: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    """p as a NumPy function of an array of z; where floats overflow (exp(-z)/(1+exp(-z))**2 far
    out), mpmath evaluates again."""
    fast, slow = sp.lambdify(z, pz, "numpy"), _mp(pz)

    def pdf(x: np.ndarray) -> np.ndarray:
        try:
            with np.errstate(all="ignore"):
                y = np.broadcast_to(np.asarray(fast(x)), np.shape(x))
        except (ArithmeticError, ValueError, TypeError, NameError):
            y = np.full(np.shape(x), np.nan)
        y = np.where(y.imag == 0, y.real, np.nan) if np.iscomplexobj(y) else y.astype(float)
        deadline = time.monotonic() + FALLBACK_S
        for n, i in enumerate(np.flatnonzero(~np.isfinite(y))):
            if n % 256 == 0 and time.monotonic() > deadline:
                raise BadInput(f"its values overflow floats and take mpmath more than {FALLBACK_S:g} s")
            y[i] = slow(x[i])
        return y
    return pdf


def _scalar(f: sp.Expr) -> Callable[[float], float]:
    """f as a float function of z: NumPy, mpmath where floats overflow into inf/inf."""
    fast, slow = sp.lambdify(z, f.evalf(), "numpy"), _mp(f)

    def value(x: float) -> float:
        try:
            with np.errstate(all="ignore"):
                v = fast(np.float64(x))
        except (ArithmeticError, ValueError, TypeError, NameError):
            v = np.nan
        return float(v) if np.isreal(v) and np.isfinite(v) else slow(x)
    return value


def _quad(f: sp.Expr, scale: float, lo: float = -math.inf, hi: float = math.inf) -> float:
    """The integral of f over [lo, hi] (lo, hi in {-inf, 0, inf}) by adaptive quadrature in units of scale."""
    from scipy.integrate import quad  # slow to import: only when a quadrature is done

    g = _scalar(f)
    pieces = [(a, b) for a, b in ((lo, 0.0), (0.0, hi)) if a < b]
    with warnings.catch_warnings():  # a poor quadrature shows in the checks that use it, not on stderr
        warnings.simplefilter("ignore")
        return sum(scale * quad(lambda u: g(scale * u), a, b, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
                   for a, b in pieces)


@functools.lru_cache(maxsize=16)
def typed_density(text: str) -> Typed:
    """The density `text`, a formula in z, read by the safe reader and shown to be a density
    symmetric about 0 with finite variance (and fourth moment, which the simulation needs).

    Refused with BadInput naming the first property that fails. Integrals are SymPy's where it
    finds them within TYPED_BUDGET_S, else quadratures once a limit shows the tails integrable.
    """
    where = f"density {text[:60]}"
    if len(text) > MAX_FORMULA:
        raise BadInput(f"{where}...: {len(text)} characters, more than the {MAX_FORMULA} allowed")
    pz = expr.read(text, {"z": z}, functions=DENSITY_FUNCTIONS, where=where)
    if pz.free_symbols != {z}:
        raise BadInput(f"{where}: does not depend on z")
    if pz.has(sp.zoo, sp.nan, sp.oo, sp.I):
        raise BadInput(f"{where}: contains {sp.sstr(pz)[:40]}, not a finite real formula")
    if sp.count_ops(pz) > MAX_OPS:
        raise BadInput(f"{where}: more than {MAX_OPS} operations")
    pdf = _numpy_pdf(pz)
    try:
        values = pdf(GRID)
    except BadInput as err:
        raise BadInput(f"{where}: {err}") from None
    mirrored = values[::-1]  # p(-z): the grid is symmetric
    if not np.isfinite(values).all():
        i = int(np.argmax(~np.isfinite(values)))
        raise BadInput(f"{where}: p({GRID[i]:.6g}) is not a finite real number, so it is no density symmetric "
                       "about 0 with finite variance (e.g. exp(-z**2/2)/sqrt(2*pi) or exp(-abs(z))/2)")
    if values.min() < 0:
        i = int(np.argmin(values))
        raise BadInput(f"{where}: negative, p({GRID[i]:.6g}) = {values[i]:.3g}")
    gap = np.abs(values - mirrored)
    if (gap > 1e-9 * values.max() + 1e-6 * values).any():
        i = int(np.argmax(gap))
        raise BadInput(f"{where}: not symmetric, p({GRID[i]:.6g}) = {values[i]:.6g} but "
                       f"p({-GRID[i]:.6g}) = {mirrored[i]:.6g}")
    symmetric = prove.equal(pz.subs(z, -z), pz, budget=3.0)
    if not symmetric.passed:
        raise BadInput(f"{where}: p(-z) = p(z) fails ({symmetric.detail})")
    nonneg = (Verdict("symbolic", True, "SymPy: p >= 0") if prove.attempt(lambda: pz.is_nonnegative, 2.0)
              else Verdict("numeric", True, f"p >= 0 at {GRID.size:,} points of [-1e6, 1e6]"))
    mass = np.trapezoid(values, GRID)
    if not mass > 0:
        raise BadInput(f"{where}: zero on a grid of {GRID.size:,} points of [-1e6, 1e6]")
    scale = math.sqrt(np.trapezoid(GRID**2 * values, GRID) / mass) or 1.0  # units of the quadratures
    deadline = time.monotonic() + TYPED_BUDGET_S
    tails: list[Verdict] = []

    def integral(k: int, what: str, lo=-sp.oo, hi=sp.oo) -> sp.Expr | float:
        left = deadline - time.monotonic()  # after SymPy's first miss, quadratures only
        v = None if tails or left < 0.1 else prove.attempt(lambda: sp.integrate(z**k * pz, (z, lo, hi)), min(4.0, left))
        if isinstance(v, sp.Expr) and v.is_number and not v.has(sp.Integral, sp.nan, sp.zoo):
            if v is sp.oo:
                raise BadInput(f"{where}: {what} is infinite")
            if v.is_finite and v.is_extended_real:
                return v
        if not tails:
            tails.append(_tails(pz, where, deadline))
        return _quad(z**k * pz, scale, float(lo), float(hi))

    norm = integral(0, "its integral")
    if isinstance(norm, float) and abs(norm - 1) > NORM_TOL:
        raise BadInput(f"{where}: integrates to {norm:.10g} (quadrature), not 1")
    if not isinstance(norm, float) and not prove.equal(norm, 1).passed:
        shown = _show(norm) if norm.is_Rational else f"{_show(norm)} = {sp.N(norm, 17)}"
        raise BadInput(f"{where}: integrates to {shown}, not exactly 1 (write its constants exactly, "
                       "e.g. with pi and sqrt)")
    var = integral(2, "its variance (the integral of z^2 p)")
    std = math.sqrt(float(var))
    if not STD_RANGE[0] <= std <= STD_RANGE[1]:
        raise BadInput(f"{where}: standard deviation {std:.3g} is outside [{STD_RANGE[0]:g}, {STD_RANGE[1]:g}]")
    fourth = integral(4, "its fourth moment (the simulation of sigma(z)^2 needs it finite)")
    integrals = {"norm": norm, "var": var, "fourth": fourth, "mean": integral(1, "its mean"),
                 "neg2": integral(2, "", -sp.oo, 0), "pos2": integral(2, "", 0, sp.oo)}
    how = {k: "quadrature" if isinstance(v, float) else "SymPy" for k, v in integrals.items()}
    found = Verdict("symbolic" if not tails else "numeric", True,
                    f"integral of p = {_show(norm)} ({how['norm']}), of z^2 p = {_show(var)} ({how['var']}), "
                    f"of z^4 p = {_show(fourth)} ({how['fourth']})")
    try:
        sampler = sim.inverse_cdf(pdf)
    except ValueError as err:
        raise BadInput(f"{where}: cannot be sampled ({err})") from None
    verdict = nonneg & Verdict(symmetric.method, True, f"p(-z) = p(z): {symmetric.detail}") & found
    return Typed(pz, integrals, verdict if not tails else verdict & tails[0], sampler)


def _tails(pz: sp.Expr, where: str, deadline: float) -> Verdict:
    """z^6 p(z) has a finite limit at infinity, so z^4 p(z) = O(1/z^2) and the moments up to 4 are
    finite (p is symmetric, so one side suffices); BadInput if SymPy cannot show it."""
    left = deadline - time.monotonic()
    lim = prove.attempt(lambda: sp.limit(z**6 * pz, z, sp.oo), max(left, 2.0))
    if not (isinstance(lim, sp.Expr) and lim.is_finite):
        raise BadInput(f"{where}: SymPy finds neither its moments nor a finite limit of z^6 p(z) at infinity, "
                       "so a finite fourth moment (which the simulation needs) is not shown")
    return Verdict("symbolic", True, f"z^6 p(z) -> {sp.sstr(lim)[:30]} as z -> oo, so the quadratures converge")


def _tex(name: str) -> str:
    """p1 -> p_{1}: a typed density's name in LaTeX."""
    return f"p_{{{name[1:]}}}"


def _show(v: sp.Expr | float) -> str:
    text = f"{v:.10g}" if isinstance(v, float) else sp.sstr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _chosen(p: Params) -> list[tuple[str, str]]:
    """(name, entry) of each density of (c): families by their name, typed ones p1, p2, ..."""
    out, typed = [], 0
    for e in _entries(p.densities):
        if e == "student_t":
            out.append((f"Student-t({p.t_dof:g})", e))
        elif e in FAMILIES:
            out.append((FAMILIES[e], e))
        else:
            typed += 1
            out.append((f"p{typed}", e))
    return out


def _family_densities(p: Params) -> dict[str, sp.Expr]:
    """Zero-mean densities symmetric about 0, of different shapes."""
    s = sp.nsimplify(p.scale)
    nu = sp.nsimplify(p.t_dof)
    t_const = sp.gamma((nu + 1) / 2) / (sp.sqrt(nu * sp.pi) * sp.gamma(nu / 2))
    return {
        "normal": sp.exp(-(z**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi)),
        "laplace": sp.exp(-sp.Abs(z) / s) / (2 * s),
        "uniform": sp.Piecewise((1 / (2 * s), (z > -s) & (z < s)), (0, True)),
        "student_t": t_const / s * (1 + (z / s) ** 2 / nu) ** (-(nu + 1) / 2),
    }


def _family_samplers(p: Params) -> dict[str, Callable[[np.random.Generator, int], np.ndarray]]:
    """The same densities, sampled by NumPy (no use of the formulas above)."""
    s = p.scale
    return {
        "normal": lambda rng, n: rng.normal(0, s, n),
        "laplace": lambda rng, n: rng.laplace(0, s, n),
        "uniform": lambda rng, n: rng.uniform(-s, s, n),
        "student_t": lambda rng, n: s * rng.standard_t(p.t_dof, n),
    }


def _densities(p: Params) -> dict[str, sp.Expr]:
    """The densities of (c), named, in the parameter's order."""
    fam = _family_densities(p)
    return {n: fam[e] if e in FAMILIES else typed_density(e).pdf for n, e in _chosen(p)}


def _samplers(p: Params) -> dict[str, Callable[[np.random.Generator, int], np.ndarray]]:
    """NumPy samplers of the densities of (c): the families' own, inverse CDFs of typed ones."""
    fam = _family_samplers(p)
    return {n: fam[e] if e in FAMILIES else typed_density(e).sampler for n, e in _chosen(p)}


def _uniform_0_2(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Inputs of (a) and (b): U(0, 2), mean 1, drawn in float32 like the weights they meet."""
    return rng.random(shape, dtype=np.float32) * np.float32(2)


@functools.cache
def _integral(f: sp.Expr, lo, hi) -> sp.Expr:
    """The definite integral over z, simplified; a function of its arguments alone, so remembered
    (a second solve in one process, e.g. with another slope, integrates only new densities)."""
    return sp.simplify(sp.integrate(f, (z, lo, hi)))


def _integrals(p: Params) -> dict[str, dict[str, sp.Expr | float]]:
    """Per density: mean, variance and the two halves of the second moment (exact for families)."""
    out = {}
    for n, e in _chosen(p):
        if e not in FAMILIES:
            out[n] = typed_density(e).integrals
            continue
        pz = _family_densities(p)[e]
        out[n] = {"neg2": _integral(z**2 * pz, -sp.oo, 0), "pos2": _integral(z**2 * pz, 0, sp.oo),
                  "var": _integral(z**2 * pz, -sp.oo, sp.oo), "mean": _integral(z * pz, -sp.oo, sp.oo)}
    return out


def _quad_leaky_sq(density: sp.Expr, alpha: float, scale: float = 1.0) -> float:
    """E[sigma(z)^2] by adaptive quadrature of the definition over the whole line.

    Integrated in units of the density's scale (z = scale * u, and sigma(scale * u) =
    scale * sigma(u)), so that a narrow or wide density is neither missed nor judged by an
    absolute tolerance; the density's constants are evaluated by SymPy (Gamma of a large
    argument overflows a float).
    """
    from scipy.integrate import quad  # slow to import: only when a quadrature is done

    pdf = _scalar(density)
    with warnings.catch_warnings():  # a poor quadrature fails the step it checks
        warnings.simplefilter("ignore")
        value, _ = quad(lambda u: (u if u > 0 else alpha * u) ** 2 * pdf(scale * u) * scale, -np.inf, np.inf,
                        points=None, epsabs=1e-13, epsrel=1e-11, limit=200)
    return scale**2 * value


def _same(a, b) -> bool:
    """Exact equality for SymPy values; 1e-8 relative agreement when one is a float."""
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= 1e-8 * max(1.0, abs(float(b)))
    return prove.equal(a, b).passed


def _zero(mean: sp.Expr | float, var: sp.Expr | float) -> bool:
    """An exact mean is 0; a quadrature's is within 1e-9 standard deviations of 0."""
    return abs(mean) <= 1e-9 * math.sqrt(float(var)) if isinstance(mean, float) else mean == 0


def solve(p: Params, ctx: Context) -> Solution:
    a = sp.nsimplify(p.alpha)
    sol = Solution(
        TOPIC, "Kaiming initialisation", "iust-dl-hw1, Problem 2", p,
        notation=NOTATION,
        question=(
            r"An $H$-layer fully connected network computes $z^{(h)} = W^{(h)}x^{(h)}$ and "
            r"$x^{(h+1)} = \sigma(z^{(h)})$ with $\sigma$ the (leaky) ReLU, "
            r"$\sigma(t) = \max(0,t) + \alpha\min(0,t)$. The weights of layer $h$ are i.i.d. with "
            r"mean 0 and variance $\sigma_h^2$, independent of the layer's input. Find the "
            r"$\sigma_h^2$ that keeps the pre-activation variance the same in every layer. "
            r"The sheet asks for the ReLU ($\alpha = 0$); "
            + (r"that is the slope taken here" if p.is_default("alpha") else rf"here $\alpha = {p.alpha:g}$")
            + rf", and a number is given for layers of width $d_h = {p.width}$."
        ),
    )
    cases = {f"d={d}": {"d": d} for d in range(1, 9)}

    # (a) zero mean
    pa = sol.part("a", "Zero mean", r"Show that every pre-activation $z_i^{(h)}$ has mean zero.")
    pa.chain("mean", r"\mathbb{E}[z_i^{(h)}]", cases, sizes={"d": d_}).define(Mean(z_i), _at(Mean(z_i))).step(
        r"\sum_{j=1}^{d_h}\mathbb{E}[W_{ij}]\,\mathbb{E}[x_j]", lambda d: d * mW * mu,
        "linearity; $W$ independent of $x$",
    ).step(r"0", lambda d: sp.Integer(0), r"$\mathbb{E}[W_{ij}] = 0$", given={mW: 0})
    pa.text(r"The inputs may have any mean (ReLU outputs have a positive one).")
    x_dist = st.Uniform("x", 0, 2)
    x_m2 = st.E(x_dist**2)
    w_var = 1.0 / p.fan_in
    unit = lambda rng, n: sim.one_unit(rng, n, p.fan_in, w_var, _uniform_0_2)  # noqa: E731
    sd_z = float(sp.sqrt(p.fan_in * w_var * x_m2))
    pa.claim(
        "mc", rf"Simulation: one unit with $d_h = {p.fan_in}$, $W \sim N(0, 1/d_h)$ and "
        r"$U(0, 2)$ inputs (mean 1) has $\mathbb{E}[z] = 0$.",
        ctx.monte_carlo("a.mean", unit, 0.0, scale=sd_z),
    )

    # (b) variance expansion
    pb = sol.part("b", "Variance expansion",
                  r"Express $\operatorname{Var}(z_i^{(h)})$ through $\sigma_h^2$ and "
                  r"$\mathbb{E}[(x_j^{(h)})^2]$; show it equals $d_h\sigma_h^2\,\mathbb{E}[(x_j^{(h)})^2]$.")
    pb.chain("var", r"\operatorname{Var}(z_i^{(h)})", cases, sizes={"d": d_}).define(
        r"\mathbb{E}[z_i^2] - \mathbb{E}[z_i]^2", _at(Mean(z_i**2) - Mean(z_i) ** 2),
    ).step(
        r"\sum_j\mathbb{E}[W_{ij}^2]\,\mathbb{E}[x_j^2] + d_h(d_h-1)\,\mathbb{E}[W]^2\,\mathbb{E}[x]^2"
        r" - \Bigl(\sum_j \mathbb{E}[W_{ij}]\,\mathbb{E}[x_j]\Bigr)^2",
        lambda d: d * vW * m2 + d * (d - 1) * mW**2 * mu**2 - (d * mW * mu) ** 2,
        r"expand the square: $d_h$ terms $j = k$ and $d_h(d_h-1)$ terms $j \neq k$; independence",
    ).step(
        r"d_h\,\sigma_h^2\,\mathbb{E}[x_j^2]", lambda d: d * s2_ * m2,
        r"$\mathbb{E}[W]=0$, so $\mathbb{E}[W^2]=\sigma_h^2$ and cross terms vanish",
        given={mW: 0, vW: s2_},
    )
    pb.claim(
        "mc", rf"Simulation: the same unit ($d_h = {p.fan_in}$, $\sigma_h^2 = 1/d_h$, "
        r"$\mathbb{E}[x^2] = " + sp.latex(x_m2) + r"$ for $U(0, 2)$) has "
        rf"$\operatorname{{Var}}(z) = d_h\sigma_h^2\,\mathbb{{E}}[x^2] = "
        rf"{sp.latex(p.fan_in * sp.nsimplify(w_var) * x_m2)}$.",
        ctx.monte_carlo("b.var", lambda rng, n: unit(rng, n) ** 2, float(p.fan_in * w_var * x_m2)),
    )

    # (c) the (leaky) ReLU second moment, for any symmetric zero-mean density
    pc = sol.part("c", "ReLU second moment",
                  r"For $z$ with a density symmetric about $0$, show "
                  r"$\mathbb{E}[\sigma(z)^2] = \tfrac12\operatorname{Var}(z)$ for the ReLU; "
                  r"here, with slope $\alpha$, $\tfrac{1+\alpha^2}{2}\operatorname{Var}(z)$.")
    dens = _densities(p)
    chosen = dict(_chosen(p))
    for n, e in chosen.items():
        if e not in FAMILIES:
            pc.claim(f"density.{n}", rf"Typed density ${_tex(n)}(z) = {sp.latex(dens[n])}$: $p \ge 0$, "
                     r"$\int p\,dz = 1$, $p(-z) = p(z)$, and finite $\int z^2p\,dz$ and $\int z^4p\,dz$ "
                     "(the simulation needs the latter).", typed_density(e).verdict, aside=True)
    f = sp.Function("p")
    moved = sp.Integral(z**2 * f(z), (z, -sp.oo, 0)).transform(-z, u)
    pc.claim(
        "sym", r"For any density $p$: substituting $z = -u$ gives "
        r"$\int_{-\infty}^0 z^2p(z)\,dz = \int_0^\infty u^2 p(-u)\,du$, which equals "
        r"$\int_0^\infty u^2 p(u)\,du$ when $p(-u) = p(u)$.",
        prove.equal(moved.xreplace({f(-u): f(u)}), sp.Integral(u**2 * f(u), (u, 0, sp.oo))),
    )
    ints = _integrals(p)
    quads = [n for n in dens if any(isinstance(v, float) for v in ints[n].values())]
    note = f" (quadratures for {', '.join(quads)})" if quads else ""
    exact = f"exact integrals{note}"
    pc.claim("symmetric", r"Each test density satisfies $p(-z) = p(z)$ and has mean $0$.",
             prove.on_instances({n: prove.equal(pz.subs(z, -z), pz).passed and _zero(ints[n]["mean"], ints[n]["var"])
                                 for n, pz in dens.items()}, f"{exact} for each density"), aside=True)
    scale = {n: p.scale if chosen[n] in FAMILIES else math.sqrt(float(ints[n]["var"])) for n in dens}
    # Each line is a formula in the integrals of a generic symmetric p (read back from the display);
    # the links are checked density by density, by the exact integrals (or quadratures) of each.
    steps = [
        (r"\int_{-\infty}^{\infty}\sigma(z)^2p(z)\,dz", sq_, "definition",
         lambda n: _quad_leaky_sq(dens[n], p.alpha, scale[n])),
        (r"\alpha^2\!\int_{-\infty}^{0} z^2p(z)\,dz + \int_0^{\infty} z^2p(z)\,dz", alpha_**2 * neg2 + pos2,
         r"$\sigma(z) = \alpha z$ for $z<0$", lambda n: a**2 * ints[n]["neg2"] + ints[n]["pos2"]),
        (r"(1+\alpha^2)\int_0^{\infty} z^2p(z)\,dz", (1 + alpha_**2) * pos2, "symmetry, as proved above",
         lambda n: (1 + a**2) * ints[n]["pos2"]),
        (r"\frac{1+\alpha^2}{2}\int_{-\infty}^{\infty} z^2p(z)\,dz", (1 + alpha_**2) / 2 * all2, "symmetry again",
         lambda n: (1 + a**2) / 2 * ints[n]["var"]),
    ]
    ch = pc.chain("moment", r"\mathbb{E}[\sigma(z)^2]")
    for k, (tex, form, why, value) in enumerate(steps):
        if k == 0:
            ch.define(tex, form, why)
            continue
        prev = steps[k - 1][3]
        how = f"quadrature of the definition vs {exact}" if k == 1 else exact
        ch.step(tex, form, why, verdict=prove.on_instances(
            {n: _same(prev(n), value(n)) for n in dens}, f"{how} per density"))
    ch.step(r"\frac{1+\alpha^2}{2}\operatorname{Var}(z)", (1 + alpha_**2) / 2 * var_z, r"$\mathbb{E}[z] = 0$",
            verdict=prove.on_instances({n: _zero(ints[n]["mean"], ints[n]["var"]) for n in dens},
                                       f"mean zero, exact{note}"))
    factor = second_moment_factor(alpha_)
    sims = _samplers(p)
    moments: dict[str, tuple[Verdict, float]] = {}  # per density: the simulated E[sigma(z)^2] and Var(z)
    for n in dens:
        var = ints[n]["var"]
        claimed = float(factor.subs(alpha_, a) * var)
        quadrature = isinstance(var, float)  # a typed density's variance: quoted from the claim it tests
        shown = pc.quote(var, f"mc.{n}", ".10g") if quadrature else sp.latex(sp.nsimplify(var))
        which = f"{n} density" if chosen[n] in FAMILIES else f"density ${_tex(n)}$"
        moments[n] = (ctx.monte_carlo(f"c.{n}", lambda rng, k, s=sims[n]: sim.leaky(s(rng, k), p.alpha) ** 2,
                                      claimed), float(var))
        pc.claim(
            f"mc.{n}", rf"Simulation, {which}: $\mathbb{{E}}[\sigma(z)^2] = "
            rf"{sp.latex(sp.nsimplify(factor.subs(alpha_, a)))}\cdot {shown}$.", moments[n][0],
            value=var if quadrature else None,
        )
    pc.text(r"With $\alpha = 0$ this is the sheet's $\tfrac12\operatorname{Var}(z)$.")

    # (d) combine
    pd = sol.part("d", "Preserving the variance",
                  r"Combine (b) and (c) into the weight variance that keeps "
                  r"$\operatorname{Var}(z^{(h)}) = \operatorname{Var}(z^{(h-1)})$.")
    vprev = sp.Symbol(r"\operatorname{Var}(z^{(h-1)})", positive=True)
    pd.chain("gain", r"\operatorname{Var}(z^{(h)})").define(
        r"d_h\sigma_h^2\,\mathbb{E}[(x^{(h)})^2]", d_ * s2_ * m2, "by (b)",
    ).step(r"d_h\sigma_h^2\,\frac{1+\alpha^2}{2}\operatorname{Var}(z^{(h-1)})",
           d_ * s2_ * factor * vprev, "by (c)", given={m2: factor * vprev})
    preserved = sp.Eq(d_ * s2_ * factor, 1)
    sigma2 = sp.solve(preserved, s2_)
    slope = sp.Poly(preserved.lhs, s2_)
    pd.claim("unique", r"So the variance is preserved exactly when the factor in front of "
             r"$\operatorname{Var}(z^{(h-1)})$ is 1, $d_h\sigma_h^2\frac{1+\alpha^2}{2} = 1$. This equation is "
             r"linear in $\sigma_h^2$ with the positive coefficient $d_h\frac{1+\alpha^2}{2}$, so it has exactly one "
             r"solution, and that solution is positive (a valid variance).",
             prove.equal(slope.degree(), 1) & prove.holds(slope.LC() > 0) & prove.equal(len(sigma2), 1)
             & prove.holds(sigma2[0] > 0))
    derived = he_variance(alpha_, d_)
    pd.claim("sigma2", r"Solving for $\sigma_h^2$:", prove.equal(sigma2[0], derived),
             latex=r"\sigma_h^2 = \frac{2}{(1+\alpha^2)\,d_h}", value=sp.Eq(s2_, sigma2[0]))
    gain = sp.sqrt(2 / (1 + alpha_**2))
    pd.claim("gain", r"Equivalently the standard deviation is $\mathrm{gain}/\sqrt{d_h}$ with "
             r"$\mathrm{gain} = \sqrt{2/(1+\alpha^2)}$, the leaky-ReLU gain used by common frameworks; "
             r"$\alpha = 0$ gives He's $\sigma_h^2 = 2/d_h$.",
             prove.equal((gain / sp.sqrt(d_)) ** 2, derived), aside=True)
    pd.text(
        r"For the sheet's ReLU ($\alpha = 0$) this is He's $\sigma_h^2 = 2/d_h$. First layer (data input): "
        r"by (b) alone, $\sigma_0^2 = 1/(d_0\,\mathbb{E}[x_j^2])$."
    )
    slopes = tuple(sp.nsimplify(b) for b in dict.fromkeys((*PROBE_SLOPES, p.alpha)))
    normal = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    quad = {b: witness.close(1 / (p.mc_width * _quad_leaky_sq(normal, float(b))), rtol=QUAD_RTOL,
                             what=rf"$\alpha = {float(b):g}$: $1/(d_h\,\mathbb{{E}}[\sigma(z)^2])$ by quadrature, "
                                  rf"$d_h = {p.mc_width}$")
            for b in slopes}
    by_quadrature = witness.both(*(witness.at({alpha_: b, d_: p.mc_width, d_out: 2 * p.mc_width}, quad[b])
                                   for b in slopes))
    pd.claim("slopes", r"For a standard normal $z$, adaptive quadrature of $\sigma(z)^2$ from the definition of "
             r"$\sigma$ gives $\mathbb{E}[\sigma(z)^2]$ at $\alpha = "
             + ", ".join(pd.setting(float(b), ".15g") for b in slopes)
             + r"$; by (b) a layer multiplies the variance by "
             r"$d_h\sigma_h^2\,\mathbb{E}[\sigma(z)^2]/\operatorname{Var}(z)$, which is 1 at the derived "
             rf"$\sigma_h^2$ for each of these slopes ($d_h = {p.mc_width}$, relative agreement $10^{{-9}}$).",
             by_quadrature(derived), aside=True)
    s2_num = float(derived.subs({alpha_: a, d_: p.width}))
    mc_s2 = float(derived.subs({alpha_: a, d_: p.mc_width}))
    gains: dict[float, Verdict] = {}
    for k in p.factors:
        per_layer = float(k)  # the derived variance must give gain exactly 1
        kind = "flat" if abs(per_layer - 1) < 1e-12 else ("decays" if per_layer < 1 else "explodes")
        gains[k] = ctx.monte_carlo(
            f"d.gain{k:g}",
            lambda rng, n, k=k: sim.layer_gains(
                rng, n, width=p.mc_width, depth=p.depth, batch=p.batch,
                weight_var=k * mc_s2, alpha=p.alpha, kind=p.mc_weights),
            per_layer, pilot=200,
        )
        pd.claim(
            f"mc.gain{k:g}",
            rf"Simulation, {p.depth}-layer networks of width {p.mc_width} with {p.mc_weights} weights, "
            rf"$\sigma_h^2 = {k:g}\times$ derived: "
            rf"the variance changes by a factor ${pd.quote(per_layer, f'mc.gain{k:g}', '.4g')}$ per layer ({kind}).",
            gains[k], value=per_layer,
        )
    pd.figure("depth", rf"Mean squared pre-activation by layer in random {p.depth}-layer networks "
              rf"(width {p.width}, $\alpha={p.alpha:g}$), simulated (markers) against the derived "
              r"$c^h$ (lines), for weight variances that are multiples of the derived one.",
              lambda path: _plot_depth(path, p, s2_num, ctx), aside=True)
    simulated = _preserving(gains, mc_s2, p.alpha)
    # A formula is judged at the simulated fan-in, as if the layer computed twice as many units: a unit's
    # gain does not depend on how many units its layer has, so a variance must not depend on d_(h+1).
    at_sim = {alpha_: a, d_: p.mc_width, d_out: 2 * p.mc_width}
    variance = witness.both(witness.at(at_sim, simulated), by_quadrature)
    mc = tuple(f"d.mc.gain{k:g}" for k in p.factors)
    # The sheet's answer at the slope in force (2/d_h for its ReLU), and the formula for any slope beside it.
    at_slope = witness.both(witness.at(at_sim, simulated), witness.at(at_sim, quad[a]))
    sol.answer("sigma_h^2", derived.subs(alpha_, a), check=at_slope, claims=("d.slopes", *mc))
    sol.answer(ANY_SLOPE, derived, check=variance, claims=("d.slopes", *mc))
    sol.answer(AT_WIDTH, derived.subs({alpha_: a, d_: p.width}), claims=mc,
               label=f"sigma_h^2 at width {p.width}",
               check=lambda value: simulated(sp.sympify(value, strict=True) * sp.Rational(p.width, p.mc_width)))
    sol.answer("second moment factor", factor.subs(alpha_, a), check=_second_moment(moments),
               claims=tuple(f"c.mc.{n}" for n in dens))
    sol.answer("gain", gain.subs(alpha_, a), claims=("d.slopes", *mc),
               check=lambda value: witness.both(simulated, quad[a])(sp.sympify(value, strict=True) ** 2 / p.mc_width))
    _misconceptions(sol, a, slopes, p.mc_width, p.width)
    return sol


def _preserving(gains: dict[float, Verdict], var0: float, alpha: float) -> Check:
    """A candidate weight variance (a number, at the simulated fan-in) judged by the simulated layer gains.

    The gains of factor k were sampled at variance k * var0. Multiplying the variance by c multiplies every
    weight by sqrt(c) and, the leaky ReLU being positively homogeneous, every layer gain by c: a sampled
    gain times x / (k var0) is a gain at variance x, so x keeps the variance when the simulated mean is
    k var0 / x, at the claim's alarm level.
    """
    judges = [(k, witness.monte_carlo(v, f"alpha = {alpha:g}: layer gain at variance {k * var0:.6g}"))
              for k, v in gains.items()]

    def check(value) -> Verdict:
        x = witness.number(value)
        if x is None or x <= 0:
            return Verdict("numeric", False, f"weight variance {sp.sstr(value)[:60]} is not a positive number")
        return functools.reduce(operator.and_, (mc(k * var0 / x) for k, mc in judges))

    return check


def _second_moment(moments: dict[str, tuple[Verdict, float]]) -> Check:
    """A candidate factor E[sigma(z)^2]/Var(z) judged by the simulated E[sigma(z)^2] of every density of (c)."""
    judges = [(var, witness.monte_carlo(v, f"{n}: E[sigma(z)^2]")) for n, (v, var) in moments.items()]

    def check(value) -> Verdict:
        f = witness.number(value)
        if f is None:
            return Verdict("numeric", False, f"factor {sp.sstr(value)[:60]} is not a number")
        return functools.reduce(operator.and_, (mc(f * var) for var, mc in judges))

    return check


def _values(e: sp.Expr, points: list[dict]) -> list[float]:
    """e at each point where its answer's witness judges it."""
    return [float(sp.sympify(e, strict=True).subs(pt)) for pt in points]


ANY_SLOPE = "sigma_h^2 (any slope alpha)"  # the general formula; "sigma_h^2" is it at the slope in force
ANY_SLOPE_ID = "-any-slope"
AT_WIDTH = "sigma_h^2 at width"  # the number at the experiment's slope and width
AT_WIDTH_ID = "-at-width"


def _misconceptions(sol: Solution, a: sp.Expr, slopes: tuple, width: int, experiment_width: int) -> None:
    """The usual slips, each declared where the witness tells it from the right answer (by more than
    RESOLVED somewhere it judges) and the grader from the slips declared before it."""
    at_probes = [{alpha_: b, d_: width, d_out: 2 * width} for b in slopes]  # where the formula is judged
    at_slope = [{alpha_: a}]
    he = he_variance(alpha_, d_)
    slips = (
        ("sigma_h^2", at_probes, "relu-ignores-slope", 2 / d_,
         r"$2/d_h$ is He's variance for the plain ReLU, which keeps half of the second moment. With slope "
         r"$\alpha$ the negative half keeps $\alpha^2$ of its share, $\mathbb{E}[\sigma(z)^2] = "
         r"\frac{1+\alpha^2}{2}\operatorname{Var}(z)$, so $2/d_h$ multiplies the variance by $1+\alpha^2$ per layer."),
        ("sigma_h^2", at_probes, "missing-relu-half", 1 / ((1 + alpha_**2) * d_),
         r"This takes $\mathbb{E}[\sigma(z)^2] = (1+\alpha^2)\operatorname{Var}(z)$, forgetting that a symmetric "
         r"$z$ has half of its second moment on each side of 0: the factor is $\frac{1+\alpha^2}{2}$, and this "
         r"variance halves $\operatorname{Var}(z)$ in every layer."),
        ("sigma_h^2", at_probes, "slope-not-squared", 2 / ((1 + alpha_) * d_),
         r"On the negative side $\sigma(z)^2 = \alpha^2 z^2$: the second moment keeps $\alpha^2$, not $\alpha$. "
         r"The two agree only at $\alpha = 0$ and $\alpha = 1$."),
        ("sigma_h^2", at_probes, "linear-lecun", 1 / d_,
         r"$1/d_h$ (LeCun) keeps the variance of a linear layer, whose activation passes the whole second "
         r"moment. The (leaky) ReLU passes only $\frac{1+\alpha^2}{2}$ of it, so $1/d_h$ shrinks the variance "
         r"by that factor in every layer; it is right only at $\alpha = 1$."),
        ("sigma_h^2", at_probes, "xavier", 2 / (d_ + d_out),
         r"$2/(d_h + d_{h1})$, with $d_{h1} = d_{h+1}$ the layer's outputs, is Xavier (Glorot): a compromise "
         r"between fan-in and fan-out for an activation like $\tanh$. The forward variance depends on the "
         r"fan-in alone, and the (leaky) ReLU keeps $\frac{1+\alpha^2}{2}$ of the second moment."),
        ("sigma_h^2", at_probes, "fan-out", 2 / ((1 + alpha_**2) * d_out),
         r"$\operatorname{Var}(z_i)$ is a sum of $d_h$ terms, one per input (part (b)), so the variance divides "
         r"by the fan-in $d_h$, not by the fan-out $d_{h1} = d_{h+1}$ (the sheet's indices invite the slip). "
         r"The two agree only for square layers."),
        ("sigma_h^2", at_probes, "standard-deviation", sp.sqrt(he),
         r"This is the standard deviation of the weights; the question asks for their variance "
         r"$\sigma_h^2 = \operatorname{Var}(W_{ij})$, whose square root scales a standard normal draw."),
        ("sigma_h^2", at_probes, "variance-not-second-moment",
         2 * sp.pi / ((sp.pi * (1 + alpha_**2) - (1 - alpha_) ** 2) * d_),
         r"This uses $\operatorname{Var}(x)$ where (b) needs $\mathbb{E}[x^2]$. The (leaky) ReLU output is not "
         r"centred, so $\operatorname{Var}(x) < \mathbb{E}[x^2]$ and the variance comes out too large; the cross "
         r"terms of (b) vanish because $\mathbb{E}[W] = 0$, not because $x$ is centred."),
        ("second moment factor", at_slope, "factor-missing-half", 1 + a**2,
         r"A symmetric $z$ has half of its second moment on each side of 0, and $\sigma$ keeps $z^2$ on one "
         r"side and $\alpha^2 z^2$ on the other: $\mathbb{E}[\sigma(z)^2] = \frac{1+\alpha^2}{2}"
         r"\operatorname{Var}(z)$, the sheet's $\frac12\operatorname{Var}(z)$ for the ReLU."),
        ("second moment factor", at_slope, "factor-ignores-slope", sp.Rational(1, 2),
         r"$\frac12$ is the factor of the plain ReLU, which zeroes the negative half. A leaky ReLU maps it to "
         r"$\alpha z$, keeping $\alpha^2$ of that half's second moment: $\frac{1+\alpha^2}{2}$."),
        ("second moment factor", at_slope, "factor-slope-not-squared", (1 + a) / 2,
         r"On the negative side $\sigma(z)^2 = \alpha^2 z^2$, so that half of the second moment is scaled by "
         r"$\alpha^2$, not $\alpha$: $\frac{1+\alpha^2}{2}$."),
        ("gain", at_slope, "relu-gain", sp.sqrt(2),
         r"$\sqrt2$ is the gain of the plain ReLU. A leaky ReLU keeps $\frac{1+\alpha^2}{2}$ of the second "
         r"moment, so its gain is $\sqrt{2/(1+\alpha^2)}$, the leaky-ReLU gain of common frameworks."),
        ("gain", at_slope, "variance-as-gain", 2 / (1 + a**2),
         r"The gain multiplies the standard deviation $1/\sqrt{d_h}$, so it is the square root of the "
         r"variance's factor: $\sqrt{2/(1+\alpha^2)}$, not $2/(1+\alpha^2)$."),
        ("gain", at_slope, "gain-slope-not-squared", sp.sqrt(2 / (1 + a)),
         r"The negative side keeps $\alpha^2$ of its second moment, so the gain is $\sqrt{2/(1+\alpha^2)}$; "
         r"$\sqrt{2/(1+\alpha)}$ agrees with it only at $\alpha = 0$ and $\alpha = 1$."),
    )
    formulas = [(ANY_SLOPE, at_probes, f"{id}{ANY_SLOPE_ID}", wrong, why)
                for answer, _, id, wrong, why in slips if answer == "sigma_h^2"]
    at_width = [{d_: width, d_out: 2 * width}]
    specialised = [(answer, at_width, id, wrong.subs(alpha_, a), why)
                   for answer, _, id, wrong, why in slips if answer == "sigma_h^2"]
    at_width_slips = [(AT_WIDTH, [{}], f"{id}{AT_WIDTH_ID}", wrong.subs({alpha_: a, d_: experiment_width}), why)
                      for answer, _, id, wrong, why in slips
                      if answer == "sigma_h^2" and d_out not in wrong.free_symbols]
    others = [slip for slip in slips if slip[0] != "sigma_h^2"]
    for answer, points, id, wrong, why in (*specialised, *formulas, *at_width_slips, *others):
        right = sol.results[answer]
        apart = any(abs(w - r) > RESOLVED * abs(r)
                    for w, r in zip(_values(wrong, points), _values(right.value, points)))
        named = any(grade.judge(wrong, m.value, right.rtol)[0] for m in sol.misconceptions if m.answer == answer)
        if apart and not named:
            sol.misconception(answer, id, wrong, why)


def _plot_depth(path, p: Params, s2_num: float, ctx: Context) -> None:
    from matplotlib.ticker import MaxNLocator

    rng = ctx.rng("figure.depth")
    layers = np.arange(p.depth)
    with figures.figure(path) as (fig, ax):
        for k, colour in zip(p.factors, figures.series(len(p.factors))):
            v = sim.variance_by_layer(rng, width=p.width, depth=p.depth, batch=p.batch, networks=8,
                                      weight_var=k * s2_num, alpha=p.alpha)
            ax.plot(layers, v[0] * k**layers, **figures.style("derived", color=colour, lw=1))
            ax.plot(layers, v, **figures.style("measured", color=colour),
                    label=rf"$\sigma^2 = {k:g}\times$ derived")
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("layer $h$")
        ax.set_ylabel(r"mean of $(z^{(h)})^2$")
        ax.legend(loc="best")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
