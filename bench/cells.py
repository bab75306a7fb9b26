"""The NumPy reference against torch.nn, Keras and two from-scratch peers, on the CPU, float32, same
thread count for every library.

Contenders, each timed for the forward pass and forward+backward (gradient of the sum of the outputs
with respect to the inputs and every weight):

- ``numpy``: the reference (``rnncourse``);
- ``cs231n``, ``d2l``: the peers of bench/peers/ (CS231n-style NumPy; d2l-style from-scratch PyTorch,
  autograd for the backward), tested equal to the reference in tests/test_bench_peers.py;
- ``lean``: bench/peers/lean_numpy.py, the same equations in plain NumPy written for speed alone (no
  checks, no named caches, every pass in place): how fast plain NumPy can run them at all;
- ``torch``: ``torch.nn.RNN``/``LSTM``/``GRU``;
- ``keras``, ``keras_eager``: Keras' layer compiled with ``tf.function`` (as ``model.fit`` runs it) and
  called eagerly (as a notebook cell does);
- ``floor``: NumPy's matrix products alone, the ones the reference performs: the floor of its structure.

Timing is interleaved: each round runs every contender once, in a random order drawn afresh for each
round (seeded, so a run can be repeated), and each figure is the median over the rounds, so a burst of
load from another process on the machine hits every contender alike and the ratios of one run are
comparable. A contender runs after a different one from round to round: a call finds the caches as the
one before it left them, and Keras leaves them cold (an order rotated from round to round kept every
contender's predecessor fixed, and the reference, listed first, always ran right after Keras: 1.4 to
1.9x its time at the small size in scratch runs). Keras eager, ten times slower than the others, runs
in every third round only.

Each timed call comes right after an untimed call of the same contender, so that it finds what a
training loop calling it again and again finds: its own code and data in the caches and its own thread
pool awake, whatever ran before. Two things left by the contender before it used to count in the time.
The caches: PyTorch and Keras leave them cold for NumPy's code, which at the small size (0.1 ms a call)
weighed more than the code itself. And the thread pools: a library's worker threads keep spinning after
a call, ready for the next, and on two cores a spinning worker takes a core from whoever runs next.
OpenBLAS's worker spun for about 0.1 s after each NumPy call and PyTorch's OpenMP worker for about 5 ms;
with PyTorch in the rounds, the reference's middle RNN forward on two threads took 6.2 to 6.6 ms against
3.4 to 3.7 ms in rounds of the NumPy contenders alone, and PyTorch's own times suffered as much from
OpenBLAS. ``python -m bench`` therefore also sets ``OPENBLAS_THREAD_TIMEOUT``
(:data:`bench.__main__.OPENBLAS_TIMEOUT`), so that OpenBLAS's workers stop spinning after about 5 ms,
which the untimed call absorbs at the middle and large sizes. (Pausing before each call instead, to let
every pool fall asleep, made the small size worse: waking the sleeping workers then cost up to a few
milliseconds on this virtual machine.)

The rounds of one run agree, but whole runs of the same code on the same machine differed by up to 1.2x
in their ratios (at two threads), so ``python -m bench`` runs all the rounds several times (``--runs``,
3 by default, each with its own seed) and reports for each row the run of the median ratio
(:func:`median_run`) and every run's ratio beside the verdicts.
"""
from __future__ import annotations

import os
import time

import numpy as np
import torch

from bench.peers import cs231n_numpy as cs231n
from bench.peers import d2l_torch as d2l
from bench.peers import lean_numpy as lean
from rnncourse.bridges import to_torch
from rnncourse.gru import GRUParams, gru_backward, gru_forward
from rnncourse.lstm import LSTMParams, lstm_backward, lstm_forward
from rnncourse.rnn import RNNParams, rnn_backward, rnn_forward

KINDS = {  # kind: (params, reference forward, backward, gates, CS231n forward, backward, d2l params, forward)
    "RNN": (RNNParams, rnn_forward, rnn_backward, 1,
            cs231n.rnn_forward, cs231n.rnn_backward, d2l.rnn_params, d2l.rnn_forward),
    "LSTM": (LSTMParams, lstm_forward, lstm_backward, 4,
             cs231n.lstm_forward, cs231n.lstm_backward, d2l.lstm_params, d2l.lstm_forward),
    "GRU": (GRUParams, gru_forward, gru_backward, 3,
            cs231n.gru_forward, cs231n.gru_backward, d2l.gru_params, d2l.gru_forward),
}
LEAN = {kind: (getattr(lean, f"{kind.lower()}_forward"), getattr(lean, f"{kind.lower()}_backward"))
        for kind in KINDS}  # the lower bound's forward and backward, the CS231n peer's signatures
SIZES = {"small": (1, 20, 64, 128), "middle": (64, 100, 64, 128), "large": (256, 200, 64, 128)}
SPARSE = {"keras_eager_fw": 3, "keras_eager_fb": 3}  # contender: runs in every n-th round only


def repeats_for(size, repeats):
    """Rounds at a size: all of them at the small and middle sizes, half (at least 7) at the large one."""
    return max(7, repeats // 2) if size == "large" else repeats


def interleaved(fns, rounds, warmup=2, sparse=None, seed=0, settle=True):
    """Median seconds of each of ``fns`` ({name: callable}) over ``rounds`` rounds in which each runs once.

    Each round runs them in a random order of its own (seeded by ``seed``), so that no contender always
    follows the same one; ``sparse`` ({name: n}) runs a slow contender every n-th round. With ``settle``,
    each timed call comes right after an untimed one of the same contender (its steady state, not what
    the contender before it left in the caches and on the cores).
    """
    sparse = sparse or {}
    names = list(fns)
    for name in names:
        for _ in range(warmup if name not in sparse else 1):
            fns[name]()
    times = {name: [] for name in names}
    rng = np.random.default_rng(seed)
    for r in range(rounds):
        for name in (names[i] for i in rng.permutation(len(names))):
            if r % sparse.get(name, 1):
                continue
            if settle:
                fns[name]()
            t0 = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - t0)
    return {name: float(np.median(t)) for name, t in times.items()}


def matmul_peak(repeats=7, n=1024):
    """Measured float32 GFLOP/s of one large square product, NumPy and PyTorch."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    flops = 2 * n ** 3
    t = interleaved({"numpy": lambda: a @ b, "torch": lambda: ta @ tb}, repeats)
    return {lib: flops / s / 1e9 for lib, s in t.items()}


def matmul_flops(B, T, D, H, gates):
    """Multiply-add FLOPs of the forward pass: input and recurrent products (element-wise work ignored)."""
    return 2 * B * T * (D + H) * gates * H


def contenders(kind, B, T, D, H, keras=True):
    """{name_fw / name_fb: callable} for every contender on one cell kind and size, float32."""
    Params, forward, backward, gates, cs_forward, cs_backward, d2l_params, d2l_forward = KINDS[kind]
    p = Params.init(D, H, seed=0, dtype=np.float32)
    x = np.random.default_rng(1).standard_normal((B, T, D), dtype=np.float32)
    ones = np.ones((B, T, H), np.float32)
    module = to_torch(p)
    xt = torch.from_numpy(x).requires_grad_(True)
    weights = [p.Wx, p.Wh, p.b] + ([p.bh] if kind == "GRU" else [])
    h0 = np.zeros((B, H), np.float32)
    per_gate = d2l_params(p)

    def numpy_fb():
        out, _, cache = forward(x, p)
        backward(ones, cache)

    def cs231n_fb():
        out, cache = cs_forward(x, h0, *weights)
        cs_backward(ones, cache)

    lean_forward, lean_backward = LEAN[kind]

    def lean_fb():
        out, cache = lean_forward(x, h0, *weights)
        lean_backward(ones, cache)

    def d2l_fw():
        with torch.no_grad():
            d2l_forward(xt, per_gate)

    def d2l_fb():
        out, _ = d2l_forward(xt, per_gate)
        out.backward(torch.ones_like(out))

    def torch_fw():
        with torch.no_grad():
            module(xt)

    def torch_fb():
        out, _ = module(xt)
        out.backward(torch.ones_like(out))

    def floor_fw():
        x.reshape(B * T, D) @ p.Wx
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

    fns = {"numpy_fw": lambda: forward(x, p), "numpy_fb": numpy_fb,
           "cs231n_fw": lambda: cs_forward(x, h0, *weights), "cs231n_fb": cs231n_fb,
           "lean_fw": lambda: lean_forward(x, h0, *weights), "lean_fb": lean_fb,
           "d2l_fw": d2l_fw, "d2l_fb": d2l_fb, "torch_fw": torch_fw, "torch_fb": torch_fb,
           "floor_fw": floor_fw, "floor_fb": floor_fb}
    if keras:
        fns.update(keras_contenders(p, x))
    return fns


def bench_kind(kind, B, T, D, H, repeats, keras=True, seed=0):
    """Medians (seconds) of every contender over ``repeats`` interleaved rounds, and their GFLOP/s;
    ``seed`` draws the rounds' orders."""
    r = interleaved(contenders(kind, B, T, D, H, keras), repeats, sparse=SPARSE, seed=seed)
    flops = matmul_flops(B, T, D, H, KINDS[kind][3])
    # the backward pass does two products for every forward one (gradients of inputs and weights)
    r["gflops"] = {k: (flops if k.endswith("fw") else 3 * flops) / t / 1e9 for k, t in r.items()}
    # floor_*: NumPy's time for the matrix products alone, the same products the reference does
    # (input projection for all steps, then one recurrent product per step; backward: two per step
    # and two for the input side). The reference cannot be faster than this with NumPy's BLAS.
    r["load"] = round(os.getloadavg()[0], 2)
    return r


PASSES = ("fw", "fb")


def to_peer(r, key):
    """The reference's time over the faster peer's, for pass ``key`` ("fw" or "fb") of a row of one run."""
    return r[f"numpy_{key}"] / min(r[f"cs231n_{key}"], r[f"d2l_{key}"])


def median_run(runs):
    """One row from the rows of the same size and cell kind of several runs (whole sets of rounds).

    The same code and machine gave reference / faster-peer ratios up to 1.2x apart from one run to the
    next (at two threads), while the rounds of one run agree, so the benchmark runs them all more than
    once. For each pass the row takes every figure of one run, the one whose reference / faster-peer
    ratio is the median of the runs' (the lower middle one of an even number): every ratio it shows is
    of times measured in the same rounds. ``runs`` keeps each run's figures for the verdicts.
    """
    merged = {k: v for k, v in runs[0].items() if not k.endswith(PASSES) and k not in ("gflops", "load")}
    merged["gflops"] = {}
    for key in PASSES:
        order = sorted(range(len(runs)), key=lambda i: to_peer(runs[i], key))
        chosen = runs[order[(len(runs) - 1) // 2]]
        merged.update({k: v for k, v in chosen.items() if k.endswith("_" + key)})
        merged["gflops"].update({k: v for k, v in chosen["gflops"].items() if k.endswith("_" + key)})
        merged[f"load_{key}"] = chosen["load"]
    merged["load"] = merged["load_fw"]
    merged["runs"] = [{k: v for k, v in r.items() if k.endswith(PASSES) or k == "load"} for r in runs]
    return merged


def keras_contenders(p, x):
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

    graph_fw, graph_fb = tf.function(fw), tf.function(fb)  # traced during the warm-up
    return {"keras_fw": lambda: graph_fw(xk).numpy(),
            "keras_fb": lambda: [g.numpy() for g in graph_fb(xk)],
            "keras_eager_fw": lambda: fw(xk).numpy(),
            "keras_eager_fb": lambda: [g.numpy() for g in fb(xk)]}
