"""Chapter 5 in Keras and PyTorch: bidirectional and stacked layers, attention.

Recurrent layers: a tagger that reads x (B, T, D) and predicts one value per
step, (B, T, out), with ``num_layers`` GRU layers, each maybe bidirectional.

Attention over encoder outputs hs (B, T, H) for one query s (B, Hq), as in
:mod:`rnncourse.attention`: functions return (context (B, H), weights (B, T)).

- Keras: ``keras.layers.Attention`` is the dot score (its ``use_scale`` is a
  learned scalar, not 1/sqrt(H)); ``keras.layers.AdditiveAttention`` is
  v . tanh(q + k) with no projections, so Bahdanau's Wq and Wk are two Dense
  layers in front of it.
- PyTorch has no additive attention module: :class:`BahdanauAttention` writes
  it from the equations; :func:`torch_dot_attention` is the dot score.

Keras and PyTorch are imported inside the functions, so importing this module
is cheap.
"""
from __future__ import annotations

import numpy as np


# ------------------------------------------------------------ recurrent layers

def keras_gru_tagger(D, H, out=1, bidirectional=False, num_layers=1,
                     merge_mode="concat"):
    """Keras: num_layers GRU(H) layers (optionally Bidirectional), then a
    Dense(out) on every step: x (B, T, D) -> (B, T, out).

    Every recurrent layer returns its whole sequence (return_sequences=True):
    the next layer, and the Dense head, need one vector per step.
    """
    import keras

    kind = "bigru" if bidirectional else "gru"
    model = keras.Sequential([keras.Input((None, D))], name=f"{kind}_tagger")
    for i in range(1, num_layers + 1):
        gru = keras.layers.GRU(H, return_sequences=True, name=f"gru_{i}")
        if bidirectional:
            gru = keras.layers.Bidirectional(gru, merge_mode=merge_mode,
                                             name=f"bigru_{i}")
        model.add(gru)
    model.add(keras.layers.Dense(out, name="head"))
    return model


def make_torch_gru_tagger(D, H, out=1, bidirectional=False, num_layers=1):
    """PyTorch: the same tagger, one nn.GRU of num_layers layers and a Linear.

    PyTorch's bidirectional GRU always concatenates the two directions.
    """
    from torch import nn

    class GRUTagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(D, H, num_layers=num_layers, batch_first=True,
                              bidirectional=bidirectional)
            self.head = nn.Linear(2 * H if bidirectional else H, out)

        def forward(self, x):                # x (B, T, D)
            out, _ = self.rnn(x)             # (B, T, H) or (B, T, 2H)
            return self.head(out)            # (B, T, out)

    return GRUTagger()


def gru_tagger_count(D, H, out=1, bidirectional=False, num_layers=1):
    """Parameters of the tagger: per direction and layer 3H(D_l + H) weights
    and 2 x 3H biases.

    Keras' reset-after GRU and PyTorch's GRU both keep two bias vectors. D_l is
    D for the first layer and the previous layer's output width (H, or 2H when
    bidirectional) above.
    """
    k = 2 if bidirectional else 1
    total, width = 0, D
    for _ in range(num_layers):
        total += k * (3 * H * (width + H) + 2 * 3 * H)
        width = k * H
    return total + width * out + out


# ---------------------------------------------------------- attention: PyTorch

def make_bahdanau_attention(Hq, H, A):
    """PyTorch module for additive attention: e_t = v . tanh(s Wq + h_t Wk).

    module(s (B, Hq), hs (B, T, H), mask (B, T) bool or None)
    -> (context (B, H), weights (B, T)). Linear layers without bias hold
    Wq^T, Wk^T and v (PyTorch stores (out, in)).
    """
    import torch
    from torch import nn

    class BahdanauAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.Wq = nn.Linear(Hq, A, bias=False)
            self.Wk = nn.Linear(H, A, bias=False)
            self.v = nn.Linear(A, 1, bias=False)

        def forward(self, s, hs, mask=None):
            a = torch.tanh(self.Wq(s)[:, None, :] + self.Wk(hs))  # (B, T, A)
            scores = self.v(a)[..., 0]                           # (B, T)
            return attend_torch(scores, hs, mask)

    return BahdanauAttention()


def attend_torch(scores, hs, mask=None):
    """Softmax over the valid positions, then the weighted average of hs.

    scores (B, T), hs (B, T, H) -> (context (B, H), weights (B, T)).
    """
    import torch

    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=1)
    return torch.einsum("bt,bth->bh", weights, hs), weights


def torch_dot_attention(s, hs, mask=None, scale=False):
    """Luong's dot score s . h_t (over sqrt(H) if scale).

    s (B, H), hs (B, T, H) -> (context (B, H), weights (B, T)).
    """
    scores = (hs @ s[:, :, None])[..., 0]                    # (B, T)
    if scale:
        scores = scores / hs.shape[-1] ** 0.5
    return attend_torch(scores, hs, mask)


def bahdanau_to_torch(params):
    """A BahdanauAttention module holding an AdditiveAttentionParams' Wq, Wk
    and v (same dtype)."""
    import torch

    Hq, A = params.Wq.shape
    dtype = torch.from_numpy(params.Wq).dtype
    module = make_bahdanau_attention(Hq, params.Wk.shape[0], A).to(dtype)
    with torch.no_grad():
        module.Wq.weight.copy_(torch.from_numpy(params.Wq.T.copy()))
        module.Wk.weight.copy_(torch.from_numpy(params.Wk.T.copy()))
        module.v.weight.copy_(torch.from_numpy(params.v[None, :].copy()))
    return module


# ------------------------------------------------------------ attention: Keras

def keras_dot_attention(s, hs, mask=None):
    """keras.layers.Attention (dot score, no scale) for one query s (B, H) over
    hs (B, T, H).

    Keras attends with a query *sequence* (B, Tq, H); ours is one step, Tq = 1.
    """
    import keras

    layer = keras.layers.Attention(use_scale=False, dtype=hs.dtype.name)
    context, weights = layer([s[:, None, :], hs], mask=[None, mask],
                             return_attention_scores=True)
    to_numpy = keras.ops.convert_to_numpy
    return to_numpy(context)[:, 0], to_numpy(weights)[:, 0]


def make_keras_bahdanau_attention(A, dtype="float32"):
    """Keras layer for additive attention: Dense(A) projections of s and hs,
    then AdditiveAttention.

    AdditiveAttention(use_scale=True) scores sum(scale * tanh(q + k)); with
    q = s Wq, k = h_t Wk and scale = v that is Bahdanau's
    v . tanh(s Wq + h_t Wk), and the values it averages are the unprojected
    hs. Called as layer(s, hs, mask) -> (context, weights).
    """
    import keras

    class KerasBahdanauAttention(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(dtype=dtype, **kwargs)
            dense = dict(use_bias=False, dtype=dtype)
            self.Wq = keras.layers.Dense(A, name="Wq", **dense)
            self.Wk = keras.layers.Dense(A, name="Wk", **dense)
            self.score = keras.layers.AdditiveAttention(
                use_scale=True, dtype=dtype, name="additive_score")

        def call(self, s, hs, mask=None):
            q, k = self.Wq(s[:, None, :]), self.Wk(hs)    # (B, 1, A), (B, T, A)
            context, weights = self.score([q, hs, k], mask=[None, mask],
                                          return_attention_scores=True)
            return context[:, 0], weights[:, 0]          # (B, H), (B, T)

    return KerasBahdanauAttention(name="bahdanau_attention")


def bahdanau_to_keras(params):
    """A built KerasBahdanauAttention holding an AdditiveAttentionParams' Wq,
    Wk and v."""
    Hq, A = params.Wq.shape
    H = params.Wk.shape[0]
    dtype = params.Wq.dtype
    layer = make_keras_bahdanau_attention(A, dtype=dtype.name)
    layer(np.zeros((1, Hq), dtype), np.zeros((1, 2, H), dtype))  # builds it
    layer.Wq.kernel.assign(params.Wq)
    layer.Wk.kernel.assign(params.Wk)
    layer.score.scale.assign(params.v)
    return layer
