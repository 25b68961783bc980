"""Shared fixtures. Collection never solves: a topic is solved once, when a selected test first needs it.

Every test gets a marker named after its topic (the `topic` parameter, or the `test_<topic>.py` file it
lives in), so `pytest -m kaiming` runs everything about one topic and solves nothing else.
"""

from __future__ import annotations

import functools

import pytest

from theory.core import registry
from theory.core.cli import solve_topic


@functools.cache
def solved(topic: str):
    return solve_topic(registry.load_topic(topic), {})


def failed_claims(module, overrides=None) -> set[str]:
    """Ids of the claims that fail when `module` is solved (e.g. after a monkeypatch)."""
    sol = solve_topic(module, overrides or {})
    return {cid for cid, _, v in sol.claims() if not v.passed}


def pytest_configure(config):
    for topic in registry.TOPICS:
        config.addinivalue_line("markers", f"{topic}: tests of the {topic} topic")


def pytest_collection_modifyitems(items):
    """Mark each test with its topic; with xdist, one worker runs a topic's tests, so it is solved once."""
    for item in items:
        params = getattr(item, "callspec", None)
        topic = params.params.get("topic") if params else None
        stem = item.path.stem.removeprefix("test_")
        names = sorted({topic, stem} & set(registry.TOPICS))
        for name in names:
            item.add_marker(getattr(pytest.mark, name))
        if names:
            item.add_marker(pytest.mark.xdist_group(names[0]))
