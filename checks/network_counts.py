"""Counted networks and epoch loops: parameters, operations and updates measured, not derived.

The two-layer network D -> M (activation g) -> K (ReLU) -> softmax is built from
NumPy arrays and evaluated by explicit scalar loops in which every addition and
multiplication goes through an `OpCounter`. Activations and the softmax/loss are
evaluated outside the counter and *charged* a fixed number of operations each,
so the counting model's two free choices are explicit arguments. Nothing here
knows the derived counts; callers compare them with what is measured.
"""

from __future__ import annotations

import math

import numpy as np

ACTIVATIONS = {
    "tanh": (math.tanh, lambda a: 1.0 - math.tanh(a) ** 2),
    "sigmoid": (lambda a: 1.0 / (1.0 + math.exp(-a)),
                lambda a: math.exp(-a) / (1.0 + math.exp(-a)) ** 2),
}


class OpCounter:
    """Scalar arithmetic that counts itself: additions (incl. subtractions), multiplications
    (incl. divisions) and operations charged for activations and the loss."""

    def __init__(self) -> None:
        self.adds = 0
        self.muls = 0
        self.charged = 0

    def add(self, a: float, b: float) -> float:
        self.adds += 1
        return a + b

    def sub(self, a: float, b: float) -> float:
        self.adds += 1
        return a - b

    def mul(self, a: float, b: float) -> float:
        self.muls += 1
        return a * b

    def charge(self, ops: int) -> None:
        self.charged += ops

    @property
    def total(self) -> int:
        return self.adds + self.muls + self.charged


# ---------------------------------------------------------------- parameters (Q1a)

def shapes(d: int, m: int, k: int) -> dict[str, tuple[int, ...]]:
    """The arrays of D -> M -> K: a weight per edge, a bias per unit; the softmax has none."""
    return {"W1": (d, m), "b1": (m,), "W2": (m, k), "b2": (k,)}


def build_network(rng: np.random.Generator, d: int, m: int, k: int) -> dict[str, np.ndarray]:
    """Weights and biases of D -> M -> K, filled with random numbers."""
    return {name: rng.standard_normal(shape) for name, shape in shapes(d, m, k).items()}


def unfilled_network(d: int, m: int, k: int) -> dict[str, np.ndarray]:
    """The same arrays as read-only views of one zero: any size, no memory."""
    return {name: np.broadcast_to(0.0, shape) for name, shape in shapes(d, m, k).items()}


def count_entries(net: dict[str, np.ndarray]) -> int:
    return int(sum(a.size for a in net.values()))


# ---------------------------------------------------------------- forward pass (Q1c)

def loop_forward(X: np.ndarray, net: dict[str, np.ndarray], g: str) -> np.ndarray:
    """Softmax outputs computed one sample at a time from the scalar definition."""
    act = np.vectorize(ACTIVATIONS[g][0])
    out = np.empty((X.shape[0], net["b2"].size))
    for n, x in enumerate(X):
        h = act(np.array([x @ net["W1"][:, j] + net["b1"][j] for j in range(net["b1"].size)]))
        z = np.array([max(0.0, h @ net["W2"][:, k] + net["b2"][k]) for k in range(net["b2"].size)])
        e = np.exp(z - z.max())
        out[n] = e / e.sum()
    return out


# ---------------------------------------------------------------- counted passes (Q1b)

def _softmax_ce(z: list[float], target: int) -> tuple[float, list[float]]:
    """Cross-entropy of softmax(z) against `target` and its gradient in z (uncounted)."""
    top = max(z)
    e = [math.exp(v - top) for v in z]
    s = sum(e)
    p = [v / s for v in e]
    return -math.log(p[target]), [pk - (1.0 if k == target else 0.0) for k, pk in enumerate(p)]


def counted_forward(c: OpCounter, X, net, targets, g: str, act_cost: int, loss_cost: int):
    """Mean cross-entropy over the N samples with every + and x counted.

    Per unit: D products, D - 1 additions to sum them, one bias addition; each
    activation is charged `act_cost`; softmax + loss `loss_cost` per sample; the
    mean costs N - 1 additions and one multiplication by 1/N. Returns the loss and
    the cache (pre-activations and hidden outputs) that backprop needs.
    """
    act = ACTIVATIONS[g][0]
    W1, b1, W2, b2 = net["W1"], net["b1"], net["W2"], net["b2"]
    n_samples, d = X.shape
    m, k = b1.size, b2.size
    total, cache = None, []
    for n in range(n_samples):
        a1, h = [], []
        for j in range(m):
            s = c.mul(X[n, 0], W1[0, j])
            for i in range(1, d):
                s = c.add(s, c.mul(X[n, i], W1[i, j]))
            s = c.add(s, b1[j])
            a1.append(s)
            h.append(act(s))
            c.charge(act_cost)
        a2, z = [], []
        for q in range(k):
            s = c.mul(h[0], W2[0, q])
            for j in range(1, m):
                s = c.add(s, c.mul(h[j], W2[j, q]))
            s = c.add(s, b2[q])
            a2.append(s)
            z.append(max(0.0, s))
            c.charge(act_cost)
        loss, _ = _softmax_ce(z, int(targets[n]))
        c.charge(loss_cost)
        total = loss if total is None else c.add(total, loss)
        cache.append((a1, h, a2, z))
    return c.mul(total, 1.0 / n_samples), cache


def counted_fd_gradient(c: OpCounter, X, net, targets, g: str, act_cost: int, loss_cost: int,
                        h: float = 1e-6) -> dict[str, np.ndarray]:
    """Two-sided differences (L(t + h) - L(t - h)) / (2h), one parameter at a time.

    Per parameter: two additions for t +- h, two counted forward passes, one
    subtraction and one multiplication by the precomputed 1/(2h).
    """
    inv = 1.0 / (2 * h)
    grads = {}
    for name, arr in net.items():
        grad = np.empty_like(arr)
        for idx in np.ndindex(arr.shape):
            orig = arr[idx]
            arr[idx] = c.add(orig, h)
            up, _ = counted_forward(c, X, net, targets, g, act_cost, loss_cost)
            arr[idx] = c.sub(orig, h)
            down, _ = counted_forward(c, X, net, targets, g, act_cost, loss_cost)
            arr[idx] = orig  # restoring is a copy, not arithmetic
            grad[idx] = c.mul(c.sub(up, down), inv)
        grads[name] = grad
    return grads


def counted_backprop(c: OpCounter, X, net, targets, g: str, act_cost: int, loss_cost: int
                     ) -> dict[str, np.ndarray]:
    """One counted forward pass, then the backward pass in scalar loops.

    dL/dZ (softmax + cross-entropy, with the 1/N of the mean) is charged
    `loss_cost` per sample; each activation derivative `act_cost`.
    """
    dact = ACTIVATIONS[g][1]
    W2 = net["W2"]
    n_samples, d = X.shape
    m, k = net["b1"].size, net["b2"].size
    _, cache = counted_forward(c, X, net, targets, g, act_cost, loss_cost)
    g2 = np.empty((n_samples, k))
    for n, (_, _, a2, z) in enumerate(cache):
        _, dz = _softmax_ce(z, int(targets[n]))
        c.charge(loss_cost)
        for q in range(k):
            c.charge(act_cost)
            g2[n, q] = c.mul(dz[q] / n_samples, 1.0 if a2[q] > 0 else 0.0)
    hmat = np.array([row[1] for row in cache])
    a1mat = np.array([row[0] for row in cache])
    out = {"W2": _counted_at_b(c, hmat, g2), "b2": _counted_colsum(c, g2)}
    g1 = np.empty((n_samples, m))
    for n in range(n_samples):
        for j in range(m):
            s = c.mul(g2[n, 0], W2[j, 0])
            for q in range(1, k):
                s = c.add(s, c.mul(g2[n, q], W2[j, q]))
            c.charge(act_cost)
            g1[n, j] = c.mul(s, dact(a1mat[n, j]))
    out["W1"] = _counted_at_b(c, X, g1)
    out["b1"] = _counted_colsum(c, g1)
    return out


def _counted_at_b(c: OpCounter, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a^T b with sums over the rows (samples), counted."""
    out = np.empty((a.shape[1], b.shape[1]))
    for i in range(a.shape[1]):
        for j in range(b.shape[1]):
            s = c.mul(a[0, i], b[0, j])
            for n in range(1, a.shape[0]):
                s = c.add(s, c.mul(a[n, i], b[n, j]))
            out[i, j] = s
    return out


def _counted_colsum(c: OpCounter, b: np.ndarray) -> np.ndarray:
    out = np.empty(b.shape[1])
    for j in range(b.shape[1]):
        s = b[0, j]
        for n in range(1, b.shape[0]):
            s = c.add(s, b[n, j])
        out[j] = s
    return out


def measure_counts(rng: np.random.Generator, n: int, d: int, m: int, k: int, g: str,
                   act_cost: int, loss_cost: int) -> dict:
    """Counted totals of one forward pass, of the finite-difference gradient and of backprop,
    and the largest gap between the two gradients, for a random network and data set."""
    net = build_network(rng, d, m, k)
    X = rng.standard_normal((n, d))
    targets = rng.integers(0, k, n)
    fwd = OpCounter()
    counted_forward(fwd, X, net, targets, g, act_cost, loss_cost)
    fd = OpCounter()
    g_fd = counted_fd_gradient(fd, X, net, targets, g, act_cost, loss_cost)
    bp = OpCounter()
    g_bp = counted_backprop(bp, X, net, targets, g, act_cost, loss_cost)
    gap = max(float(np.max(np.abs(g_fd[key] - g_bp[key]))) for key in net)
    return {"forward": fwd.total, "fd": fd.total, "backprop": bp.total, "gap": gap}


# ---------------------------------------------------------------- epochs (Q2)

def simulate_epochs(n: int, epochs: int, batch: int, drop_last: bool) -> dict:
    """Run the epoch loop's batch boundaries: updates made and sample uses.

    Each epoch walks the samples in windows [start, start + batch); a short last
    window is kept or dropped. Every window is one update of every parameter.
    Shuffling permutes which samples fall in which window but changes neither the
    number of windows nor the total number of sample uses, so it is left out.
    """
    updates = 0
    seen = np.zeros(n + 1, dtype=np.int64)  # difference array of sample usage
    for _ in range(epochs):
        starts = np.arange(0, n, batch, dtype=np.int64)
        ends = np.minimum(starts + batch, n)
        if drop_last:
            full = ends - starts == batch
            starts, ends = starts[full], ends[full]
        updates += starts.size
        seen[starts] += 1  # window starts (and ends) are distinct within an epoch
        seen[ends] -= 1
    usage = np.cumsum(seen)[:n]
    return {"updates": updates, "uses": int(usage.sum())}


def dead_outputs(rng: np.random.Generator, n: int, d: int, m: int, k: int, g: str,
                 shift: float) -> tuple[np.ndarray, float]:
    """Outputs and the largest backprop gradient entry when every output bias is lowered by
    `shift`, so that all output pre-activations are negative and the ReLU clips them."""
    net = build_network(rng, d, m, k)
    net["b2"] = net["b2"] - shift
    X = rng.standard_normal((n, d))
    targets = rng.integers(0, k, n)
    grads = counted_backprop(OpCounter(), X, net, targets, g, 0, 0)
    return loop_forward(X, net, g), max(float(np.max(np.abs(v))) for v in grads.values())
