"""Our weights in Keras' ``SimpleRNN``, ``LSTM``, ``GRU`` and ``Bidirectional`` layers, and back.

Keras uses our row-vector layout: a cell's ``kernel`` is Wx (D, G·H), its
``recurrent_kernel`` is Wh (H, G·H), its ``bias`` is b. The differences:

- Keras' GRU orders its gates z, r, h where we (and PyTorch) use r, z, n, so the
  first two H-wide blocks swap places.
- Keras' reset-after GRU (its default) keeps both biases in one (2, 3H) array,
  [input bias, recurrent bias] = [b, bh]; with reset_after=False the bias is (3H,).
- The LSTM's order i, f, c, o is ours, i, f, g, o.

A ``Bidirectional`` layer runs a copy of the layer with go_backwards=True, which
reads the sequence from its end and returns its outputs in that order; the
wrapper flips them back before merging, so its outputs line up with ours.
"""
from __future__ import annotations

import keras
import numpy as np

from ..bidirectional import BidirectionalParams
from ..checks import DTypeError
from ..gru import GRUParams
from ..lstm import LSTMParams
from ..rnn import RNNParams
from ..stack import StackParams

CELLS = ((RNNParams, keras.layers.SimpleRNNCell), (LSTMParams, keras.layers.LSTMCell),
         (GRUParams, keras.layers.GRUCell))
DTYPES = ("float32", "float64")


def to_keras(params):
    """Keras layers holding ``params``' weights, built, with return_sequences=True and return_state=True.

    params: RNNParams -> SimpleRNN(activation=params.activation); LSTMParams -> LSTM;
            GRUParams -> GRU(reset_after=params.reset_after); BidirectionalParams ->
            Bidirectional(merge_mode=params.merge_mode); StackParams -> a list of
            these layers, one per layer, to call one after the other.
    The layers compute in the parameters' dtype (float32 or float64). Called on x
    (B, T, D) a layer returns [out (B, T, H), *final states] (an LSTM's are h, c),
    a Bidirectional [merged out, *forward states, *backward states], or with
    merge_mode None [forward out, backward out, *states].
    """
    if isinstance(params, StackParams):
        return [to_keras(p) for p in params.layers]
    if isinstance(params, BidirectionalParams):
        layer = keras.layers.Bidirectional(_keras_rnn(params.forward), merge_mode=params.merge_mode,
                                           backward_layer=_keras_rnn(params.backward, go_backwards=True),
                                           dtype=params.forward.dtype.name)
        layer.build((None, None, params.forward.Wx.shape[0]))
        layer.forward_layer.set_weights(_keras_weights(params.forward))
        layer.backward_layer.set_weights(_keras_weights(params.backward))
        return layer
    layer = _keras_rnn(params)
    layer.build((None, None, params.Wx.shape[0]))
    layer.set_weights(_keras_weights(params))
    return layer


def _keras_rnn(p, go_backwards=False):
    """An unbuilt Keras layer of ``p``'s kind, size and dtype."""
    if not isinstance(p, (RNNParams, LSTMParams, GRUParams)):
        raise TypeError("to_keras takes RNNParams, LSTMParams, GRUParams, BidirectionalParams or StackParams, "
                        f"got {type(p).__name__}")
    common = dict(return_sequences=True, return_state=True, go_backwards=go_backwards, dtype=p.dtype.name)
    H = p.Wh.shape[0]
    if isinstance(p, RNNParams):
        return keras.layers.SimpleRNN(H, activation=p.activation, **common)
    if isinstance(p, LSTMParams):
        return keras.layers.LSTM(H, **common)
    return keras.layers.GRU(H, reset_after=bool(p.reset_after), **common)


def _swap_rz(a):
    """Swap the first two H-wide gate blocks of the last axis: r, z, n <-> z, r, h (its own inverse)."""
    r, z, n = np.split(a, 3, axis=-1)
    return np.concatenate([z, r, n], axis=-1)


def _keras_weights(p):
    """[kernel, recurrent_kernel, bias] of the Keras cell equal to our ``p``."""
    if not isinstance(p, GRUParams):
        return [p.Wx, p.Wh, p.b]
    bias = np.stack([p.b, p.bh]) if p.reset_after else p.b
    return [_swap_rz(p.Wx), _swap_rz(p.Wh), _swap_rz(bias)]


def from_keras(layer, values=None):
    """The weights of built Keras recurrent layers as our parameters: the inverse of to_keras.

    layer:  a SimpleRNN / LSTM / GRU (or keras.layers.RNN of such a cell); a
            Bidirectional of one -> BidirectionalParams; a list of them or a
            keras.Sequential of them -> StackParams.
    values: arrays to read in place of the weights, one per entry of ``layer.weights``
            (for a list or a Sequential, each layer's weights in turn), e.g. the
            gradients ``tape.gradient(loss, layer.weights)``: they come back in our
            layout, as the gradients with respect to our parameters.
    Returns copies in float32 or float64, like the layer.
    """
    variables = _keras_variables(layer)
    if values is None:
        values = [keras.ops.convert_to_numpy(v) for v in variables]
    values = list(values)
    if len(values) != len(variables):
        raise ValueError(f"values must hold one array per weight of the layer, {len(variables)}, got {len(values)}")
    if any(v is None for v in values):
        raise ValueError("values holds None: a weight the loss did not depend on (did the tape watch the call?)")
    arrays = {id(v): np.array(a) for v, a in zip(variables, values)}
    return _read(layer, lambda v: arrays[id(v)])


def _recurrent_layers(layer):
    """The layers a list, tuple or Sequential holds (without its InputLayer), or None for one layer."""
    if isinstance(layer, (list, tuple)):
        return list(layer)
    if isinstance(layer, keras.Sequential):
        return [l for l in layer.layers if not isinstance(l, keras.layers.InputLayer)]
    return None


def _keras_variables(layer):
    """The variables from_keras reads, in the order its ``values`` argument follows."""
    layers = _recurrent_layers(layer)
    if layers is not None:
        return [v for l in layers for v in _keras_variables(l)]
    if not isinstance(layer, keras.layers.Layer):
        raise TypeError(f"from_keras reads Keras layers, got {type(layer).__name__}")
    if not layer.built:
        raise ValueError(f"Keras layer {layer.name!r} is not built and has no weights yet: "
                         "call it on an input or build((None, None, D)) first")
    return list(layer.weights)


def _read(layer, get):
    """Our parameters of ``layer``, with ``get(variable)`` giving each weight's array."""
    layers = _recurrent_layers(layer)
    if layers is not None:
        if not layers:
            raise ValueError("from_keras needs at least one recurrent layer, got none")
        return StackParams([_read(l, get) for l in layers])
    if isinstance(layer, keras.layers.Bidirectional):
        if layer.forward_layer.go_backwards:
            raise ValueError(f"Bidirectional {layer.name!r} has a forward layer with go_backwards=True")
        return BidirectionalParams(_read_cell(layer.forward_layer, get), _read_cell(layer.backward_layer, get),
                                   merge_mode=layer.merge_mode)
    return _read_cell(layer, get)


def _read_cell(layer, get):
    """One SimpleRNN / LSTM / GRU layer as RNNParams / LSTMParams / GRUParams."""
    cell = getattr(layer, "cell", None)
    kind = next((ours for ours, theirs in CELLS if isinstance(cell, theirs)), None)
    if kind is None:
        raise TypeError(f"from_keras reads SimpleRNN, LSTM, GRU and Bidirectional layers (or lists of them), "
                        f"got {type(layer).__name__} {layer.name!r}")
    _check_layer_dtype(layer)
    _check_activations(layer, kind)
    Wx, Wh = get(cell.kernel), get(cell.recurrent_kernel)
    bias_shape = (2, Wx.shape[1]) if kind is GRUParams and cell.reset_after else (Wx.shape[1],)
    bias = get(cell.bias) if cell.use_bias else np.zeros(bias_shape, Wx.dtype)
    if kind is RNNParams:
        return RNNParams(Wx, Wh, bias, activation=cell.activation.__name__)
    if kind is LSTMParams:
        return LSTMParams(Wx, Wh, bias)
    b, bh = (bias[0], bias[1]) if cell.reset_after else (bias, None)
    return GRUParams(_swap_rz(Wx), _swap_rz(Wh), _swap_rz(b), None if bh is None else _swap_rz(bh),
                     reset_after=bool(cell.reset_after))


def _check_layer_dtype(layer):
    variable, compute = layer.variable_dtype, layer.compute_dtype
    if variable not in DTYPES or compute != variable:
        raise DTypeError(f"the reference computes in float32 or float64 throughout; Keras layer {layer.name!r} "
                         f"keeps {variable} weights and computes in {compute}")


def _check_activations(layer, kind):
    """Our cells use tanh (or relu for the RNN) and sigmoid gates, as Keras does by default."""
    cell = layer.cell
    allowed = ("tanh", "relu") if kind is RNNParams else ("tanh",)
    name = cell.activation.__name__
    if name not in allowed:
        raise ValueError(f"{type(layer).__name__} {layer.name!r} uses activation {name!r}; "
                         f"ours is {' or '.join(allowed)}")
    gate = getattr(cell, "recurrent_activation", None)
    if gate is not None and gate.__name__ != "sigmoid":
        raise ValueError(f"{type(layer).__name__} {layer.name!r} uses recurrent_activation "
                         f"{gate.__name__!r}; our gates use 'sigmoid'")
