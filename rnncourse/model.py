"""A small NumPy sequence model, and a training loop that fits on one
screen.

    [embedding] -> recurrent layer -> dense head

The recurrent layer is any of the reference's: RNNParams, LSTMParams,
GRUParams, BidirectionalParams or StackParams. The head reads the last
hidden state (many-to-one) or every hidden state (many-to-many,
time-distributed) and returns scores: logits for classification, values for
regression; the loss function decides which (e.g.
``losses.binary_cross_entropy_with_logits`` or ``losses.mse``). This is the
same model as a Keras ``Sequential([Embedding, SimpleRNN, Dense])``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clip import clip_by_global_norm
from .layers import (DenseParams, EmbeddingParams, dense_backward,
                     dense_forward, embedding_backward, embedding_forward)
from .params import Params
from .stack import layer_backward, layer_forward
from .training import current_seed, format_epoch, minibatches, should_log


@dataclass
class SequenceModelParams(Params):
    """recurrent: a recurrent layer's parameters; head: DenseParams;
    embedding: EmbeddingParams or None."""
    recurrent: Params
    head: DenseParams
    embedding: EmbeddingParams | None = None


def model_forward(x, params, many_to_many=False, mask=None):
    """x: (B, T, D) floats, or (B, T) token ids when the model has an
    embedding.

    Returns (scores, cache): scores (B, M), or (B, T, M) when many_to_many.
    """
    cache = {}
    if params.embedding is not None:
        x, cache["embedding"] = embedding_forward(x, params.embedding)
    h, _, cache["recurrent"] = layer_forward(x, params.recurrent, mask=mask,
                                             return_sequences=many_to_many)
    scores, cache["head"] = dense_forward(h, params.head)
    return scores, cache


def model_backward(dscores, cache, truncate=None):
    """dscores shaped like the scores -> grads: SequenceModelParams."""
    dh, head = dense_backward(dscores, cache["head"])
    dx, _, recurrent = layer_backward(dh, cache["recurrent"],
                                      truncate=truncate)
    embedding = (embedding_backward(dx, cache["embedding"])
                 if "embedding" in cache else None)
    return SequenceModelParams(recurrent, head, embedding)


def fit(params, x, y, loss, optimizer, epochs, batch_size=32,
        validation_data=None, metric=None, many_to_many=False,
        clip_norm=None, truncate=None, every=1, seed=None):
    """Minibatch training of a SequenceModelParams in place; prints one line
    per ``every`` epochs.

    loss:   a function of rnncourse.losses,
            loss(scores, y) -> (value, dscores).
    metric: optional (name, fn(scores, y) -> float), e.g. accuracy.
    clip_norm: clip the gradients' global norm before each step
               (rnncourse.clip).
    seed:   the minibatch order; by default the seed of the last
            ``rnncourse.training.set_seeds``.
    Returns the history, a dict of per-epoch lists like Keras'
    ``History.history``.
    """
    rng = np.random.default_rng(current_seed() if seed is None else seed)
    history = {}

    def evaluate(xe, ye, prefix):
        scores, _ = model_forward(xe, params, many_to_many)
        out = {prefix + "loss": float(loss(scores, ye)[0])}
        if metric is not None:
            out[prefix + metric[0]] = float(metric[1](scores, ye))
        return out

    for epoch in range(1, epochs + 1):
        total = 0.0
        for idx in minibatches(len(x), batch_size, rng):
            scores, cache = model_forward(x[idx], params, many_to_many)
            value, dscores = loss(scores, y[idx])
            grads = model_backward(dscores, cache, truncate)
            if clip_norm is not None:
                grads, _ = clip_by_global_norm(grads, clip_norm)
            optimizer.step(params, grads)
            total += value * len(idx)
        logs = {"loss": total / len(x)}
        if metric is not None:
            logs.update({k: v for k, v in evaluate(x, y, "").items()
                         if k != "loss"})
        if validation_data is not None:
            logs.update(evaluate(*validation_data, "val_"))
        for k, v in logs.items():
            history.setdefault(k, []).append(v)
        if should_log(epoch, epochs, every):
            print(format_epoch(epoch, epochs, logs))
    return history


def binary_accuracy(scores, y):
    """Fraction of logits on the right side of 0 for 0/1 targets."""
    return float(np.mean((scores > 0) == (y > 0.5)))
