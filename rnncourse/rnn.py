"""The vanilla (Elman) RNN, batch-first.

    h_t = phi(x_t Wx + h_{t-1} Wh + b),   phi = tanh or relu

x_t is (B, D), h_t is (B, H), Wx is (D, H), Wh is (H, H), b is (H,).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import check_choice
from .params import Params, as_rng, glorot_uniform, orthogonal
from .sequence import (Cell, sequence_backward, sequence_forward,
                       step_backward, step_forward)

ACTIVATIONS = ("tanh", "relu")


@dataclass
class RNNParams(Params):
    """Weights of a vanilla RNN layer: Wx (D, H), Wh (H, H), b (H,)."""
    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray
    activation: str = "tanh"

    def __post_init__(self):
        check_choice("activation", self.activation, ACTIVATIONS)
        self.check_consistent({"Wx": (("D", "H"), None)})
        H = self.Wx.shape[1]
        self.check_consistent({"Wh": (("H", "H"), (H, H)),
                               "b": (("H",), (H,))})

    @classmethod
    def init(cls, D, H, seed=0, dtype=np.float64, activation="tanh"):
        """Keras' default initialisation: Glorot-uniform Wx, orthogonal Wh,
        zero b."""
        rng = as_rng(seed)
        return cls(glorot_uniform(rng, D, H, dtype),
                   orthogonal(rng, H, H, dtype),
                   np.zeros(H, dtype), activation)


def rnn_cell_forward(xw, h_prev, p):
    """One step given the input's contribution xw = x_t Wx + b (B, H),
    which becomes h.

    Returns (h, cache) with h (B, H).
    """
    a = xw
    a += h_prev @ p.Wh
    h = (np.tanh(a, out=a) if p.activation == "tanh"
         else np.maximum(a, 0, out=a))
    return h, (h_prev, h, p)


def rnn_cell_backward(dh, cache, out=None):
    """Backward of :func:`rnn_cell_forward`: returns
    (dxw, dh_prev, {"Wh": dWh}), dxw (B, H) written into out when given."""
    h_prev, h, p = cache
    slope = 1 - h * h if p.activation == "tanh" else h > 0
    da = np.multiply(dh, slope, out=out)
    return da, da @ p.Wh.T, {"Wh": h_prev.T @ da}


RNN_CELL = Cell("RNN", rnn_cell_forward, rnn_cell_backward, ("h",))


def rnn_step_forward(x, h_prev, params):
    """One step on raw inputs:
    x (B, D), h_prev (B, H) -> (h (B, H), cache)."""
    return step_forward(RNN_CELL, x, h_prev, params)


def rnn_step_backward(dh, cache):
    """dh (B, H) -> (dx (B, D), dh_prev (B, H), grads: RNNParams)."""
    return step_backward(RNN_CELL, dh, cache)


def rnn_forward(x, params, h0=None, mask=None, return_sequences=True,
                reverse=False):
    """A whole sequence: x (B, T, D), h0 (B, H) or None for zeros.

    Returns (out, h_T, cache): out is (B, T, H), or (B, H) when
    return_sequences is False. See
    :func:`rnncourse.sequence.sequence_forward` for mask and reverse.
    """
    return sequence_forward(RNN_CELL, x, params, h0, mask, return_sequences,
                            reverse)


def rnn_backward(dout, cache, dh_T=None, truncate=None):
    """BPTT: returns
    (dx (B, T, D), dh0 (B, H), grads: RNNParams)."""
    return sequence_backward(dout, cache, dh_T, truncate)
