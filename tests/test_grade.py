"""Grading: right answers, misconceptions, other wrong answers, unreadable and hostile input, a class at once."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import pytest
import sympy as sp

from tests.conftest import Ran, invoke, misgraded, right_values_rejected, solved, unrejected
from theory.core import grade, prove, registry
from theory.core.solution import Answer


def run(*args: str) -> Ran:
    return invoke("theory", "grade", *args)


def answers_file(tmp_path: Path, *answers: dict, sheet: str | None = None, name: str = "a.toml") -> Path:
    lines = [f'sheet = "{sheet}"'] if sheet else []
    for a in answers:
        lines.append("[[answer]]")
        lines += [f"{k} = {_toml(v)}" for k, v in a.items()]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(v) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + " }"
    return json.dumps(v)


def lr(id: str, value) -> dict:
    return {"topic": "lr_divergence", "id": id, "value": value}


def backprop(value, **params) -> dict:
    return {"topic": "backprop", "id": "dL/dw1", "value": value, **({"params": params} if params else {})}


def dl_dw1(**params) -> float:
    """The checked dL/dw1 of the backprop topic at these weights (the defaults: the solve every test shares)."""
    from theory.core.cli import solve_topic

    sol = solve_topic(registry.load_topic("backprop"), {k: str(v) for k, v in params.items()}) if params else (
        solved("backprop"))
    return float(sol.results["dL/dw1"].value)


def test_right_answers_in_any_equivalent_form_are_correct(tmp_path):
    number = dl_dw1()
    path = answers_file(tmp_path, lr("eta_opt", "1/a"), lr("eta_opt", "2/(2*a)"), backprop(number * 1.0003),
                        lr("divergence threshold", "2/a"), lr("w_star", "-b/a"))
    r = run(str(path), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["score"] == doc["total"] == 5
    assert {a["verdict"] for a in doc["answers"]} == {"correct"}
    assert doc["answers"][2]["how"] == "within a relative tolerance of 0.001"


def test_a_number_is_not_a_formula_the_sheet_asks_for(tmp_path):
    """The sheet gives E = aw^2/2 + bw + c with letters: the value of 1/a at the defaults is not the answer."""
    r = run(str(answers_file(tmp_path, lr("eta_opt", 0.5))), "--json")
    (a,) = json.loads(r.stdout)["answers"]
    assert r.returncode == 1 and a["verdict"] == "incorrect" and a["expected"] == "1/a"


def test_a_misconception_is_named_and_explained(tmp_path):
    r = run(str(answers_file(tmp_path, lr("divergence threshold", "1/a"), lr("eta_opt", "a"))), "--json")
    assert r.returncode == 1
    first, second = json.loads(r.stdout)["answers"]
    assert first["verdict"] == "incorrect" and first["misconception"]["id"] == "optimum-as-threshold"
    assert "2/a" in first["misconception"]["explanation"]
    assert second["misconception"]["id"] == "second-derivative-as-rate"


def test_another_wrong_answer_is_incorrect_without_a_misconception(tmp_path):
    r = run(str(answers_file(tmp_path, lr("eta_opt", "0.3"))), "--json")
    (a,) = json.loads(r.stdout)["answers"]
    assert r.returncode == 1 and a["verdict"] == "incorrect" and a["misconception"] is None
    assert a["expected"] == "1/a" and a["given"] == "0.3"


def test_unreadable_and_injected_answers_run_nothing(tmp_path):
    marker = tmp_path / "owned"
    path = answers_file(tmp_path, lr("eta_opt", "1/q"),
                        lr("eta_opt", f"__import__('os').system('touch {marker}')"),
                        lr("eta_opt", "(lambda: 1)()"), lr("eta_opt", "9**9**9**9"), lr("eta_opt", "(" * 500))
    r = run(str(path), "--json")
    doc = json.loads(r.stdout)
    assert r.returncode == 1 and not marker.exists()
    assert [a["verdict"] for a in doc["answers"]] == ["unreadable"] * 5
    assert "unknown name 'q'" in doc["answers"][0]["how"] and "expected:" in doc["answers"][0]["how"]


@pytest.mark.parametrize("content, message", [
    ('[[answer]]\ntopic = "nope"\nid = "x"\nvalue = "1"\n', "unknown topic"),
    ('[[answer]]\ntopic = "lr_divergence"\nid = "nope"\nvalue = "1"\n', "has no answer 'nope'"),
    ('[[answer]]\ntopic = "lr_divergence"\nid = "eta_opt"\n', "missing key 'value'"),
    ('[[answer]]\ntopic = "lr_divergence"\nid = "eta_opt"\nvalue = "1"\ncolour = 1\n', "unknown key"),
    ('student = "x"\n', "unknown key"),
    ("[[answer]\n", "malformed TOML"),
    ('[[answer]]\ntopic = "lr_divergence"\nid = "eta_opt"\nvalue = "1"\nparams = { a = 1e9 }\n', "a ="),
])
def test_a_malformed_file_exits_2_in_one_line(tmp_path, content, message):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    r = run(str(path))
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_params_per_answer_change_the_expected_value(tmp_path):
    there = dl_dw1(w1=-1.5)
    assert abs(there / dl_dw1() - 1) > 0.01  # the change matters
    assert run(str(answers_file(tmp_path, backprop(there, w1=-1.5)))).returncode == 0
    assert run(str(answers_file(tmp_path, backprop(there)))).returncode == 1


def test_formulas_are_decided_symbolically_or_numerically_and_say_which():
    x, y = sp.symbols("x y", positive=True)
    a = Answer("f", 2 / (x + y))
    assert grade.grade(a, "4/(2*x + 2*y)", []).how == "algebraically equivalent (SymPy)"
    wrong = grade.grade(a, "1/x", [])
    assert wrong.verdict == "incorrect" and wrong.how.startswith("not equivalent: differs at x =")
    assert grade.grade(a, "2", []).verdict == "incorrect"
    n = sp.Symbol("n", integer=True, positive=True)  # a count is probed at whole numbers
    count = grade.grade(Answer("free parameters", n), "n**2", [])
    assert count.verdict == "incorrect" and count.how.rstrip("0123456789").endswith("differs at n = ")
    z = sp.Symbol("z", real=True)  # not known to be positive: probed on both sides of 0
    slope = Answer("g'", 1 / (1 + sp.Abs(z)) ** 2)
    assert grade.grade(slope, "1/(1+z)**2", []).verdict == "incorrect"
    assert grade.grade(slope, "(1+abs(z))**(-2)", []).verdict == "correct"


def test_once_the_runs_sympy_time_is_spent_the_probes_decide_and_say_so():
    x, y = sp.symbols("x y", positive=True)
    a = Answer("f", 2 / (x + y))
    spent = grade.Allowance(0.0)
    right = grade.grade(a, "4/(2*x + 2*y)", [], allowance=spent)
    assert right.verdict == "correct" and "numeric only" in right.how
    assert grade.grade(a, "2/(x + y + 1e-6)", [], allowance=spent).verdict == "incorrect"  # a probe still refutes
    fresh = grade.Allowance(60.0)
    assert grade.grade(a, "4/(2*x + 2*y)", [], allowance=fresh).how == "algebraically equivalent (SymPy)"
    assert fresh.seconds < 60.0


def test_a_misconception_may_use_symbols_the_answer_has_not():
    from theory.core.solution import Misconception
    from theory.core.verdict import Verdict

    g, t = sp.symbols("g t", positive=True)
    steady = Answer("step", g)
    early = Misconception("decaying", "step", g / sp.sqrt(t), "...", Verdict("numeric", True, ""))
    j = grade.grade(steady, "g/sqrt(t)", [early])
    assert j.verdict == "incorrect" and j.misconception is early
    assert grade.grade(steady, "g/sqrt(t)", []).verdict == "unreadable"


def test_vectors_and_matrices_are_row_major_and_a_transpose_is_recognised():
    m = Answer("J", sp.Matrix([[1, 2, 3], [4, 5, 6]]))
    assert grade.grade(m, [[1, 2, 3], [4, 5, 6.001]], []).verdict == "correct"
    t = grade.grade(m, [[1, 4], [2, 5], [3, 6]], [])
    assert t.verdict == "incorrect" and t.how.startswith("transposed")
    square = Answer("S", sp.Matrix([[1, 2], [3, 4]]))
    assert grade.grade(square, [[1, 3], [2, 4]], []).how.startswith("transposed")
    assert grade.grade(square, [1, 2, 3, 4], []).how.startswith("shape 4")
    assert grade.grade(Answer("v", [1, 2]), ["1", "2"], []).verdict == "correct"


def test_the_template_lists_every_answer_and_filled_with_the_key_grades_correct(tmp_path):
    r = run("--template", "iust-dl-hw1")
    assert r.returncode == 0, r.stderr
    filled = tomllib.loads(r.stdout)
    assert filled["sheet"] == "iust-dl-hw1"
    ids = {(a["topic"], a["id"]) for a in filled["answer"]}
    assert ("lr_divergence", "divergence threshold") in ids and "# Problem" in r.stdout
    lr_only = [a for a in filled["answer"] if a["topic"] == "lr_divergence"]
    for a in lr_only:
        a["value"] = {"eta_opt": "1/a", "w_star": "-b/a", "divergence threshold": "2/a"}.get(a["id"], "0")
    graded = json.loads(run(str(answers_file(tmp_path, *lr_only, sheet="iust-dl-hw1")), "--json").stdout)
    verdicts = {a["id"]: a["verdict"] for a in graded["answers"]}
    assert verdicts["eta_opt"] == verdicts["w_star"] == verdicts["divergence threshold"] == "correct"


def test_a_class_is_graded_at_once_into_a_table_and_a_chart(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    answers_file(folder, lr("eta_opt", "1/a"), lr("divergence threshold", "2/a"), name="ann.toml")
    answers_file(folder, lr("eta_opt", "a"), lr("divergence threshold", "1/a"), name="bob.toml")
    (folder / "cid.toml").write_text("not toml [")
    r = run("--batch", str(folder), "--sheet", "iust-dl-hw1")
    assert r.returncode == 1 and "3 students: 4 answers given, 2 correct" in r.stdout, r.stdout + r.stderr
    with (folder / "grades.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    by = {(row["student"], row["answer"]): row for row in rows}
    assert by[("ann", "eta_opt")]["verdict"] == "correct" and by[("ann", "eta_opt")]["question"] == "4(a)"
    assert by[("bob", "divergence threshold")]["misconception"] == "optimum-as-threshold"
    assert by[("cid", "")]["verdict"] == "not graded"
    assert (folder / "grades.png").stat().st_size > 0 and (folder / "grades.pdf").stat().st_size > 0


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_every_answer_grades_its_own_value_correct_and_each_misconception_as_itself(topic):
    sol = solved(topic)
    assert grade.gradeable(sol), f"{topic} has no gradeable answer"
    assert not misgraded(sol)


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_every_topic_declares_misconceptions_and_its_witnesses_reject_each(topic):
    sol = solved(topic)
    assert len(sol.misconceptions) >= 2, f"{topic} declares {len(sol.misconceptions)} misconceptions"
    assert not unrejected(sol)


@pytest.mark.parametrize("topic", registry.TOPICS)
def test_no_answer_with_misconceptions_is_rejected_at_its_right_value(topic):
    sol = solved(topic)
    assert not right_values_rejected(sol, {m.answer for m in sol.misconceptions})


def test_a_design_is_right_when_the_topics_check_accepts_it(tmp_path):
    other = {"topic": "perceptrons", "id": "and_not weights", "value": [2, -3, -1]}
    wrong = {**other, "value": [2, 3, -1]}
    doc = json.loads(run(str(answers_file(tmp_path, other, wrong)), "--json").stdout)
    right, bad = doc["answers"]
    assert right["verdict"] == "correct" and right["how"].startswith("another right answer")
    assert bad["verdict"] == "incorrect" and bad["how"].startswith("the topic's check rejects it: truth table")
    assert bad["expected"].startswith("any value the check accepts, e.g.")  # not as if one value were right
    closed = Answer("x", sp.Integer(2), check=lambda v: prove.close(2.0, float(v), rtol=0.5, what="x"))
    assert grade.grade(closed, "2.5", []).verdict == "incorrect"  # not a design: the key's value decides


def test_a_long_exact_number_is_reported_to_six_figures(tmp_path):
    r = run(str(answers_file(tmp_path, backprop(0.0009))), "--json")
    (a,) = json.loads(r.stdout)["answers"]
    assert a["verdict"] == "incorrect" and a["expected"] == f"{dl_dw1():.6g}", a["expected"]


def one_problem_sheet(folder: Path, name: str = "mini.toml", **params) -> Path:
    """A sheet of one's own: lr_divergence as problem 4 (at `params`), so grading solves one topic."""
    lines = ['title = "Mini"', 'course = "Test"', 'output = "Mini.pdf"', 'intro = ""', "",
             "[[problem]]", 'number = "4"', 'topic = "lr_divergence"']
    if params:
        lines.append("params = { " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in params.items()) + " }")
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_sheets_unanswered_and_blank_questions_count_against_the_score(tmp_path):
    mini = one_problem_sheet(tmp_path)
    questions = list(grade.gradeable(solved("lr_divergence")))
    path = answers_file(tmp_path, lr("eta_opt", "1/a"), lr("w_star", "  "), sheet=str(mini))
    r = run(str(path), "--json")
    doc = json.loads(r.stdout)
    assert r.returncode == 1 and doc["score"] == 1 and doc["total"] == len(questions) > 2
    assert doc["missing"] == len(questions) - 1 == sum(a["verdict"] == "missing" for a in doc["answers"])
    how = {a["id"]: a["how"] for a in doc["answers"]}
    assert how["w_star"] == "left blank" and how["divergence threshold"] == "not answered"
    assert f"score: 1/{len(questions)} ({len(questions) - 1} not answered)" in run(str(path)).stdout


def test_with_a_sheet_an_answer_given_twice_or_a_misspelt_id_is_refused_by_name(tmp_path):
    mini = one_problem_sheet(tmp_path)
    twice = run(str(answers_file(tmp_path, lr("w_star", "-b/a"), lr("eta_opt", "1/a"), lr("w_star", "b/a"),
                                 sheet=str(mini))))
    assert twice.returncode == 2 and "a.toml: answer 3: repeats answer 1" in twice.stderr
    misspelt = run(str(answers_file(tmp_path, lr("eta_op", "1/a"), name="b.toml")))
    assert misspelt.returncode == 2 and "b.toml: answer 1" in misspelt.stderr
    assert "did you mean 'eta_opt'" in misspelt.stderr


def test_a_template_of_ones_own_sheet_is_graded_against_that_sheet(tmp_path):
    mini = one_problem_sheet(tmp_path, a=2)
    r = run("--template", str(mini))
    filled = tomllib.loads(r.stdout)
    assert filled["sheet"] == str(mini)
    for a in filled["answer"]:
        a["value"] = {"eta_opt": "1/a"}.get(a["id"], "")
    doc = json.loads(run(str(answers_file(tmp_path, *filled["answer"], sheet=str(mini))), "--json").stdout)
    assert doc["score"] == 1 and doc["missing"] == doc["total"] - 1


def test_a_batch_refuses_files_to_another_sheet_and_scores_each_student(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    mini = one_problem_sheet(tmp_path)
    answers_file(folder, lr("eta_opt", "1/a"), sheet=str(mini), name="ann.toml")
    answers_file(folder, lr("eta_opt", "1/a"), sheet="cs7643-ps2", name="bob.toml")
    r = run("--batch", str(folder), "--sheet", str(mini))
    assert "1 file not graded" in r.stdout, r.stdout + r.stderr
    with (folder / "scores.csv").open() as fh:
        scores = {row["student"]: row for row in csv.DictReader(fh)}
    assert scores["ann"]["score"] == "1" and int(scores["ann"]["not answered"]) == int(scores["ann"]["total"]) - 1
    assert "answers to sheet cs7643-ps2, not to mini" in scores["bob"]["not graded"]
    with (folder / "grades.csv").open() as fh:
        ann = next(row for row in csv.DictReader(fh) if row["student"] == "ann" and row["answer"] == "eta_opt")
    assert ann["given"] == "1/a" and ann["expected"] == "1/a"


def test_latex_and_typos_are_refused_in_the_readers_terms():
    half = Answer("h", sp.Rational(1, 2) / sp.Symbol("d", positive=True))
    latex = grade.grade(half, r"\frac{1}{2d}", [])
    assert latex.verdict == "unreadable" and "LaTeX is not read here" in latex.how
    typo = grade.grade(half, "1 2/d", [])
    assert typo.verdict == "unreadable" and "from character 3: '2/d'" in typo.how


def test_a_difference_is_reported_where_a_probability_can_be():
    rho = sp.Symbol("rho", positive=True)
    how = grade.grade(Answer("p", rho), "1 - rho", []).how
    assert "differs at rho = 0." in how, how  # not at rho = 1.95
    assert grade.grade(Answer("p", rho), "rho*(1 + (rho - 2)**2 - (rho - 2)**2)", []).verdict == "correct"


def test_latex_in_double_quotes_and_ceil_are_understood(tmp_path):
    bad = tmp_path / "bs.toml"
    bad.write_text('[[answer]]\ntopic = "lr_divergence"\nid = "eta_opt"\nvalue = "\\frac{1}{a}"\n')
    doc = json.loads(run(str(bad), "--json").stdout)
    (a,) = doc["answers"]
    assert a["verdict"] == "unreadable" and "control character" in a["how"] and a["given"] == repr("\frac{1}{a}")
    n, b = sp.symbols("N B", positive=True)
    assert grade.grade(Answer("u", 5 * sp.ceiling(n / b)), "5*ceil(N/B)", []).verdict == "correct"
