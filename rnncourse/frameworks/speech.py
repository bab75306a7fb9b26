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

from ..activations import softmax
from ..cells import cell_for
from ..layers import dense_forward
from ..sequence import sequence_forward


def mean_pool(x, mask):
    """The average of the real frames: x (B, T, D), mask (B, T) bool -> (B, D)."""
    m = np.asarray(mask, dtype=x.dtype)[..., None]
    return (x * m).sum(axis=1) / m.sum(axis=1)


def mean_std_pool(x, mask):
    """The mean and the standard deviation of the real frames side by side:
    x (B, T, D), mask (B, T) bool -> (B, 2D). Like :func:`mean_pool`, it ignores
    the order of the frames."""
    mean = mean_pool(x, mask)
    var = mean_pool((x - mean[:, None]) ** 2, mask)
    return np.concatenate([mean, np.sqrt(var)], axis=1)


def logistic_regression(x_train, y_train, x_test, l2=1e-3, steps=1000,
                        lr=0.5):
    """Baseline classifier: multinomial logistic regression, softmax(z W + b).

    z is x standardised with x_train's statistics; W, b minimise the mean
    cross-entropy on the training vectors plus l2/2 * |W|^2, by full-batch
    gradient descent (steps of size lr) from zeros: no randomness.
    x_train (N, D), y_train (N,) ints 0..C-1, x_test (M, D)
    -> predicted classes (M,).
    """
    x_train, x_test = np.asarray(x_train, float), np.asarray(x_test, float)
    y_train = np.asarray(y_train)
    if (x_train.ndim, x_test.ndim) != (2, 2) or \
            x_test.shape[1] != x_train.shape[1]:
        raise ValueError(f"x_train and x_test must be (N, D) and (M, D), "
                         f"got {x_train.shape} and {x_test.shape}")
    if y_train.shape != (len(x_train),) or \
            not np.issubdtype(y_train.dtype, np.integer):
        raise ValueError(f"y_train must be ({len(x_train)},) class ids, "
                         f"got {y_train.dtype} {y_train.shape}")
    mu, sd = x_train.mean(axis=0), x_train.std(axis=0) + 1e-12
    z, z_test = (x_train - mu) / sd, (x_test - mu) / sd
    C = int(y_train.max()) + 1
    Y = np.eye(C)[y_train]                                   # (N, C) one-hot
    W, b = np.zeros((z.shape[1], C)), np.zeros(C)
    for _ in range(steps):
        p = softmax(z @ W + b, axis=1)                       # (N, C)
        g = (p - Y) / len(z)                                 # d loss / d logits
        W -= lr * (z.T @ g + l2 * W)
        b -= lr * g.sum(axis=0)
    return (z_test @ W + b).argmax(axis=1)


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
    """The reference: x (B, T, D), mask (B, T) -> logits (B, C), read from
    the state after each recording's last real frame."""
    cell = cell_for(rnn_params)
    h_T = sequence_forward(cell, x, rnn_params, mask=mask,
                           return_sequences=False)[0]        # (B, H)
    return dense_forward(h_T, dense_params)[0]


def keras_classifier(T, D, C=10, units=64):
    """Keras: Masking -> GRU(units) -> Dense(C, softmax), for x (B, T, D)
    post-padded with zero frames."""
    import keras

    model = keras.Sequential([
        keras.Input((T, D), name="frames"),
        keras.layers.Masking(mask_value=0.0, name="skip_padding"),
        keras.layers.GRU(units, name="gru"),
        keras.layers.Dense(C, activation="softmax", name="digit"),
    ], name="digit_classifier")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def torch_classifier(D, C=10, units=64):
    """PyTorch: x (B, T, D) post-padded with zero frames -> logits (B, C),
    packing the batch by length.

    The lengths come from the data, as Keras' Masking finds them: a frame
    whose features are all 0 is padding.
    """
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(D, units, batch_first=True)
            self.out = nn.Linear(units, C)

        def forward(self, x):
            lengths = (x != 0).any(dim=-1).sum(dim=1)    # (B,) real frames
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                          enforce_sorted=False)
            _, h_T = self.rnn(packed)    # (1, B, H): each at its last frame
            return self.out(h_T[0])

    return Classifier()
