"""Gated recurrent unit (Cho et al., 2014), batch-first, in both formulations.

Gate order r, z, n (reset, update, candidate), as PyTorch stores them.

    r = sigmoid(xw_r + h_{t-1} Wh_r + bh_r)
    z = sigmoid(xw_z + h_{t-1} Wh_z + bh_z)
    reset_after=True  (PyTorch; Keras' default):  n = tanh(xw_n + r * (h_{t-1} Wh_n + bh_n))
    reset_after=False (Cho et al.'s original):    n = tanh(xw_n + (r * h_{t-1}) Wh_n + bh_n)
    h_t = (1 - z) * n + z * h_{t-1}

with xw = x_t Wx + b. Wx is (D, 3H), Wh is (H, 3H), b (input bias) and bh
(recurrent bias) are (3H,). With reset_after=False a second bias would only
ever appear summed with b, so that variant has none (bh is None and reads as
zero above), and the parameter count equals Keras' GRU(reset_after=False).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import Params, as_rng, glorot_uniform, orthogonal

GATES = ("r", "z", "n")


@dataclass
class GRUParams(Params):
    """Weights of a GRU layer: Wx (D, 3H), Wh (H, 3H), b (3H,), bh (3H,) or None, gates r, z, n.

    bh is the recurrent bias of the reset-after variant; it is None when reset_after is False.
    """
    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray
    bh: np.ndarray | None = None
    reset_after: bool = True

    def __post_init__(self):
        if not isinstance(self.reset_after, (bool, np.bool_)):
            raise TypeError(f"reset_after must be True or False, got {self.reset_after!r}")
        if self.reset_after and self.bh is None:
            raise ValueError("a GRU with reset_after=True needs the recurrent bias bh (3H,), got None")
        if not self.reset_after and self.bh is not None:
            raise ValueError("a GRU with reset_after=False has no recurrent bias: pass bh=None "
                             "(fold it into b: b + bh gives the same layer)")
        self.check_consistent({"Wh": (("H", "3H"), None)})
        H = self.Wh.shape[0]
        self.check_consistent({"Wh": (("H", "3H"), (H, 3 * H)),
                               "Wx": (("D", "3H"), (None, 3 * H)),
                               "b": (("3H",), (3 * H,)),
                               "bh": (("3H",), (3 * H,))})

    @classmethod
    def init(cls, D, H, seed=0, dtype=np.float64, reset_after=True):
        """Keras' defaults: Glorot-uniform Wx, orthogonal Wh, zero biases."""
        rng = as_rng(seed)
        return cls(glorot_uniform(rng, D, 3 * H, dtype), orthogonal(rng, H, 3 * H, dtype),
                   np.zeros(3 * H, dtype), np.zeros(3 * H, dtype) if reset_after else None, reset_after)
