"""Calibration of the Monte-Carlo layer on the real topics: false alarms, under-powered runs, power.

Run from the repository root: `python scripts/calibration.py [--topics kaiming dropout]
[--seeds 200] [--detect-seeds 50] [--quick]`. Each topic is solved once with its default
parameters through a Context that records its Monte-Carlo checks instead of running them, so
the symbolic work is done once. Each recorded check is then re-run as `--seed s` would run it,
for s = 1..seeds, at the derived value (every rejection there is a false alarm, every
under-powered run a failure of the run), and for s = 1..detect-seeds at the derived value
plus and minus 1% of its scale (every rejection there is a detection; see `measure`). It
prints a table and asserts nothing: it is a measurement.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs from a checkout without installing

from checks.montecarlo import PILOT, RESOLUTION, Z_ALARM, MonteCarloResult, Sampler, mean_test
from theory.core import params, registry
from theory.core.context import Context
from theory.core.verdict import Verdict


@dataclass(frozen=True)
class Recorded:
    """One `ctx.monte_carlo(name, sampler, claimed, scale=, pilot=)` call of a topic's solve."""

    name: str
    sampler: Sampler
    claimed: float
    scale: float | None
    pilot: int


@dataclass(frozen=True)
class RecordingContext(Context):
    """A Context whose Monte-Carlo checks are recorded and pass unrun."""

    calls: list[Recorded] = field(default_factory=list)

    def monte_carlo(self, name: str, sampler: Sampler, claimed: float, *, scale: float | None = None,
                    pilot: int = PILOT) -> Verdict:
        self.calls.append(Recorded(name, sampler, float(claimed), scale, pilot))
        return Verdict("monte-carlo", True, "recorded, not run")


def record(topic: str) -> list[Recorded]:
    """The Monte-Carlo checks of one topic solved with its default parameters."""
    module = registry.load_topic(topic)
    ctx = RecordingContext(module.TOPIC)
    module.solve(params.make(module.Params, {}), ctx)
    return ctx.calls


@dataclass
class Tally:
    runs: int = 0
    statuses: Counter = field(default_factory=Counter)
    stages: Counter = field(default_factory=Counter)
    samples: int = 0
    detect_up: int = 0
    detect_down: int = 0
    detect_runs: int = 0
    mismatches: int = 0  # detections read from a run that a full re-run contradicts
    seconds: float = 0.0


def measure(topic: str, check: Recorded, seeds: int, detect_seeds: int, budget: float | None = None) -> Tally:
    """Re-run one check over the seeds at the derived value; detection from the same runs.

    Neither the sizing nor the extension of a run depends on the claimed value
    (given the scale), so the run at `claimed +- 1% of scale` with seed s draws
    exactly the sample of the run at `claimed`: its rejection is read from that
    run's estimate and standard error. The first detection seed is re-run in
    full to confirm it (a mismatch is counted and printed). With a `budget` in
    seconds, seeds beyond the detection seeds stop once it is spent.
    """
    tally = Tally()
    start = time.perf_counter()
    scale = abs(check.scale) if check.scale is not None else abs(check.claimed)

    def run(claimed: float, seed: int) -> MonteCarloResult:
        return mean_test(check.sampler, claimed, Context(topic, seed=seed).rng(check.name),
                         scale=scale, pilot=check.pilot)

    for s in range(1, max(seeds, detect_seeds) + 1):
        if budget is not None and s > detect_seeds and time.perf_counter() - start > budget:
            break
        r = run(check.claimed, s)
        if s <= seeds:
            tally.runs += 1
            tally.statuses[r.status] += 1
            tally.stages[r.stage] += 1
            tally.samples += r.samples
        if s <= detect_seeds:
            tally.detect_runs += 1
            for sign in (+1, -1):
                wrong = check.claimed + sign * RESOLUTION * scale
                rejected = not abs(r.estimate - wrong) / r.std_error <= Z_ALARM
                if s == 1 and (run(wrong, s).status == "refuted") != rejected:
                    tally.mismatches += 1
                tally.detect_up += rejected and sign > 0
                tally.detect_down += rejected and sign < 0
    tally.seconds = time.perf_counter() - start
    return tally


HEADER = (f"{'topic':<17}{'check':<20}{'runs':>6}{'false':>7}{'under':>7}{'ext1':>6}{'ext2':>6}{'ext3':>6}"
          f"{'mean n':>13}{'det+1%':>9}{'det-1%':>9}{'seconds':>9}")


def row(topic: str, label: str, t: Tally) -> str:
    ext = [t.stages.get(k, 0) for k in (1, 2, 3)]
    mean_n = t.samples / t.runs if t.runs else 0
    det = f"{t.detect_up}/{t.detect_runs}", f"{t.detect_down}/{t.detect_runs}"
    return (f"{topic:<17}{label:<20}{t.runs:>6}{t.statuses['refuted']:>7}{t.statuses['under-powered']:>7}"
            f"{ext[0]:>6}{ext[1]:>6}{ext[2]:>6}{mean_n:>13,.0f}{det[0]:>9}{det[1]:>9}{t.seconds:>9.1f}"
            + (f"  ({t.mismatches} detection re-runs disagree)" if t.mismatches else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topics", nargs="+", default=None, help="topics to measure (default: every topic)")
    ap.add_argument("--seeds", type=int, default=200, help="seeds 1..S at the derived value")
    ap.add_argument("--detect-seeds", type=int, default=50, help="seeds 1..D at +-1%% of the derived value")
    ap.add_argument("--check-budget", type=float, default=None, metavar="SECONDS",
                    help="stop a check's seeds beyond the detection seeds after this many seconds")
    ap.add_argument("--quick", action="store_true", help="smoke run: 3 seeds, 2 detection seeds")
    args = ap.parse_args(argv)
    seeds, detect = (3, 2) if args.quick else (args.seeds, args.detect_seeds)
    topics = args.topics or registry.TOPICS
    print(f"seeds 1..{seeds} at the derived value (fewer where the check budget of "
          f"{args.check_budget} s ran out: see runs), 1..{detect} for detection", flush=True)
    print("false = refuted at the derived value (false alarms); under = under-powered runs; "
          "extK = runs that extended to the K-th larger planned size; det = rejections of the "
          "derived value +-1% of its scale", flush=True)
    print(HEADER, flush=True)
    for topic in topics:
        t0 = time.perf_counter()
        try:
            checks = record(topic)
        except Exception as e:  # a topic under edit must not stop the measurement of the others
            print(f"{topic:<17}(could not be solved: {type(e).__name__}: {e})", flush=True)
            continue
        solve_seconds = time.perf_counter() - t0
        if not checks:
            print(f"{topic:<17}(no Monte-Carlo checks; solved in {solve_seconds:.1f} s)", flush=True)
            continue
        total = Tally()
        for check in checks:
            t = measure(topic, check, seeds, detect, args.check_budget)
            print(row(topic, check.name, t), flush=True)
            total.runs += t.runs
            total.statuses += t.statuses
            total.stages += t.stages
            total.samples += t.samples
            total.detect_up += t.detect_up
            total.detect_down += t.detect_down
            total.detect_runs += t.detect_runs
            total.mismatches += t.mismatches
            total.seconds += t.seconds
        print(row(topic, f"= {len(checks)} checks", total), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
