"""A calibrated Monte-Carlo test of `E[f(sample)] == claimed`.

Calibration (fixed here, not per claim):
- power: a pilot run (separate draws, used only for sizing) estimates the
  spread; the first planned size N_0 makes a relative error of RESOLUTION (1%)
  sit Z_ALARM + Z_POWER standard errors away, so it is caught with
  probability 1 - MISS_RATE.
- sequential extension: the pilot's spread is itself an estimate, so the main
  run may measure a larger one. Before the main stream is drawn, a grid of
  STAGES sizes N_k = ceil(N_0 * GROWTH**k) is fixed. The stream is drawn to N_0;
  while the resolution measured from all samples so far is short of RESOLUTION,
  the same stream is extended to the next size. The test statistic is the z of
  all samples drawn.
- false-alarm rate below FALSE_ALARM: the final sample is the first N_k
  samples of one stream for one of at most STAGES sizes fixed in advance, so
  P(false alarm) <= sum_k P(|z(N_k)| > Z_ALARM) (union bound). Z_ALARM is the
  two-sided threshold with STAGES * P(|Z| > Z_ALARM) <= FALSE_ALARM (6.33 for
  four stages, against 6.11 for a single fixed size).
- bounded time, same result on any machine: the sizes depend only on the
  pilot's spread (and MAX_SAMPLES), never on the clock, so the same inputs give
  the same samples and the same text. The pilot's wall time only guards the
  budget: if the first planned size would take longer than MAX_SECONDS, the
  check raises OverBudget (bad input: parameters too costly to check), instead
  of running for hours or quietly shrinking into an under-powered run. A run
  that reaches its largest size still short of the resolution is
  "under-powered": a failure of the run, reported apart from a refutation.

A user-fixed `samples` is used exactly, without extension; a size that is
above MAX_SAMPLES or whose projected time exceeds MAX_SECONDS raises OverBudget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

FALSE_ALARM = 1e-9
MISS_RATE = 1e-3
RESOLUTION = 0.01
STAGES = 4  # K: the number of planned sizes; the false-alarm budget is split between them
GROWTH = 1.5  # N_{k+1} / N_k: the last size covers a pilot spread too low by GROWTH**1.5 * SAFETY ~ 2
Z_ALARM = math.ceil(NormalDist().inv_cdf(1 - FALSE_ALARM / (2 * STAGES)) * 100) / 100  # 6.33 for 4 stages
Z_POWER = NormalDist().inv_cdf(1 - MISS_RATE)  # about 3.09
PILOT = 20_000
SAFETY = 1.1  # pilot spread inflation: most runs then stop at N_0
CHUNK = 1 << 20
MAX_SAMPLES = 200_000_000
MAX_SECONDS = 120.0  # time budget of one check's first planned size, projected from the pilot

Sampler = Callable[[np.random.Generator, int], np.ndarray]
"""Draws `n` independent samples of f(X); their mean estimates the claim."""

Status = Literal["agrees", "refuted", "under-powered"]
Stop = Literal["resolved", "fixed", "grid", "sample cap"]
"""Why the run stopped at its size: the resolution was reached; the user fixed the
size; the largest planned size or the MAX_SAMPLES cap was reached."""


@dataclass(frozen=True)
class MonteCarloResult:
    estimate: float
    claimed: float
    std_error: float
    samples: int
    z: float
    resolution: float  # smallest relative error the run catches with probability 1 - MISS_RATE
    status: Status
    stop: Stop
    stage: int  # index of the final size in the planned grid (0 for a fixed size): how often it extended

    @property
    def passed(self) -> bool:
        return self.status == "agrees"

    @property
    def calibrated(self) -> bool:
        return _resolved(self.resolution)

    def as_dict(self) -> dict[str, float | int | bool | str]:
        return {**asdict(self), "passed": self.passed, "calibrated": self.calibrated}


class OverBudget(ValueError):
    """A sample size that the MAX_SAMPLES cap or the MAX_SECONDS budget forbids: the user's
    `--samples`, or the calibrated size that the parameters call for."""

    def __init__(self, samples: int, seconds: float | None, fit: int, calibrated: bool = False) -> None:
        self.samples, self.seconds, self.fit, self.calibrated = samples, seconds, fit, calibrated
        super().__init__(self.message("a Monte-Carlo check"))

    def message(self, check: str) -> str:
        """One line naming the check, e.g. for the CLI's `--samples`."""
        if self.calibrated:
            return (f"{check} needs about {self.samples:,} samples to resolve 1% errors, about "
                    f"{self.seconds:.0f} s here, beyond its {MAX_SECONDS:.0f} s budget: choose smaller or "
                    f"less spread-out parameters")
        if self.seconds is None:
            return f"--samples {self.samples} is above the limit of {self.fit:,} samples per check ({check})"
        return (f"--samples {self.samples} would take about {self.seconds:.0f} s for {check}; "
                f"at most {self.fit:,} samples fit the {MAX_SECONDS:.0f} s budget")


def required_samples(spread: float, scale: float, minimum: int = PILOT) -> int:
    """Samples needed so an error of RESOLUTION * scale has expected z = Z_ALARM + Z_POWER.

    The pilot's spread is inflated by SAFETY so that its own sampling error
    rarely leaves the first planned size short of the resolution.
    """
    if spread == 0.0:
        return minimum
    need = ((Z_ALARM + Z_POWER) * SAFETY * spread / (RESOLUTION * scale)) ** 2
    return max(minimum, math.ceil(need))


def sample_grid(first: int, cap: int) -> tuple[int, ...]:
    """The at most STAGES sizes a calibrated run may stop at, fixed before its stream is drawn."""
    return tuple(sorted({min(math.ceil(first * GROWTH**k), cap) for k in range(STAGES)}))


def affordable(cost: float) -> int:
    """Samples that fit MAX_SECONDS at `cost` seconds per sample."""
    return MAX_SAMPLES if cost <= 0.0 else int(MAX_SECONDS / cost)


class _Stream:
    """Running moments of one stream of samples, drawn in memory-bounded chunks.

    The sums are shifted by the first sample, which keeps the variance
    accurate when the mean is large against the spread.
    """

    def __init__(self, sampler: Sampler, rng: np.random.Generator) -> None:
        self.sampler, self.rng = sampler, rng
        self.n = 0
        self.total = 0.0
        self.total_sq = 0.0
        self.shift = 0.0

    def draw_to(self, n: int) -> None:
        while self.n < n:
            x = np.asarray(self.sampler(self.rng, min(CHUNK, n - self.n)), dtype=float)
            if self.n == 0:
                self.shift = float(x[0])
            x = x - self.shift
            self.total += float(x.sum())
            self.total_sq += float(np.dot(x, x))
            self.n += x.size

    def timed_draw_to(self, n: int) -> float:
        """Draw to n samples; the wall time per sample drawn."""
        before, start = self.n, time.perf_counter()
        self.draw_to(n)
        return (time.perf_counter() - start) / max(self.n - before, 1)

    @property
    def mean(self) -> float:
        return self.total / self.n + self.shift

    @property
    def sd(self) -> float:
        m = self.total / self.n
        var = max(self.total_sq / self.n - m * m, 0.0) * self.n / max(self.n - 1, 1)
        return math.sqrt(var)

    def resolution(self, scale: float) -> float:
        return (Z_ALARM + Z_POWER) * self.sd / math.sqrt(self.n) / scale


def mean_test(
    sampler: Sampler,
    claimed: float,
    rng: np.random.Generator,
    *,
    scale: float | None = None,
    samples: int | None = None,
    pilot: int = PILOT,
) -> MonteCarloResult:
    """Test E[sampler] == claimed at the calibrated sizes (or at exactly `samples` if given).

    `scale` is the magnitude a 1% error is measured against; it defaults to
    |claimed| and must be given when the claimed value is zero (e.g. the
    standard deviation of the samples). With `samples` fixed, its first
    min(pilot, samples) draws are timed to project the cost of the rest.
    """
    scale = abs(claimed) if scale is None else abs(scale)
    if scale == 0.0:
        raise ValueError("a claimed value of 0 needs an explicit scale for its 1% resolution")
    stream = _Stream(sampler, rng)
    if samples is not None:
        if samples > MAX_SAMPLES:
            raise OverBudget(samples, None, MAX_SAMPLES)
        cost = stream.timed_draw_to(min(pilot, samples))
        if cost * samples > MAX_SECONDS:
            raise OverBudget(samples, cost * samples, affordable(cost))
        grid, limit = (samples,), "fixed"
    else:
        sizing = _Stream(sampler, rng)
        cost = sizing.timed_draw_to(pilot)
        first = min(required_samples(sizing.sd, scale, pilot), MAX_SAMPLES)
        if first > pilot and cost * first > MAX_SECONDS:
            raise OverBudget(first, cost * first, affordable(cost), calibrated=True)
        grid = sample_grid(first, MAX_SAMPLES)
        limit = "grid" if math.ceil(first * GROWTH ** (STAGES - 1)) <= MAX_SAMPLES else "sample cap"
    stage = 0
    stream.draw_to(grid[0])
    while not _resolved(stream.resolution(scale)) and stage + 1 < len(grid):
        stage += 1  # short of the resolution: extend the same stream to the next planned size
        stream.draw_to(grid[stage])
    resolved = limit != "fixed" and _resolved(stream.resolution(scale))
    return _result(stream, claimed, scale, "resolved" if resolved else limit, stage)


def _resolved(resolution: float) -> bool:
    return resolution <= RESOLUTION * (1 + 1e-9)


def _result(stream: _Stream, claimed: float, scale: float, stop: Stop, stage: int) -> MonteCarloResult:
    mean, se = stream.mean, stream.sd / math.sqrt(stream.n)
    z = (mean - claimed) / se if se > 0 else (0.0 if mean == claimed else math.inf)
    resolution = (Z_ALARM + Z_POWER) * se / scale
    if not abs(z) <= Z_ALARM:  # a NaN z (a broken sampler) is a refutation too
        status: Status = "refuted"
    else:
        status = "agrees" if _resolved(resolution) else "under-powered"
    return MonteCarloResult(mean, claimed, se, stream.n, z, resolution, status, stop, stage)
