"""Our weights in PyTorch's ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU``, and back.

PyTorch writes the maths for column vectors: ``weight_ih_l{k}`` is (G·H, D) and
multiplies x from the left, so it is our Wx (D, G·H) transposed, and
``weight_hh_l{k}`` is Wh transposed. The gate blocks are in our order (LSTM i, f,
g, o; GRU r, z, n). PyTorch keeps two biases. In the RNN and the LSTM they only
ever appear as the sum ``bias_ih + bias_hh``, which is our b. In the GRU the
recurrent one sits inside the reset gate's product, so it is our bh: PyTorch's
GRU is the reset-after formulation, and a GRU with reset_after=False has no
PyTorch equivalent.

A bidirectional module is our BidirectionalParams with merge mode "concat" (its
``_reverse`` weights are the backward direction); a module with num_layers = N
is our StackParams of N such layers.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..bidirectional import BidirectionalParams
from ..checks import DTypeError, ShapeError
from ..gru import GRUParams
from ..lstm import LSTMParams
from ..rnn import RNNParams
from ..stack import StackParams

MODULES = ((RNNParams, nn.RNN), (LSTMParams, nn.LSTM), (GRUParams, nn.GRU))
TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}
DIRECTIONS = ("", "_reverse")  # suffix of the forward and the backward direction's weight names


def to_torch(params):
    """A batch-first ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` holding ``params``' weights.

    params: RNNParams (nonlinearity = params.activation), LSTMParams, GRUParams with
            reset_after=True, a BidirectionalParams of two of them with merge mode
            "concat" (-> bidirectional=True), or a StackParams of such layers, all of
            one kind and hidden size (-> num_layers = N).
    The module computes in the parameters' dtype, float32 or float64. Our single
    bias b goes to bias_ih; bias_hh is b's zero (the GRU's bias_hh is our bh).
    """
    layers = _torch_layers(params)
    first = layers[0][0]
    module_class = dict(MODULES)[type(first)]
    extra = {"nonlinearity": first.activation} if module_class is nn.RNN else {}
    module = module_class(first.Wx.shape[0], first.Wh.shape[0], num_layers=len(layers),
                          bidirectional=len(layers[0]) == 2, batch_first=True,
                          dtype=TORCH_DTYPES[first.dtype], **extra)
    with torch.no_grad():
        for k, directions in enumerate(layers):
            for suffix, p in zip(DIRECTIONS, directions):
                for name, value in _torch_weights(p).items():
                    getattr(module, f"{name}_l{k}{suffix}").copy_(torch.from_numpy(value))
    return module


def _torch_weights(p):
    """One direction of one layer in PyTorch's names and layout: {name: array}."""
    bias_hh = p.bh if isinstance(p, GRUParams) else np.zeros_like(p.b)
    return {"weight_ih": np.ascontiguousarray(p.Wx.T), "weight_hh": np.ascontiguousarray(p.Wh.T),
            "bias_ih": p.b, "bias_hh": bias_hh}


def _torch_layers(params):
    """``params`` as PyTorch sees it: a list of layers, each a tuple (forward,) or (forward, backward).

    Raises a clear error for what a single PyTorch module cannot hold.
    """
    if isinstance(params, StackParams):
        layers = [layer for p in params.layers for layer in _torch_layers(p)]
    elif isinstance(params, BidirectionalParams):
        if params.merge_mode != "concat":
            raise ValueError(f"PyTorch's bidirectional modules concatenate the two directions; merge mode "
                             f"{params.merge_mode!r} has no PyTorch equivalent (use 'concat', or to_keras)")
        layers = [(params.forward, params.backward)]
    elif isinstance(params, tuple(kind for kind, _ in MODULES)):
        layers = [(params,)]
    else:
        raise TypeError("to_torch takes RNNParams, LSTMParams, GRUParams, BidirectionalParams or "
                        f"StackParams, got {type(params).__name__}")
    _check_one_module(layers)
    return layers


def _check_one_module(layers):
    """Check that the layers fit in one PyTorch module: one cell kind and hidden size, bidirectional in all or none.

    (BidirectionalParams and StackParams already agree on dtypes and input sizes.)
    """
    first = layers[0][0]
    for k, directions in enumerate(layers):
        if len(directions) != len(layers[0]):
            raise ValueError("a PyTorch module is bidirectional in every layer or in none; "
                             f"layer 0 has {len(layers[0])} direction(s), layer {k} has {len(directions)}")
        for p in directions:
            if type(p) is not type(first) or getattr(p, "activation", None) != getattr(first, "activation", None):
                raise ValueError(f"a PyTorch module holds one cell kind; layer {k} is {_describe(p)}, "
                                 f"layer 0 is {_describe(first)}")
            if isinstance(p, GRUParams) and not p.reset_after:
                raise ValueError("PyTorch's nn.GRU only computes the reset-after GRU, "
                                 "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); a GRU with reset_after=False "
                                 "has no PyTorch equivalent (use to_keras, or reset_after=True)")
            if p.Wh.shape[0] != first.Wh.shape[0]:
                raise ShapeError(f"a PyTorch module has one hidden size; layer {k} has H = {p.Wh.shape[0]}, "
                                 f"layer 0 has H = {first.Wh.shape[0]}")


def _describe(p):
    return f"{type(p).__name__}(activation={p.activation!r})" if isinstance(p, RNNParams) else type(p).__name__


def from_torch(module, grad=False):
    """The weights of an ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` as our parameters: the inverse of to_torch.

    grad: read every parameter's ``.grad`` instead of its value. That gives the
          gradients with respect to our parameters when the module came from
          to_torch: b reaches the maths where bias_ih does, so grads.b is bias_ih's
          gradient (for the RNN and LSTM bias_hh's gradient is equal to it).
    Returns RNNParams / LSTMParams / GRUParams (reset_after=True); a
    BidirectionalParams (merge mode "concat") for a bidirectional module; a
    StackParams of those when num_layers > 1. The arrays are float32 or float64
    like the module, and copies: changing the module later does not change them.
    """
    if not isinstance(module, (nn.RNN, nn.LSTM, nn.GRU)):
        raise TypeError(f"from_torch reads torch.nn.RNN, nn.LSTM or nn.GRU, got {type(module).__name__}")
    if getattr(module, "proj_size", 0):
        raise ValueError(f"an nn.LSTM with proj_size = {module.proj_size} projects h with a weight our LSTM lacks")
    dtype = next(module.parameters()).dtype
    if dtype not in TORCH_DTYPES.values():
        raise DTypeError(f"the reference computes in float32 or float64, the module's weights are {dtype}")
    layers = []
    for k in range(module.num_layers):
        directions = [_read_direction(module, f"_l{k}{suffix}", grad)
                      for suffix in DIRECTIONS[:2 if module.bidirectional else 1]]
        layers.append(BidirectionalParams(*directions, merge_mode="concat") if module.bidirectional
                      else directions[0])
    return StackParams(layers) if len(layers) > 1 else layers[0]


def _read_direction(module, suffix, grad):
    """One layer's one direction (weight names ending in ``suffix``, e.g. "_l1_reverse") as our params."""
    def array(name):
        t = getattr(module, name + suffix)
        if grad and t.grad is None:
            raise ValueError(f"{name + suffix} has no .grad: run backward() on a loss of the module's outputs first")
        return (t.grad if grad else t).detach().cpu().numpy()

    Wx, Wh = array("weight_ih").T.copy(), array("weight_hh").T.copy()
    if module.bias:
        b_ih, b_hh = array("bias_ih").copy(), array("bias_hh").copy()
    else:
        b_ih, b_hh = np.zeros((2, Wx.shape[1]), Wx.dtype)
    if isinstance(module, nn.GRU):
        return GRUParams(Wx, Wh, b_ih, b_hh, reset_after=True)
    b = b_ih if grad else b_ih + b_hh
    if isinstance(module, nn.LSTM):
        return LSTMParams(Wx, Wh, b)
    return RNNParams(Wx, Wh, b, activation=module.nonlinearity)
