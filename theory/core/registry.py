"""Where topics and sheets live, and how a name becomes a module or a sheet file."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

from theory.core.errors import BadInput

ROOT = Path(__file__).resolve().parents[2]
# Every module directly in theory/ is a topic; packages (core, autodiff) are engines.
TOPICS = tuple(sorted(m.name for m in pkgutil.iter_modules([str(ROOT / "theory")])
                      if not m.ispkg and not m.name.startswith("_")))
SHEETS_DIR = ROOT / "solutions"
BUILD_DIR = SHEETS_DIR / "build"


def named(name: str) -> str:
    """A name as an error message quotes it: at most 60 characters."""
    return repr(name) if len(name) <= 60 else repr(name[:57] + "...")


def load_topic(name: str) -> ModuleType:
    """The module `theory.<name>`; an unknown name is bad input."""
    if name not in TOPICS:
        raise BadInput(f"unknown topic {named(name)} (topics: {', '.join(TOPICS)})")
    return importlib.import_module(f"theory.{name}")


def sheet_names() -> list[str]:
    return sorted(p.stem for p in SHEETS_DIR.glob("*.toml"))


def sheet_path(name: str) -> Path:
    """A sheet by name (`iust-dl-hw1`) or by path to its TOML file."""
    direct = Path(name)
    try:
        if direct.suffix == ".toml" and direct.is_file():
            return direct
        path = SHEETS_DIR / f"{name}.toml"
        if path.is_file():
            return path
    except (OSError, ValueError):  # a name too long for a file name, or with a NUL in it
        pass
    raise BadInput(f"unknown sheet {named(name)} (sheets: {', '.join(sheet_names()) or 'none'})")
