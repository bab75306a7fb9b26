"""Input validation for the public entry points.

Every public function checks its arrays here, so a wrong shape or dtype is
reported in the course's notation (``x must be (B, T, D) = (?, ?, 3), got
(4, 7, 5)``) instead of surfacing as a broadcasting error deep inside NumPy.
"""
from __future__ import annotations

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


class ShapeError(ValueError):
    """An array has the wrong rank or size."""


class DTypeError(TypeError):
    """An array has a dtype the reference does not compute in."""


class NonFiniteError(ValueError):
    """An input holds NaN or infinity."""


def _fmt(spec):
    items = ["?" if s is None else str(s) for s in spec]
    return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"


def check_array(name, a, dims, spec=None, dtype=None, finite=True):
    """Validate one array and return it as an ndarray.

    name:   how the error message calls it, e.g. ``"x"``.
    dims:   the symbolic shape, e.g. ``("B", "T", "D")``.
    spec:   the expected sizes, ``None`` where any size is fine; defaults to all ``None``.
    dtype:  the required float dtype, or ``None`` for "float32 or float64".
    finite: reject NaN and infinity.
    """
    spec = tuple(spec) if spec is not None else (None,) * len(dims)
    wanted = lambda: f"{name} must be {_fmt(dims)} = {_fmt(spec)}"  # written only for an error
    if not isinstance(a, np.ndarray):
        if isinstance(a, (list, tuple, int, float)):
            a = np.asarray(a)
        else:
            raise TypeError(f"{wanted()}, a NumPy array; got {type(a).__name__}")
    if a.ndim != len(dims) or any(s is not None and s != n for s, n in zip(spec, a.shape)):
        raise ShapeError(f"{wanted()}, got {a.shape}")
    if dtype is None and a.dtype.type not in FLOAT_DTYPES:
        raise DTypeError(f"{name} must be float32 or float64, got {a.dtype}")
    if dtype is not None and a.dtype != dtype:
        raise DTypeError(f"{name} must have dtype {np.dtype(dtype)} like the parameters, got {a.dtype}")
    if finite and not np.isfinite(a).all():
        raise NonFiniteError(f"{name} contains NaN or infinity")
    return a


def check_mask(mask, B, T):
    """A (B, T) mask of booleans or 0/1 values, returned as bool."""
    if mask is None:
        return None
    if not isinstance(mask, np.ndarray):
        mask = np.asarray(mask)
    if mask.shape != (B, T):
        raise ShapeError(f"mask must be (B, T) = ({B}, {T}), got {mask.shape}")
    if mask.dtype != bool:
        if not np.all((mask == 0) | (mask == 1)):
            raise ValueError("mask must hold booleans or 0/1 values")
        mask = mask.astype(bool)
    return mask


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value
