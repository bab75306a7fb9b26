"""RNN, LSTM and GRU written for speed alone in plain NumPy: the benchmark's lower bound.

Not a peer a reader would write, and not a reference a reader could learn from: everything the
reference does for its users is left out (input checks, masks, reverse and many-to-one runs,
truncated BPTT, step caches with names), and every trick that saves a pass over memory is in:

- the input projection x_t Wx + b of all steps in one product, time-major (T, B, G), the steps'
  gates computed in place in it;
- the 1/2 inside sigmoid(a) = 1/2 tanh(a / 2) + 1/2 folded into the LSTM's weights, so one tanh
  over the whole (B, 4H) block and two passes give all four gates;
- the GRU's recurrent bias of r and z folded into the input bias, and its recurrent product split
  into r, z and n, so each result is contiguous;
- the backward's weight gradient dWh as one product over all steps after the loop, not one per step.

So it shows how fast plain NumPy can run these equations at all: a target the lean loop misses is
out of reach of any plain-NumPy implementation with per-step element-wise passes, the reference
included. Shapes and signatures are those of :mod:`bench.peers.cs231n_numpy` (x (B, T, D), h0 (B, H),
the reference's weights and gate order; ``*_forward`` returns (h (B, T, H), cache) and
``*_backward(dh, cache)`` returns (dx, dh0, dWx, dWh, db), the GRU adds dbh), so that
tests/test_bench_peers.py holds it equal to the reference.
"""
from __future__ import annotations

import numpy as np


def _project(x, Wx, b):
    """x_t Wx + b for every step, time-major: (T, B, G)."""
    B, T, D = x.shape
    xt = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * B, D)
    xw = xt @ Wx
    xw += b
    return xw.reshape(T, B, -1), xt


def _input_grads(x, xt, dxw, Wx):
    """dx (B, T, D), dWx and db from the gradient of the input projection dxw (T, B, G)."""
    B, T, D = x.shape
    flat = dxw.reshape(T * B, -1)
    dx = (flat @ Wx.T).reshape(T, B, D).transpose(1, 0, 2)
    return dx, xt.T @ flat, flat.sum(axis=0)


def _before(h0, states):
    """The state before each step, (T * B, H): h0, then states[:-1] ((T, B, H) or a list)."""
    H = h0.shape[1]
    return np.concatenate([h0[None], np.asarray(states[:-1])]).reshape(-1, H)


def rnn_forward(x, h0, Wx, Wh, b):
    xw, xt = _project(x, Wx, b)
    h = h0
    for t in range(x.shape[1]):
        a = xw[t]
        a += h @ Wh
        h = np.tanh(a, out=a)  # xw[t] becomes h_t
    return xw.transpose(1, 0, 2), (x, xt, h0, Wx, Wh, xw)


def rnn_backward(dout, cache):
    x, xt, h0, Wx, Wh, hs = cache
    dxw = np.empty_like(hs)
    dh = np.zeros_like(h0)
    for t in range(x.shape[1] - 1, -1, -1):
        da = np.add(dout[:, t], dh, out=dxw[t])
        slope = hs[t] * hs[t]
        np.subtract(1, slope, out=slope)
        da *= slope
        dh = da @ Wh.T
    dWh = _before(h0, hs).T @ dxw.reshape(-1, Wh.shape[1])
    dx, dWx, db = _input_grads(x, xt, dxw, Wx)
    return dx, dh, dWx, dWh, db


def _lstm_rows(H, dtype):
    """(scale, shift) rows of the (B, 4H) gates: 1/2 and 1/2 for i, f, o; 1 and 0 for g."""
    scale = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype), H)
    return scale, np.repeat(np.array([0.5, 0.5, 0.0, 0.5], dtype), H)


def lstm_forward(x, h0, Wx, Wh, b):
    H = h0.shape[1]
    scale, shift = _lstm_rows(H, x.dtype)
    xw, xt = _project(x, Wx * scale, b * scale)  # a / 2 for i, f, o; a for g
    Whs = Wh * scale
    hs = np.empty((x.shape[1],) + h0.shape, x.dtype)
    h, c, cs, tanh_cs = h0, np.zeros_like(h0), [], []
    for t in range(x.shape[1]):
        a = xw[t]
        a += h @ Whs
        np.tanh(a, out=a)
        a *= scale
        a += shift  # xw[t] becomes the gates i, f, g, o
        c = a[:, H:2 * H] * c
        c += a[:, :H] * a[:, 2 * H:3 * H]
        tanh_c = np.tanh(c)
        h = np.multiply(a[:, 3 * H:], tanh_c, out=hs[t])
        cs.append(c)
        tanh_cs.append(tanh_c)
    return hs.transpose(1, 0, 2), (x, xt, h0, Wx, Wh, xw, hs, cs, tanh_cs)


def lstm_backward(dout, cache):
    x, xt, h0, Wx, Wh, gates, hs, cs, tanh_cs = cache
    H = h0.shape[1]
    # the gates' slopes from their values y: y (slope - y) + offset, y (1 - y) or 1 - y^2
    slope, offset = np.repeat(np.array([[1, 1, 0, 1], [0, 0, 1, 0]], x.dtype), H, axis=1)
    dxw = np.empty_like(gates)
    dh, dc = np.zeros_like(h0), np.zeros_like(h0)
    zero = np.zeros_like(h0)
    for t in range(x.shape[1] - 1, -1, -1):
        g4 = gates[t]
        i, f, g, o = g4[:, :H], g4[:, H:2 * H], g4[:, 2 * H:3 * H], g4[:, 3 * H:]
        tanh_c = tanh_cs[t]
        dh = dh + dout[:, t]
        s = tanh_c * tanh_c
        np.subtract(1, s, out=s)
        s *= o
        s *= dh
        dc = s + dc  # c reaches the loss directly and through h
        da = np.concatenate([dc * g, dc * (cs[t - 1] if t else zero), dc * i, dh * tanh_c],
                            axis=1, out=dxw[t])
        s = slope - g4
        s *= g4
        s += offset
        da *= s
        dh = da @ Wh.T
        dc = dc * f
    dWh = _before(h0, hs).T @ dxw.reshape(-1, 4 * H)
    dx, dWx, db = _input_grads(x, xt, dxw, Wx)
    return dx, dh, dWx, dWh, db


def gru_forward(x, h0, Wx, Wh, b, bh):
    H = h0.shape[1]
    b_in = b.copy()
    b_in[:2 * H] += bh[:2 * H]  # r and z add both biases; n's recurrent bias sits inside r * (.)
    xw, xt = _project(x, Wx, b_in)
    W_rz, W_n, bh_n = Wh[:, :2 * H], Wh[:, 2 * H:], bh[2 * H:]
    hs = np.empty((x.shape[1],) + h0.shape, x.dtype)
    h, rzs, ns, hns = h0, [], [], []
    for t in range(x.shape[1]):
        a = xw[t]
        rz = h @ W_rz
        rz += a[:, :2 * H]
        rz *= 0.5
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        hn = h @ W_n
        hn += bh_n
        n = rz[:, :H] * hn
        n += a[:, 2 * H:]
        np.tanh(n, out=n)
        h = np.subtract(h, n, out=hs[t])
        h *= rz[:, H:]
        h += n  # (1 - z) n + z h_prev
        rzs.append(rz)
        ns.append(n)
        hns.append(hn)
    return hs.transpose(1, 0, 2), (x, xt, h0, Wx, Wh, hs, rzs, ns, hns)


def gru_backward(dout, cache):
    x, xt, h0, Wx, Wh, hs, rzs, ns, hns = cache
    T, B, H = hs.shape
    dxw = np.empty((T, B, 3 * H), x.dtype)
    dhw = np.empty((T, B, 3 * H), x.dtype)  # gradient of h_prev Wh + bh
    dh = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        rz, n, hn = rzs[t], ns[t], hns[t]
        r, z = rz[:, :H], rz[:, H:]
        h_prev = hs[t - 1] if t else h0
        dh = dh + dout[:, t]
        s = 1 - rz
        s *= rz  # r (1 - r), z (1 - z)
        da_z = h_prev - n
        da_z *= dh
        da_z *= s[:, H:]
        da_n = n * n
        np.subtract(1, da_n, out=da_n)
        da_n *= dh
        da_n *= 1 - z
        da_r = da_n * hn
        da_r *= s[:, :H]
        np.concatenate([da_r, da_z, da_n], axis=1, out=dxw[t])
        dhw_t = np.concatenate([da_r, da_z, da_n * r], axis=1, out=dhw[t])
        dh_prev = dh * z
        dh_prev += dhw_t @ Wh.T
        dh = dh_prev
    flat = dhw.reshape(-1, 3 * H)
    dWh = _before(h0, hs).T @ flat
    dx, dWx, db = _input_grads(x, xt, dxw, Wx)
    return dx, dh, dWx, dWh, db, flat.sum(axis=0)
