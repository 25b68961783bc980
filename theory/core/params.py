"""Topic parameters: frozen dataclasses whose fields carry their own bounds.

A topic writes

    @dataclass(frozen=True)
    class Params(Parameters):
        eta: float = param(0.1, "learning rate", lo=0, lo_open=True)

and gets validation on construction (BadInput with one clear sentence) and
parsing of `--param eta=0.3` or of a sheet's TOML table.
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


def positive_list(what: str, example: str = "(0.5, 1.0, 1.5)") -> Callable[[Any], str | None]:
    """A `check=` for a non-empty tuple of positive numbers (not NaN), e.g. multipliers or slopes."""

    def check(value: Any) -> str | None:
        if not value or any(not isinstance(v, (int, float)) or not v > 0 for v in value):
            return f"expected a non-empty list of positive {what}, e.g. {example}"
        return None

    return check


def whole_list(what: str, lo: int, example: str = "") -> Callable[[Any], str | None]:
    """A `check=` for a non-empty tuple of whole numbers >= lo (10.0 counts), e.g. depths or sizes."""

    def check(value: Any) -> str | None:
        if not value or any(not isinstance(v, (int, float)) or not float(v).is_integer() or v < lo
                            for v in value):
            return (f"expected a non-empty list of whole numbers >= {lo} ({what})"
                    + (f", e.g. {example}" if example else ""))
        return None

    return check


class Parameters:
    """Base of every topic's Params: validates each field against its metadata."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            _validate(type(self).__name__, f, getattr(self, f.name))

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


def _validate(owner: str, f: dataclasses.Field, value: Any) -> None:
    m = f.metadata
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise BadInput(f"parameter {f.name} must be a finite number, got {value}")
        lo, hi = m.get("lo"), m.get("hi")
        if lo is not None and (value < lo or (m["lo_open"] and value == lo)):
            raise BadInput(f"parameter {f.name} = {value} is out of range: {_range(m)} ({m['doc']})")
        if hi is not None and (value > hi or (m["hi_open"] and value == hi)):
            raise BadInput(f"parameter {f.name} = {value} is out of range: {_range(m)} ({m['doc']})")
    check = m.get("check")
    if check is not None:
        problem = check(value)
        if problem:
            raise BadInput(f"parameter {f.name}: {problem}")


def _range(m: Mapping[str, Any]) -> str:
    lo = "(-inf" if m["lo"] is None else ("(" if m["lo_open"] else "[") + f"{m['lo']:g}"
    hi = "inf)" if m["hi"] is None else f"{m['hi']:g}" + (")" if m["hi_open"] else "]")
    return f"must lie in {lo}, {hi}"


def _coerce(name: str, hint: Any, value: Any) -> Any:
    """Turn a CLI string or a TOML value into the field's declared type."""
    origin = typing.get_origin(hint) or hint
    if isinstance(value, str) and origin is not str:
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise BadInput(f"parameter {name}: cannot read {value!r} as {_type_name(hint)}") from None
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
            return _freeze(value)
    except (TypeError, ValueError):
        pass
    raise BadInput(f"parameter {name}: expected {_type_name(hint)}, got {value!r}")


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


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
            raise BadInput(f"--param expects name=value, got {item!r}")
        out[name.strip()] = value.strip()
    return out


def describe(cls: type) -> list[tuple[str, Any, str]]:
    """(name, default, meaning) for each parameter, for help text and the PDF."""
    return [(f.name, f.default, f.metadata.get("doc", "")) for f in dataclasses.fields(cls)]
