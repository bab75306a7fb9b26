"""PyTorch as the oracle for the NumPy RNN and LSTM: the same weights in torch.nn modules.

Our row-vector weights map onto PyTorch's as weight_ih = Wx.T, weight_hh = Wh.T,
bias_ih = b and bias_hh = 0; both use the LSTM gate order i, f, g, o. States are
tuples here, (h,) or (h, c), whatever the cell kind.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from bridge_cases import assert_close
from rnncourse.lstm import LSTMParams


def assert_grads(ours, theirs):
    """Our backward's (dx, dstate0, grads) against a torch_* function's result."""
    dx, dstate0, grads = ours
    assert_close(dx, theirs["dx"], "dx")
    if theirs["dstate0"] is not None:
        dstate0 = dstate0 if isinstance(dstate0, tuple) else (dstate0,)
        for name, ds, ref in zip(("dh0", "dc0"), dstate0, theirs["dstate0"]):
            assert_close(ds, ref, name)
        assert len(dstate0) == len(theirs["dstate0"])
    assert type(grads) is type(theirs["grads"])
    for name, g in grads.arrays().items():
        assert_close(g, getattr(theirs["grads"], name), f"d{name}")


def lengths_mask(rng, B, T):
    """Random right-padded lengths in 1..T (the first sequence full) and their (B, T) mask."""
    lengths = rng.integers(1, T + 1, size=B)
    lengths[0] = T
    return lengths, np.arange(T) < lengths[:, None]


def torch_modules(params):
    """A batch-first nn.RNN / nn.LSTM with our weights, and the matching cell sharing them."""
    D, H = params.Wx.shape[0], params.Wh.shape[0]
    dtype = torch.float64 if params.dtype == np.float64 else torch.float32
    if isinstance(params, LSTMParams):
        layer = nn.LSTM(D, H, batch_first=True, dtype=dtype)
        cell = nn.LSTMCell(D, H, dtype=dtype)
    else:
        layer = nn.RNN(D, H, nonlinearity=params.activation, batch_first=True, dtype=dtype)
        cell = nn.RNNCell(D, H, nonlinearity=params.activation, dtype=dtype)
    with torch.no_grad():
        layer.weight_ih_l0.copy_(torch.from_numpy(params.Wx.T))
        layer.weight_hh_l0.copy_(torch.from_numpy(params.Wh.T))
        layer.bias_ih_l0.copy_(torch.from_numpy(params.b))
        layer.bias_hh_l0.zero_()
    cell.weight_ih, cell.weight_hh = layer.weight_ih_l0, layer.weight_hh_l0
    cell.bias_ih, cell.bias_hh = layer.bias_ih_l0, layer.bias_hh_l0
    return layer, cell


def _grads(params, layer):
    """The layer's parameter gradients, in our container type."""
    return dataclasses.replace(params,
                               Wx=layer.weight_ih_l0.grad.numpy().T.copy(),
                               Wh=layer.weight_hh_l0.grad.numpy().T.copy(),
                               b=layer.bias_ih_l0.grad.numpy().copy())


def _leaf(a):
    return torch.tensor(a, requires_grad=True)


def _as_tuple(state):
    """torch's RNN state is a tensor h, its LSTM state a tuple (h, c)."""
    return state if isinstance(state, tuple) else (state,)


def _unpack(state):
    return state if len(state) > 1 else state[0]


def _backward(params, layer, x, state0, out, state, dout, dstate):
    """Backpropagate sum(out * dout) + sum(s_T * ds_T); return dx, dstate0, grads."""
    loss = 0
    if dout is not None:
        loss = loss + (out * torch.from_numpy(dout)).sum()
    if dstate is not None:
        loss = loss + sum((s * torch.from_numpy(d)).sum() for s, d in zip(state, dstate))
    loss.backward()
    dstate0 = None if state0 is None else tuple(s.grad.numpy() for s in state0)
    return x.grad.numpy(), dstate0, _grads(params, layer)


def torch_sequence(params, x, state0=None, lengths=None, reverse=False, dout=None, dstate=None):
    """nn.RNN / nn.LSTM over x (B, T, D), packed to ``lengths`` (right padding) when given.

    reverse: each sequence's valid steps are flipped before and after the layer, which is
    what running it backwards means. dout (B, T, H) and dstate (a tuple) are upstream
    gradients; backward runs when either is given. Returns a dict with out (B, T, H),
    zero at padded steps, state (a tuple of (B, H)) and, after backward, dx, dstate0, grads.
    """
    layer, _ = torch_modules(params)
    B, T, _ = x.shape
    lengths = np.full(B, T) if lengths is None else np.asarray(lengths)
    x_t = _leaf(x)
    s0 = None if state0 is None else tuple(_leaf(s) for s in state0)
    rows, steps, n = np.arange(B)[:, None], np.arange(T), lengths[:, None]
    idx = np.where(reverse & (steps < n), n - 1 - steps, steps)  # (B, T) time order fed to torch
    packed = pack_padded_sequence(x_t[rows, idx], torch.from_numpy(lengths),
                                  batch_first=True, enforce_sorted=False)
    hx = None if s0 is None else _unpack(tuple(s[None] for s in s0))  # torch's (1, B, H)
    out, st = layer(packed, hx)
    out = pad_packed_sequence(out, batch_first=True, total_length=T)[0][rows, idx]
    state = tuple(s[0] for s in _as_tuple(st))
    res = {"out": out.detach().numpy(), "state": tuple(s.detach().numpy() for s in state)}
    if dout is not None or dstate is not None:
        res["dx"], res["dstate0"], res["grads"] = _backward(params, layer, x_t, s0, out, state, dout, dstate)
    return res


def torch_truncated(params, x, state0, k, dout, dstate=None):
    """A loop over nn.RNNCell / nn.LSTMCell that detaches the state every k steps.

    The gradients of sum(out * dout) + sum(s_T * ds_T) are those of truncated BPTT:
    returns dict(dx, dstate0, grads).
    """
    layer, cell = torch_modules(params)
    x_t = _leaf(x)
    s0 = tuple(_leaf(s) for s in state0)
    state, outs = s0, []
    for t in range(x.shape[1]):
        if t > 0 and t % k == 0:
            state = tuple(s.detach() for s in state)
        state = _as_tuple(cell(x_t[:, t], _unpack(state)))
        outs.append(state[0])
    dx, dstate0, grads = _backward(params, layer, x_t, s0, torch.stack(outs, 1), state, dout, dstate)
    return {"dx": dx, "dstate0": dstate0, "grads": grads}
