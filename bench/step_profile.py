"""Where one time step of the reference's forward pass spends its time (bench/REPORT.md's profile).

For each cell kind, every piece of a step is timed on its own, on arrays of the step's shapes
(middle size, float32), repeated T times per round and interleaved over rounds like the contenders
of bench/cells.py: the input projection (its share of one step; in blocks of steps, as now, and as
one product for the whole sequence, as before), reading that step's x_t W_x + b from a batch-major
(B, T, G) array (a strided slice) and from a time-major (T, B, G) one (contiguous, as the reference
does), the recurrent product, each element-wise pass, the cache, storing h_t, and an allocation.
The last rows time the reference's own cell function and its whole forward pass divided by T: what
the pieces do not add up to is the Python call and loop overhead, and the first touch of the fresh
memory a forward pass keeps for the backward (page faults). The rows marked (backward) time pieces of
the backward step: adding a step's weight gradient into a row-major accumulator (as now) and into a
column-major one (as before, when ``zeros_like`` copied the column-major order of the QR-initialised
W_h of the LSTM and GRU), and the product dh_prev = da W_h^T with W_h as the column-major copy
sequence_backward hands the cells (as now) and as the row-major W_h itself (as before).
"""
from __future__ import annotations

import numpy as np

from bench.cells import KINDS, interleaved
from rnncourse.activations import sigmoid
from rnncourse.gru import GRUStepCache, gru_cell_forward
from rnncourse.lstm import LSTMStepCache, activate_gates, lstm_cell_forward
from rnncourse.rnn import rnn_cell_forward
from rnncourse.sequence import block_steps


def pieces(kind, B, T, D, H):
    """{label: callable doing that piece once} for one step of ``kind``; arrays are float32."""
    Params, forward, _, gates = KINDS[kind][:4]
    p = Params.init(D, H, seed=0, dtype=np.float32)
    G = gates * H
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, D), dtype=np.float32)
    x2d = x.reshape(B * T, D)
    x1 = np.ones((T * B, D + 1), np.float32)  # [x, 1], and [Wx; b]: the reference's input product
    x1[:, :D] = x2d
    w1 = np.vstack([p.Wx, p.b])
    xw_bt = rng.standard_normal((B, T, G), dtype=np.float32)
    xw_tb = np.ascontiguousarray(xw_bt.transpose(1, 0, 2))
    a = rng.standard_normal((B, G), dtype=np.float32)
    hs = np.zeros((B, T, H), np.float32)
    h, c, v = (rng.uniform(0.1, 0.9, (B, H)).astype(np.float32) for _ in range(3))
    t = T // 2
    def then_bias():
        xw = x2d @ p.Wx
        xw += p.b

    k = block_steps(B, G, 4)

    def in_blocks():  # as sequence_forward does: one product, and its own array, per block of k steps
        for lo in range(0, T, k):
            x1[lo * B:min(lo + k, T) * B] @ w1

    out = {f"input projection [x, 1] [W_x; b] in blocks of {k} steps, (k*B, D+1) x (D+1, {gates}H), "
           "its 1/T share": in_blocks,
           f"(before: one (B*T, D+1) x (D+1, {gates}H) product for all steps, its 1/T share)": lambda: x1 @ w1,
           "(before that: x W_x, then + b in a second pass over the result, its 1/T share)": then_bias,
           f"add x_t W_x + b, strided (B, {gates}H) slice of (B, T, {gates}H)": lambda: np.add(a, xw_bt[:, t]),
           f"add x_t W_x + b, contiguous (B, {gates}H) block of (T, B, {gates}H)": lambda: np.add(a, xw_tb[t]),
           f"recurrent product h W_h, (B, H) x (H, {gates}H)": lambda: h @ p.Wh}
    if kind == "RNN":
        out.update({"tanh (B, H)": lambda: np.tanh(h),
                    "cell function rnn_cell_forward": lambda: rnn_cell_forward(xw_tb[t], h, p)})
    elif kind == "LSTM":
        i, f, g, o = (a[:, k * H:(k + 1) * H] for k in range(4))
        blocks, col = a.reshape(B, 4, H), np.array([[0.5], [0.5], [1.0], [0.5]], np.float32)

        def broadcast_gates():  # the previous activate_gates: (4, 1) constants against (B, 4, H) blocks
            np.multiply(blocks, col, out=blocks)
            np.tanh(blocks, out=blocks)
            np.multiply(blocks, col, out=blocks)
            np.add(blocks, col, out=blocks)

        out.update({"activate_gates: sigmoid of i, f, o and tanh of g in place, (B, 4H), (4H,) constant rows":
                    lambda: activate_gates(a),
                    "(before: the same four passes with (4, 1) constants broadcast against (B, 4, H))": broadcast_gates,
                    "(a peer's way: sigmoid of one gate's (B, H) slice, x3 for i, f, o)": lambda: sigmoid(i),
                    "(a peer's way: tanh of g's (B, H) slice)": lambda: np.tanh(g),
                    "c = f * c_prev + i * g (three passes)": lambda: h * c + v * h,
                    "tanh(c), (B, H)": lambda: np.tanh(c),
                    "h = o * tanh(c), (B, H)": lambda: v * c,
                    "cache: LSTMStepCache of the step's arrays": lambda: LSTMStepCache(h, c, h, c, v, h, c, a, p),
                    "cell function lstm_cell_forward": lambda: lstm_cell_forward(xw_tb[t], h, c, p)})
    else:
        rz, hn = a[:, :2 * H], a[:, 2 * H:]
        hw_rz = rng.standard_normal((B, 2 * H), dtype=np.float32)

        def rz_gates():  # as gru_cell_forward does: the sum of the two contributions, then in place
            s = np.add(rz, hw_rz)
            sigmoid(s, out=s)

        out.update({"sigmoid of r and z together, (B, 2H), in place on the sum of x_t W_x + b and h W_h + b_h":
                    rz_gates,
                    "n = tanh(xw_n + r * hn) (three passes)": lambda: np.tanh(v + h * hn),
                    "h = n + z * (h_prev - n) (three passes)": lambda: c + h * (v - c),
                    "cache: GRUStepCache of the step's arrays": lambda: GRUStepCache(h, c, v, h, c, p),
                    "cell function gru_cell_forward": lambda: gru_cell_forward(xw_tb[t], h, p)})
    dW_c, dW_f = np.zeros((H, G), np.float32), np.zeros((H, G), np.float32, order="F")
    grad = np.ones((H, G), np.float32)
    out[f"(backward) add one step's h_prev^T da into the (H, {gates}H) gradient of W_h, row-major"] = \
        lambda: dW_c.__iadd__(grad)
    if kind != "RNN":  # the RNN's square W_h was already row-major
        out["(backward, before: into a column-major gradient, as zeros_like of the QR-initialised W_h "
            "gave)"] = lambda: dW_f.__iadd__(grad)
    Wh_f = np.asfortranarray(p.Wh)
    out[f"(backward) dh_prev = da W_h^T, (B, {gates}H) x ({gates}H, H), W_h a column-major copy"] = \
        lambda: a @ Wh_f.T
    out["(backward, before: W_h row-major, so that W_h^T is column-major)"] = lambda: a @ p.Wh.T
    out.update({"store h_t in out[:, t], (B, H) into (B, T, H)": lambda: hs.__setitem__((slice(None), t), h),
                f"allocate a (B, {gates}H) array": lambda: np.empty((B, G), np.float32),
                "whole forward pass, its 1/T share": lambda: forward(x, p)})
    return out


def run(B, T, D, H, rounds=15):
    """{kind: {piece: microseconds per step}} at batch B, length T, sizes D and H."""
    result = {}
    for kind in KINDS:
        once = pieces(kind, B, T, D, H)
        shares = {k for k in once if "1/T share" in k}  # whole-sequence pieces
        # a piece that happens once per step runs T times per timing; a whole-sequence piece once
        fns = {k: (fn if k in shares else (lambda fn=fn: [fn() for _ in range(T)])) for k, fn in once.items()}
        medians = interleaved(fns, rounds)
        result[kind] = {k: s / T * 1e6 for k, s in medians.items()}
    return result
