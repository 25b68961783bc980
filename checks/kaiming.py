"""Simulations for the Kaiming topic: random layers and deep random networks.

Nothing here knows the derived variance; callers pass the weight variance and
compare what is measured with what the derivation predicts.
"""

from __future__ import annotations

import numpy as np


def leaky(z: np.ndarray, alpha: float) -> np.ndarray:
    """max(0, z) + alpha min(0, z), elementwise."""
    a = z.dtype.type(alpha)
    return np.maximum(z, a * z) if alpha <= 1 else np.minimum(z, a * z)


def one_unit(rng: np.random.Generator, n: int, fan_in: int, weight_var: float,
             draw_inputs) -> np.ndarray:
    """n samples of z = sum_j W_j x_j with fresh W ~ N(0, weight_var) and inputs x."""
    w = rng.standard_normal((n, fan_in)) * np.sqrt(weight_var)
    return np.einsum("ij,ij->i", w, draw_inputs(rng, (n, fan_in)))


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


def layer_gains(rng: np.random.Generator, n: int, *, width: int, depth: int, batch: int,
                weight_var: float, alpha: float, kind: str = "normal", chunk: int = 256) -> np.ndarray:
    """n samples of the per-layer gain of the mean squared pre-activation.

    For layer h >= 1 of a fresh random network fed `batch` standard normal
    inputs, the gain is mean(z_h^2) / mean(z_{h-1}^2). Each network yields
    depth - 1 gains; given the past, each has the same expectation, so they are
    uncorrelated and their mean has the usual standard error.
    """
    per_net = depth - 1
    nets = -(-n // per_net)
    out = np.empty((nets, per_net))
    for start in range(0, nets, chunk):
        m = min(chunk, nets - start)
        z = rng.standard_normal((m, batch, width), dtype=np.float32)  # stands in for layer 0
        prev = np.mean(np.square(z, dtype=np.float64), axis=(1, 2))
        for h in range(per_net):
            z = leaky(z, alpha) @ weights(rng, (m, width, width), weight_var, kind)
            cur = np.mean(np.square(z, dtype=np.float64), axis=(1, 2))
            out[start:start + m, h] = cur / prev
            prev = cur
    return out.ravel()[:n]


def variance_by_layer(rng: np.random.Generator, *, width: int, depth: int, batch: int,
                      networks: int, weight_var: float, alpha: float,
                      kind: str = "normal") -> np.ndarray:
    """Mean squared pre-activation of each layer 0..depth-1, averaged over networks."""
    z = rng.standard_normal((networks, batch, width), dtype=np.float32)
    out = [np.mean(np.square(z, dtype=np.float64))]
    for _ in range(depth - 1):
        z = leaky(z, alpha) @ weights(rng, (networks, width, width), weight_var, kind)
        out.append(np.mean(np.square(z, dtype=np.float64)))
    return np.array(out)
