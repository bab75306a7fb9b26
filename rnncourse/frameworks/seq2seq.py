"""A sequence-to-sequence model with attention, in PyTorch, for the date task of chapter 5.

Encoder: character embedding and a bidirectional GRU over the source x (B, Tx), whose
outputs hs (B, Tx, 2H) the decoder attends to. Decoder: a GRU cell with state
s (B, Hd), Hd = 2H, that at step t

    context_t, weights_t = attention(s_{t-1}, hs, mask)          (B, 2H), (B, Tx)
    s_t      = GRUCell([embed(y_{t-1}), context_t], s_{t-1})
    logits_t = Linear([s_t, context_t])                          (B, V_target)

Training feeds the true previous character y_{t-1} (teacher forcing); decoding feeds
the model's own previous choice (greedy: the argmax).
"""
from __future__ import annotations

import time

import numpy as np

from ..tasks import DATE_TARGET_VOCAB, START, decode_dates
from ..training import current_seed, format_epoch, minibatches, should_log
from .attention import make_bahdanau_attention, torch_dot_attention


def make_date_seq2seq(source_vocab_size, target_vocab_size, E=16, H=32, A=32, attention="additive"):
    """The encoder-decoder above; attention "additive" (Bahdanau, attention size A) or "dot" (Luong)."""
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    if attention not in ("additive", "dot"):
        raise ValueError(f"attention must be 'additive' or 'dot', got {attention!r}")
    Hd = 2 * H  # the decoder state is as wide as hs, so that the dot score s . h_j is defined

    class DateSeq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.src_embed = nn.Embedding(source_vocab_size, E, padding_idx=0)
            self.encoder = nn.GRU(E, H, batch_first=True, bidirectional=True)
            self.init_state = nn.Linear(2 * H, Hd)
            self.tgt_embed = nn.Embedding(target_vocab_size, E)
            self.decoder = nn.GRUCell(E + 2 * H, Hd)
            self.attention = make_bahdanau_attention(Hd, 2 * H, A) if attention == "additive" else None
            self.out = nn.Linear(Hd + 2 * H, target_vocab_size)

        def encode(self, x):
            """x (B, Tx) ids, 0 = padding -> hs (B, Tx, 2H), mask (B, Tx), s0 (B, Hd)."""
            mask = x != 0
            lengths = mask.sum(1).cpu()
            # Packing lets the backward direction start at each source's last character, not at the padding.
            packed = pack_padded_sequence(self.src_embed(x), lengths, batch_first=True, enforce_sorted=False)
            hs, h_n = self.encoder(packed)
            hs, _ = pad_packed_sequence(hs, batch_first=True, total_length=x.shape[1])
            s0 = torch.tanh(self.init_state(torch.cat([h_n[0], h_n[1]], dim=1)))
            return hs, mask, s0

        def attend(self, s, hs, mask):
            if self.attention is not None:
                return self.attention(s, hs, mask)
            return torch_dot_attention(s, hs, mask, scale=True)

        def step(self, y_prev, s, hs, mask):
            """One decoder step: y_prev (B,) ids -> (logits (B, V), s (B, Hd), weights (B, Tx))."""
            context, weights = self.attend(s, hs, mask)
            s = self.decoder(torch.cat([self.tgt_embed(y_prev), context], dim=1), s)
            return self.out(torch.cat([s, context], dim=1)), s, weights

        def forward(self, x, y_in):
            """Teacher forcing: x (B, Tx), y_in (B, Ty) -> logits (B, Ty, V), weights (B, Ty, Tx)."""
            hs, mask, s = self.encode(x)
            logits, weights = [], []
            for t in range(y_in.shape[1]):
                lt, s, wt = self.step(y_in[:, t], s, hs, mask)
                logits.append(lt)
                weights.append(wt)
            return torch.stack(logits, 1), torch.stack(weights, 1)

        @torch.no_grad()
        def greedy_decode(self, x, steps, start):
            """Feed back the argmax: x (B, Tx) -> ids (B, steps), weights (B, steps, Tx)."""
            hs, mask, s = self.encode(x)
            y = torch.full((x.shape[0],), start, dtype=torch.long)
            ids, weights = [], []
            for _ in range(steps):
                lt, s, wt = self.step(y, s, hs, mask)
                y = lt.argmax(1)
                ids.append(y)
                weights.append(wt)
            return torch.stack(ids, 1), torch.stack(weights, 1)

    return DateSeq2Seq()


def train_seq2seq(model, x, y_in, y_out, epochs, batch_size=64, lr=3e-3, every=1, seed=None):
    """Adam on the summed per-character cross-entropy with teacher forcing; prints a line every ``every`` epochs.

    x (n, Tx), y_in and y_out (n, Ty) int arrays. Returns the per-epoch training loss and character accuracy.
    """
    import torch

    rng = np.random.default_rng(current_seed() if seed is None else seed)
    x, y_in, y_out = (torch.as_tensor(a) for a in (x, y_in, y_out))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    history = {"loss": [], "char_accuracy": []}
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        model.train()
        total, correct, count = 0.0, 0, 0
        for idx in minibatches(len(x), batch_size, rng):
            logits, _ = model(x[idx], y_in[idx])
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), y_out[idx].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(-1) == y_out[idx]).sum())
            count += len(idx)
        history["loss"].append(total / count)
        history["char_accuracy"].append(correct / (count * y_out.shape[1]))
        if should_log(epoch, epochs, every):
            print(format_epoch(epoch, epochs, {k: v[-1] for k, v in history.items()}, time.perf_counter() - t0))
    return history


def predict_dates(model, x, steps=10):
    """Greedy decoding of x (n, Tx) -> (list of n "YYYY-MM-DD" strings, weights (n, steps, Tx))."""
    import torch

    model.eval()
    ids, weights = model.greedy_decode(torch.as_tensor(x), steps, DATE_TARGET_VOCAB.index[START])
    return decode_dates(ids.numpy()), weights.numpy()


TARGET_FIELDS = {"year": range(0, 4), "month": range(5, 7), "day": range(8, 10)}  # positions in "YYYY-MM-DD"


def date_field_spans(source):
    """Character spans [start, end) of the year, month and day in a source written in one of DATE_FORMATS.

    The year is always the last number; in "mm/dd/yy" the month and day are the first two
    numbers, otherwise the month is the month's name and the day the other number.
    """
    import re

    from ..tasks import MONTHS

    tokens = [(m.group(), m.span()) for m in re.finditer(r"[A-Za-z]+|\d+", source)]
    numbers = [span for text, span in tokens if text.isdigit()]
    if "/" in source:
        return {"year": numbers[2], "month": numbers[0], "day": numbers[1]}
    names = {m[:3].lower() for m in MONTHS}
    month = next(span for text, span in tokens if text[:3].lower() in names)
    return {"year": numbers[-1], "month": month, "day": numbers[0]}


def attention_on_fields(weights, sources):
    """Mean attention mass that each target field puts on the same field of the source.

    weights (n, 10, Tx) from :func:`predict_dates`; sources: the n source strings.
    Returns {field: mean over examples and the field's target positions of the weight on its span}.
    """
    mass = {field: [] for field in TARGET_FIELDS}
    for w, source in zip(weights, sources):
        spans = date_field_spans(source)
        for field, positions in TARGET_FIELDS.items():
            start, end = spans[field]
            mass[field].extend(w[list(positions), start:end].sum(axis=1))
    return {field: float(np.mean(m)) for field, m in mass.items()}
