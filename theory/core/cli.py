"""Command lines: `python -m theory.<topic>` and `python -m theory list|check|build`.

Exit status: 0 every claim holds, 1 a claim failed (or a PDF could not be
written), 2 bad input, reported as one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from types import ModuleType

from theory.core.errors import BadInput


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise BadInput(message)


MAX_SEED = 2**63 - 1
MAX_SAMPLES_OPTION = 10**9  # the Monte-Carlo engine refuses sizes that do not fit its time budget


def _guard(run: Callable[[], int]) -> int:
    try:
        return run()
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader left (`| head`): nothing more to print, and no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit goes nowhere
        return 1


def _whole(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type: a whole number in [lo, hi], read without evaluating anything."""

    def read(text: str) -> int:
        digits = text.strip()
        sign = -1 if digits.startswith("-") else 1
        digits = digits.lstrip("+-")
        value = sign * int(digits) if digits.isdigit() and len(digits) <= 20 else None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"expected a whole number from {lo} to {hi:,}, got {text[:40]!r}")
        return value

    return read


def _speed_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-mc", action="store_true",
                   help="skip the Monte-Carlo checks (reported as skipped; they do not change the exit status)")


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=_whole(0, MAX_SEED), help="base seed (default: derived from the topic name)")
    p.add_argument("--samples", type=_whole(1, MAX_SAMPLES_OPTION),
                   help="Monte-Carlo samples per check (default: calibrated for 1%% resolution)")


def solve_topic(module: ModuleType, overrides: dict, seed: int | None = None,
                samples: int | None = None, simulate: bool = True):
    """Validate parameters, solve, and return the Solution."""
    from theory.core import params
    from theory.core.context import Context

    p = params.make(module.Params, overrides)
    return module.solve(p, Context(module.TOPIC, seed, samples, simulate))


def topic_main(module: ModuleType, argv: Sequence[str] | None = None) -> int:
    """The CLI of one topic module."""

    def run() -> int:
        from theory.core import params
        from theory.core.render import jsonview, latex, text

        parser = _Parser(prog=f"python -m theory.{module.TOPIC}",
                         description=(module.__doc__ or "").strip().splitlines()[0])
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                            help="override a parameter (repeatable): "
                            + "; ".join(f"{n}={d!r} {doc}" for n, d, doc in params.describe(module.Params)))
        out = parser.add_mutually_exclusive_group()
        out.add_argument("--json", action="store_true", help="print the solution as JSON")
        out.add_argument("--latex", action="store_true", help="print the solution as a LaTeX fragment")
        parser.add_argument("-v", "--verbose", action="store_true", help="show every check's detail and claim id")
        parser.add_argument("--answers-only", action="store_true",
                            help="print only the answers (and whether the checks run hold), skipping simulations")
        _run_options(parser)
        _speed_option(parser)
        args = parser.parse_args(argv)
        if args.answers_only and args.latex:
            raise BadInput("--answers-only goes with the text or --json output, not --latex")
        sol = solve_topic(module, params.parse_assignments(args.param), args.seed, args.samples,
                          simulate=not (args.no_mc or args.answers_only))
        if args.json:
            print(jsonview.render(sol, answers_only=args.answers_only))
        elif args.latex:
            print(latex.render(sol))
        elif args.answers_only:
            print(text.answers(sol))
        else:
            print(text.render(sol, verbose=args.verbose))
        return 0 if sol.passed else 1

    return _guard(run)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m theory list|check|build`."""

    def run() -> int:
        parser = _Parser(prog="python -m theory", description="Checked solutions to theory sheets.")
        sub = parser.add_subparsers(dest="command", required=True)
        sub.add_parser("list", help="list topics and sheets")
        check = sub.add_parser("check", help="solve and check topics")
        check.add_argument("topics", nargs="*", help="topic names (default with --all: every topic)")
        check.add_argument("--all", action="store_true")
        _run_options(check)
        _speed_option(check)
        build = sub.add_parser("build", help="build a sheet's solution PDF")
        build.add_argument("sheet", nargs="?", help="sheet name or path to a sheet TOML")
        build.add_argument("--all", action="store_true", help="build every sheet")
        build.add_argument("--force", action="store_true", help="rebuild even if up to date")
        build.add_argument("--out", metavar="DIR", help="folder the PDF is written to (default: THEORY_BUILD_DIR "
                           "if set, else solutions/build)")
        _run_options(build)
        new = sub.add_parser("new", help="write a working skeleton of a new topic (topic, simulation, test)")
        new.add_argument("name", help="the topic's module name, e.g. mean_of_uniform")
        grade = sub.add_parser("grade", help="grade a student's answers file (or a class's folder of them)")
        grade.add_argument("answers", nargs="?", help="answers file (TOML): see `grade --template SHEET`")
        grade.add_argument("--json", action="store_true", help="print the grading as JSON")
        grade.add_argument("--template", metavar="SHEET", help="print an empty answers file for a sheet")
        grade.add_argument("--batch", metavar="DIR", help="grade every *.toml in DIR (one per student)")
        grade.add_argument("--sheet", metavar="SHEET", help="with --batch: the sheet the answers are to")
        grade.add_argument("--out", metavar="DIR", help="with --batch: where grades.csv and the chart go "
                           "(default: DIR)")
        args = parser.parse_args(argv)
        return {"list": _list, "check": _check, "build": _build, "new": _new, "grade": _grade}[args.command](args)

    return _guard(run)


def _list(args) -> int:
    from theory.core import registry, sheet

    width = max(map(len, registry.TOPICS))
    print("topics:")
    for name in registry.TOPICS:
        doc = (registry.load_topic(name).__doc__ or "").strip().splitlines()[0]
        print(f"  {name:<{width}}  {doc}")
    print("sheets (build with: python -m theory build NAME):")
    names = registry.sheet_names()
    width = max(map(len, names), default=0)
    for name in names:
        s = sheet.load(registry.sheet_path(name))
        print(f"  {name:<{width}}  {s.title} ({s.course}; {len(s.problems)} problems) -> {s.output}")
    return 0


def _check_one(name: str, seed: int | None, samples: int | None, simulate: bool) -> tuple[str, bool]:
    """One topic's summary line (and its failures), for `check`; runs in a worker process."""
    from theory.core import registry
    from theory.core.render.text import summary

    sol = solve_topic(registry.load_topic(name), {}, seed, samples, simulate)
    lines = [summary(sol)] + [f"    FAIL {cid}: {v.detail}" for cid, _, v in sol.claims() if not v.passed]
    return "\n".join(lines), sol.passed


def _check(args) -> int:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from theory.core import registry
    from theory.core.assemble import jobs

    if bool(args.topics) == bool(args.all):
        raise BadInput("name topics to check, or pass --all")
    names = list(registry.TOPICS if args.all else dict.fromkeys(args.topics))
    for n in names:
        registry.load_topic(n)  # an unknown name is bad input before anything is solved
    run = (names, [args.seed] * len(names), [args.samples] * len(names), [not args.no_mc] * len(names))
    workers = min(jobs(), len(names))
    status = 0
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) if workers > 1 else nullcontext() as pool:
        for lines, passed in (pool.map if pool else map)(_check_one, *run):
            print(lines, flush=True)
            status |= 0 if passed else 1
    return status


def _new(args) -> int:
    from theory.core import registry, scaffold

    for path in scaffold.new(args.name):
        print(f"wrote {path.relative_to(registry.ROOT)}")
    print(f"next: python -m theory check {args.name} && python -m pytest tests/test_{args.name}.py; "
          "then edit the three files into your question (docs/writing-a-topic.md)")
    return 0


def _build(args) -> int:
    from pathlib import Path

    from theory.core import build, registry

    if bool(args.sheet) == bool(args.all):
        raise BadInput("name one sheet to build, or pass --all")
    out = build.output_folder(Path(args.out)) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise BadInput(f"--out {str(out)[:80]}: not a folder")
    if args.all:
        return build.build_all(registry.sheet_names(), seed=args.seed, samples=args.samples, force=args.force,
                               out_dir=out)
    return build.build(args.sheet, seed=args.seed, samples=args.samples, force=args.force, out_dir=out)


def _grade(args) -> int:
    import json
    from collections import Counter
    from pathlib import Path

    from theory.core import gradebook, registry, sheet

    modes = [m for m in (args.answers, args.template, args.batch) if m]
    if len(modes) != 1:
        raise BadInput("give an answers file, or --template SHEET, or --batch DIR --sheet SHEET")
    if args.template:
        print(gradebook.template(sheet.load(registry.sheet_path(args.template))))
        return 0
    if args.batch:
        if not args.sheet:
            raise BadInput("--batch needs --sheet SHEET")
        folder = Path(args.batch)
        if not folder.is_dir():
            raise BadInput(f"{folder}: not a folder")
        rows, written = gradebook.batch(folder, sheet.load(registry.sheet_path(args.sheet)),
                                        Path(args.out) if args.out else folder)
        students = len({r["student"] for r in rows})
        count = Counter(r["verdict"] for r in rows)
        correct = count["correct"]
        skipped = count[gradebook.NOT_GRADED]
        given = len(rows) - skipped - count["missing"]
        print(f"{students} student{'s' if students != 1 else ''}: {given} answers given, {correct} correct, "
              f"{count['missing']} questions not answered"
              + (f"; {skipped} file{'s' if skipped != 1 else ''} not graded (malformed, or to another sheet: see "
                 "scores.csv)" if skipped else "") + "; wrote " + ", ".join(str(p) for p in written))
        return 0 if correct == len(rows) else 1
    path = Path(args.answers)
    if not path.is_file():
        raise BadInput(f"{path}: no such answers file")
    used, entries = gradebook.load(path)
    graded = gradebook.Key().grade(used, entries)
    print(json.dumps(gradebook.report(graded), indent=2) if args.json else gradebook.text(graded))
    return 0 if all(g.judgement.verdict == "correct" for g in graded) else 1
