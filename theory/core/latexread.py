"""Read a displayed LaTeX formula back into SymPy, so that what the reader sees can be proved.

The grammar is the mathematics the topics display: sums and products written
by juxtaposition, `\\frac`, `\\sqrt`, powers, sub- and superscripted names,
`|x|`, the elementary functions, `\\sum` with bounds, derivatives
`\\frac{d}{dx}`, `pmatrix`, and a trailing `\\approx 0.3501` (a rounded value).
A `Notation` adds a topic's own spellings: names (`\\mathbb{E}[W^2]`, `d_h`)
and functions (`\\sigma`, `\\mathrm{ReLU}`). Nothing is guessed: an unknown
name, command or construction raises `Unreadable`, and the display is then
reported as unchecked rather than read in some other sense.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

MAX_LENGTH = 4000  # characters of one display
ROUNDED_FIGURES = 5  # a decimal of this many significant figures or more inside a display is a rounded value


class Unreadable(ValueError):
    """The display is outside what can be read back without guessing."""


_SPACING = re.compile(r"(?<!\\)\\(?:[,;:! ]|quad\b|qquad\b|displaystyle\b|textstyle\b)|~")
_SIZING = re.compile(r"\\(?:left|right|[bB]igg?[lrm]?)(?![a-zA-Z])")
_SINGLE = re.compile(r"([_^])\{([A-Za-z0-9*])\}")


@functools.lru_cache(maxsize=65536)
def canonical(tex: str) -> str:
    """One spelling per formula: no spacing or sizing commands, no braces around one character.

    Names are put in this form at every lookup, so the (pure) result is remembered."""
    tex = re.sub(r"(?<=\d)(?:\\,|\{,\})(?=\d{3}(?!\d))", "", tex)  # 39\,065 and 39{,}065 are one number
    tex = re.sub(r"~?\\(?:mathrm|operatorname)\{mod\}~?|\\bmod", r" \\bmod ", tex)
    tex = _SPACING.sub(" ", tex)
    tex = _SIZING.sub("", tex)
    tex = tex.replace(r"\lvert", "|").replace(r"\rvert", "|").replace(r"\vert", "|")
    tex = re.sub(r"\\[td]frac", r"\\frac", tex)
    tex = re.sub(r"\s+", " ", tex).strip().rstrip(".,; ").strip()
    tex = re.sub(r"\s*([_^{}()\[\]+\-=/|,])\s*", r"\1", tex)
    return _SINGLE.sub(r"\1\2", tex)


GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega", "ell",
}
ACCENTS = {"hat", "bar", "tilde", "mathbf", "boldsymbol", "vec", "dot", "mathcal", "mathrm", "operatorname",
           "mathbb", "mathit", "mathsf"}
FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "exp": sp.exp, "ln": sp.log, "log": sp.log, "arctan": sp.atan,
}
NAMED = {r"\operatorname{det}": lambda m: m.det(), r"\operatorname{tr}": sp.trace, r"\det": lambda m: m.det()}
RELATIONS = {"=": sp.Eq, r"\le": sp.Le, r"\leq": sp.Le, r"\ge": sp.Ge, r"\geq": sp.Ge, "<": sp.Lt, ">": sp.Gt,
             r"\ne": sp.Ne, r"\neq": sp.Ne}


@dataclass(frozen=True)
class Notation:
    """A topic's spellings: `names` (canonical LaTeX -> SymPy value) and `functions` (LaTeX name -> callable).

    `sums` gives the range of an index summed without bounds (`\\sum_j` over j = 1..d_h).
    `indexed` gives families read with their subscripts as arguments: `a_{(i-j) \\bmod n}` is
    `indexed["a"]((i-j) mod n)`, `S_{ik}` (letters: one index each) and `(C_a)_{k,j}` take two.
    In a chain with cases, a name's or family's value may be a function of the case's keywords.
    """

    names: Mapping[str, sp.Basic] = field(default_factory=dict)
    functions: Mapping[str, Callable[..., sp.Expr]] = field(default_factory=dict)
    sums: Mapping[str, tuple[sp.Expr, sp.Expr]] = field(default_factory=dict)
    indexed: Mapping[str, Callable[..., sp.Expr]] = field(default_factory=dict)
    printing: Mapping[str, Any] = field(default_factory=dict)  # sp.latex settings, e.g. {"ln_notation": True}

    def printed(self, value: sp.Basic) -> str:
        """The LaTeX of a checked value, in this notation's names for its symbols; where the notation
        reads `\\sigma` as the logistic function, 1/(1 + e^{-u}) prints as sigma(u)."""
        names = {v: k for k, v in self.names.items() if isinstance(v, sp.Symbol)}
        names.update(self.printing.get("symbol_names", {}))  # a notation's own spellings come on top
        if _is_logistic(self.functions.get("sigma")) and isinstance(value, (sp.Basic, sp.MatrixBase)):
            value = value.replace(_logistic_of, lambda e: _SIGMA(_logistic_of(e)))
        return Printer({**self.printing, "symbol_names": names}).doprint(value)

    def with_symbols(self, symbols: Mapping[str, sp.Basic]) -> Notation:
        return Notation({**symbols, **self.names}, self.functions, self.sums, self.indexed, self.printing)

    def at(self, case: Mapping[str, Any]) -> Notation:
        """The notation in one case of a chain: names and families given as functions of the case, evaluated
        (the notation itself when nothing in it depends on the case)."""
        if not any(callable(v) and not isinstance(v, sp.Basic) for v in self.names.values()) and \
                not any(getattr(v, "per_case", False) for v in self.indexed.values()):
            return self
        def value(v):
            return v(**case) if callable(v) and not isinstance(v, sp.Basic) else v
        families = {k: v(**case) if getattr(v, "per_case", False) else v for k, v in self.indexed.items()}
        return Notation({k: value(v) for k, v in self.names.items()}, self.functions, self.sums, families,
                        self.printing)


class Printer(LatexPrinter):
    """SymPy's LaTeX, except that a sum does not open with a minus sign when one of its terms is positive:
    w - eta g, y - t and 1 - x, as a person writes them, not -eta g + w, -t + y and -x + 1."""

    def _print_Add(self, expr, order=None):  # SymPy's, with the terms reordered (and matrix terms signed)
        terms = self._as_ordered_terms(expr, order=order)
        first = next((i for i, t in enumerate(terms) if not _printed_negative(t)), 0)
        terms = [terms[first], *terms[:first], *terms[first + 1:]]
        tex = ""
        for i, term in enumerate(terms):
            if i and _printed_negative(term):
                tex += " - "
                term = -term
            elif i:
                tex += " + "
            term_tex = self._print(term)
            tex += rf"\left({term_tex}\right)" if self._needs_add_brackets(term) else term_tex
        return tex

    def _print_Integer(self, expr):  # 39\,065 as the key prints it: digits in groups of three from five on
        n = int(expr)
        return f"{n:,}".replace(",", r"\,") if abs(n) >= 10_000 else str(n)

    def _print_Transpose(self, expr):  # X^\top, as the derivations write it (SymPy prints X^T)
        base = self._print(expr.arg)
        return rf"\left({base}\right)^{{\top}}" if not expr.arg.is_symbol else rf"{base}^{{\top}}"

    def _print_Symbol(self, expr, style="plain"):  # lambda_max as \lambda_{\max}: an upright max, not m a x
        return re.sub(r"_\{(max|min)\}", r"_{\\\1}", super()._print_Symbol(expr, style=style))

    def _print_Indexed(self, expr):  # w^{(t)}_{i}: the index beneath the superscript, not {w^{(t)}}_{i} after it
        base = self._print(expr.base.label)
        if "^" in base and "_" not in base:
            return f"{base}_{{{','.join(self._print(i) for i in expr.indices)}}}"
        return super()._print_Indexed(expr)

    def _print_Identity(self, expr):  # the identity matrix as the displays write it: I, not SymPy's blackboard I
        return "I"


def _printed_negative(term: sp.Basic) -> bool:
    """Whether a term prints with a leading minus (a matrix product: when its scalar factor does)."""
    return term.could_extract_minus_sign() or (term.is_MatMul and term.args[0].could_extract_minus_sign())


_SIGMA = sp.Function("sigma")


@functools.lru_cache(maxsize=64)
def _is_logistic(f: Callable[..., sp.Expr] | None) -> bool:
    """Whether the notation's sigma is the logistic function (proved once per function)."""
    u = sp.Dummy("u", real=True)
    try:
        return f is not None and sp.simplify(f(u) - 1 / (1 + sp.exp(-u))) == 0
    except (TypeError, ValueError):
        return False


def _logistic_of(e: sp.Basic) -> sp.Basic | None:
    """u when `e` is 1/(1 + e^{-u}) (as SymPy writes it), else None (falsy: `replace` leaves it)."""
    if isinstance(e, sp.Pow) and e.exp == -1 and isinstance(e.base, sp.Add) and len(e.base.args) == 2:
        one, other = sorted(e.base.args, key=lambda a: a != 1)
        if one == 1 and isinstance(other, sp.exp):
            return -other.args[0]
    return None


def per_case(family: Callable[..., Callable[..., sp.Expr]]) -> Callable[..., Callable[..., sp.Expr]]:
    """Mark an indexed family that depends on the case: `family(**case)` gives the family itself."""
    family.per_case = True  # type: ignore[attr-defined]
    return family


@dataclass(frozen=True)
class Reading:
    """A display read back: its value, and the decimal it claims the value rounds to (if any)."""

    value: sp.Basic
    rounded: sp.Expr | None = None
    digits: int = 0
    inputs_rounded_to: int = 0  # fewest significant figures of a long decimal inside (a rounded input), or 0
    largest: float = 0.0  # the largest number written in the display: the scale of its rounding errors


def read(tex: str, notation: Notation, symbols: Mapping[str, sp.Basic] = {}) -> Reading:  # noqa: B006
    """`tex` as SymPy in `notation`, its other names looked up in `symbols` (canonical LaTeX -> value)."""
    if len(tex) > MAX_LENGTH:
        raise Unreadable(f"a display of {len(tex)} characters")
    parts = re.split(r"\\approx", canonical(tex))
    if len(parts) > 2:
        raise Unreadable("more than one \\approx")
    parser = _Parser(parts[0], notation.with_symbols(symbols))
    try:
        value = parser.relation()
    except (TypeError, ValueError, sp.SympifyError, RecursionError) as e:  # e.g. a matrix plus a number
        if isinstance(e, Unreadable):
            raise
        raise Unreadable(f"not a well-formed formula ({type(e).__name__}: {str(e)[:60]})") from None
    if parser.pos < len(parser.text):
        raise Unreadable(f"cannot read {parser.text[parser.pos:parser.pos + 30]!r}")
    long = [n for n, _ in parser.decimals if n >= ROUNDED_FIGURES]
    inputs, largest = min(long, default=0), max((x for _, x in parser.decimals), default=0.0)
    if len(parts) == 1:
        return Reading(value, inputs_rounded_to=inputs, largest=largest)
    decimal = parts[1].replace(" ", "")
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)(?:\\times10\^\{?(-?\d+)\}?)?(\\%)?", decimal)
    if not m:
        raise Unreadable(f"\\approx must be followed by a decimal, not {decimal[:30]!r}")
    number, power, percent = m.groups()
    scale = sp.Integer(10) ** int(power or 0) / (100 if percent else 1)
    return Reading(value, sp.Rational(number) * scale, _figures(number), inputs, largest)


def _figures(number: str) -> int:
    """Significant figures of a decimal literal."""
    return len(number.lstrip("-").replace(".", "").lstrip("0")) or 1


_TOKEN = re.compile(r"\\[a-zA-Z]+|\\\||\d+(?:\.\d+)?|[A-Za-z]|\S")


class _Parser:
    """Recursive descent over the canonical text; one method per level of precedence."""

    def __init__(self, text: str, notation: Notation):
        self.text = text
        self.pos = 0
        self.notation = notation
        self.names = sorted(((canonical(k), v) for k, v in notation.names.items()), key=lambda kv: -len(kv[0]))
        self.bound: dict[str, sp.Symbol] = {}
        self.decimals: list[tuple[int, float]] = []  # (significant figures, size) of each number read

    # -- tokens -------------------------------------------------------------
    def peek(self) -> str:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1
        m = _TOKEN.match(self.text, self.pos)
        return m.group() if m else ""

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if expected is not None and tok != expected:
            raise Unreadable(f"expected {expected!r} at {self.text[self.pos:self.pos + 30]!r}")
        if not tok:
            raise Unreadable("unexpected end of the display")
        self.pos += len(tok)
        return tok

    def group(self) -> str:
        """The raw text of `{...}` or of one token (for subscripts, `\\frac12`)."""
        if self.peek() != "{":
            if self.peek().isdigit():  # \frac12: one digit per argument
                self.pos += 1
                return self.text[self.pos - 1]
            return self.take()
        self.take("{")
        start, depth = self.pos, 1
        while depth:
            if self.pos >= len(self.text):
                raise Unreadable("unbalanced braces")
            depth += {"{": 1, "}": -1}.get(self.text[self.pos], 0)
            self.pos += 1
        return self.text[start:self.pos - 1]

    def sub(self, text: str) -> sp.Expr:
        inner = _Parser(text, self.notation)
        inner.bound, inner.decimals = self.bound, self.decimals
        value = inner.expression()
        if inner.peek():
            raise Unreadable(f"cannot read {inner.text[inner.pos:inner.pos + 30]!r}")
        return value

    # -- grammar ------------------------------------------------------------
    def relation(self) -> sp.Basic:
        """An expression, or a chain of relations `a = b < c` (each link a relation between neighbours)."""
        sides, ops = [self.expression()], []
        while self.peek() in RELATIONS:
            ops.append(self.take())
            sides.append(self.expression())
        if self.peek():
            raise Unreadable(f"cannot read {self.text[self.pos:self.pos + 30]!r}")
        links = [RELATIONS[op](a, b, evaluate=False) for op, a, b in zip(ops, sides, sides[1:])]
        if not links:
            return sides[0]
        return links[0] if len(links) == 1 else sp.And(*links, evaluate=False)

    def expression(self) -> sp.Expr:
        sign = -1 if self.peek() == "-" else 1
        if self.peek() in ("+", "-"):
            self.take()
        total = self.term() if sign == 1 else -self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            t = self.term()
            total = total + t if op == "+" else total - t
        return total

    def term(self) -> sp.Expr:
        value = self.power()
        while True:
            tok = self.peek()
            if tok in (r"\cdot", r"\times", "*"):
                self.take()
                value = value * self.power()
            elif tok == "/":
                self.take()
                value = value / self.power()
            elif tok == r"\bmod":
                self.take()
                value = sp.Mod(value, self.power())
            elif tok and tok not in ("+", "-", ")", "]", "}", ",", "&", "\\", r"\approx", r"\rangle") \
                    and tok not in RELATIONS and not (tok == "|" and self._closing_bar) \
                    and not (tok == r"\|" and self._closing_norm):
                value = value * self.power()
            else:
                return value

    _closing_bar = False  # inside |...|: a bar closes
    _closing_norm = False  # inside \|...\|: a double bar closes

    def power(self) -> sp.Expr:
        base = self.primary()
        while self.peek() in ("^", "!"):
            if self.take() == "!":
                base = sp.factorial(base)
                continue
            exponent = self.group()
            matrix = isinstance(base, (sp.MatrixBase, sp.MatrixExpr))
            if matrix and exponent in (r"\top", "T"):
                base = base.T
                continue
            base = base ** self.sub(exponent)
        return base

    def primary(self) -> sp.Expr:
        named = self._notation_name()
        if named is not None:
            return named
        tok = self.take()
        if re.fullmatch(r"\d+(\.\d+)?", tok):
            self.decimals.append((_figures(tok) if "." in tok else 0, float(tok)))
            return sp.Rational(tok)
        if tok == "-":  # a negative factor: b + -1(...)
            return -self.power()
        if tok in ("(", "["):
            inner = self.expression()
            self.take(")" if tok == "(" else "]")
            if isinstance(inner, _Family):
                return inner.entry(self._indices())
            return inner
        if tok == "{":
            self.pos -= 1
            return self.sub(self.group())
        if tok == r"\|":  # a vector's Euclidean norm (|x| for a number)
            outer, self._closing_norm = self._closing_norm, True
            inner = self.expression()
            self._closing_norm = outer
            self.take(r"\|")
            return sp.sqrt(sum(e**2 for e in inner)) if isinstance(inner, sp.MatrixBase) else sp.Abs(inner)
        if tok == r"\langle":  # an inner product of vectors (the product of numbers)
            left = self.expression()
            self.take(",")
            right = self.expression()
            self.take(r"\rangle")
            if isinstance(left, sp.MatrixBase) and isinstance(right, sp.MatrixBase) and left.shape == right.shape:
                return sum(a * b for a, b in zip(left, right))
            if isinstance(left, sp.MatrixBase) or isinstance(right, sp.MatrixBase):
                raise Unreadable("an inner product of a vector and something else")
            return left * right
        if tok == "|":
            outer, self._closing_bar = self._closing_bar, True
            inner = self.expression()
            self._closing_bar = outer
            self.take("|")
            return sp.Abs(inner)
        if tok.startswith("\\"):
            return self.command(tok[1:])
        if tok.isalpha():
            return self.name(tok)
        raise Unreadable(f"unexpected {tok!r}")

    def _notation_name(self) -> sp.Basic | None:
        """The longest of the notation's spellings at this point, if it ends where a name may end."""
        self.peek()
        rest = self.text[self.pos:]
        for key, value in self.names:
            if rest.startswith(key) and key not in self.bound:
                after = rest[len(key):len(key) + 1]
                if after in ("_", "'") or (key.startswith("\\") and key[1:].isalpha() and after.isalpha()):
                    continue
                self.pos += len(key)
                return value
        return None

    def command(self, name: str) -> sp.Expr:
        if name == "frac":
            top, bottom = self.group(), self.group()
            derivative = self._derivative(top, bottom)
            if derivative is not None:
                return derivative
            return self.sub(top) / self.sub(bottom)
        if name == "sqrt":
            if self.peek() == "[":
                self.take("[")
                index = self.expression()
                self.take("]")
                return sp.root(self.sub(self.group()), index)
            return sp.sqrt(self.sub(self.group()))
        if name in ("sum", "prod"):
            return self._big(sp.Sum if name == "sum" else sp.Product)
        if name == "int":
            return self._integral()
        if name == "lim":
            return self._limit()
        if name == "pi":
            return sp.pi
        if name == "infty":
            return sp.oo
        if name in ("max", "min"):
            args = self._arguments()
            return (sp.Max if name == "max" else sp.Min)(*args)
        if name == "log" and self.peek() == "_":
            self.take("_")
            base = self.sub(self.group())
            return sp.log(self._argument(), base)
        if name in FUNCTIONS or name in self.notation.functions:
            f = self.notation.functions.get(name, FUNCTIONS.get(name))
            if self.peek() == "_":  # \sigma_h: a name, not the function
                return self.name("\\" + name)
            exponent = None
            if self.peek() == "^":  # \tan^{2}(x), as SymPy prints a power of a function
                self.take("^")
                exponent = self.sub(self.group())
            value = f(self._argument())
            return value if exponent is None else value**exponent
        if name == "det":
            return NAMED[r"\det"](self._argument())
        if name == "begin":
            return self._matrix()
        if name in GREEK or name in ACCENTS:
            return self.name("\\" + name if name in GREEK else self._accented(name))
        raise Unreadable(f"unknown command \\{name}")

    def _accented(self, accent: str) -> str:
        return f"\\{accent}{{{self.group()}}}"

    def name(self, base: str) -> sp.Expr:
        """A letter or Greek name with its subscript, primes and index superscript (`^{(t)}`, `^*`)."""
        spelled = base
        if base in self.notation.indexed and self.peek() == "_":
            return self.notation.indexed[base](*self._indices())
        if self.peek() == "_":
            self.take("_")
            g = self.group()
            spelled += f"_{g}" if len(g) == 1 else f"_{{{g}}}"
        while self.peek() == "'":
            spelled += self.take()
        if self.text.startswith("^*", self.pos) or self.text.startswith("^{(", self.pos) \
                or self.text.startswith(r"^\star", self.pos):
            self.take("^")
            g = self.group()
            spelled += f"^{g}" if len(g) == 1 else f"^{{{g}}}"
        if spelled in self.bound:
            return self.bound[spelled]
        if spelled in self.notation.indexed:
            return _Family(self.notation.indexed[spelled])
        f = self.notation.functions.get(spelled, NAMED.get(spelled))
        if f is not None:
            return f(self._argument())
        for key, value in self.names:
            if key == spelled:
                return value
        if spelled == "e":
            return sp.E
        raise Unreadable(f"unknown name {spelled}")

    def _indices(self) -> list[sp.Expr]:
        """A family's subscript: comma-separated expressions, or letters naming one index each (`ik`)."""
        self.take("_")
        text = self.group()
        if "," not in text and re.fullmatch(r"[A-Za-z]{2,}", text):
            return [self.sub(letter) for letter in text]
        return [self.sub(part) for part in _top_level_commas(text)]

    def _argument(self) -> sp.Expr:
        """A function's argument: a bracketed expression, or the next factor (`\\ln 2`, `\\sin x`)."""
        if self.peek() in ("(", "["):
            return self.primary()
        if self.peek() == "{":
            return self.sub(self.group())
        return self.power()

    def _arguments(self) -> list[sp.Expr]:
        self.take("(")
        args = [self.expression()]
        while self.peek() == ",":
            self.take(",")
            args.append(self.expression())
        self.take(")")
        return args

    def _derivative(self, top: str, bottom: str) -> sp.Expr | None:
        """`\\frac{d}{dx} f`, `\\frac{\\partial}{\\partial w_1} f` and `\\frac{\\partial f}{\\partial x}`."""
        m = re.fullmatch(r"(d|\\partial) ?(.*)", top)
        n = re.fullmatch(r"(d|\\partial) ?(.+)", bottom)
        if not (m and n and m.group(1) == n.group(1)):
            return None
        var = self.sub(n.group(2))
        if not isinstance(var, sp.Symbol):
            return None
        body = self.sub(m.group(2)) if m.group(2) else self.term()  # the operand: the product that follows
        return sp.diff(body, var)

    def _big(self, kind: type) -> sp.Expr:
        if self.peek() != "_":
            raise Unreadable(f"a {kind.__name__} without an index")
        self.take("_")
        lower = self.group()
        m = re.fullmatch(r"([A-Za-z])=(.+)", lower)
        if m:
            index, start = m.group(1), m.group(2)
            if self.peek() != "^":
                raise Unreadable(f"{kind.__name__} over {index} has no upper bound")
            self.take("^")
            end = self.sub(self.group())
            start_value = self.sub(start)
        elif re.fullmatch(r"[A-Za-z]", lower) and lower in self.notation.sums:
            index = lower
            start_value, end = self.notation.sums[lower]
        else:
            raise Unreadable(f"cannot read the range {lower!r} of a {kind.__name__}")
        symbol = sp.Dummy(index, integer=True)
        outer = self.bound.get(index)
        self.bound[index] = symbol
        body = self.term()
        if outer is None:
            del self.bound[index]
        else:
            self.bound[index] = outer
        return kind(body, (symbol, start_value, end))

    def _limit(self) -> sp.Expr:
        """`\\lim_{t\\to\\infty} body`: the limit of the product that follows."""
        self.take("_")
        m = re.fullmatch(r"([A-Za-z])\\to(.+)", self.group())
        if not m:
            raise Unreadable("a limit needs the form \\lim_{t\\to a}")
        target = self.sub(m.group(2))
        var = next((v for k, v in self.names if k == m.group(1) and isinstance(v, sp.Symbol)), None)
        var = var if var is not None else sp.Dummy(m.group(1))
        outer = self.bound.get(m.group(1))
        self.bound[m.group(1)] = var
        try:
            body = self.term()
        finally:
            if outer is None:
                del self.bound[m.group(1)]
            else:
                self.bound[m.group(1)] = outer
        return sp.Limit(body, var, target)

    def _integral(self) -> sp.Expr:
        """`\\int_a^b body\\,dz`: the differential ends the body; the variable is bound inside it."""
        bounds = []
        for mark in ("_", "^"):
            if self.peek() != mark:
                raise Unreadable("an integral without both bounds")
            self.take(mark)
            bounds.append(self.sub(self.group()))
        depth, i = 0, self.pos
        while i < len(self.text):
            ch = self.text[i]
            depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(ch, 0)
            m = re.compile(r"(?<![A-Za-z\\])d([A-Za-z])(?![A-Za-z])").match(self.text, i)
            if depth == 0 and m:
                break
            i += 1
        else:
            raise Unreadable("an integral without its differential")
        body, var = self.text[self.pos:i], m.group(1)
        self.pos = m.end()
        symbol = sp.Dummy(var, real=True)
        outer = self.bound.get(var)
        self.bound[var] = symbol
        try:
            integrand = self.sub(body)
        finally:
            if outer is None:
                del self.bound[var]
            else:
                self.bound[var] = outer
        return sp.Integral(integrand, (symbol, *bounds))

    def _matrix(self) -> sp.Matrix:
        env = self.group()
        if env not in ("pmatrix", "bmatrix"):
            raise Unreadable(f"unknown environment {env}")
        end = self.text.find(rf"\end{{{env}}}", self.pos)
        if end < 0:
            raise Unreadable(f"{env} without an end")
        body, self.pos = self.text[self.pos:end], end + len(rf"\end{{{env}}}")
        rows = [[self.sub(cell) for cell in row.split("&")] for row in re.split(r"\\\\", body) if row.strip()]
        if len({len(r) for r in rows}) != 1:
            raise Unreadable("a matrix with rows of different lengths")
        return sp.Matrix(rows)


class _Family:
    """An indexed family named without its subscript yet: `(C_a)` before `_{k,j}`."""

    def __init__(self, entry: Callable[..., sp.Expr]):
        self.entry = lambda indices: entry(*indices)


def _top_level_commas(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]
