"""The time loop shared by every recurrent cell: forward over a sequence,
and BPTT.

A cell kind (RNN, LSTM, GRU) supplies two functions of one time step,

    cell_forward(xw_t, *state, params)
        -> (*new_state, cache)
    cell_backward(*dstate, cache, out=None)
        -> (dxw_t, *dstate_prev, recurrent_grads)

where ``xw_t = x_t Wx + b`` is the input's contribution (the cell may
overwrite it with its gates: it is the step's own block of the loop's
buffer), ``cache`` is a tuple whose last item is the parameters (BPTT
may swap them for copies in another memory order:
:func:`backward_params`), and ``out``, when given, is where
``cell_backward`` writes ``dxw_t`` (again the step's block of a buffer of
the loop). ``xw_t`` does
not depend on the state, so the loop computes it with one matrix product
for a whole block of steps, and turns ``dxw`` back into ``dx``, ``dWx``
and ``db`` with one product per block during BPTT. A block is as many
steps as fill about a megabyte (:func:`block_steps`): small enough to be
still in cache when its steps read it, large enough for an efficient
product; a short sequence is one block. The forward pass keeps whole
blocks in arrays of up to 16 MiB (:func:`chunk_steps`). Everything that
is the same for every cell lives here: initial states, masks for
variable-length sequences, running backwards (for bidirectional layers),
many-to-one outputs and truncated BPTT.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .checks import ShapeError, check_array, check_mask


@dataclass(frozen=True)
class Cell:
    """One recurrent cell kind: its step functions and the names of its
    states."""
    name: str
    forward: Callable
    backward: Callable
    # ("h",) or ("h", "c"); the first one is the output
    state_names: tuple


# About a megabyte of (B, G) step blocks: within the cache of one core
# (L2) on current CPUs, where the whole (T, B, G) projection of a long
# sequence is not.
BLOCK_BYTES = 2 ** 20


# The forward pass keeps its input contributions (where the cells compute
# their gates) in arrays of up to CHUNK_BYTES, each holding whole blocks:
# glibc serves a block of memory up to 32 MiB from the memory it already
# has once such blocks have been freed before, and maps fresh pages (a page
# fault for every 4 KiB) for anything larger, on every call; an array per
# block instead gives the memory back after each call (see bench/REPORT.md).
CHUNK_BYTES = 16 * 2 ** 20


def block_steps(B, G, itemsize):
    """How many time steps of (B, G) blocks make BLOCK_BYTES (at least
    one)."""
    return max(1, BLOCK_BYTES // (B * G * itemsize))


def chunk_steps(k, B, G, itemsize):
    """How many time steps one chunk holds: whole blocks of k steps of
    (B, G), as many as make CHUNK_BYTES (at least one block)."""
    return k * max(1, CHUNK_BYTES // (k * B * G * itemsize))


def _block(order, i, k):
    """The block of k processing steps that holds step i of ``order`` (the
    time indices in processing order): (its first processing index, its
    first time index, its number of steps)."""
    start = i - i % k
    ts = order[start:start + k]
    return start, min(ts[0], ts[-1]), len(ts)


@dataclass
class SequenceCache:
    cell: Cell
    params: object
    x: np.ndarray            # (B, T, D)
    steps: list              # per time index, the cell's cache
    mask: np.ndarray | None  # (B, T) bool
    reverse: bool
    return_sequences: bool


def _check_state(cell, state0, B, H, dtype, suffix="0"):
    """Return a state (or its gradient) as a tuple of (B, H) arrays (zeros
    when None).

    suffix names it in errors: "0" for h0, c0; "d" prefixes a gradient
    (dh, dc).
    """
    n = len(cell.state_names)
    if state0 is None:
        return tuple(np.zeros((B, H), dtype) for _ in range(n))
    names = [("d" + s if suffix == "d" else s + suffix)
             for s in cell.state_names]
    states = (state0,) if n == 1 else state0
    if n > 1 and (not isinstance(states, (tuple, list))
                  or len(states) != n):
        what = "dstate" if suffix == "d" else "state0"
        raise ShapeError(f"{cell.name} {what} must be a tuple "
                         f"({', '.join(names)}) of (B, H) arrays, "
                         f"got {type(state0).__name__}")
    return tuple(check_array(name, a, ("B", "H"), (B, H), dtype=dtype)
                 for name, a in zip(names, states))


def _pack(cell, state):
    return state[0] if len(cell.state_names) == 1 else tuple(state)


def sequence_forward(cell, x, params, state0=None, mask=None,
                     return_sequences=True, reverse=False):
    """Run ``cell`` over a whole sequence.

    x:      (B, T, D) inputs.
    state0: initial state, (B, H) for RNN and GRU, a tuple (h0, c0) for
            LSTM; zeros when None.
    mask:   optional (B, T) booleans; where False the step is skipped and
            the state carried over.
    return_sequences: True gives all hidden states (B, T, H) (many-to-many),
                      False only the last one (B, H) (many-to-one).
    reverse: process t = T, ..., 1 (from h_{T+1} = state0); outputs stay
             at their time index.

    Returns (out, state, cache), state in the same form as state0.
    """
    Wx = params.Wx
    D, G = Wx.shape
    H = params.Wh.shape[0]
    x = check_array("x", x, ("B", "T", "D"), (None, None, D),
                    dtype=Wx.dtype)
    B, T, _ = x.shape
    if T == 0:
        raise ShapeError("x must have at least one time step, got T = 0")
    mask = check_mask(mask, B, T)
    state = _check_state(cell, state0, B, H, Wx.dtype)

    # The input contributions x_t Wx + b of a block of k steps at a time,
    # as one product [x, 1] [Wx; b] of a (k*B, D+1) and a (D+1, G) matrix:
    # the bias rides in the product instead of costing a second pass over
    # the result. Time-major, so that each step reads one contiguous (B, G)
    # block, not a strided slice; the cells compute their gates in that
    # block. The blocks live in chunks of K steps (CHUNK_BYTES).
    W1 = np.concatenate([Wx, params.b[None]])
    k = block_steps(B, G, Wx.itemsize)
    K = chunk_steps(k, B, G, Wx.itemsize)
    x1 = np.ones((min(k, T), B, D + 1), Wx.dtype)  # column D stays 1
    # empty, not zeros: every step writes its h_t
    hs = np.empty((B, T, H), Wx.dtype) if return_sequences else None
    steps = [None] * T
    order = range(T - 1, -1, -1) if reverse else range(T)
    for i, t in enumerate(order):
        if i % K == 0:  # a new chunk: xw[t - c] is step t's block
            _, c, n = _block(order, i, K)
            xw = np.empty((n, B, G), Wx.dtype)
        if i % k == 0:  # the next block of input contributions
            _, lo, n = _block(order, i, k)
            x1[:n, :, :D] = x[:, lo:lo + n].transpose(1, 0, 2)
            np.matmul(x1[:n].reshape(n * B, D + 1), W1,
                      out=xw[lo - c:lo - c + n].reshape(n * B, G))
        *new, steps[t] = cell.forward(xw[t - c], *state, params)
        if mask is not None:
            m = mask[:, t, None]
            new = [np.where(m, n, s) for n, s in zip(new, state)]
        state = tuple(new)
        if return_sequences:
            hs[:, t] = state[0]
    out = hs if return_sequences else state[0]
    cache = SequenceCache(cell, params, x, steps, mask, reverse,
                          return_sequences)
    return out, _pack(cell, state), cache


def backward_params(p, B):
    """The parameters as BPTT hands them to the cells, for a batch of B.

    The steps' dh_prev = da Wh^T and the blocks' dx = dxw Wx^T multiply by
    a transpose. With more than 8 rows in da, OpenBLAS's SkylakeX and
    Haswell kernels do that markedly slower (1.3x at B = 64) when it is the
    transpose of a row-major matrix than of a column-major one
    (bench/REPORT.md), so the cells then get column-major copies: the same
    values, read faster. A smaller batch gains nothing and the copy would
    cost more than it saves, so for it this returns p itself.
    """
    return p.map(np.asfortranarray) if B > 8 else p


def sequence_backward(dout, cache, dstate=None, truncate=None):
    """Backpropagation through time.

    dout:     upstream gradient of the outputs, (B, T, H) or (B, H) as
              forward returned them.
    dstate:   optional upstream gradient of the final state (same form as
              the state).
    truncate: k > 0 for truncated BPTT: the gradient flowing along the
              state is cut every k steps (counted in processing order),
              exactly as detaching the state every k steps in PyTorch
              would. None backpropagates through the whole sequence.

    Returns (dx, dstate0, grads): dx (B, T, D), dstate0 like state0, grads
    a container of the same type as the parameters.
    """
    cell, p, x = cache.cell, cache.params, cache.x
    B, T, D = x.shape
    H = p.Wh.shape[0]
    G = p.Wx.shape[1]
    want = (B, T, H) if cache.return_sequences else (B, H)
    dims = ("B", "T", "H") if cache.return_sequences else ("B", "H")
    dout = check_array("dout", dout, dims, want, dtype=p.Wx.dtype)
    if truncate is not None and (int(truncate) != truncate or truncate < 1):
        raise ValueError("truncate must be a positive whole number of "
                         f"steps or None, got {truncate!r}")
    ds = list(_check_state(cell, dstate, B, H, p.Wx.dtype, suffix="d"))

    grads = p.zeros_like()
    pt = backward_params(p, B)
    dx = np.empty((B, T, D), p.Wx.dtype)
    # dxw of one block of steps, time-major as in the forward pass
    k = block_steps(B, G, p.Wx.itemsize)
    dxw = np.empty((min(k, T), B, G), p.Wx.dtype)
    order = range(T - 1, -1, -1) if cache.reverse else range(T)
    for i in range(T - 1, -1, -1):
        t = order[i]
        start, lo, n = _block(order, i, k)
        if cache.return_sequences:
            ds[0] = ds[0] + dout[:, t]
        elif i == T - 1:
            ds[0] = ds[0] + dout
        if cache.mask is not None:
            m = cache.mask[:, t, None]
            carried = [np.where(m, 0, d) for d in ds]
            ds = [np.where(m, d, 0) for d in ds]
        # the cell writes dxw_t straight into its slot of the block
        step = cache.steps[t]
        if pt is not p:  # the same cache, with pt as its parameters
            step = step[:-1] + (pt,)
        _, *ds, rec = cell.backward(*ds, step, out=dxw[t - lo])
        for name, g in rec.items():
            getattr(grads, name)[...] += g
        if cache.mask is not None:
            ds = [d + c for d, c in zip(ds, carried)]
        if truncate is not None and i > 0 and i % truncate == 0:
            ds = [np.zeros_like(d) for d in ds]
        if i == start:  # the block is done: its share of dWx, db and dx
            flat = dxw[:n].reshape(n * B, G)
            x_block = x[:, lo:lo + n].transpose(1, 0, 2).reshape(n * B, D)
            grads.Wx[...] += x_block.T @ flat
            grads.b[...] += flat.sum(axis=0)
            dx[:, lo:lo + n] = ((flat @ pt.Wx.T).reshape(n, B, D)
                                .transpose(1, 0, 2))
    return dx, _pack(cell, ds), grads


def step_forward(cell, x, state, params):
    """One time step on raw inputs x (B, D): the input projection, then the
    cell."""
    D = params.Wx.shape[0]
    x = check_array("x", x, ("B", "D"), (None, D), dtype=params.Wx.dtype)
    B, H = x.shape[0], params.Wh.shape[0]
    state = _check_state(cell, state, B, H, params.Wx.dtype)
    *new, c = cell.forward(x @ params.Wx + params.b, *state, params)
    return _pack(cell, new), (x, params, c)


def step_backward(cell, dstate, cache):
    """Backward of :func:`step_forward`: returns
    (dx, dstate_prev, grads)."""
    x, p, c = cache
    B, H = x.shape[0], p.Wh.shape[0]
    ds = _check_state(cell, dstate, B, H, p.Wx.dtype, suffix="d")
    dxw, *dprev, rec = cell.backward(*ds, c)
    grads = p.zeros_like()
    for name, g in rec.items():
        getattr(grads, name)[...] += g
    grads.Wx[...] = x.T @ dxw
    grads.b[...] = dxw.sum(axis=0)
    return dxw @ p.Wx.T, _pack(cell, dprev), grads
