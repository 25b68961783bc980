"""Deep leaky-ReLU networks trained with NumPy: forward pass, hand-written backward pass,
logistic loss and mini-batch SGD, plus the data sets and the cached depth x slope experiment.

Nothing here knows an initialisation formula: callers pass the weight variance of
every layer. The backward pass is written out by hand and is checked against
central differences by `numeric_grad`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import multiprocessing as mp
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from checks.finite_differences import central_difference
from checks.kaiming import leaky  # sigma(z) = max(0, z) + alpha min(0, z), keeping the dtype

DATASETS = ("blobs", "teacher", "digits")


# ---------------------------------------------------------------- the network


def leaky_slope(z: np.ndarray, alpha: float) -> np.ndarray:
    """sigma'(z): 1 for z > 0, alpha for z < 0 (alpha at the kink, a null set)."""
    a = z.dtype.type(alpha)
    return a + (z.dtype.type(1) - a) * (z > 0)


def init_weights(rng: np.random.Generator, dims: Sequence[int], variances: Sequence[float],
                 dtype=np.float32) -> list[np.ndarray]:
    """Gaussian weights; layer h maps dims[h] -> dims[h+1] and has variance variances[h].

    Stored as (fan_in, fan_out) so that a batch of row vectors A maps to A @ W.
    """
    if len(variances) != len(dims) - 1:
        raise ValueError("one variance per weight matrix expected")
    return [(rng.standard_normal((dims[h], dims[h + 1])) * np.sqrt(v)).astype(dtype)
            for h, v in enumerate(variances)]


def forward(weights: list[np.ndarray], X: np.ndarray, alpha: float):
    """f = W^{H+1} sigma(W^H ... sigma(W^1 x)).

    Returns f (n,), the pre-activations z^1..z^H and the layer inputs x, sigma(z^1), ...
    """
    zs, acts = [], [X]
    for W in weights[:-1]:
        zs.append(acts[-1] @ W)
        acts.append(leaky(zs[-1], alpha))
    return (acts[-1] @ weights[-1])[:, 0], zs, acts


def logistic_loss(f: np.ndarray, y: np.ndarray) -> float:
    """Mean of log(1 + exp(-y f)) for labels y in {-1, +1}, without overflow."""
    return float(np.mean(np.logaddexp(0.0, -y * f)))


def _sigmoid(t: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * t))  # exact identity, finite for every t


def backward(weights: list[np.ndarray], y: np.ndarray, f: np.ndarray, zs: list[np.ndarray],
             acts: list[np.ndarray], alpha: float) -> list[np.ndarray]:
    """Gradients of the mean logistic loss with respect to every weight matrix (by hand).

    dL/df_n = -y_n sigmoid(-y_n f_n) / n; then, layer by layer from the top,
    dL/dW = a^T delta, delta_below = (delta W^T) * sigma'(z).
    """
    n = len(y)
    delta = (-y * _sigmoid(-y * f) / n).astype(f.dtype)[:, None]  # dL/df, shape (n, 1)
    grads: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
    for h in range(len(weights) - 1, -1, -1):
        grads[h] = acts[h].T @ delta
        if h:
            delta = (delta @ weights[h].T) * leaky_slope(zs[h - 1], alpha)
    return grads


def loss_and_grad(weights, X, y, alpha):
    f, zs, acts = forward(weights, X, alpha)
    return logistic_loss(f, y), backward(weights, y, f, zs, acts, alpha)


def numeric_grad(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray, alpha: float,
                 eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences of the loss, one weight at a time (small float64 nets only)."""

    def loss_with(W: np.ndarray, idx: tuple[int, ...], value: float) -> float:
        W[idx] = value
        return logistic_loss(forward(weights, X, alpha)[0], y)

    out = []
    for W in weights:
        g = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            keep = W[idx]
            g[idx] = central_difference(partial(loss_with, W, idx), keep, eps)
            W[idx] = keep
        out.append(g)
    return out


def gradient_check(rng: np.random.Generator, *, alpha: float, dims: Sequence[int],
                   batch: int) -> float:
    """Largest relative gap between the hand-written and the finite-difference gradient.

    A small float64 network with unit-scale weights and Gaussian inputs; the
    gap is max|analytic - numeric| / max|numeric| over all weights.
    """
    weights = init_weights(rng, dims, [1.0 / d for d in dims[:-1]], np.float64)
    X = rng.standard_normal((batch, dims[0]))
    y = np.where(rng.random(batch) < 0.5, -1.0, 1.0)
    _, analytic = loss_and_grad(weights, X, y, alpha)
    numeric = numeric_grad(weights, X, y, alpha)
    gap = max(float(np.max(np.abs(a - b))) for a, b in zip(analytic, numeric))
    scale = max(float(np.max(np.abs(b))) for b in numeric)
    return gap / scale


# ---------------------------------------------------------------- data


DIGIT_CLASSES = (0, 1)  # the sheet's task: handwritten 0 (y = -1) against 1 (y = +1)
DIGITS_FILE = ("datasets", "data", "digits.csv.gz")  # inside the scikit-learn package


@functools.cache
def _bundled_digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 images of scikit-learn's bundled 8x8 digits (pixels 0..16) and their labels 0..9.

    The file `sklearn.datasets.load_digits` reads, read directly: importing scikit-learn
    takes about a second, the file 0.05 s. Nothing is downloaded. If the file is not where
    it was, `load_digits` itself reads it.
    """
    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    for root in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(root).joinpath(*DIGITS_FILE)
        if path.is_file():
            table = np.loadtxt(path, delimiter=",")  # 64 pixels, then the label
            return table[:, :-1], table[:, -1].astype(int)
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits of DIGIT_CLASSES, pixels standardised over those images, labels -1 / +1.

    A pixel that is constant over these images (blank in every one) stays 0.
    """
    images, labels = _bundled_digits()
    keep = np.isin(labels, DIGIT_CLASSES)
    X, t = images[keep].astype(float), labels[keep]
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return X, np.where(t == DIGIT_CLASSES[1], 1.0, -1.0)


def make_data(name: str, rng: np.random.Generator, n: int, dim: int = 64,
              separation: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """A binary task with labels in {-1, +1}.

    blobs:   x = y (s/sqrt(d)) 1 + sqrt(1 - s^2/d) eps, eps ~ N(0, I): two Gaussian blobs
             whose centres are 2s apart along the diagonal (Bayes error Phi(-s/sqrt(1-s^2/d)));
             every coordinate has mean square 1.
    teacher: x ~ N(0, I), y = sign of a random one-hidden-layer ReLU network of width d.
    digits:  the real handwritten digits 0 and 1 bundled with scikit-learn (`digits()`;
             `n`, `dim`, `separation` and `rng` are not used).
    """
    if name == "blobs":
        if separation**2 >= dim:
            raise ValueError("separation must be below sqrt(dim)")
        y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        X = (y[:, None] * (separation / np.sqrt(dim))
             + np.sqrt(1 - separation**2 / dim) * rng.standard_normal((n, dim)))
        return X, y
    if name == "teacher":
        X = rng.standard_normal((n, dim))
        U = rng.standard_normal((dim, dim)) / np.sqrt(dim)
        v = rng.standard_normal(dim)
        score = np.maximum(X @ U, 0.0) @ v
        return X, np.where(score > np.median(score), 1.0, -1.0)
    if name == "digits":
        return digits()
    raise ValueError(f"unknown data set {name!r}")


def describe(X: np.ndarray, y: np.ndarray) -> dict:
    """What a data set holds, measured: examples, dimension, examples per label, the mean
    square of a coordinate and the coordinates that are constant over the set."""
    return {"n": int(X.shape[0]), "dim": int(X.shape[1]),
            "negative": int(np.sum(y < 0)), "positive": int(np.sum(y > 0)),
            "mean_square": float(np.mean(X**2)),
            "constant": int(np.sum(np.ptp(X, axis=0) == 0))}


# ---------------------------------------------------------------- training


def train(X: np.ndarray, y: np.ndarray, weights: list[np.ndarray], *, alpha: float, lr: float,
          steps: int, batch: int, order: np.ndarray) -> dict[str, np.ndarray]:
    """Plain mini-batch SGD (no clipping, no momentum) on the mean logistic loss.

    `order` lists the example indices to draw, `batch` at a time. Records the
    loss and accuracy of each mini-batch before its update; once the loss is not
    finite (overflow: the run diverged) training stops and the rest stays NaN.
    """
    loss = np.full(steps, np.nan)
    acc = np.full(steps, np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            idx = order[t * batch:(t + 1) * batch]
            xb, yb = X[idx], y[idx]
            f, zs, acts = forward(weights, xb, alpha)
            loss[t] = logistic_loss(f.astype(np.float64), yb)
            if not np.isfinite(loss[t]):
                loss[t] = np.inf
                break
            acc[t] = float(np.mean(np.sign(f) == yb))
            grads = backward(weights, yb, f, zs, acts, alpha)
            for W, g in zip(weights, grads):
                W -= W.dtype.type(lr) * g
    return {"loss": loss, "acc": acc}


@dataclass(frozen=True)
class Panel:
    """One (depth, slope) pair: its learning rate and the per-layer variances of each init."""

    depth: int
    alpha: float
    lr: float
    inits: dict[str, tuple[float, ...]] = field(hash=False)


@dataclass(frozen=True)
class Experiment:
    panels: tuple[Panel, ...]
    width: int
    steps: int
    batch: int
    dataset: str
    train_size: int
    dim: int
    separation: float
    seed: int
    dtype: str = "float32"

    def key(self) -> str:
        """Hash of every setting and of this module's code: the cache file name."""
        blob = json.dumps(asdict(self), sort_keys=True, default=str)
        code = Path(__file__).read_bytes()
        return hashlib.sha256(blob.encode() + code).hexdigest()[:20]


def run_panel(exp: Experiment, i: int, X: np.ndarray, y: np.ndarray) -> dict[str, dict]:
    """Train every initialisation of panel i on the same data order and the same Gaussian draws.

    Both initialisations scale one standard-normal draw per weight, so the only
    difference between the two curves of a panel is the weight variance.
    """
    panel = exp.panels[i]
    dtype = np.dtype(exp.dtype)
    dims = [X.shape[1]] + [exp.width] * panel.depth + [1]
    rng = np.random.default_rng([exp.seed, i])
    unit = init_weights(rng, dims, [1.0] * (len(dims) - 1), np.float64)
    epochs = -(-exp.steps * exp.batch // len(y))
    order = np.concatenate([rng.permutation(len(y)) for _ in range(epochs)])
    out = {}
    for name, variances in panel.inits.items():
        weights = [(W * np.sqrt(v)).astype(dtype) for W, v in zip(unit, variances)]
        out[name] = train(X.astype(dtype), y.astype(dtype), weights, alpha=panel.alpha,
                          lr=panel.lr, steps=exp.steps, batch=exp.batch, order=order)
    return out


def _run_panels(exp: Experiment, X: np.ndarray, y: np.ndarray, workers: int) -> list[dict]:
    """Every panel, in `workers` processes with a single-threaded BLAS each (faster than one
    process with a multi-threaded BLAS for these small matrices); deepest panels first."""
    order = sorted(range(len(exp.panels)), key=lambda i: -exp.panels[i].depth)
    if workers <= 1 or len(order) == 1:
        return [run_panel(exp, i, X, y) for i in range(len(exp.panels))]
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: "1" for k in names})  # read by the fresh interpreters at start-up
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            futures = {i: pool.submit(run_panel, exp, i, X, y) for i in order}
            return [futures[i].result() for i in range(len(exp.panels))]
    except BrokenProcessPool:  # e.g. a __main__ that a fresh interpreter cannot re-import
        return [run_panel(exp, i, X, y) for i in range(len(exp.panels))]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_experiment(exp: Experiment, cache_dir: Path | None = None,
                   workers: int = 2) -> list[dict[str, dict]]:
    """Results of every panel; read from `cache_dir/leaky-<key>.npz` if that run is cached."""
    path = cache_dir / f"leaky-{exp.key()}.npz" if cache_dir is not None else None
    if path is not None and path.is_file():
        with np.load(path) as data:
            return [{name: {k: data[f"{i}/{name}/{k}"] for k in ("loss", "acc")}
                     for name in panel.inits} for i, panel in enumerate(exp.panels)]
    X, y = make_data(exp.dataset, np.random.default_rng([exp.seed, 10**6]), exp.train_size,
                     exp.dim, exp.separation)
    results = _run_panels(exp, X, y, workers)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        flat = {f"{i}/{name}/{k}": v for i, r in enumerate(results) for name, run in r.items()
                for k, v in run.items()}
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **flat)
        tmp.replace(path)
    return results
