"""Chapter 4 (GRU): the chapter's models in Keras and PyTorch.

- The adding-problem regressor in Keras (GRU, both formulations, and
  LSTM); the PyTorch one is chapter 2's LastStateRegressor
  (rnncourse.frameworks.bptt), which builds every cell.
- The multi-layer bidirectional GRU, the Keras counterpart of
  ``nn.GRU(num_layers=2, bidirectional=True, batch_first=True)``.

Keras is imported inside the Keras functions: importing this module for
PyTorch alone does not start TensorFlow.
"""
from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from ..training import torch_fit


def keras_gru_regressor(D, H, reset_after=True):
    """GRU(H) over x (B, T, D), Dense(1) on its last hidden state: (B, 1).

    reset_after=True is Keras' default (and PyTorch's only GRU); False is
    Cho et al.'s form. Layers "gru" and "head".
    """
    import keras
    return keras.Sequential([
        keras.Input((None, D)),
        keras.layers.GRU(H, reset_after=reset_after, name="gru"),
        keras.layers.Dense(1, name="head"),
    ], name="gru_regressor")


def keras_lstm_regressor(D, H):
    """LSTM(H) over x (B, T, D), Dense(1) on its last hidden state:
    (B, 1).

    Layers "lstm" and "head".
    """
    import keras
    return keras.Sequential([
        keras.Input((None, D)),
        keras.layers.LSTM(H, name="lstm"),
        keras.layers.Dense(1, name="head"),
    ], name="lstm_regressor")


def fit_adding(model, train, test, lr, epochs=20, batch_size=64,
               clip_norm=1.0, every=2, seed=None):
    """The long-range setup of chapters 2-4: Adam(lr), MSE, global-norm
    clipping, shuffled batches.

    train, test: (x (N, T, 2), y (N, 1)) float32 arrays from
    rnncourse.tasks.adding_problem. Returns (history, wall, cpu):
    per-epoch "loss" and "val_loss" (the test MSE), and the wall-clock
    and CPU seconds of an average epoch (training plus evaluating the
    test set).
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    wall, cpu = time.perf_counter(), time.process_time()
    history = torch_fit(model, nn.functional.mse_loss, optimizer, *train,
                        epochs=epochs, batch_size=batch_size,
                        validation_data=test, every=every, seed=seed,
                        clip_norm=clip_norm)
    wall = (time.perf_counter() - wall) / epochs
    cpu = (time.process_time() - cpu) / epochs
    return history, wall, cpu


def keras_stacked_bigru(D, H, num_layers=2):
    """num_layers Bidirectional(GRU(H)) layers over x (B, T, D):
    out (B, T, 2H).

    Every layer returns its whole sequence, so the layer above reads the
    concatenated forward and backward states, as in PyTorch's multi-layer
    bidirectional GRU. Layers "bigru_1", "bigru_2", ...
    """
    import keras
    layers = [keras.layers.Bidirectional(
                  keras.layers.GRU(H, return_sequences=True, name="gru"),
                  name=f"bigru_{l}")
              for l in range(1, num_layers + 1)]
    return keras.Sequential([keras.Input((None, D)), *layers],
                            name="stacked_bigru")


def torch_stacked_bigru(D, H, num_layers=2):
    """nn.GRU over x (B, T, D) with num_layers bidirectional layers:
    module(x)[0] is (B, T, 2H)."""
    return nn.GRU(D, H, num_layers=num_layers, bidirectional=True,
                  batch_first=True)


def gate_values(x, params, h0=None):
    """The reset and update gates of a NumPy GRU over x (B, T, D):
    (r, z), each (B, T, H).

    params: GRUParams, e.g. from_torch(model.rnn) after training in
    PyTorch.
    """
    from ..gru import gru_forward
    _, _, cache = gru_forward(x, params, h0)
    r = np.stack([step.r for step in cache.steps], axis=1)
    z = np.stack([step.z for step in cache.steps], axis=1)
    return r, z
