"""Chapter 5's sequence-to-sequence model for dates, in PyTorch, with or without attention.

Encoder: a character embedding (size D) and a bidirectional GRU (H per direction) over the
source x (B, T), whose outputs hs (B, T, 2H) the decoder attends to. Decoder: a GRU cell
with state s (B, Hd), Hd = 2H, started from the encoder's final states, that at step t'

    u_t', alpha_t' = attention(s_{t'-1}, hs, mask)                   (B, 2H), (B, T)
    s_t'           = GRUCell([embed(y_{t'-1}), u_t'], s_{t'-1})
    logits_t'      = Linear([s_t', u_t'])                            (B, V_target)

Without attention (``attention=None``) the decoder has no context u: it reads the source
only through its initial state, s_t' = GRUCell(embed(y_{t'-1}), s_{t'-1}) and
logits_t' = Linear(s_t'), as in the first encoder-decoders.

Training feeds the true previous character y_{t'-1} (teacher forcing); decoding feeds
the model's own previous choice (greedy: the argmax).
"""
from __future__ import annotations


import numpy as np

from ..tasks import DATE_TARGET_VOCAB, START, decode_dates
from ..training import current_seed, format_epoch, minibatches, should_log
from .attention import make_bahdanau_attention, torch_dot_attention


def make_date_seq2seq(source_vocab_size, target_vocab_size, D=16, H=32, A=32,
                      attention="additive"):
    """The encoder-decoder above.

    attention: "additive" (Bahdanau, attention size A), "dot" (Luong, scaled)
    or None (the decoder sees the source only through its initial state).
    """
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    if attention not in ("additive", "dot", None):
        raise ValueError("attention must be 'additive', 'dot' or None, "
                         f"got {attention!r}")
    Hd = 2 * H  # as wide as hs, so that the dot score s . h_t is defined
    Hu = 0 if attention is None else 2 * H  # width of the context u

    class DateSeq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.src_embed = nn.Embedding(source_vocab_size, D, padding_idx=0)
            self.encoder = nn.GRU(D, H, batch_first=True, bidirectional=True)
            self.init_state = nn.Linear(2 * H, Hd)
            self.tgt_embed = nn.Embedding(target_vocab_size, D)
            self.decoder = nn.GRUCell(D + Hu, Hd)
            if attention == "additive":
                self.attention = make_bahdanau_attention(Hd, 2 * H, A)
            self.out = nn.Linear(Hd + Hu, target_vocab_size)

        def encode(self, x):
            """x (B, T) ids, 0 = padding -> hs (B, T, 2H), mask, s0 (B, Hd)."""
            mask = x != 0
            lengths = mask.sum(1).cpu()
            # Packing lets the backward direction start at each source's last
            # character, not at the padding.
            embedded = self.src_embed(x)
            packed = pack_padded_sequence(embedded, lengths, batch_first=True,
                                          enforce_sorted=False)
            hs, h_n = self.encoder(packed)
            hs, _ = pad_packed_sequence(hs, batch_first=True,
                                        total_length=x.shape[1])
            s0 = torch.tanh(self.init_state(torch.cat([h_n[0], h_n[1]], dim=1)))
            return hs, mask, s0

        def attend(self, s, hs, mask):
            if attention == "additive":
                return self.attention(s, hs, mask)
            return torch_dot_attention(s, hs, mask, scale=True)

        def step(self, y_prev, s, hs, mask):
            """One decoder step from the previous characters y_prev (B,).

            Returns logits (B, V), the new state s (B, Hd) and the attention
            weights (B, T), None without attention.
            """
            if attention is None:
                s = self.decoder(self.tgt_embed(y_prev), s)
                return self.out(s), s, None
            context, weights = self.attend(s, hs, mask)
            inputs = torch.cat([self.tgt_embed(y_prev), context], dim=1)
            s = self.decoder(inputs, s)
            return self.out(torch.cat([s, context], dim=1)), s, weights

        def forward(self, x, y_in):
            """Teacher forcing: y_in (B, T') holds the true previous characters.

            x (B, T) -> logits (B, T', V), weights (B, T', T).
            """
            hs, mask, s = self.encode(x)
            logits, weights = [], []
            for t in range(y_in.shape[1]):
                lt, s, wt = self.step(y_in[:, t], s, hs, mask)
                logits.append(lt)
                weights.append(wt)
            return torch.stack(logits, 1), stack_weights(weights)

        @torch.no_grad()
        def greedy_decode(self, x, steps, start):
            """Feed back the argmax: x (B, T) -> ids, weights (B, steps, T)."""
            hs, mask, s = self.encode(x)
            y = torch.full((x.shape[0],), start, dtype=torch.long)
            ids, weights = [], []
            for _ in range(steps):
                lt, s, wt = self.step(y, s, hs, mask)
                y = lt.argmax(1)
                ids.append(y)
                weights.append(wt)
            return torch.stack(ids, 1), stack_weights(weights)

    def stack_weights(weights):
        return None if attention is None else torch.stack(weights, 1)

    return DateSeq2Seq()


def train_seq2seq(model, x, y_in, y_out, epochs, batch_size=64, lr=3e-3, every=1, seed=None):
    """Adam on the per-character cross-entropy with teacher forcing.

    x (n, T), y_in and y_out (n, T') int arrays; prints a line every ``every`` epochs.
    Returns the per-epoch training loss and character accuracy.
    """
    import torch

    rng = np.random.default_rng(current_seed() if seed is None else seed)
    x, y_in, y_out = (torch.as_tensor(a) for a in (x, y_in, y_out))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    history = {"loss": [], "char_accuracy": []}
    for epoch in range(1, epochs + 1):
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
            print(format_epoch(epoch, epochs, {k: v[-1] for k, v in history.items()}))
    return history


def predict_dates(model, x, steps=10):
    """Greedy decoding of x (n, T) -> (n "YYYY-MM-DD" strings, weights (n, steps, T)).

    The weights are None for a model without attention.
    """
    import torch

    model.eval()
    start = DATE_TARGET_VOCAB.index[START]
    ids, weights = model.greedy_decode(torch.as_tensor(x), steps, start)
    return decode_dates(ids.numpy()), None if weights is None else weights.numpy()


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

    weights (n, 10, T) from :func:`predict_dates`; sources: the n source strings.
    Returns {field: mean over examples and the field's target positions of the weight on its span}.
    """
    mass = {field: [] for field in TARGET_FIELDS}
    for w, source in zip(weights, sources):
        spans = date_field_spans(source)
        for field, positions in TARGET_FIELDS.items():
            start, end = spans[field]
            mass[field].extend(w[list(positions), start:end].sum(axis=1))
    return {field: float(np.mean(m)) for field, m in mass.items()}
