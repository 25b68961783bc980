"""Backpropagation by hand over neurons, exactly: the forward pass and the delta rule.

This is the derivation a student writes, kept apart from the tape so the two
can check each other. The activation and its derivative are passed in, so a
topic's tests can feed a wrong formula and watch its checks fail.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from theory.autodiff.network import Neuron

Activate = Callable[[str, sp.Expr], sp.Expr]  # (activation, pre-activation z) -> output a
Derivative = Callable[[str, sp.Expr, sp.Expr], sp.Expr]  # (activation, z, a) -> a'(z)


def forward(units: list[Neuron], values: dict[str, sp.Expr], activate: Activate) -> tuple[dict, dict]:
    """Every neuron's output (in the returned environment) and pre-activation z, in order."""
    env, pre = dict(values), {}
    for u in units:
        pre[u.name] = sum((env[w] * env[s] for s, w in u.edges), sp.Integer(0)) + sum(
            (env[b] for b in u.biases), sp.Integer(0)
        )
        env[u.name] = activate(u.activation, pre[u.name])
    return env, pre


def backprop(units: list[Neuron], env: dict, pre: dict, derivative: Derivative,
             given: dict[str, sp.Expr], upstream: dict[str, sp.Expr] | None = None) -> tuple[dict, dict]:
    """The delta rule, delta_u = a'(z_u) (dl/da_u + sum_k w_uk delta_k), then dl/dw = delta x source.

    `given` fixes the deltas of outputs whose loss and activation simplify
    together (a sigmoid under cross-entropy: y - t); `upstream` is the loss's
    own dl/da at the other outputs.
    """
    upstream = upstream or {}
    delta: dict[str, sp.Expr] = {}
    for u in reversed(units):
        if u.name in given:
            delta[u.name] = given[u.name]
            continue
        downstream = upstream.get(u.name, sp.Integer(0)) + sum(
            (delta[v.name] * env[w] for v in units for s, w in v.edges if s == u.name), sp.Integer(0)
        )
        delta[u.name] = derivative(u.activation, pre[u.name], env[u.name]) * downstream
    grads: dict[str, sp.Expr] = {}
    for u in units:
        for s, w in u.edges:
            grads[w] = grads.get(w, sp.Integer(0)) + delta[u.name] * env[s]
        for b in u.biases:
            grads[b] = grads.get(b, sp.Integer(0)) + delta[u.name]
    return delta, grads
