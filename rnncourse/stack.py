"""Stacked (deep) recurrent layers: layer l reads the output sequence of
layer l - 1.

The same network as torch.nn.RNN / LSTM / GRU with num_layers=L (and no
dropout), or a Keras Sequential of recurrent layers where all but the top
one return sequences. A layer is any recurrent layer's parameters
(RNNParams, LSTMParams, GRUParams) or a BidirectionalParams, whose merged
output (2H wide for concat) feeds the next layer.
"""
from __future__ import annotations

from dataclasses import dataclass

from .bidirectional import (BidirectionalCache, BidirectionalParams,
                            bidirectional_backward, bidirectional_forward)
from .cells import cell_for, layer_sizes
from .checks import DTypeError, ShapeError
from .params import Params
from .sequence import sequence_backward, sequence_forward


def _layer_io(l, layer, top):
    """(input size, output size) of layer l, with errors that name the
    layer."""
    if isinstance(layer, BidirectionalParams):
        if layer.merge_mode is None and not top:
            raise ValueError(f"layer {l} is bidirectional with merge_mode "
                             "None: its pair of outputs cannot feed the "
                             "next layer; choose 'concat', 'sum', 'mul' "
                             "or 'ave'")
        return layer.input_size, layer.output_size
    try:
        return layer_sizes(layer)
    except TypeError as e:
        raise TypeError(f"layer {l}: {e}") from None


@dataclass
class StackParams(Params):
    """The layers of a stack, bottom first; layer l's input size is
    layer l - 1's output size."""
    layers: list

    def __post_init__(self):
        if not isinstance(self.layers, (list, tuple)) or not self.layers:
            got = ("an empty list" if isinstance(self.layers, (list, tuple))
                   else type(self.layers).__name__)
            raise ValueError("layers must be a non-empty list of layer "
                             f"parameters, got {got}")
        self.layers = list(self.layers)
        L = len(self.layers)
        previous = None
        for l, layer in enumerate(self.layers):
            D, out = _layer_io(l, layer, top=l == L - 1)
            if previous is not None and D != previous:
                raise ShapeError(f"layer {l} must read layer {l - 1}'s "
                                 f"outputs of size {previous}, but its "
                                 f"input size is D = {D}")
            if layer.dtype != self.layers[0].dtype:
                raise DTypeError("all layers must have one dtype, got "
                                 f"{self.layers[0].dtype} for layer 0 "
                                 f"and {layer.dtype} for layer {l}")
            previous = out

    @property
    def input_size(self):
        """D of the bottom layer."""
        return _layer_io(0, self.layers[0], top=len(self.layers) == 1)[0]

    @property
    def output_size(self):
        """Size of the last axis of the top layer's output."""
        return _layer_io(len(self.layers) - 1, self.layers[-1],
                         top=True)[1]


@dataclass
class StackCache:
    layers: list  # per layer, its SequenceCache or BidirectionalCache


def _per_layer(name, value, L):
    """None -> [None] * L; a list of L per-layer values -> itself."""
    if value is None:
        return [None] * L
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} of a stack must be None or a list with "
                        "one entry per layer, got "
                        f"{type(value).__name__}")
    if len(value) != L:
        raise ValueError(f"{name} of a stack must have one entry per layer "
                         f"({L}), got {len(value)}")
    return list(value)


def layer_forward(x, layer, state0=None, mask=None, return_sequences=True):
    """Any recurrent layer (RNN/LSTM/GRU params, BidirectionalParams or
    StackParams) over x (B, T, D).

    Returns (out, state, cache) as that layer's own forward does.
    """
    if isinstance(layer, StackParams):
        return stack_forward(x, layer, state0, mask, return_sequences)
    if isinstance(layer, BidirectionalParams):
        return bidirectional_forward(x, layer, state0, mask,
                                     return_sequences)
    return sequence_forward(cell_for(layer), x, layer, state0, mask,
                            return_sequences)


def layer_backward(dout, cache, dstate=None, truncate=None):
    """Backward of :func:`layer_forward`: returns (dx, dstate0, grads)."""
    if isinstance(cache, StackCache):
        return stack_backward(dout, cache, dstate, truncate)
    if isinstance(cache, BidirectionalCache):
        return bidirectional_backward(dout, cache, dstate, truncate)
    return sequence_backward(dout, cache, dstate, truncate)


def stack_forward(x, params, state0=None, mask=None, return_sequences=True):
    """Run the layers bottom to top over x (B, T, D).

    state0: None for zeros, or a list with each layer's initial state
            (or None).
    mask:   optional (B, T) valid positions, applied in every layer.
    return_sequences: for the top layer only; every layer below passes its
                      whole sequence up.

    Returns (out, states, cache): out as the top layer returns it
    ((B, T, H_top) or (B, H_top)), states a list of each layer's
    final state.
    """
    if not isinstance(params, StackParams):
        raise TypeError("params must be StackParams, got "
                        f"{type(params).__name__}")
    L = len(params.layers)
    state0s = _per_layer("state0", state0, L)
    states, caches = [], []
    h = x
    for l, (layer, s0) in enumerate(zip(params.layers, state0s)):
        h, state, cache = layer_forward(h, layer, s0, mask,
                                        return_sequences or l < L - 1)
        states.append(state)
        caches.append(cache)
    return h, states, StackCache(caches)


def stack_backward(dout, cache, dstate=None, truncate=None):
    """Backward of :func:`stack_forward`, top layer first.

    dout:   gradient of out, shaped like out.
    dstate: None, or a list with the gradient of each layer's final state
            (or None).
    Returns (dx (B, T, D), dstate0 (a list, one entry per layer),
    grads: StackParams).
    """
    L = len(cache.layers)
    dstates = _per_layer("dstate", dstate, L)
    dstate0, grads = [None] * L, [None] * L
    dh = dout
    for l in range(L - 1, -1, -1):
        dh, dstate0[l], grads[l] = layer_backward(dh, cache.layers[l],
                                                  dstates[l], truncate)
    return dh, dstate0, StackParams(grads)
