"""The losses against torch.nn.functional (value and autograd), numerical gradients, and Keras' clipping."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnncourse.checks import DTypeError, ShapeError
from rnncourse.gradcheck import numerical_gradient
from rnncourse.losses import binary_cross_entropy, binary_cross_entropy_with_logits, mse, softmax_cross_entropy
from torch_oracle import assert_close

DTYPES = [np.float64, np.float32]
SHAPES = [(1,), (5,), (4, 1), (3, 6), (1, 1)]


def torch_loss(fn, pred, target, **kw):
    """fn(pred, target) in torch and its gradient with respect to pred."""
    pt = torch.tensor(pred, requires_grad=True)
    loss = fn(pt, torch.from_numpy(np.asarray(target)), **kw)
    loss.backward()
    return loss.item(), pt.grad.numpy()


def check_against_torch(ours, theirs, pred, target, **kw):
    loss, dpred = ours(pred, target, **kw)
    loss_t, dpred_t = torch_loss(theirs, pred, target, **{k: v for k, v in kw.items() if k != "mask"})
    assert dpred.shape == pred.shape and dpred.dtype == pred.dtype
    assert_close(np.asarray(loss, pred.dtype), np.asarray(loss_t), "loss")
    assert_close(dpred, dpred_t, "dpred")


def check_numerical(ours, pred, target, **kw):
    """A scalar mean carries rounding noise of ~1e-16 |loss|, which the difference quotient divides by
    its step: 1e-5 rather than the default 1e-6 keeps it well below the gradient's small entries."""
    _, dpred = ours(pred, target, **kw)
    assert_close(dpred, numerical_gradient(lambda: ours(pred, target, **kw)[0], pred, eps=1e-5), "dpred")


def binary_case(seed, shape, dtype=np.float64, soft=False):
    """Probabilities away from 0 and 1, logits, and 0/1 (or soft) targets."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, shape).astype(dtype)
    z = rng.normal(0, 3, shape).astype(dtype)
    y = rng.uniform(0, 1, shape) if soft else rng.integers(0, 2, shape)
    return p, z, y.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("soft", [False, True])
def test_binary_cross_entropy_matches_torch(dtype, shape, soft):
    p, z, y = binary_case(0, shape, dtype, soft)
    check_against_torch(binary_cross_entropy, F.binary_cross_entropy, p, y)
    check_against_torch(binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, z, y)


@pytest.mark.parametrize("shape", SHAPES)
def test_binary_cross_entropy_gradients_numerical(shape):
    p, z, y = binary_case(1, shape, soft=True)
    check_numerical(binary_cross_entropy, p, y)
    check_numerical(binary_cross_entropy_with_logits, z, y)


def test_binary_cross_entropy_clips_like_keras():
    """At p = 0 and 1 Keras clips to [1e-7, 1 - 1e-7]; TensorFlow's gradient is 0 where the clip is active."""
    import keras
    import tensorflow as tf
    p = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 1e-9]])
    y = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    pt = tf.Variable(p)
    with tf.GradientTape() as tape:
        loss_k = keras.losses.BinaryCrossentropy(dtype="float64")(y, pt)
    loss, dp = binary_cross_entropy(p, y)
    assert_close(loss, loss_k.numpy(), "loss")
    assert_close(dp, tape.gradient(loss_k, pt).numpy(), "dp")
    assert np.isfinite(loss) and dp[0, 0] == dp[0, 1] == 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_logits_form_is_stable_for_huge_logits(dtype):
    z = np.array([1e4, -1e4, 50.0, -50.0], dtype)
    y = np.array([0, 1, 1, 0], dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        check_against_torch(binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, z, y)


def classes_case(seed, B, T, C, dtype=np.float64):
    """Logits (B, C) or (B, T, C) and integer labels (B,) or (B, T)."""
    rng = np.random.default_rng(seed)
    lead = (B,) if T is None else (B, T)
    return rng.normal(0, 2, lead + (C,)).astype(dtype), rng.integers(0, C, lead)


def torch_cross_entropy(logits, y, ignore_index=-100):
    """F.cross_entropy takes classes on axis 1, so (B, T, C) logits become (B, C, T)."""
    pt = torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(pt if pt.ndim == 2 else pt.transpose(1, 2), torch.from_numpy(y),
                           ignore_index=ignore_index)
    loss.backward()
    return loss.item(), pt.grad.numpy()


CLASS_SHAPES = [(1, None, 2), (6, None, 4), (1, 1, 3), (3, 5, 7)]  # (B, T or None, C)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_softmax_cross_entropy_matches_torch(dtype, shape):
    logits, y = classes_case(2, *shape, dtype)
    loss, dlogits = softmax_cross_entropy(logits, y)
    loss_t, dlogits_t = torch_cross_entropy(logits, y)
    assert dlogits.shape == logits.shape and dlogits.dtype == dtype
    assert_close(np.asarray(loss, dtype), np.asarray(loss_t), "loss")
    assert_close(dlogits, dlogits_t, "dlogits")


@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_softmax_cross_entropy_gradient_numerical(shape):
    logits, y = classes_case(3, *shape)
    check_numerical(softmax_cross_entropy, logits / 2, y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mask_and_ignore_index_match_torch_ignore_index(dtype):
    logits, y = classes_case(4, 4, 6, 5, dtype)
    lengths = np.array([6, 1, 3, 4])
    mask = np.arange(6) < lengths[:, None]
    loss_t, dlogits_t = torch_cross_entropy(logits, np.where(mask, y, -100))
    for loss, dlogits in (softmax_cross_entropy(logits, y, mask=mask),
                          softmax_cross_entropy(logits, np.where(mask, y, -1), ignore_index=-1),
                          softmax_cross_entropy(logits, np.where(mask, y, 99), mask=mask.astype(int))):
        assert_close(np.asarray(loss, dtype), np.asarray(loss_t), "loss")
        assert_close(dlogits, dlogits_t, "dlogits")
        assert np.all(dlogits[~mask] == 0)
    check_numerical(softmax_cross_entropy, logits.astype(np.float64) / 2, y, mask=mask)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_mse_matches_torch(dtype, shape):
    rng = np.random.default_rng(5)
    pred, target = rng.normal(0, 1, shape).astype(dtype), rng.normal(0, 1, shape).astype(dtype)
    check_against_torch(mse, F.mse_loss, pred, target)
    check_numerical(mse, pred.astype(np.float64), target)


def test_targets_of_another_numeric_dtype_are_converted():
    p, _, y = binary_case(6, (3, 2), np.float32)
    loss, dp = binary_cross_entropy(p, y.astype(np.int64))
    assert dp.dtype == np.float32
    assert_close(np.asarray(loss), np.asarray(binary_cross_entropy(p, y)[0]), "int labels")
    assert mse(np.zeros(3, np.float32), [1, 2, 3])[1].dtype == np.float32


def test_bad_inputs_raise_clear_errors():
    p = np.full((4, 1), 0.5)
    with pytest.raises(ShapeError, match=r"y must have the shape of p \(4, 1\), got \(4,\); reshape"):
        binary_cross_entropy(p, np.ones(4))
    with pytest.raises(ShapeError, match=r"target must have the shape of pred \(4, 1\), got \(4, 2\)"):
        mse(p, np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binary_cross_entropy_with_logits(p, np.full((4, 1), 2.0))
    with pytest.raises(DTypeError, match="float32 or float64"):
        mse(np.zeros(3, int), np.zeros(3))
    with pytest.raises(ShapeError, match="batch axis"):
        mse(np.float64(1.0), 1.0)
    logits, y = classes_case(7, 2, 3, 4)
    with pytest.raises(DTypeError, match="y must hold integers, got float64"):
        softmax_cross_entropy(logits, y.astype(float))
    with pytest.raises(ValueError, match=r"\[0, C\) = \[0, 4\), got 4 at position \(1, 2\)"):
        softmax_cross_entropy(logits, np.where(np.arange(3) == 2, np.array([[0], [4]]), y))
    with pytest.raises(ShapeError, match=r"y must be \(B, T\) = \(2, 3\)"):
        softmax_cross_entropy(logits, y[:, :2])
    with pytest.raises(ShapeError, match=r"logits must be \(B, C\) or \(B, T, C\)"):
        softmax_cross_entropy(np.zeros(4), np.zeros(4, int))
    with pytest.raises(ShapeError, match=r"mask must be \(B, T\) = \(2, 3\)"):
        softmax_cross_entropy(logits, y, mask=np.ones((3, 2), bool))
    with pytest.raises(ShapeError, match="ignore_index"):
        softmax_cross_entropy(logits[:, 0], y[:, 0], mask=np.ones(2, bool))
    with pytest.raises(ValueError, match="no position"):
        softmax_cross_entropy(logits, y, mask=np.zeros((2, 3), bool))
