"""The GRU of the NumPy reference, both formulations, against independent oracles.

reset_after=True is PyTorch's GRU: torch.nn.GRU / nn.GRUCell compute it from our
weights (weight_ih = Wx^T, weight_hh = Wh^T, bias_ih = b, bias_hh = bh; gate order
r, z, n in both). reset_after=False (Cho et al., 2014) has no PyTorch module, so its
oracle is `cho_step` below, the equations written in torch autograd. Keras checks the
forward pass of both, and centred differences check the step functions.
"""
import numpy as np
import pytest
import torch

from rnncourse.checks import DTypeError, NonFiniteError, ShapeError
from rnncourse.gradcheck import numerical_gradient, rel_error
from bridge_cases import assert_close as shared_assert_close
from rnncourse.gru import (GRUParams, gru_backward, gru_forward, gru_step_backward,
                           gru_step_forward)

DTYPES = [np.float64, np.float32]
VARIANTS = [pytest.param(True, id="reset_after"), pytest.param(False, id="reset_before")]
# (B, T, D, H): B = 1, T = 1, D < H and D > H, and one drawn at random with a fixed seed.
SHAPES = [(1, 1, 3, 2), (1, 6, 2, 5), (4, 1, 5, 3),
          tuple(int(n) for n in np.random.default_rng(2014).integers(2, 8, size=4))]


def random_params(rng, D, H, reset_after, dtype=np.float64, scale=0.5):
    """Random weights and biases (Keras' zero biases would hide a wrong bias term)."""
    def w(*shape):
        return (scale * rng.standard_normal(shape)).astype(dtype)
    return GRUParams(w(D, 3 * H), w(H, 3 * H), w(3 * H), w(3 * H) if reset_after else None, reset_after)


def cho_step(x_t, h, Wx, Wh, b):
    """Cho et al.'s GRU step, reset applied before the recurrent product, in PyTorch."""
    H = h.shape[1]
    xr, xz, xn = (x_t @ Wx + b).split(H, dim=1)
    r = torch.sigmoid(xr + h @ Wh[:, :H])
    z = torch.sigmoid(xz + h @ Wh[:, H:2 * H])
    n = torch.tanh(xn + (r * h) @ Wh[:, 2 * H:])
    return (1 - z) * n + z * h


def torch_loop(step, x, h, mask=None, reverse=False, truncate=None):
    """A time loop in PyTorch: outputs at their time index, the state detached every `truncate` steps."""
    T = x.shape[1]
    out = [None] * T
    for i, t in enumerate(range(T - 1, -1, -1) if reverse else range(T)):
        if truncate is not None and i > 0 and i % truncate == 0:
            h = h.detach()
        new = step(x[:, t], h)
        h = new if mask is None else torch.where(mask[:, t, None], new, h)
        out[t] = h
    return torch.stack(out, dim=1), h


class TorchGRU:
    """The GRU with parameters p, in PyTorch, differentiable w.r.t. leaves laid out like p."""

    def __init__(self, p):
        self.leaves = {k: torch.tensor(v, requires_grad=True) for k, v in p.arrays().items()}
        self.reset_after = p.reset_after
        D, H, dtype = p.Wx.shape[0], p.Wh.shape[0], self.leaves["Wx"].dtype
        self.cell = torch.nn.GRUCell(D, H, dtype=dtype)
        self.layer = torch.nn.GRU(D, H, batch_first=True, dtype=dtype)

    def weights(self, suffix):
        w = self.leaves
        return {"weight_ih" + suffix: w["Wx"].T, "weight_hh" + suffix: w["Wh"].T,
                "bias_ih" + suffix: w["b"], "bias_hh" + suffix: w["bh"]}

    def step(self, x_t, h):
        if self.reset_after:
            return torch.func.functional_call(self.cell, self.weights(""), (x_t, h))
        return cho_step(x_t, h, **self.leaves)

    def run(self, x, h0=None, lengths=None):
        """(out (B, T, H), h_T (B, H)): nn.GRU for reset_after, else the loop of cho_step.

        lengths packs the batch with pack_padded_sequence (nn.GRU only).
        """
        if not self.reset_after:
            h0 = torch.zeros(x.shape[0], self.leaves["Wh"].shape[0], dtype=x.dtype) if h0 is None else h0
            return torch_loop(self.step, x, h0)
        if lengths is not None:
            x = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, h_T = torch.func.functional_call(self.layer, self.weights("_l0"),
                                              (x,) if h0 is None else (x, h0[None]))
        if lengths is not None:
            out = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)[0]
        return out, h_T[0]

    def grads(self):
        return {k: v.grad.numpy() for k, v in self.leaves.items()}


def leaf(a):
    return torch.tensor(a, requires_grad=True)


def assert_close(ours, theirs, what="", tol=None):
    """tol=None: the suite's rule (float64 entrywise 1e-6, float32 1e-4 of the largest entry);
    a float64 check may ask for a tighter entrywise tol."""
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    if tol is None:
        shared_assert_close(ours, theirs, what)
    else:
        err = rel_error(ours, theirs)
        assert err < tol, f"{what}: rel error {err:.2e}"


def assert_grads_close(grads, oracle, tol=None):
    assert isinstance(grads, GRUParams)
    assert set(grads.arrays()) == set(oracle.leaves)
    for name, g in oracle.grads().items():
        assert_close(getattr(grads, name), g, "d" + name, tol)


# ---------------------------------------------------------------- whole sequences vs PyTorch

@pytest.mark.parametrize("with_h0", [True, False], ids=["h0", "zeros"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("reset_after", VARIANTS)
def test_sequence_matches_torch(reset_after, dtype, shape, with_h0):
    B, T, D, H = shape
    rng = np.random.default_rng(sum(shape) + 10 * reset_after)
    p = random_params(rng, D, H, reset_after, dtype)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    h0 = rng.standard_normal((B, H)).astype(dtype) if with_h0 else None
    dout, dh_T = rng.standard_normal((B, T, H)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)

    out, h_T, cache = gru_forward(x, p, h0)
    dx, dh0, grads = gru_backward(dout, cache, dh_T)

    oracle = TorchGRU(p)
    xt, h0t = leaf(x), (leaf(h0) if with_h0 else None)
    out_t, h_T_t = oracle.run(xt, h0t)
    ((out_t * torch.tensor(dout)).sum() + (h_T_t * torch.tensor(dh_T)).sum()).backward()

    assert out.dtype == h_T.dtype == dx.dtype == dh0.dtype == dtype
    assert all(g.dtype == dtype for g in grads.arrays().values())
    assert_close(out, out_t, "out")
    assert_close(h_T, h_T_t, "h_T")
    assert_close(dx, xt.grad, "dx")
    if with_h0:
        assert_close(dh0, h0t.grad, "dh0")
    assert_grads_close(grads, oracle)
    assert (grads.bh is None) == (not reset_after)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("reset_after", VARIANTS)
def test_many_to_one_matches_torch(reset_after, dtype):
    B, T, D, H = 3, 5, 4, 2
    rng = np.random.default_rng(7)
    p = random_params(rng, D, H, reset_after, dtype)
    x, h0 = rng.standard_normal((B, T, D)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)
    dout = rng.standard_normal((B, H)).astype(dtype)

    out, h_T, cache = gru_forward(x, p, h0, return_sequences=False)
    dx, dh0, grads = gru_backward(dout, cache)

    oracle = TorchGRU(p)
    xt, h0t = leaf(x), leaf(h0)
    out_t, _ = oracle.run(xt, h0t)
    (out_t[:, -1] * torch.tensor(dout)).sum().backward()

    assert out.shape == (B, H)
    assert_close(out, out_t[:, -1], "out")
    np.testing.assert_array_equal(out, h_T)
    assert_close(dx, xt.grad, "dx")
    assert_close(dh0, h0t.grad, "dh0")
    assert_grads_close(grads, oracle)


@pytest.mark.parametrize("reset_after", VARIANTS)
def test_reverse_matches_torch_on_flipped_time(reset_after):
    B, T, D, H = 2, 6, 3, 4
    rng = np.random.default_rng(11)
    p = random_params(rng, D, H, reset_after)
    x, h0 = rng.standard_normal((B, T, D)), rng.standard_normal((B, H))
    dout, dh_T = rng.standard_normal((B, T, H)), rng.standard_normal((B, H))

    out, h_T, cache = gru_forward(x, p, h0, reverse=True)
    dx, dh0, grads = gru_backward(dout, cache, dh_T)

    oracle = TorchGRU(p)
    xt, h0t = leaf(x), leaf(h0)
    out_t, h_T_t = oracle.run(xt.flip(1), h0t)
    out_t = out_t.flip(1)
    ((out_t * torch.tensor(dout)).sum() + (h_T_t * torch.tensor(dh_T)).sum()).backward()

    assert_close(out, out_t, "out", tol=1e-9)
    assert_close(h_T, h_T_t, "h_T", tol=1e-9)
    assert_close(dx, xt.grad, "dx", tol=1e-9)
    assert_close(dh0, h0t.grad, "dh0", tol=1e-9)
    assert_grads_close(grads, oracle, tol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_padded_batch_matches_pack_padded_sequence(dtype):
    B, T, D, H = 4, 6, 3, 5
    rng = np.random.default_rng(3)
    p = random_params(rng, D, H, True, dtype)
    lengths = np.array([6, 1, 4, 2])
    mask = np.arange(T)[None, :] < lengths[:, None]
    x, h0 = rng.standard_normal((B, T, D)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)
    dout = (rng.standard_normal((B, T, H)) * mask[:, :, None]).astype(dtype)  # padding has no loss
    dh_T = rng.standard_normal((B, H)).astype(dtype)

    out, h_T, cache = gru_forward(x, p, h0, mask=mask)
    dx, dh0, grads = gru_backward(dout, cache, dh_T)

    oracle = TorchGRU(p)
    xt, h0t = leaf(x), leaf(h0)
    out_t, h_T_t = oracle.run(xt, h0t, lengths=torch.tensor(lengths))
    ((out_t * torch.tensor(dout)).sum() + (h_T_t * torch.tensor(dh_T)).sum()).backward()

    assert_close(h_T, h_T_t, "h_T, the state at each sequence's last step")
    assert_close(out[mask], out_t.detach().numpy()[mask], "out at the valid steps")
    assert_close(dx, xt.grad, "dx")
    assert_close(dh0, h0t.grad, "dh0")
    assert_grads_close(grads, oracle)
    assert np.all(dx[~mask] == 0), "padded steps must get no gradient"


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("reset_after", VARIANTS)
def test_mask_with_holes_matches_torch_loop(reset_after, reverse):
    B, T, D, H = 3, 7, 2, 3
    rng = np.random.default_rng(5)
    p = random_params(rng, D, H, reset_after)
    mask = rng.random((B, T)) < 0.6
    mask[1] = False  # a row with no valid step keeps h0
    x, h0 = rng.standard_normal((B, T, D)), rng.standard_normal((B, H))
    dout, dh_T = rng.standard_normal((B, T, H)), rng.standard_normal((B, H))

    out, h_T, cache = gru_forward(x, p, h0, mask=mask, reverse=reverse)
    dx, dh0, grads = gru_backward(dout, cache, dh_T)

    oracle = TorchGRU(p)
    xt, h0t = leaf(x), leaf(h0)
    out_t, h_T_t = torch_loop(oracle.step, xt, h0t, torch.tensor(mask), reverse)
    ((out_t * torch.tensor(dout)).sum() + (h_T_t * torch.tensor(dh_T)).sum()).backward()

    np.testing.assert_array_equal(h_T[1], h0[1])
    for ours, theirs, what in [(out, out_t, "out"), (h_T, h_T_t, "h_T"), (dx, xt.grad, "dx"),
                               (dh0, h0t.grad, "dh0")]:
        assert_close(ours, theirs, what, tol=1e-9)
    assert_grads_close(grads, oracle, tol=1e-9)


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("reset_after", VARIANTS)
def test_truncated_bptt_matches_torch_detaching_every_k_steps(reset_after, k, reverse):
    B, T, D, H = 2, 7, 3, 4
    rng = np.random.default_rng(17 + k)
    p = random_params(rng, D, H, reset_after)
    x, h0 = rng.standard_normal((B, T, D)), rng.standard_normal((B, H))
    dout, dh_T = rng.standard_normal((B, T, H)), rng.standard_normal((B, H))

    _, _, cache = gru_forward(x, p, h0, reverse=reverse)
    dx, dh0, grads = gru_backward(dout, cache, dh_T, truncate=k)
    full_dx = gru_backward(dout, cache, dh_T)[0]

    oracle = TorchGRU(p)
    xt, h0t = leaf(x), leaf(h0)
    out_t, h_T_t = torch_loop(oracle.step, xt, h0t, reverse=reverse, truncate=k)
    ((out_t * torch.tensor(dout)).sum() + (h_T_t * torch.tensor(dh_T)).sum()).backward()

    assert rel_error(dx, full_dx) > 1e-3, "truncation should change the gradient"
    assert_close(dx, xt.grad, "dx", tol=1e-9)
    assert_close(dh0, h0t.grad, "dh0", tol=1e-9)
    assert_grads_close(grads, oracle, tol=1e-9)


# ---------------------------------------------------------------- one step

@pytest.mark.parametrize("reset_after", VARIANTS)
def test_step_matches_torch_and_numerical_gradients(reset_after):
    B, D, H = 3, 4, 5
    rng = np.random.default_rng(23)
    p = random_params(rng, D, H, reset_after)
    x, h_prev, dh = rng.standard_normal((B, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H))

    h, cache = gru_step_forward(x, h_prev, p)
    dx, dh_prev, grads = gru_step_backward(dh, cache)

    assert_close(h, TorchGRU(p).step(torch.tensor(x), torch.tensor(h_prev)), "h", tol=1e-12)

    def f():
        return gru_step_forward(x, h_prev, p)[0]
    assert_close(dx, numerical_gradient(f, x, dh), "dx")
    assert_close(dh_prev, numerical_gradient(f, h_prev, dh), "dh_prev")
    for name, a in p.arrays().items():
        assert_close(getattr(grads, name), numerical_gradient(f, a, dh), "d" + name)
    assert set(grads.arrays()) == set(p.arrays())


@pytest.mark.parametrize("reset_after", VARIANTS)
def test_saturated_gates_neither_overflow_nor_lose_the_gradient(reset_after):
    B, D, H = 2, 3, 4
    rng = np.random.default_rng(29)
    p = random_params(rng, D, H, reset_after, scale=1.0)
    x, h_prev, dh = 1e3 * rng.standard_normal((B, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    with np.errstate(over="raise", invalid="raise"):  # a naive 1 / (1 + exp(-a)) overflows here
        h, cache = gru_step_forward(x, h_prev, p)
        dx, dh_prev, _ = gru_step_backward(dh, cache)

    oracle = TorchGRU(p)
    xt, ht = leaf(x), leaf(h_prev)
    h_t = oracle.step(xt, ht)
    (h_t * torch.tensor(dh)).sum().backward()
    assert_close(h, h_t, "h", tol=1e-12)
    assert_close(dx, xt.grad, "dx", tol=1e-9)
    assert_close(dh_prev, ht.grad, "dh_prev", tol=1e-9)


# ---------------------------------------------------------------- Keras

def to_keras_gates(a, H):
    """Our gate order r, z, n on the last axis -> Keras' z, r, h."""
    return np.concatenate([a[..., H:2 * H], a[..., :H], a[..., 2 * H:]], axis=-1)


def test_both_variants_match_keras():
    import keras

    B, T, D, H = 3, 5, 4, 6
    rng = np.random.default_rng(31)
    x, h0 = rng.standard_normal((B, T, D)), rng.standard_normal((B, H))
    for reset_after in (True, False):
        p = random_params(rng, D, H, reset_after)
        layer = keras.layers.GRU(H, reset_after=reset_after, return_sequences=True,
                                 return_state=True, dtype="float64")
        layer.build((None, T, D))
        bias = np.stack([p.b, p.bh]) if reset_after else p.b  # Keras: (2, 3H) = [input, recurrent]
        layer.set_weights([to_keras_gates(w, H) for w in (p.Wx, p.Wh, bias)])
        out_k, h_k = layer(x, initial_state=[h0])

        out, h_T, _ = gru_forward(x, p, h0)
        assert layer.count_params() == p.count()
        assert_close(out, keras.ops.convert_to_numpy(out_k), f"out, reset_after={reset_after}", tol=1e-10)
        assert_close(h_T, keras.ops.convert_to_numpy(h_k), f"h_T, reset_after={reset_after}", tol=1e-10)


# ---------------------------------------------------------------- the two formulations

def test_the_two_formulations_differ_unless_reset_does_not_matter():
    B, T, D, H = 3, 5, 4, 3
    rng = np.random.default_rng(41)
    after = random_params(rng, D, H, True)
    x, h0 = rng.standard_normal((B, T, D)), rng.standard_normal((B, H))

    def before(p):
        """The reset-before GRU with p's weights and its two biases folded into one."""
        return GRUParams(p.Wx, p.Wh, p.b + p.bh, None, reset_after=False)

    def outputs(p):
        return gru_forward(x, p, h0)[0]

    def grads(p):
        _, _, cache = gru_forward(x, p, h0)
        return gru_backward(np.ones((B, T, H)), cache)[2].Wh

    assert rel_error(outputs(after), outputs(before(after))) > 1e-2
    assert rel_error(grads(after), grads(before(after))) > 1e-2

    # Wh_n = 0 and bh_n = 0: the reset gate has nothing to scale, both compute the same.
    zero_n = after.copy()
    zero_n.Wh[:, 2 * H:] = 0
    zero_n.bh[2 * H:] = 0
    assert rel_error(outputs(zero_n), outputs(before(zero_n))) < 1e-12

    # r == 1 (a huge reset bias): r * (h Wh_n + bh_n) = (r * h) Wh_n + bh_n.
    open_reset = after.copy()
    open_reset.b[:H] = 50.0
    assert rel_error(outputs(open_reset), outputs(before(open_reset))) < 1e-12


# ---------------------------------------------------------------- bad inputs

def test_bad_parameters_are_rejected():
    rng = np.random.default_rng(0)
    D, H = 3, 4
    Wx, Wh, b = rng.standard_normal((D, 3 * H)), rng.standard_normal((H, 3 * H)), np.zeros(3 * H)
    with pytest.raises(ValueError, match="no recurrent bias"):
        GRUParams(Wx, Wh, b, np.zeros(3 * H), reset_after=False)
    with pytest.raises(ValueError, match="needs the recurrent bias"):
        GRUParams(Wx, Wh, b, None, reset_after=True)
    with pytest.raises(TypeError, match="reset_after"):
        GRUParams(Wx, Wh, b, np.zeros(3 * H), reset_after="yes")
    with pytest.raises(ShapeError, match=r"Wh must be \(H, 3H\)"):
        GRUParams(Wx, Wh[:, :2 * H], b, np.zeros(3 * H))
    with pytest.raises(ShapeError, match=r"Wx must be \(D, 3H\) = \(\?, 12\)"):
        GRUParams(Wx[:, :-1], Wh, b, np.zeros(3 * H))
    with pytest.raises(ShapeError, match=r"bh must be \(3H,\) = \(12,\), got \(8,\)"):
        GRUParams(Wx, Wh, b, np.zeros(2 * H))
    with pytest.raises(DTypeError):
        GRUParams(Wx, Wh, b.astype(np.float32), np.zeros(3 * H))


@pytest.mark.parametrize("reset_after", VARIANTS)
def test_bad_inputs_are_rejected(reset_after):
    rng = np.random.default_rng(1)
    B, T, D, H = 4, 7, 3, 5
    p = random_params(rng, D, H, reset_after)
    x = rng.standard_normal((B, T, D))
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\) = \(\?, \?, 3\), got \(4, 7, 5\)"):
        gru_forward(rng.standard_normal((B, T, 5)), p)
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\)"):
        gru_forward(x[:, 0], p)
    with pytest.raises(ShapeError, match=r"h0 must be \(B, H\) = \(4, 5\), got \(4, 3\)"):
        gru_forward(x, p, h0=np.zeros((B, 3)))
    with pytest.raises(ShapeError, match="mask"):
        gru_forward(x, p, mask=np.ones((B, T + 1), bool))
    with pytest.raises(DTypeError, match="x must have dtype float64"):
        gru_forward(np.ones((B, T, D), dtype=int), p)
    with pytest.raises(DTypeError, match="x must have dtype float64"):
        gru_forward(x.astype(np.float32), p)
    bad = x.copy()
    bad[2, 3, 1] = np.nan
    with pytest.raises(NonFiniteError, match="x contains NaN"):
        gru_forward(bad, p)
    _, _, cache = gru_forward(x, p)
    with pytest.raises(ShapeError, match=r"dout must be \(B, T, H\) = \(4, 7, 5\)"):
        gru_backward(np.zeros((B, T, D)), cache)
    with pytest.raises(ShapeError, match=r"x must be \(B, D\) = \(\?, 3\)"):
        gru_step_forward(x, np.zeros((B, H)), p)
    _, step_cache = gru_step_forward(x[:, 0], np.zeros((B, H)), p)
    with pytest.raises(ShapeError, match=r"must be \(B, H\) = \(4, 5\), got \(4, 6\)"):
        gru_step_backward(np.zeros((B, H + 1)), step_cache)
