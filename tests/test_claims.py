"""Every claim of every topic, with its default parameters, is a test."""


def test_claim_holds(topic_claim):
    topic, cid, verdict = topic_claim
    assert verdict.passed, f"{topic} {cid}: {verdict.detail}"
    if verdict.method == "monte-carlo":
        assert verdict.data["calibrated"], f"{topic} {cid} is under-powered: {verdict.detail}"
