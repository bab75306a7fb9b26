"""Gradient clipping against tf.clip_by_global_norm and torch.nn.utils.clip_grad_norm_ / clip_grad_value_."""
import numpy as np
import pytest
import torch

from rnncourse.checks import NonFiniteError
from rnncourse.clip import clip_by_global_norm, clip_by_value, global_norm
from rnncourse.layers import DenseParams
from rnncourse.rnn import RNNParams
from torch_oracle import assert_close

DTYPES = [np.float64, np.float32]


def rnn_grads(seed, dtype=np.float64, scale=1.0, D=3, H=4):
    """A gradient container with a non-array field (activation) that clipping must keep."""
    rng = np.random.default_rng(seed)
    r = lambda *shape: (scale * rng.normal(0, 1, shape)).astype(dtype)
    return RNNParams(r(D, H), r(H, H), r(H), activation="relu")


def torch_clipped(grads, fn, *args):
    """Run a torch.nn.utils clipping function on tensors carrying our gradients."""
    tensors = {n: torch.zeros(a.shape, dtype=torch.from_numpy(a).dtype, requires_grad=True)
               for n, a in grads.arrays().items()}
    for n, t in tensors.items():
        t.grad = torch.from_numpy(getattr(grads, n).copy())
    out = fn(list(tensors.values()), *args)
    return {n: t.grad.numpy() for n, t in tensors.items()}, out


@pytest.mark.parametrize("dtype", DTYPES)
def test_global_norm_is_the_norm_of_all_entries(dtype):
    g = rnn_grads(0, dtype)
    flat = np.concatenate([a.ravel() for a in g.arrays().values()])
    norm_t = torch.linalg.vector_norm(torch.from_numpy(flat)).numpy()
    assert_close(np.asarray(global_norm(g), dtype), norm_t, "norm")
    assert global_norm(g.arrays()) == global_norm(g)


@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_by_global_norm_matches_tensorflow(dtype):
    import tensorflow as tf
    g = rnn_grads(1, dtype, scale=3.0)
    for max_norm in (0.5, 5.0, 1e3):
        clipped, norm = clip_by_global_norm(g, max_norm)
        clipped_tf, norm_tf = tf.clip_by_global_norm(list(g.arrays().values()), max_norm)
        assert_close(np.asarray(norm, dtype), norm_tf.numpy(), "norm")
        for (name, a), b in zip(clipped.arrays().items(), clipped_tf):
            assert a.dtype == dtype
            assert_close(a, b.numpy(), name)
        assert_close(np.asarray(global_norm(clipped), dtype), np.asarray(min(norm, max_norm), dtype), "new norm")


@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_by_global_norm_matches_torch_up_to_its_1e_6(dtype):
    """torch divides by norm + 1e-6, so its gradients are ours times norm / (norm + 1e-6)."""
    g = rnn_grads(2, dtype, scale=3.0)
    for max_norm in (0.5, 1e3):
        clipped, norm = clip_by_global_norm(g, max_norm)
        ref, norm_t = torch_clipped(g, torch.nn.utils.clip_grad_norm_, max_norm)
        assert_close(np.asarray(norm, dtype), norm_t.numpy(), "norm")
        factor = norm / (norm + 1e-6) if norm > max_norm else 1.0
        for name, a in clipped.arrays().items():
            assert_close(a * dtype(factor), ref[name], name)


@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_by_value_matches_torch(dtype):
    g = rnn_grads(3, dtype)
    clipped = clip_by_value(g, 0.7)
    ref, _ = torch_clipped(g, torch.nn.utils.clip_grad_value_, 0.7)
    for name, a in clipped.arrays().items():
        assert a.dtype == dtype and np.all(np.abs(a) <= dtype(0.7))
        np.testing.assert_array_equal(a, ref[name], name)


@pytest.mark.parametrize("clip", [lambda g: clip_by_global_norm(g, 0.1)[0], lambda g: clip_by_value(g, 0.1)])
def test_same_kind_out_and_input_untouched(clip):
    g = rnn_grads(4)
    before = g.copy()
    out = clip(g)
    assert isinstance(out, RNNParams) and out.activation == "relu"
    for name, a in g.arrays().items():
        np.testing.assert_array_equal(a, getattr(before, name))
        assert not np.shares_memory(a, getattr(out, name))
    as_dict = clip(g.arrays())
    assert isinstance(as_dict, dict) and list(as_dict) == ["Wx", "Wh", "b"]
    for name, a in out.arrays().items():
        np.testing.assert_array_equal(as_dict[name], a)


def test_below_the_threshold_nothing_changes_but_a_copy_is_returned():
    g = DenseParams(np.array([[0.3, -0.4]]), np.array([0.0, 0.0]))
    clipped, norm = clip_by_global_norm(g, 1.0)
    assert norm == pytest.approx(0.5)
    np.testing.assert_array_equal(clipped.W, g.W)
    assert clipped.W is not g.W


def test_bad_input_raises():
    g = rnn_grads(5)
    with pytest.raises(ValueError, match="max_norm must be positive, got 0"):
        clip_by_global_norm(g, 0)
    with pytest.raises(ValueError, match="limit must be positive, got -1"):
        clip_by_value(g, -1)
    g.Wh[0, 0] = np.nan
    with pytest.raises(NonFiniteError, match="NaN or infinity"):
        clip_by_global_norm(g, 1.0)
    with pytest.raises(TypeError, match="Params container or a dict of NumPy arrays, got list"):
        global_norm([g.Wx])
