"""Simulations for the optimizers topic: six first-order methods written from their definitions.

Each method is a plain update rule on NumPy arrays; every one of them acts coordinate by
coordinate (or, for the momentum methods, linearly on a separable quadratic), so several
independent problems can be stacked into one array and run together. Nothing here knows
a derived rate, step size or limit: callers pass the hyper-parameters and compare what is
measured with what the derivation predicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Grad = Callable[[np.ndarray], np.ndarray]
METHODS = ("gd", "heavy-ball", "nesterov", "adagrad", "rmsprop", "adam")
CONVENTIONS = ("classical", "pytorch", "ema")  # how momentum's velocity is kept (see `momentum`)
NESTEROV_FORMS = ("lookahead", "pytorch")


# ---- test functions -------------------------------------------------------------------------

def quadratic(curvatures) -> tuple[Callable[[np.ndarray], np.ndarray], Grad]:
    """f(x) = 1/2 sum_i c_i x_i^2 over the last axis, and its gradient."""
    c = np.asarray(curvatures, dtype=float)
    return (lambda x: 0.5 * np.sum(c * x * x, axis=-1)), (lambda x: c * x)


def rosenbrock(b: float) -> tuple[Callable[[np.ndarray], np.ndarray], Grad]:
    """f(x, y) = (1 - x)^2 + b (y - x^2)^2 (non-convex, minimiser (1, 1)), and its gradient."""

    def f(p):
        x, y = p[..., 0], p[..., 1]
        return (1 - x) ** 2 + b * (y - x * x) ** 2

    def grad(p):
        if p.ndim == 1:  # one point: plain floats are much faster than tiny arrays
            x, y = float(p[0]), float(p[1])
            r = y - x * x
            return np.array([-2 * (1 - x) - 4 * b * x * r, 2 * b * r])
        x, y = p[..., 0], p[..., 1]
        r = y - x * x
        return np.stack([-2 * (1 - x) - 4 * b * x * r, 2 * b * r], axis=-1)

    return f, grad


def ramp(slopes) -> Grad:
    """Gradient of the linear function f(x) = sum_i s_i x_i: the same gradient everywhere."""
    s = np.asarray(slopes, dtype=float)
    return lambda x: s + 0 * x


# ---- the methods, from their definitions ------------------------------------------------------

def momentum(x, v, grad: Grad, *, eta, beta, convention: str = "classical", dampening: float = 0.0,
             nesterov: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One momentum step (x, v) -> (x', v'), as each convention writes it.

    classical (Sutskever et al. 2013):   v <- beta v - eta g(x);            x <- x + v
      nesterov lookahead:                 v <- beta v - eta g(x + beta v);   x <- x + v
      nesterov pytorch (Bengio et al.):  v <- beta v - eta g(x);            x <- x + beta v - eta g(x)
    pytorch (torch.optim.SGD):           b <- beta b + (1 - dampening) g;   x <- x - eta b
      nesterov lookahead:                 b <- beta b + g(x - eta beta b);   x <- x - eta b
      nesterov pytorch (nesterov=True):  b <- beta b + g;                   x <- x - eta (g + beta b)
    ema (Adam's first moment, no bias correction):
                                         m <- beta m + (1 - beta) g;        x <- x - eta m
      nesterov lookahead:                 m <- beta m + (1 - beta) g(x - eta beta m);  x <- x - eta m
      nesterov pytorch (Nadam's form):   m <- beta m + (1 - beta) g;        x <- x - eta ((1 - beta) g + beta m)
    """
    if convention not in CONVENTIONS or nesterov not in (None, *NESTEROV_FORMS):
        raise ValueError(f"unknown momentum convention {convention!r} / Nesterov form {nesterov!r}")
    if convention == "classical":
        g = grad(x + beta * v) if nesterov == "lookahead" else grad(x)
        v = beta * v - eta * g
        return (x + beta * v - eta * g if nesterov == "pytorch" else x + v), v
    if convention == "pytorch":
        if nesterov == "lookahead":
            v = beta * v + (1 - dampening) * grad(x - eta * beta * v)
            return x - eta * v, v
        g = grad(x)
        v = beta * v + (1 - dampening) * g
        return (x - eta * (g + beta * v) if nesterov == "pytorch" else x - eta * v), v
    if nesterov == "lookahead":
        v = beta * v + (1 - beta) * grad(x - eta * beta * v)
        return x - eta * v, v
    g = grad(x)
    v = beta * v + (1 - beta) * g
    return (x - eta * ((1 - beta) * g + beta * v) if nesterov == "pytorch" else x - eta * v), v


@dataclass
class Run:
    """Iterates x_0..x_T, and the per-coordinate effective rate used at each step 1..T."""

    xs: np.ndarray
    rates: np.ndarray


def run(method: str, grad: Grad, x0, steps: int, *, eta: float, beta: float = 0.0,
        rho: float = 0.9, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
        bias_correction: bool = True, convention: str = "classical", dampening: float = 0.0,
        nesterov: str = "lookahead") -> Run:
    """Apply `steps` updates of `method` from x0.

    gd:          x <- x - eta g(x)
    heavy-ball:  `momentum` in the given convention (classical: v <- beta v - eta g(x); x <- x + v)
    nesterov:    `momentum` with the given Nesterov form (lookahead: the gradient at x + beta v)
    adagrad:     G <- G + g^2;                      x <- x - eta g / (sqrt(G) + eps)
    rmsprop:     s <- rho s + (1 - rho) g^2;        x <- x - eta g / (sqrt(s) + eps)
    adam:        m <- b1 m + (1 - b1) g;  s <- b2 s + (1 - b2) g^2;
                 m^ = m / (1 - b1^t), s^ = s / (1 - b2^t) (if bias_correction);
                 x <- x - eta m^ / (sqrt(s^) + eps)
    The recorded rate is the factor multiplying g (or m^) in the update.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    x = np.array(x0, dtype=float)
    xs = np.empty((steps + 1, *x.shape))
    rates = np.empty((steps, *x.shape))
    xs[0] = x
    v = np.zeros_like(x)  # velocity / first moment
    s = np.zeros_like(x)  # accumulated / averaged squared gradient
    for t in range(1, steps + 1):
        if method == "gd":
            r = eta
            x = x - eta * grad(x)
        elif method in ("heavy-ball", "nesterov"):
            x, v = momentum(x, v, grad, eta=eta, beta=beta, convention=convention, dampening=dampening,
                            nesterov=nesterov if method == "nesterov" else None)
            r = eta
        elif method == "adagrad":
            g = grad(x)
            s = s + g * g
            r = eta / (np.sqrt(s) + eps)
            x = x - r * g
        elif method == "rmsprop":
            g = grad(x)
            s = rho * s + (1 - rho) * g * g
            r = eta / (np.sqrt(s) + eps)
            x = x - r * g
        else:
            g = grad(x)
            v = beta1 * v + (1 - beta1) * g
            s = beta2 * s + (1 - beta2) * g * g
            m_hat, s_hat = (v / (1 - beta1**t), s / (1 - beta2**t)) if bias_correction else (v, s)
            r = eta / (np.sqrt(s_hat) + eps)
            x = x - r * m_hat
        xs[t] = x
        rates[t - 1] = r
    return Run(xs, rates)


# ---- measurements ---------------------------------------------------------------------------

def contraction(method: str, curvatures, x0, steps: int, eta, beta=0.0, renorm_every: int = 8, *,
                convention: str = "classical", dampening: float = 0.0, nesterov: str = "lookahead") -> np.ndarray:
    """Measured asymptotic per-iteration contraction of GD / heavy ball / Nesterov on a quadratic.

    The state (x, v) evolves linearly, so it is rescaled every few steps (as in power
    iteration) and the logarithms of the rescaling factors are summed; the rate is the
    geometric-mean factor over the second half of the run. The last axis holds the
    coordinates of one problem; `curvatures`, `eta`, `beta` broadcast against the leading
    axes, so a grid of settings (or each coordinate on its own, curvatures of shape (n, 1))
    runs at once. A state that reaches exactly zero has contraction 0. Momentum is kept in
    `convention` (Nesterov in the form `nesterov`), as in `momentum`; the norm is taken of
    (x_t, x_t - x_{t-1}), the same in every convention.
    """
    c = np.asarray(curvatures, dtype=float)
    eta = np.asarray(eta, dtype=float)[..., None]
    beta = np.asarray(beta, dtype=float)[..., None]
    shape = np.broadcast_shapes(eta.shape, beta.shape, c.shape, np.shape(x0))
    x = np.broadcast_to(np.asarray(x0, dtype=float), shape).copy()
    v, prev = np.zeros(shape), x.copy()
    half = (steps // 2) // renorm_every * renorm_every
    log_scale = np.zeros(shape[:-1])
    at_half = log_scale
    with np.errstate(divide="ignore"):
        for t in range(1, steps + 1):
            if method == "gd":
                x = x - eta * c * x
            elif method in ("heavy-ball", "nesterov"):
                prev, (x, v) = x, momentum(x, v, lambda y: c * y, eta=eta, beta=beta, convention=convention,
                                dampening=dampening, nesterov=nesterov if method == "nesterov" else None)
            else:
                raise ValueError(f"{method} is not a linear method")
            if t % renorm_every == 0 or t == steps:
                step = x - prev if method != "gd" else 0.0  # the state (x_t, x_t - x_{t-1}): any convention
                norm = np.sqrt(np.sum(x * x + step * step, axis=-1))
                log_scale = log_scale + np.log(norm)
                safe = np.where(norm > 0, norm, 1.0)[..., None]
                x, v, prev = x / safe, v / safe, prev / safe
                if t == half:
                    at_half = log_scale
    with np.errstate(invalid="ignore"):
        rate = np.exp((log_scale - at_half) / (steps - half))
    return np.where(np.isneginf(log_scale), 0.0, rate)  # an exact zero state: contraction 0


def iterations_to(losses: np.ndarray, tol: float) -> int:
    """First t with f(x_t) <= tol * f(x_0); -1 if never within the run."""
    hit = np.nonzero(losses <= tol * losses[0])[0]
    return int(hit[0]) if hit.size else -1


def loglog_slope(t: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log t."""
    return float(np.polyfit(np.log(t), np.log(y), 1)[0])


def sign_changes(x: np.ndarray) -> int:
    """How often a sequence crosses zero (exact zeros are not crossings)."""
    s = np.sign(x)
    s = s[s != 0]
    return int(np.sum(s[1:] != s[:-1]))
