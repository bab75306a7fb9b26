"""Chapter 2 in Keras and PyTorch: BPTT by automatic differentiation, truncation, clipping.

The NumPy reference computes gradients by hand (rnncourse.rnn.rnn_backward); these
functions get the same gradients from PyTorch's autograd and TensorFlow's GradientTape,
truncate BPTT the way PyTorch code does it (detaching the state), and clip gradients
with each framework's own tools. Gradients travel as our containers (RNNParams) or as
dicts ``{name: array}``, so they can be compared with the reference directly.
"""
from __future__ import annotations

import numpy as np
from torch import nn


# ---------------------------------------------------------------- BPTT by autodiff

def torch_rnn_gradients(params, x, dout, h0=None):
    """BPTT by PyTorch autograd on ``nn.RNN`` holding ``params``'
    weights.

    params: RNNParams; x (B, T, D); dout (B, T, H), the upstream
    gradient of the outputs; h0 (B, H) or None. The loss is
    sum(out * dout), so its gradients are what rnn_backward(dout, cache)
    returns.
    Returns (dx (B, T, D), dh0 (B, H), grads: RNNParams).
    """
    import torch

    from ..bridges import from_torch, to_torch

    module = to_torch(params)
    xt = torch.tensor(x, requires_grad=True)
    if h0 is None:
        H = params.Wh.shape[0]
        h0t = torch.zeros(1, x.shape[0], H, dtype=xt.dtype)
    else:
        h0t = torch.tensor(h0[None])
    h0t.requires_grad_(True)
    out, _ = module(xt, h0t)
    (out * torch.as_tensor(dout)).sum().backward()
    grads = from_torch(module, grad=True)
    return xt.grad.numpy(), h0t.grad[0].numpy(), grads


def torch_truncated_gradients(params, x, dout, k):
    """Truncated BPTT as PyTorch code writes it: run k steps, detach the
    state, run the next k.

    params: RNNParams; x (B, T, D); dout (B, T, H); k steps per chunk.
    The gradient of a chunk's outputs stops at the chunk's first step.
    Returns (dx (B, T, D), grads: RNNParams).
    """
    import torch

    from ..bridges import from_torch, to_torch

    module = to_torch(params)
    xt = torch.tensor(x, requires_grad=True)
    h = None
    loss = 0
    for start in range(0, x.shape[1], k):
        chunk = slice(start, start + k)
        out, h = module(xt[:, chunk], h)
        loss = loss + (out * torch.as_tensor(dout[:, chunk])).sum()
        # the next chunk starts from h's value; no gradient flows back
        h = h.detach()
    loss.backward()
    return xt.grad.numpy(), from_torch(module, grad=True)


def keras_rnn_gradients(params, x, dout):
    """BPTT by TensorFlow's GradientTape on a Keras ``SimpleRNN``
    holding ``params``' weights.

    params: RNNParams; x (B, T, D); dout (B, T, H). The loss is
    sum(out * dout). Returns (dx (B, T, D), grads: RNNParams).
    """
    import tensorflow as tf

    from ..bridges import from_keras, to_keras

    layer = to_keras(params)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out, _ = layer(xt)
        loss = tf.reduce_sum(out * dout)
    dx, *dw = tape.gradient(loss, [xt, *layer.weights])
    return dx.numpy(), from_keras(layer, values=[g.numpy() for g in dw])


# ---------------------------------------------------------------- clipping

def torch_clip(grads, max_norm=None, clip_value=None):
    """Clip a dict of gradients with PyTorch: clip_grad_norm_ (global
    norm) or clip_grad_value_.

    grads: {name: array}; give exactly one of max_norm, clip_value.
    Returns the clipped gradients as {name: array}.
    """
    import torch

    if (max_norm is None) == (clip_value is None):
        raise ValueError("give exactly one of max_norm and clip_value")
    tensors = {}
    for name, g in grads.items():
        t = torch.zeros(g.shape, dtype=torch.float64,
                        requires_grad=True)
        t.grad = torch.tensor(g, dtype=torch.float64)
        tensors[name] = t
    if max_norm is not None:
        torch.nn.utils.clip_grad_norm_(tensors.values(), max_norm)
    else:
        torch.nn.utils.clip_grad_value_(tensors.values(), clip_value)
    return {name: t.grad.numpy() for name, t in tensors.items()}


def keras_clip(grads, **clipping):
    """The gradient a Keras optimizer applies once clipping is on:
    clipnorm=, global_clipnorm= or clipvalue=.

    grads: {name: array}. Plain SGD with learning rate 1 moves each zero
    weight by minus the gradient it was given after clipping, so the
    weights after one step reveal it.
    Returns the clipped gradients as {name: array}.
    """
    import keras

    variables = {name: keras.Variable(np.zeros_like(g),
                                      dtype=str(g.dtype))
                 for name, g in grads.items()}
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **clipping)
    to_tensor = keras.ops.convert_to_tensor
    optimizer.apply_gradients([(to_tensor(grads[n]), v)
                               for n, v in variables.items()])
    return {name: -keras.ops.convert_to_numpy(v)
            for name, v in variables.items()}


# ---------------------------------------------------------------- the adding problem

class LastStateRegressor(nn.Module):
    """The long-range model of chapters 2-4: a batch-first nn.RNN
    (tanh), nn.LSTM or nn.GRU over x (B, T, D), then Linear(H, 1) on
    its last hidden state: (B, 1).

    Parameters: PyTorch keeps two bias vectors, so k*H*(D + H + 2) for
    the recurrent layer (k = 1, 4, 3 for RNN, LSTM, GRU), plus H + 1 for
    the head.
    """

    def __init__(self, D, H, kind="rnn", dtype=None):
        super().__init__()
        layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
        self.rnn = layer(D, H, batch_first=True, dtype=dtype)
        self.head = nn.Linear(H, 1, dtype=dtype)

    def forward(self, x):
        out, _ = self.rnn(x)          # (B, T, H)
        return self.head(out[:, -1])  # (B, 1)


def keras_last_state_regressor(T, D, H):
    """The same model in Keras, compiled as in the chapter: Adam(1e-2)
    with global-norm clipping at 1.0.

    Parameters: SimpleRNN has one bias, so H*D + H*H + H, plus H + 1 for
    the head. The layers are named "rnn" and "head".
    """
    import keras

    model = keras.Sequential([
        keras.Input((T, D)),
        keras.layers.SimpleRNN(H, name="rnn"),
        keras.layers.Dense(1, name="head"),
    ], name="last_state_regressor")
    optimizer = keras.optimizers.Adam(learning_rate=1e-2,
                                      global_clipnorm=1.0)
    model.compile(optimizer=optimizer, loss="mse")
    return model
