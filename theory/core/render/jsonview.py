"""The JSON view: the contract other tools rely on (topic, params, answers, claims)."""

from __future__ import annotations

import json
from typing import Any

from theory.core.render.plain import plain
from theory.core.solution import Solution, _answer


def as_dict(sol: Solution) -> dict[str, Any]:
    return {
        "topic": sol.topic,
        "title": sol.title,
        "source": sol.source,
        "params": sol.params.as_dict(),
        "answers": sol.answers,
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
            {"id": m.id, "answer": m.answer, "value": _answer(m.value), "explanation": m.explanation,
             "rejected": m.verdict.passed, "method": m.verdict.method, "detail": m.verdict.detail}
            for m in sol.misconceptions
        ],
        "passed": sol.passed,
    }


def render(sol: Solution, *, answers_only: bool = False) -> str:
    doc = as_dict(sol)
    if answers_only:
        doc = {k: doc[k] for k in ("topic", "title", "source", "params", "answers", "passed")}
    return json.dumps(doc, indent=2, default=_default)


def _default(o: Any) -> Any:
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if isinstance(o, tuple):
        return list(o)
    return str(o)
