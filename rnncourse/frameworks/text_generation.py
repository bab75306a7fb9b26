"""Character-level language models and sampling with a temperature (chapter 6c).

Training is many-to-many with teacher forcing: the input is a name with a start mark,
".emma", the target the same name shifted by one, "emma.", and the loss is the
cross-entropy of every next character. Generation is one-to-many: feed the start mark,
draw a character from softmax(logits / temperature), feed it back, until the end mark.
The models read one-hot characters (D = V), so a trained PyTorch or Keras layer moves into
the NumPy reference with the bridges, and the NumPy sampler below generates with it.
"""
from __future__ import annotations

import numpy as np

from ..activations import softmax
from ..datasets import one_hot
from ..gru import GRUParams, gru_step_forward
from ..layers import dense_forward
from ..lstm import LSTMParams, lstm_step_forward
from ..rnn import RNNParams, rnn_step_forward

STEPS = {RNNParams: rnn_step_forward, LSTMParams: lstm_step_forward, GRUParams: gru_step_forward}


def encode_names(names, vocab, mark="."):
    """Teacher-forcing pairs: inputs ".name" and targets "name." as ids, post-padded.

    Returns x (N, T) int64 (padding 0) and y (N, T) int64 (padding -100, PyTorch's
    ignore_index), T = the longest name + 1.
    """
    T = max(len(n) for n in names) + 1
    x = np.zeros((len(names), T), np.int64)
    y = np.full((len(names), T), -100, np.int64)
    for i, name in enumerate(names):
        ids = vocab.encode(mark + name + mark)
        x[i, :len(ids) - 1], y[i, :len(ids) - 1] = ids[:-1], ids[1:]
    return x, y


def softmax_with_temperature(logits, temperature=1.0):
    """logits (..., V) -> softmax(logits / temperature) (..., V).

    temperature > 0: below 1 it sharpens the distribution, above 1 it
    flattens it.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    return softmax(np.asarray(logits) / temperature, axis=-1)


def sample(rnn_params, dense_params, start, end, n, temperature=1.0,
           max_len=20, rng=None):
    """Generate n sequences with the NumPy reference, one step at a time.

    rnn_params:   RNNParams, LSTMParams or GRUParams reading one-hot inputs
                  (D = V);
    dense_params: DenseParams (H -> V) giving the logits of the next token.
    start, end:   the ids of the start and end marks; generation stops at
                  ``end`` or after max_len tokens.
    Returns a list of n lists of ids, without the marks.
    """
    rng = np.random.default_rng(rng)
    step, V = STEPS[type(rnn_params)], dense_params.W.shape[1]
    ids = np.full(n, start)              # (n,) the last token of each row
    state, out = None, np.zeros((n, max_len), np.int64)
    for t in range(max_len):
        x = one_hot(ids, V, dtype=rnn_params.Wx.dtype)           # (n, V)
        state, _ = step(x, state, rnn_params)  # h (n, H); (h, c) for LSTM
        h = state[0] if isinstance(state, tuple) else state
        logits = dense_forward(h, dense_params)[0]               # (n, V)
        p = softmax_with_temperature(logits, temperature)
        u = rng.random((n, 1))           # one uniform number per row
        ids = (p.cumsum(axis=1) < u).sum(axis=1).clip(max=V - 1)
        out[:, t] = ids
    seqs = []
    for row in out:
        stop = np.flatnonzero(row == end)
        seqs.append(row[:stop[0]].tolist() if stop.size else row.tolist())
    return seqs


def torch_char_lm(V, H=64, kind="gru"):
    """PyTorch: ids (B, T) -> one-hot -> nn.GRU / nn.LSTM / nn.RNN (H)
    -> nn.Linear -> logits (B, T, V)."""
    from torch import nn

    class CharLM(nn.Module):
        def __init__(self):
            super().__init__()
            module = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
            self.rnn = module(V, H, batch_first=True)
            self.out = nn.Linear(H, V)

        def forward(self, ids):
            dtype = self.out.weight.dtype
            x = nn.functional.one_hot(ids, V).to(dtype)   # (B, T, V)
            hs, _ = self.rnn(x)                           # (B, T, H)
            return self.out(hs)                           # (B, T, V)

    return CharLM()


def keras_char_lm(V, H=64, kind="gru"):
    """Keras: one-hot characters (B, T, V) -> SimpleRNN / LSTM / GRU(H,
    return_sequences) -> Dense(V) logits (B, T, V)."""
    import keras

    layer = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM,
             "gru": keras.layers.GRU}[kind]
    return keras.Sequential([
        keras.Input((None, V), name="characters"),
        layer(H, return_sequences=True, name=kind),
        keras.layers.Dense(V, name="next_char_logits"),
    ], name=f"char_{kind}")
