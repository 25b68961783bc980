"""Single SGD steps on f(w) = sum_i (w - c_i)^2 / 2, simulated from the definition.

Gradients come from central differences of the terms (exact for quadratics up
to rounding; the step grows with |w| and the quotient divides by the step as
stored, so rounding stays relative to |w|); sets where a quantity is positive
are located on a grid and their ends refined by bisection. Nothing here uses the topic's derived formulas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Fn = Callable[[np.ndarray], np.ndarray]
H = 1e-3  # difference step, times max(1, |w|)


def term(c: float) -> Fn:
    """One term of the objective, w -> (w - c)^2 / 2."""
    return lambda w: 0.5 * (np.asarray(w, dtype=float) - c) ** 2


def objective(centres: Sequence[float]) -> Fn:
    """f(w) = sum of the terms."""
    return lambda w: sum(term(c)(w) for c in centres)


def grad(fn: Fn, w: np.ndarray, h: float = H) -> np.ndarray:
    """(fn(w + s) - fn(w - s)) / (2s) with s = h max(1, |w|), 2s taken as the stored difference."""
    w = np.asarray(w, dtype=float)
    up, down = w + h * np.maximum(1.0, np.abs(w)), w - h * np.maximum(1.0, np.abs(w))
    return (fn(up) - fn(down)) / (up - down)


def sgd_step(w: np.ndarray, centres: Sequence[float], i: int, eta: float) -> np.ndarray:
    """w - eta * (gradient of the sampled term i), i counted from 0."""
    return np.asarray(w, dtype=float) - eta * grad(term(centres[i]), w)


def change_of_f(w: np.ndarray, centres: Sequence[float], i: int, eta: float) -> np.ndarray:
    """f(after one step on term i) - f(before)."""
    f = objective(centres)
    return f(sgd_step(w, centres, i, eta)) - f(w)


def change_of_term(w: np.ndarray, centres: Sequence[float], i: int, eta: float) -> np.ndarray:
    """f_i(after one step on term i) - f_i(before)."""
    fi = term(centres[i])
    return fi(sgd_step(w, centres, i, eta)) - fi(w)


def expected_step(w: np.ndarray, centres: Sequence[float], eta: float) -> np.ndarray:
    """Mean of the next iterate over a uniformly sampled term (exact enumeration)."""
    return np.mean([sgd_step(w, centres, i, eta) for i in range(len(centres))], axis=0)


def expected_change(w: np.ndarray, centres: Sequence[float], eta: float) -> np.ndarray:
    """Mean of f(next) - f(now) over a uniformly sampled term (exact enumeration)."""
    return np.mean([change_of_f(w, centres, i, eta) for i in range(len(centres))], axis=0)


def grid(centres: Sequence[float], n: int, fn: Fn | None = None) -> np.ndarray:
    """n points covering the centres with a margin, shifted off round numbers.

    With `fn`, the margin is doubled until fn <= 0 at both ends, so that a set
    where fn > 0 cannot reach past the grid.
    """
    lo, hi = min(centres), max(centres)
    margin = 0.5 * (hi - lo) + min(1.0, hi - lo)  # in proportion to the gap between close centres
    for _ in range(60):
        if fn is None or np.all(fn(np.array([lo - margin, hi + margin])) <= 0):
            break
        margin *= 2
    pts, step = np.linspace(lo - margin, hi + margin, n, retstep=True)
    return pts + 0.3183 * step


def bisect(fn: Fn, lo: np.ndarray, hi: np.ndarray, iterations: int = 80) -> np.ndarray:
    """Sign changes of fn in the brackets [lo, hi], all refined at once by bisection."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    pos_lo = fn(lo) > 0
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        same = (fn(mid) > 0) == pos_lo
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def positive_runs(fn: Fn, pts: np.ndarray) -> list[tuple[float, float]]:
    """Maximal runs of grid points where fn > 0, ends refined by bisection to the sign change."""
    pos = fn(pts) > 0
    edges = np.flatnonzero(np.diff(pos.astype(np.int8)))
    roots = bisect(fn, pts[edges], pts[edges + 1])
    runs, start = [], (float(pts[0]) if pos[0] else None)
    for k, root in zip(edges, roots):
        if pos[k + 1]:
            start = float(root)
        else:
            runs.append((start, float(root)))
            start = None
    if start is not None:
        runs.append((start, float(pts[-1])))
    return runs


def grid_runs(fn: Fn, pts: np.ndarray) -> list[tuple[float, float]]:
    """The same runs without refinement: first and last grid point inside each."""
    pos = fn(pts) > 0
    edges = np.flatnonzero(np.diff(np.concatenate(([0], pos.astype(np.int8), [0]))))
    return [(float(pts[a]), float(pts[b - 1])) for a, b in zip(edges[::2], edges[1::2])]
