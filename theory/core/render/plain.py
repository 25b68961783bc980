"""LaTeX-lite to terminal text: enough to read derivations at a glance."""

from __future__ import annotations

import re

_SYMBOLS = {
    r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\delta": "δ", r"\epsilon": "ε",
    r"\varepsilon": "ε", r"\eta": "η", r"\theta": "θ", r"\lambda": "λ", r"\mu": "μ",
    r"\rho": "ρ", r"\sigma": "σ", r"\tau": "τ", r"\phi": "φ", r"\kappa": "κ",
    r"\Sigma": "Σ", r"\Delta": "Δ", r"\nabla": "∇", r"\partial": "∂", r"\infty": "∞",
    r"\sum": "Σ", r"\prod": "Π", r"\int": "∫", r"\cdot": "·", r"\times": "×",
    r"\leq": "≤", r"\le": "≤", r"\geq": "≥", r"\ge": "≥", r"\neq": "≠", r"\approx": "≈",
    r"\to": "→", r"\in": "∈", r"\mid": "|", r"\ldots": "...", r"\dots": "...",
    r"\bmod": "mod", r"\pmod": "mod", r"\mapsto": "↦", r"\Leftarrow": "⇐", r"\Rightarrow": "⇒",
    r"\Leftrightarrow": "⇔", r"\langle": "⟨", r"\rangle": "⟩", r"\pi": "π", r"\omega": "ω",
    r"\nu": "ν", r"\xi": "ξ", r"\psi": "ψ", r"\chi": "χ", r"\sim": "∼",
    r"\zeta": "ζ", r"\Omega": "Ω", r"\Phi": "Φ", r"\Pi": "Π", r"\Lambda": "Λ", r"\Gamma": "Γ",
    r"\varphi": "φ", r"\leftarrow": "←", r"\rightarrow": "→", r"\propto": "∝", r"\mathbb{R}": "ℝ",
    r"\mathbb R": "ℝ", r"\pm": "±", r"\square": "□", r"\star": "*", r"\surd": "√",
    r"\odot": "⊙", r"\mathbb{E}": "E", r"\top": "T", r"\checkmark": "✓",
    r"\iff": "⇔", r"\implies": "⇒", r"\ne": "≠", r"\circ": "∘", r"\sqrt": "√",
    r"\qquad": "  ", r"\quad": " ", r"\,": " ", r"\;": " ", r"\!": "", r"\{": "{", r"\}": "}",
    r"\left": "", r"\right": "", r"\bigl": "", r"\bigr": "", r"\Bigl": "", r"\Bigr": "",
    r"\big": "", r"\Big": "", r"\&": "&", r"\%": "%", r"\max": "max", r"\min": "min",
    r"\ln": "ln", r"\log": "log", r"\exp": "exp", r"\sin": "sin", r"\cos": "cos",
    r"\tanh": "tanh", r"\cosh": "cosh", r"\sinh": "sinh", r"\tan": "tan", r"\arg": "arg",
    r"\wedge": "∧", r"\vee": "∨", r"\neg": "¬", r"\lnot": "¬", r"\oplus": "⊕", r"\lfloor": "⌊",
    r"\rfloor": "⌋", r"\lceil": "⌈", r"\rceil": "⌉", r"\cdots": "...", r"\vdots": "...",
    r"\lVert": "‖", r"\rVert": "‖", r"\|": "‖",
}
_WRAPPERS = re.compile(
    r"\\(?:mathrm|mathbf|mathit|operatorname|textbf|textit|texttt|emph|text|mathcal|boldsymbol|displaystyle)\s*"
)
_FRAC = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
_DIGIT_FRAC = re.compile(r"\\[dt]?frac\s*(\d)(\d)")
_GROUP = re.compile(r"([_^])\{([^{}]*)\}")
_ACCENT = re.compile(r"\\(dot|bar|hat|tilde|vec)\{([^{}]*)\}")
_BARE_ACCENT = re.compile(r"\\(dot|bar|hat|tilde|vec)\s+([A-Za-z])")  # \hat v: the accent on one letter
_ROOT = re.compile(r"\\sqrt\{([^{}]*)\}")
_COMBINING = {"dot": "\u0307", "bar": "\u0304", "hat": "\u0302", "tilde": "\u0303", "vec": "\u20d7"}
_UNDERBRACE = re.compile(r"\\underbrace\{([^{}]*)\}_\{(?:[^{}]|\{[^{}]*\})*\}")
_MATRIX = re.compile(r"\\begin\{[pbv]?matrix\}(.*?)\\end\{[pbv]?matrix\}", re.S)


def _bracketed(s: str) -> bool:
    """`(h)`: one bracketed group already, which needs no second pair (z_i^(h), not z_i^((h)))."""
    return s.startswith("(") and s.endswith(")") and s[1:-1].count("(") == s[1:-1].count(")") and "(" not in s[1:-1]


def plain(tex: str) -> str:
    """Drop `$`, turn \\frac{a}{b} into (a)/(b), Greek into Unicode, keep the rest."""
    pieces = tex.split("$")  # text and mathematics alternate: quotes are text's, primes mathematics'
    s = "".join(x.replace("``", "“").replace("''", "”") if i % 2 == 0 else x for i, x in enumerate(pieces))
    s = re.sub(r"(?<=[{_^])" + _WRAPPERS.pattern, "", s)  # L_{\text{SVM}} -> L_SVM, no gap
    s = _WRAPPERS.sub(" ", s)
    s = _MATRIX.sub(lambda m: "[" + m[1].replace(r"\\", ";").replace("&", ",").strip() + "]", s)
    s = _DIGIT_FRAC.sub(lambda m: f"{m[1]}/{m[2]}", s)
    s = _BARE_ACCENT.sub(lambda m: m[2] + _COMBINING[m[1]], s)
    for _ in range(6):
        s = _ACCENT.sub(lambda m: m[2] + _COMBINING[m[1]], s)
        s = _ROOT.sub(lambda m: "√" + _atom(m[1]), s)  # √(t g²), not √t g²
        s = _UNDERBRACE.sub(lambda m: m[1], s)
        s = _FRAC.sub(lambda m: f"{_atom(m[1])}/{_atom(m[2])}", s)
        s = _GROUP.sub(lambda m: m[0] if "\\" in m[2] else m[1] + (m[2] if len(m[2]) == 1 or _bracketed(m[2])
                                                              else f"({m[2]})"), s)
    for key in sorted(_SYMBOLS, key=len, reverse=True):
        s = re.sub(re.escape(key) + (r"(?![A-Za-z])" if key[-1].isalpha() else ""), _SYMBOLS[key], s)
    for _ in range(4):
        s = _GROUP.sub(lambda m: m[1] + (m[2] if len(m[2]) == 1 else f"({m[2]})"), s)
    s = re.sub(r"--(?![A-Za-z])", "–", s.replace("{", "").replace("}", "").replace("~", " "))  # 1--2, not --no-mc
    return re.sub(r"[ \t]+", " ", s).replace(" ,", ",").replace(" ;", ";").strip()


def _atom(x: str) -> str:
    """A fraction's side, parenthesised unless it is a single name or number."""
    return x if re.fullmatch(r"\s*[\w.]+(_\w+)?\s*", x) else f"({x})"
