"""RNN, LSTM and GRU in the style of CS231n's ``rnn_layers.py``: the benchmark's NumPy peer.

Each layer is a ``*_step_forward`` returning ``(next_h, cache)`` with an anonymous tuple cache, a
``*_forward`` looping over time that computes ``x_t Wx + h Wh + b`` anew at every step, and the
backward functions in the same pairs; the step backward also computes dx_t, dWx and db (there is no
input projection for the whole sequence). Gate blocks are read as slices of one (B, 4H) or (B, 3H)
pre-activation, in the reference's gate order (i, f, g, o; r, z, n reset-after), so the functions
take the reference's parameters unchanged. The sigmoid is the textbook ``1 / (1 + exp(-a))``, the
fastest form a reader would write (exp overflows to inf for very negative a and the result is 0, as
it should be; the warning is silenced).

Shapes: x (B, T, D), h0 (B, H), Wx (D, G), Wh (H, G), b (G,) with G = H, 4H or 3H; every
``*_forward`` returns (h (B, T, H), cache) and every ``*_backward(dh (B, T, H), cache)`` returns
(dx, dh0, dWx, dWh, db) (the GRU adds dbh).
"""
from __future__ import annotations

import numpy as np


def sigmoid(a):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-a))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c = cache
    tanh_c = np.tanh(next_c)
    dnext_c = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    di = dnext_c * g * i * (1 - i)
    df = dnext_c * prev_c * f * (1 - f)
    dg = dnext_c * i * (1 - g ** 2)
    do = dnext_h * tanh_c * o * (1 - o)
    da = np.hstack((di, df, dg, do))
    return (da @ Wx.T, da @ Wh.T, dnext_c * f, x.T @ da, prev_h.T @ da, da.sum(axis=0))


def gru_step_forward(x, prev_h, Wx, Wh, b, bh):
    H = prev_h.shape[1]
    ax = x @ Wx + b
    ah = prev_h @ Wh + bh
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    next_h = (1 - z) * n + z * prev_h
    return next_h, (x, prev_h, Wx, Wh, r, z, n, ah[:, 2 * H:])


def gru_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, r, z, n, ahn = cache
    dan = dnext_h * (1 - z) * (1 - n ** 2)
    daz = dnext_h * (prev_h - n) * z * (1 - z)
    dar = dan * ahn * r * (1 - r)
    dax = np.hstack((dar, daz, dan))
    dah = np.hstack((dar, daz, dan * r))
    dprev_h = dnext_h * z + dah @ Wh.T
    return dax @ Wx.T, dprev_h, x.T @ dax, prev_h.T @ dah, dax.sum(axis=0), dah.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), x.dtype)
    prev_h, cache = h0, []
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    x, _, Wx, Wh, _ = cache[0]
    dx = np.zeros((N, T, x.shape[1]), dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1], dh.dtype)
    dprev_h = np.zeros((N, H), dh.dtype)
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), x.dtype)
    prev_h, prev_c, cache = h0, np.zeros_like(h0), []
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    x, _, _, Wx, Wh = cache[0][:5]
    dx = np.zeros((N, T, x.shape[1]), dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1], dh.dtype)
    dprev_h, dprev_c = np.zeros((N, H), dh.dtype), np.zeros((N, H), dh.dtype)
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def gru_forward(x, h0, Wx, Wh, b, bh):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), x.dtype)
    prev_h, cache = h0, []
    for t in range(T):
        prev_h, step_cache = gru_step_forward(x[:, t, :], prev_h, Wx, Wh, b, bh)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def gru_backward(dh, cache):
    N, T, H = dh.shape
    x, _, Wx, Wh = cache[0][:4]
    dx = np.zeros((N, T, x.shape[1]), dh.dtype)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    db, dbh = np.zeros(Wx.shape[1], dh.dtype), np.zeros(Wx.shape[1], dh.dtype)
    dprev_h = np.zeros((N, H), dh.dtype)
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t, dbh_t = gru_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
        dbh += dbh_t
    return dx, dprev_h, dWx, dWh, db, dbh
