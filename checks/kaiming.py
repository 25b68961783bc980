"""Simulations for the Kaiming topic: random layers, deep random networks, draws from a density.

Nothing here knows the derived variance; callers pass the weight variance (or the density) and
compare what is measured with what the derivation predicts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

BLOCK = 1 << 22  # numbers per array drawn at once (32 MiB of float64): bounds memory at any size
REACH = 1e6  # the sampling grid of a density covers [-REACH, REACH]
STEP = 1e-4  # its step in v, where z = sinh(v): 1e-4 near 0, a relative 1e-4 far out


def leaky(z: np.ndarray, alpha: float) -> np.ndarray:
    """max(0, z) + alpha min(0, z), elementwise."""
    a = z.dtype.type(alpha)
    return np.maximum(z, a * z) if alpha <= 1 else np.minimum(z, a * z)


def _grid(v_max: float, step: float) -> np.ndarray:
    """Points z = sinh(v) of [-sinh(v_max), sinh(v_max)], v in steps of about `step`."""
    return np.sinh(np.linspace(-v_max, v_max, 2 * int(np.ceil(v_max / step)) + 1))


def _values(pdf: Callable[[np.ndarray], np.ndarray], zs: np.ndarray) -> np.ndarray:
    """pdf on the points zs, each a finite number >= 0 (else ValueError naming the first that is not)."""
    f = np.asarray(pdf(zs), dtype=float)
    bad = ~np.isfinite(f) | (f < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"the density is {f[i]:.3g} at z = {zs[i]:.6g}")
    return f


def inverse_cdf(pdf: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.random.Generator, int], np.ndarray]:
    """A sampler of the density `pdf` (a NumPy function of z) by inverse transform on a fine grid.

    A coarse grid (v in steps of 100 STEP) out to REACH finds the range [-R, R] outside which the
    density and its second moment weigh less than 1e-13 of their totals; the fine grid z = sinh(v),
    v in steps of STEP, covers it and resolves a density whose spread is 1e-2 to 1e2. The CDF is
    the trapezoid sum of `pdf` (normalised by its total), read backwards by linear interpolation.
    A value that is negative or not finite is a ValueError.
    """
    coarse = _grid(float(np.arcsinh(REACH)), 100 * STEP)
    w = _values(pdf, coarse) * (1 + coarse**2)
    cells = (w[1:] + w[:-1]) / 2 * np.diff(coarse)
    if not cells.sum() > 0:
        raise ValueError("the density is 0 on the whole sampling grid")
    beyond = np.minimum(np.cumsum(cells), np.cumsum(cells[::-1])[::-1])  # weight out to each cell's far end
    inside = np.flatnonzero(beyond >= 1e-13 * cells.sum())
    reach = min(REACH, 2 * max(abs(coarse[inside[0]]), abs(coarse[inside[-1] + 1])))
    zs = _grid(float(np.arcsinh(reach)), STEP)
    f = _values(pdf, zs)
    cdf = np.concatenate(([0.0], np.cumsum((f[1:] + f[:-1]) / 2 * np.diff(zs))))
    cdf /= cdf[-1]
    return lambda rng, n: np.interp(rng.random(n), cdf, zs)


def one_unit(rng: np.random.Generator, n: int, fan_in: int, weight_var: float,
             draw_inputs) -> np.ndarray:
    """n samples of z = sum_j W_j x_j with fresh W ~ N(0, weight_var) and inputs x.

    Drawn in blocks of at most BLOCK numbers per array, so memory does not grow with n * fan_in;
    in float32 (drawing is nearly all the time, and float32 draws take half of it), the sums of
    fan_in products exact to about 1e-6, far below what the simulation resolves.
    """
    rows = max(1, BLOCK // fan_in)
    out = np.empty(n)
    sd = np.float32(np.sqrt(weight_var))
    for start in range(0, n, rows):
        m = min(rows, n - start)
        w = rng.standard_normal((m, fan_in), dtype=np.float32)
        w *= sd
        x = np.asarray(draw_inputs(rng, (m, fan_in)), dtype=np.float32)
        out[start:start + m] = np.einsum("ij,ij->i", w, x)
    return out


def weights(rng: np.random.Generator, shape: tuple[int, ...], var: float, kind: str) -> np.ndarray:
    """I.i.d. zero-mean weights of variance `var`: Gaussian, or random signs +-sqrt(var).

    The derivation only assumes i.i.d., mean 0, variance var; random signs are
    the cheapest such law (8 weights per random byte).
    """
    if kind == "normal":
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(var))
    if kind == "rademacher":
        count = int(np.prod(shape))
        bits = np.unpackbits(rng.integers(0, 256, size=-(-count // 8), dtype=np.uint8))[:count]
        return ((bits.astype(np.float32) * 2 - 1) * np.float32(np.sqrt(var))).reshape(shape)
    raise ValueError(f"unknown weight law {kind!r}")


def _rescale(z: np.ndarray, mean_sq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """z of each network times a power of two that brings its mean square near 1, and that power.

    The (leaky) ReLU is positively homogeneous, so scaling a network's layer scales every later
    layer by the same factor and leaves the ratios between layers as they were; a power of two
    scales floats exactly, so nothing is rounded. Without it a deep network with a variance far
    from the preserving one leaves the float32 range.
    """
    safe = np.where(mean_sq > 0, mean_sq, 1.0)
    e = -np.round(np.log2(safe) / 2).astype(np.int32)
    return np.ldexp(z, e[:, None, None]).astype(z.dtype, copy=False), e


def layer_gains(rng: np.random.Generator, n: int, *, width: int, depth: int, batch: int,
                weight_var: float, alpha: float, kind: str = "normal", chunk: int = 256) -> np.ndarray:
    """n samples of the per-layer gain of the mean squared pre-activation.

    For layer h >= 1 of a fresh random network fed `batch` standard normal
    inputs, the gain is mean(z_h^2) / mean(z_{h-1}^2). Each network yields
    depth - 1 gains; given the past, each has the same expectation, so they are
    uncorrelated and their mean has the usual standard error. Networks are
    simulated `chunk` at a time, fewer when their weights would exceed BLOCK numbers.
    """
    per_net = depth - 1
    nets = -(-n // per_net)
    chunk = max(1, min(chunk, BLOCK // (width * max(width, batch))))
    out = np.empty((nets, per_net))
    for start in range(0, nets, chunk):
        m = min(chunk, nets - start)
        z = rng.standard_normal((m, batch, width), dtype=np.float32)  # stands in for layer 0
        prev = np.mean(np.square(z, dtype=np.float64), axis=(1, 2))
        for h in range(per_net):
            z = leaky(z, alpha) @ weights(rng, (m, width, width), weight_var, kind)
            cur = np.mean(np.square(z, dtype=np.float64), axis=(1, 2))
            out[start:start + m, h] = cur / prev
            z, e = _rescale(z, cur)
            prev = np.ldexp(cur, 2 * e)
    return out.ravel()[:n]


def variance_by_layer(rng: np.random.Generator, *, width: int, depth: int, batch: int,
                      networks: int, weight_var: float, alpha: float,
                      kind: str = "normal") -> np.ndarray:
    """Mean squared pre-activation of each layer 0..depth-1, averaged over networks.

    Each network is kept near unit scale (see `_rescale`) and its scale carried in float64,
    whose range holds the values of the figure's depths and variances.
    """
    z = rng.standard_normal((networks, batch, width), dtype=np.float32)
    scale = np.ones(networks)
    out = [np.mean(np.square(z, dtype=np.float64))]
    for _ in range(depth - 1):
        z = leaky(z, alpha) @ weights(rng, (networks, width, width), weight_var, kind)
        mean_sq = np.mean(np.square(z, dtype=np.float64), axis=(1, 2))
        out.append(np.mean(scale * mean_sq))
        z, e = _rescale(z, mean_sq)
        scale = np.ldexp(scale, -2 * e)
    return np.array(out)
