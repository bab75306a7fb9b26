"""Long short-term memory (Hochreiter & Schmidhuber, 1997), batch-first.

    [i f g o] = x_t Wx + h_{t-1} Wh + b         gate order i, f, g, o
    i, f, o = sigmoid(.),  g = tanh(.)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Wx is (D, 4H), Wh is (H, 4H), b is (4H,), the four gates side by side in the
order i, f, g, o (input, forget, candidate, output): the order of both Keras
(which calls g "c") and PyTorch. The state is the pair (h, c), each (B, H).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .params import Params, as_rng, glorot_uniform, orthogonal
from .sequence import (Cell, sequence_backward, sequence_forward,
                       step_backward, step_forward)

GATES = ("i", "f", "g", "o")


@dataclass
class LSTMParams(Params):
    """Weights of an LSTM layer: Wx (D, 4H), Wh (H, 4H), b (4H,),
    gates i, f, g, o."""
    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray

    def __post_init__(self):
        self.check_consistent({"Wh": (("H", "4H"), None)})
        H = self.Wh.shape[0]
        self.check_consistent({"Wh": (("H", "4H"), (H, 4 * H)),
                               "Wx": (("D", "4H"), (None, 4 * H)),
                               "b": (("4H",), (4 * H,))})

    @classmethod
    def init(cls, D, H, seed=0, dtype=np.float64):
        """Keras' defaults: Glorot-uniform Wx, orthogonal Wh, zero b but 1
        for the forget gate."""
        rng = as_rng(seed)
        b = np.zeros(4 * H, dtype)
        b[H:2 * H] = 1.0
        return cls(glorot_uniform(rng, D, 4 * H, dtype),
                   orthogonal(rng, H, 4 * H, dtype), b)


class LSTMStepCache(NamedTuple):
    """What :func:`lstm_cell_backward` needs from one forward step; arrays
    are (B, H) but gates."""
    h_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    tanh_c: np.ndarray
    # (B, 4H): i, f, g, o side by side
    # (the four arrays above are its blocks)
    gates: np.ndarray
    p: LSTMParams


@lru_cache(maxsize=None)
def gate_rows(H, dtype):
    """Per column of the (B, 4H) gates, four read-only (4H,) rows:
    (scale, shift, slope, offset).

    sigmoid(x) = 1/2 tanh(x / 2) + 1/2 for the gates i, f, o, and tanh(x)
    for g: the scale before and after the tanh, and the shift after it.
    Their slopes from their values y, sigmoid' = y - y^2 and
    tanh' = 1 - y^2, are both y * (slope - y) + offset.
    """
    def row(i, f, g, o):
        r = np.repeat(np.array([i, f, g, o], dtype), H)
        r.flags.writeable = False
        return r
    return (row(0.5, 0.5, 1.0, 0.5), row(0.5, 0.5, 0.0, 0.5),
            row(1.0, 1.0, 0.0, 1.0), row(0.0, 0.0, 1.0, 0.0))


def activate_gates(a):
    """sigmoid on the i, f, o blocks of a (B, 4H) and tanh on g, in place;
    returns the four (B, H) blocks.

    Computed as :func:`rnncourse.activations.sigmoid` does,
    sigmoid(x) = 1/2 tanh(x / 2) + 1/2, so one tanh over the whole block
    does all four gates: four passes over contiguous memory instead of a
    dozen NumPy calls on strided slices, and no new array.
    """
    H = a.shape[1] // 4
    scale, shift, _, _ = gate_rows(H, a.dtype)
    a *= scale
    np.tanh(a, out=a)
    a *= scale
    a += shift
    return a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]


def gate_slopes(gates):
    """The derivative of each gate's activation at the step's values, from
    gates (B, 4H) = [i, f, g, o]: sigmoid'(a) = s (1 - s) for i, f, o and
    tanh'(a) = 1 - g^2 for g. Returns (B, 4H)."""
    _, _, slope, offset = gate_rows(gates.shape[1] // 4, gates.dtype)
    s = slope - gates
    s *= gates
    s += offset
    return s


def lstm_cell_forward(xw, h_prev, c_prev, p):
    """One step given the input's contribution xw = x_t Wx + b (B, 4H),
    which becomes the gates.

    h_prev, c_prev: (B, H). Returns (h, c, cache) with h, c (B, H).
    """
    a = xw
    # (B, 4H): the pre-activations of i, f, g, o side by side
    a += h_prev @ p.Wh
    i, f, g, o = activate_gates(a)  # i, f, o = sigmoid(.), g = tanh(.)
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, LSTMStepCache(h_prev, c_prev, i, f, g, o, tanh_c, a, p)


def lstm_cell_backward(dh, dc, cache, out=None):
    """Backward of :func:`lstm_cell_forward`.

    dh, dc: upstream gradients of h and c (B, H); out: an optional (B, 4H)
    array to write dxw into.
    Returns (dxw (B, 4H), dh_prev (B, H), dc_prev (B, H),
    {"Wh": dWh (H, 4H)}).
    """
    h_prev, c_prev, i, f, g, o, tanh_c, gates, p = cache
    # c reaches the loss directly and through h
    dc = dc + dh * o * (1 - tanh_c * tanh_c)
    di, df, dg, do = dc * g, dc * c_prev, dc * i, dh * tanh_c
    da = np.concatenate([di, df, dg, do], axis=1, out=out)  # (B, 4H)
    # then through each gate's activation:
    da *= gate_slopes(gates)  # i (1 - i), f (1 - f), 1 - g * g, o (1 - o)
    return da, da @ p.Wh.T, dc * f, {"Wh": h_prev.T @ da}


LSTM_CELL = Cell("LSTM", lstm_cell_forward, lstm_cell_backward, ("h", "c"))


def lstm_step_forward(x, state, params):
    """One step on raw inputs: x (B, D), state (h_prev, c_prev) each (B, H).

    Returns ((h, c), cache).
    """
    return step_forward(LSTM_CELL, x, state, params)


def lstm_step_backward(dstate, cache):
    """dstate (dh, dc) each (B, H)
    -> (dx (B, D), (dh_prev, dc_prev), grads: LSTMParams)."""
    return step_backward(LSTM_CELL, dstate, cache)


def lstm_forward(x, params, state0=None, mask=None, return_sequences=True,
                 reverse=False):
    """A whole sequence: x (B, T, D), state0 a tuple (h0, c0) of (B, H), or
    None for zeros.

    Returns (out, (h_T, c_T), cache): out is (B, T, H), or (B, H) when
    return_sequences is False. See
    :func:`rnncourse.sequence.sequence_forward` for mask and reverse.
    """
    return sequence_forward(LSTM_CELL, x, params, state0, mask,
                            return_sequences, reverse)


def lstm_backward(dout, cache, dstate=None, truncate=None):
    """BPTT; dstate is an optional (dh_T, dc_T). Returns
    (dx (B, T, D), (dh0, dc0), grads: LSTMParams)."""
    return sequence_backward(dout, cache, dstate, truncate)
