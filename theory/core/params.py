"""Topic parameters: frozen dataclasses whose fields carry their own bounds.

A topic writes

    @dataclass(frozen=True)
    class Params(Parameters):
        eta: float = param(0.1, "learning rate", lo=0, lo_open=True)

and gets validation on construction (BadInput with one clear sentence) and
parsing of `--param eta=0.3` or of a sheet's TOML table.

Every number has both bounds, and they come from a budget: no accepted
parameter set may take more than about two minutes or 2 GiB on a 2-core
machine, so a bound is where a size makes a run too long or too large, or
where a value leaves the range the derivation and float arithmetic hold in.
Text and lists are bounded too (MAX_TEXT characters, MAX_ITEMS entries).
"""

from __future__ import annotations

import ast
import dataclasses
import math
import typing
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from theory.core.errors import BadInput
from theory.core.render.plain import plain

MAX_TEXT = 2000  # characters of a text parameter (expressions are read by theory.core.expr)
MAX_ITEMS = 64  # entries of a list parameter, at each level
MAX_INPUT = 20_000  # characters of one --param value or sheet value before it is read at all


def param(
    default: Any,
    doc: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    """A parameter field: default from the sheet, a one-line meaning, its bounds."""
    meta = {"doc": doc, "lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open, "check": check}
    return dataclasses.field(default=default, metadata=meta)


def exact_decimal(x: float) -> sp.Rational:
    """A parameter as the exact decimal it was written as (0.9 -> 9/10, not the binary float).

    `repr` of a float is the shortest decimal that reads back as the same float, so a number
    written with up to 15 significant digits comes back as written.
    """
    return sp.Rational(repr(float(x)))


def numbers(
    what: str,
    *,
    lo: float,
    hi: float,
    lo_open: bool = False,
    hi_open: bool = False,
    whole: bool = False,
    length: tuple[int, int] = (1, 8),
    example: str = "",
) -> Callable[[Any], str | None]:
    """A `check=` for a flat tuple of numbers in a range, with between length[0] and length[1] entries."""
    interval = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    kind = "whole numbers" if whole else "numbers"
    count = f"{length[0]}" if length[0] == length[1] else f"{length[0]} to {length[1]}"
    wanted = f"expected {count} {kind} in {interval} ({what})" + (f", e.g. {example}" if example else "")

    def fits(v: Any) -> bool:
        return (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
                and (not whole or float(v).is_integer()))

    def check(value: Any) -> str | None:
        ok = isinstance(value, tuple) and length[0] <= len(value) <= length[1] and all(fits(v) for v in value)
        return None if ok else wanted

    return check


def positive_list(what: str, example: str = "(0.5, 1.0, 1.5)", hi: float = 1e6,
                  length: tuple[int, int] = (1, 8)) -> Callable[[Any], str | None]:
    """A `check=` for a non-empty tuple of positive numbers up to `hi`, e.g. multipliers or slopes."""
    return numbers(what, lo=0.0, lo_open=True, hi=hi, length=length, example=example)


def whole_list(what: str, lo: int, example: str = "", hi: int = 10_000,
               length: tuple[int, int] = (1, 8)) -> Callable[[Any], str | None]:
    """A `check=` for a non-empty tuple of whole numbers in [lo, hi] (10.0 counts), e.g. depths or sizes."""
    return numbers(what, lo=lo, hi=hi, whole=True, length=length, example=example)


class Parameters:
    """Base of every topic's Params: validates each field against its metadata."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            _validate(type(self).__name__, f, getattr(self, f.name))

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def is_default(self, *names: str) -> bool:
        """Whether the named parameters (all of them if none is named) hold their defaults, the sheet's values.

        Text written about the defaults (where a value came from, what the sheet's numbers show) is printed
        only when this holds; a variant sheet gets text about its own values.
        """
        fields = {f.name: f for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        unknown = [n for n in names if n not in fields]
        if unknown:
            raise KeyError(f"no parameter {', '.join(unknown)} in {type(self).__name__}")
        return all(getattr(self, n) == fields[n].default for n in names or fields)


def _validate(owner: str, f: dataclasses.Field, value: Any) -> None:
    m = f.metadata
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise BadInput(f"parameter {f.name}: {len(value)} characters, more than the {MAX_TEXT} allowed")
    if isinstance(value, tuple):
        _check_items(f.name, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise BadInput(f"parameter {f.name} must be a finite number, got {value}")
        lo, hi = m.get("lo"), m.get("hi")
        if lo is not None and (value < lo or (m["lo_open"] and value == lo)):
            raise BadInput(f"parameter {f.name} = {value} is out of range: {_range(m)} ({plain(m['doc'])})")
        if hi is not None and (value > hi or (m["hi_open"] and value == hi)):
            raise BadInput(f"parameter {f.name} = {value} is out of range: {_range(m)} ({plain(m['doc'])})")
    check = m.get("check")
    if check is not None:
        problem = check(value)
        if problem:
            raise BadInput(f"parameter {f.name}: {problem}")


def _check_items(name: str, value: tuple) -> None:
    """A list parameter: at most MAX_ITEMS entries per level, each a finite number, a text or a list."""
    todo = [value]
    while todo:
        items = todo.pop()
        if len(items) > MAX_ITEMS:
            raise BadInput(f"parameter {name}: {len(items)} entries, more than the {MAX_ITEMS} allowed")
        for v in items:
            if isinstance(v, tuple):
                todo.append(v)
            elif isinstance(v, str):
                if len(v) > MAX_TEXT:
                    raise BadInput(f"parameter {name}: an entry of more than {MAX_TEXT} characters")
            elif isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise BadInput(f"parameter {name}: entry {v!r} is not a finite number")


def _range(m: Mapping[str, Any]) -> str:
    lo = "(-inf" if m["lo"] is None else ("(" if m["lo_open"] else "[") + f"{m['lo']:g}"
    hi = "inf)" if m["hi"] is None else f"{m['hi']:g}" + (")" if m["hi_open"] else "]")
    return f"must lie in {lo}, {hi}"


def _coerce(name: str, hint: Any, value: Any) -> Any:
    """Turn a CLI string or a TOML value into the field's declared type."""
    origin = typing.get_origin(hint) or hint
    if isinstance(value, str) and len(value) > MAX_INPUT:
        raise BadInput(f"parameter {name}: {len(value)} characters, more than the {MAX_INPUT} read")
    if isinstance(value, str) and origin is not str:
        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise BadInput(f"parameter {name}: cannot read {value[:60]!r} as {_type_name(hint)}") from None
    try:
        if origin is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if origin is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if origin is bool and isinstance(value, bool):
            return value
        if origin is str and isinstance(value, str):
            return value
        if origin is tuple and isinstance(value, (list, tuple)):
            return _freeze(name, value)
    except BadInput:
        raise
    except (TypeError, ValueError, OverflowError):
        pass
    raise BadInput(f"parameter {name}: expected {_type_name(hint)}, got {_short(value)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _freeze(name: str, value: Any, level: int = 0) -> Any:
    """Lists (from TOML or the command line) as tuples of floats and texts, at most 4 levels deep."""
    if isinstance(value, (list, tuple)):
        if level >= 4:
            raise BadInput(f"parameter {name}: lists nested more than 4 deep")
        return tuple(_freeze(name, v, level + 1) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, (float, str)):
        return value
    raise BadInput(f"parameter {name}: entry {_short(value)} is not a number or a text")


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint)


def make(cls: type, overrides: Mapping[str, Any]) -> Any:
    """Build `cls` from its defaults and user overrides; unknown names are BadInput."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise BadInput(
            f"unknown parameter {', '.join(unknown)} (this topic takes: {', '.join(names)})"
        )
    values = {k: _coerce(k, hints[k], v) for k, v in overrides.items()}
    return cls(**values)


def parse_assignments(items: list[str]) -> dict[str, str]:
    """`["eta=0.3", "alpha=0.1"]` -> `{"eta": "0.3", "alpha": "0.1"}`."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BadInput(f"--param expects name=value, got {item[:60]!r}")
        if name.strip() in out:
            raise BadInput(f"--param {name.strip()[:60]} given twice: give each parameter once")
        out[name.strip()] = value.strip()
    return out


def describe(cls: type) -> list[tuple[str, Any, str]]:
    """(name, default, meaning) for each parameter, for help text: a meaning's mathematics as plain text (the PDF
    typesets the field's own doc)."""
    return [(f.name, f.default, plain(f.metadata.get("doc", ""))) for f in dataclasses.fields(cls)]
