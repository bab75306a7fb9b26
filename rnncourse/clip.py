"""Gradient clipping, the usual guard against exploding gradients in RNNs.

Gradients come as a parameter container (any
:class:`~rnncourse.params.Params`, e.g. the RNNParams returned by a backward
pass) or as a dict ``{name: array}``; each function returns the same kind,
and never modifies its input.
"""
from __future__ import annotations

import numpy as np

from .checks import NonFiniteError
from .params import Params


def named_arrays(grads, what="grads"):
    """The arrays of a Params container or a dict of arrays, as
    ``{name: array}``."""
    if isinstance(grads, Params):
        return grads.arrays()
    if isinstance(grads, dict) and all(isinstance(a, np.ndarray)
                                       for a in grads.values()):
        return dict(grads)
    raise TypeError(f"{what} must be a Params container or a dict of NumPy "
                    f"arrays, got {type(grads).__name__}")


def map_arrays(grads, fn):
    """A copy of grads (Params or dict) with fn applied to every array."""
    if isinstance(grads, Params):
        return grads.map(fn)
    return {name: fn(a) for name, a in named_arrays(grads).items()}


def global_norm(grads):
    """sqrt of the sum of squares of every entry of every array: the norm of
    all gradients as one vector."""
    return float(np.sqrt(sum(np.sum(np.square(a, dtype=np.float64))
                             for a in named_arrays(grads).values())))


def clip_by_global_norm(grads, max_norm):
    """Scale all gradients together by max_norm / norm when their global
    norm exceeds max_norm.

    Returns (clipped, norm), norm being the global norm before clipping.
    Scaling every array by one factor keeps the direction of the whole
    update, unlike clipping each array on its own. Same rule as
    tf.clip_by_global_norm; torch.nn.utils.clip_grad_norm_ divides by
    norm + 1e-6 instead of norm, so its result is smaller by a factor
    norm / (norm + 1e-6). Raises NonFiniteError when a gradient holds NaN
    or infinity, as no rescaling can repair it (TensorFlow would return
    NaNs).
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    norm = global_norm(grads)
    if not np.isfinite(norm):
        raise NonFiniteError("gradients contain NaN or infinity (or "
                             "overflow); clipping cannot repair them")
    if norm <= max_norm:
        return map_arrays(grads, np.copy), norm
    scale = max_norm / norm
    return map_arrays(grads, lambda a: a * a.dtype.type(scale)), norm


def clip_by_value(grads, limit):
    """Clip every gradient entry to [-limit, limit]
    (torch.nn.utils.clip_grad_value_, Keras' clipvalue)."""
    if not limit > 0:
        raise ValueError(f"limit must be positive, got {limit}")
    return map_arrays(grads, lambda a: np.clip(a, -limit, limit))
