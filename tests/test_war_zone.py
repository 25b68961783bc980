"""War Zone: the alarm networks match the maps, and every check rejects a wrong construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from checks import war_zone as geo
from tests.conftest import misgraded, right_values_rejected, solved, unrejected
from theory import war_zone as wz
from theory.core.cli import solve_topic
from theory.core.errors import BadInput

FAST = {"grid": 101, "random_points": 2000}


def failed(overrides: dict | None = None) -> set[str]:
    sol = solve_topic(wz, {**FAST, **(overrides or {})})
    return {cid for cid, _, v in sol.claims() if not v.passed}


def test_defaults_hold_with_small_grids():
    assert failed() == set()


def test_flipped_half_plane_is_caught(monkeypatch):
    good = wz.half_plane
    monkeypatch.setattr(wz, "half_plane", lambda p, q: tuple(-c for c in good(p, q)))
    bad = failed()
    assert {"a.edge.1", "a.edges", "a.alarm.grid", "a.alarm.random", "a.pieces.grid"} <= bad
    assert not any(c.startswith("b.") for c in bad)


def test_one_flipped_edge_is_caught(monkeypatch):
    good = wz.polygon_units

    def one_flipped(vertices):
        units = good(vertices)
        (w1, w2), b = units[0]
        return [((-w1, -w2), -b), *units[1:]]

    monkeypatch.setattr(wz, "polygon_units", one_flipped)
    assert {"a.edges", "a.alarm.grid", "a.alarm.random"} <= failed()


def test_dropped_edge_unit_is_caught(monkeypatch):
    good = wz.polygon_units
    monkeypatch.setattr(wz, "polygon_units", lambda v: good(v)[:-1])
    assert {"a.edges", "a.alarm.grid", "a.alarm.random", "a.pieces.grid"} <= failed()


def test_wrong_and_bias_is_caught(monkeypatch):
    monkeypatch.setattr(wz, "and_bias", lambda k: -(k - sp.Rational(3, 2)))
    bad = failed()
    assert {"a.and", "b.and", "a.alarm.grid", "b.alarm.grid", "a.alarm.random"} <= bad


def test_wrong_or_bias_is_caught(monkeypatch):
    monkeypatch.setattr(wz, "or_bias", lambda m: -sp.Rational(3, 2))
    assert {"a.or", "b.or", "a.alarm.grid", "b.alarm.grid"} <= failed()


def test_ring_without_inner_circle_is_caught(monkeypatch):
    monkeypatch.setattr(wz, "ring_units", lambda cx, cy, ri, ro: [wz.circle_unit(cx, cy, ro, True)])
    bad = failed()
    assert {"b.units", "b.alarm.grid", "b.alarm.random", "b.pieces.grid"} <= bad
    assert not any(c.startswith("a.") for c in bad)


def test_radius_instead_of_its_square_is_caught(monkeypatch):
    def wrong(cx, cy, r, inside):
        s = 1 if inside else -1
        return (s * 2 * cx, s * 2 * cy, -s, -s), s * (r - cx**2 - cy**2)

    monkeypatch.setattr(wz, "circle_unit", wrong)
    assert {"b.circle.in.1", "b.units", "b.alarm.grid", "b.alarm.random"} <= failed()


def test_other_maps_hold():
    n = 14  # more edges than the truth-table limit: the AND check enumerates input counts
    gon = tuple((round(3 + 2 * math.cos(2 * math.pi * k / n), 6),
                 round(2 * math.sin(2 * math.pi * k / n), 6)) for k in range(n))
    clockwise_triangle = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0))
    assert n > wz.TRUTH_TABLE_MAX
    assert failed({"polygons": (gon, clockwise_triangle), "discs": (),
                   "rings": ((1.5, -0.5, 0.25, 0.75), (0.0, 0.0, 0.5, 2.0))}) == set()


TRIANGLES = (((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)),)
SQUARES = (((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)),) * 16  # 64 vertices, the most allowed
PENTAGON = ((1.0, 0.0), (0.309, 0.951), (-0.809, 0.588), (-0.809, -0.588), (0.309, -0.951))


@pytest.mark.parametrize("name, value, words", [
    ("polygons", "(((0,0),(2,0),(1,1),(2,2),(0,2)),)", "not convex"),
    ("polygons", "(((0,0),(1,0)),)", "at least 3 vertices"),
    ("polygons", "(((0,0),(1,0),(2,0),(1,1)),)", "collinear"),
    ("polygons", "(((0,0),(2,0),(0,2),(2,2)),)", "not convex"),
    ("polygons", "(((0, 1), (-0.587785, -0.809017), (0.951057, 0.309017), (-0.951057, 0.309017), "
                 "(0.587785, -0.809017)),)", "not convex"),  # a pentagram: winds twice
    ("polygons", "()", "at least one"),
    ("discs", "((0, 0, -1),)", "positive"),
    ("discs", "(0, 0, 1)", "each disc"),
    ("rings", "((0, 0, 2, 1),)", "r_in < r_out"),
    ("rings", "((0, 0, 0, 1),)", "r_in < r_out"),
    ("grid", "3", "out of range"),
    ("polygons", "(((0,0),(1e308,0),(0,1)),)", "numbers in"),
    ("polygons", "(((0,0),(1e-7,0),(0,1)),)", "shorter than"),
    ("polygons", TRIANGLES * 17, "17 polygons"),
    ("polygons", SQUARES[:15] + (PENTAGON,), "65 vertices"),
    ("discs", "((0, 0, 1e-3),)", "radius"),
    ("discs", "((1e308, 0, 1),)", "centre"),
    ("rings", "((0, 0, 1, 1e6),)", "radii"),
    ("rings", ((0.0, 0.0, 1.0, 2.0),) * 33, "circles"),
    ("grid", "2001", "exceeds"),
])
def test_bad_parameters(name, value, words):
    overrides = {name: value, **({"polygons": SQUARES} if value == "2001" else {})}
    with pytest.raises(BadInput, match=words):
        solve_topic(wz, overrides)


def test_messages_echo_a_short_piece_of_the_input():
    with pytest.raises(BadInput) as e:
        solve_topic(wz, {"polygons": "(((0,0),(1,0),(0,1)," + ",".join(["(1e308, 2)"] * 60) + "),)"})
    assert len(str(e.value)) < 200


def test_many_units_hold():
    """The largest maps: 64 polygon edges, 64 circles (blocks of points keep the memory small)."""
    gon = tuple((round(50 * math.cos(2 * math.pi * k / 64), 6), round(50 * math.sin(2 * math.pi * k / 64), 6))
                for k in range(64))
    rings = tuple((float(-100 + 6 * i), float(-100 + 6 * i), 0.01, 100.0 - i) for i in range(32))
    assert failed({"polygons": (gon,), "discs": (), "rings": rings, "grid": 41, "random_points": 70_000}) == set()


def test_map_b_needs_a_shape():
    with pytest.raises(BadInput, match="at least one disc or ring"):
        solve_topic(wz, {"discs": "()", "rings": "()"})


def test_geometry_witness_on_known_points():
    square = ((0, 0), (2, 0), (2, 2), (0, 2))
    pts = np.array([[1.0, 1.0], [3.0, 1.0], [-0.5, 0.5], [1.0, 2.5], [1.999, 0.001]])
    assert geo.in_polygon(square, pts).tolist() == [True, False, False, False, True]
    inside, _, dist = geo.circle_map(((0, 0, 1),), ((5, 0, 1, 2),), np.array([[0.5, 0], [6.5, 0],
                                                                            [5.0, 0], [3, 0]]))
    assert inside.tolist() == [True, True, False, True]
    assert np.allclose(dist, [0.5, 0.5, 1.0, 0.0])


# --- named misconceptions: each is rejected by its answer's witness and recognised by grading ---

def test_the_named_misconceptions_are_declared():
    named = {m.id for m in solved("war_zone").misconceptions}
    assert named == {"AND-bias-off-by-one", "OR-thresholded-like-an-AND-in-map-(a)",
                     "OR-thresholded-like-an-AND-in-map-(b)", "centre-factor-missing", "centre-sign",
                     "radius-not-squared"}


def _typed(value):
    """A value as a student types it in an answers file: a formula, or a list of them."""
    return [_typed(v) for v in value] if isinstance(value, (list, tuple)) else sp.sstr(value)


def test_grading_names_each_misconception_and_accepts_the_answer():
    sol = solved("war_zone")
    assert not misgraded(sol, _typed, {m.answer for m in sol.misconceptions})


@pytest.mark.parametrize("name", ["a.layer-1 weights", "a.layer-1 biases", "a.AND-unit biases", "a.OR-unit bias",
                                  "b.layer-1 weights", "b.layer-1 biases"])
def test_the_right_value_is_no_misconception(name):
    assert not right_values_rejected(solved("war_zone"), [name])


def test_a_value_of_the_wrong_shape_is_refused_not_an_error():
    sol = solved("war_zone")
    check = sol.results["a.layer-1 weights"].check
    assert not check([[1, 2]]).passed and not check("x").passed and not check([[1, "q"]] * 9).passed


def test_misconceptions_vanish_where_harmless():
    """Circles centred at the origin have no centre terms; a unit radius is its own square; one piece needs no OR."""
    sol = solve_topic(wz, {**FAST, "polygons": TRIANGLES, "discs": "((0, 0, 1),)", "rings": "()"})
    assert {m.id for m in sol.misconceptions} == {"AND-bias-off-by-one"}
    assert not unrejected(sol)


def test_the_and_units_inputs_are_judged_by_the_alarm():
    """Which layer-1 units each AND unit reads (a 0/1 matrix) is part of the design: a unit left out, a unit of
    another piece, an entry other than 0 or 1 or a row too few are rejected."""
    sol = solved("war_zone")
    answer = sol.results["a.AND-unit inputs"]
    assert answer.verdict.passed and answer.any_passing and answer.claims == ("a.alarm.grid", "a.alarm.random")
    first, *rest = answer.value
    dropped = list(first)
    dropped[first.index(1)] = 0
    other = [1 - v for v in first]
    for wrong in ([dropped, *rest], [other, *rest], [[2 * v for v in first], *rest], answer.value[:-1]):
        assert sol.rejects(answer.id, wrong).passed, wrong
