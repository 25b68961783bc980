"""The command lines keep their contract: exit codes, JSON shape, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sympy as sp

from tests.conftest import invoke as run


def test_the_commands_run_as_commands():
    """The entry points as a user types them, in a fresh interpreter (the other tests call them in-process)."""
    r = subprocess.run([sys.executable, "-m", "theory.lr_divergence", "--answers-only"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and "eta_opt" in r.stdout, r.stderr
    r = subprocess.run([sys.executable, "-m", "theory", "check", "nosuchtopic"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown topic" in r.stderr


def test_topic_json_contract():
    r = run("theory.lr_divergence", "--json", "--param", "a=4")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {"topic", "params", "answers", "claims"} <= doc.keys()
    assert doc["params"]["a"] == 4.0
    eta = next(a for a in doc["answers"] if a["id"] == "eta_opt")  # a formula: exact text, no float value
    assert eta["exact"] == "1/a" and eta["value"] is None and eta["symbols"]["a"]["positive"]
    assert eta["claims"] == ["a.line-search"] and eta["part"] == "a"
    kl = json.loads(run("theory.kl", "--json", "--answers-only").stdout)  # a number: exact text and float value
    number = next(a for a in kl["answers"] if a["id"] == "KL(p, q)")
    assert float(sp.sympify(number["exact"])) == pytest.approx(number["value"], rel=1e-12)
    assert all({"id", "method", "passed"} <= c.keys() for c in doc["claims"])
    assert {c["method"] for c in doc["claims"]} <= {"symbolic", "numeric", "monte-carlo"}


def test_topic_text_and_latex():
    text = run("theory.dropout", "--param", "max_size=1")
    assert text.returncode == 0 and "all hold" in text.stdout and "monte-carlo" in text.stdout
    tex = run("theory.dropout", "--latex", "--param", "max_size=1")
    assert tex.returncode == 0 and r"\verdict{MC}{pass}" in tex.stdout


@pytest.mark.parametrize("args, needle", [
    (("theory.dropout", "--param", "rho=1.5"), "rho"),
    (("theory.dropout", "--param", "bogus=1"), "unknown parameter"),
    (("theory.dropout", "--param", "rho"), "name=value"),
    (("theory.lr_divergence", "--param", "a=-2"), "out of range"),
    (("theory.dropout", "--samples", "0"), "whole number from 1"),
    (("theory", "check", "nosuchtopic"), "unknown topic"),
    (("theory", "build", "nosuchsheet"), "unknown sheet"),
    (("theory", "frobnicate"), "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(args, needle):
    r = run(*args)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and needle in r.stderr and "Traceback" not in r.stderr


def test_failed_claim_exits_1():
    # too few samples: the Monte-Carlo check cannot resolve 1% and must not pass
    r = run("theory.dropout", "--samples", "50", "--param", "max_size=1")
    assert r.returncode == 1 and "FAIL" in r.stdout


def test_list_and_check():
    r = run("theory", "list")
    assert r.returncode == 0 and "kaiming" in r.stdout and "iust-dl-hw1" in r.stdout
    r = run("theory", "check", "lr_divergence")
    assert r.returncode == 0 and "all hold" in r.stdout


def test_check_exits_1_when_a_claim_of_any_named_topic_fails(monkeypatch, capsys):
    """One planted failing claim in the second of two named topics turns the exit status to 1."""
    from theory.core import cli
    from theory.core.solution import Solution
    from theory.core.verdict import Verdict

    assert cli.main(["check", "lr_divergence", "perceptrons", "--no-mc"]) == 0
    original = Solution.claims

    def claims(self):
        yield from original(self)
        if self.topic == "perceptrons":
            yield "planted", "a planted failure", Verdict("symbolic", False, "planted")

    monkeypatch.setattr(Solution, "claims", claims)
    assert cli.main(["check", "lr_divergence", "perceptrons", "--no-mc"]) == 1
    assert "planted" in capsys.readouterr().out


@pytest.mark.parametrize("topic", ["optimizers", "dropout", "lr_divergence", "gd_convergence"])
def test_help_prints_each_parameters_meaning_as_text_not_tex(topic):
    """A meaning the PDF typesets as mathematics ($v \\leftarrow \\beta v - \\eta g$) reads as text in --help."""
    r = run(f"theory.{topic}", "--help")
    assert r.returncode == 0 and "$" not in r.stdout and "\\" not in r.stdout, r.stdout


def test_an_out_of_range_parameter_names_its_meaning_as_text():
    r = run("theory.lr_divergence", "--param", "a=1e308")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "(curvature of E = aw^2/2 + bw + c)" in r.stderr and "$" not in r.stderr
