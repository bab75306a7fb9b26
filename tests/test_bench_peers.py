"""The benchmark's from-scratch peers (bench/peers/) compute what the reference computes.

The speed comparison in bench/REPORT.md is only fair if every contender does the same math: same
outputs, same gradients of the inputs, the initial state and every weight, same gate layout. The
reference is itself held equal to torch.nn by tests/test_rnn.py, test_lstm.py and test_gru.py.
"""
import numpy as np
import pytest
import torch

from bench.peers import cs231n_numpy as cs231n
from bench.peers import d2l_torch as d2l
from bench.peers import lean_numpy as lean
from rnncourse.gru import GRUParams, gru_backward, gru_forward
from rnncourse.lstm import LSTMParams, lstm_backward, lstm_forward
from rnncourse.rnn import RNNParams, rnn_backward, rnn_forward

B, T, D, H = 3, 6, 4, 5
KINDS = {  # kind: (params, reference forward, backward, CS231n forward, backward, d2l params, forward)
    "RNN": (lambda r: RNNParams(r(D, H), r(H, H), r(H)), rnn_forward, rnn_backward,
            cs231n.rnn_forward, cs231n.rnn_backward, d2l.rnn_params, d2l.rnn_forward),
    "LSTM": (lambda r: LSTMParams(r(D, 4 * H), r(H, 4 * H), r(4 * H)), lstm_forward, lstm_backward,
             cs231n.lstm_forward, cs231n.lstm_backward, d2l.lstm_params, d2l.lstm_forward),
    "GRU": (lambda r: GRUParams(r(D, 3 * H), r(H, 3 * H), r(3 * H), r(3 * H)), gru_forward, gru_backward,
            cs231n.gru_forward, cs231n.gru_backward, d2l.gru_params, d2l.gru_forward),
}


def reference(kind, seed=0):
    """Random parameters, input and upstream gradient, and the reference's outputs and gradients."""
    make, forward, backward, *_ = KINDS[kind]
    rng = np.random.default_rng(seed)
    r = lambda *shape: rng.normal(0, 0.7, shape)
    p, x, dout = make(r), r(B, T, D), r(B, T, H)
    out, _, cache = forward(x, p)
    dx, _, grads = backward(dout, cache)
    return p, x, dout, out, dx, grads


def weight_grads(kind, grads):
    return [grads.Wx, grads.Wh, grads.b] + ([grads.bh] if kind == "GRU" else [])


@pytest.mark.parametrize("kind", KINDS)
def test_cs231n_peer_equals_reference(kind):
    p, x, dout, out, dx, grads = reference(kind)
    *_, peer_forward, peer_backward, _, _ = KINDS[kind]
    weights = [p.Wx, p.Wh, p.b] + ([p.bh] if kind == "GRU" else [])
    h, cache = peer_forward(x, np.zeros((B, H)), *weights)
    np.testing.assert_allclose(h, out, rtol=1e-12, atol=1e-12, err_msg=f"{kind} outputs")
    dx_peer, _, *dweights = peer_backward(dout, cache)
    np.testing.assert_allclose(dx_peer, dx, rtol=1e-11, atol=1e-12, err_msg=f"{kind} dx")
    for name, got, want in zip(("Wx", "Wh", "b", "bh"), dweights, weight_grads(kind, grads)):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12, err_msg=f"{kind} d{name}")


@pytest.mark.parametrize("kind", KINDS)
def test_d2l_peer_equals_reference(kind):
    p, x, dout, out, dx, grads = reference(kind, seed=1)
    *_, peer_params, peer_forward = KINDS[kind]
    params = peer_params(p)
    xt = torch.tensor(x, requires_grad=True)
    h, _ = peer_forward(xt, params)
    np.testing.assert_allclose(h.detach().numpy(), out, rtol=1e-12, atol=1e-12, err_msg=f"{kind} outputs")
    h.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-11, atol=1e-12, err_msg=f"{kind} dx")
    # the peer's per-gate tensors, put back side by side, are the reference's blocks
    per_gate = len(params) // {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    for k, (name, want) in enumerate(zip(("Wx", "Wh", "b", "bh"), weight_grads(kind, grads))):
        got = np.concatenate([t.grad.numpy() for t in params[k::per_gate]], axis=-1)
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12, err_msg=f"{kind} d{name}")


@pytest.mark.parametrize("kind", KINDS)
def test_lean_bound_equals_reference(kind):
    p, x, dout, out, dx, grads = reference(kind, seed=2)
    forward, backward = (getattr(lean, f"{kind.lower()}_{f}") for f in ("forward", "backward"))
    weights = [p.Wx, p.Wh, p.b] + ([p.bh] if kind == "GRU" else [])
    h0 = np.zeros((B, H))
    h, cache = forward(x, h0, *weights)
    np.testing.assert_allclose(h, out, rtol=1e-12, atol=1e-12, err_msg=f"{kind} outputs")
    dx_lean, _, *dweights = backward(dout, cache)
    np.testing.assert_allclose(dx_lean, dx, rtol=1e-11, atol=1e-12, err_msg=f"{kind} dx")
    for name, got, want in zip(("Wx", "Wh", "b", "bh"), dweights, weight_grads(kind, grads)):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12, err_msg=f"{kind} d{name}")
