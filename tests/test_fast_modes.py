"""Fast modes: --no-mc skips simulations without hiding failures; --answers-only prints the answers."""

from __future__ import annotations

import json

from tests.conftest import invoke as run
from theory import dropout
from theory.core.cli import solve_topic


def test_no_mc_skips_every_simulation_and_only_them():
    full, fast = solve_topic(dropout, {"max_size": 1}), solve_topic(dropout, {"max_size": 1}, simulate=False)
    methods = {cid: v.method for cid, _, v in full.claims()}
    skipped = {cid for cid, _, v in fast.claims() if v.skipped}
    assert skipped == {cid for cid, m in methods.items() if m == "monte-carlo"} != set()
    assert fast.passed


def test_no_mc_does_not_hide_a_failed_claim(monkeypatch):
    from theory import lr_divergence

    monkeypatch.setattr(lr_divergence, "optimal_rate", lambda a: a)
    sol = solve_topic(lr_divergence, {}, simulate=False)
    assert not sol.passed and any(not v.passed and not v.skipped for _, _, v in sol.claims())


def test_skipped_simulations_are_shown_as_skipped():
    r = run("theory.dropout", "--no-mc", "--param", "max_size=1")
    skipped = sum(v.skipped for _, _, v in solve_topic(dropout, {"max_size": 1}, simulate=False).claims())
    assert r.returncode == 0 and f"{skipped} checks skipped (simulations off)" in r.stdout
    assert "[monte-carlo skip]" in r.stdout


def test_answers_only_prints_answers_and_json_shape():
    r = run("theory.lr_divergence", "--answers-only")
    assert r.returncode == 0 and "eta_opt = 1/a" in r.stdout and "[symbolic" not in r.stdout
    doc = json.loads(run("theory.lr_divergence", "--answers-only", "--json").stdout)
    assert set(doc) == {"topic", "title", "source", "params", "answers", "checks", "passed"}
    assert doc["checks"]["total"] > doc["checks"]["failed"] == doc["checks"]["skipped"] == 0  # no simulation here
    assert next(a for a in doc["answers"] if a["id"] == "eta_opt")["exact"] == "1/a"


def test_check_all_no_mc_reports_every_topic():
    r = run("theory", "check", "lr_divergence", "dropout", "kl", "--no-mc")
    assert r.returncode == 0 and r.stdout.count("claims (") == 3 and "skipped (simulations off)" in r.stdout
