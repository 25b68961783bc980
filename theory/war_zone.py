"""War Zone: exact threshold-unit alarms for polygonal and circular danger maps (iust-dl-hw1 P3)."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from checks import war_zone as geo
from theory.core import figures, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation
from theory.core.params import Parameters, exact_decimal, param
from theory.core.solution import Check, Part, Solution
from theory.core.verdict import Verdict

TOPIC = "war_zone"

x1, x2 = sp.symbols("x_1 x_2", real=True)
H_SUM, G_SUM, k_j = sp.symbols("S_h S_g k_j", integer=True, nonnegative=True)  # the sums an AND and the OR unit test
NOTATION = Notation({r"\sum_{i\in P_j} h_i": H_SUM, r"\sum_j g_j": G_SUM})
LINEAR = (x1, x2)
QUADRATIC = (x1, x2, x1**2, x2**2)
BAND = 1e-9  # points closer than this to a map edge are left out of the membership checks
TRUTH_TABLE_MAX = 8  # AND/OR units with more inputs are checked on input counts instead
# Bounds of a map. Within them the float forward pass of a unit errs by far less than BAND in
# position: about eps (|c| + r)^2 / r for a circle, eps |x| for a line.
COORD = 100.0  # |coordinate| of a vertex or a centre
RADIUS = (0.01, 100.0)  # radii of discs and rings
MIN_EDGE = 1e-6  # length of a polygon edge (its normal is computed from it)
MAX_POLYGONS = 16
MAX_VERTICES = 64  # all polygons together: one layer-1 unit per edge
MAX_CIRCLES = 64  # discs + 2 per ring: one layer-1 unit per circle
MAX_WORK = 2.5e8  # (grid^2 + random_points) * max(edges, circles): point-unit tests of one map
BLOCK = 1 << 16  # points tested at once: memory does not grow with the number of points

# (a): an L-shaped zone (two overlapping rectangles) and a separate triangle
DEFAULT_POLYGONS = (
    ((0.0, 0.0), (3.0, 0.0), (3.0, 1.0), (0.0, 1.0)),
    ((0.0, 0.0), (1.0, 0.0), (1.0, 3.0), (0.0, 3.0)),
    ((2.0, 2.0), (4.0, 2.0), (3.0, 4.0)),
)
# (b): a ring with a disc in its hole, and a disc that overlaps the ring
DEFAULT_DISCS = ((0.0, 0.0, 0.5), (2.5, 0.0, 0.8))
DEFAULT_RINGS = ((0.0, 0.0, 1.0, 2.0),)


# --- parameter validation --------------------------------------------------------------------

def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _coordinates(values) -> bool:
    return all(map(_is_number, values)) and all(abs(v) <= COORD for v in values)


def _polygon_problem(i: int, poly) -> str | None:
    name = f"polygon {i + 1}"
    if not isinstance(poly, tuple) or len(poly) < 3:
        return f"{name} must list at least 3 vertices (x, y), got {_short(poly)}"
    for v in poly:
        if not (isinstance(v, tuple) and len(v) == 2 and _coordinates(v)):
            return f"{name}: each vertex must be a pair (x, y) of numbers in [-{COORD:g}, {COORD:g}], got {_short(v)}"
    pts = [(Fraction(x), Fraction(y)) for x, y in poly]
    n = len(pts)
    turns, angle = [], 0.0
    for j in range(n):
        (ax, ay), (bx, by), (cx, cy) = pts[j], pts[(j + 1) % n], pts[(j + 2) % n]
        if (ax, ay) == (bx, by):
            return f"{name} repeats the vertex {_short(poly[j])}"
        if (bx - ax) ** 2 + (by - ay) ** 2 < Fraction(MIN_EDGE) ** 2:
            return f"{name} has an edge shorter than {MIN_EDGE:g} at vertex {j + 1}"
        cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx)
        dot = (bx - ax) * (cx - bx) + (by - ay) * (cy - by)
        turns.append(cross)
        angle += math.atan2(float(cross), float(dot))
    if any(t == 0 for t in turns):
        return f"{name} has three consecutive collinear vertices (drop the middle one)"
    one_way = all(t > 0 for t in turns) or all(t < 0 for t in turns)
    if not one_way or abs(abs(angle) - 2 * math.pi) > 1e-6:
        return f"{name} is not convex (or crosses itself): split it into convex pieces"
    return None


def _check_polygons(value) -> str | None:
    if not isinstance(value, tuple) or not value:
        return "give at least one convex polygon, e.g. (((0, 0), (1, 0), (0, 1)),)"
    if len(value) > MAX_POLYGONS:
        return f"{len(value)} polygons, more than the {MAX_POLYGONS} allowed"
    for i, poly in enumerate(value):
        problem = _polygon_problem(i, poly)
        if problem:
            return problem
    vertices = sum(len(poly) for poly in value)
    if vertices > MAX_VERTICES:
        return f"{vertices} vertices in all, more than the {MAX_VERTICES} allowed (one unit per edge)"
    return None


def _radius(r) -> bool:
    return RADIUS[0] <= r <= RADIUS[1]


def _check_discs(value) -> str | None:
    if not isinstance(value, tuple):
        return "give a tuple of discs (cx, cy, r), e.g. ((0, 0, 1),)"
    for d in value:
        if not (isinstance(d, tuple) and len(d) == 3 and all(map(_is_number, d))):
            return f"each disc must be (cx, cy, r) of finite numbers, e.g. ((0, 0, 1),); got {_short(d)}"
        if d[2] <= 0:
            return f"disc {_short(d)}: the radius must be positive"
        if not (_coordinates(d[:2]) and _radius(d[2])):
            return (f"disc {_short(d)}: the centre must lie in [-{COORD:g}, {COORD:g}]^2 and the radius "
                    f"in [{RADIUS[0]:g}, {RADIUS[1]:g}]")
    return None


def _check_rings(value) -> str | None:
    if not isinstance(value, tuple):
        return "give a tuple of rings (cx, cy, r_in, r_out), e.g. ((0, 0, 1, 2),)"
    for r in value:
        if not (isinstance(r, tuple) and len(r) == 4 and all(map(_is_number, r))):
            return (f"each ring must be (cx, cy, r_in, r_out) of finite numbers, "
                    f"e.g. ((0, 0, 1, 2),); got {_short(r)}")
        if not 0 < r[2] < r[3]:
            return f"ring {_short(r)}: the radii must satisfy 0 < r_in < r_out (a full disc is a disc)"
        if not (_coordinates(r[:2]) and _radius(r[2]) and _radius(r[3])):
            return (f"ring {_short(r)}: the centre must lie in [-{COORD:g}, {COORD:g}]^2 and the radii "
                    f"in [{RADIUS[0]:g}, {RADIUS[1]:g}]")
    return None


@dataclass(frozen=True)
class Params(Parameters):
    polygons: tuple = param(DEFAULT_POLYGONS, "map (a): convex polygons, each a tuple of (x, y) "
                            "vertices in order; the danger zone is their union",
                            check=_check_polygons)
    discs: tuple = param(DEFAULT_DISCS, "map (b): dangerous discs (cx, cy, r)", check=_check_discs)
    rings: tuple = param(DEFAULT_RINGS, "map (b): dangerous rings (cx, cy, r_in, r_out), "
                         "i.e. r_in <= |x - c| <= r_out", check=_check_rings)
    grid: int = param(301, "grid points per axis in the membership checks", lo=11, hi=2001)
    random_points: int = param(20000, "random test points per map, half of them within 1e-2 "
                               "of an edge", lo=100, hi=2_000_000)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.discs and not self.rings:
            raise BadInput("map (b) needs at least one disc or ring (parameters discs, rings)")
        circles = len(self.discs) + 2 * len(self.rings)
        if circles > MAX_CIRCLES:
            raise BadInput(f"discs + 2 * rings = {circles} circles, more than the {MAX_CIRCLES} allowed "
                           "(one unit per circle)")
        units = max(sum(len(poly) for poly in self.polygons), circles)
        work = (self.grid**2 + self.random_points) * units
        if work > MAX_WORK:
            raise BadInput(f"(grid^2 + random_points) * max(edges, circles) = {work:,} exceeds the {MAX_WORK:,.0f} "
                           "limit that keeps the membership checks under a minute")


# --- the construction ------------------------------------------------------------------------

def step(z):
    """Heaviside threshold with H(0) = 1: the unit fires when w.x + b >= 0."""
    return np.asarray(z) >= 0


def counter_clockwise(vertices) -> list[tuple[sp.Rational, sp.Rational]]:
    """The vertices as exact rationals, reversed if they were given clockwise."""
    v = [(exact_decimal(a), exact_decimal(b)) for a, b in vertices]
    area2 = sum(p[0] * q[1] - p[1] * q[0] for p, q in zip(v, v[1:] + v[:1], strict=True))
    return v if area2 > 0 else v[::-1]


def half_plane(p, q) -> tuple:
    """(a1, a2, b) with a1 x1 + a2 x2 + b = cross(q - p, x - p): >= 0 on the left of p -> q."""
    return (p[1] - q[1], q[0] - p[0], p[0] * q[1] - p[1] * q[0])


def primitive(c: Sequence[sp.Rational]) -> tuple:
    """The positive multiple of c with coprime integer entries (same half-plane, tidier weights)."""
    lcm = sp.ilcm(*[sp.Rational(v).q for v in c])
    ints = [int(v * lcm) for v in c]
    g = math.gcd(*ints)
    return tuple(sp.Integer(v // g) for v in ints)


def polygon_units(vertices) -> list[tuple[tuple, sp.Rational]]:
    """One threshold unit (w, b) per edge of a convex polygon: it fires on the polygon's side."""
    v = counter_clockwise(vertices)
    units = []
    for p, q in zip(v, v[1:] + v[:1], strict=True):
        a1, a2, b = primitive(half_plane(p, q))
        units.append(((a1, a2), b))
    return units


def circle_unit(cx, cy, r, inside: bool) -> tuple[tuple, sp.Expr]:
    """A unit on the features (x1, x2, x1^2, x2^2) firing iff |x - c| <= r (inside) or >= r."""
    s = 1 if inside else -1
    return (s * 2 * cx, s * 2 * cy, -s, -s), s * (r**2 - cx**2 - cy**2)


def disc_units(cx, cy, r) -> list[tuple[tuple, sp.Expr]]:
    return [circle_unit(cx, cy, r, inside=True)]


def ring_units(cx, cy, r_in, r_out) -> list[tuple[tuple, sp.Expr]]:
    """A ring is the inside of its outer circle AND the outside of its inner circle."""
    return [circle_unit(cx, cy, r_out, inside=True), circle_unit(cx, cy, r_in, inside=False)]


def and_bias(k: int) -> sp.Rational:
    """Bias of a unit with k inputs of weight 1 that fires only when all k are on."""
    return -(k - sp.Rational(1, 2))


# The answers' names as the answers table shows them (the fields of the design, layer by layer).
ANSWER = {"layer1_weights": "layer-1 weights", "layer1_biases": "layer-1 biases", "and_inputs": "AND-unit inputs",
          "and_biases": "AND-unit biases", "or_bias": "OR-unit bias"}

def or_bias(m: int) -> sp.Rational:
    """Bias of a unit with m inputs of weight 1 that fires when at least one is on."""
    return -sp.Rational(1, 2)


@dataclass
class Network:
    """Three layers of threshold units on the features `phi` of the point x = (x1, x2)."""

    phi: tuple  # SymPy feature expressions in x1, x2
    units: list[tuple[tuple, sp.Expr]]  # layer 1: (weights on phi, bias)
    pieces: list[list[int]]  # layer 2: the layer-1 units each AND unit reads (weight 1)
    and_b: list[sp.Expr]
    or_b: sp.Expr

    def pre(self, i: int) -> sp.Expr:
        w, b = self.units[i]
        return sum(wi * f for wi, f in zip(w, self.phi, strict=True)) + b

    @functools.cached_property
    def _layers(self) -> tuple[Callable, np.ndarray, np.ndarray, list[float]]:
        """The features as a NumPy function, layer 1's weights and biases, the AND biases, as floats."""
        return (sp.lambdify(LINEAR, list(self.phi), "numpy"),
                np.array([[float(w) for w in u[0]] for u in self.units]),
                np.array([float(u[1]) for u in self.units]), [float(b) for b in self.and_b])

    def forward(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(AND outputs, alarm) at the rows of pts, all 0/1; memory grows with points x units."""
        features, W1, b1, and_b = self._layers
        F = np.column_stack([np.broadcast_to(np.asarray(f, float), len(pts)) for f in features(pts[:, 0], pts[:, 1])])
        h = step(F @ W1.T + b1).astype(float)
        g = np.column_stack([step(h[:, idx].sum(axis=1) + b) for idx, b in zip(self.pieces, and_b, strict=True)])
        return g, step(g.sum(axis=1) + float(self.or_b))

    def alarm(self, pts: np.ndarray) -> np.ndarray:
        """The alarm at the rows of pts, BLOCK points at a time."""
        return np.concatenate([self.forward(pts[i:i + BLOCK])[1] for i in range(0, len(pts), BLOCK)])


def build_network(phi: tuple, pieces: list[list[tuple[tuple, sp.Expr]]]) -> Network:
    """Layer 1: the distinct units of all pieces; layer 2: one AND per piece; output: OR."""
    units: list[tuple[tuple, sp.Expr]] = []
    wiring = []
    for piece in pieces:
        idx = []
        for u in piece:
            if u not in units:
                units.append(u)
            idx.append(units.index(u))
        wiring.append(idx)
    return Network(phi, units, wiring, [and_bias(len(i)) for i in wiring], or_bias(len(wiring)))


# --- checks ----------------------------------------------------------------------------------

def truth_table(weights: Sequence, bias, want: Callable[[tuple], bool], name: str) -> Verdict:
    """Prove step(w.h + bias) == want(h) for every binary input h, by exact enumeration.

    With more than TRUTH_TABLE_MAX inputs, all weights must be 1 and the unit then
    depends on h only through the count of active inputs, which is enumerated.
    """
    k = len(weights)
    if k <= TRUTH_TABLE_MAX:
        rows = itertools.product((0, 1), repeat=k)
        conds = [sp.Equivalent(sp.Ge(sum(w * v for w, v in zip(weights, h, strict=True)) + bias, 0),
                               sp.true if want(h) else sp.false) for h in rows]
        how = f"all {2**k} input patterns"
    elif all(w == 1 for w in weights):
        conds = [sp.Equivalent(sp.Ge(s + bias, 0), sp.true if want((1,) * s + (0,) * (k - s))
                               else sp.false) for s in range(k + 1)]
        how = f"all {k + 1} input counts (unit weights)"
    else:
        return Verdict("symbolic", False, f"{name}: {k} inputs with unequal weights, not checked")
    v = prove.holds(sp.And(*conds))
    return Verdict(v.method, v.passed, f"{name}: {how}, exact arithmetic")


def _membership(network: Network, pts: np.ndarray, geometry: Callable, what: str) -> tuple[Verdict, Verdict]:
    """(each AND unit = its piece, alarm = the map) at the points farther than BAND from an edge.

    `geometry(points)` gives (in the map, in each piece, distance to the nearest edge); it and the
    network run BLOCK points at a time.
    """
    wrong_y = left_out = inside = 0
    wrong_g: list[int] | None = None
    for start in range(0, len(pts), BLOCK):
        block = pts[start:start + BLOCK]
        g, y = network.forward(block)
        truth, pieces, dist = geometry(block)
        keep = dist >= BAND
        wrong_y += int(np.sum((y != truth) & keep))
        left_out += int(np.sum(~keep))
        inside += int(np.sum(truth & keep))
        if g.shape[1] != len(pieces):
            wrong_g = [-1]  # the network has a different number of AND units than the map has pieces
        elif wrong_g != [-1]:
            counts = [int(np.sum((g[:, j] != pieces[j]) & keep)) for j in range(len(pieces))]
            wrong_g = counts if wrong_g is None else [a + b for a, b in zip(wrong_g, counts, strict=True)]
    n = len(pts)
    common = f"{n:,} {what} ({left_out} within {BAND:g} of an edge left out; {inside:,} inside)"
    data = {"points": n, "left_out": left_out, "inside": inside}
    alarm = Verdict("numeric", wrong_y == 0, f"alarm vs geometric membership at {common}: "
                    f"{wrong_y} disagreements", {**data, "disagree": wrong_y})
    per_piece = Verdict("numeric", all(w == 0 for w in wrong_g),
                        f"AND units vs membership of their own piece at {common}: disagreements "
                        f"{wrong_g}", {**data, "disagree": wrong_g})
    return per_piece, alarm


def _tex(v) -> str:
    return sp.latex(exact_decimal(v) if isinstance(v, float) else sp.sympify(v, strict=True))


def _inequality(expr: sp.Expr) -> str:
    return sp.latex(sp.expand(expr)) + r" \ge 0"


def _box(lo: np.ndarray, hi: np.ndarray) -> tuple[float, float, float, float]:
    pad = 0.15 * float(np.max(hi - lo)) + 0.25
    return (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)


def _layer2_tables(part: Part, net: Network, names: list[str], what: str) -> None:
    rows = []
    for j, idx in enumerate(net.pieces):
        inputs = ", ".join(f"$h_{{{i + 1}}}$" for i in idx)
        rows.append([f"$g_{{{j + 1}}}$", names[j], inputs, "1", f"${_tex(net.and_b[j])}$",
                     "its input is 1" if len(idx) == 1 else f"all {len(idx)} inputs are 1"])
    ins = ", ".join(f"$g_{{{j + 1}}}$" for j in range(len(net.pieces)))
    rows.append(["$y$", "alarm (OR)", ins, "1", f"${_tex(net.or_b)}$", "at least one input is 1"])
    part.table(["unit", "detects", "inputs", "weights", "bias", "fires iff"], rows,
               f"Layers 2 and 3 for map {what}: an AND unit per piece, an OR unit for the alarm.", aside=True)


def _logic_claims(part: Part, net: Network, aside: bool = False) -> None:
    ands = {f"g{j + 1}": (lambda j=j, idx=idx: truth_table(
        [1] * len(idx), net.and_b[j], all, f"g{j + 1} ({len(idx)} inputs)"))
        for j, idx in enumerate(net.pieces)}
    threshold = -and_bias(k_j)
    part.claim("and", r"Each AND unit $g_j = H\bigl(\sum_{i\in P_j} h_i - (k_j - \tfrac12)\bigr)$ "
               r"fires exactly when all $k_j$ of its inputs fire (exhaustive truth table): the sum of its "
               r"inputs, an integer at most $k_j$, is then above $k_j - 1$, hence $k_j$, so every $h_i = 1$:",
               prove.proved_for_each(ands, "AND truth tables"),
               latex=r"\sum_{i\in P_j} h_i \ge k_j - \tfrac12 > k_j - 1",
               value=sp.And(sp.Ge(H_SUM, threshold), sp.Gt(threshold, k_j - 1, evaluate=False)), aside=aside)
    m = len(net.pieces)
    threshold = -or_bias(m)
    part.claim("or", rf"The output $y = H\bigl(\sum_{{j=1}}^{{{m}}} g_j - \tfrac12\bigr)$ fires "
               r"exactly when at least one AND unit fires (exhaustive truth table): the sum of the $g_j$, an "
               r"integer, is then positive, hence at least 1, so some $g_j = 1$:",
               truth_table([1] * m, net.or_b, any, f"OR ({m} inputs)"),
               latex=r"\sum_j g_j \ge \tfrac12 > 0",
               value=sp.And(sp.Ge(G_SUM, threshold), sp.Gt(threshold, 0, evaluate=False)), aside=aside)


def _network_formula(net: Network) -> str:
    """The AND and OR layers as formulas, one $...$ each so that lines break between them."""
    gs = []
    for j, idx in enumerate(net.pieces):
        s = " + ".join(f"h_{{{i + 1}}}" for i in idx)
        gs.append(rf"$g_{{{j + 1}}} = H\bigl({s} {_tex(net.and_b[j])}\bigr)$")
    y = " + ".join(f"g_{{{j + 1}}}" for j in range(len(net.pieces)))
    return ", ".join(gs) + rf", and the alarm $y = H\bigl({y} {_tex(net.or_b)}\bigr)$."


# --- the solution ----------------------------------------------------------------------------

def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(
        TOPIC, "War zone", "iust-dl-hw1, Problem 3", p,
        notation=NOTATION,
        question=(
            r"A car drives through a former war zone whose map marks dangerous areas. For each "
            r"of two maps, build a system that raises an alarm exactly when the car's position "
            r"$x = (x_1, x_2)$ lies in a dangerous area; the second map calls for non-linear "
            r"features. Here the system is a network of threshold units "
            r"$H(w^\top\phi(x) + b)$ with $H(z) = 1$ for $z \ge 0$ and $0$ otherwise."
        ),
    )
    _part_a(sol, p, ctx)
    _part_b(sol, p, ctx)
    return sol


def _vertices_text(poly) -> str:
    return ", ".join(f"$({_tex(x)}, {_tex(y)})$" for x, y in poly)


def _part_a(sol: Solution, p: Params, ctx: Context) -> None:
    pa = sol.part("a", "A map of polygons",
                  r"Build a threshold network whose output is 1 exactly when $x$ is inside a "
                  r"dangerous area of map (a), made of straight-edged zones.")
    pieces_txt = "; ".join(f"piece {i + 1}: {_vertices_text(poly)}"
                           for i, poly in enumerate(p.polygons))
    pa.erratum(
        "design a system for map (a), which it shows only as an image, missing from its text.",
        "any map whose dangerous area is a union of convex polygons is solved by the construction "
        "below (every polygon with straight edges splits into triangles, so this covers every "
        "straight-edged map).",
        rf"the dangerous area is the union of these convex polygons (vertices in order): "
        rf"{pieces_txt}"
        + (r". The default is an L-shaped zone, as two overlapping rectangles, and a separate triangle; "
           r"give the real map's convex pieces in the parameter \emph{polygons}."
           if p.is_default("polygons") else r", as given in the parameter \emph{polygons}."),
        key="map-a",
    )
    pa.text(
        r"One unit fires on a half-plane $a^\top x + b \ge 0$; a convex polygon is the AND of its "
        r"edges' inner half-planes, the map the OR of its convex pieces ($H(0) = 1$: edges count "
        r"as dangerous)."
    )
    p1, p2, q1, q2 = sp.symbols("p_1 p_2 q_1 q_2", real=True)
    a1, a2, b = half_plane((p1, p2), (q1, q2))
    pa.chain("edge", r"(q - p)\times(x - p)", aside=True).define(
        r"(q_1 - p_1)(x_2 - p_2) - (q_2 - p_2)(x_1 - p_1)",
        (q1 - p1) * (x2 - p2) - (q2 - p2) * (x1 - p1),
        r"left of the edge $p \to q$ of a counter-clockwise polygon",
    ).step(rf"\left({sp.latex(a1)}\right)x_1 + \left({sp.latex(a2)}\right)x_2 + "
           rf"\left({sp.latex(b)}\right)", a1 * x1 + a2 * x2 + b,
           r"collect $x_1$, $x_2$: weights $a$, bias $b$")
    pa.text(r"The unit of an edge $p \to q$ of a counter-clockwise polygon tests $(q - p)\times(x - p) \ge 0$ "
            r"(left of the edge), linear in $x$; its weights, scaled to coprime integers:")

    polys = [counter_clockwise(poly) for poly in p.polygons]
    net = build_network(LINEAR, [polygon_units(poly) for poly in p.polygons])
    pa.table(
        ["unit", "$w_1$", "$w_2$", "bias $b$", "fires iff"],
        [[f"$h_{{{i + 1}}}$", f"${_tex(w[0])}$", f"${_tex(w[1])}$", f"${_tex(bb)}$",
          f"${_inequality(net.pre(i))}$"] for i, (w, bb) in enumerate(net.units)],
        "Layer 1 for map (a): one threshold unit per distinct polygon edge, on the inputs "
        "$(x_1, x_2)$.",
    )

    def edge_check(j: int, e: int) -> Verdict:
        idx, v = net.pieces[j], polys[j]
        if len(idx) != len(v):
            return Verdict("symbolic", False,
                           f"piece {j + 1} has {len(idx)} units for {len(v)} edges")
        z = net.pre(idx[e])
        at = lambda pt: z.subs({x1: pt[0], x2: pt[1]})  # noqa: E731
        ends = prove.equal(at(v[e]), 0) & prove.equal(at(v[(e + 1) % len(v)]), 0)
        others = [at(w) > 0 for k, w in enumerate(v) if k not in (e, (e + 1) % len(v))]
        return ends & prove.holds(sp.And(*others))

    checks = {f"piece {j + 1} edge {e + 1}": (lambda j=j, e=e: edge_check(j, e))
              for j, v in enumerate(polys) for e in range(len(v))}
    pa.claim("edges", r"Each edge's unit has its zero line through both end points of the edge "
             r"and is strictly positive at the polygon's other vertices, so it fires exactly on "
             r"the polygon's side of that edge (exact rational arithmetic).",
             prove.proved_for_each(checks, "edge lines"), aside=True)
    _layer2_tables(pa, net, [f"polygon {j + 1}" for j in range(len(polys))], "(a)")
    _logic_claims(pa, net, aside=True)
    pa.text(r"Layers 2 and 3, an AND per polygon (bias $-(k_j - \tfrac12)$ for $k_j$ edges) and the OR "
            r"(bias $-\tfrac12$), proved by exhaustive truth tables (appendix): "
            + _network_formula(net))

    verts = np.array([v for poly in p.polygons for v in poly], dtype=float)
    box = _box(verts.min(axis=0), verts.max(axis=0))
    rng = ctx.rng("a.points")
    half = p.random_points // 2
    sets = {
        "grid": geo.grid(box, p.grid),
        "random": np.vstack([geo.uniform(rng, box, p.random_points - half),
                             geo.near_edges(rng, p.polygons, half)]),
    }
    for name, pts in sets.items():
        per_piece, alarm = _membership(net, pts, lambda q: geo.polygon_map(p.polygons, q), _what(name, "edge"))
        label = (rf"on a ${p.grid}\times{p.grid}$ grid over the map" if name == "grid" else
                 rf"at {p.random_points:,} random points, half of them between $10^{{-7}}$ and "
                 r"$10^{-2}$ from an edge")
        pa.claim(f"pieces.{name}", rf"Each AND unit $g_j$ fires exactly inside polygon $j$ "
                 rf"(ray casting on the vertices), {label}.", per_piece, aside=True)
        pa.claim(f"alarm.{name}", rf"The alarm $y$ equals membership in the map (ray casting, "
                 rf"independent of the half-planes), {label}.", alarm, aside=True)
    pa.figure("map-a", "Map (a): the assumed dangerous zone (shaded polygons), the lines of the "
              "layer-1 units (dashed) and the decision boundary of the network, the contour "
              "$y = 1/2$ of its output on a fine grid (solid); they coincide.",
              lambda path: _plot_polygons(path, p, net, box), aside=True)
    _answers(sol, "a", net, {_what("grid", "edge"): sets["grid"], _what("random", "edge"): sets["random"]},
             lambda q: geo.polygon_map(p.polygons, q))
    ks = [len(idx) for idx in net.pieces]
    sol.misconception(f"a.{ANSWER['and_biases']}", "AND-bias-off-by-one", [-(k - 1) for k in ks],
                      r"An AND of $k$ inputs of weight 1 must fire only when their sum reaches $k$: with "
                      r"$H(0) = 1$ its bias lies in $[-k, -(k-1))$, e.g. $-(k - \tfrac12)$. With $-(k-1)$ it "
                      r"fires when $k-1$ edges hold, so just outside one edge of a polygon the alarm sounds.")
    _or_as_and(sol, "a", net)


def _part_b(sol: Solution, p: Params, ctx: Context) -> None:
    pb = sol.part("b", "A map of discs and rings",
                  r"Build the alarm for map (b), whose dangerous areas are round; use non-linear "
                  r"features of the position, as the hint suggests.")
    shapes = [rf"disc centre $({_tex(cx)}, {_tex(cy)})$, radius ${_tex(r)}$"
              for cx, cy, r in p.discs]
    shapes += [rf"ring centre $({_tex(cx)}, {_tex(cy)})$, radii ${_tex(ri)}$ to ${_tex(ro)}$"
               for cx, cy, ri, ro in p.rings]
    pb.erratum(
        "design a system for map (b), which it shows only as an image, missing from its text.",
        "any map whose dangerous area is a union of discs and rings (annuli) is solved by the "
        "construction below.",
        "the dangerous area is the union of: " + "; ".join(shapes) + r". Give the real map in "
        r"the parameters \emph{discs} and \emph{rings}.",
        key="map-b",
    )
    pb.text(
        r"No finite AND of half-planes is a disc, but $\lVert x - c\rVert^2 \le r^2$ is linear in "
        r"$\phi(x) = (x_1, x_2, x_1^2, x_2^2)$: one unit on $\phi$ per circle (either sign); a ring "
        r"is inside-outer AND outside-inner, the map the OR of its pieces."
    )
    cx_, cy_ = sp.symbols("c_1 c_2", real=True)
    r_ = sp.symbols("r", positive=True)
    for sense, inside in (("in", True), ("out", False)):
        w, bb = circle_unit(cx_, cy_, r_, inside)
        s = 1 if inside else -1
        lhs = r"r^2 - \lVert x - c\rVert^2" if inside else r"\lVert x - c\rVert^2 - r^2"
        pb.chain(f"circle.{sense}", lhs, aside=True).define(
            r"r^2 - (x_1 - c_1)^2 - (x_2 - c_2)^2" if inside
            else r"(x_1 - c_1)^2 + (x_2 - c_2)^2 - r^2",
            s * (r_**2 - (x1 - cx_) ** 2 - (x2 - cy_) ** 2),
            "inside the circle" if inside else "outside the circle",
        ).step(r" + ".join(rf"\left({sp.latex(wi)}\right){sp.latex(f)}"
                           for wi, f in zip(w, QUADRATIC, strict=True))
               + rf" + \left({sp.latex(bb)}\right)",
               sum(wi * f for wi, f in zip(w, QUADRATIC, strict=True)) + bb,
               r"expand: weights on $\phi(x)$, bias")

    ex = lambda t: tuple(exact_decimal(v) for v in t)  # noqa: E731
    pieces = [disc_units(*ex(d)) for d in p.discs] + [ring_units(*ex(r)) for r in p.rings]
    net = build_network(QUADRATIC, pieces)
    pb.table(
        ["unit", "$w_{x_1}$", "$w_{x_2}$", "$w_{x_1^2}$", "$w_{x_2^2}$", "bias $b$", "fires iff"],
        [[f"$h_{{{i + 1}}}$", *[f"${_tex(v)}$" for v in w], f"${_tex(bb)}$",
          f"${_inequality(net.pre(i))}$"] for i, (w, bb) in enumerate(net.units)],
        r"Layer 1 for map (b): one threshold unit per circle, on the features "
        r"$(x_1, x_2, x_1^2, x_2^2)$.",
    )

    def target(c, r, s):
        return s * (r**2 - (x1 - c[0]) ** 2 - (x2 - c[1]) ** 2)

    expected = [[target(d[:2], d[2], 1)] for d in map(ex, p.discs)]
    expected += [[target(g[:2], g[3], 1), target(g[:2], g[2], -1)] for g in map(ex, p.rings)]

    def piece_check(j: int) -> Verdict:
        idx = net.pieces[j]
        if len(idx) != len(expected[j]):
            return Verdict("symbolic", False, f"piece {j + 1} reads {len(idx)} units, "
                           f"its shape has {len(expected[j])} circle tests")
        verdicts = [prove.equal(net.pre(i), e) for i, e in zip(idx, expected[j], strict=True)]
        out = verdicts[0]
        for v in verdicts[1:]:
            out = out & v
        return out

    names = [f"disc {j + 1}" for j in range(len(p.discs))]
    names += [f"ring {j + 1}" for j in range(len(p.rings))]
    pb.claim("units", r"The layer-1 units read by each AND unit test exactly its shape's circles: "
             r"as polynomials in $x_1, x_2$, their pre-activations $w^\top\phi(x) + b$ are "
             r"$r^2 - \lVert x - c\rVert^2$ for a disc, and "
             r"$r_{\mathrm{out}}^2 - \lVert x - c\rVert^2$ and "
             r"$\lVert x - c\rVert^2 - r_{\mathrm{in}}^2$ for a ring.",
             prove.proved_for_each({n: (lambda j=j: piece_check(j)) for j, n in enumerate(names)},
                                   "circle units per shape"), aside=True)
    _layer2_tables(pb, net, names, "(b)")
    _logic_claims(pb, net, aside=True)  # the same argument as in (a)
    pb.text(r"Layers 2 and 3: "
            + _network_formula(net))

    lo = np.array([min(c[0] - c[-1] for c in (*p.discs, *p.rings)),
                   min(c[1] - c[-1] for c in (*p.discs, *p.rings))])
    hi = np.array([max(c[0] + c[-1] for c in (*p.discs, *p.rings)),
                   max(c[1] + c[-1] for c in (*p.discs, *p.rings))])
    box = _box(lo, hi)
    rng = ctx.rng("b.points")
    half = p.random_points // 2
    sets = {
        "grid": geo.grid(box, p.grid),
        "random": np.vstack([geo.uniform(rng, box, p.random_points - half),
                             geo.near_circles(rng, p.discs, p.rings, half)]),
    }
    for name, pts in sets.items():
        per_piece, alarm = _membership(net, pts, lambda q: geo.circle_map(p.discs, p.rings, q), _what(name, "circle"))
        label = (rf"on a ${p.grid}\times{p.grid}$ grid over the map" if name == "grid" else
                 rf"at {p.random_points:,} random points, half of them between $10^{{-7}}$ and "
                 r"$10^{-2}$ from a circle")
        pb.claim(f"pieces.{name}", rf"Each AND unit $g_j$ fires exactly inside disc or ring $j$ "
                 rf"(distances to the centres), {label}.", per_piece, aside=True)
        pb.claim(f"alarm.{name}", rf"The alarm $y$ equals membership in the map (distances to "
                 rf"the centres), {label}.", alarm, aside=True)
    pb.figure("map-b", "Map (b): the assumed dangerous discs and rings (shaded), the circles of "
              "the layer-1 units (dashed) and the decision boundary of the network, the contour "
              "$y = 1/2$ of its output on a fine grid (solid); they coincide.",
              lambda path: _plot_circles(path, p, net, box), aside=True)
    _answers(sol, "b", net, {_what("grid", "circle"): sets["grid"], _what("random", "circle"): sets["random"]},
             lambda q: geo.circle_map(p.discs, p.rings, q))
    centres = [c[:2] for c in (*p.discs, *p.rings)]
    if any(v != 0 for c in centres for v in c):  # a circle centred at the origin has no centre terms
        half = _circle_network(p, _centre_weights(sp.Rational(1, 2)))
        sol.misconception(f"b.{ANSWER['layer1_weights']}", "centre-factor-missing", half,
                          r"Expanding $(x_1 - c_1)^2$ gives $x_1^2 - 2c_1x_1 + c_1^2$: the weight on $x_1$ is "
                          r"$2c_1$ (times the unit's sign), not $c_1$. Without the 2 the unit tests another "
                          r"circle, centred at $c/2$.")
        mirrored = _circle_network(p, _centre_weights(-1))
        sol.misconception(f"b.{ANSWER['layer1_weights']}", "centre-sign", mirrored,
                          r"Inside the circle $r^2 - (x_1 - c_1)^2 - (x_2 - c_2)^2 \ge 0$, and $-(x_1 - c_1)^2$ "
                          r"contributes $+2c_1x_1$: a disc's weights on $x_1, x_2$ are $+2c_1, +2c_2$. With the "
                          r"sign flipped the unit tests the circle mirrored through the origin, centred at $-c$.")
    radii = [r for c in (*p.discs, *p.rings) for r in c[2:]]
    if any(abs(r - r * r) > 0.01 * r * r for r in radii):  # r = 1 is its own square
        unsquared = [b for _, b in build_network(QUADRATIC, _circle_pieces(p, lambda cx, cy, r, inside: (
            circle_unit(cx, cy, r, inside)[0], (1 if inside else -1) * (r - cx**2 - cy**2)))).units]
        sol.misconception(f"b.{ANSWER['layer1_biases']}", "radius-not-squared", unsquared,
                          r"The unit tests $\|x - c\|^2 \le r^2$, so its bias holds $r^2 - \|c\|^2$ (times its "
                          r"sign). With $r$ in place of $r^2$ it tests a circle of radius $\sqrt{r}$: too large "
                          r"when $r < 1$, too small when $r > 1$.")
    _or_as_and(sol, "b", net)


def _what(name: str, edge: str) -> str:
    return ("grid points" if name == "grid" else
            f"random points (half uniform in the box, half within 1/100 of {'an' if edge == 'edge' else 'a'} {edge})")


def _answers(sol: Solution, label: str, net: Network, sets: dict[str, np.ndarray], geometry: Callable) -> None:
    """The network of a map, one answer per field; each field (weights, biases, the 0/1 matrix of the layer-1
    units each AND unit reads) is judged by the alarm it gives, with every other field as derived, against the map's
    geometry at the claims' points. The numbers of units are the lengths of these lists, not answers: another
    design may use other numbers."""
    claims = (f"{label}.alarm.grid", f"{label}.alarm.random")
    fields = {"layer1_weights": [list(w) for w, _ in net.units], "layer1_biases": [b for _, b in net.units],
              "and_inputs": [[int(i in idx) for i in range(len(net.units))] for idx in net.pieces],
              "and_biases": list(net.and_b),
              "or_bias": net.or_b}
    for key in ("layer1_weights", "layer1_biases", "and_inputs", "and_biases", "or_bias"):
        sol.answer(f"{label}.{ANSWER[key]}", fields[key], check=_alarm_with(net, key, sets, geometry), claims=claims,
                   any_passing=True, rests_on=(f"map-{label}",))  # the map the sheet shows only as an image


def _alarm_with(net: Network, key: str, sets: dict[str, np.ndarray], geometry: Callable) -> Check:
    """A candidate for one field of the network, put in its place, judged by the alarm against the map."""

    def check(value) -> Verdict:
        candidate = _replaced(net, key, value)
        if isinstance(candidate, str):
            return Verdict("numeric", False, f"{key}: {candidate}")
        verdicts = [_membership(candidate, pts, geometry, what)[1] for what, pts in sets.items()]
        return functools.reduce(lambda a, b: a & b, verdicts)

    return check


def _replaced(net: Network, key: str, value) -> Network | str:
    """The network with `key` replaced by `value`, or why `value` does not fit there."""
    if key == "or_bias":
        x = witness.number(value)
        return "not a number" if x is None else dataclasses.replace(net, or_b=x)
    rows = value.tolist() if isinstance(value, sp.MatrixBase) else value
    if not isinstance(rows, (list, tuple)):
        return "not a list"
    if key == "and_inputs":  # row j: 1 where AND unit j reads a layer-1 unit (with weight 1), else 0
        want = (len(net.pieces), len(net.units))
        if len(rows) != want[0] or any(not isinstance(r, (list, tuple)) or len(r) != want[1] for r in rows):
            return f"not a {want[0]}x{want[1]} matrix"
        read = [[witness.number(v) for v in r] for r in rows]
        if any(v not in (0, 1) for r in read for v in r):
            return "an entry is not 0 or 1"
        return dataclasses.replace(net, pieces=[[i for i, v in enumerate(r) if v == 1] for r in read])
    if key == "layer1_weights":
        want = (len(net.units), len(net.phi))
        if len(rows) != want[0] or any(not isinstance(r, (list, tuple)) or len(r) != want[1] for r in rows):
            return f"not a {want[0]}x{want[1]} matrix"
        entries = [witness.number(v) for r in rows for v in r]
    else:
        n = len(net.units) if key == "layer1_biases" else len(net.pieces)
        if len(rows) != n:
            return f"not a list of {n} numbers"
        entries = [witness.number(v) for v in rows]
    if any(v is None for v in entries):
        return "an entry is not a number"
    if key == "layer1_weights":
        k = len(net.phi)
        units = [(tuple(entries[i * k:(i + 1) * k]), b) for i, (_, b) in enumerate(net.units)]
        return dataclasses.replace(net, units=units)
    if key == "layer1_biases":
        return dataclasses.replace(net, units=[(w, b) for (w, _), b in zip(net.units, entries, strict=True)])
    return dataclasses.replace(net, and_b=entries)


def _or_as_and(sol: Solution, label: str, net: Network) -> None:
    """The OR given an AND's threshold: wrong wherever the pieces are not all the same shape."""
    m = len(net.pieces)
    if len({tuple(sorted(idx)) for idx in net.pieces}) > 1:
        sol.misconception(f"{label}.{ANSWER['or_bias']}", f"OR-thresholded-like-an-AND-in-map-({label})",
                          -(m - sp.Rational(1, 2)),
                          r"The alarm is an OR of the pieces: it must fire when at least one AND unit fires, so "
                          r"with $H(0) = 1$ its bias lies in $[-1, 0)$, e.g. $-\tfrac12$. The AND threshold "
                          r"$-(m - \tfrac12)$ fires only where all $m$ pieces overlap: a car inside a single "
                          r"zone gets no alarm.")


def _circle_pieces(p: Params, circle: Callable) -> list[list[tuple[tuple, sp.Expr]]]:
    """The units of each disc and ring of map (b), with `circle` in place of circle_unit."""
    ex = lambda t: tuple(exact_decimal(v) for v in t)  # noqa: E731
    return ([[circle(*ex(d), True)] for d in p.discs]
            + [[circle(*ex(g)[:2], ex(g)[3], True), circle(*ex(g)[:2], ex(g)[2], False)] for g in p.rings])


def _centre_weights(factor) -> Callable:
    """circle_unit's weights with those on x_1, x_2 (the centre terms) multiplied by `factor`."""

    def weights(cx, cy, r, inside: bool) -> tuple:
        w = circle_unit(cx, cy, r, inside)[0]
        return (factor * w[0], factor * w[1], *w[2:])

    return weights


def _circle_network(p: Params, weights: Callable) -> list[list]:
    """layer1_weights of map (b) when each circle's weights are `weights(cx, cy, r, inside)`."""
    pieces = _circle_pieces(p, lambda cx, cy, r, inside: (tuple(weights(cx, cy, r, inside)),
                                                          circle_unit(cx, cy, r, inside)[1]))
    return [list(w) for w, _ in build_network(QUADRATIC, pieces).units]


# --- figures ---------------------------------------------------------------------------------

ZONE = "#f2b8b5"  # one opaque fill, so overlapping pieces do not look darker

def _decision(ax, net: Network, box, n: int = 500) -> None:
    pts = geo.grid(box, n)
    y = net.alarm(pts)
    ax.contour(pts[:, 0].reshape(n, n), pts[:, 1].reshape(n, n), y.reshape(n, n).astype(float),
               levels=[0.5], colors="black", linewidths=1.2)


def _finish(ax, box, handles) -> None:
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)


def _handles(unit_label: str) -> list:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [Patch(facecolor=ZONE, label="dangerous zone (map)"),
            Line2D([], [], color="gray", ls="--", lw=0.8, label=unit_label),
            Line2D([], [], color="black", lw=1.2, label="network boundary, $y = 1/2$")]


def _plot_polygons(path, p: Params, net: Network, box) -> None:
    from matplotlib.patches import Polygon

    with figures.figure(path) as (fig, ax):
        for poly in p.polygons:
            ax.add_patch(Polygon(np.asarray(poly, float), closed=True, facecolor=ZONE,
                                 edgecolor="none"))
        for (w1, w2), b in net.units:
            ax.axline((0, -float(b) / float(w2)) if w2 else (-float(b) / float(w1), 0),
                      slope=(-float(w1) / float(w2)) if w2 else None,
                      xy2=None if w2 else (-float(b) / float(w1), 1),
                      color="gray", ls="--", lw=0.8)
        _decision(ax, net, box)
        _finish(ax, box, _handles("layer-1 unit lines"))


def _plot_circles(path, p: Params, net: Network, box) -> None:
    from matplotlib.patches import Circle, Wedge

    with figures.figure(path) as (fig, ax):
        for cx, cy, r in p.discs:
            ax.add_patch(Circle((cx, cy), r, facecolor=ZONE, edgecolor="none"))
        for cx, cy, ri, ro in p.rings:
            ax.add_patch(Wedge((cx, cy), ro, 0, 360, width=ro - ri, facecolor=ZONE,
                               edgecolor="none"))
        for cx, cy, r in [(d[0], d[1], d[2]) for d in p.discs] + \
                [(g[0], g[1], rr) for g in p.rings for rr in g[2:]]:
            ax.add_patch(Circle((cx, cy), r, fill=False, edgecolor="gray", ls="--", lw=0.8))
        _decision(ax, net, box)
        _finish(ax, box, _handles("layer-1 unit circles"))


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
