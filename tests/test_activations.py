"""The activations against PyTorch, including inputs large enough to overflow a naive formula."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnncourse.activations import log_softmax, relu, sigmoid, softmax, tanh
from torch_oracle import assert_close

DTYPES = [np.float64, np.float32]


def no_warnings():
    """Turn what NumPy would warn about into errors; underflow to 0 (exp(-1e4)) is expected and silent."""
    return np.errstate(over="raise", divide="raise", invalid="raise")


def inputs(dtype, shape=(3, 4, 5), seed=0):
    """Random values of every magnitude, with 0 and +-1e4 among them."""
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 1, shape) * 10.0 ** rng.integers(-3, 4, shape)
    a.flat[:3] = [0.0, 1e4, -1e4]
    return a.astype(dtype)


def torch_of(fn, a, **kw):
    return fn(torch.from_numpy(a), **kw).numpy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ours, theirs", [(sigmoid, torch.sigmoid), (tanh, torch.tanh), (relu, torch.relu)])
def test_elementwise_match_torch_without_warnings(dtype, ours, theirs):
    a = inputs(dtype)
    with no_warnings():
        out = ours(a)
    assert out.dtype == dtype and out.shape == a.shape
    assert_close(out, torch_of(theirs, a), ours.__name__)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_exact_at_zero_and_saturates(dtype):
    with no_warnings():
        s = sigmoid(np.array([0.0, 1e4, -1e4, 745.0, -745.0], dtype))
    assert s[0] == 0.5
    assert s[1] == 1.0 and s[2] == 0.0
    assert np.all((s >= 0) & (s <= 1))
    assert_close(s, torch_of(torch.sigmoid, np.array([0.0, 1e4, -1e4, 745.0, -745.0], dtype)), "sigmoid")


def test_integers_are_computed_in_float64():
    assert sigmoid(np.array([0, 2])).dtype == np.float64
    assert softmax(np.array([[1, 2, 3]])).dtype == np.float64


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_match_torch(dtype, axis):
    a = inputs(dtype, seed=1)
    with no_warnings():
        p, logp = softmax(a, axis=axis), log_softmax(a, axis=axis)
    assert p.dtype == logp.dtype == dtype
    assert_close(p, torch_of(F.softmax, a, dim=axis), "softmax")
    assert_close(logp, torch_of(F.log_softmax, a, dim=axis), "log_softmax")
    assert_close(p.sum(axis=axis), np.ones_like(p.sum(axis=axis)), "softmax sums to 1")


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_of_huge_logits_is_finite(dtype):
    a = np.array([[1e4, 1e4 - 1, -1e4], [-1e4, -1e4, -1e4]], dtype)
    with no_warnings():
        p, logp = softmax(a), log_softmax(a)
    assert np.all(np.isfinite(logp))
    assert_close(p, torch_of(F.softmax, a, dim=-1), "softmax")
    assert_close(logp, torch_of(F.log_softmax, a, dim=-1), "log_softmax")
    assert_close(p[1], np.full(3, 1 / 3, dtype), "equal logits give a uniform softmax")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_into_out_and_in_place_matches_the_new_array(dtype):
    a = np.linspace(-40, 40, 81, dtype=dtype).reshape(9, 9)
    want = 1 / (1 + np.exp(-a.astype(np.float64)))
    out = np.full_like(a, np.nan)
    assert sigmoid(a, out=out) is out
    np.testing.assert_allclose(out, want, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-7)
    b = a.copy()
    assert sigmoid(b, out=b) is b  # in place, as the GRU cell does with its fresh r, z sum
    np.testing.assert_array_equal(b, out)
