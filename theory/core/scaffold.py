"""`python -m theory new NAME`: a new topic that works as generated.

It writes three files: the topic (Params with bounds, one part, one derivation chain, one claim
checked by a simulation, the answer backed by that simulation and two misconceptions it rejects),
its simulation in `checks/` (which imports nothing from `theory/`),
and a test that feeds the topic a wrong formula and sees its claims fail. Edit them into your own
question; docs/writing-a-topic.md explains each piece.
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import sys
from pathlib import Path

from theory.core import registry
from theory.core.errors import BadInput

COMMANDS = ("list", "check", "build", "new", "grade")  # python -m theory's commands: no topic may share a name

TOPIC = '''"""{title} (a new topic: replace this line with the question it answers)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import sympy as sp

from checks import {name} as sim
from theory.core import witness
from theory.core.context import Context
from theory.core.params import Parameters, param
from theory.core.solution import Solution

TOPIC = "{name}"

x, b = sp.symbols("x b", positive=True)


@dataclass(frozen=True)
class Params(Parameters):
    width: float = param(2.0, "upper end b of the uniform distribution U(0, b)", lo=0.001, hi=1000.0)


def mean(width: sp.Expr) -> sp.Expr:
    """The derived result (tests replace it by a wrong one and watch the claims fail)."""
    return width / 2


def solve(p: Params, ctx: Context) -> Solution:
    sol = Solution(TOPIC, "{title}", "your sheet, Problem 1", p,
                   question=r"Find the mean of $X \\sim U(0, b)$.")
    part = sol.part("a", "The mean", r"Compute $\\mathbb{{E}}[X]$.")
    part.chain("mean", r"\\mathbb{{E}}[X]").define(
        r"\\int_0^b \\frac{{x}}{{b}}\\,dx", sp.Integral(x / b, (x, 0, b)),
    ).step(r"\\frac{{b}}{{2}}", mean(b), "integrate")
    width = sp.Rational(repr(p.width))
    claimed = float(mean(b).subs(b, width))
    simulated = ctx.monte_carlo("a.mean", lambda rng, n: sim.draw(rng, n, p.width), claimed)
    part.claim("mc", rf"Simulation: the mean of $U(0, {{p.width:g}})$ is ${{part.quote(claimed, 'mc')}}$.", simulated,
               value=claimed)  # a number in a sentence is quoted from the value its claim checked
    sol.answer("mean", mean(b), claims=("a.mc",),  # judged by the simulation, at the width in force
               check=witness.at({{b: width}}, witness.monte_carlo(simulated, "simulated mean")))
    sol.misconception("mean", "upper-end", b, "The mean is the middle of the interval, $b/2$, not its end $b$.")
    if width != 6:  # where b^2/12 = b/2 the mistake cannot be told from the answer
        sol.misconception("mean", "variance-for-mean", b**2 / 12,
                          r"$b^2/12$ is the variance of $U(0, b)$, its spread, not its centre $b/2$.")
    return sol


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
'''

CHECK = '''"""Simulation for the {name} topic, written from the definitions (imports nothing from theory/)."""

from __future__ import annotations

import numpy as np


def draw(rng: np.random.Generator, n: int, width: float) -> np.ndarray:
    """n draws of X ~ U(0, width): their average estimates E[X]."""
    return rng.uniform(0.0, width, n)
'''

TEST = '''"""Wrong answers to the {name} topic are rejected."""

from __future__ import annotations

from tests.conftest import failed_claims
from theory import {name} as topic


def test_the_derived_claims_hold():
    assert not failed_claims(topic)


def test_a_wrong_mean_is_rejected(monkeypatch):
    monkeypatch.setattr(topic, "mean", lambda width: width / 3)
    assert {{"a.mean.1", "a.mc", "answer:mean"}} <= failed_claims(topic)
'''


def files(name: str, root: Path) -> dict[Path, str]:
    """The three files of a new topic `name`, by path under `root`."""
    title = name.replace("_", " ").capitalize()
    return {
        root / "theory" / f"{name}.py": TOPIC.format(name=name, title=title),
        root / "checks" / f"{name}.py": CHECK.format(name=name),
        root / "tests" / f"test_{name}.py": TEST.format(name=name),
    }


def new(name: str, root: Path = registry.ROOT) -> list[Path]:
    """Write a working topic skeleton; an unusable or taken name is bad input."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name) or keyword.iskeyword(name):
        raise BadInput(f"topic name {name[:40]!r}: use 1 to 40 lower-case letters, digits and _ (a letter first)")
    if name in registry.TOPICS or (root / "theory" / name).exists() or name in ("core", "autodiff"):
        raise BadInput(f"topic name {name!r} is taken")
    if name in COMMANDS or name in sys.stdlib_module_names or importlib.util.find_spec(name) is not None:
        raise BadInput(f"topic name {name!r} is also the name of a command or a module ({name} elsewhere would be "
                       "ambiguous): choose another")
    out = files(name, root)
    taken = [str(p) for p in out if p.exists()]
    if taken:
        raise BadInput(f"{taken[0]} exists already; nothing written")
    for path, text in out.items():
        path.write_text(text, encoding="utf-8")
    return list(out)
