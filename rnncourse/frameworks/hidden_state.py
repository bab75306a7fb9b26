"""Chapter 1, sequences and the hidden state: the vanilla RNN in Keras and PyTorch.

The models are those of the classic Keras SimpleRNN examples: a SimpleRNN layer
followed by one dense unit,

    x (B, T, D) -> SimpleRNN(H) -> h_T (B, H)    -> Dense(1) -> (B, 1)     many-to-one
    x (B, T, D) -> SimpleRNN(H) -> h   (B, T, H) -> Dense(1) -> (B, T, 1)  many-to-many

built in Keras (``keras_rnn_model``) and PyTorch (``TorchRNNModel``). Both can take the
weights of the NumPy reference's ``SequenceModelParams``, so all three start from the same
numbers; ``keras_rnn_forward`` and ``torch_rnn_forward`` run one ``RNNParams`` through the
bridges to compare the layers alone.
"""
from __future__ import annotations

import keras
import numpy as np
import torch
from torch import nn

from ..bridges import to_keras, to_torch


def rnn_param_count(D, H):
    """Parameters of one vanilla RNN layer.

    Wx (D, H) + Wh (H, H) + b (H,) = H (D + H + 1).
    """
    return H * (D + H + 1)


def keras_rnn_model(T, D, H, activation="tanh", many_to_many=False,
                    output_activation=None, dtype="float32",
                    name="rnn_model"):
    """Sequential([Input((T, D)), SimpleRNN(H), Dense(1)]), uncompiled.

    x (B, T, D) -> (B, 1), or (B, T, 1) when many_to_many (the Dense
    acts on every h_t). output_activation="sigmoid" makes a classifier,
    None a regressor. The layers are named "rnn" and "head".
    """
    return keras.Sequential([
        keras.Input((T, D), dtype=dtype),
        keras.layers.SimpleRNN(H, activation=activation, dtype=dtype,
                               return_sequences=many_to_many,
                               name="rnn"),
        keras.layers.Dense(1, activation=output_activation, dtype=dtype,
                           name="head"),
    ], name=name)


def keras_load_reference(model, params):
    """Copy a SequenceModelParams into keras_rnn_model's layers.

    params.recurrent: RNNParams, params.head: DenseParams. Keras
    stores the weights in our layout: kernel = Wx (D, H),
    recurrent_kernel = Wh (H, H).
    """
    rnn, dense = model.layers
    p = params.recurrent
    rnn.set_weights([p.Wx, p.Wh, p.b])
    dense.set_weights([params.head.W, params.head.b])
    return model


class TorchRNNModel(nn.Module):
    """nn.RNN(D, H) followed by nn.Linear(H, 1), batch-first.

    x (B, T, D) -> scores (B, 1), or (B, T, 1) when many_to_many. The
    scores are logits for a classifier: the sigmoid lives in the loss
    (nn.BCEWithLogitsLoss).
    """

    def __init__(self, D, H, nonlinearity="tanh", many_to_many=False,
                 dtype=torch.float32):
        super().__init__()
        self.rnn = nn.RNN(D, H, nonlinearity=nonlinearity,
                          batch_first=True, dtype=dtype)
        self.head = nn.Linear(H, 1, dtype=dtype)
        self.many_to_many = many_to_many

    def forward(self, x):
        # out (B, T, H): every h_t; h_n (1, B, H): the last one
        out, h_n = self.rnn(x)
        return self.head(out if self.many_to_many else h_n[-1])

    @classmethod
    def from_reference(cls, params, many_to_many=False):
        """The same model holding a SequenceModelParams' weights.

        nn.Linear keeps W transposed, (1, H).
        """
        p = params.recurrent
        if p.Wx.dtype == np.float64:
            dtype = torch.float64
        else:
            dtype = torch.float32
        model = cls(p.Wx.shape[0], p.Wh.shape[0], p.activation,
                    many_to_many, dtype=dtype)
        model.rnn = to_torch(p)
        W, b = params.head.W, params.head.b
        with torch.no_grad():
            model.head.weight.copy_(torch.from_numpy(W.T.copy()))
            model.head.bias.copy_(torch.from_numpy(b))
        return model


def keras_rnn_forward(params, x):
    """RNNParams' weights in a Keras SimpleRNN.

    x (B, T, D) -> (out (B, T, H), h_T (B, H)).
    """
    layer = to_keras(params)  # return_sequences, return_state: True
    out, h_T = layer(x)
    to_numpy = keras.ops.convert_to_numpy
    return to_numpy(out), to_numpy(h_T)


def torch_rnn_forward(params, x):
    """RNNParams' weights in a torch nn.RNN.

    x (B, T, D) -> (out (B, T, H), h_T (B, H)).
    """
    module = to_torch(params)
    with torch.no_grad():
        out, h_n = module(torch.from_numpy(x))
    return out.numpy(), h_n[-1].numpy()
