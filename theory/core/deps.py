"""Which source files a topic's result depends on: its project imports, followed to the end.

Read from the import statements (function-level ones included) without importing anything, so a
cache key or an up-to-date stamp changes exactly when a file the topic uses changes, and adding
or editing another topic leaves it alone.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from theory.core.registry import ROOT

PACKAGES = ("theory", "checks")


def _file(module: str) -> Path | None:
    """The file of a project module (`theory.core.prove`), or None for anything outside the project."""
    if module.split(".")[0] not in PACKAGES:
        return None
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_main_block(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":`: what runs only from the command line, not part of a result."""
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__")


@functools.cache
def _imports(path: Path) -> frozenset[str]:
    """Modules named by the file's imports (`from a.b import c` names a.b and a.b.c); read once per process."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in _statements([s for s in tree.body if not _is_main_block(s)]):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return frozenset(names)


def _statements(body: list) -> Iterator[ast.AST]:
    """Every statement in `body` and in the blocks nested in it (functions, branches, `try`, `with`...):
    an import is a statement, so the expressions need not be walked."""
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                yield from _statements(block)


def _with_parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


_PARSING = threading.Lock()  # CPython 3.11's parser keeps state shared by threads: one parse at a time


@functools.cache
def closure(module: str) -> tuple[Path, ...]:
    """Every project file `module` imports, directly or not, itself and its packages included."""
    seen: dict[Path, None] = {}
    todo = [module]
    with _PARSING:
        while todo:
            for name in _with_parents(todo.pop()):
                path = _file(name)
                if path is not None and path not in seen:
                    seen[path] = None
                    todo.extend(_imports(path))
    return tuple(sorted(seen))


def digest(files: Iterable[Path], *extra: str) -> str:
    """One hash of the files' names and contents and of `extra` strings."""
    h = hashlib.sha256("\0".join(extra).encode())
    for f in sorted(set(files)):
        h.update(str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f).encode() + b"\0")
        h.update(_AS_IMPORTED.get(f) or hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


_AS_IMPORTED: dict[Path, bytes] = {}  # the project's sources as this process first saw them


def remember_sources() -> None:
    """Hash every project module now, as the process starts importing them: a file edited while a
    long-lived process runs (a test worker, a build) then keys that process's results by the code it
    runs, not by the edit, so a cache never holds old results under a new key."""
    for package in PACKAGES:
        for f in (ROOT / package).rglob("*.py"):
            _AS_IMPORTED.setdefault(f, hashlib.sha256(f.read_bytes()).digest())
