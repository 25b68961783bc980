"""Perceptrons evaluated with NumPy, Boolean targets in plain Python, and an LP for separability.

Nothing here knows the weights the topic derives or the inequalities it
writes down: callers pass weights and compare tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

ROWS = ((0, 0), (0, 1), (1, 0), (1, 1))

# The Boolean functions of the sheet, written with Python's own operators.
BOOLEAN: dict[str, Callable[[bool, bool], bool]] = {
    "A and not B": lambda a, b: a and not b,
    "not A and B": lambda a, b: (not a) and b,
    "A or B": lambda a, b: a or b,
    "A xor B": lambda a, b: a != b,
}


def boolean_table(name: str) -> dict[tuple[int, int], int]:
    """{(A, B): f(A, B)} over the four inputs, for one of the functions in BOOLEAN."""
    f = BOOLEAN[name]
    return {(a, b): int(bool(f(bool(a), bool(b)))) for a, b in ROWS}


def _inputs() -> np.ndarray:
    """The four inputs with a trailing 1 for the bias: shape (4, 3)."""
    return np.array([[a, b, 1.0] for a, b in ROWS])


def tables(weights: np.ndarray, strict: bool) -> np.ndarray:
    """Truth tables of many perceptrons at once.

    `weights` has shape (k, 3) holding (w_1, w_2, b); the result has shape
    (k, 4), the step outputs on ROWS.
    """
    s = np.asarray(weights, float) @ _inputs().T
    return (s > 0 if strict else s >= 0).astype(int)


def exact_table(weights: Sequence[Fraction], strict: bool) -> dict[tuple[int, int], int]:
    """{(A, B): output} of one perceptron (w_1, w_2, b) in exact rational arithmetic: no rounding
    can flip a pre-activation that lies far closer to 0 than the weights are large."""
    w1, w2, b = weights
    return {(a, c): int(w1 * a + w2 * c + b > 0 if strict else w1 * a + w2 * c + b >= 0) for a, c in ROWS}


def perturbed_tables(preacts: np.ndarray, deltas: np.ndarray, strict: bool) -> np.ndarray:
    """Truth tables of one perceptron whose weights are moved by each row of `deltas` (shape (k, 3)).

    `preacts` are its four pre-activations on ROWS before the move; only the change delta.x is
    computed in floats, so a change far smaller than the weights themselves is not lost to rounding.
    """
    s = np.asarray(preacts, float)[None, :] + np.asarray(deltas, float) @ _inputs().T
    return (s > 0 if strict else s >= 0).astype(int)


def perturbed_network_tables(pre1: np.ndarray, pre2: np.ndarray, pre_out: np.ndarray, d1: np.ndarray,
                             d2: np.ndarray, d_out: np.ndarray, strict: bool) -> np.ndarray:
    """Outputs on ROWS of two-layer networks whose units are moved by d1, d2, d_out (each (k, 3)).

    pre1, pre2: the hidden units' pre-activations on ROWS; pre_out: the output unit's on the four
    hidden patterns (h1, h2), in the order of ROWS.
    """
    a1 = perturbed_tables(pre1, d1, strict)  # (k, 4)
    a2 = perturbed_tables(pre2, d2, strict)
    d_out = np.asarray(d_out, float)
    s = (np.asarray(pre_out, float)[2 * a1 + a2] + d_out[:, :1] * a1 + d_out[:, 1:2] * a2 + d_out[:, 2:3])
    return (s > 0 if strict else s >= 0).astype(int)


def l1_vertices(radius: float) -> np.ndarray:
    """The six vertices +-radius e_k of the L1 ball in (w_1, w_2, b)-space."""
    eye = np.eye(3)
    return radius * np.vstack([eye, -eye])


def l1_sphere(rng: np.random.Generator, count: int, radius: float) -> np.ndarray:
    """`count` random points on the L1 sphere of the given radius in 3 dimensions."""
    d = rng.standard_exponential((count, 3)) * rng.choice([-1.0, 1.0], size=(count, 3))
    return radius * d / np.abs(d).sum(axis=1, keepdims=True)


def random_weights(rng: np.random.Generator, count: int, scale: float = 1.0) -> np.ndarray:
    """Uniform (w_1, w_2, b) in [-scale, scale]^3."""
    return rng.uniform(-scale, scale, size=(count, 3))


def separable(targets: dict[tuple[int, int], int]) -> tuple[int, np.ndarray | None]:
    """Is there (w_1, w_2, b) with (2t - 1)(w.x + b) >= 1 on every row? Solved by linprog.

    Any perceptron computing the table can be shifted and scaled to meet
    these margin-1 constraints, so infeasibility means no perceptron computes
    it. Returns linprog's status (0 feasible, 2 infeasible) and a solution.
    """
    from scipy.optimize import linprog

    x = _inputs()
    sign = np.array([2 * targets[r] - 1 for r in ROWS], float)
    res = linprog(c=np.zeros(3), A_ub=-sign[:, None] * x, b_ub=-np.ones(4),
                  bounds=[(None, None)] * 3, method="highs")
    return int(res.status), (res.x if res.status == 0 else None)
