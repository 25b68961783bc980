"""Wrong circulants, wrong shifts and wrong predictions are rejected by the circulant topic."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from checks import circulant as sim
from tests.conftest import failed_claims, misgraded, right_values_rejected, solved
from theory import circulant as circ
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

SMALL = {"n_max": "4", "n_numeric": "6", "signal_length": "16", "image_size": "8"}


def _transposed(a):
    a = list(a)
    n = len(a)
    return sp.Matrix(n, n, lambda i, j: a[(j - i) % n])


def _left_shift(n):
    return sp.Matrix(n, n, lambda i, j: 1 if j == (i + 1) % n else 0)


def _toeplitz(a):
    """Symmetric Toeplitz (a_{|i-j|}): banded like a convolution, but no wrap-around."""
    a = list(a)
    n = len(a)
    return sp.Matrix(n, n, lambda i, j: a[abs(i - j)])


def test_small_parameters_hold():
    assert not failed_claims(circ, SMALL)


def test_transposed_circulant_is_rejected(monkeypatch):
    monkeypatch.setattr(circ, "circulant", _transposed)
    failed = failed_claims(circ, SMALL)
    # C_a^T is the circulant of the reversed sequence: it still commutes with S, but it is not
    # the matrix of x * w, not C_{e_1} = S, and its entries are not a_{(i-j) mod n}.
    assert {"setup.matrix", "setup.powers", "a.entry.2", "a.entry.4", "b.family",
            "b.column.3", "b.scipy", "b.nullspace", "setup.C"} <= failed
    assert not {"a.commute", "a.conv"} & failed  # C_a^T is a circulant; conv is unchanged


def test_shift_the_wrong_way_is_rejected(monkeypatch):
    monkeypatch.setattr(circ, "shift", _left_shift)
    failed = failed_claims(circ, SMALL)
    assert {"setup.shift", "setup.powers", "a.entry.1", "a.entry.5", "display:b.column.0",
            "b.column.1", "b.scipy", "setup.S"} <= failed


def test_toeplitz_without_wrap_does_not_commute(monkeypatch):
    monkeypatch.setattr(circ, "circulant", _toeplitz)
    failed = failed_claims(circ, SMALL)
    # the headline claim fails, and so does the step of the chain that uses the wrap-around
    assert {"a.commute", "setup.matrix", "a.entry.2", "b.family", "b.scipy", "b.random"} <= failed


def test_a_commutant_solved_from_half_the_equations_has_too_many_free_parameters(monkeypatch):
    """Only the first rows of SM = MS solved: more than n free parameters, and no longer the circulants."""
    def half_solved(n):
        m = circ._symbols("m", n * n)
        M, S = sp.Matrix(n, n, m), circ.shift(n)
        (general,) = sp.linsolve(list((S * M - M * S)[: max(1, n // 2), :]), m)
        general = sp.Matrix(n, n, list(general))
        return general, general.free_symbols

    monkeypatch.setattr(circ, "_commutant", half_solved)
    assert {"b.dimension", "b.family"} <= failed_claims(circ, SMALL)


def test_correlation_instead_of_convolution_is_rejected(monkeypatch):
    def correlation(x, w):
        n = len(x)
        return sp.Matrix([sum(x[k] * w[(k - i) % n] for k in range(n)) for i in range(n)])

    monkeypatch.setattr(circ, "conv", correlation)
    failed = failed_claims(circ, SMALL)
    assert "setup.matrix" in failed


@pytest.mark.parametrize("wrong", ["no shift", "edge only"])
def test_wrong_border_prediction_is_rejected(monkeypatch, wrong):
    right = circ.boundary_band

    def band(shape, shifts, radius):
        if wrong == "no shift":  # forgets that the shift moves content across the border
            return right(shape, (0, 0), radius)
        rows, cols = np.indices(shape)  # only pixels whose own window crosses the border
        return ((rows < radius) | (rows >= shape[0] - radius)
                | (cols < radius) | (cols >= shape[1] - radius))

    monkeypatch.setattr(circ, "boundary_band", band)
    assert "c.border" in failed_claims(circ, SMALL)


def test_zero_padding_in_place_of_circular_is_rejected(monkeypatch):
    monkeypatch.setattr(sim, "circular_conv2d", sim.zero_padded_conv2d)
    assert {"c.image", "c.pool"} <= failed_claims(circ, SMALL)


def test_band_rule_matches_brute_force():
    """The tap rule against an explicit zero-padded convolution with generic data."""
    rng = np.random.default_rng(1)
    img, k = rng.standard_normal((9, 7)), rng.standard_normal((5, 5))
    shifts = (3, 1)
    err = np.abs(sim.zero_padded_conv2d(sim.roll2d(img, *shifts), k)
                 - sim.roll2d(sim.zero_padded_conv2d(img, k), *shifts))
    assert np.array_equal(err > 1e-12, circ.boundary_band(img.shape, shifts, 2))


@pytest.mark.parametrize("bad", [
    {"n_max": "0"}, {"n_max": "50"}, {"kernel_size": "4"}, {"shift": "64"},
    {"shift_rows": "0", "shift_cols": "16"}, {"stride": "3"},
    {"image_size": "8", "kernel_size": "9"}, {"shift": "1e308"}, {"shift": str(10**40)},
    {"shift_rows": "-1"}, {"shift_cols": "33"}, {"signal_length": "2048"},
])
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(circ, bad)


def _raw(value):
    """A value as a student would type it: nested lists of numbers for a matrix, a formula as text, else the
    number."""
    if isinstance(value, sp.MatrixBase):
        return [[int(v) for v in row] for row in value.tolist()]
    return str(value) if getattr(value, "free_symbols", None) else int(value)


def test_grading_accepts_the_answers_and_names_each_misconception():
    assert not misgraded(solved("circulant"), _raw, GRADED)


def test_the_right_value_is_no_misconception():
    assert not right_values_rejected(solved("circulant"), GRADED)


GRADED = ("S as a matrix", "C_a for a = (1, ..., n)", "free parameters of a shift-equivariant linear map",
          "zero-padding band pixels")


def test_a_one_tap_kernel_has_no_band_and_no_band_misconception():
    sol = solve_topic(circ, {**SMALL, "kernel_size": "1", "answer_n": "2"})
    ids = {m.id for m in sol.misconceptions}
    assert sol.answers["zero-padding band pixels"] == 0 and sol.passed
    assert not {"padding-irrelevant", "border-only", "left-shift", "first-row"} & ids  # 2x2: S = S^T
