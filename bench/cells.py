"""NumPy reference against torch.nn.RNN/LSTM/GRU and Keras' SimpleRNN/LSTM/GRU (TensorFlow backend)
on the CPU, float32, same thread count.

For each cell kind and size it times the forward pass and forward+backward (sum of the outputs,
gradients of the inputs and every weight), takes the median of several runs, and reports every
time next to PyTorch's, measured in the same run, with the achieved GFLOP/s of each next to the
machine's measured matrix-multiply peak. Keras is timed twice: the layer called eagerly (one
TensorFlow op at a time, as in a notebook cell) and the call compiled with ``tf.function`` (as
``model.fit`` runs it); the headline Keras figure is the tf.function one.
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


def repeats_for(size, repeats):
    """Timed runs at a size: all of them at the small and middle sizes, a quarter (at least 3) at the large one."""
    return max(3, repeats // 4) if size == "large" else repeats


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


def bench_kind(kind, B, T, D, H, repeats, keras=True):
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
    if keras:
        r.update(keras_times(p, x, repeats))
    flops = matmul_flops(B, T, D, H, gates)
    # the backward pass does two products for every forward one (gradients of inputs and weights)
    r["gflops"] = {k: (flops if k.endswith("fw") else 3 * flops) / t / 1e9 for k, t in r.items()}
    # floor_*: NumPy's time for the matrix products alone, the same products the reference does
    # (input projection for all steps, then one recurrent product per step; backward: two per step
    # and two for the input side). The reference cannot be faster than this with NumPy's BLAS.
    return r


def keras_times(p, x, repeats):
    """Keras (TensorFlow backend): eager and tf.function, forward and forward+backward (tf.GradientTape)."""
    import tensorflow as tf

    from rnncourse.bridges import to_keras

    layer = to_keras(p)
    xk = tf.constant(x)

    def fw(x):
        return layer(x)[0]

    def fb(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x)[0])  # d loss / d out = ones, as for NumPy and PyTorch
        return tape.gradient(loss, [x] + layer.trainable_weights)

    graph_fw, graph_fb = tf.function(fw), tf.function(fb)  # traced during median_time's warm-up
    # eager runs a Python loop of TensorFlow ops: slow, so fewer runs
    eager = max(3, repeats // 3)
    return {"keras_fw": median_time(lambda: graph_fw(xk).numpy(), repeats),
            "keras_fb": median_time(lambda: [g.numpy() for g in graph_fb(xk)], repeats),
            "keras_eager_fw": median_time(lambda: fw(xk).numpy(), eager, warmup=1),
            "keras_eager_fb": median_time(lambda: [g.numpy() for g in fb(xk)], eager, warmup=1)}
