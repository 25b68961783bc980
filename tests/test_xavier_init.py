"""Wrong answers to the Glorot question are rejected."""

from __future__ import annotations

from tests.conftest import failed_claims
from theory import xavier_init as topic


def test_the_derived_claims_hold():
    assert not failed_claims(topic)


def test_the_arithmetic_mean_of_the_conditions_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "glorot_variance", lambda a, b: (1 / a + 1 / b) / 2)
    assert {"c.harmonic", "c.uniform"} <= failed_claims(topic)


def test_the_forward_condition_alone_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "glorot_variance", lambda a, b: 1 / a)
    assert {"c.harmonic", "c.uniform"} <= failed_claims(topic)
