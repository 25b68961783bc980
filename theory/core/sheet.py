"""A sheet definition (TOML): title, output PDF name, and its problems in order."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from theory.core.errors import BadInput


@dataclass(frozen=True)
class Problem:
    number: str
    topic: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str
    course: str
    output: str
    intro: str
    problems: tuple[Problem, ...]
    path: Path


def load(path: Path) -> Sheet:
    """Parse and validate a sheet file; any defect is one BadInput sentence."""
    from theory.core import registry

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise BadInput(f"{path.name}: malformed TOML: {e}") from None
    except OSError as e:
        raise BadInput(f"{path}: cannot read sheet: {e.strerror}") from None
    for key in ("title", "output", "problem"):
        if key not in data:
            raise BadInput(f"{path.name}: missing key {key!r}")
    output = data["output"]
    if not isinstance(output, str) or not output.endswith(".pdf") or "/" in output:
        raise BadInput(f"{path.name}: output must be a file name ending in .pdf, got {output!r}")
    problems = data["problem"]
    if not isinstance(problems, list) or not problems:
        raise BadInput(f"{path.name}: expected at least one [[problem]] table")
    parsed = []
    for i, p in enumerate(problems, 1):
        if not isinstance(p, dict) or "topic" not in p:
            raise BadInput(f"{path.name}: problem {i} has no topic")
        registry.load_topic(p["topic"])  # unknown topic -> BadInput
        params = p.get("params", {})
        if not isinstance(params, dict):
            raise BadInput(f"{path.name}: problem {i}: params must be a table")
        parsed.append(Problem(str(p.get("number", i)), p["topic"], params))
    return Sheet(
        name=path.stem,
        title=str(data["title"]),
        course=str(data.get("course", "")),
        output=output,
        intro=str(data.get("intro", "")),
        problems=tuple(parsed),
        path=path,
    )
