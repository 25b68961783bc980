"""Every topic at the edges of its parameters: exit status, wall time and peak memory of each run.

Run from the repository root: `python scripts/stress.py [TOPIC ...] [--set name=value ...]`.
For each numeric parameter the topic is solved with that parameter at its lower and at its upper
bound (the others at their defaults), in a child process with a time limit; `--set` adds runs
of your own. A run is fine when it exits 0 or 1 (a claim may fail at an extreme) within the
limits, or exits 2 with one line; a traceback, a time-out or more than 2 GiB is a finding. It is
a measurement, not a test, and asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runs from a checkout without installing

from theory.core import registry  # noqa: E402

BUDGET_S = 120.0
BUDGET_MIB = 2048


def edge_runs(topic: str) -> list[tuple[str, str]]:
    """(name, value) pairs: each numeric parameter at each finite bound (just inside an open one)."""
    cls = registry.load_topic(topic).Params
    hints = typing.get_type_hints(cls)
    runs = []
    for f in dataclasses.fields(cls):
        kind = typing.get_origin(hints[f.name]) or hints[f.name]
        if kind not in (int, float):
            continue
        for bound, is_open, inward in (("lo", "lo_open", 1), ("hi", "hi_open", -1)):
            edge = f.metadata.get(bound)
            if edge is None:
                continue
            if f.metadata.get(is_open):
                edge = edge + inward if kind is int else edge + inward * max(abs(edge) * 1e-6, 1e-9)
            value = int(edge) if kind is int else float(edge)
            if value != f.default:
                runs.append((f.name, repr(value)))
    return runs


def run(topic: str, assignments: list[str], timeout: float) -> dict:
    """One child process: its exit status, seconds, peak resident MiB (its own rusage) and stderr."""
    cmd = [sys.executable, "-m", f"theory.{topic}", "--json"]
    for a in assignments:
        cmd += ["--param", a]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, text=True)
        while True:
            pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(code)
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                _, _, usage = os.wait4(proc.pid, 0)
                status = "timeout"
                break
            time.sleep(0.05)
        proc.returncode = 0  # reaped above
        err.seek(0)
        stderr = err.read()
    return {"status": status, "seconds": time.perf_counter() - start, "mib": usage.ru_maxrss / 1024,
            "stderr": stderr}


def verdict(result: dict) -> str:
    err = result["stderr"]
    if result["status"] == "timeout":
        return "TIMEOUT"
    if "Traceback" in err:
        return "TRACEBACK: " + (err.strip().splitlines() or [""])[-1][:100]
    if result["status"] == 2:
        return "refused" if err.count("\n") == 1 else "REFUSED IN MANY LINES"
    if result["status"] not in (0, 1):
        return f"EXIT {result['status']}"
    if result["seconds"] > BUDGET_S or result["mib"] > BUDGET_MIB:
        return "OVER BUDGET"
    return "ok" if result["status"] == 0 else "claims failed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topics", nargs="*", help="topics (default: all)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra run with this assignment (repeatable; each is its own run)")
    parser.add_argument("--with", dest="with_", action="append", default=[], metavar="NAME=VALUE",
                        help="an assignment added to every run (repeatable), e.g. other sizes at their maximum")
    parser.add_argument("--no-edges", action="store_true", help="only the --set runs")
    parser.add_argument("--timeout", type=float, default=2 * BUDGET_S)
    args = parser.parse_args()
    topics = args.topics or list(registry.TOPICS)
    print(f"{'topic':<18} {'parameter':<34} {'s':>7} {'MiB':>6}  verdict")
    worst_s = worst_mib = 0.0
    for topic in topics:
        fixed = {a.partition("=")[0] for a in args.with_}
        runs = [] if args.no_edges else [[f"{n}={v}"] for n, v in edge_runs(topic) if n not in fixed]
        runs += [[a] for a in args.set]
        runs = [r + args.with_ for r in runs] or ([args.with_] if args.with_ else [])
        for assignments in runs:
            result = run(topic, assignments, args.timeout)
            v = verdict(result)
            if result["status"] in (0, 1):
                worst_s, worst_mib = max(worst_s, result["seconds"]), max(worst_mib, result["mib"])
            print(f"{topic:<18} {' '.join(assignments)[:34]:<34} {result['seconds']:7.1f} {result['mib']:6.0f}  {v}",
                  flush=True)
    print(f"largest accepted run: {worst_s:.1f} s, {worst_mib:.0f} MiB")


if __name__ == "__main__":
    main()
