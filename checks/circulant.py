"""Numeric witnesses for the circulant topic: shifts, convolutions, commutants, boundaries.

Everything here is built from NumPy/SciPy primitives (np.roll, FFTs,
scipy.linalg.circulant, an SVD); nothing knows the topic's matrices. Callers
compare these numbers with what the derivation predicts.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg


def shift_matrix(n: int) -> np.ndarray:
    """The circular right shift as a matrix: rows of the identity rolled down by one."""
    return np.roll(np.eye(n), 1, axis=0)


def scipy_circulant(a: np.ndarray) -> np.ndarray:
    return scipy.linalg.circulant(a)


def fft_convolve(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Circular convolution by the convolution theorem: ifft(fft(a) fft(x))."""
    return np.real(np.fft.ifft(np.fft.fft(a) * np.fft.fft(x)))


def commutator_operator(S: np.ndarray) -> np.ndarray:
    """The n^2 x n^2 matrix of M -> S M - M S on row-major vec(M)."""
    n = len(S)
    eye = np.eye(n)
    return np.kron(S, eye) - np.kron(eye, S.T)


def null_space(L: np.ndarray, rtol: float = 1e-10) -> tuple[int, np.ndarray, np.ndarray]:
    """(nullity, basis as rows, singular values) of L by an SVD."""
    _, s, vt = np.linalg.svd(L)
    cut = rtol * max(1.0, s[0] if len(s) else 1.0)
    nullity = int(np.sum(s <= cut)) + (L.shape[1] - len(s))
    return nullity, vt[L.shape[1] - nullity:], s


def commutator_ratio(M: np.ndarray, S: np.ndarray) -> float:
    """||M S - S M||_F / ||M||_F: 0 exactly for a shift-equivariant M."""
    return float(np.linalg.norm(M @ S - S @ M) / np.linalg.norm(M))


def circular_conv1d(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """y_i = sum_k w_k x_{(i-k) mod n} for a local kernel with taps k = -r..r (rolls)."""
    r = len(kernel) // 2
    return sum(wk * np.roll(x, k) for k, wk in zip(range(-r, r + 1), kernel))


def circular_conv2d(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """y_ij = sum_{k,l} w_kl x_{(i-k) mod H, (j-l) mod W}, taps centred on (0, 0)."""
    r = kernel.shape[0] // 2
    out = np.zeros_like(img, dtype=float)
    for k in range(-r, r + 1):
        for m in range(-r, r + 1):
            out += kernel[k + r, m + r] * np.roll(img, (k, m), axis=(0, 1))
    return out


def fft_conv2d(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The same circular 2-D convolution through fft2 (kernel wrapped onto the grid)."""
    r = kernel.shape[0] // 2
    full = np.zeros_like(img, dtype=float)
    for k in range(-r, r + 1):
        for m in range(-r, r + 1):
            full[k % img.shape[0], m % img.shape[1]] += kernel[k + r, m + r]
    return np.real(np.fft.ifft2(np.fft.fft2(img) * np.fft.fft2(full)))


def zero_padded_conv2d(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The ordinary 'same' convolution: taps falling outside the image read 0."""
    r = kernel.shape[0] // 2
    h, w = img.shape
    padded = np.pad(img.astype(float), r)
    out = np.zeros((h, w))
    for k in range(-r, r + 1):
        for m in range(-r, r + 1):
            out += kernel[k + r, m + r] * padded[r - k:r - k + h, r - m:r - m + w]
    return out


def roll2d(img: np.ndarray, dy: int, dx: int) -> np.ndarray:
    return np.roll(img, (dy, dx), axis=(0, 1))


def dense_layer(rng: np.random.Generator, n: int) -> np.ndarray:
    """A fully connected layer with i.i.d. N(0, 1/n) weights (no weight sharing)."""
    return rng.standard_normal((n, n)) / np.sqrt(n)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max |b|."""
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def best_shift_error(y: np.ndarray, target: np.ndarray) -> float:
    """min over circular shifts r of max |y - roll(target, r)| / max |target|."""
    return min(relative_error(y, np.roll(target, r)) for r in range(len(target)))


def pattern(rng: np.random.Generator, size: int, noise: float = 0.15) -> np.ndarray:
    """A test image: a ring, a bar and a bright square on a dim background, plus noise."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    ring = np.exp(-(((np.hypot(yy - 0.38, xx - 0.4) - 0.22) / 0.05) ** 2))
    bar = ((np.abs(xx - 0.78) < 0.06) & (yy > 0.15) & (yy < 0.85)).astype(float)
    square = ((np.abs(yy - 0.8) < 0.08) & (np.abs(xx - 0.3) < 0.08)).astype(float)
    return ring + 0.8 * bar + 0.6 * square + noise * rng.standard_normal((size, size))
