"""A sheet definition (TOML): title, output PDF name, and its problems in order.

Everything is validated when the sheet is loaded, parameters included, so a bad
value in the last problem fails before the first one is solved.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from theory.core.errors import BadInput

MAX_BYTES = 1 << 20  # a sheet is a few kilobytes; more is a mistake or an attack
MAX_PROBLEMS = 40  # problems of one sheet: the sheets here have 5 to 7, each solved in seconds
TEXT_KEYS = ("title", "course", "intro", "output")
SHEET_KEYS = (*TEXT_KEYS, "problem")
PROBLEM_KEYS = ("number", "topic", "params")
# A plain file name: no path parts, no leading dot or dash, nothing a shell or TeX reads specially.
OUTPUT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}\.pdf")
RESERVED_STEMS = ("cache",)  # solutions/build/cache holds the training cache
# The number also names figure files, so it gets the same safe characters.
NUMBER = re.compile(r"[A-Za-z0-9_.-]{1,20}")


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
    data = read_toml(path)
    file = path.name
    _allowed(file, data, SHEET_KEYS)
    for key in ("title", "output", "problem"):
        if key not in data:
            raise BadInput(f"{file}: missing key {key!r}")
    for key in TEXT_KEYS:
        if key in data and not isinstance(data[key], str):
            raise BadInput(f"{file}: {key} must be a string, got {_kind(data[key])}")
    output = _output(file, data)
    problems = data["problem"]
    if not isinstance(problems, list) or not problems or not all(isinstance(p, dict) for p in problems):
        raise BadInput(f"{file}: problem must be a non-empty array of [[problem]] tables, got {_kind(problems)}")
    if len(problems) > MAX_PROBLEMS:
        raise BadInput(f"{file}: {len(problems)} problems, more than the {MAX_PROBLEMS} a sheet may have "
                       "(each is solved and checked in full)")
    return Sheet(
        name=path.stem,
        title=data["title"],
        course=data.get("course", ""),
        output=output,
        intro=data.get("intro", ""),
        problems=tuple(_problem(file, i, p) for i, p in enumerate(problems, 1)),
        path=path,
    )


def check_unique_outputs(paths: Iterable[Path] | None = None) -> None:
    """Two sheets writing one PDF would overwrite each other: refuse (default: the sheets in solutions/)."""
    from theory.core import registry

    if paths is None:
        paths = [registry.sheet_path(n) for n in registry.sheet_names()]
    seen: dict[str, Path] = {}
    for path in paths:
        output = _output(path.name, read_toml(path))
        other = seen.setdefault(output.lower(), path)  # lower: case-insensitive file systems
        if other != path:
            raise BadInput(f"{other.name} and {path.name} both write {output}: give each sheet its own output")


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML table of a sheet file that is UTF-8 and at most MAX_BYTES long."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise BadInput(f"{path.name}: larger than {MAX_BYTES >> 20} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BadInput(f"{path.name}: not UTF-8 text (invalid byte at offset {e.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        hint = (" (a backslash in double quotes starts an escape: write the value in single quotes, 'like\\this')"
                if "escape" in str(e).lower() or "\\'" in str(e) else "")
        raise BadInput(f"{path.name}: malformed TOML: {e}{hint}") from None
    except RecursionError:
        raise BadInput(f"{path.name}: malformed TOML: nested too deeply") from None
    except ValueError as e:  # an integer of more digits than Python converts (4300)
        raise BadInput(f"{path.name}: unreadable number ({str(e)[:60]})") from None


def _output(file: str, data: dict[str, Any]) -> str:
    """The output PDF name, safe to join to the build folder and to hand to TeX."""
    output = data.get("output")
    if output is None:
        raise BadInput(f"{file}: missing key 'output'")
    if not (isinstance(output, str) and OUTPUT_NAME.fullmatch(output) and ".." not in output
            and output[:-4] not in RESERVED_STEMS):
        raise BadInput(
            f"{file}: output must be a plain file name ending in .pdf such as HW1_Solution.pdf "
            f"(at most 100 letters, digits, '_', '-', '.'; not starting with '.' or '-'; no '..'; "
            f"not {', '.join(s + '.pdf' for s in RESERVED_STEMS)}), got {_show(output)}"
        )
    return output


def _problem(file: str, i: int, p: dict[str, Any]) -> Problem:
    """One [[problem]] table, its topic and parameters checked."""
    from theory.core import params, registry

    _allowed(f"{file}, problem {i}", p, PROBLEM_KEYS)
    number = p.get("number", i)
    if isinstance(number, bool) or not isinstance(number, (str, int)) or not NUMBER.fullmatch(str(number)):
        raise BadInput(f"{file}, problem {i}: number must be a string or integer of at most 20 letters, "
                       f"digits, '_', '-', '.', got {_show(number)}")
    where = f"{file}, problem {number}"
    topic = p.get("topic")
    if not isinstance(topic, str):
        raise BadInput(f"{where}: topic must be a string naming a topic (topics: {', '.join(registry.TOPICS)}), "
                       f"got {_kind(topic)}")
    overrides = p.get("params", {})
    if not isinstance(overrides, dict):
        raise BadInput(f"{where}: params must be a table, got {_kind(overrides)}")
    try:
        params.make(registry.load_topic(topic).Params, overrides)
    except BadInput as e:
        raise BadInput(f"{where}: {e}") from None
    return Problem(str(number), topic, overrides)


def _allowed(where: str, table: dict[str, Any], keys: tuple[str, ...]) -> None:
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise BadInput(f"{where}: unknown key {', '.join(_show(k) for k in unknown)} (allowed: {', '.join(keys)})")


def _kind(value: Any) -> str:
    """A value's TOML type, for messages."""
    if value is None:
        return "nothing"
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array",
             dict: "a table"}
    return next((n for t, n in names.items() if isinstance(value, t)), "a date or time")


def _show(value: Any, limit: int = 60) -> str:
    """repr, cut short: a message stays one readable line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
