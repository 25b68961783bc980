"""Answers files: reading them, grading them, a template per sheet, and a whole class at once.

An answers file is TOML: an optional `sheet` whose parameters apply, and a
list of `[[answer]]` tables (`topic`, `id`, `value`, optional `params` and
`problem`). Each (topic, parameters) is solved once, with simulations off:
grading needs the answers and their misconceptions, not a fresh simulation.
"""

from __future__ import annotations

import csv
import difflib
import json
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from theory.core import params, registry, sheet
from theory.core.errors import BadInput
from theory.core.grade import Allowance, Judgement, constants, describe, expected_text, grade, gradeable
from theory.core.render.plain import plain
from theory.core.solution import Answer, Solution

FILE_KEYS = ("sheet", "answer")
ANSWER_KEYS = ("topic", "id", "value", "params", "problem")
NOT_ANSWERED = "not answered"  # why a sheet's question the file leaves out is missing (a blank one: "left blank")
NOT_GRADED = "not graded"  # a batch's verdict for a file it cannot grade: malformed, or to another sheet
MAX_ANSWERS = 500  # answers in one file: a sheet has a few dozen
MAX_FILES = 2000  # students' files in one batch
MAX_SETTINGS = 12  # distinct parameter settings of a topic in one file (each costs a solve of seconds)
SYMBOLIC_S = 300.0  # CPU seconds of SymPy proofs per run; then agreeing formulas are judged at random points


@dataclass(frozen=True)
class Entry:
    topic: str
    id: str
    value: Any
    params: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    where: str = field(default="", compare=False)  # "alice.toml: answer 3", named when it is refused


@dataclass(frozen=True)
class Graded:
    entry: Entry
    judgement: Judgement
    question: str = ""  # where it is on the sheet: 4(a), 1(b); the problem number, or nothing, without one


def load(path: Path) -> tuple[sheet.Sheet | None, list[Entry]]:
    """The sheet named by an answers file (if any) and its entries; any defect is one BadInput sentence."""
    data = sheet.read_toml(path)
    name = path.name
    unknown = sorted(set(data) - set(FILE_KEYS))
    if unknown:
        raise BadInput(f"{name}: unknown key {unknown[0]!r} (allowed: {', '.join(FILE_KEYS)})")
    used = None
    if "sheet" in data:
        if not isinstance(data["sheet"], str):
            raise BadInput(f"{name}: sheet must be a sheet name")
        used = sheet.load(registry.sheet_path(data["sheet"]))
    answers = data.get("answer")
    if not isinstance(answers, list) or not answers or not all(isinstance(a, dict) for a in answers):
        raise BadInput(f"{name}: expected one or more [[answer]] tables")
    if len(answers) > MAX_ANSWERS:
        raise BadInput(f"{name}: {len(answers)} answers, more than the {MAX_ANSWERS} allowed")
    entries = [_entry(name, i, a) for i, a in enumerate(answers, 1)]
    settings = {(e.topic, json.dumps(e.params, sort_keys=True, default=repr)) for e in entries if e.params}
    if len(settings) > MAX_SETTINGS:
        raise BadInput(f"{name}: answers under {len(settings)} settings of their own (params), more than the "
                       f"{MAX_SETTINGS} allowed: each is solved anew")
    return used, entries


def _entry(name: str, i: int, a: dict[str, Any]) -> Entry:
    where = f"{name}: answer {i}"
    bad = sorted(set(a) - set(ANSWER_KEYS))
    if bad:
        raise BadInput(f"{where}: unknown key {bad[0]!r} (allowed: {', '.join(ANSWER_KEYS)})")
    for key in ("topic", "id", "value"):
        if key not in a:
            raise BadInput(f"{where}: missing key {key!r}")
    if not isinstance(a["topic"], str) or not isinstance(a["id"], str) or len(a["id"]) > 200:
        raise BadInput(f"{where}: topic and id must be short strings")
    registry.load_topic(a["topic"])  # an unknown topic is refused here, with the list of topics
    if not isinstance(a.get("params", {}), dict):
        raise BadInput(f"{where}: params must be a table, e.g. params = {{ alpha = 0.2 }}")
    problem = a.get("problem")
    if problem is not None and not isinstance(problem, (str, int)):
        raise BadInput(f"{where}: problem must be a problem number of the sheet")
    return Entry(a["topic"], a["id"], a["value"], a.get("params", {}), None if problem is None else str(problem),
                 where)


class Key:
    """Solved topics, once per (topic, parameters), shared by every file graded."""

    def __init__(self) -> None:
        self._solved: dict[tuple[str, str], Solution] = {}
        self._judged: dict[tuple[int, str, str], Judgement] = {}  # a class types the same values again and again
        self.allowance = Allowance(SYMBOLIC_S)

    def solution(self, used: sheet.Sheet | None, e: Entry) -> Solution:
        overrides = {**_sheet_params(used, e), **e.params}
        key = (e.topic, json.dumps(overrides, sort_keys=True, default=str))
        if key not in self._solved:
            from theory.core.context import Context

            module = registry.load_topic(e.topic)
            p = params.make(module.Params, overrides)
            self._solved[key] = module.solve(p, Context(module.TOPIC, simulate=False))
        return self._solved[key]

    def grade(self, used: sheet.Sheet | None, entries: Iterable[Entry]) -> list[Graded]:
        """Every entry judged; with a sheet, then every question of the sheet the file leaves out, as missing
        (a blank question counts against the score as a wrong one does). An id the topic does not have, or
        with a sheet an answer given twice, makes the file malformed (BadInput naming the answer)."""
        out, seen = [], {}
        for e in entries:
            sol = self.solution(used, e)
            answers = gradeable(sol)
            if e.id not in answers:
                near = difflib.get_close_matches(e.id, list(answers), n=1)
                raise BadInput(f"{e.where}: topic {e.topic} has no answer {e.id!r}"
                               + (f"; did you mean {near[0]!r}?" if near else f" (answers: {', '.join(answers)})"))
            slot = (_problem(used, e).number if used else e.problem, e.topic, e.id,
                    json.dumps(e.params, sort_keys=True, default=repr))
            if slot in seen and used:  # without a sheet a file may try several forms of one answer
                raise BadInput(f"{e.where}: repeats {seen[slot]} (topic {e.topic}, id {e.id!r}): give each "
                               "answer once")
            seen[slot] = e.where.rpartition(": ")[2] or "an earlier answer"
            memo = (id(sol), e.id, json.dumps(e.value, default=repr))  # a TOML date is a value too
            if memo not in self._judged:
                self._judged[memo] = grade(answers[e.id], e.value, sol.misconceptions, constants(sol), self.allowance)
            out.append(Graded(e, self._judged[memo], self.question(used, e)))
        return out + (self._unanswered(used, set(seen)) if used else [])

    def question(self, used: sheet.Sheet | None, e: Entry) -> str:
        """Where an answer is on the sheet: 4(a), or 1(b) of a problem spanning questions 1-2 (its number alone
        when no part claims it)."""
        from theory.core.assemble import question

        number = _problem(used, e).number if used else (e.problem or "")
        sol = self.solution(used, e)
        owner = sol.part_of(gradeable(sol)[e.id])
        return plain(question(number, owner.label) if owner else number)

    def _unanswered(self, used: sheet.Sheet, answered: set[tuple]) -> list[Graded]:
        """The sheet's questions (at its own parameters) that no entry answers, in the sheet's order."""
        out = []
        for p in used.problems:
            sol = self.solution(used, Entry(p.topic, "", "", problem=p.number))
            for aid, answer in _in_part_order(sol):
                if (p.number, p.topic, aid, "{}") not in answered:
                    e = Entry(p.topic, aid, "", problem=p.number, where="not in the file")
                    out.append(Graded(e, Judgement("missing", NOT_ANSWERED, expected_text(answer.value), ""),
                                      self.question(used, e)))
        return out


def _sheet_params(used: sheet.Sheet | None, e: Entry) -> dict[str, Any]:
    return {} if used is None else dict(_problem(used, e).params)


def _problem(used: sheet.Sheet, e: Entry) -> sheet.Problem:
    """The sheet's problem an answer is to: the one on its topic (and number, if given)."""
    found = [p for p in used.problems if p.topic == e.topic and e.problem in (None, p.number)]
    if not found:
        raise BadInput(f"sheet {used.name} has no problem on topic {e.topic}"
                       + (f" numbered {e.problem}" if e.problem else ""))
    if len(found) > 1:
        raise BadInput(f"topic {e.topic} is problems {', '.join(p.number for p in found)} of sheet {used.name}: "
                       "say which with problem = ...")
    return found[0]


def report(graded: list[Graded]) -> dict[str, Any]:
    """The JSON document of one student's grading."""
    rows = [{
        "question": g.question, "topic": g.entry.topic, "id": g.entry.id, "verdict": g.judgement.verdict,
        "expected": g.judgement.expected, "given": g.judgement.given, "how": g.judgement.how,
        "misconception": None if g.judgement.misconception is None else {
            "id": g.judgement.misconception.id, "explanation": g.judgement.misconception.explanation},
    } for g in graded]
    return {"answers": rows, "score": sum(r["verdict"] == "correct" for r in rows), "total": len(rows),
            "missing": sum(r["verdict"] == "missing" for r in rows)}


def text(graded: list[Graded]) -> str:
    """One line per answer (a second with the misconception's explanation), then the score."""
    mark = {"correct": "✓", "incorrect": "✗", "unreadable": "?", "missing": "–"}
    lines, unanswered = [], {}
    for g in graded:
        j = g.judgement
        if j.how == NOT_ANSWERED:  # listed together below, a line per topic
            unanswered.setdefault(g.entry.topic, []).append(f"{g.question} {g.entry.id}".strip())
            continue
        line = f"{mark[j.verdict]} {g.question + ' ' if g.question else ''}{g.entry.topic} {g.entry.id}: {j.verdict}"
        line += (f" ({j.how})" if j.verdict in ("correct", "missing")
                 else f": expected {j.expected}, given {j.given}; {j.how}")
        lines.append(line)
        if j.misconception is not None:
            why = plain(j.misconception.explanation)
            lines.append(textwrap.fill(f"misconception {j.misconception.id}: {why}", 100,
                                       initial_indent="    ", subsequent_indent="    "))
    for topic, ids in unanswered.items():
        lines.append(textwrap.fill(f"– {topic}, not answered: {'; '.join(ids)}", 100, subsequent_indent="    ",
                                   break_on_hyphens=False))
    score = sum(g.judgement.verdict == "correct" for g in graded)
    missing = sum(g.judgement.verdict == "missing" for g in graded)
    lines.append(f"score: {score}/{len(graded)}" + (f" ({missing} not answered)" if missing else ""))
    return "\n".join(lines)


def template(used: sheet.Sheet) -> str:
    """An answers file for a sheet: every answer id, an empty value, and what each asks for."""
    key = Key()
    registered = used.path.resolve().parent == registry.SHEETS_DIR.resolve()
    lines = [f"# Answers to {used.title}. Fill in each value: an expression (as text), a number, or a list.",
             f"sheet = {json.dumps(used.name if registered else str(used.path))}", ""]
    for p in used.problems:
        sol = key.solution(used, Entry(p.topic, "", "", problem=p.number))
        for aid, answer in _in_part_order(sol):
            lines += [f"# Problem {_where(sol, answer, p.number)}: {aid}; {describe(answer)}",
                      "[[answer]]", f'topic = "{p.topic}"', f"id = {json.dumps(aid)}"]
            if sum(q.topic == p.topic for q in used.problems) > 1:
                lines.append(f'problem = "{p.number}"')
            lines += ['value = ""', ""]
    return "\n".join(lines)


def _in_part_order(sol: Solution) -> list[tuple[str, Answer]]:
    """The gradeable answers in the order of the parts they belong to (the order they were derived in may
    differ: a topic may state a later part's answer first)."""
    order = {part.label: i for i, part in enumerate(sol.parts)}

    def place(item: tuple[str, Answer]) -> int:
        owner = sol.part_of(item[1])
        return order.get(owner.label, len(order)) if owner else len(order)

    return sorted(gradeable(sol).items(), key=place)


def _where(sol: Solution, answer: Answer, number: str) -> str:
    """The question an answer belongs to, from the claims that back it: `4(a) The optimal learning rate`."""
    from theory.core.assemble import question

    owner = sol.part_of(answer)
    return plain(f"{question(number, owner.label)} {owner.title}" if owner else f"{number} ({sol.title})")


def batch(folder: Path, used: sheet.Sheet, out: Path) -> tuple[list[dict[str, str]], list[Path]]:
    """Grade every `*.toml` in `folder` (one per student); write a CSV and a chart into `out`.

    A file that cannot be graded (malformed, or written to another sheet) is one row with verdict `not graded`
    and its reason; the others go on.
    """
    files = sorted(f for f in folder.glob("*.toml") if f.is_file())  # a folder named x.toml is no student
    if not files:
        raise BadInput(f"{folder}: no answers files (*.toml)")
    if len(files) > MAX_FILES:
        raise BadInput(f"{folder}: {len(files)} files, more than the {MAX_FILES} allowed")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # a file of that name, or a place that cannot hold a folder
        raise BadInput(f"--out {str(out)[:80]}: cannot make the folder ({e.strerror})") from None
    key, rows, scores = Key(), [], []
    for f in files:
        try:
            named, entries = load(f)
            if named is not None and named.path.resolve() != used.path.resolve():
                raise BadInput(f"{f.name}: answers to sheet {named.name}, not to {used.name}")
            graded = key.grade(used, entries)
        except BadInput as e:
            rows.append({"student": f.stem, "question": "", "topic": "", "answer": "", "verdict": NOT_GRADED,
                         "misconception": "", "given": "", "expected": "", "detail": str(e)})
            scores.append({"student": f.stem, "score": "", "total": "", "not answered": "", NOT_GRADED: str(e)})
            continue
        rows += [{"student": f.stem, "question": g.question, "topic": g.entry.topic,
                  "answer": g.entry.id, "verdict": g.judgement.verdict,
                  "misconception": g.judgement.misconception.id if g.judgement.misconception else "",
                  "given": g.judgement.given, "expected": g.judgement.expected, "detail": g.judgement.how}
                 for g in graded]
        scores.append({"student": f.stem, "score": sum(g.judgement.verdict == "correct" for g in graded),
                       "total": len(graded), "not answered": sum(g.judgement.verdict == "missing" for g in graded),
                       NOT_GRADED: ""})
    tables = [_csv(out / "grades.csv", rows), _csv(out / "scores.csv", scores)]
    return rows, [*tables, *_chart(rows, out / "grades")]


def _csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _chart(rows: list[dict[str, str]], stem: Path) -> list[Path]:
    """Per question, the verdicts' counts; beside them, the most frequent misconceptions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    graded = [r for r in rows if r["verdict"] != NOT_GRADED]
    skipped = sum(r["verdict"] == NOT_GRADED for r in rows)
    questions = list(dict.fromkeys(f"{r['question']} {r['answer']}".strip() for r in graded))
    counts = {v: [sum(1 for r in graded if f"{r['question']} {r['answer']}".strip() == q and r["verdict"] == v)
                  for q in questions] for v in ("correct", "incorrect", "unreadable", "missing")}
    common = Counter(f"{r['question']} {r['misconception']}".strip() for r in graded
                     if r["misconception"]).most_common(8)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, max(3.0, 0.28 * len(questions) + 1.2)),
                                 gridspec_kw={"width_ratios": [3, 2]})
    left = [0] * len(questions)
    for verdict, colour in (("correct", "#4c9a2a"), ("incorrect", "#c0392b"), ("unreadable", "#999999"),
                            ("missing", "#dddddd")):
        ax.barh(questions, counts[verdict], left=left, color=colour, label=verdict)
        left = [a + b for a, b in zip(left, counts[verdict])]
    rows = max(len(questions), len(common))
    ax.set_ylim(rows - 0.5, -0.5)  # first question on top, no margin
    ax.set_xlabel("students" + (f" ({skipped} file{'s' if skipped != 1 else ''} not graded: see scores.csv)"
                                if skipped else ""))
    ax.set_title("Verdicts per question", pad=18)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)  # over no bar
    ax.tick_params(axis="y", labelsize=7)
    for axis in (ax, bx):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # students and answers are counted whole
    bx.barh(range(len(common)), [n for _, n in common], color="#c0392b")
    bx.set_yticks(range(len(common)), [m for m, _ in common])
    bx.set_ylim(rows - 0.5, -0.5)  # bars as thick as the verdicts' rows
    bx.set_title("Most frequent misconceptions", pad=18)
    bx.set_xlabel("answers")
    bx.tick_params(axis="y", labelsize=7)
    if not common:
        bx.set_xticks([])
        bx.text(0.5, 0.5, "none named", transform=bx.transAxes, ha="center", va="center", color="#777777")
    fig.tight_layout()
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    for p in paths:
        fig.savefig(p, dpi=120, bbox_inches="tight")  # long question labels are not cut at the left edge
    plt.close(fig)
    return paths
