"""Per-problem caching: keys follow exactly the files and settings a result depends on."""

from __future__ import annotations

from pathlib import Path

import pytest

from theory.core import assemble, build, deps
from theory.core.sheet import Problem, Sheet

ROOT = Path(__file__).resolve().parents[1]


def test_closure_follows_project_imports_only():
    files = {str(p.relative_to(ROOT)) for p in deps.closure("theory.kaiming")}
    assert {"theory/kaiming.py", "checks/kaiming.py", "theory/core/prove.py", "checks/montecarlo.py"} <= files
    assert "theory/dropout.py" not in files and "theory/core/build.py" not in files  # cli only under __main__


def test_imports_inside_functions_and_blocks_count_and_the_command_line_block_does_not(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import theory.a\n"
                      "def f():\n"
                      "    try:\n"
                      "        from theory.b import c\n"
                      "    except ImportError:\n"
                      "        with open('x'):\n"
                      "            import checks.d\n"
                      "class K:\n"
                      "    def g(self):\n"
                      "        if True:\n"
                      "            pass\n"
                      "        else:\n"
                      "            import theory.e\n"
                      "if __name__ == '__main__':\n"
                      "    import theory.core.cli\n")
    assert deps._imports(source) == {"theory.a", "theory.b", "theory.b.c", "checks.d", "theory.e"}


def test_closures_are_found_in_several_threads_at_once():
    """build --all computes each sheet's inputs in a thread of its own."""
    from concurrent.futures import ThreadPoolExecutor

    from theory.core import registry

    alone = {t: deps.closure(f"theory.{t}") for t in registry.TOPICS}
    deps.closure.cache_clear()
    deps._imports.cache_clear()
    with ThreadPoolExecutor(8) as threads:
        together = dict(zip(registry.TOPICS, threads.map(deps.closure, [f"theory.{t}" for t in registry.TOPICS])))
    assert together == alone


def _sheet(*topics: str) -> Sheet:
    problems = tuple(Problem(str(i), t, {}) for i, t in enumerate(topics, 1))
    return Sheet("s", "S", "", "S.pdf", "", problems, ROOT / "solutions" / "iust-dl-hw1.toml")


def test_a_change_in_one_topic_restamps_only_the_sheets_that_use_it(tmp_path, monkeypatch):
    extra = tmp_path / "extra.py"
    extra.write_text("A = 1\n")
    real = deps.closure
    monkeypatch.setattr(deps, "closure", lambda m: real(m) + ((extra,) if m == "theory.kaiming" else ()))
    uses, other = _sheet("kaiming", "dropout"), _sheet("dropout")
    before = build._inputs_key(uses, None, None), build._inputs_key(other, None, None)
    extra.write_text("A = 2\n")
    after = build._inputs_key(uses, None, None), build._inputs_key(other, None, None)
    assert before[0] != after[0] and before[1] == after[1]


def test_problem_key_changes_with_parameters_and_seed():
    p = Problem("4", "lr_divergence", {})
    key = assemble.problem_key(p, None, None)
    assert key == assemble.problem_key(Problem("4", "lr_divergence", {}), None, None)
    assert key != assemble.problem_key(Problem("4", "lr_divergence", {"a": 3}), None, None)
    assert key != assemble.problem_key(p, 7, None)
    assert key != assemble.problem_key(Problem("5", "lr_divergence", {}), None, None)


def test_cached_problem_is_not_solved_again_and_renders_the_same(tmp_path, monkeypatch):
    prob = Problem("4", "lr_divergence", {})
    cache, first, second = tmp_path / "cache", tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    fresh = assemble.render_problem(prob, first, cache, None, None)

    def solve_again(*args, **kw):
        raise AssertionError("solved although cached")

    monkeypatch.setattr(assemble, "solve_problem", solve_again)
    cached = assemble.render_problem(prob, second, cache, None, None)
    assert cached == fresh
    assert sorted(f.name for f in first.iterdir()) == sorted(f.name for f in second.iterdir()) != []
    with pytest.raises(AssertionError, match="solved although cached"):
        assemble.render_problem(Problem("4", "lr_divergence", {"a": 3}), second, cache, None, None)


def test_keys_follow_the_code_a_process_runs_not_a_later_edit(tmp_path, monkeypatch):
    """A topic edited while a worker runs its old code must not key the old results with the new source."""
    import hashlib

    assert deps.ROOT / "theory" / "kaiming.py" in deps._AS_IMPORTED  # remembered when `theory` is imported
    source = tmp_path / "topic.py"
    source.write_text("A = 1\n")
    monkeypatch.setitem(deps._AS_IMPORTED, source, hashlib.sha256(b"A = 1\n").digest())
    before = deps.digest([source])
    source.write_text("A = 2\n")  # edited after the process loaded it
    assert deps.digest([source]) == before
    monkeypatch.delitem(deps._AS_IMPORTED, source)
    assert deps.digest([source]) != before  # a new process sees the edit
