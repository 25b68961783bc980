"""The one reader of formulas a user types: Python's parser, a whitelist, and limits.

Every expression that comes from a command line, a sheet file or a wiring
string goes through `tree` (length and nesting limits) and, when SymPy is
wanted, `read` (names and functions from a whitelist, bounded exponents).
Nothing here evaluates user text: the syntax tree is walked node by node,
and anything that is not a number, a known name, arithmetic or a call of a
whitelisted function is `BadInput`.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping

import sympy as sp

from theory.core.errors import BadInput

MAX_LENGTH = 2000  # characters of one expression
MAX_DEPTH = 200  # levels of its syntax tree (a sum of n terms is n levels deep)
MAX_BRACKETS = 40  # nesting of its brackets
MAX_EXPONENT = 64  # |n| of a numeric exponent: keeps expansions and exact powers small
MAX_DIGITS = 30  # digits of one numeric literal
MAX_MAGNITUDE = 300  # decimal digits of a number the formula computes (|log10| of it): within the floats
GROWING = ("exp", "sinh", "cosh")  # functions whose value has about |x| / 2.3 digits
PERIODIC = ("sin", "cos", "tan")  # beyond MAX_PHASE a float cannot place x within its period
MAX_PHASE = 1e15

FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "atan": sp.atan,
}
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E}

_ARITHMETIC = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul,
               ast.Div: lambda a, b: a / b}


LATEX_HINT = "write formulas as text, e.g. 2/N, sqrt(x), x**2, exp(-x)"


def _syntax(text: str, e: SyntaxError) -> str:
    """What is wrong, in the reader's terms rather than the Python parser's."""
    if "\\" in text:
        return f"LaTeX is not read here: {LATEX_HINT}"
    if "never closed" in (e.msg or "") or "unmatched" in (e.msg or ""):  # the parser says it plainly
        return e.msg
    if e.offset:
        return f"cannot read it from character {e.offset}: {text[e.offset - 1:e.offset + 19]!r}"
    return "cannot read it"


def tree(text: str, where: str = "expression") -> ast.expr:
    """The syntax tree of one expression, refused beyond MAX_LENGTH characters or MAX_DEPTH levels.

    Brackets are counted before parsing: deeply nested input exhausts parsers' stacks.
    """
    if not isinstance(text, str):
        raise BadInput(f"{where}: expected an expression as text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise BadInput(f"{where}: {len(text)} characters, more than the {MAX_LENGTH} allowed")
    if _nesting(text) > MAX_BRACKETS:
        raise BadInput(f"{where}: brackets nested more than {MAX_BRACKETS} deep")
    control = re.search(r"[\x00-\x08\x0b-\x1f]", text)
    if control:  # "\frac" in a TOML string in double quotes arrives as a form feed and "rac"
        raise BadInput(f"{where}: not an expression (it holds the control character {control[0]!r}, which a LaTeX "
                       f"command such as \\frac in double quotes turns into; {LATEX_HINT})")
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise BadInput(f"{where}: not an expression ({_syntax(text, e)})") from None
    except (RecursionError, MemoryError):
        raise BadInput(f"{where}: nested more than {MAX_DEPTH} deep") from None
    if depth(node) > MAX_DEPTH:
        raise BadInput(f"{where}: nested more than {MAX_DEPTH} deep")
    return node


def _nesting(text: str) -> int:
    """The deepest bracket nesting of the text."""
    level = deepest = 0
    for ch in text:
        if ch in "([{":
            level += 1
            deepest = max(deepest, level)
        elif ch in ")]}":
            level -= 1
    return deepest


def depth(node: ast.AST) -> int:
    """Levels of the tree, counted without recursion."""
    deepest, todo = 0, [(node, 1)]
    while todo:
        n, d = todo.pop()
        deepest = max(deepest, d)
        todo.extend((c, d + 1) for c in ast.iter_child_nodes(n))
    return deepest


def number(value: object, where: str) -> sp.Expr:
    """A numeric literal as an exact SymPy number (0.1 -> 1/10), refused if absurdly long."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"{where}: {value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadInput(f"{where}: {value!r} is not a finite number")
    if isinstance(value, int) and len(str(abs(value))) > MAX_DIGITS:
        raise BadInput(f"{where}: a number with more than {MAX_DIGITS} digits")
    return sp.Integer(value) if isinstance(value, int) else sp.Rational(repr(value))


def _approx(x: sp.Expr) -> complex | None:
    """A number built by `read` (bounded at every step, so quick to evaluate) to 15 digits; None if not one."""
    try:
        return complex(sp.N(x, 15))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None


def power(base: sp.Expr, exponent: sp.Expr, where: str) -> sp.Expr:
    """base**exponent, refusing a numeric exponent beyond MAX_EXPONENT (2**10**10 would never finish), a power
    whose exponents multiply beyond it ((w**64)**64 is w**4096) and a number of more than MAX_MAGNITUDE digits
    (((2**64)**64)**64)."""
    if exponent.is_number:
        e = _approx(exponent)
        if e is None or e.imag or not abs(e.real) <= MAX_EXPONENT:
            raise BadInput(f"{where}: exponent {sp.sstr(exponent)[:40]} is outside [-{MAX_EXPONENT}, {MAX_EXPONENT}]")
        b = _approx(base) if base.is_number else None
        if b and abs(e.real) * abs(math.log10(abs(b))) > MAX_MAGNITUDE:
            raise BadInput(f"{where}: {sp.sstr(base)[:20]}**{sp.sstr(exponent)[:20]} has more than "
                           f"{MAX_MAGNITUDE} digits")
    result = base**exponent
    for p in result.atoms(sp.Pow) if isinstance(result, sp.Basic) else ():
        if p.exp.is_Number and abs(p.exp) > MAX_EXPONENT**2:
            raise BadInput(f"{where}: a power of {sp.sstr(p.exp)[:20]}, beyond {MAX_EXPONENT**2} once its "
                           "exponents are multiplied out")
    return result


def bounded(value: sp.Expr, where: str) -> sp.Expr:
    """`value`, unless arithmetic made a number beyond MAX_MAGNITUDE digits of it: a product of literals, or of
    exponentials that SymPy merges into one (exp(500) * exp(500) is exp(1000))."""
    if not isinstance(value, sp.Basic):
        return value
    for n in value.atoms(sp.Rational):
        if max(n.p.bit_length(), n.q.bit_length()) * math.log10(2) > MAX_MAGNITUDE + 1:
            raise BadInput(f"{where}: a number of more than {MAX_MAGNITUDE} digits")
    for e in value.atoms(sp.exp):
        bounded_function("exp", list(e.args), where)
    return value


def bounded_function(name: str, args: list[sp.Expr], where: str) -> None:
    """Refuse exp, sinh and cosh of a number beyond MAX_MAGNITUDE * ln 10 (a value no evaluation can finish
    writing) and sin, cos and tan of one beyond MAX_PHASE (a float cannot place it within its period)."""
    if name in GROWING + PERIODIC and len(args) == 1 and args[0].is_number:
        x = _approx(args[0])
        if name in PERIODIC and (x is None or abs(x.real) > MAX_PHASE):
            raise BadInput(f"{where}: {name}({sp.sstr(args[0])[:30]}) of an argument beyond {MAX_PHASE:g}: "
                           "no float resolves its period")
        if x is None or abs(x.real) > MAX_MAGNITUDE * math.log(10):
            raise BadInput(f"{where}: {name}({sp.sstr(args[0])[:30]}) is beyond {MAX_MAGNITUDE} digits")


def read(
    text: str,
    symbols: Mapping[str, sp.Expr],
    *,
    functions: Mapping[str, Callable[..., sp.Expr]] | None = None,
    where: str = "expression",
    constants: Mapping[str, sp.Expr] | None = None,
) -> sp.Expr:
    """`text` as a SymPy expression in `symbols` (name -> SymPy value), with whitelisted functions.

    `constants` are further names accepted but not listed (numbers in force, SymPy's spellings).
    An unknown name is bad input whose message lists the symbols expected.
    """
    functions = FUNCTIONS if functions is None else functions
    names = {**CONSTANTS, **(constants or {}), **symbols}

    def build(t: ast.AST) -> sp.Expr:
        if isinstance(t, ast.Constant):
            return number(t.value, where)
        if isinstance(t, ast.Name):
            if t.id in names:
                return names[t.id]
            raise BadInput(f"{where}: unknown name {t.id!r} " + (f"(expected: {', '.join(sorted(symbols))})" if symbols
                           else "(no names here: a number, in digits, or an exact form such as 1/3 or sqrt(2))"))
        if isinstance(t, ast.UnaryOp) and isinstance(t.op, (ast.USub, ast.UAdd)):
            arg = build(t.operand)
            return -arg if isinstance(t.op, ast.USub) else arg
        if isinstance(t, ast.BinOp) and isinstance(t.op, ast.Pow):
            return power(build(t.left), build(t.right), where)
        if isinstance(t, ast.BinOp) and type(t.op) in _ARITHMETIC:
            return bounded(_ARITHMETIC[type(t.op)](build(t.left), build(t.right)), where)
        if isinstance(t, ast.Call) and isinstance(t.func, ast.Name) and not t.keywords:
            f = functions.get(t.func.id)
            if f is None:
                raise BadInput(f"{where}: unknown function {t.func.id!r} (known: {', '.join(sorted(functions))})")
            args = [build(a) for a in t.args]
            bounded_function(t.func.id, args, where)
            try:
                return f(*args)
            except TypeError:
                raise BadInput(f"{where}: wrong number of arguments to {t.func.id}") from None
        raise BadInput(f"{where}: unsupported syntax {ast.unparse(t)[:60]!r}")

    value = build(tree(text, where))
    if isinstance(value, sp.Basic) and value.has(sp.zoo, sp.nan):
        raise BadInput(f"{where}: undefined (a division by zero)")
    return value
