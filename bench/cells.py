"""NumPy reference against torch.nn.RNN/LSTM/GRU on the CPU, float32, same thread count.

For each cell kind and size it times the forward pass and forward+backward, takes the median
of several runs, and reports the NumPy/PyTorch ratio measured in the same run, with the
achieved GFLOP/s of both next to the machine's measured matrix-multiply peak.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from rnncourse.bridges import to_torch
from rnncourse.gru import GRUParams, gru_backward, gru_forward
from rnncourse.lstm import LSTMParams, lstm_backward, lstm_forward
from rnncourse.rnn import RNNParams, rnn_backward, rnn_forward

KINDS = {
    "RNN": (RNNParams, rnn_forward, rnn_backward, 1),
    "LSTM": (LSTMParams, lstm_forward, lstm_backward, 4),
    "GRU": (GRUParams, gru_forward, gru_backward, 3),
}
SIZES = {"small": (1, 20, 64, 128), "middle": (64, 100, 64, 128), "large": (256, 200, 64, 128)}


def median_time(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def matmul_peak(repeats=7, n=1024):
    """Measured float32 GFLOP/s of one large square product, NumPy and PyTorch."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    flops = 2 * n ** 3
    return {"numpy": flops / median_time(lambda: a @ b, repeats) / 1e9,
            "torch": flops / median_time(lambda: ta @ tb, repeats) / 1e9}


def matmul_flops(B, T, D, H, gates):
    """Multiply-add FLOPs of the forward pass: input and recurrent products (element-wise work ignored)."""
    return 2 * B * T * (D + H) * gates * H


def bench_kind(kind, B, T, D, H, repeats):
    Params, forward, backward, gates = KINDS[kind]
    p = Params.init(D, H, seed=0, dtype=np.float32)
    x = np.random.default_rng(1).standard_normal((B, T, D), dtype=np.float32)
    module = to_torch(p)
    xt = torch.from_numpy(x).requires_grad_(True)

    def np_fb():
        out, _, cache = forward(x, p)
        backward(np.ones_like(out), cache)

    def torch_fw():
        with torch.no_grad():
            module(xt)

    def torch_fb():
        out, _ = module(xt)
        out.backward(torch.ones_like(out))

    def floor_fw():
        x @ p.Wx
        h = np.zeros((B, H), np.float32)
        for t in range(T):
            h @ p.Wh

    def floor_fb():
        floor_fw()
        h = np.zeros((B, H), np.float32)
        da = np.ones((B, gates * H), np.float32)
        for t in range(T):
            da @ p.Wh.T
            h.T @ da
        dxw = np.ones((B * T, gates * H), np.float32)
        dxw @ p.Wx.T
        x.reshape(B * T, D).T @ dxw

    r = {"numpy_fw": median_time(lambda: forward(x, p), repeats),
         "floor_fw": median_time(floor_fw, repeats),
         "floor_fb": median_time(floor_fb, repeats),
         "numpy_fb": median_time(np_fb, repeats),
         "torch_fw": median_time(torch_fw, repeats),
         "torch_fb": median_time(torch_fb, repeats)}
    flops = matmul_flops(B, T, D, H, gates)
    # the backward pass does two products for every forward one (gradients of inputs and weights)
    r["gflops"] = {k: (flops if k.endswith("fw") else 3 * flops) / t / 1e9 for k, t in r.items()}
    # floor_*: NumPy's time for the matrix products alone, the same products the reference does
    # (input projection for all steps, then one recurrent product per step; backward: two per step
    # and two for the input side). The reference cannot be faster than this with NumPy's BLAS.
    return r
