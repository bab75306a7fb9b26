"""RNN, LSTM and GRU from scratch in PyTorch, in the style of Dive into Deep Learning: the benchmark's
PyTorch peer.

As in d2l's "from scratch" sections, every gate has its own weight matrices (W_xi, W_hi, b_i, ...),
a step is a few lines of torch ops inside a Python loop over the time-major input, the outputs are
collected in a list and concatenated, and autograd computes the backward. The GRU is the reset-after
form of ``torch.nn.GRU`` (and of the reference's default), ``n = tanh(x W_xn + b_xn + r * (h W_hn +
b_hn))``, so that the peer computes the same function as the other contenders; d2l's own GRU resets
before the product.

``*_params(p)`` takes the reference's parameters and returns the list of per-gate tensors (leaves that
require grad); ``*_forward(x, params)`` takes x (B, T, D) as a tensor and returns (out (B, T, H),
final state), the state zeros at the start.
"""
from __future__ import annotations

import torch


def _split(p, gates, names):
    """Per-gate tensors [W_x*, W_h*, b_* for each gate] from the reference's side-by-side blocks."""
    H = p.Wh.shape[0]
    out = []
    for k in range(gates):
        cols = slice(k * H, (k + 1) * H)
        out += [p.Wx[:, cols], p.Wh[:, cols], p.b[cols]] + ([p.bh[cols]] if "bh" in names else [])
    return [torch.tensor(a.copy(), requires_grad=True) for a in out]


def rnn_params(p):
    return _split(p, 1, ())


def lstm_params(p):
    return _split(p, 4, ())


def gru_params(p):
    return _split(p, 3, ("bh",))


def rnn_forward(X, params):
    W_xh, W_hh, b_h = params
    H = torch.zeros((X.shape[0], W_hh.shape[0]), dtype=X.dtype)
    outputs = []
    for x in X.transpose(0, 1):
        H = torch.tanh(torch.matmul(x, W_xh) + torch.matmul(H, W_hh) + b_h)
        outputs.append(H)
    return torch.stack(outputs, 1), H


def lstm_forward(X, params):
    [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xc, W_hc, b_c, W_xo, W_ho, b_o] = params
    H = torch.zeros((X.shape[0], W_hi.shape[0]), dtype=X.dtype)
    C = torch.zeros_like(H)
    outputs = []
    for x in X.transpose(0, 1):
        I = torch.sigmoid(torch.matmul(x, W_xi) + torch.matmul(H, W_hi) + b_i)
        F = torch.sigmoid(torch.matmul(x, W_xf) + torch.matmul(H, W_hf) + b_f)
        O = torch.sigmoid(torch.matmul(x, W_xo) + torch.matmul(H, W_ho) + b_o)
        C_tilde = torch.tanh(torch.matmul(x, W_xc) + torch.matmul(H, W_hc) + b_c)
        C = F * C + I * C_tilde
        H = O * torch.tanh(C)
        outputs.append(H)
    return torch.stack(outputs, 1), (H, C)


def gru_forward(X, params):
    [W_xr, W_hr, b_xr, b_hr, W_xz, W_hz, b_xz, b_hz, W_xn, W_hn, b_xn, b_hn] = params
    H = torch.zeros((X.shape[0], W_hr.shape[0]), dtype=X.dtype)
    outputs = []
    for x in X.transpose(0, 1):
        R = torch.sigmoid(torch.matmul(x, W_xr) + b_xr + torch.matmul(H, W_hr) + b_hr)
        Z = torch.sigmoid(torch.matmul(x, W_xz) + b_xz + torch.matmul(H, W_hz) + b_hz)
        H_tilde = torch.tanh(torch.matmul(x, W_xn) + b_xn + R * (torch.matmul(H, W_hn) + b_hn))
        H = Z * H + (1 - Z) * H_tilde
        outputs.append(H)
    return torch.stack(outputs, 1), H
