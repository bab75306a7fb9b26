"""Classifying variable-length sequences of MFCC frames (chapter 6d), in NumPy, Keras and PyTorch.

A recording is x (T, 13), post-padded with zero frames to the longest one (92 frames),
with a mask (T,) true on real frames. The recurrent layer must skip the padding: with a
mask the state is carried over unchanged where the mask is false, so the last state is
the state after the recording's last real frame. Keras gets the mask from a ``Masking``
layer (a frame whose features are all 0 is padding); PyTorch gets the lengths and packs
the batch (``pack_padded_sequence``). Both compute the same numbers as the NumPy reference.
"""
from __future__ import annotations

import numpy as np

from ..cells import cell_for
from ..layers import dense_forward
from ..sequence import sequence_forward


def mean_pool(x, mask):
    """The average of the real frames: x (B, T, D), mask (B, T) bool -> (B, D)."""
    m = np.asarray(mask, dtype=x.dtype)[..., None]
    return (x * m).sum(axis=1) / m.sum(axis=1)


def nearest_centroid(x_train, y_train, x_test):
    """Baseline classifier: the class whose mean training vector is closest (Euclidean).

    x_train (N, D), y_train (N,) ints, x_test (M, D) -> predicted classes (M,).
    """
    classes = np.unique(y_train)
    centroids = np.stack([x_train[y_train == c].mean(axis=0) for c in classes])  # (C, D)
    d2 = ((x_test[:, None, :] - centroids[None]) ** 2).sum(axis=-1)              # (M, C)
    return classes[d2.argmin(axis=1)]


def confusion_matrix(y_true, y_pred, C):
    """counts (C, C): row = true class, column = predicted class."""
    cm = np.zeros((C, C), np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def numpy_classifier_forward(rnn_params, dense_params, x, mask):
    """The reference: x (B, T, D), mask (B, T) -> logits (B, C) from the state after the last real frame."""
    h_T = sequence_forward(cell_for(rnn_params), x, rnn_params, mask=mask, return_sequences=False)[0]
    return dense_forward(h_T, dense_params)[0]


def keras_classifier(T, D, C=10, units=64):
    """Keras: Masking -> GRU(units) -> Dense(C, softmax), for x (B, T, D) post-padded with zero frames."""
    import keras

    model = keras.Sequential([keras.Input((T, D)), keras.layers.Masking(mask_value=0.0),
                              keras.layers.GRU(units), keras.layers.Dense(C, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def torch_classifier(D, C=10, units=64):
    """PyTorch: x (B, T, D) post-padded with zero frames -> logits (B, C), packing the batch by length.

    The lengths come from the data, as Keras' Masking finds them: a frame whose features are all 0 is padding.
    """
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(D, units, batch_first=True)
            self.out = nn.Linear(units, C)

        def forward(self, x):
            lengths = (x != 0).any(dim=-1).sum(dim=1)                  # (B,) real frames
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, h_T = self.rnn(packed)                                   # (1, B, H): each at its own last frame
            return self.out(h_T[0])

    return Classifier()
