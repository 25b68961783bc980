"""Drawings that disagree with their equations are rejected."""

from __future__ import annotations

import pytest

from tests.conftest import failed_claims, misgraded, right_values_rejected, solved
from theory import network_drawing as nd
from theory.autodiff import graph as graph_module
from theory.core.cli import solve_topic
from theory.core.errors import BadInput


def test_a_dropped_bias_is_rejected(monkeypatch):
    right = nd.as_spec
    monkeypatch.setattr(nd, "as_spec", lambda units: [(*u[:4], []) if u[0] == "h1" else u for u in right(units)])
    assert failed_claims(nd) == {"a.evaluates", "b.evaluates"}


def test_a_swapped_weight_is_rejected(monkeypatch):
    right = nd.as_spec

    def swapped(units):
        spec = right(units)
        name, act, slope, edges, biases = spec[-1]
        return [*spec[:-1], (name, act, slope, [(s, edges[-1 - k][1]) for k, (s, _) in enumerate(edges)], biases)]

    monkeypatch.setattr(nd, "as_spec", swapped)
    assert failed_claims(nd) == {"a.evaluates"}  # (b)'s output has one incoming edge: nothing to swap


def test_drawing_a_repeated_subexpression_twice_is_rejected(monkeypatch):
    add = graph_module.Graph._add
    monkeypatch.setattr(graph_module.Graph, "_add", lambda self, node, shared=True: add(self, node, False))
    assert "b.parameters" in failed_claims(nd)


def test_another_network_holds():
    net = "y = sigmoid(v1*tanh(u1*x1 + c1) + v2*tanh(u2*x1 + c2) + v3*x2 + c3)"
    sol = solve_topic(nd, {"net_a": net})
    assert sol.passed and sol.answers["(a) parameters"] == 8.0


@pytest.mark.parametrize("net", ["y = leaky_relu(w1*x1 + b1,)", "y = leaky_relu((w1*x1 + b1))",
                                 "y = tanh(v1*leaky_relu( u1*x1 + c1 ) + v2*leaky_relu(u2*x2 + c2) + c3)"])
def test_the_slope_is_written_into_each_leaky_relu(net):
    text = nd.parse(net, {"x1", "x2"}, 0.25)[1]
    assert text.count("0.25") == net.count("leaky_relu")
    assert solve_topic(nd, {"net_a": net, "slope": "0.25"}).passed


def test_a_long_equation_keeps_its_length():
    net = "y = tanh(" + " + ".join(f"v{i}*tanh(u{i}*x1 + c{i})" for i in range(66)) + " + c)"
    assert len(nd.parse(net, {"x1"}, 0.01)[1]) <= len(net)


@pytest.mark.parametrize("bad", [{"net_a": "y = relu(x1*x2 + b1)"}, {"net_b": "y = relu(w1*x + "},
                                 {"slope": "-0.1"}, {"net_a": "y = relu(w1*x1 + b1); z = w2*y"},
                                 {"net_a": "y = tanh(w\u00e9*x1 + b1)".encode().decode("unicode_escape")},
                                 {"net_a": "_y = tanh(w1*x1 + b1)"}, {"net_a": "y = tanh(__w*x1 + b1)"},
                                 {"data": "x, x1}\\input{a}"}, {"slope": "1e308"}, {"points": "10**9"},
                                 {"net_a": "y = " + "leaky_relu(" * 30 + "w*x1" + ")" * 30}])
def test_bad_parameters(bad):
    with pytest.raises(BadInput):
        solve_topic(nd, bad)


def test_misconceptions_are_rejected_and_named_by_grading():
    sol = solved("network_drawing")
    assert {(m.answer, m.id, m.value) for m in sol.misconceptions} == {
        ("(a) parameters", "biases-forgotten-a", 8), ("(b) neuron count", "repeated-neuron-drawn-twice-b", 7),
        ("(b) parameters", "repeated-parameter-counted-twice-b", 15), ("(b) parameters", "biases-forgotten-b", 6)}
    assert not misgraded(sol, str, ("(a) neuron count", "(a) parameters", "(b) neuron count", "(b) parameters"))


def test_the_right_values_are_no_misconceptions():
    assert not right_values_rejected(solved("network_drawing"), ("(b) neuron count", "(b) parameters"))


def test_a_net_without_biases_or_repeats_has_no_misconceptions():
    sol = solve_topic(nd, {"net_a": "y = tanh(v1*tanh(u1*x1) + v2*tanh(u2*x2))"})
    assert sol.passed and sol.results["(a) parameters"].value == 4 and sol.results["(a) neuron count"].value == 3
    assert not [m for m in sol.misconceptions if m.answer.startswith("(a)")]


def test_an_output_without_activation_is_one_more_neuron():
    sol = solve_topic(nd, {"net_a": "y = v1*relu(u1*x1 + c1) + v2*relu(u1*x1 + c1) + c"})
    assert sol.passed and sol.results["(a) neuron count"].value == 2
    assert {m.id: m.value for m in sol.misconceptions if m.answer == "(a) neuron count"} == {
        "repeated-neuron-drawn-twice-a": 3}
