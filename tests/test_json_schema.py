"""Every topic's JSON matches docs/solution.schema.json, and each exact form reads back to its value."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import sympy as sp

from tests.conftest import solved
from theory.core import registry
from theory.core.render import jsonview

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "solution.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _errors(doc: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(doc)]


def _same(exact, value) -> bool:
    """The exact form and the value agree entry by entry (lists may be ragged)."""
    if isinstance(exact, list) or isinstance(value, list):
        return (isinstance(exact, list) and isinstance(value, list) and len(exact) == len(value)
                and all(_same(e, v) for e, v in zip(exact, value)))
    return bool(np.isclose(float(sp.N(exact)), value, rtol=1e-12, atol=0))


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_json_matches_the_schema_and_exact_forms_read_back(topic):
    sol = solved(topic)
    doc = json.loads(jsonview.render(sol))
    assert not _errors(doc) and not _errors(json.loads(jsonview.render(sol, answers_only=True)))
    assert [a["id"] for a in doc["answers"]] and len({a["id"] for a in doc["answers"]}) == len(doc["answers"])
    for a in doc["answers"] + doc["misconceptions"]:
        if a["exact"] is not None and a["value"] is not None:
            back = sp.sympify(a["exact"], strict=False)  # the project's own output, read back as a contract
            assert _same(back, a["value"]), a["id"]


def test_the_schema_refuses_a_malformed_answer():
    doc = json.loads(jsonview.render(solved("lr_divergence"), answers_only=True))
    assert not _errors(doc)
    for damage in ({"claims": "a.line-search"}, {"value": {"n": 1}}, {"symbols": {"a": {"positive": False}}},
                   {"colour": "red"}):
        broken = copy.deepcopy(doc)
        broken["answers"][0].update(damage)
        assert _errors(broken), damage
    missing = copy.deepcopy(doc)
    del missing["answers"][0]["exact"]
    assert _errors(missing)
