"""Shared fixtures. Collection never solves: a topic is solved once, when a selected test first needs it.

Every test gets a marker named after its topic (the `topic` parameter, or the `test_<topic>.py` file it
lives in), so `pytest -m kaiming` runs everything about one topic and solves nothing else.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from theory.core import cli, grade, registry
from theory.core.cli import solve_topic
from theory.core.solution import Solution


@functools.cache
def solved(topic: str):
    return solve_topic(registry.load_topic(topic), {})


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def invoke(module: str, *args: str) -> Ran:
    """`python -m module args...` run in this process: the same entry points (`cli.main`, `cli.topic_main`)
    without starting an interpreter and importing SymPy again. A few tests still start the real commands."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if module == "theory":
                code = cli.main(list(args))
            else:
                code = cli.topic_main(registry.load_topic(module.removeprefix("theory.")), list(args))
        except SystemExit as e:  # --help, and argparse's own exits
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return Ran(code, out.getvalue(), err.getvalue())


def failed_claims(module, overrides=None) -> set[str]:
    """Ids of the claims that fail when `module` is solved (e.g. after a monkeypatch)."""
    sol = solve_topic(module, overrides or {})
    return {cid for cid, _, v in sol.claims() if not v.passed}


def typed_numbers(value: Any) -> Any:
    """A value as an answers file may give it: floats as TOML numbers, exact forms as SymPy text, lists entry
    by entry (the numeric path of grading, beside `grade.typed`'s text)."""
    if isinstance(value, (list, tuple)):
        return [typed_numbers(v) for v in value]
    return value if isinstance(value, float) else grade.show(value)


def unrejected(sol: Solution) -> list[str]:
    """Ids of the misconceptions that their answer's check did not reject, or only skipped."""
    return [m.id for m in sol.misconceptions if not m.verdict.passed or m.verdict.skipped]


def misgraded(sol: Solution, typed: Callable[[Any], Any] = grade.typed,
              answers: Iterable[str] | None = None) -> list[str]:
    """Answers (all gradeable, or `answers`) not graded correct; misconceptions not graded incorrect as themselves."""
    gradeable, names = grade.gradeable(sol), grade.constants(sol)
    out = []
    for a in gradeable if answers is None else answers:
        j = grade.grade(gradeable[a], typed(gradeable[a].value), sol.misconceptions, names)
        if j.verdict != "correct":
            out.append(f"answer {a}: {j.verdict} ({j.how})")
    for m in sol.misconceptions:
        j = grade.grade(gradeable[m.answer], typed(m.value), sol.misconceptions, names)
        if j.verdict != "incorrect" or j.misconception is not m:
            out.append(f"misconception {m.id}: {j.verdict} as {j.misconception and j.misconception.id} ({j.how})")
    return out


def right_values_rejected(sol: Solution, names: Iterable[str]) -> list[str]:
    """The answers among `names` whose own right value their check rejects."""
    return [n for n in names if sol.rejects(n, sol.results[n].value).passed]


def pytest_configure(config):
    for topic in registry.TOPICS:
        config.addinivalue_line("markers", f"{topic}: tests of the {topic} topic")


FIRST = "sheets"  # the group that builds every sheet: the longest job, started first so no core idles at the end


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups, or it sees none and splits them
def pytest_collection_modifyitems(items):
    """Mark each test with its topic; with xdist, one worker runs a topic's tests, so it is solved once.
    The group that builds every sheet runs first: scheduled in file order it came last, alone on one core."""
    for item in items:
        params = getattr(item, "callspec", None)
        topic = params.params.get("topic") if params else None
        stem = item.path.stem.removeprefix("test_")
        names = sorted({topic, stem} & set(registry.TOPICS))
        for name in names:
            item.add_marker(getattr(pytest.mark, name))
        if names:
            item.add_marker(pytest.mark.xdist_group(names[0]))
    items.sort(key=lambda item: all(m.args != (FIRST,) for m in item.iter_markers("xdist_group")))
