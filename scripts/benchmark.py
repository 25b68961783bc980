"""Wall times of checking and building each sheet, and Monte-Carlo throughput.

Run from the repository root: `python scripts/benchmark.py [check|build|grade|mc|autodiff|fast|suite ...]`
(default: all but `suite`, which runs the whole test suite). Prints a table;
it is a measurement, not a test, and asserts nothing.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs from a checkout without installing

from checks.montecarlo import CHUNK, mean_test
from theory.core import build, registry, sheet
from theory.core.assemble import solve_sheet

MC_SAMPLES = 40_000_000


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def check_times() -> None:
    for name in registry.sheet_names():
        s = sheet.load(registry.sheet_path(name))
        seconds, sols = _timed(lambda s=s: solve_sheet(s))
        claims = sum(len(list(x.claims())) for x in sols)
        print(f"check {name:<14} {seconds:7.2f} s  ({claims} claims)")
        for p in s.problems:
            one = sheet.Sheet(**{**s.__dict__, "problems": (p,)})
            t, _ = _timed(lambda one=one: solve_sheet(one))
            print(f"    {p.topic:<16} {t:6.2f} s")


def latexmk_floor(work: Path) -> float:
    """latexmk alone on a built sheet's own .tex and figures, in a fresh folder: the TeX floor."""
    fresh = Path(tempfile.mkdtemp(prefix="bench-tex-"))
    try:
        for f in work.iterdir():
            if f.suffix in (".tex", ".pdf"):
                shutil.copy(f, fresh / f.name)
        tex = next(fresh.glob("*.tex"))
        seconds, _ = _timed(lambda: build._compile(tex))
        return seconds
    finally:
        shutil.rmtree(fresh)


@contextmanager
def _cold(out: Path) -> Iterator[None]:
    """Caches that live outside a build's output folder start empty too: leaky_init's trained curves
    (solutions/build/cache) are moved into `out` for the run, as in a fresh clone."""
    from theory import leaky_init

    kept = leaky_init.CACHE_DIR
    leaky_init.CACHE_DIR = out / "training-cache"
    try:
        yield
    finally:
        leaky_init.CACHE_DIR = kept


def build_times() -> None:
    """Per sheet, side by side in one run: a cold build, latexmk alone on the same .tex, a forced
    rebuild from the per-problem cache, and the up-to-date check; then `build --all` cold."""
    total = 0.0
    for name in registry.sheet_names():
        out = Path(tempfile.mkdtemp(prefix="bench-"))
        try:
            with _cold(out):
                cold, _ = _timed(lambda name=name, out=out: build.build(name, out_dir=out))
                stem = Path(sheet.load(registry.sheet_path(name)).output).stem
                floor = latexmk_floor(out / stem)
                cached, _ = _timed(lambda name=name, out=out: build.build(name, out_dir=out, force=True))
                warm, _ = _timed(lambda name=name, out=out: build.build(name, out_dir=out))
            total += cold
            print(f"build {name:<14} cold {cold:6.2f} s  latexmk alone {floor:5.2f} s  ({cold / floor:.1f}x)  "
                  f"cached problems {cached:5.2f} s  up to date {warm:5.2f} s")
        finally:
            shutil.rmtree(out)
    print(f"sum of the cold builds above {total:6.2f} s")
    if not hasattr(build, "build_all"):  # a tree from before sheets were built together
        return
    out = Path(tempfile.mkdtemp(prefix="bench-all-"))
    try:
        with _cold(out):
            together, _ = _timed(lambda: build.build_all(registry.sheet_names(), out_dir=out))
    finally:
        shutil.rmtree(out)
    print(f"build --all cold (every sheet at once, one pool) {together:6.2f} s")


def write_class(used: sheet.Sheet, students: int, folder: Path, seed: int = 0) -> None:
    """Answers files of a made-up class: mostly right answers, then named misconceptions, other wrong
    values and unreadable text, as students write them."""
    import json

    from theory.core import grade, gradebook

    key, rng = gradebook.Key(), np.random.default_rng(seed)
    questions = []
    for p in used.problems:
        sol = key.solution(used, gradebook.Entry(p.topic, "", "", problem=p.number))
        for aid, a in grade.gradeable(sol).items():
            wrong = [m.value for m in sol.misconceptions if m.answer == aid]
            questions.append((p, aid, a.value, wrong))

    def toml(v) -> str:
        return "[" + ", ".join(map(toml, v)) + "]" if isinstance(v, list) else json.dumps(v)

    for i in range(students):
        lines = [f'sheet = "{used.name}"']
        for p, aid, right, wrong in questions:
            u = rng.random()
            if u < 0.6 or (u < 0.85 and not wrong):
                value = grade.typed(right)
            elif u < 0.85:
                value = grade.typed(wrong[rng.integers(len(wrong))])
            elif u < 0.95 and grade.kind(right) in ("number", "formula"):
                value = f"3*({grade.typed(right)})/2"
            else:
                value = "1/zeta"
            lines += ["[[answer]]", f'topic = "{p.topic}"', f"id = {json.dumps(aid)}", f'problem = "{p.number}"',
                      f"value = {toml(value)}"]
        (folder / f"student{i:03d}.toml").write_text("\n".join(lines) + "\n")


def grading_times(name: str = "iust-dl-hw1", students: int = 200) -> None:
    """A class's answers files graded at once, the way a TA runs `grade --batch`."""
    from theory.core import gradebook

    used = sheet.load(registry.sheet_path(name))
    folder = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        write_class(used, students, folder)
        seconds, (rows, _) = _timed(lambda: gradebook.batch(folder, used, folder))
        verdicts = {v: sum(r["verdict"] == v for r in rows) for v in ("correct", "incorrect", "unreadable")}
        named = sum(bool(r["misconception"]) for r in rows)
        print(f"grade --batch {name}: {students} students, {len(rows)} answers in {seconds:6.2f} s "
              f"({verdicts}, {named} misconceptions named)")
    finally:
        shutil.rmtree(folder)


def throughput() -> None:
    rng = np.random.default_rng(0)
    raw, _ = _timed(lambda: [rng.standard_normal(CHUNK) for _ in range(MC_SAMPLES // CHUNK)])
    sampler = lambda g, n: np.square(np.maximum(g.standard_normal(n), 0.0))  # noqa: E731
    mc, r = _timed(lambda: mean_test(sampler, 0.5, np.random.default_rng(1), samples=MC_SAMPLES))
    raw_rate = (MC_SAMPLES // CHUNK) * CHUNK / raw
    mc_rate = MC_SAMPLES / mc
    print(f"numpy raw normals   {raw_rate / 1e6:8.1f} M/s")
    print(f"Monte-Carlo check   {mc_rate / 1e6:8.1f} M samples/s ({mc_rate / raw_rate:.0%} of raw; "
          f"E[relu(Z)^2] test z = {r.z:+.2f})")


def autodiff_throughput(d: int = 64, repeats: int = 20) -> None:
    """Operations per second of the autodiff engine: forward mode (d passes) and reverse mode (one sweep)."""
    from theory.autodiff import forward_jacobian, reverse_jacobian
    from theory.autodiff_modes import synthetic

    g = synthetic(d)
    point = {n: 0.1 * (i + 1) for i, n in enumerate(g.inputs)}
    ops = len(g.operations())
    fwd, _ = _timed(lambda: [forward_jacobian(g, point) for _ in range(repeats)])
    rev, _ = _timed(lambda: [reverse_jacobian(g, point) for _ in range(repeats)])
    print(f"autodiff d={d}, T={ops}: forward mode {fwd / repeats * 1e3:6.2f} ms/gradient "
          f"({d * ops * repeats / fwd / 1e6:.2f} M op-evaluations/s), reverse mode {rev / repeats * 1e3:6.2f} "
          f"ms/gradient ({ops * repeats / rev / 1e6:.2f} M ops/s)")


def _command(*args: str) -> float:
    """Wall time of a command as a user runs it, from the repository root."""
    import subprocess

    seconds, r = _timed(lambda: subprocess.run(args, cwd=Path(__file__).resolve().parents[1], capture_output=True,
                                               text=True))
    if r.returncode not in (0, 1):
        print(f"    ({' '.join(args[2:])} exited {r.returncode}: {(r.stderr or r.stdout).strip()[-200:]})")
    return seconds


def fast_modes() -> None:
    """The quick loop: every topic without simulations, and one topic's answers only."""
    py = sys.executable
    print(f"check --all --no-mc           {_command(py, '-m', 'theory', 'check', '--all', '--no-mc'):6.2f} s")
    print(f"kaiming --answers-only        {_command(py, '-m', 'theory.kaiming', '--answers-only'):6.2f} s")
    print(f"kaiming (everything)          {_command(py, '-m', 'theory.kaiming'):6.2f} s")


def suite() -> None:
    """The README's test command (the whole suite, on every core)."""
    seconds = _command(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    print(f"python -m pytest              {seconds:6.2f} s")


BENCHMARKS = {"check": check_times, "build": build_times, "grade": grading_times, "mc": throughput,
              "autodiff": autodiff_throughput, "fast": fast_modes, "suite": suite}

if __name__ == "__main__":
    chosen = sys.argv[1:] or [b for b in BENCHMARKS if b != "suite"]
    unknown = [c for c in chosen if c not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark {unknown[0]!r} (choose from: {', '.join(BENCHMARKS)})")
    for c in chosen:
        BENCHMARKS[c]()
