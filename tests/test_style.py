"""The code base stays lint-clean: the suite runs ruff over everything it ships."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff comes with the test extras")
def test_ruff_is_clean():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "theory", "checks", "tests", "scripts"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-4000:]
