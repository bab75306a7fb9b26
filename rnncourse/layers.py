"""The layers around the recurrent cells: a dense (fully connected) layer and an embedding.

    dense:      out = x W + b          x (B, D) or (B, T, D), W (D, M), b (M,)
    embedding:  out[b, t] = E[ids[b, t]]   ids (B, T) or (B,) integers in [0, V), E (V, D)

The dense layer applied to (B, T, D) acts on every time step with the same
weights, like Keras' Dense on a 3-D input (TimeDistributed) or torch's nn.Linear.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import DTypeError, ShapeError, check_array
from .params import Params, as_rng, glorot_uniform


@dataclass
class DenseParams(Params):
    """Weights of a dense layer: W (D, M), b (M,)."""
    W: np.ndarray
    b: np.ndarray

    def __post_init__(self):
        self.check_consistent({"W": (("D", "M"), None)})
        self.check_consistent({"b": (("M",), (self.W.shape[1],))})

    @classmethod
    def init(cls, D, M, seed=0, dtype=np.float64):
        """Keras' default initialisation: Glorot-uniform W, zero b."""
        return cls(glorot_uniform(as_rng(seed), D, M, dtype), np.zeros(M, dtype))


def _dims(ndim, last):
    """The symbolic shape of a per-step (B, last) or per-sequence (B, T, last) array."""
    return ("B", last) if ndim == 2 else ("B", "T", last)


def dense_forward(x, p):
    """out = x W + b on x (B, D) or (B, T, D); out is (B, M) or (B, T, M).

    Returns (out, cache).
    """
    dims = _dims(np.ndim(x), "D")
    x = check_array("x", x, dims, (None,) * (len(dims) - 1) + (p.W.shape[0],), dtype=p.W.dtype)
    return x @ p.W + p.b, (x, p)


def dense_backward(dout, cache):
    """dout shaped like out -> (dx shaped like x, grads: DenseParams)."""
    x, p = cache
    D, M = p.W.shape
    dout = check_array("dout", dout, _dims(x.ndim, "M"), x.shape[:-1] + (M,), dtype=p.W.dtype)
    # Every time step used the same W and b, so their gradients sum over B and T.
    x2, dout2 = x.reshape(-1, D), dout.reshape(-1, M)
    return dout @ p.W.T, DenseParams(x2.T @ dout2, dout2.sum(axis=0))


@dataclass
class EmbeddingParams(Params):
    """The lookup table of an embedding layer: E (V, D), one row per token id."""
    E: np.ndarray

    def __post_init__(self):
        self.check_consistent({"E": (("V", "D"), None)})

    @classmethod
    def init(cls, V, D, seed=0, dtype=np.float64):
        """Keras' default initialisation: uniform(-0.05, 0.05)."""
        return cls(as_rng(seed).uniform(-0.05, 0.05, size=(V, D)).astype(dtype))


def check_indices(name, a, n, n_name, valid=None):
    """An integer array whose values (where ``valid``, if given) lie in [0, n); returned as an ndarray.

    Used for token ids (n = V) and class labels (n = C): a float or an out-of-range index
    would otherwise be truncated or wrap around silently in NumPy's fancy indexing.
    """
    if not isinstance(a, np.ndarray):
        a = np.asarray(a)
    if a.dtype.kind not in "iu":
        raise DTypeError(f"{name} must hold integers, got {a.dtype}")
    bad = (a < 0) | (a >= n)
    if valid is not None:
        bad &= valid
    if np.any(bad):
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must lie in [0, {n_name}) = [0, {n}), got {a[where]} at position {where}")
    return a


def check_ids(ids, V, name="ids"):
    """Token ids: an integer array (B, T) or (B,) with every value in [0, V)."""
    if np.ndim(ids) not in (1, 2):
        raise ShapeError(f"{name} must be (B, T) or (B,), got {np.shape(ids)}")
    return check_indices(name, ids, V, "V")


def embedding_forward(ids, p):
    """Look up rows of E:
    ids (B, T) -> out (B, T, D), or ids (B,) -> (B, D).

    Returns (out, cache).
    """
    ids = check_ids(ids, p.E.shape[0])
    return p.E[ids], (ids, p)


def embedding_backward(dout, cache):
    """dout (B, T, D) -> grads: EmbeddingParams with dE (V, D).

    A token that occurs several times receives the sum of its gradients; np.add.at
    accumulates repeated ids, where dE[ids] += dout would keep only one of them.
    """
    ids, p = cache
    dout = check_array("dout", dout, _dims(ids.ndim + 1, "D"), ids.shape + (p.E.shape[1],), dtype=p.E.dtype)
    dE = np.zeros_like(p.E)
    np.add.at(dE, ids, dout)
    return EmbeddingParams(dE)
