"""Chapter 3 (LSTM) in Keras and PyTorch.

The NumPy reference is :mod:`rnncourse.lstm`. Here are the same layer run
by the two frameworks on our weights, the chapter's two classic Keras
examples (an ``LSTM(128)`` binary classifier and an
``LSTM(50, activation='relu')`` regressor) and the parameter counts.
Shapes are batch-first: x is (B, T, D). Keras and PyTorch are imported
inside the functions, so importing this module is cheap.
"""
from __future__ import annotations

import numpy as np

from ..bridges import to_keras, to_torch


def keras_lstm_run(params, x):
    """Keras' ``LSTM`` layer holding ``params`` (an LSTMParams) on x
    (B, T, D).

    Keras stores kernel (D, 4H), recurrent_kernel (H, 4H) and bias (4H,)
    with the gates in our order i, f, g, o (it calls g "c").
    Returns NumPy arrays out (B, T, H), h_T (B, H), c_T (B, H).
    """
    # LSTM(H, return_sequences=True, return_state=True) with our weights
    layer = to_keras(params)
    out, h, c = layer(x)
    return np.asarray(out), np.asarray(h), np.asarray(c)


def torch_lstm_run(params, x):
    """PyTorch's ``nn.LSTM(batch_first=True)`` holding ``params`` on x.

    PyTorch stores weight_ih (4H, D) = Wx transposed, weight_hh (4H, H)
    and two biases whose sum is our b. x is (B, T, D). Returns NumPy
    arrays out (B, T, H), h_T (B, H), c_T (B, H).
    """
    import torch

    module = to_torch(params)
    with torch.no_grad():
        # h and c are (num_layers, B, H)
        out, (h, c) = module(torch.from_numpy(x))
    return out.numpy(), h[-1].numpy(), c[-1].numpy()


def lstm_param_count(D, H):
    """Parameters of one LSTM layer: four gate blocks, each with D + H
    weights and a bias per unit."""
    return 4 * H * (D + H + 1)


def torch_lstm_param_count(D, H):
    """Parameters of ``nn.LSTM(D, H)``: two bias vectors, 4H more than
    Keras."""
    import torch

    return sum(p.numel() for p in torch.nn.LSTM(D, H).parameters())


def keras_lstm_classifier(T=10, D=1, H=128):
    """The classic Keras binary classifier: LSTM(H) on (T, D) sequences,
    then Dense(1, sigmoid); binary cross-entropy, Adam, accuracy.

    Input (B, T, D), output (B, 1). Layers "lstm" and "head".
    """
    import keras

    model = keras.Sequential([
        keras.Input((T, D)),
        keras.layers.LSTM(H, name="lstm"),
        keras.layers.Dense(1, activation="sigmoid", name="head"),
    ], name="lstm_classifier")
    model.compile(loss="binary_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    return model


def keras_lstm_regressor(T=10, D=1, H=50, activation="relu"):
    """The classic Keras regressor: LSTM(H, activation) on (T, D)
    sequences, then Dense(1); Adam, mean squared error.

    ``activation`` replaces the tanh of g and of the output tanh(c); the
    gates stay sigmoid. Input (B, T, D), output (B, 1).
    Layers "lstm" and "head".
    """
    import keras

    model = keras.Sequential([
        keras.Input((T, D)),
        keras.layers.LSTM(H, activation=activation, name="lstm"),
        keras.layers.Dense(1, name="head"),
    ], name="lstm_regressor")
    model.compile(optimizer="adam", loss="mse")
    return model
