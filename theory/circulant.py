"""Circular convolution as circulant matrices; shift equivariance (cs7643-ps2 Q5)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks import circulant as sim
from theory.core import figures, prove, witness
from theory.core.context import Context
from theory.core.errors import BadInput
from theory.core.latexread import Notation, per_case
from theory.core.params import Parameters, param
from theory.core.solution import Solution
from theory.core.verdict import Verdict

TOPIC = "circulant"
DENSE_RATIO = 0.5  # a commutator ratio above this: far from equivariant (a random matrix gives about sqrt 2)

i_, j_ = sp.symbols("i j", integer=True)
n_ = sp.Symbol("n", integer=True, positive=True)
A_ = sp.Function("a")


def _odd(v: int) -> str | None:
    return None if v % 2 == 1 else "must be odd (a kernel centred on its middle tap)"


@dataclass(frozen=True)
class Params(Parameters):
    n_max: int = param(8, "largest n for the symbolic checks (every n from 1 up to it)", lo=1, hi=9)
    n_numeric: int = param(16, "extra, larger n for the numeric cross-checks", lo=2, hi=20)
    signal_length: int = param(64, "length of the 1-D demonstration signal", lo=4, hi=1024)
    image_size: int = param(16, "side of the square 2-D demonstration image", lo=4, hi=32)
    kernel_size: int = param(3, "side of the local random kernel in (c)", lo=1, hi=9, check=_odd)
    # Shifts act modulo the length: no more places than the longest signal and the largest image.
    shift: int = param(3, "circular shift of the 1-D signal in (c)", lo=1, hi=1024)
    shift_rows: int = param(2, "downward circular shift of the image in (c)", lo=0, hi=32)
    shift_cols: int = param(5, "rightward circular shift of the image in (c)", lo=0, hi=32)
    stride: int = param(2, "stride of the subsampled convolution in (c)", lo=2, hi=8)
    answer_n: int = param(4, "n of the shift and circulant matrices asked for as answers", lo=2, hi=8)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kernel_size > min(self.signal_length, self.image_size):
            raise BadInput(f"parameter kernel_size = {self.kernel_size} must not exceed signal_length "
                           f"and image_size")
        if self.shift % self.signal_length == 0:
            raise BadInput(f"parameter shift = {self.shift} must not be a multiple of signal_length "
                           f"= {self.signal_length} (that shift is the identity)")
        if (self.shift_rows % self.image_size, self.shift_cols % self.image_size) == (0, 0):
            raise BadInput("parameters shift_rows, shift_cols: the image shift must not be the "
                           "identity (both multiples of image_size)")
        if self.signal_length % self.stride:
            raise BadInput(f"parameter stride = {self.stride} must divide signal_length = "
                           f"{self.signal_length}")


def circulant(a: Sequence) -> sp.Matrix:
    """C_a: first column a, each next column the previous one shifted down circularly."""
    a = list(a)
    n = len(a)
    return sp.Matrix(n, n, lambda i, j: a[(i - j) % n])


def shift(n: int) -> sp.Matrix:
    """S, the circular right shift: (S x)_i = x_{(i-1) mod n}."""
    return sp.Matrix(n, n, lambda i, j: 1 if i == (j + 1) % n else 0)


def conv(x: Sequence, w: Sequence) -> sp.Matrix:
    """The sheet's definition: (x * w)_i = sum_k x_k w_{(i-k) mod n}."""
    n = len(x)
    return sp.Matrix([sum(x[k] * w[(i - k) % n] for k in range(n)) for i in range(n)])


def boundary_band(shape: tuple[int, int], shifts: tuple[int, int], radius: int) -> np.ndarray:
    """Pixels where a zero-padded convolution and the circular shift fail to commute.

    Tap (k, l) of the output at p reads input p - (k, l). Shifting first, the
    output at p reads tap (k, l) iff p - (k, l) lies in the image; shifting
    after, iff (p - s) mod n - (k, l) does. Both read the same input pixel, so
    the two paths differ at p exactly when some tap is kept by one and dropped
    by the other.
    """
    taps = np.arange(-radius, radius + 1)

    def inside(axis: int) -> tuple[np.ndarray, np.ndarray]:
        n, s = shape[axis], shifts[axis]
        p = np.arange(n)[:, None]
        here = (p - taps >= 0) & (p - taps < n)
        there = ((p - s) % n - taps >= 0) & ((p - s) % n - taps < n)
        return here, there

    (rh, rt), (ch, ct) = inside(0), inside(1)
    here = rh[:, None, :, None] & ch[None, :, None, :]
    there = rt[:, None, :, None] & ct[None, :, None, :]
    return np.any(here != there, axis=(2, 3))


def _symbols(name: str, n: int) -> list[sp.Symbol]:
    return list(sp.symbols(f"{name}0:{n}"))


def _each_n(ns: range, check: Callable[[int], Verdict], what: str) -> Verdict:
    return prove.proved_for_each({f"n={n}": (lambda n=n: check(n)) for n in ns}, what)


def _entries(name: str, M: sp.Matrix) -> type[sp.Function]:
    """M's entries as a function of (row, column) that takes its value once both are integers."""
    def eval(cls, r: sp.Expr, c: sp.Expr) -> sp.Expr | None:
        inside = r.is_Integer and c.is_Integer and 0 <= r < M.rows and 0 <= c < M.cols
        return M[int(r), int(c)] if inside else None

    return type(name, (sp.Function,), {"eval": classmethod(eval)})


@functools.lru_cache(maxsize=256)  # each line of the chain is the next line's "before"
def _at_entries(entry: sp.Expr, n: int) -> sp.ImmutableMatrix:
    """The n x n matrix of an entry written in symbolic i, j: the entry at every 0 <= i, j < n."""
    return sp.ImmutableMatrix(n, n, lambda r, c: entry.subs({i_: r, j_: c}))


def _powers(S: sp.Matrix) -> list[sp.Matrix]:
    """S^0, ..., S^(n-1) by repeated multiplication."""
    out = [sp.eye(S.rows)]
    for _ in range(1, S.rows):
        out.append(S * out[-1])
    return out


def _commutant(n: int) -> tuple[sp.Matrix, set[sp.Symbol]]:
    """The general solution of S M = M S over n^2 unknowns, and its free parameters."""
    m = _symbols("m", n * n)
    M, S = sp.Matrix(n, n, m), shift(n)
    (sol,) = sp.linsolve(list(S * M - M * S), m)
    general = sp.Matrix(n, n, list(sol))
    return general, general.free_symbols


def _numeric(M: sp.Matrix) -> np.ndarray:
    return np.array(M.tolist(), dtype=float)


def _index_pattern(n: int) -> np.ndarray:
    """Integer table P with C_a = a[P]: the theory's circulant of the labels 0..n-1."""
    return np.array(circulant(list(range(n))).tolist(), dtype=int)


def solve(p: Params, ctx: Context) -> Solution:
    ns = range(1, p.n_max + 1)
    sol = Solution(
        TOPIC, "Circular convolution and shift equivariance", "cs7643-ps2, Question 5", p,
        question=(
            r"With $(x * w)_i = \sum_{k} x_k\, w_{(i-k) ~\mathrm{mod}~n}$, circulants $C_a$ "
            r"(first column $a$, each further column cyclically shifted down) and the right shift "
            r"$(Sx)_i = x_{(i-1)~\mathrm{mod}~n}$: show circulants commute with $S$, that they are "
            r"the only linear maps that do, and discuss what this means for network design."
        ),
    )

    # setup: the matrices of the question
    p0 = sol.part("setup", "Convolution as a matrix product",
                  r"Write $x * w$ as a circulant times $x$, and $S$ as a circulant.")
    powers = {n: _powers(shift(n)) for n in ns}
    p0.text(r"Entrywise, $(C_a)_{ij} = a_{(i-j)~\mathrm{mod}~n}$ and $S_{ij} = 1$ exactly when "
            r"$i = (j+1) ~\mathrm{mod}~n$.")

    def conv_is_matrix(n: int) -> Verdict:
        x, w = _symbols("x", n), _symbols("w", n)
        return prove.equal(circulant(w) * sp.Matrix(x), conv(x, w))

    p0.claim("matrix", r"The sheet's matrix is the one with $a = w$: "
             r"$C_w x = x * w$.", _each_n(ns, conv_is_matrix, "symbolic entries"))

    def commutative(n: int) -> Verdict:
        x, w = _symbols("x", n), _symbols("w", n)
        return prove.equal(conv(x, w), conv(w, x)) & prove.equal(circulant(w) * sp.Matrix(x),
                                                                 circulant(x) * sp.Matrix(w))

    p0.claim("commutative", r"Circular convolution is commutative, $x * w = w * x$, so also "
             r"$C_w x = C_x w$: either factor may be read as the filter.",
             _each_n(ns, commutative, "symbolic entries"), aside=True)

    def shift_action(n: int) -> Verdict:
        x = _symbols("x", n)
        return prove.equal(shift(n) * sp.Matrix(x), sp.Matrix(x[-1:] + x[:-1]))

    p0.claim("shift", r"$S$ moves every entry one place down, wrapping the last to the top: "
             r"$Sx = (x_{n-1}, x_0, \dots, x_{n-2})$.", _each_n(ns, shift_action, "symbolic x"))

    def unit(n: int, k: int) -> list[int]:
        return [int(m == k) for m in range(n)]

    def shift_powers(n: int) -> Verdict:
        S = shift(n)
        v = prove.equal(S, circulant(unit(n, 1 % n)))
        for k in range(n):
            v = v & prove.equal(powers[n][k], circulant(unit(n, k)))
        return v

    p0.claim("powers", r"$S = C_{e_1}$, the circulant of $a = (0, 1, 0, \dots, 0)$; more generally "
             r"$S^k = C_{e_k}$ for $k = 0,\dots,n-1$ (for $n = 1$, $S = I = C_{e_0}$).",
             _each_n(ns, shift_powers, "exact integer matrices"))
    # the matrices asked for, at n = answer_n, each against its NumPy or SciPy construction: the answers'
    # checks, which decide these matrices here and any matrix offered for them
    n = p.answer_n
    labels = np.arange(1, n + 1)
    S_ans, C_ans = shift(n), circulant([int(v) for v in labels])
    by_numpy = witness.close_all(sim.shift_matrix(n), rtol=0.0, what=f"NumPy's rolled identity, n = {n}")
    by_scipy = witness.close_all(sim.scipy_circulant(labels), rtol=0.0, what=f"SciPy's circulant of 1..{n}")
    p0.claim("S", rf"For $n = {n}$ the right shift $S$ (in the box below) is the identity with its rows "
             r"rolled down by one place,", by_numpy(S_ans), value=S_ans)
    p0.claim("C", rf"and the circulant $C_a$ of $a = ({', '.join(map(str, labels))})$ is SciPy's "
             r"\emph{circulant}$(a)$.", by_scipy(C_ans), value=C_ans)

    # (a) circulants commute with S
    pa = sol.part("a", "Circulants commute with the shift",
                  r"Prove that every circulant $C_a$ satisfies $SC_a = C_aS$; hence convolving "
                  r"and shifting can be done in either order.")
    a_seq = {n: [A_(m) for m in range(n)] for n in ns}  # an arbitrary sequence a_0, ..., a_(n-1)
    S_n = {n: sp.ImmutableMatrix(shift(n)) for n in ns}
    C_n = {n: sp.ImmutableMatrix(circulant(a_seq[n])) for n in ns}
    SC, CS = {n: S_n[n] * C_n[n] for n in ns}, {n: C_n[n] * S_n[n] for n in ns}
    S_entry, C_entry = ({n: _entries(f"{name}_{n}", M[n]) for n in ns} for name, M in (("S", S_n), ("C", C_n)))

    pa.claim("commute", r"$SC_a = C_aS$ for an arbitrary sequence $a_0,\dots,a_{n-1}$, every "
             rf"$n = 1,\dots,{p.n_max}$; the chain below shows why it holds for every $n$.",
             _each_n(ns, lambda n: prove.equal(SC[n], CS[n]), "symbolic entries"), aside=True)
    pa.notation = Notation(indexed={"a": A_})  # a_k: the k-th term of an arbitrary sequence a
    # each line is the entry (i, j) for symbolic i, j; a link is proved on all n^2 entries at once
    CS_entry = {n: _entries(f"CS_{n}", CS[n]) for n in ns}
    ch = pa.chain("entry", r"(SC_a)_{ij}", {f"n={n}": {"n": n} for n in ns})
    ch.notation = Notation(
        names={"n": lambda n: sp.Integer(n), "i": i_, "j": j_, r"(C_aS)_{ij}": lambda n: CS_entry[n](i_, j_)},
        indexed={"a": A_, "S": per_case(lambda n: S_entry[n]), "C_a": per_case(lambda n: C_entry[n])})

    def link(latex: str, entry: Callable[[int], sp.Expr], reason: str) -> None:
        before = ch.steps[-1].value
        ch.step(latex, entry, reason, verdict=_each_n(ns, lambda n: prove.equal(
            _at_entries(before(n=n), n), _at_entries(entry(n), n)), "the n x n matrices of entries (i, j)"))

    ch.define(r"\sum_{k=0}^{n-1} S_{ik}(C_a)_{kj}",
              lambda n: sum(S_entry[n](i_, k) * C_entry[n](k, j_) for k in range(n)), "matrix product")
    link(r"(C_a)_{(i-1)~\mathrm{mod}~n,~j}", lambda n: C_entry[n](sp.Mod(i_ - 1, n), j_),
         r"row $i$ of $S$ has its one $1$ in column $(i-1)~\mathrm{mod}~n$")
    link(r"a_{(i-1-j)~\mathrm{mod}~n}", lambda n: A_(sp.Mod(i_ - 1 - j_, n)),
         r"$(C_a)_{kj} = a_{(k-j)~\mathrm{mod}~n}$")
    link(r"a_{(i-(j+1))~\mathrm{mod}~n}", lambda n: A_(sp.Mod(i_ - (j_ + 1), n)),
         r"same index, general $n$")
    link(r"(C_a)_{i,\,(j+1)~\mathrm{mod}~n}", lambda n: C_entry[n](i_, sp.Mod(j_ + 1, n)),
         r"$(C_a)_{kj} = a_{(k-j)~\mathrm{mod}~n}$")
    link(r"(C_aS)_{ij}", lambda n: CS_entry[n](i_, j_), r"column $j$ of $S$ is $e_{(j+1)~\mathrm{mod}~n}$")
    pa.text(r"Each line holds for every $n$ by the reason beside it; the index identity of the "
            r"middle lines holds for symbolic $i, j, n$:")
    general = (A_(sp.Mod(sp.Mod(i_ - 1, n_) - j_, n_)), A_(sp.Mod(i_ - sp.Mod(j_ + 1, n_), n_)))
    pa.claim("general", r"For symbolic integers $i, j$ and $n \ge 1$ and an arbitrary sequence "
             r"$a$, the entries $(C_a)_{(i-1)~\mathrm{mod}~n,~j}$ and "
             r"$(C_a)_{i,(j+1)~\mathrm{mod}~n}$ of the chain are equal: SymPy reduces their nested "
             r"residues to the same one, as it does $(i-1-j)~\mathrm{mod}~n$ and "
             r"$(i-(j+1))~\mathrm{mod}~n$:",
             prove.equal(*general) & prove.equal(sp.Mod(i_ - 1 - j_, n_), sp.Mod(i_ - (j_ + 1), n_)),
             r"a_{((i-1)~\mathrm{mod}~n - j)~\mathrm{mod}~n} = a_{(i - (j+1)~\mathrm{mod}~n)~\mathrm{mod}~n}",
             sp.Eq(*general, evaluate=False))
    sizes = range(1, 129)
    pa.claim("index", r"The index identity $(i-1-j)~\mathrm{mod}~n = "
             r"(i-(j+1))~\mathrm{mod}~n$ also holds "
             r"for all $0 \le i, j < n$, evaluated with integer arithmetic for every "
             rf"$n = 1,\dots,{sizes[-1]}$.",
             prove.on_instances({f"n=1..{sizes[-1]}": all(
                 bool(np.all((ii - 1 - jj) % n == (ii - (jj + 1)) % n))
                 for n in sizes for ii, jj in [np.meshgrid(np.arange(n), np.arange(n))])},
                 "all index pairs"), aside=True)

    def equivariant(n: int) -> Verdict:
        x, w = _symbols("x", n), _symbols("w", n)
        S = shift(n)
        return prove.equal(conv(list(S * sp.Matrix(x)), w), S * conv(x, w))

    pa.claim("conv", r"Consequence: $(Sx) * w = S(x * w)$, i.e. $C_wSx = SC_wx$: shifting then "
             r"convolving equals convolving then shifting.",
             _each_n(ns, equivariant, "symbolic x and w"))
    pa.text(r"By induction $S^kC_a = C_aS^k$ as well, so circular convolution commutes with "
            r"shifts by any number of places.")

    # (b) equivariant linear maps are circulants
    pb = sol.part("b", "Only convolutions are shift equivariant",
                  r"Prove that a linear map $M$ with $MS = SM$ must be a circulant, i.e. a "
                  r"circular convolution; the converse is (a).")
    pb.text(r"(Circulant $\implies$ equivariant) This is (a). (Equivariant $\implies$ "
            r"circulant) Let $MS = SM$. Then $MS^k = S^kM$ for every $k$ (move one $S$ across at a "
            r"time), and column $k$ of $M$ is the first column $m = Me_0$ shifted down $k$ places "
            r"(the chain below), which is column $k$ of $C_m$; so $M = C_m$.")
    solved = {n: _commutant(n) for n in ns}

    pb.claim("dimension", r"The general solution of $SM = MS$ has exactly $n$ free parameters.",
             _each_n(ns, lambda n: Verdict("symbolic", len(solved[n][1]) == n,
                                           f"{len(solved[n][1])} free parameters"),
                     "SymPy linsolve"), aside=True)
    pb.claim("family", r"SymPy's general solution of $SM = MS$ for a generic $M$ ($n^2$ unknowns, $n^2$ linear "
             r"equations) is the circulant of its own first column, "
             r"$M = C_{Me_0}$, and $C_a e_0 = a$: the solutions are exactly the circulants, "
             r"one for each $a \in \mathbb{R}^n$.",
             _each_n(ns, lambda n: prove.equal(solved[n][0], circulant(list(solved[n][0][:, 0])))
                     & prove.equal(C_n[n][:, 0], sp.Matrix(a_seq[n])), "symbolic"))

    def powers_commute(n: int) -> Verdict:
        M, S = solved[n][0], shift(n)
        v = prove.equal(M * S, S * M)
        for k in range(2, n):
            v = v & prove.equal(M * powers[n][k], powers[n][k] * M)
        return v

    pb.claim("powers", r"If $MS = SM$ then $MS^k = S^kM$, $k = 0,\dots,n-1$ (checked on the "
             r"general solution of $MS = SM$ above).", _each_n(ns, powers_commute, "symbolic"))
    # M: the general solution of MS = SM, m: its first column, e_k: the unit vectors of the setup
    M_n, m_n = {n: solved[n][0] for n in ns}, {n: solved[n][0][:, 0] for n in ns}
    Cm_n = {n: circulant(list(m_n[n])) for n in ns}
    e = {n: [sp.Matrix(unit(n, k)) for k in range(n)] for n in ns}
    ch = pb.chain("column", r"M e_k", {f"n={n}, k={k}": {"n": n, "k": k} for n in ns for k in range(n)})
    ch.notation = Notation(names={
        "M": lambda n, k: M_n[n], "m": lambda n, k: m_n[n], "C_m": lambda n, k: Cm_n[n], "S": lambda n, k: S_n[n],
        "k": lambda n, k: sp.Integer(k), "e_0": lambda n, k: e[n][0], "e_k": lambda n, k: e[n][k]})
    ch.define(r"M S^k e_0", lambda n, k: M_n[n] * e[n][k], r"$e_k = S^ke_0$ (the setup), for each $k = 0,\dots,n-1$")
    ch.step(r"S^k M e_0", lambda n, k: powers[n][k] * M_n[n] * e[n][0], r"$MS^k = S^kM$")
    ch.step(r"S^k m", lambda n, k: powers[n][k] * m_n[n], r"$m = Me_0$, the first column of $M$")
    ch.step(r"C_m e_k", lambda n, k: Cm_n[n][:, k],
            r"$S^k$ shifts $m$ down $k$ places, $(S^km)_i = m_{(i-k)~\mathrm{mod}~n}$: column $k$ of $C_m$")
    pb.text(r"So the shift-equivariant linear maps on $\mathbb{R}^n$ are the circulants, with $n$ free "
            r"parameters, the first column.")

    rng = ctx.rng("b.numeric")
    numeric_ns = [*ns, p.n_numeric]
    vecs = {n: rng.standard_normal(n) for n in numeric_ns}
    xs = {n: rng.standard_normal(n) for n in numeric_ns}
    pattern = {n: _index_pattern(n) for n in numeric_ns}
    C_num = {n: vecs[n][pattern[n]] for n in numeric_ns}
    S_num = {n: _numeric(shift(n)) for n in numeric_ns}
    sizes_text = f"$n = 1,\\dots,{p.n_max}$ and ${p.n_numeric}$"
    pb.claim("scipy", rf"Numeric cross-check ({sizes_text}, random $a$): $C_a$ equals "
             r"SciPy\'s \emph{circulant}$(a)$ and $S$ equals the identity with its rows "
             r"rolled down by one.",
             prove.on_instances({f"n={n}": bool(
                 np.array_equal(C_num[n], sim.scipy_circulant(vecs[n]))
                 and np.array_equal(S_num[n], sim.shift_matrix(n))) for n in numeric_ns},
                 "exact equality of the arrays"), aside=True)
    fft_err = max(sim.relative_error(C_num[n] @ xs[n], sim.fft_convolve(vecs[n], xs[n]))
                  for n in numeric_ns)
    pb.claim("fft", rf"Convolution theorem ({sizes_text}): $C_ax = "
             r"\mathcal{F}^{-1}(\mathcal{F}a \cdot \mathcal{F}x)$ to rounding error.",
             prove.close(fft_err, 0.0, rtol=0.0, atol=1e-12, what="max relative difference"), aside=True)

    def nullspace(n: int) -> bool:
        nullity, basis, _ = sim.null_space(sim.commutator_operator(sim.shift_matrix(n)))
        mats = basis.reshape(-1, n, n)
        circ = all(np.allclose(B, B[:, 0][pattern[n]], atol=1e-10) for B in mats)
        return nullity == (len(solved[n][1]) if n in solved else n) and circ

    pb.claim("nullspace", r"Numerically, the null space of the map sending $M$ to $SM - MS$ "
             r"(an SVD of its $n^2 \times n^2$ matrix, built from NumPy's own shift) has the "
             r"dimension found symbolically ($n$), and every basis matrix equals $C_a$ for its "
             r"first column $a$.",
             prove.on_instances({f"n={n}": nullspace(n) for n in ns},
                                "singular values below 1e-10 relative"), aside=True)
    rand_rng = ctx.rng("b.random")
    big = [n for n in numeric_ns if n >= 2]
    dense_ratio = min(sim.commutator_ratio(sim.dense_layer(rand_rng, n), S_num[n]) for n in big)
    circ_ratio = max(sim.commutator_ratio(C_num[n], S_num[n]) for n in numeric_ns)
    pb.claim("random", r"A random Gaussian matrix ($n \ge 2$) is not equivariant: "
             rf"$\lVert MS - SM\rVert_F / \lVert M\rVert_F > {pb.setting(DENSE_RATIO)}$ (about $\sqrt2$ is "
             r"typical), while for $C_a$ the ratio is below $10^{-12}$.",
             prove.on_instances({
                 f"dense: min ratio {dense_ratio:.3f} > {DENSE_RATIO:g}": dense_ratio > DENSE_RATIO,
                 f"circulant: max ratio {circ_ratio:.1e} < 1e-12": circ_ratio < 1e-12,
             }, f"n = 2..{p.n_max} and {p.n_numeric}"), aside=True)

    # (c) design
    pc = sol.part("c", "What this means for architectures",
                  r"Discuss what (a) and (b) imply for networks that process images and videos.")
    pc.text(
        r"Equivariance forces weight sharing: if shifting the input should shift a linear layer's "
        r"response, (b) says the layer must apply one filter at every position, i.e. be a "
        r"convolution. That is the prior that suits images (and, along time, videos): $n$ weights "
        r"instead of $n^2$ ($HW$ instead of $(HW)^2$ for an $H\times W$ image), a feature learned once "
        r"is detected everywhere, and locality ($k\times k$ filters) cuts this to $k^2$. Conv--ReLU "
        r"stacks stay equivariant and global pooling makes them shift invariant. It is exact only "
        r"with circular padding; zero padding, strides and dense layers break it (cross-checks "
        r"below). Other groups (rotations, permutations) give group-equivariant CNNs and set and "
        r"graph networks."
    )
    L, H, K = p.signal_length, p.image_size, p.kernel_size
    dy, dx = p.shift_rows % H, p.shift_cols % H
    band = boundary_band((H, H), (dy, dx), K // 2)
    pc.text(rf"With zero padding instead, on a ${H}\times{H}$ image with a ${K}\times{K}$ kernel and a "
            rf"circular shift by $({dy}, {dx})$ pixels, the two orders differ on a band of "
            rf"${pc.quote(int(band.sum()), of='zero-padding band pixels')}$ of the ${H * H}$ pixels: the "
            r"border and the seam where the shift puts the old border.")
    pc.table(
        ["input", "dense layer", r"any circular convolution", rf"local ${K}\times{K}$ kernel"],
        [[rf"signal, $n = {L}$", f"${L * L}$", f"${L}$", f"${K}$"],
         [rf"image, ${H}\times{H}$", f"${(H * H) ** 2}$", f"${H * H}$", f"${K * K}$"]],
        caption=r"Free parameters of a linear layer (one channel in, one out): $n^2$ for a dense "
                r"map, $n$ for the circulants of (b), the kernel size for a local filter.",
        aside=True,
    )
    drng = ctx.rng("c.demo")
    r = K // 2
    signal = drng.standard_normal(L)
    k1 = drng.standard_normal(K)
    y1 = sim.circular_conv1d(signal, k1)
    err1 = sim.relative_error(sim.circular_conv1d(np.roll(signal, p.shift), k1),
                              np.roll(y1, p.shift))
    pc.claim("signal", rf"1-D demonstration: a random signal of length ${L}$, a random "
             rf"${K}$-tap kernel, shift by ${p.shift}$: shifting then convolving equals "
             r"convolving then shifting, to rounding error.",
             prove.close(err1, 0.0, rtol=0.0, atol=1e-12, what="max relative difference"), aside=True)
    img = sim.pattern(drng, H)
    k2 = drng.standard_normal((K, K))
    y2 = sim.circular_conv2d(img, k2)
    shifted_first = sim.circular_conv2d(sim.roll2d(img, dy, dx), k2)
    err2 = sim.relative_error(shifted_first, sim.roll2d(y2, dy, dx))
    fft_err2 = sim.relative_error(y2, sim.fft_conv2d(img, k2))
    pc.claim("image", rf"2-D demonstration: a ${H}\times{H}$ test image, a random ${K}\times{K}$ "
             rf"kernel with circular padding, shift by $({dy}, {dx})$: both orders agree to "
             r"rounding error (and the rolled-tap convolution equals the FFT one).",
             prove.close(max(err2, fft_err2), 0.0, rtol=0.0, atol=1e-12,
                         what="max relative difference"), aside=True)
    D1 = sim.dense_layer(drng, L)
    D2 = sim.dense_layer(drng, H * H)
    dense1 = sim.relative_error(D1 @ np.roll(signal, p.shift), np.roll(D1 @ signal, p.shift))
    dense_img = (D2 @ sim.roll2d(img, dy, dx).ravel()).reshape(H, H)
    dense_ref = sim.roll2d((D2 @ img.ravel()).reshape(H, H), dy, dx)
    dense2 = sim.relative_error(dense_img, dense_ref)
    pc.claim("dense", r"A dense random layer (i.i.d. Gaussian weights) on the same inputs does "
             r"not commute with the shift: the two orders differ by more than 20\% of the "
             r"output's largest entry.",
             prove.on_instances({f"1-D: {dense1:.2f} > 0.2": dense1 > 0.2,
                                 f"2-D: {dense2:.2f} > 0.2": dense2 > 0.2},
                                "max relative difference"), aside=True)
    zp = sim.zero_padded_conv2d(img, k2)
    zp_err = np.abs(sim.zero_padded_conv2d(sim.roll2d(img, dy, dx), k2) - sim.roll2d(zp, dy, dx))
    scale = float(np.max(np.abs(zp)))
    inner = float(zp_err[~band].max()) / scale if (~band).any() else 0.0
    outer_min = float(zp_err[band].min()) / scale if band.any() else np.inf  # empty: vacuous
    outer_max = float(zp_err[band].max()) / scale if band.any() else 0.0
    pc.claim("border", r"With zero padding the layer commutes with the circular shift only away "
             r"from the border and from the seam where the shift puts the old border. "
             r"The tap rule (the two orders differ at a pixel exactly when some kernel tap falls "
             r"outside the image on one path and inside on the other) predicts a band of "
             rf"${int(band.sum())}$ of the ${H * H}$ pixels; the measured difference is below "
             r"$10^{-12}$ outside it and above $10^{-9}$ at every pixel in it (relative to the "
             r"largest output).",
             prove.on_instances({
                 f"outside the band: max {inner:.1e}": inner < 1e-12,
                 f"inside: min {outer_min:.1e}, max {outer_max:.2f}": outer_min > 1e-9,
             }, "zero-padded 2-D convolution"), aside=True)
    s_ = p.stride
    strided = y1[::s_]
    by_stride = sim.circular_conv1d(np.roll(signal, s_), k1)[::s_]
    by_one = sim.circular_conv1d(np.roll(signal, 1), k1)[::s_]
    exact = sim.relative_error(by_stride, np.roll(strided, 1))
    nearest = sim.best_shift_error(by_one, strided)
    pc.claim("stride", rf"Stride breaks equivariance: with stride ${s_}$, shifting the input by "
             rf"${s_}$ shifts the output by exactly one place, but shifting it by one place gives "
             r"an output that is more than 10\% away from every circular shift of the "
             r"original.",
             prove.on_instances({f"shift {s_}: {exact:.1e} < 1e-12": exact < 1e-12,
                                 f"shift 1: nearest shift {nearest:.2f} > 0.1": nearest > 0.1},
                                "1-D signal, max relative difference"), aside=True)
    pool_avg = abs(shifted_first.mean() - y2.mean()) / scale
    pool_max = abs(shifted_first.max() - y2.max()) / scale
    pc.claim("pool", r"Global average and max pooling after the circular convolution are "
             r"invariant: the pooled outputs of the image and of its shift agree to rounding.",
             prove.close(max(pool_avg, pool_max), 0.0, rtol=0.0, atol=1e-12,
                         what="max relative difference of the pooled outputs"), aside=True)
    demo = {"img": img, "shifted": sim.roll2d(img, dy, dx), "y": y2, "a": shifted_first,
            "b": sim.roll2d(y2, dy, dx), "zp_err": zp_err, "band": band,
            "dense": np.abs(dense_img - dense_ref), "shift": (dy, dx)}
    pc.figure("demo", rf"The 2-D demonstration ({H}$\times${H} image, random "
              rf"{K}$\times${K} kernel, shift $({dy}, {dx})$). Top: input $x$, shifted input $Sx$, "
              r"output of shift-then-convolve, $C(Sx)$, and of convolve-then-shift, $SC(x)$. "
              rf"Bottom, on a log scale floored at ${pc.setting(_DEMO_FLOOR)}$: $|C(Sx) - SC(x)|$ with "
              r"circular padding (zero or rounding noise), the same with zero padding ("
              + figures.colour_word("predicted region") + r": edge of the "
              r"band predicted by the tap rule, i.e. the image border and the seam where the "
              r"circular shift has moved the old border; the difference vanishes elsewhere), "
              r"and "
              r"for a dense random layer $D$.",
              lambda path: _plot_demo(path, demo), aside=True)

    nullity = sim.null_space(sim.commutator_operator(sim.shift_matrix(n)))[0]
    sol.answer("S as a matrix", S_ans, claims=("setup.S",), check=by_numpy)
    sol.answer("C_a for a = (1, ..., n)", C_ans, claims=("setup.C",), check=by_scipy)
    sol.answer("free parameters of a shift-equivariant linear map", n_, claims=("b.nullspace",),  # for any n
               check=witness.at({n_: n}, witness.close(float(nullity), rtol=0.0,
                                                       what=f"null space of M -> SM - MS by SVD, n = {n}")))
    measured_band = int(np.sum(zp_err / scale > 1e-10))
    sol.answer("zero-padding band pixels", int(band.sum()), claims=("c.border",),
               check=witness.close(float(measured_band), rtol=0.0,
                                   what="pixels where the two orders of the zero-padded convolution differ"))
    _misconceptions(sol, n, H, r, int(band.sum()))
    return sol


def _lower_band(a: Sequence) -> sp.Matrix:
    """a_(i-j) on and below the diagonal, 0 above: the Toeplitz matrix without the wrap-around."""
    return sp.Matrix(len(a), len(a), lambda i, j: a[i - j] if i >= j else 0)


def _misconceptions(sol: Solution, n: int, H: int, r: int, band: int) -> None:
    """The usual slips, each declared where it gives another value than the right one."""
    S, C = shift(n), circulant(list(range(1, n + 1)))
    if S != S.T:
        sol.misconception("S as a matrix", "left-shift", S.T,
                          r"This matrix moves every entry one place up, $(Sx)_i = x_{i+1}$: it is the "
                          r"transpose (and the inverse) of the right shift. The sheet's $S$ has its ones just "
                          r"below the diagonal and one in the top-right corner, so that $(Sx)_0 = x_{n-1}$.")
    sol.misconception("S as a matrix", "non-circular-shift", _lower_band([int(k == 1) for k in range(n)]),
                      r"Without the one in the top-right corner the matrix drops $x_{n-1}$ instead of moving "
                      r"it to the top: the ordinary shift, a Toeplitz matrix that is not a circulant and does "
                      r"not commute with the circulants.")
    if C != C.T:
        sol.misconception("C_a for a = (1, ..., n)", "first-row", C.T,
                          r"$a$ is the first column of $C_a$, each further column shifted down: "
                          r"$(C_a)_{ij} = a_{(i-j)~\mathrm{mod}~n}$. Writing $a$ along the first row gives the "
                          r"transpose, the matrix of a correlation, not of the convolution $x * a$.")
    sol.misconception("C_a for a = (1, ..., n)", "no-wrap-around", _lower_band(list(range(1, n + 1))),
                      r"The entries above the diagonal are not zero: the index is taken mod $n$, so for "
                      r"$i < j$ they are $a_{n+i-j}$. Leaving them out gives the zero-padded convolution, a "
                      r"Toeplitz matrix that does not commute with the circular shift.")
    sol.misconception("free parameters of a shift-equivariant linear map", "dense-count", n_**2,
                      r"$n^2$ counts every linear map on $\mathbb{R}^n$. Commuting with $S$ makes each column "
                      r"the previous one shifted, so only the first column is free: $n$ parameters, the filter.")
    sol.misconception("free parameters of a shift-equivariant linear map", "multiples-of-identity", sp.Integer(1),
                      r"Only the multiples of the identity commute with every matrix; commuting with the one "
                      r"matrix $S$ allows every circulant $C_a$, one for each first column $a$: $n$ parameters.")
    if band:
        sol.misconception("zero-padding band pixels", "padding-irrelevant", 0,
                          r"Convolution is shift equivariant only with circular padding. With zero padding a "
                          r"tap outside the image reads $0$ on one path and a wrapped-around pixel on the "
                          r"other, so the two orders differ near the border and near the seam of the shift.")
    border = H * H - (H - 2 * r) ** 2
    if border != band:
        sol.misconception("zero-padding band pixels", "border-only", border,
                          r"These are only the pixels whose window crosses the image border. The circular "
                          r"shift also moves the old border into the image, and around that seam the shifted "
                          r"zero-padded output lacks taps that the other order has.")

_DEMO_FLOOR = 1e-17  # the log scale of the demonstration's differences starts here


def _plot_demo(path, d: dict) -> None:
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import LogLocator

    floor = _DEMO_FLOOR
    diffs = [np.abs(d["a"] - d["b"]), d["zp_err"], d["dense"]]
    top = max(float(x.max()) for x in diffs)
    images = [(d["img"], r"input $x$", "viridis"), (d["shifted"], rf"shifted $Sx$, by ${d['shift']}$", "viridis"),
              (d["a"], r"$C(Sx)$", "magma"), (d["b"], r"$S\,C(x)$", "magma")]
    errors = [(diffs[0], "circular pad"), (diffs[1], "zero pad"), (diffs[2], "dense layer $D$")]
    with figures.figure(path, ncols=4, nrows=2) as (fig, axes):
        for ax, (data, title, cmap) in zip(axes[0], images):
            ax.imshow(data, cmap=cmap, interpolation="nearest")
            ax.set_title(title)
        norm = LogNorm(vmin=floor, vmax=top)
        for ax, (data, title) in zip(axes[1], errors):
            im = ax.imshow(np.maximum(data, floor), cmap="Greys", norm=norm, interpolation="nearest")
            ax.set_title(f"{title}\nmax {figures.scientific(float(data.max()))}")
        axes[1][1].contour(d["band"].astype(float), levels=[0.5], linewidths=1.0,
                           colors=[figures.style("predicted region")["color"]])
        for ax in axes.ravel():
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
        axes[1][3].axis("off")
        cb = fig.colorbar(im, cax=axes[1][3].inset_axes((0.08, 0.0, 0.1, 1.0)))
        cb.set_label(r"$|$difference$|$")
        cb.ax.yaxis.set_major_locator(LogLocator(numticks=4))


if __name__ == "__main__":
    from theory.core.cli import topic_main

    sys.exit(topic_main(sys.modules[__name__]))
