"""`python -m theory new NAME` writes a topic that passes its check and its test as generated."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from theory.core import scaffold
from theory.core.errors import BadInput

ROOT = Path(__file__).resolve().parents[1]


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for part in ("theory", "checks", "tests"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__", "test_*.py"))
    return root


def test_new_topic_passes_its_check_and_its_wrong_answer_test(tmp_path):
    root = _copy(tmp_path)
    run = lambda *a: subprocess.run([sys.executable, "-m", *a], cwd=root, capture_output=True, text=True,  # noqa: E731
                                    timeout=300)
    made = run("theory", "new", "uniform_mean")
    assert made.returncode == 0 and "wrote theory/uniform_mean.py" in made.stdout, made.stderr
    check = run("theory", "check", "uniform_mean")
    assert check.returncode == 0 and "all hold" in check.stdout, check.stdout + check.stderr
    tests = run("pytest", "-q", "-p", "no:cacheprovider", "tests/test_uniform_mean.py")
    assert tests.returncode == 0 and "2 passed" in tests.stdout, tests.stdout
    again = run("theory", "new", "uniform_mean")
    assert again.returncode == 2 and "taken" in again.stderr


@pytest.mark.parametrize("name", ["Bad", "1x", "a-b", "class", "core", "kaiming", "x" * 41, "../evil",
                                  "list", "grade", "sys", "numpy"])
def test_unusable_names_are_bad_input(tmp_path, name):
    with pytest.raises(BadInput):
        scaffold.new(name, tmp_path)


def test_the_reserved_names_are_the_commands():
    import re

    from tests.conftest import invoke

    shown = invoke("theory", "--help")
    commands = re.search(r"\{([a-z,]+)\}", shown.stdout + shown.stderr)[1].split(",")  # argparse's {list,check,...}
    assert set(commands) == set(scaffold.COMMANDS)
