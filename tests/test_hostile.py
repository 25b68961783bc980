"""Hostile input is normal input: any value of any parameter of any topic is read or refused in one line.

The strategies are built from each topic's `Params` dataclass (its fields, types and bounds), so a new
topic is covered without new test code.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import invoke
from theory.core import params, registry
from theory.core.errors import BadInput

ROOT = Path(__file__).resolve().parents[1]
TOPICS = registry.TOPICS


def _fields(topic: str) -> list[dataclasses.Field]:
    return list(dataclasses.fields(registry.load_topic(topic).Params))


def _kind(topic: str, f: dataclasses.Field) -> type:
    hint = typing.get_type_hints(registry.load_topic(topic).Params)[f.name]
    return typing.get_origin(hint) or hint


@pytest.mark.parametrize("topic", TOPICS)
def test_every_number_has_finite_bounds_and_every_list_a_check(topic):
    """Each parameter states its range: the budget of time and memory is read from the bounds."""
    unbounded = [f.name for f in _fields(topic) if _kind(topic, f) in (int, float)
                 and not all(isinstance(f.metadata.get(k), (int, float)) and math.isfinite(f.metadata[k])
                             for k in ("lo", "hi"))]
    unchecked = [f.name for f in _fields(topic) if _kind(topic, f) is tuple and f.metadata.get("check") is None]
    assert not unbounded, f"{topic}: numbers without both bounds: {unbounded}"
    assert not unchecked, f"{topic}: lists without a check: {unchecked}"


_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([1e308, -1e308, 5e-324, 0, -1, 1, 2**63, 10**6, 1e-300]),
)
_LISTS = st.one_of(
    st.lists(_NUMBERS, max_size=80),
    st.lists(st.lists(_NUMBERS, max_size=4), max_size=4),
    st.lists(st.text(max_size=5), max_size=6),
)
_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "__import__('os').system('true')", "x" * 5000, "(" * 400 + "x" + ")" * 400, "2**10**10",
        "w1**99999", "1e309", "nan", "inf", "-inf", "[]", "()", "[[[[[[1]]]]]]", "w1+" * 700 + "w1",
        "\x00", "é∑", "f1 = w1/0", "lambda: 0", "open('/etc/passwd')", "{}", "1j",
    ]),
)


def _near(f: dataclasses.Field) -> st.SearchStrategy:
    """Values at and just beyond the field's own bounds."""
    edges = [v for k in ("lo", "hi") if isinstance(v := f.metadata.get(k), (int, float))]
    near = [x for e in edges for x in (e, math.nextafter(e, -math.inf), math.nextafter(e, math.inf),
                                       e - 1, e + 1, e * 10, int(e))]
    return st.sampled_from(near) if near else _NUMBERS


def _value(f: dataclasses.Field) -> st.SearchStrategy:
    return st.one_of(_near(f), _NUMBERS, _LISTS, _TEXT, st.booleans(),
                     st.dictionaries(st.text(max_size=3), _NUMBERS, max_size=2))


@pytest.mark.parametrize("topic", TOPICS)
@settings(max_examples=150, deadline=5000, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_is_read_or_refused_in_one_line(topic, data):
    """A value from a sheet (any TOML value) or from --param (its text) gives Params or one-line BadInput."""
    cls = registry.load_topic(topic).Params
    f = data.draw(st.sampled_from(_fields(topic)), label="field")
    value = data.draw(_value(f), label="value")
    if data.draw(st.booleans(), label="as command-line text"):
        value = value if isinstance(value, str) else repr(value)
    try:
        params.make(cls, {f.name: value})
    except BadInput as e:
        message = str(e)
        assert message and "\n" not in message and len(message) < 600, message


def test_no_source_evaluates_text():
    """No eval, exec, parse_expr, sympify or parse_latex on text: formulas go through theory.core.expr.

    `sympify(..., strict=True)` converts SymPy and Python numbers only and refuses text.
    """
    builtins = {"eval", "exec", "compile", "__import__"}  # called by their bare names
    readers = {"parse_expr", "sympify", "parse_latex", "S"}  # SymPy's text readers, e.g. sp.S("x")
    found = []
    for path in [*ROOT.glob("theory/**/*.py"), *ROOT.glob("checks/**/*.py"), *ROOT.glob("scripts/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                bare = getattr(node.func, "id", None)
                name = bare or getattr(node.func, "attr", None)
                strict = any(k.arg == "strict" and getattr(k.value, "value", None) is True for k in node.keywords)
                if bare in builtins or (name in readers and not (name == "sympify" and strict)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not found, found


def _within(f: dataclasses.Field, kind: type) -> st.SearchStrategy:
    """Values inside the field's bounds, the bounds themselves included when closed."""
    m = f.metadata
    if kind is int:
        return st.integers(int(math.ceil(m["lo"])) + m["lo_open"], int(m["hi"]) - m["hi_open"])
    return st.floats(m["lo"], m["hi"], exclude_min=m["lo_open"], exclude_max=m["hi_open"])


def _numeric_fields(topic: str) -> list[tuple[dataclasses.Field, type]]:
    return [(f, _kind(topic, f)) for f in _fields(topic) if _kind(topic, f) in (int, float)]


@pytest.mark.slow
@pytest.mark.parametrize("topic", TOPICS)
@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_accepted_values_solve_in_bounded_time(topic, data):
    """Any accepted value solves with every claim holding (exit 0), or is refused in one line (exit 2)."""
    fields = _numeric_fields(topic)
    if not fields:
        return
    f, kind = data.draw(st.sampled_from(fields), label="field")
    value = data.draw(_within(f, kind), label="value")
    r = subprocess.run([sys.executable, "-m", f"theory.{topic}", "--json", "--param", f"{f.name}={value!r}"],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode in (0, 2), f"{topic} {f.name}={value!r}: exit {r.returncode}\n{r.stdout[-2000:]}{r.stderr}"
    if r.returncode == 2:
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


INJECTED = "__import__('os').system('touch {marker}')"


@pytest.mark.parametrize("topic, name, template", [
    ("autodiff_modes", "formula", "{code}"),
    ("autodiff_modes", "trace", "z1 = {code}"),
    ("jacobians", "functions", "f1 = {code}"),
    ("network_drawing", "net_a", "y = {code}"),
    ("two_layer_sgd", "wiring", "y = {code}"),
])
def test_injected_code_is_refused_and_never_run(tmp_path, topic, name, template):
    marker = tmp_path / "ran"
    value = template.format(code=INJECTED.format(marker=marker))
    r = invoke(f"theory.{topic}", "--param", f"{name}={value}")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert not marker.exists()


@pytest.mark.parametrize("args", [
    ("theory.lr_divergence", "--param", "a=1e308"),
    ("theory.optimizers", "--param", "eta_adam=1e308"),
    ("theory.dropout", "--samples", "10000000000000"),
    ("theory.jacobians", "--param", "functions=f1 = " + "(" * 5000 + "w1" + ")" * 5000),
    ("theory.jacobians", "--param", "functions=f1 = " + "w1*" * 3000 + "w1"),
    ("theory.autodiff_modes", "--param", "formula=w1**10**10"),
])
def test_command_line_extremes_exit_2_in_one_line(args):
    r = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("topic, param", [
    ("lr_divergence", "a=100"),  # a wrong threshold's run overflows the floats: it diverged, no traceback
    ("losses", "scores=[100,1e-06,0,3]"),  # scores 1e-06 apart from whole numbers are written exactly
])
def test_values_at_the_ends_of_their_ranges_are_solved_and_every_claim_holds(topic, param):
    ran = invoke(f"theory.{topic}", "--param", param, "--no-mc")
    assert ran.returncode == 0 and "all hold" in ran.stdout, ran.stdout[-300:] + ran.stderr[-300:]


@pytest.mark.parametrize("module, args", [
    ("theory.lr_divergence", ("--param", "E=((((w**64)**64)**64)**64)")),  # exponents multiplied out: w**(64**4)
    ("theory.lr_divergence", ("--param", "E=exp(w)*sin(exp(exp(w)))")),  # overflows near the steps
    ("theory.lr_divergence", ("--param", "E=log(w)")),  # not real below 0
    ("theory.lr_divergence", ("--param", "E=sqrt(w)*w")),
    ("theory.kaiming", ("--param", "densities=exp(-abs(z))/2*(1+exp(-exp(exp(64))))")),  # a number of 10^27 digits
    ("theory.network_drawing", ("--param", "net_a=y = w11*x1*exp(exp(exp(64)))")),  # folded by the graph
    ("theory.kaiming", ("--param", "alpha=0.1", "--param", "alpha=0.2")),  # given twice
    ("theory", ("check", "b" * 5000)),  # quoted short
    ("theory", ("build", "a" * 300)),  # longer than a file name
    ("theory", ("grade", "--template", "a" * 300)),
])
def test_values_that_hung_or_crashed_are_refused_in_one_line(module, args):
    r = invoke(module, *args)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and len(r.stderr) < 600, r.stderr


def test_a_sheet_of_ones_own_cannot_overwrite_a_pdf_of_the_sheets_folder(tmp_path):
    own = tmp_path / "mine.toml"
    own.write_text('title = "x"\noutput = "HW1_Solution.pdf"\n[[problem]]\ntopic = "softsign"\n')
    r = invoke("theory", "build", str(own))
    assert r.returncode == 2 and "both write HW1_Solution.pdf" in r.stderr


def test_worker_count_must_be_ascii_digits(monkeypatch):
    from theory.core.assemble import jobs

    for text in ("²", "٣", "1e1"):
        monkeypatch.setenv("THEORY_JOBS", text)
        with pytest.raises(BadInput):
            jobs()


def test_a_file_cannot_ask_for_more_solves_than_a_sheet_needs(tmp_path):
    """Each distinct parameter setting of an answers file, each problem of a sheet, is solved in full: both
    are bounded, so a small file cannot ask for hours of work."""
    from theory.core import gradebook, sheet

    answers = tmp_path / "many.toml"
    answers.write_text("".join(f'[[answer]]\ntopic="kaiming"\nid="x"\nvalue="1"\nparams={{alpha={i / 100}}}\n'
                               for i in range(1, gradebook.MAX_SETTINGS + 2)))
    r = invoke("theory", "grade", str(answers))
    assert r.returncode == 2 and "settings of their own" in r.stderr
    big = tmp_path / "big.toml"
    big.write_text('title = "x"\noutput = "x.pdf"\n' + '[[problem]]\ntopic = "softsign"\n' * (sheet.MAX_PROBLEMS + 1))
    with pytest.raises(BadInput, match="problems, more than"):
        sheet.load(big)
