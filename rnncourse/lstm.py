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

import numpy as np

from .params import Params, as_rng, glorot_uniform, orthogonal

GATES = ("i", "f", "g", "o")


@dataclass
class LSTMParams(Params):
    """Weights of an LSTM layer: Wx (D, 4H), Wh (H, 4H), b (4H,), gates i, f, g, o."""
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
        """Keras' defaults: Glorot-uniform Wx, orthogonal Wh, zero b but 1 for the forget gate."""
        rng = as_rng(seed)
        b = np.zeros(4 * H, dtype)
        b[H:2 * H] = 1.0
        return cls(glorot_uniform(rng, D, 4 * H, dtype), orthogonal(rng, H, 4 * H, dtype), b)
