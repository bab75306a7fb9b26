"""Bidirectional recurrent layers, as keras.layers.Bidirectional and
PyTorch's bidirectional=True.

Two independent layers of the same kind read the sequence: the forward one
from x_1 to x_T, the backward one from x_T to x_1. Both outputs stay at
their time index, so at step t the merged output sees the whole sequence:
the past through the forward state, the future through the backward state.

    out_t = merge(h_t^fw, h_t^bw),
    merge = concat (B, T, 2H), sum, mul, ave (B, T, H),
            or None: the pair (out_fw, out_bw)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cells import cell_for, layer_sizes
from .checks import DTypeError, ShapeError, check_array, check_choice
from .params import Params, as_rng
from .sequence import SequenceCache, sequence_backward, sequence_forward

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


@dataclass
class BidirectionalParams(Params):
    """The two directions of a bidirectional layer: RNNParams, LSTMParams or
    GRUParams of one kind, with the same input size D and hidden size H, and
    how their outputs merge."""
    forward: Params
    backward: Params
    merge_mode: str | None = "concat"

    def __post_init__(self):
        check_choice("merge_mode", self.merge_mode, MERGE_MODES)
        cell_for(self.forward)
        cell_for(self.backward)
        kind_fw, kind_bw = (type(self.forward).__name__,
                            type(self.backward).__name__)
        if kind_fw != kind_bw:
            raise TypeError("both directions must be the same kind of "
                            f"layer, got {kind_fw} forward and "
                            f"{kind_bw} backward")
        sizes_fw, sizes_bw = (layer_sizes(self.forward),
                              layer_sizes(self.backward))
        if sizes_fw != sizes_bw:
            raise ShapeError("both directions must have the same sizes, "
                             f"got (D, H) = {sizes_fw} forward and "
                             f"{sizes_bw} backward")
        if self.forward.dtype != self.backward.dtype:
            raise DTypeError("both directions must have one dtype, got "
                             f"{self.forward.dtype} forward and "
                             f"{self.backward.dtype} backward")

    @classmethod
    def init(cls, kind, D, H, seed=0, merge_mode="concat", **kwargs):
        """Two independently initialised layers of ``kind`` (e.g.
        LSTMParams); kwargs go to kind.init."""
        rng = as_rng(seed)
        return cls(kind.init(D, H, seed=rng, **kwargs),
                   kind.init(D, H, seed=rng, **kwargs), merge_mode)

    @property
    def input_size(self):
        """D."""
        return layer_sizes(self.forward)[0]

    @property
    def output_size(self):
        """Size of the last axis of the merged output: 2H for concat,
        else H."""
        H = layer_sizes(self.forward)[1]
        return 2 * H if self.merge_mode == "concat" else H


@dataclass
class BidirectionalCache:
    forward: SequenceCache
    backward: SequenceCache
    out_fw: np.ndarray  # (B, T, H) or (B, H), zero at masked steps
    out_bw: np.ndarray
    params: BidirectionalParams


def merge(out_fw, out_bw, mode):
    """Combine the two directions' outputs (each (..., H)) as
    keras.layers.Bidirectional does."""
    if mode == "concat":
        return np.concatenate([out_fw, out_bw], axis=-1)
    if mode == "sum":
        return out_fw + out_bw
    if mode == "mul":
        return out_fw * out_bw
    if mode == "ave":
        return (out_fw + out_bw) / 2
    return out_fw, out_bw


def merge_backward(dout, out_fw, out_bw, mode):
    """Backward of :func:`merge`: the gradients (dout_fw, dout_bw) of the
    two outputs."""
    if mode == "concat":
        H = out_fw.shape[-1]
        return dout[..., :H], dout[..., H:]
    if mode == "sum":
        return dout, dout
    if mode == "mul":
        return dout * out_bw, dout * out_fw
    if mode == "ave":
        return dout / 2, dout / 2
    return dout  # merge_mode None: already the pair (dout_fw, dout_bw)


def _pair(name, value):
    """None -> (None, None); a (forward, backward) pair -> itself."""
    if value is None:
        return None, None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} of a bidirectional layer must be a pair "
                        "(forward, backward) or None, got "
                        f"{type(value).__name__}")
    return value


def _check_params(params):
    if not isinstance(params, BidirectionalParams):
        raise TypeError("params must be BidirectionalParams, got "
                        f"{type(params).__name__}")
    return params


def _check_dout(dout, cache):
    """dout shaped like the merged output: (B, T, 2H) or (B, 2H) for concat,
    H instead of 2H for sum, mul and ave, a pair of (B, T, H) or (B, H)
    arrays for merge_mode None."""
    mode, dtype = cache.params.merge_mode, cache.params.dtype
    shape = cache.out_fw.shape
    size = "2H" if mode == "concat" else "H"
    dims = (("B", "T", size) if cache.forward.return_sequences
            else ("B", size))
    if mode is None:
        return tuple(check_array(name, d, dims, shape, dtype=dtype)
                     for name, d in zip(("dout_fw", "dout_bw"),
                                        _pair("dout", dout)))
    width = 2 * shape[-1] if mode == "concat" else shape[-1]
    return check_array("dout", dout, dims, shape[:-1] + (width,),
                       dtype=dtype)


def _zero_masked(a, cache):
    """Zeros at the masked steps of one direction's output sequence
    (B, T, H), or of its gradient.

    Keras and PyTorch both do this in a bidirectional layer: at a masked
    step the two directions would carry states from opposite ends of the
    sequence.
    """
    if cache.mask is None or not cache.return_sequences:
        return a
    return np.where(cache.mask[:, :, None], a, 0)


def bidirectional_forward(x, params, state0=None, mask=None,
                          return_sequences=True):
    """Run both directions over x (B, T, D) and merge their outputs.

    state0: None for zeros, or a pair (state0_fw, state0_bw), each (B, H)
            ((h0, c0) for LSTM).
    mask:   optional (B, T) valid positions; each direction skips the
            invalid steps, and the outputs there are zeros, as in Keras
            and PyTorch.
    return_sequences: True gives out (B, T, 2H) for concat, (B, T, H) for
        sum, mul, ave. False gives (B, 2H) or (B, H) from the forward
        direction's last state and the backward direction's state after
        reading x_1 (its own last step), as Keras does.

    Returns (out, (state_fw, state_bw), cache); with merge_mode None, out
    is the pair (out_fw, out_bw).
    """
    p = _check_params(params)
    state0_fw, state0_bw = _pair("state0", state0)
    cell = cell_for(p.forward)
    out_fw, state_fw, cache_fw = sequence_forward(
        cell, x, p.forward, state0_fw, mask, return_sequences)
    out_bw, state_bw, cache_bw = sequence_forward(
        cell, x, p.backward, state0_bw, mask, return_sequences,
        reverse=True)
    out_fw, out_bw = (_zero_masked(out_fw, cache_fw),
                      _zero_masked(out_bw, cache_bw))
    cache = BidirectionalCache(cache_fw, cache_bw, out_fw, out_bw, p)
    return merge(out_fw, out_bw, p.merge_mode), (state_fw, state_bw), cache


def bidirectional_backward(dout, cache, dstate=None, truncate=None):
    """Backward of :func:`bidirectional_forward`.

    dout:     gradient of out, shaped like out (a pair (dout_fw, dout_bw)
              for merge_mode None).
    dstate:   None, or a pair (dstate_fw, dstate_bw) of gradients of the
              final states.
    truncate: truncated BPTT in each direction's own reading order (see
              sequence_backward).

    Returns (dx (B, T, D), (dstate0_fw, dstate0_bw),
    grads: BidirectionalParams).
    """
    p = cache.params
    dout_fw, dout_bw = merge_backward(_check_dout(dout, cache),
                                      cache.out_fw, cache.out_bw,
                                      p.merge_mode)
    dstate_fw, dstate_bw = _pair("dstate", dstate)
    dout_fw, dout_bw = (_zero_masked(dout_fw, cache.forward),
                        _zero_masked(dout_bw, cache.backward))
    dx_fw, dstate0_fw, grads_fw = sequence_backward(dout_fw, cache.forward,
                                                    dstate_fw, truncate)
    dx_bw, dstate0_bw, grads_bw = sequence_backward(dout_bw, cache.backward,
                                                    dstate_bw, truncate)
    return (dx_fw + dx_bw, (dstate0_fw, dstate0_bw),
            BidirectionalParams(grads_fw, grads_bw, p.merge_mode))
