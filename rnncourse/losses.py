"""Losses, each returning (loss, dpred): the mean loss and its gradient with respect to the prediction.

The mean runs over every element (every example, and every time step of a
sequence), which is the default reduction of both Keras and PyTorch, so the
loss does not grow with the batch size and dpred already carries the 1/N.
Targets may be of any numeric dtype; they are converted to the prediction's dtype.
"""
from __future__ import annotations

import numpy as np

from .activations import log_softmax, sigmoid
from .checks import DTypeError, ShapeError, check_array, check_mask
from .layers import check_indices

EPSILON = 1e-7  # keras.backend.epsilon(): probabilities are clipped to [EPSILON, 1 - EPSILON]


def _check_pred(name, a):
    """A float array with at least a batch axis."""
    ndim = np.ndim(a)
    if ndim == 0:
        raise ShapeError(f"{name} must have a batch axis (B, ...), got a scalar")
    return check_array(name, a, ("B",) + tuple(f"d{i}" for i in range(1, ndim)))


def _check_pair(pred_name, pred, target_name, target):
    """pred as a float array, target converted to pred's dtype after checking it has pred's shape."""
    pred = _check_pred(pred_name, pred)
    target = np.asarray(target)
    if target.shape != pred.shape:
        raise ShapeError(f"{target_name} must have the shape of {pred_name} {pred.shape}, got {target.shape}"
                         + ("; reshape one of them, e.g. y.reshape(-1, 1)" if target.size == pred.size else ""))
    if target.dtype.kind not in "biuf":
        raise DTypeError(f"{target_name} must be numeric, got {target.dtype}")
    return pred, _check_pred(target_name, target.astype(pred.dtype))


def _check_labels(y):
    """Binary targets: probabilities in [0, 1]."""
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"binary targets must lie in [0, 1], got values from {y.min()} to {y.max()}")
    return y


def binary_cross_entropy(p, y):
    """Mean of -(y log p + (1 - y) log(1 - p)) over all elements, on probabilities p.

    p: predicted probabilities, any shape (B, ...); y: targets in [0, 1] of the same shape.
    Like Keras, p is first clipped to [1e-7, 1 - 1e-7] so log never sees 0; where the
    clip is active the gradient is 0, as in TensorFlow. (PyTorch instead clamps each log at -100.)
    Returns (loss, dp) with dp shaped like p.
    """
    p, y = _check_pair("p", p, "y", y)
    y = _check_labels(y)
    pc = np.clip(p, EPSILON, 1 - EPSILON)
    loss = -np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    inside = (p >= EPSILON) & (p <= 1 - EPSILON)
    dp = (pc - y) / (pc * (1 - pc)) * inside / p.size
    return loss, dp


def binary_cross_entropy_with_logits(z, y):
    """Binary cross-entropy on logits z (p = sigmoid(z)), computed without forming log(p).

    loss = mean(max(z, 0) - z y + log(1 + exp(-|z|))), the form TensorFlow and PyTorch use;
    no term overflows for large |z|, and the gradient is simply sigmoid(z) - y (over N).
    Returns (loss, dz) with dz shaped like z.
    """
    z, y = _check_pair("z", z, "y", y)
    y = _check_labels(y)
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    return loss, (sigmoid(z) - y) / z.size


def _check_classes(y, shape, C, valid):
    """Integer class labels of the given shape, each in [0, C) where valid."""
    if np.shape(y) != shape:
        raise ShapeError(f"y must be {'(B,)' if len(shape) == 1 else '(B, T)'} = {shape} "
                         f"(one class label per row of the logits), got {np.shape(y)}")
    return check_indices("y", y, C, "C", valid)


def softmax_cross_entropy(logits, y, mask=None, ignore_index=None):
    """Mean of -log softmax(logits)[y] over the counted positions.

    logits: (B, C) or (B, T, C) unnormalised scores; y: integer labels (B,) or (B, T).
    mask:   optional (B, T) booleans for sequences; False positions (padding) are not counted.
    ignore_index: optional label value that is not counted either (torch's ignore_index).
    The mean runs over the counted positions only, as F.cross_entropy does with
    ignore_index, so padding changes neither the loss nor the gradient's scale.
    Returns (loss, dlogits) with dlogits shaped like logits, zero at uncounted positions.
    """
    if np.ndim(logits) not in (2, 3):
        raise ShapeError(f"logits must be (B, C) or (B, T, C), got {np.shape(logits)}")
    logits = check_array("logits", logits, ("B", "C") if np.ndim(logits) == 2 else ("B", "T", "C"))
    shape, C = logits.shape[:-1], logits.shape[-1]
    if mask is not None and logits.ndim == 2:
        raise ShapeError("mask is for sequences with logits (B, T, C); for (B, C) use ignore_index")
    valid = np.ones(shape, bool) if mask is None else check_mask(mask, *shape)
    if ignore_index is not None:
        valid = valid & (np.asarray(y) != ignore_index)
    y = _check_classes(y, shape, C, valid)
    n = int(valid.sum())
    if n == 0:
        raise ValueError("mask and ignore_index leave no position to average the loss over")
    logp = log_softmax(logits)
    onehot = np.arange(C) == np.where(valid, y, 0)[..., None]
    counted = valid[..., None].astype(logits.dtype) / n
    return -np.sum(logp * onehot * counted), (np.exp(logp) - onehot) * counted


def mse(pred, target):
    """Mean squared error over all elements: mean((pred - target)^2).

    pred and target have the same shape (B, ...). Returns (loss, dpred) with dpred = 2 (pred - target) / N.
    """
    pred, target = _check_pair("pred", pred, "target", target)
    diff = pred - target
    return np.mean(diff * diff), 2 * diff / diff.size
