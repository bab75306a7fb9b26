"""The NumPy LSTM against PyTorch (forward and autograd) and against numerical gradients."""
import warnings

import numpy as np
import pytest

from rnncourse.checks import DTypeError, NonFiniteError, ShapeError
from rnncourse.gradcheck import numerical_gradient
from rnncourse.lstm import LSTMParams, lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from torch_oracle import assert_close, assert_grads, lengths_mask, torch_sequence, torch_truncated

DTYPES = [np.float64, np.float32]
SHAPES = [(1, 1, 3, 2), (1, 6, 2, 5), (4, 1, 5, 3), (3, 7, 4, 6)]  # (B, T, D, H)


def make_case(seed, B, T, D, H, dtype=np.float64):
    """Random params, inputs, initial state (h0, c0) and upstream gradients."""
    rng = np.random.default_rng(seed)
    r = lambda *shape: rng.normal(0, 0.6, shape).astype(dtype)
    p = LSTMParams(r(D, 4 * H), r(H, 4 * H), r(4 * H))
    return p, r(B, T, D), (r(B, H), r(B, H)), r(B, T, H), (r(B, H), r(B, H))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("with_state0", [False, True])
def test_forward_matches_torch(dtype, shape, with_state0):
    p, x, state0, _, _ = make_case(1, *shape, dtype)
    state0 = state0 if with_state0 else None
    ref = torch_sequence(p, x, state0)
    out, (h, c), _ = lstm_forward(x, p, state0)
    assert out.dtype == dtype and out.shape == ref["out"].shape
    assert_close(out, ref["out"], "out")
    assert_close(h, ref["state"][0], "h_T")
    assert_close(c, ref["state"][1], "c_T")
    last, (h, _), _ = lstm_forward(x, p, state0, return_sequences=False)
    assert last.shape == h.shape == (shape[0], shape[3])
    assert_close(last, ref["state"][0], "many-to-one output")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("with_state0", [False, True])
def test_gradients_match_torch(dtype, shape, with_state0):
    p, x, state0, dout, dstate = make_case(2, *shape, dtype)
    state0 = state0 if with_state0 else None
    _, _, cache = lstm_forward(x, p, state0)
    assert_grads(lstm_backward(dout, cache, dstate), torch_sequence(p, x, state0, dout=dout, dstate=dstate))
    assert_grads(lstm_backward(dout, cache), torch_sequence(p, x, state0, dout=dout))
    assert_grads(lstm_backward(np.zeros_like(dout), cache, dstate),
                 torch_sequence(p, x, state0, dstate=dstate))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_many_to_one_gradients_match_torch(dtype, shape):
    p, x, state0, _, (dh, dc) = make_case(3, *shape, dtype)
    _, _, cache = lstm_forward(x, p, state0, return_sequences=False)
    ref = torch_sequence(p, x, state0, dstate=(dh, dc))
    assert_grads(lstm_backward(dh, cache, (np.zeros_like(dh), dc)), ref)


@pytest.mark.parametrize("shape", SHAPES)
def test_step_gradients_numerical(shape):
    p, x, (h, c), _, (dh, dc) = make_case(4, *shape)
    x = x[:, 0]
    _, cache = lstm_step_forward(x, (h, c), p)
    dx, (dh_prev, dc_prev), grads = lstm_step_backward((dh, dc), cache)

    def f():
        h_new, c_new = lstm_step_forward(x, (h, c), p)[0]
        return np.sum(h_new * dh) + np.sum(c_new * dc)

    assert_close(dx, numerical_gradient(f, x), "dx")
    assert_close(dh_prev, numerical_gradient(f, h), "dh_prev")
    assert_close(dc_prev, numerical_gradient(f, c), "dc_prev")
    for name, g in grads.arrays().items():
        assert_close(g, numerical_gradient(f, getattr(p, name)), f"d{name}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_reverse_matches_torch_on_flipped_sequence(dtype, shape):
    p, x, state0, dout, dstate = make_case(5, *shape, dtype)
    out, (h, c), cache = lstm_forward(x, p, state0, reverse=True)
    ref = torch_sequence(p, x, state0, reverse=True, dout=dout, dstate=dstate)
    assert_close(out, ref["out"], "out")
    assert_close(h, ref["state"][0], "h_T")
    assert_close(c, ref["state"][1], "c_T")
    assert_grads(lstm_backward(dout, cache, dstate), ref)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reverse", [False, True])
def test_mask_matches_packed_torch(dtype, reverse):
    p, x, state0, dout, dstate = make_case(6, 5, 7, 3, 4, dtype)
    lengths, mask = lengths_mask(np.random.default_rng(6), 5, 7)
    dout = dout * mask[..., None]  # torch's padded outputs are constant zeros
    out, (h, c), cache = lstm_forward(x, p, state0, mask=mask, reverse=reverse)
    ref = torch_sequence(p, x, state0, lengths, reverse, dout, dstate)
    assert_close(out[mask], ref["out"][mask], "out at valid steps")
    assert_close(h, ref["state"][0], "h at each sequence's end")
    assert_close(c, ref["state"][1], "c at each sequence's end")
    assert_grads(lstm_backward(dout, cache, dstate), ref)


def test_mask_with_holes_numerical():
    p, x, (h0, c0), dout, (dh, dc) = make_case(7, 3, 6, 3, 4)
    mask = np.array([[1, 0, 0, 1, 0, 1], [0, 1, 1, 0, 1, 1], [1, 1, 1, 1, 1, 0]], bool)
    _, _, cache = lstm_forward(x, p, (h0, c0), mask=mask)
    dx, (dh0, dc0), grads = lstm_backward(dout, cache, (dh, dc))

    def f():
        out, (h, c), _ = lstm_forward(x, p, (h0, c0), mask=mask)
        return np.sum(out * dout) + np.sum(h * dh) + np.sum(c * dc)

    # eps = 1e-5: with 1e-6 the rounding of f (a sum over all steps) shows in the small entries
    num = lambda a: numerical_gradient(f, a, eps=1e-5)
    assert_close(dx, num(x), "dx")
    assert np.all(dx[~mask] == 0), "a skipped step's input must get no gradient"
    assert_close(dh0, num(h0), "dh0")
    assert_close(dc0, num(c0), "dc0")
    for name, g in grads.arrays().items():
        assert_close(g, num(getattr(p, name)), f"d{name}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_truncated_bptt_matches_detached_torch_loop(dtype, k):
    p, x, state0, dout, dstate = make_case(8, 2, 7, 3, 4, dtype)
    _, _, cache = lstm_forward(x, p, state0)
    assert_grads(lstm_backward(dout, cache, dstate, truncate=k),
                 torch_truncated(p, x, state0, k, dout, dstate))


@pytest.mark.parametrize("dtype", DTYPES)
def test_saturated_gates_do_not_overflow(dtype):
    p, x, state0, dout, dstate = make_case(10, 2, 3, 3, 4, dtype)
    x = x * 1e3  # pre-activations of +-1e3: exp(1e3) overflows even float64
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, (h, c), cache = lstm_forward(x, p, state0)
        grads = lstm_backward(dout, cache, dstate)
    ref = torch_sequence(p, x, state0, dout=dout, dstate=dstate)
    assert_close(out, ref["out"], "out")
    assert_close(c, ref["state"][1], "c_T")
    assert_grads(grads, ref)


def test_bad_inputs_raise():
    p, x, (h0, c0), dout, _ = make_case(9, 2, 4, 3, 5)
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\) = \(\?, \?, 3\), got \(2, 3\)"):
        lstm_forward(x[:, 0], p)
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\) = \(\?, \?, 3\), got \(2, 4, 5\)"):
        lstm_forward(np.zeros((2, 4, 5)), p)
    with pytest.raises(DTypeError, match="x must have dtype float64 like the parameters, got int64"):
        lstm_forward(x.astype(int), p)
    with pytest.raises(DTypeError, match="x must have dtype float64"):
        lstm_forward(x.astype(np.float32), p)
    with pytest.raises(NonFiniteError, match="x contains NaN"):
        lstm_forward(np.where(np.arange(3) == 1, np.nan, x), p)
    with pytest.raises(ShapeError, match=r"h0 must be \(B, H\) = \(2, 5\), got \(2, 4\)"):
        lstm_forward(x, p, (h0[:, :4], c0))
    with pytest.raises(ShapeError, match=r"c0 must be \(B, H\) = \(2, 5\), got \(3, 5\)"):
        lstm_forward(x, p, (h0, np.zeros((3, 5))))
    with pytest.raises(ShapeError, match=r"LSTM state0 must be a tuple \(h0, c0\)"):
        lstm_forward(x, p, h0)
    with pytest.raises(ShapeError, match=r"LSTM state0 must be a tuple \(h0, c0\)"):
        lstm_step_forward(x[:, 0], h0, p)
    _, _, cache = lstm_forward(x, p)
    with pytest.raises(ValueError, match="truncate must be a positive whole number"):
        lstm_backward(dout, cache, truncate=0)
    with pytest.raises(ShapeError, match=r"dout must be \(B, T, H\) = \(2, 4, 5\)"):
        lstm_backward(dout[:, :, :4], cache)
