"""Sentiment classifiers for chapter 6a: Keras models, their PyTorch twin, and a bag-of-words baseline.

Every model reads a batch of token ids (B, T), 0 = padding, and returns one number per
review: the Keras models return the probability of "positive" (B, 1), the PyTorch module the logit (B,).

    ids (B, T) -> embedding (B, T, D) -> recurrent layer -> last state (B, H) or (B, 2H)
               -> dropout -> dense -> (B, 1)

``mask_zero=True`` makes the recurrent layers skip padded steps: the state is carried
over them unchanged, so a review reads the same with 0 or 30 pads in front of it.
PyTorch gets the same effect from a packed sequence.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

KINDS = ("rnn", "lstm", "gru", "bigru")


def keras_sentiment_model(kind="rnn", vocab_size=10000, embed_dim=32, units=32,
                          maxlen=None, dropout=0.0, mask_zero=False,
                          embeddings=None):
    """Embedding(vocab_size, embed_dim) -> SimpleRNN / LSTM / GRU /
    Bidirectional(GRU)(units) -> Dense(1, sigmoid).

    kind:       "rnn", "lstm", "gru" or "bigru" (a bidirectional GRU, its two
                last states concatenated: 2 units).
    dropout:    rate of SpatialDropout1D after the embedding (drops whole word
                vectors) and of Dropout before the dense layer; 0 leaves both
                out.
    mask_zero:  id 0 is padding, and the recurrent layer skips it.
    embeddings: an initial table (vocab_size, embed_dim), e.g. pretrained
                word vectors (rnncourse.datasets.glove_embedding), trained
                further with the rest; None starts from Keras' random table.
    The model maps ids (B, T) int32 to probabilities (B, 1). The defaults are
    the classic Keras IMDB example: Embedding(10000, 32), SimpleRNN(32),
    Dense(1, sigmoid).
    """
    import keras
    from keras import layers

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    init = "uniform" if embeddings is None else keras.initializers.Constant(
        _check_table(embeddings, vocab_size, embed_dim))
    recurrent = {
        "rnn": lambda: layers.SimpleRNN(units, name="simple_rnn"),
        "lstm": lambda: layers.LSTM(units, name="lstm"),
        "gru": lambda: layers.GRU(units, name="gru"),
        "bigru": lambda: layers.Bidirectional(layers.GRU(units, name="gru"),
                                              name="bidirectional_gru"),
    }[kind]()
    stack = [keras.Input((maxlen,), dtype="int32", name="word_ids"),
             layers.Embedding(vocab_size, embed_dim, mask_zero=mask_zero,
                              embeddings_initializer=init, name="embedding")]
    if dropout:
        stack.append(layers.SpatialDropout1D(dropout, name="word_dropout"))
    stack.append(recurrent)
    if dropout:
        stack.append(layers.Dropout(dropout, name="state_dropout"))
    stack.append(layers.Dense(1, activation="sigmoid", name="positive"))
    return keras.Sequential(stack, name=f"{kind}_sentiment")


def multi_hot(ids, vocab_size):
    """Bag of words: ids (B, T) -> (B, V) float32, 1 where a word occurs; padding (0) and <unk> (1) stay 0."""
    ids = np.asarray(ids)
    out = np.zeros((len(ids), vocab_size), dtype=np.float32)
    out[np.arange(len(ids))[:, None], ids] = 1.0
    out[:, :2] = 0.0
    return out


def keras_bow_model(vocab_size=10000):
    """Logistic regression on a bag of words: multi-hot (B, V) -> Dense(1, sigmoid) -> (B, 1). V + 1 parameters."""
    import keras

    return keras.Sequential([keras.Input((vocab_size,)), keras.layers.Dense(1, activation="sigmoid")],
                            name="bag_of_words")


class TorchSentiment(nn.Module):
    """The Keras model in PyTorch: Embedding -> RNN / LSTM / GRU
    (bidirectional for "bigru") -> Linear.

    forward: ids (B, T) int64, 0 = padding before or after the words
             -> logits (B,).
    Padded steps are skipped (a packed sequence), as Keras' mask_zero=True
    does.
    """

    def __init__(self, kind="bigru", vocab_size=10000, embed_dim=32, units=32,
                 dropout=0.0, embeddings=None):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        if embeddings is not None:
            table = _check_table(embeddings, vocab_size, embed_dim)
            with torch.no_grad():
                self.embedding.weight.copy_(torch.from_numpy(table))
        module = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU,
                  "bigru": nn.GRU}[kind]
        two = kind == "bigru"
        self.rnn = module(embed_dim, units, batch_first=True,
                          bidirectional=two)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(units * (2 if two else 1), 1)

    def forward(self, ids):
        valid = ids != 0
        lengths = valid.sum(dim=1).clamp(min=1)
        # move the words to the front of each row (post-padding), in order
        order = torch.argsort((~valid).to(torch.int8), dim=1, stable=True)
        x = self.dropout1d(self.embedding(torch.gather(ids, 1, order)))
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h = self.rnn(packed)
        h = h[0] if isinstance(h, tuple) else h      # an LSTM returns (h, c)
        # h (directions, B, H): the forward state after the last word, then
        # the backward one after the first
        h = torch.cat(list(h), dim=1)
        return self.head(self.dropout(h)).squeeze(1)

    def dropout1d(self, x):
        """Drop whole word vectors of x (B, T, D), like SpatialDropout1D."""
        if not self.training or self.dropout.p == 0:
            return x
        keep_p = 1 - self.dropout.p
        keep = torch.bernoulli(
            torch.full((x.shape[0], x.shape[1], 1), keep_p, dtype=x.dtype))
        return x * keep / keep_p


def torch_sentiment_model(kind="bigru", vocab_size=10000, embed_dim=32, units=32, dropout=0.0, embeddings=None):
    """The PyTorch twin of :func:`keras_sentiment_model` with mask_zero=True: ids (B, T) int64 -> logits (B,)."""
    return TorchSentiment(kind, vocab_size, embed_dim, units, dropout, embeddings)


def _check_table(embeddings, vocab_size, embed_dim):
    """An initial embedding table must be (vocab_size, embed_dim) floats; returned as float32."""
    table = np.asarray(embeddings)
    if table.shape != (vocab_size, embed_dim) or not np.issubdtype(table.dtype, np.floating):
        raise ValueError(f"embeddings must be a float (vocab_size, embed_dim) = ({vocab_size}, {embed_dim}) "
                         f"table, got {table.dtype} {table.shape}")
    return table.astype(np.float32)


def keras_to_torch(model, module):
    """Copy a trained Keras model's weights into the matching torch module (embedding, recurrent layer, head).

    model: keras_sentiment_model(kind, ...), module: torch_sentiment_model(kind, ...) with the same sizes.
    Goes through the NumPy reference's parameters (rnncourse.bridges), which handle gate order and layout.
    """
    from ..bridges import from_keras, to_torch

    named = {type(layer).__name__: layer for layer in model.layers}
    recurrent = next(layer for name, layer in named.items()
                     if name in ("SimpleRNN", "LSTM", "GRU", "Bidirectional"))
    rnn = to_torch(from_keras(recurrent))
    W, b = named["Dense"].get_weights()
    with torch.no_grad():
        module.embedding.weight.copy_(torch.from_numpy(named["Embedding"].get_weights()[0]))
        module.rnn.load_state_dict(rnn.state_dict())
        module.head.weight.copy_(torch.from_numpy(W.T))
        module.head.bias.copy_(torch.from_numpy(b))
    return module
