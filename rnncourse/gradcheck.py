"""Numerical gradients by centred differences, and the relative error used to compare them."""
from __future__ import annotations

import numpy as np


def rel_error(a, b):
    """max |a - b| / max(|a| + |b|, 1e-8): 0 for equal arrays, about 1 for unrelated ones."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of one shape, got {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8))) if a.size else 0.0


def numerical_gradient(f, x, df=None, eps=1e-6):
    """Centred-difference gradient of f at x, changing x in place and restoring it.

    f:  a function of no arguments that reads x and returns an array (or a scalar).
    df: the upstream gradient of f's output (ones when None), so the result is
        d(sum(f() * df)) / dx, the same quantity a backward pass returns.
    Returns an array shaped like x. Use float64: in float32 the differences are noise.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"numerical_gradient needs a float64 array to perturb, got "
                        f"{type(x).__name__}{'' if not isinstance(x, np.ndarray) else ' of ' + str(x.dtype)}")
    if df is not None:
        out_shape = np.shape(f())
        if np.shape(df) != out_shape:
            raise ValueError(f"df must have the shape of f()'s output {out_shape}, got {np.shape(df)}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        plus = np.array(f(), dtype=np.float64, copy=True)
        x[i] = old - eps
        minus = np.array(f(), dtype=np.float64, copy=True)
        x[i] = old
        grad[i] = np.sum((plus - minus) * (1.0 if df is None else df)) / (2 * eps)
    return grad
