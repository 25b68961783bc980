"""Random deep leaky-ReLU networks: per-layer variance gains and depth-H variance ratios.

Nothing here knows a derived weight variance: callers pass it and compare what
is measured with what the derivation predicts.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from checks import kaiming
from checks.kaiming import leaky, weights

BLOCK = 1 << 24  # float32 numbers of the weights and inputs of one block of networks in depth_ratios: 64 MB


def layer_gains(rng: np.random.Generator, n: int, *, width: int, depth: int, batch: int,
                weight_var: float, alpha: float, kind: str, chunk: int = 8192) -> np.ndarray:
    """n samples of the per-layer gain mean(z^h ** 2) / mean(z^{h-1} ** 2), h = 2..depth.

    Each random network (square layers of `width` units, i.i.d. weights of
    variance `weight_var`) is fed `batch` inputs whose first pre-activations z^1
    are standard normal. Given everything below layer h, every gain has the
    same expectation, so the depth - 1 gains of a network are uncorrelated.
    The simulation is the Kaiming topic's, `chunk` networks per draw.
    """
    return kaiming.layer_gains(rng, n, width=width, depth=depth, batch=batch, weight_var=weight_var,
                               alpha=alpha, kind=kind, chunk=chunk)


def depth_ratios(rng: np.random.Generator, networks: int, *, width: int, depth: int, batch: int,
                 alpha: float, hidden_vars: Mapping[str, float], kind: str = "normal"
                 ) -> dict[str, np.ndarray]:
    """Per network, mean(z^depth ** 2) / mean(z^1 ** 2) for each named hidden-layer variance.

    z^1 = W^1 x with standard normal x and W^1 of variance 1/width (its scale
    cancels in the ratio); layers 2..depth use i.i.d. weights of the named
    variance. All variances share one draw of the weights (common random
    numbers), so the ratios of different initialisations are directly comparable.
    Networks are drawn in blocks of at most BLOCK numbers.
    """
    step = max(1, BLOCK // (width * (width * depth + batch)))  # networks whose weights fit in BLOCK numbers
    parts = [_depth_ratios(rng, min(step, networks - i), width, depth, batch, alpha, hidden_vars, kind)
             for i in range(0, networks, step)]
    return {name: np.concatenate([p[name] for p in parts]) for name in hidden_vars}


def _depth_ratios(rng: np.random.Generator, networks: int, width: int, depth: int, batch: int, alpha: float,
                  hidden_vars: Mapping[str, float], kind: str) -> dict[str, np.ndarray]:
    """depth_ratios for one block of networks, all drawn at once."""
    x = rng.standard_normal((networks, batch, width), dtype=np.float32)
    z1 = np.matmul(x, weights(rng, (networks, width, width), 1.0 / width, kind))
    unit = [weights(rng, (networks, width, width), 1.0, kind) for _ in range(depth - 1)]
    first = np.einsum("nbi,nbi->n", z1, z1, dtype=np.float64)
    out = {}
    for name, var in hidden_vars.items():
        s = np.float32(np.sqrt(var))
        z = z1
        for W in unit:
            z = np.matmul(leaky(z, alpha), W) * s
        out[name] = np.einsum("nbi,nbi->n", z, z, dtype=np.float64) / first
    return out


def mean_and_se(samples: np.ndarray) -> tuple[float, float]:
    """Sample mean and its standard error."""
    return float(np.mean(samples)), float(np.std(samples, ddof=1) / np.sqrt(len(samples)))
