"""A calibrated Monte-Carlo test of `E[f(sample)] == claimed`.

Calibration (fixed here, not per claim):
- false-alarm rate below 1e-9: reject when |z| > Z_ALARM (two-sided);
- power: the sample size is chosen, from a pilot estimate of the spread, so
  that a relative error of RESOLUTION (1%) gives an expected |z| of
  Z_ALARM + Z_POWER, i.e. it is caught with probability 1 - MISS_RATE.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np

FALSE_ALARM = 1e-9
MISS_RATE = 1e-3
RESOLUTION = 0.01
Z_ALARM = math.ceil(NormalDist().inv_cdf(1 - FALSE_ALARM / 2) * 100) / 100  # 6.11: rate just under 1e-9
Z_POWER = NormalDist().inv_cdf(1 - MISS_RATE)  # about 3.09
PILOT = 20_000
SAFETY = 1.1
CHUNK = 1 << 20
MAX_SAMPLES = 200_000_000

Sampler = Callable[[np.random.Generator, int], np.ndarray]
"""Draws `n` independent samples of f(X); their mean estimates the claim."""


@dataclass(frozen=True)
class MonteCarloResult:
    estimate: float
    claimed: float
    std_error: float
    samples: int
    z: float
    resolution: float  # smallest relative error the run catches with probability 1 - MISS_RATE
    passed: bool

    @property
    def calibrated(self) -> bool:
        return self.resolution <= RESOLUTION * (1 + 1e-9)

    def as_dict(self) -> dict[str, float | int | bool]:
        return {**asdict(self), "calibrated": self.calibrated}


def required_samples(spread: float, scale: float, minimum: int = PILOT) -> int:
    """Samples needed so an error of RESOLUTION * scale has expected z = Z_ALARM + Z_POWER.

    The pilot's spread is inflated by SAFETY so that its own sampling error
    does not leave the final run short of the resolution.
    """
    if spread == 0.0:
        return minimum
    need = ((Z_ALARM + Z_POWER) * SAFETY * spread / (RESOLUTION * scale)) ** 2
    return max(minimum, math.ceil(need))


def _moments(sampler: Sampler, rng: np.random.Generator, n: int) -> tuple[float, float]:
    """Mean and standard deviation of n samples, drawn in memory-bounded chunks."""
    total = 0.0
    total_sq = 0.0
    shift = None
    done = 0
    while done < n:
        x = np.asarray(sampler(rng, min(CHUNK, n - done)), dtype=float)
        if shift is None:  # shifted sums keep the variance accurate
            shift = float(x[0])
        x = x - shift
        total += float(x.sum())
        total_sq += float(np.dot(x, x))
        done += x.size
    mean = total / done
    var = max(total_sq / done - mean * mean, 0.0) * done / max(done - 1, 1)
    return mean + shift, math.sqrt(var)


def mean_test(
    sampler: Sampler,
    claimed: float,
    rng: np.random.Generator,
    *,
    scale: float | None = None,
    samples: int | None = None,
    pilot: int = PILOT,
) -> MonteCarloResult:
    """Test E[sampler] == claimed at the calibrated size (or at `samples` if given).

    `scale` is the magnitude a 1% error is measured against; it defaults to
    |claimed| and must be given when the claimed value is zero (e.g. the
    standard deviation of the samples).
    """
    scale = abs(claimed) if scale is None else abs(scale)
    if scale == 0.0:
        raise ValueError("a claimed value of 0 needs an explicit scale for its 1% resolution")
    if samples is None:
        _, pilot_sd = _moments(sampler, rng, pilot)
        samples = min(required_samples(pilot_sd, scale, pilot), MAX_SAMPLES)
    mean, sd = _moments(sampler, rng, samples)
    se = sd / math.sqrt(samples)
    z = (mean - claimed) / se if se > 0 else (0.0 if mean == claimed else math.inf)
    resolution = (Z_ALARM + Z_POWER) * se / scale
    result = MonteCarloResult(mean, claimed, se, samples, z, resolution, False)
    return MonteCarloResult(**{**asdict(result), "passed": abs(z) <= Z_ALARM and result.calibrated})
