"""Many-to-one regressors for time-series forecasting (chapter 6b), in NumPy, Keras and PyTorch.

A window x (B, T, D) of the past goes through one recurrent layer; its last hidden state
h_T (B, H) goes through a dense layer to one number, the next value of the target.
The models are the classic Keras regressors ``SimpleRNN(50, activation="relu")``
and ``LSTM(50)``, plus a GRU, each followed by ``Dense(1)`` and trained with the mean squared error.
"""
from __future__ import annotations

import numpy as np

from ..cells import cell_for
from ..layers import dense_forward
from ..sequence import sequence_forward

KINDS = ("rnn", "lstm", "gru")


def naive_forecast(x, target=0):
    """The "tomorrow equals today" baseline: x (B, T, D) -> the last value of column ``target`` (B,)."""
    return np.asarray(x)[:, -1, target]


def mae(pred, y):
    """Mean absolute error of two arrays of the same shape (a float, in the units of y)."""
    pred, y = np.asarray(pred, dtype=float), np.asarray(y, dtype=float)
    if pred.shape != y.shape:
        raise ValueError(f"pred and y must have one shape, got {pred.shape} and {y.shape}")
    return float(np.mean(np.abs(pred - y)))


def numpy_regressor_forward(rnn_params, dense_params, x):
    """The reference regressor: x (B, T, D) -> prediction (B,).

    rnn_params:   RNNParams, LSTMParams or GRUParams (D -> H);
    dense_params: DenseParams (H -> 1).
    """
    cell = cell_for(rnn_params)
    h_T = sequence_forward(cell, x, rnn_params, return_sequences=False)[0]
    return dense_forward(h_T, dense_params)[0][:, 0]         # (B, H) -> (B,)


def keras_regressor(kind, T, D, units=50, activation="tanh"):
    """Keras: Input (T, D) -> SimpleRNN / LSTM / GRU(units) -> Dense(1),
    compiled with Adam and the mean squared error.

    kind: "rnn", "lstm" or "gru". The classic Keras vanilla RNN regressor is
    ``keras_regressor("rnn", T, D, activation="relu")``.
    """
    import keras

    layer = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM,
             "gru": keras.layers.GRU}[kind]
    model = keras.Sequential([
        keras.Input((T, D), name="window"),
        layer(units, activation=activation, name=kind),
        keras.layers.Dense(1, name="forecast"),
    ], name=f"{kind}_regressor")
    model.compile(optimizer="adam", loss="mse")
    return model


def torch_regressor(kind, D, units=50, nonlinearity="tanh"):
    """PyTorch: the same model as a module mapping x (B, T, D) to (B,).

    ``nonlinearity`` applies to the vanilla RNN only: PyTorch's LSTM and
    GRU are always tanh.
    """
    from torch import nn

    class Regressor(nn.Module):
        def __init__(self):
            super().__init__()
            extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
            module = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
            self.rnn = module(D, units, batch_first=True, **extra)
            self.out = nn.Linear(units, 1)

        def forward(self, x):
            hs, _ = self.rnn(x)                  # (B, T, H)
            return self.out(hs[:, -1])[:, 0]     # the last state -> (B,)

    return Regressor()
