"""Every claim of every topic, with its default parameters, holds: proofs as tests."""

import pytest

from tests.conftest import solved
from theory.core import registry


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_every_claim_holds(topic):
    failed = [f"{cid}: {v.detail}" for cid, _, v in solved(topic).claims() if not v.passed]
    assert not failed, f"{topic}: {len(failed)} claim(s) fail:\n" + "\n".join(failed)


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_every_simulation_is_calibrated(topic):
    """Answers and misconceptions re-judge the samples of these claims, so the claims are what is sized."""
    short = [f"{cid}: {v.detail}" for cid, _, v in solved(topic).claims()
             if v.method == "monte-carlo" and not v.data.get("calibrated", False)
             and not cid.startswith(("answer:", "misconception:"))]
    assert not short, f"{topic}: under-powered simulations:\n" + "\n".join(short)
