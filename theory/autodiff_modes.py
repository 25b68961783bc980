"""Forward and reverse mode written out for an evaluation trace, and what each mode costs.

From the trace z1..z6 of the sheet (a parameter), the reverse-mode and the
forward-mode pseudocode are generated line by line: each line's local
derivatives are SymPy's, written over the trace's own variables. Running the
pseudocode symbolically must give SymPy's gradient of f; running it on
numbers must agree with the autodiff engine and with finite differences.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import finite_differences as fd
from theory.autodiff import Graph, Tape, forward_jacobian, forward_pass, reverse_jacobian, tables
from theory.autodiff.network import number, power_of_ten
from theory.autodiff.ops import SYMPY_NAMES, counting
from theory.core import expr, figures, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.grade import judge
from theory.core.params import Parameters, numbers, param
from theory.core.solution import Check, Solution
from theory.core.verdict import Verdict
from theory.jacobians import (
    SLIPS,
    check_inputs,
    check_program,
    higher_derivatives,
    independent_sympy,
    inner_factor,
    input_names,
    program,
    rounding_bound,
    same_piece,
    size_problem,
    slipped_diff,
)

TOPIC = "autodiff_modes"

TRACE = "z1 = w1/w2; z2 = sin(2*pi*z1); z3 = exp(2*w2); z4 = 3*z1 - z3; z5 = z2 + z4; z6 = z4*z5"
FORMULA = "(sin(2*pi*w1/w2) + 3*w1/w2 - exp(2*w2)) * (3*w1/w2 - exp(2*w2))"


KINKS = {"max", "min", "relu", "abs", "leaky_relu"}  # not differentiable everywhere: the pseudocode is symbolic
H = 1e-5  # step of the central differences that check the gradient


def check_dims(dims) -> str | None:
    """A parameter check: 2 to 8 distinct sizes in [2, 64] (the synthetic f for d = 64 has 191 operations)."""
    return numbers("input sizes d", lo=2, hi=64, whole=True, length=(2, 8), example="(2, 4, 8, 16, 32, 64)")(dims) or (
        None if len(set(dims)) == len(dims) else "the input sizes d must differ")


@dataclass(frozen=True)
class Params(Parameters):
    trace: str = param(TRACE, "the evaluation trace, 'name = expression' lines separated by ';'",
                       check=check_program)
    formula: str = param(FORMULA, "f written as one formula, to check the trace against")
    inputs: str = param("w1, w2", "the input variables, comma separated", check=check_inputs)
    # |coordinates| <= 1e3: beyond, exp and powers overflow floats (such points are refused as well).
    # the sheet gives none; at (0.3, 0.4) cos(2 pi z1) = 0, and a slip in z2's factor would go unseen there
    point: tuple = param((0.3, 0.5), "the point at which the pseudocode is run (the sheet gives none)",
                         check=numbers("coordinates", lo=-1e3, hi=1e3, length=(1, 8), example="(0.3, 0.5)"))
    wrt: str = param("w1", "the input the forward-mode pseudocode differentiates by")
    dims: tuple = param((2, 4, 8, 16, 32, 64), "input sizes d of the synthetic cost test", check=check_dims)

    def __post_init__(self) -> None:
        super().__post_init__()
        names = input_names(self.inputs)
        if len(self.point) != len(names):
            raise BadInput(f"parameter point has {len(self.point)} coordinates for inputs {', '.join(names)[:60]}")
        if self.wrt not in names:
            raise BadInput(f"parameter wrt = {self.wrt[:60]!r} is not an input ({', '.join(names)[:60]})")
        expr.read(self.formula, {n: sp.Symbol(n, real=True) for n in names}, functions=SYMPY_NAMES,
                  where="parameter formula")
        for what, lines in (("trace", program(self.trace)), ("formula", [("f", self.formula)])):
            g = Graph.parse(lines, names)
            problem = size_problem(g) or next((f"it uses {g.nodes[i].op}, which is not differentiable everywhere: "
                                               "its pseudocode cannot be written symbolically (the jacobians topic "
                                               "takes kinks)" for i in g.operations() if g.nodes[i].op in KINKS), None)
            if problem:
                raise BadInput(f"parameter {what}: {problem}")


def line_exprs(pairs: list[tuple[str, str]], inputs: tuple[str, ...]) -> dict[str, sp.Expr]:
    """Each trace line as SymPy over the variables it names (inputs and earlier z's)."""
    symbols = {n: sp.Symbol(n, real=True) for n in [*inputs, *(n for n, _ in pairs)]}
    return {name: expr.read(text, symbols, functions=SYMPY_NAMES, where=f"trace line {name}") for name, text in pairs}


def local_derivative(lines: dict[str, sp.Expr], name: str, var: sp.Symbol) -> sp.Expr:
    """d(line `name`)/d(var), rewritten with earlier trace variables where they appear (exp(2 w2) -> z3)."""
    d = sp.diff(lines[name], var)
    earlier = list(lines)[: list(lines).index(name) + 1]  # z_t itself is known when its derivative is
    for prior in reversed(earlier):
        d = d.subs(lines[prior], sp.Symbol(prior, real=True))
    return d


def reverse_program(lines: dict[str, sp.Expr], inputs: tuple[str, ...]) -> list[tuple[str, sp.Expr]]:
    """(variable, its adjoint as an expression of the z's and later adjoints), output first."""
    return _adjoint_rules(lines, inputs, lambda users: users, lambda u, var: local_derivative(lines, u, var))


def _adjoint_rules(lines: dict[str, sp.Expr], inputs: tuple[str, ...], kept, derivative) -> list[tuple[str, sp.Expr]]:
    """The backward pass: each adjoint sums bar_u * d(u)/d(var) over the lines u in `kept(users)`."""
    names = list(lines)
    bar = {n: sp.Symbol(f"bar_{n}", real=True) for n in [*inputs, *names]}
    out = [(names[-1], sp.Integer(1))]
    for v in [*reversed(names[:-1]), *inputs]:
        var = sp.Symbol(v, real=True)
        users = kept([u for u in names if var in lines[u].free_symbols])
        out.append((v, sum((bar[u] * derivative(u, var) for u in users), sp.Integer(0))))
    return out


def reused(lines: dict[str, sp.Expr], inputs: tuple[str, ...]) -> list[str]:
    """The variables that more than one line uses: their adjoints add up several paths."""
    return [v for v in [*inputs, *lines] if sum(sp.Symbol(v, real=True) in e.free_symbols for e in lines.values()) > 1]


def forward_program(lines: dict[str, sp.Expr], inputs: tuple[str, ...], wrt: str) -> list[tuple[str, sp.Expr]]:
    """(variable, its tangent d var/d wrt over earlier z's and earlier tangents), in trace order."""
    dot = {n: sp.Symbol(f"dot_{n}", real=True) for n in [*inputs, *lines]}
    seeds = [(v, sp.Integer(1 if v == wrt else 0)) for v in inputs]
    rules = [(n, sum((local_derivative(lines, n, s) * dot[str(s)] for s in sorted(e.free_symbols, key=str)),
                     sp.Integer(0))) for n, e in lines.items()]
    return seeds + rules


def run(program_: list[tuple[str, sp.Expr]], known: dict[sp.Symbol, sp.Expr], prefix: str) -> dict[str, sp.Expr]:
    """Execute pseudocode lines in order: each result is substituted into the lines after it."""
    env = dict(known)
    values = {}
    for name, rule in program_:
        values[name] = rule.subs(env)
        env[sp.Symbol(f"{prefix}_{name}", real=True)] = values[name]
    return values


def forward_cost(d: int, operations: int) -> dict[str, int]:
    """Forward mode: d passes, each evaluating every operation and its local derivatives once."""
    return {"values": d * operations, "local derivatives": d * operations}


def reverse_cost(d: int, operations: int) -> dict[str, int]:
    """Reverse mode: one recorded pass (values and local derivatives), then one sweep; independent of d."""
    return {"values": operations, "local derivatives": operations}


def synthetic(d: int) -> Graph:
    """f(w) = sum_i sin(w_i) w_(i+1) (cyclic): T = 3d - 1 operations for d inputs."""
    terms = " + ".join(f"sin(w{i})*w{i % d + 1}" for i in range(1, d + 1))
    return Graph.parse({"f": terms}, [f"w{i}" for i in range(1, d + 1)])


def solve(p: Params, ctx: Context) -> Solution:
    inputs = input_names(p.inputs)
    pairs = program(p.trace)
    g = Graph.parse(pairs, inputs)
    lines = line_exprs(pairs, inputs)
    out = pairs[-1][0]
    syms = {n: sp.Symbol(n, real=True) for n in inputs}
    at = dict(zip(inputs, p.point))
    exact_at = {syms[n]: sp.nsimplify(v) for n, v in at.items()}
    f = expr.read(p.formula, syms, functions=SYMPY_NAMES, where="formula")
    composed = independent_sympy(pairs, syms)
    gradient = [sp.diff(f, syms[n]) for n in inputs]
    tape = Tape.record(g, at)
    rounding = rounding_bound(tape, out, p.point)
    same_piece(g, at, H)  # the central differences below stay in f's domain, away from poles
    value = {n: tape.values[g.names[n]] for n in [*inputs, *lines]}
    tex = {n: sp.latex(sp.Symbol(n)) for n in [*inputs, *lines]}
    fmt = ", ".join(f"{v:g}" for v in p.point)

    sol = Solution(TOPIC, "Forward and reverse mode by hand", "cse543-hw1, Question 1", p, question=(
        rf"For $f({', '.join(tex[n] for n in inputs)}) = {sp.latex(f)}$ computed by the trace "
        + ", ".join(rf"${tex[n]} = {sp.latex(e)}$" for n, e in lines.items())
        + r": write reverse-mode and forward-mode pseudocode as an implementation would run it, then say "
        r"what forward mode costs for a function of $d$ inputs."))
    p0 = sol.part("trace", "The trace", r"Check that the trace computes $f$, and evaluate it.")
    p0.claim("computes-f", rf"Substituting the lines into each other gives $f$: ${tex[out]} = f$.",
             prove.equal(composed[out], f))
    p0.table(["variable", "definition", rf"value at $({fmt})$"],
             [[f"${tex[n]}$", f"${sp.latex(e)}$", f"${number(value[n])}$"] for n, e in lines.items()],
             caption="The trace, evaluated by the autodiff engine.", aside=True)
    p0.claim("values", rf"At $({fmt})$ the trace gives ${tex[out]} = f({fmt}) \approx "
             rf"{p0.quote(value[out], 'values')}$, as $f$ evaluated exactly (the other lines are in the appendix).",
             prove.close(value[out], float(f.subs(exact_at)), rtol=1e-12, atol=1e-15 + rounding, what=f"{out}"),
             value=value[out])

    # Q1.1 reverse mode
    p1 = sol.part("1.1", "Reverse mode",
                  rf"Write the backward pass: each $\bar{{z}}_t = d{tex[out]}/dz_t$ from the $z$'s and the adjoints "
                  r"already computed, starting from $\bar z_{\mathrm{out}} = 1$.")
    rev = reverse_program(lines, inputs)
    bar_tex = {n: tables_accent(n, "bar") for n in [*inputs, *lines]}
    p1.algorithm(rf"Reverse mode (after the forward pass has stored ${', '.join(tex[n] for n in lines)}$)",
                 [rf"${bar_tex[v]} \leftarrow {_rule_tex(rule, 'bar', bar_tex)}$" for v, rule in rev])
    p1.text(r"One line per trace line (plus one per input), each adjoint computed once: $O(T)$.")
    z_values = {sp.Symbol(n, real=True): sp.nsimplify(v) if n in inputs else composed[n].subs(exact_at)
                for n, v in value.items()}
    symbolic_rev = run(rev, {sp.Symbol(n, real=True): e for n, e in composed.items()}, "bar")
    p1.claim("gradient", r"Run symbolically (each $z_t$ replaced by its expression), the pseudocode's "
             rf"$({', '.join(bar_tex[n] for n in inputs)})$ is exactly SymPy's $\nabla f$.",
             prove.proved_for_each({n: (lambda n=n, k=k: prove.equal(symbolic_rev[n], gradient[k]))
                                    for k, n in enumerate(inputs)}, "each component"))
    numeric_rev = run(rev, z_values, "bar")
    at_point = [gradient[k].subs(exact_at) for k in range(len(inputs))]
    for k, n in enumerate(inputs):
        p1.claim(f"at-{n}", rf"Run at $({fmt})$, the pseudocode's ${bar_tex[n]}$ is SymPy's "
                 rf"$\partial f/\partial {tex[n]}$ there.", prove.equal(numeric_rev[n], at_point[k]),
                 value=at_point[k], aside=True)
    quoted = [p1.quote(float(at_point[k]), of=f"at-{n}") for k, n in enumerate(inputs)]
    p1.text(rf"Run at the point $({', '.join(tex[n] for n in inputs)}) = ({fmt})$ (the sheet gives none), the "
            rf"pseudocode gives $\nabla f \approx ({', '.join(quoted)})$.")
    adjoint = tape.backward(out)
    _against_engine(p1, numeric_rev, {n: adjoint[g.names[n]] for n in [*inputs, *lines]}, bar_tex,
                    ["adjoint", "pseudocode", "engine's tape"],
                    rf"The pseudocode run at $({fmt})$ beside the reverse sweep of the autodiff engine.",
                    r"Every adjoint of the pseudocode equals the engine's tape, to rounding.")
    h = H
    f_np = sp.lambdify([list(syms.values())], [f], "numpy")
    central = fd.central_jacobian(f_np, np.array(p.point, float), h)[0]
    # Truncation h^2 f^(3)/6 (twice, for the terms after it) and rounding, a few ulps of f over h.
    third = higher_derivatives(sp.Matrix([f]), list(syms.values()), p.point, (3,))[3][0]
    slack = 1e-8 + 2 * np.abs(h**2 / 6 * third) + 1e-15 * max(1.0, abs(value[out])) / h
    run_rev = np.array([float(numeric_rev[n]) for n in inputs])
    gap = float(np.max(np.abs(run_rev - central)))
    p1.claim("finite-differences", rf"Central differences of $f$ (step ${power_of_ten(h)}$) agree with the gradient, "
             rf"within ${p1.quote(gap, of='finite-differences', spec='.2e')}$ (truncation and rounding).",
             prove.close_all(run_rev, central, rtol=1e-6, atol=slack,
                             what="pseudocode against central differences"), value=gap, aside=True)

    # Q1.2 forward mode
    p2 = sol.part("1.2", "Forward mode",
                  rf"Write the forward pass that carries $\dot z_t = dz_t/d{tex[p.wrt]}$ beside each $z_t$.")
    fwd = forward_program(lines, inputs, p.wrt)
    dot_tex = {n: tables_accent(n, "dot") for n in [*inputs, *lines]}
    p2.algorithm(rf"Forward mode for $d{tex[out]}/d{tex[p.wrt]}$ (seed: ${dot_tex[p.wrt]} = 1$, other inputs 0)",
                 [rf"${dot_tex[v]} \leftarrow {_rule_tex(rule, 'dot', dot_tex)}$" if v in inputs else
                  rf"${tex[v]} \leftarrow {sp.latex(lines[v])}$; \quad ${dot_tex[v]} \leftarrow "
                  rf"{_rule_tex(rule, 'dot', dot_tex)}$" for v, rule in fwd])
    symbolic_fwd = run(fwd, {sp.Symbol(n, real=True): e for n, e in composed.items()}, "dot")
    k = inputs.index(p.wrt)
    p2.claim("derivative", rf"Run symbolically, the last tangent is SymPy's $\partial f/\partial {tex[p.wrt]}$.",
             prove.equal(symbolic_fwd[out], gradient[k]))
    duals = forward_pass(g, at, {p.wrt: 1.0})
    _against_engine(p2, run(fwd, z_values, "dot"), {n: duals[g.names[n]].tangent for n in [*inputs, *lines]},
                    dot_tex, ["tangent", "pseudocode", "dual numbers"],
                    rf"The forward pseudocode at $({fmt})$ beside the engine's dual-number pass.",
                    r"Every tangent of the pseudocode equals the engine's dual numbers, to rounding.")
    engine_grad = [adjoint[g.names[n]] for n in inputs]
    sol.answer("gradient", at_point,
               claims=("1.1.engine", "1.1.finite-differences"), check=witness.both(
                   witness.close_all(engine_grad, rtol=1e-10, atol=1e-12, what="the engine's reverse sweep"),
                   witness.close_all(central, rtol=1e-6, atol=slack, what="central differences")))
    shared = ", ".join(f"${tex[v]}$ (" + ", ".join(f"${tex[u]}$" for u, e in lines.items()
                                                  if sp.Symbol(v, real=True) in e.free_symbols) + ")"
                       for v in reused(lines, inputs))
    inner = [f"${tex[n]} = {sp.latex(e)}$" for n, e in lines.items()
             if any(map(SLIPS["inner-derivative-dropped"][0], sp.preorder_traversal(e)))]
    variables = [sp.Symbol(v, real=True) for v in [*inputs, *lines]]
    slips = {
        "missed-path": (
            _adjoint_rules(lines, inputs, lambda users: users[-1:], lambda u, var: sp.diff(lines[u], var)),
            r"An adjoint adds one term for every line that uses the variable, "
            r"$\bar{v} \leftarrow \bar{v} + \bar{u} \frac{\partial u}{\partial v}$: here "
            f"{shared} feed more than one line. Keeping only the latest use loses the paths through the "
            "other lines, and their share of the derivative."),
        "inner-derivative-dropped": (
            _adjoint_rules(lines, inputs, lambda users: users,
                           lambda u, var: slipped_diff(lines[u], var, "inner-derivative-dropped")),
            r"The local derivative of a line $z = g(u)$ is $g'(u)$ times the derivative of $u$: the chain rule "
            f"applies inside a line too ({'; '.join(inner)}). Stopping at $g'(u)$ drops the inner factor, "
            f"e.g. {inner_factor(lines, variables)}."),
    }
    for slip, (rules, explanation) in slips.items():
        wrong = run(rules, z_values, "bar")
        value = [wrong[n] for n in inputs]
        if not judge(value, sol.results["gradient"].value, sol.results["gradient"].rtol)[0]:  # the slip changes it
            sol.misconception("gradient", slip, value, explanation)

    # Q1.3 cost
    p3 = sol.part("1.3", "The cost of forward mode",
                  r"For $f:\mathbb R^d \to \mathbb R$ taking time $T$, how does forward mode get $df/dw$, and how "
                  r"long does it take?")
    d_, T_ = sp.symbols("d T", positive=True)
    cost = sp.Mul(d_, T_, evaluate=False)  # d passes of T operations, written in that order
    p3.text(r"Seed $\dot w = e_j$ and run the forward pass above: its last tangent is $\partial f/\partial w_j$. "
            r"Repeat for $j = 1, \dots, d$. Each pass evaluates every operation and its local derivatives once, "
            rf"$c\,T$ work, so the gradient costs $O(c\, d\, T) = O({sp.latex(cost, order='none')})$ "
            r"(reverse mode: $O(T)$).")
    rows, counted_ok, forward_counts = [], {}, {}
    for d in (int(x) for x in p.dims):
        sg = synthetic(d)
        ops = len(sg.operations())
        point = {n: 0.1 * (i + 1) for i, n in enumerate(sg.inputs)}
        with counting() as fwd_count:
            jf = forward_jacobian(sg, point)
        with counting() as rev_count:
            jr = reverse_jacobian(sg, point)
        want_f, want_r = forward_cost(d, ops), reverse_cost(d, ops)
        counted_ok[f"d={d}"] = dict(fwd_count) == want_f and dict(rev_count) == want_r and np.allclose(jf, jr)
        forward_counts[(d, ops)] = fwd_count["values"] + fwd_count["local derivatives"]
        rows.append([f"${d}$", f"${ops}$", f"${fwd_count['values'] + fwd_count['local derivatives']}$",
                     f"${rev_count['values'] + rev_count['local derivatives']}$"])
    p3.table(["$d$", "operations $T$", "forward mode", "reverse mode"], rows,
             caption=r"Operation evaluations (values plus local derivatives) counted while the engine computes the "
             r"gradient of $f(w) = \sum_i \sin(w_i)\, w_{i+1}$ (indices cyclic), which has $T = 3d - 1$ operations.",
             aside=True)
    p3.claim("counted", r"Counted evaluations: forward mode $2dT$ (grows like $d^2$ here, since $T \propto d$), "
             r"reverse mode $2T$ for every $d$; both modes give the same gradient.",
             prove.on_instances(counted_ok, "evaluations counted by instrumenting every operation"), aside=True)
    p3.figure("timing", r"Wall time of one gradient of the synthetic $f$ by the engine's two modes against $d$ "
              r"(median of repeated runs; log-log), with the slope fitted to the larger half of the sizes. "
              r"The counted costs predict slope 2 for forward mode ($d$ passes over a trace of length "
              r"$T \propto d$) and 1 for reverse mode (one pass); fixed overheads dominate the time at "
              r"small $d$ and wall times vary with the machine's load, so the fitted slopes of a run can depart "
              r"from these either way (the counted evaluations of the table are exact).",
              lambda path: _plot_timing(path, [int(x) for x in p.dims]), aside=True)
    sol.answer("forward-mode time", cost, claims=("1.3.counted",), check=_proportional(forward_counts, d_, T_),
               big_o=True)
    sol.misconception("forward-mode time", "one-pass", T_,
                      r"One forward pass carries one tangent: seeded with $e_j$ it gives the single partial "
                      r"derivative $\partial f/\partial w_j$, not the gradient. $O(T)$ is the cost of reverse mode, "
                      r"which gets all $d$ partials from one sweep; forward mode needs $d$ passes, $O(dT)$.")
    sol.misconception("forward-mode time", "values-once", T_ + d_,
                      r"The values of the trace could be computed once, but every pass recomputes the tangent of "
                      r"every operation, work proportional to $T$, $d$ times over: $O(dT)$, not $O(T + d)$.")
    return sol


def _proportional(counts: dict[tuple[int, int], int], d: sp.Symbol, T: sp.Symbol) -> Check:
    """A cost formula in d and T judged against counted evaluations: proportional to them at every size
    (an O(.) answer is right up to a constant factor)."""

    def check(value) -> Verdict:
        try:
            f = sp.sympify(value, strict=True)
            ratios = [float(f.subs({d: dd, T: ops})) / n for (dd, ops), n in counts.items()]
        except (TypeError, ValueError, sp.SympifyError):
            return Verdict("numeric", False, f"cost {sp.sstr(value)[:60]} is not a formula in d and T")
        ok = min(ratios) > 0 and max(ratios) <= (1 + 1e-9) * min(ratios)
        return Verdict("numeric", ok, f"cost {sp.sstr(value)[:60]} over the counted forward-mode evaluations at "
                       f"d = {', '.join(str(dd) for dd, _ in counts)}: ratios {min(ratios):.4g} to {max(ratios):.4g}"
                       + ("" if ok else ", not one constant"), {"ratios": ratios})

    return check


def _against_engine(part, pseudocode: dict, engine: dict, accent: dict, header: list[str], caption: str,
                    statement: str) -> None:
    """The pseudocode's numbers beside the engine's, as a table and a claim."""
    names = list(pseudocode)
    part.table(header, [[f"${accent[v]}$", f"${number(float(pseudocode[v]))}$", f"${number(engine[v])}$"]
                        for v in names],
               caption=caption, aside=True)
    part.claim("engine", statement, prove.close_all([float(pseudocode[v]) for v in names],
                                                    [engine[v] for v in names], rtol=1e-10, atol=1e-12,
                                                    what="pseudocode against the engine"), aside=True)


def tables_accent(name: str, accent: str) -> str:
    g = Graph.parse({}, [name])
    return tables.accented(g, 0, accent)


def _rule_tex(rule: sp.Expr, prefix: str, accent: dict[str, str]) -> str:
    names = {sp.Symbol(f"{prefix}_{n}", real=True): sp.Symbol(f"ACC{i}X") for i, n in enumerate(accent)}
    text = sp.latex(rule.subs(names), ln_notation=True)
    for i, n in enumerate(accent):
        text = text.replace(f"ACC_{{{i}X}}", accent[n]).replace(f"ACC{i}X", accent[n])
    return text


def measure_times(dims: list[int], repeats: int = 5) -> dict[str, list[float]]:
    """Median wall time of one gradient by each mode, for each d."""
    out: dict[str, list[float]] = {"forward": [], "reverse": []}
    for d in dims:
        sg = synthetic(d)
        point = {n: 0.1 * (i + 1) for i, n in enumerate(sg.inputs)}
        for mode, run_ in (("forward", forward_jacobian), ("reverse", reverse_jacobian)):
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                run_(sg, point)
                times.append(time.perf_counter() - t0)
            out[mode].append(float(np.median(times)))
    return out


def _plot_timing(path, dims: list[int]) -> None:
    times = measure_times(dims)
    with figures.figure(path) as (fig, ax):
        for mode, t in times.items():
            upper = min(len(dims) // 2, len(dims) - 2)  # the larger half of the sizes, at least two
            slope = np.polyfit(np.log(dims[upper:]), np.log(t[upper:]), 1)[0]
            ax.loglog(dims, t, **figures.style(f"{mode} mode", "measured"),
                      label=f"{mode} mode (fitted slope {slope:.2f})")
        ax.set_xscale("log", base=2)
        ax.set_xticks(dims, [str(d) for d in dims])
        ax.minorticks_off()
        ax.set_xlabel("number of inputs $d$")
        ax.set_ylabel("seconds per gradient")
        ax.legend(loc="best")


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
