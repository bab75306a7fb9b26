"""The NumPy vanilla RNN (tanh and relu) against PyTorch and against numerical gradients."""
import numpy as np
import pytest

from rnncourse.checks import DTypeError, NonFiniteError, ShapeError
from rnncourse.gradcheck import numerical_gradient
from rnncourse.rnn import RNNParams, rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from torch_oracle import assert_close, assert_grads, lengths_mask, torch_sequence, torch_truncated

DTYPES = [np.float64, np.float32]
ACTIVATIONS = ["tanh", "relu"]
SHAPES = [(1, 1, 3, 2), (1, 6, 2, 5), (4, 1, 5, 3), (3, 7, 4, 6)]  # (B, T, D, H)


def make_case(seed, B, T, D, H, dtype=np.float64, activation="tanh"):
    """Random params, inputs, initial state h0 and upstream gradients (of out and h_T)."""
    rng = np.random.default_rng(seed)
    r = lambda *shape: rng.normal(0, 0.5, shape).astype(dtype)
    p = RNNParams(r(D, H), r(H, H), r(H), activation)
    return p, r(B, T, D), r(B, H), r(B, T, H), r(B, H)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("with_h0", [False, True])
def test_forward_matches_torch(activation, dtype, shape, with_h0):
    p, x, h0, _, _ = make_case(1, *shape, dtype, activation)
    h0 = h0 if with_h0 else None
    ref = torch_sequence(p, x, None if h0 is None else (h0,))
    out, h, _ = rnn_forward(x, p, h0)
    assert out.dtype == dtype
    assert_close(out, ref["out"], "out")
    assert_close(h, ref["state"][0], "h_T")
    last, h, _ = rnn_forward(x, p, h0, return_sequences=False)
    assert last.shape == h.shape == (shape[0], shape[3])
    assert_close(last, ref["state"][0], "many-to-one output")


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("with_h0", [False, True])
def test_gradients_match_torch(activation, dtype, shape, with_h0):
    p, x, h0, dout, dh = make_case(2, *shape, dtype, activation)
    s0 = (h0,) if with_h0 else None
    _, _, cache = rnn_forward(x, p, h0 if with_h0 else None)
    assert_grads(rnn_backward(dout, cache, dh), torch_sequence(p, x, s0, dout=dout, dstate=(dh,)))
    assert_grads(rnn_backward(dout, cache), torch_sequence(p, x, s0, dout=dout))
    assert_grads(rnn_backward(np.zeros_like(dout), cache, dh), torch_sequence(p, x, s0, dstate=(dh,)))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_many_to_one_gradients_match_torch(activation, dtype, shape):
    p, x, h0, _, dh = make_case(3, *shape, dtype, activation)
    _, _, cache = rnn_forward(x, p, h0, return_sequences=False)
    assert_grads(rnn_backward(dh, cache), torch_sequence(p, x, (h0,), dstate=(dh,)))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_step_gradients_numerical(activation, shape):
    p, x, h, _, dh = make_case(4, *shape, activation=activation)
    x = x[:, 0]
    _, cache = rnn_step_forward(x, h, p)
    dx, dh_prev, grads = rnn_step_backward(dh, cache)
    f = lambda: rnn_step_forward(x, h, p)[0]
    assert_close(dx, numerical_gradient(f, x, dh), "dx")
    assert_close(dh_prev, numerical_gradient(f, h, dh), "dh_prev")
    for name, g in grads.arrays().items():
        assert_close(g, numerical_gradient(f, getattr(p, name), dh), f"d{name}")


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_reverse_matches_torch_on_flipped_sequence(activation, dtype, shape):
    p, x, h0, dout, dh = make_case(5, *shape, dtype, activation)
    out, h, cache = rnn_forward(x, p, h0, reverse=True)
    ref = torch_sequence(p, x, (h0,), reverse=True, dout=dout, dstate=(dh,))
    assert_close(out, ref["out"], "out")
    assert_close(h, ref["state"][0], "h_T")
    assert_grads(rnn_backward(dout, cache, dh), ref)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reverse", [False, True])
def test_mask_matches_packed_torch(activation, dtype, reverse):
    p, x, h0, dout, dh = make_case(6, 5, 7, 3, 4, dtype, activation)
    lengths, mask = lengths_mask(np.random.default_rng(6), 5, 7)
    dout = dout * mask[..., None]  # torch's padded outputs are constant zeros
    out, h, cache = rnn_forward(x, p, h0, mask=mask, reverse=reverse)
    ref = torch_sequence(p, x, (h0,), lengths, reverse, dout, (dh,))
    assert_close(out[mask], ref["out"][mask], "out at valid steps")
    assert_close(h, ref["state"][0], "h at each sequence's end")
    assert_grads(rnn_backward(dout, cache, dh), ref)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mask_with_holes_numerical(activation):
    p, x, h0, dout, dh = make_case(7, 3, 6, 3, 4, activation=activation)
    mask = np.array([[1, 0, 0, 1, 0, 1], [0, 1, 1, 0, 1, 1], [1, 1, 1, 1, 1, 0]], bool)
    _, _, cache = rnn_forward(x, p, h0, mask=mask)
    dx, dh0, grads = rnn_backward(dout, cache, dh)

    def f():
        out, h, _ = rnn_forward(x, p, h0, mask=mask)
        return np.sum(out * dout) + np.sum(h * dh)

    # eps = 1e-5: with 1e-6 the rounding of f (a sum over all steps) shows in the small entries
    num = lambda a: numerical_gradient(f, a, eps=1e-5)
    assert_close(dx, num(x), "dx")
    assert np.all(dx[~mask] == 0), "a skipped step's input must get no gradient"
    assert_close(dh0, num(h0), "dh0")
    for name, g in grads.arrays().items():
        assert_close(g, num(getattr(p, name)), f"d{name}")


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_truncated_bptt_matches_detached_torch_loop(activation, dtype, k):
    p, x, h0, dout, dh = make_case(8, 2, 7, 3, 4, dtype, activation)
    _, _, cache = rnn_forward(x, p, h0)
    assert_grads(rnn_backward(dout, cache, dh, truncate=k), torch_truncated(p, x, (h0,), k, dout, (dh,)))


def test_bad_inputs_raise():
    p, x, h0, dout, _ = make_case(9, 2, 4, 3, 5)
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\) = \(\?, \?, 3\), got \(2, 3\)"):
        rnn_forward(x[:, 0], p)
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\) = \(\?, \?, 3\), got \(2, 4, 5\)"):
        rnn_forward(np.zeros((2, 4, 5)), p)
    with pytest.raises(ShapeError, match=r"x must be \(B, D\) = \(\?, 3\), got \(2, 4, 3\)"):
        rnn_step_forward(x, h0, p)
    with pytest.raises(DTypeError, match="x must have dtype float64 like the parameters, got int64"):
        rnn_forward(x.astype(int), p)
    with pytest.raises(DTypeError, match="x must have dtype float64 like the parameters, got float32"):
        rnn_forward(x.astype(np.float32), p)
    with pytest.raises(NonFiniteError, match="x contains NaN"):
        rnn_forward(np.where(np.arange(3) == 1, np.nan, x), p)
    with pytest.raises(ShapeError, match=r"h0 must be \(B, H\) = \(2, 5\), got \(2, 4\)"):
        rnn_forward(x, p, h0[:, :4])
    with pytest.raises(ShapeError, match=r"h0 must be \(B, H\) = \(2, 5\), got \(2, 4\)"):
        rnn_step_forward(x[:, 0], h0[:, :4], p)
    with pytest.raises(ShapeError, match=r"mask must be \(B, T\) = \(2, 4\), got \(2, 3\)"):
        rnn_forward(x, p, mask=np.ones((2, 3), bool))
    _, _, cache = rnn_forward(x, p)
    with pytest.raises(ValueError, match="truncate must be a positive whole number"):
        rnn_backward(dout, cache, truncate=0)
    with pytest.raises(ShapeError, match=r"dout must be \(B, T, H\) = \(2, 4, 5\)"):
        rnn_backward(dout[:, :, :4], cache)
