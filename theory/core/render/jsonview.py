"""The JSON view: the contract other tools rely on (topic, params, answers, claims).

docs/solution.schema.json describes the whole document; every answer has one shape: `id`,
`part`, `latex`, `exact` (SymPy syntax, or null for text), `value` (a number, nested row-major
lists of numbers, a text, or null for a formula with symbols), `symbols` (name -> assumptions)
and `claims` (the ids of the claims whose witness backs it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import sympy as sp

from theory.core.render.plain import plain
from theory.core.solution import Solution, nested


def as_dict(sol: Solution) -> dict[str, Any]:
    return {
        "topic": sol.topic,
        "title": sol.title,
        "source": sol.source,
        "params": sol.params.as_dict(),
        "answers": answers(sol),
        "displays": sol.display_counts(),
        "unchecked_displays": [{"id": i, "latex": d.tex, "why": d.why} for i, d in sol.displays()
                               if d.kind == "unchecked"],
        "claims": [
            {
                "id": cid,
                "statement": plain(text),
                "method": v.method,
                "passed": v.passed,
                **({"skipped": True} if v.skipped else {}),
                "detail": v.detail,
                **({"data": v.data} if v.data else {}),
            }
            for cid, text, v in sol.claims()
        ],
        "misconceptions": [
            {"id": m.id, "answer": m.answer, **_forms(m.value, sol.notation.printed), "explanation": m.explanation,
             "rejected": m.verdict.passed, "method": m.verdict.method, "detail": m.verdict.detail}
            for m in sol.misconceptions
        ],
        "checks": _checks(sol),
        "passed": sol.passed,
    }


def _checks(sol: Solution) -> dict[str, int]:
    """How many checks ran, failed and were skipped (simulations off): `passed` speaks only for those that ran."""
    verdicts = [v for _, _, v in sol.claims()]
    return {"total": len(verdicts), "failed": sum(not v.passed for v in verdicts),
            "skipped": sum(v.skipped for v in verdicts)}


ASSUMPTIONS = ("real", "positive", "negative", "nonnegative", "integer", "nonzero")


def answers(sol: Solution) -> list[dict[str, Any]]:
    """Every answer in the one answer shape; a table of values gives one answer per key (`name.key`)."""
    out = []
    for a in sol.results.values():
        items = a.value.items() if isinstance(a.value, dict) else [(None, a.value)]
        owner = sol.part_of(a)
        part = owner.label if owner else ""
        for key, value in items:
            out.append({"id": a.id if key is None else f"{a.id}.{key}", "part": part,
                        **_forms(value, sol.notation.printed),
                        "claims": list(a.claims)})
    return out


def _forms(value: Any, printed: Callable[[Any], str]) -> dict[str, Any]:
    """latex (printed in the topic's notation), exact, value and symbols of one answer's value.

    Text, or anything holding text, is given as is.
    """
    try:
        exact = _exact(value)
    except (TypeError, sp.SympifyError):
        return {"latex": None, "exact": None, "value": _plain(value), "symbols": {}}
    found = set().union(*(e.free_symbols for e in _leaves(exact)))
    return {
        "latex": printed(sp.Matrix(exact) if _is_table(exact) else exact),
        "exact": sp.sstr(exact),
        "value": _numbers(exact),
        "symbols": {str(s): {k: True for k in ASSUMPTIONS if s.assumptions0.get(k)} for s in sorted(found, key=str)},
    }


def _exact(value: Any) -> Any:
    """SymPy numbers and formulas, in nested lists (a matrix row-major, a column or row as a flat list)."""
    value = nested(value)
    if isinstance(value, (list, tuple)):
        return [_exact(v) for v in value]
    if isinstance(value, (str, bool)):
        raise TypeError("text")
    return sp.sympify(value, strict=True)


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, (list, tuple)) else (
        value if isinstance(value, (str, bool, int, float)) or value is None else str(value))


def _leaves(e: Any) -> list[sp.Basic]:
    return [x for item in e for x in _leaves(item)] if isinstance(e, list) else [e]


def _is_table(e: Any) -> bool:
    return isinstance(e, list) and bool(e) and all(isinstance(r, list) for r in e) and len({len(r) for r in e}) == 1


def _numbers(e: Any) -> Any:
    """A number, or nested lists of numbers; None where an entry has symbols or is not finite."""
    if isinstance(e, (list, tuple)):
        items = [_numbers(x) for x in e]
        return None if any(x is None for x in items) else items
    if e.free_symbols or not e.is_number:
        return None
    z = complex(sp.N(e))
    return z.real if z.imag == 0 and math.isfinite(z.real) else None


def render(sol: Solution, *, answers_only: bool = False) -> str:
    doc = as_dict(sol)
    if answers_only:
        doc = {k: doc[k] for k in ("topic", "title", "source", "params", "answers", "checks", "passed")}
    return json.dumps(doc, indent=2, default=_default)


def _default(o: Any) -> Any:
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if isinstance(o, tuple):
        return list(o)
    return str(o)
