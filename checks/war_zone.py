"""Point membership for the War Zone maps by plane geometry: ray casting and distances to centres.

Nothing here knows the threshold network or its half-planes. A polygonal map is
given by its vertices and answered by even-odd ray casting; a circular map by
centres and radii and answered by Euclidean distances. Each map also reports how
far a point is from the map's edges, so callers can leave out points that lie
on a boundary, where "inside" is a matter of convention.
"""

from __future__ import annotations

import numpy as np


def grid(box: tuple[float, float, float, float], n: int) -> np.ndarray:
    """An n x n grid of points covering box = (x_lo, x_hi, y_lo, y_hi), as rows (x, y)."""
    xs = np.linspace(box[0], box[1], n)
    ys = np.linspace(box[2], box[3], n)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def uniform(rng: np.random.Generator, box: tuple[float, float, float, float], n: int) -> np.ndarray:
    """n points drawn uniformly from the box."""
    return np.column_stack([rng.uniform(box[0], box[1], n), rng.uniform(box[2], box[3], n)])


# --- polygonal maps -------------------------------------------------------------------------

def in_polygon(vertices, pts: np.ndarray) -> np.ndarray:
    """Even-odd rule: cast a ray from each point towards +x and count edge crossings."""
    v = np.asarray(vertices, dtype=float)
    x, y = pts[:, 0], pts[:, 1]
    inside = np.zeros(len(pts), dtype=bool)
    for i in range(len(v)):
        (xa, ya), (xb, yb) = v[i], v[(i + 1) % len(v)]
        straddles = (ya > y) != (yb > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = xa + (y - ya) * (xb - xa) / (yb - ya)
        inside ^= straddles & (x < x_cross)
    return inside


def _segment_distance(pts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from each point to the segment a-b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    px, py = pts[:, 0] - a[0], pts[:, 1] - a[1]
    t = np.clip((px * dx + py * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return np.hypot(px - t * dx, py - t * dy)


def edges(polygons) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every edge of every polygon as a pair of end points."""
    out = []
    for poly in polygons:
        v = np.asarray(poly, dtype=float)
        out += [(v[i], v[(i + 1) % len(v)]) for i in range(len(v))]
    return out


def polygon_map(polygons, pts: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """(in the union, in each polygon, distance to the nearest polygon edge).

    The boundary of the union lies on the polygons' edges, so a point farther
    than eps from every edge is farther than eps from the union's boundary.
    """
    each = [in_polygon(poly, pts) for poly in polygons]
    dist = np.full(len(pts), np.inf)
    for a, b in edges(polygons):  # a running minimum: memory does not grow with the number of edges
        np.minimum(dist, _segment_distance(pts, a, b), out=dist)
    return np.any(each, axis=0), each, dist


def near_edges(rng: np.random.Generator, polygons, n: int, lo: float = 1e-7,
               hi: float = 1e-2) -> np.ndarray:
    """n points just off the edges: a random point of a random edge (chosen by length),
    moved along the edge's normal by +-delta, delta log-uniform in [lo, hi]."""
    segs = edges(polygons)
    lengths = np.array([np.hypot(*(b - a)) for a, b in segs])
    pick = rng.choice(len(segs), size=n, p=lengths / lengths.sum())
    a = np.array([segs[i][0] for i in pick])
    b = np.array([segs[i][1] for i in pick])
    d = b - a
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
    delta = np.exp(rng.uniform(np.log(lo), np.log(hi), n)) * rng.choice([-1.0, 1.0], n)
    return a + rng.uniform(0, 1, n)[:, None] * d + delta[:, None] * normal


# --- circular maps --------------------------------------------------------------------------

def circle_map(discs, rings, pts: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """(in the union, in each disc then each ring, distance to the nearest circle).

    A disc (cx, cy, r) is |x - c| <= r; a ring (cx, cy, r_in, r_out) is
    r_in <= |x - c| <= r_out.
    """
    each, gap = [], np.full(len(pts), np.inf)
    for cx, cy, r in discs:
        d = np.hypot(pts[:, 0] - cx, pts[:, 1] - cy)
        each.append(d <= r)
        np.minimum(gap, np.abs(d - r), out=gap)
    for cx, cy, r_in, r_out in rings:
        d = np.hypot(pts[:, 0] - cx, pts[:, 1] - cy)
        each.append((d >= r_in) & (d <= r_out))
        np.minimum(gap, np.minimum(np.abs(d - r_in), np.abs(d - r_out)), out=gap)
    return np.any(each, axis=0), each, gap


def near_circles(rng: np.random.Generator, discs, rings, n: int, lo: float = 1e-7,
                 hi: float = 1e-2) -> np.ndarray:
    """n points at distance r +- delta from a random circle of the map (chosen by length)."""
    circles = [(cx, cy, r) for cx, cy, r in discs]
    circles += [(cx, cy, r) for cx, cy, r_in, r_out in rings for r in (r_in, r_out)]
    c = np.asarray(circles, dtype=float)
    pick = rng.choice(len(c), size=n, p=c[:, 2] / c[:, 2].sum())
    delta = np.exp(rng.uniform(np.log(lo), np.log(hi), n)) * rng.choice([-1.0, 1.0], n)
    radius = c[pick, 2] + delta
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([c[pick, 0] + radius * np.cos(angle),
                            c[pick, 1] + radius * np.sin(angle)])
