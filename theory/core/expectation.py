"""Expectation algebra for polynomials in independent random symbols.

`sympy.stats` is slow or unreliable on some expectations; the problems here
only need E of polynomials in independent variables with known moments, which
is exact bookkeeping: expand, split each monomial by variable, replace each
power X**k by the k-th moment of X.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp

Moments = Callable[[int], sp.Expr]


class Independent:
    """Independent random symbols, each with its moment function k -> E[X**k]."""

    def __init__(self, moments: Mapping[sp.Symbol, Moments]):
        self.moments = dict(moments)

    def E(self, expr: sp.Expr) -> sp.Expr:
        total = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(expr)):
            value = sp.Integer(1)
            for base, power in term.as_powers_dict().items():
                if base in self.moments:
                    value *= self.moments[base](int(power))
                else:
                    value *= base**power
            total += value
        return sp.expand(total)


def bernoulli(p: sp.Expr) -> Moments:
    """R in {0, 1} with P(R = 1) = p: every moment is p (R**k = R)."""
    return lambda k: sp.Integer(1) if k == 0 else p


def listed(*values: sp.Expr, name: str = "m") -> Moments:
    """Moments 1..len(values) as given, higher ones as fresh symbols m_k."""
    return lambda k: sp.Integer(1) if k == 0 else (values[k - 1] if k <= len(values) else sp.Symbol(f"{name}_{k}"))
