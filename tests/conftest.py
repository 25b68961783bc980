"""Shared fixtures: each topic is solved once per session with its default parameters."""

from __future__ import annotations

import functools

from theory.core import registry
from theory.core.cli import solve_topic


@functools.cache
def solved(topic: str):
    return solve_topic(registry.load_topic(topic), {})


def failed_claims(module, overrides=None) -> set[str]:
    """Ids of the claims that fail when `module` is solved (e.g. after a monkeypatch)."""
    sol = solve_topic(module, overrides or {})
    return {cid for cid, _, v in sol.claims() if not v.passed}


def pytest_generate_tests(metafunc):
    """`topic_claim` parametrizes a test over every claim of every topic: proofs as tests."""
    if "topic_claim" in metafunc.fixturenames:
        ids, values = [], []
        for topic in registry.TOPICS:
            for cid, _, verdict in solved(topic).claims():
                ids.append(f"{topic}:{cid}")
                values.append((topic, cid, verdict))
        metafunc.parametrize("topic_claim", values, ids=ids)
