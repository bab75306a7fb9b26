"""Gated recurrent unit (Cho et al., 2014), batch-first, in both
formulations.

Gate order r, z, n (reset, update, candidate), as PyTorch stores them (Keras
stores the same gates in the order z, r, h).

    r = sigmoid(xw_r + h_{t-1} Wh_r + bh_r)
    z = sigmoid(xw_z + h_{t-1} Wh_z + bh_z)
    reset_after=True  (PyTorch; Keras' default):
        n = tanh(xw_n + r * (h_{t-1} Wh_n + bh_n))
    reset_after=False (Cho et al.; Keras option):
        n = tanh(xw_n + (r * h_{t-1}) Wh_n + bh_n)
    h_t = (1 - z) * n + z * h_{t-1}

with xw = x_t Wx + b. Wx is (D, 3H), Wh is (H, 3H), b (input bias) and bh
(recurrent bias) are (3H,). With reset_after=False a second bias would only
ever appear summed with b, so that variant has none (bh is None and reads as
zero above), and the parameter count equals Keras' GRU(reset_after=False).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .activations import sigmoid
from .params import Params, as_rng, glorot_uniform, orthogonal
from .sequence import (Cell, sequence_backward, sequence_forward,
                       step_backward, step_forward)

GATES = ("r", "z", "n")


@dataclass
class GRUParams(Params):
    """Weights of a GRU layer: Wx (D, 3H), Wh (H, 3H), b (3H,), bh (3H,) or
    None, gates r, z, n.

    bh is the recurrent bias of the reset-after variant; it is None when
    reset_after is False.
    """
    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray
    bh: np.ndarray | None = None
    reset_after: bool = True

    def __post_init__(self):
        if not isinstance(self.reset_after, (bool, np.bool_)):
            raise TypeError("reset_after must be True or False, got "
                            f"{self.reset_after!r}")
        if self.reset_after and self.bh is None:
            raise ValueError("a GRU with reset_after=True needs the "
                             "recurrent bias bh (3H,), got None")
        if not self.reset_after and self.bh is not None:
            raise ValueError("a GRU with reset_after=False has no "
                             "recurrent bias: pass bh=None (fold it into "
                             "b: b + bh gives the same layer)")
        self.check_consistent({"Wh": (("H", "3H"), None)})
        H = self.Wh.shape[0]
        self.check_consistent({"Wh": (("H", "3H"), (H, 3 * H)),
                               "Wx": (("D", "3H"), (None, 3 * H)),
                               "b": (("3H",), (3 * H,)),
                               "bh": (("3H",), (3 * H,))})

    @classmethod
    def init(cls, D, H, seed=0, dtype=np.float64, reset_after=True):
        """Keras' defaults: Glorot-uniform Wx, orthogonal Wh, zero
        biases."""
        rng = as_rng(seed)
        return cls(glorot_uniform(rng, D, 3 * H, dtype),
                   orthogonal(rng, H, 3 * H, dtype),
                   np.zeros(3 * H, dtype),
                   np.zeros(3 * H, dtype) if reset_after else None,
                   reset_after)


class GRUStepCache(NamedTuple):
    """What :func:`gru_cell_backward` needs from one step; every array is
    (B, H)."""
    h_prev: np.ndarray
    r: np.ndarray
    z: np.ndarray
    n: np.ndarray
    # h_prev Wh_n + bh_n with reset_after=True, None otherwise
    hn: np.ndarray | None
    p: GRUParams


def gru_cell_forward(xw, h_prev, p):
    """One step given the input's contribution xw = x_t Wx + b (B, 3H),
    gates r, z, n.

    Returns (h, cache) with h (B, H).
    """
    H = h_prev.shape[1]
    xrz, xn = xw[:, :2 * H], xw[:, 2 * H:]
    if p.reset_after:
        hw = h_prev @ p.Wh
        hw += p.bh
        # hn as its own (B, H) array: the cache keeps it, not all of hw
        hrz, hn = hw[:, :2 * H], hw[:, 2 * H:].copy()
    else:
        hrz, hn = h_prev @ p.Wh[:, :2 * H], None
    rz = xrz + hrz
    sigmoid(rz, out=rz)  # both gates in one call (side by side), in place
    r, z = rz[:, :H], rz[:, H:]
    if p.reset_after:
        n = np.tanh(xn + r * hn)
    else:
        n = np.tanh(xn + (r * h_prev) @ p.Wh[:, 2 * H:])
    # in three passes over memory instead of four:
    h = n + z * (h_prev - n)  # = (1 - z) * n + z * h_prev
    return h, GRUStepCache(h_prev, r, z, n, hn, p)


def gru_cell_backward(dh, cache, out=None):
    """Backward of :func:`gru_cell_forward`:
    dh (B, H) -> (dxw (B, 3H), dh_prev (B, H), rec_grads); dxw is written
    into out when given.

    rec_grads is {"Wh": dWh, "bh": dbh} with reset_after=True, {"Wh": dWh}
    otherwise. The names da_* are gradients of the gates' pre-activations.
    """
    h_prev, r, z, n, hn, p = cache
    H = h_prev.shape[1]
    da_z = dh * (h_prev - n) * z * (1 - z)
    da_n = dh * (1 - z) * (1 - n * n)
    dh_prev = dh * z
    if p.reset_after:
        da_r = da_n * hn * r * (1 - r)
        # gradient of h_prev Wh + bh
        dhw = np.concatenate([da_r, da_z, da_n * r], axis=1)
        dh_prev = dh_prev + dhw @ p.Wh.T
        rec = {"Wh": h_prev.T @ dhw, "bh": dhw.sum(axis=0)}
    else:
        drh = da_n @ p.Wh[:, 2 * H:].T  # gradient of r * h_prev
        da_r = drh * h_prev * r * (1 - r)
        da_rz = np.concatenate([da_r, da_z], axis=1)
        dh_prev = dh_prev + drh * r + da_rz @ p.Wh[:, :2 * H].T
        rec = {"Wh": np.concatenate([h_prev.T @ da_rz,
                                     (r * h_prev).T @ da_n], axis=1)}
    dxw = np.concatenate([da_r, da_z, da_n], axis=1, out=out)
    return dxw, dh_prev, rec


GRU_CELL = Cell("GRU", gru_cell_forward, gru_cell_backward, ("h",))


def gru_step_forward(x, h_prev, params):
    """One step on raw inputs:
    x (B, D), h_prev (B, H) -> (h (B, H), cache)."""
    return step_forward(GRU_CELL, x, h_prev, params)


def gru_step_backward(dh, cache):
    """dh (B, H) -> (dx (B, D), dh_prev (B, H), grads: GRUParams)."""
    return step_backward(GRU_CELL, dh, cache)


def gru_forward(x, params, h0=None, mask=None, return_sequences=True,
                reverse=False):
    """A whole sequence: x (B, T, D), h0 (B, H) or None for zeros.

    Returns (out, h_T, cache): out is (B, T, H), or (B, H) when
    return_sequences is False. See
    :func:`rnncourse.sequence.sequence_forward` for mask and reverse.
    """
    return sequence_forward(GRU_CELL, x, params, h0, mask, return_sequences,
                            reverse)


def gru_backward(dout, cache, dh_T=None, truncate=None):
    """BPTT: returns (dx (B, T, D), dh0 (B, H), grads: GRUParams;
    grads.bh is None with reset_after=False)."""
    return sequence_backward(dout, cache, dh_T, truncate)
