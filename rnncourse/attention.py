"""Attention over the outputs of a recurrent encoder.

A decoder state s (B, Hq), the query, looks at the encoder's outputs
hs (B, T, H) and takes their weighted average, the context:

    score_j = score(s, h_j)          (B, T)
    weights = softmax_j(score_j)     (B, T), 0 where the mask is False
    context = sum_j weights_j h_j    (B, H)

The scores:

    additive (Bahdanau et al., 2015):  score_j = v . tanh(s Wq + h_j Wk)
                                       Wq (Hq, A), Wk (H, A), v (A,)
    dot      (Luong et al., 2015):     score_j = s . h_j   (Hq = H),
                                       optionally divided by sqrt(H)
    general  (Luong et al., 2015):     score_j = s W h_j   W (Hq, H)

Forward functions return (context, weights, cache); backward functions take
(dcontext, cache, dweights=None) and return (ds, dhs, grads), grads in the
parameters' container (None for dot-product attention, which has none).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import softmax
from .checks import ShapeError, check_array, check_mask
from .params import Params, as_rng, glorot_uniform


@dataclass
class AdditiveAttentionParams(Params):
    """Bahdanau's scoring network: Wq (Hq, A), Wk (H, A), v (A,); A is the
    attention size."""
    Wq: np.ndarray
    Wk: np.ndarray
    v: np.ndarray

    def __post_init__(self):
        self.check_consistent({"Wq": (("Hq", "A"), None)})
        A = self.Wq.shape[1]
        self.check_consistent({"Wk": (("H", "A"), (None, A)),
                               "v": (("A",), (A,))})

    @classmethod
    def init(cls, Hq, H, A, seed=0, dtype=np.float64):
        """Glorot-uniform weights, as Keras' Dense layers would start."""
        rng = as_rng(seed)
        return cls(glorot_uniform(rng, Hq, A, dtype),
                   glorot_uniform(rng, H, A, dtype),
                   glorot_uniform(rng, A, 1, dtype)[:, 0])


@dataclass
class LuongAttentionParams(Params):
    """Luong's "general" score s W h_j: W (Hq, H)."""
    W: np.ndarray

    def __post_init__(self):
        self.check_consistent({"W": (("Hq", "H"), None)})

    @classmethod
    def init(cls, Hq, H, seed=0, dtype=np.float64):
        return cls(glorot_uniform(as_rng(seed), Hq, H, dtype))


@dataclass
class DotAttentionCache:
    s: np.ndarray        # (B, H) the query
    hs: np.ndarray       # (B, T, H)
    weights: np.ndarray  # (B, T)
    factor: float        # 1 or 1 / sqrt(H): the scores are factor * s . h_j


@dataclass
class GeneralAttentionCache:
    s: np.ndarray        # (B, Hq)
    params: LuongAttentionParams
    dot: DotAttentionCache  # of the projected query s W


@dataclass
class AdditiveAttentionCache:
    s: np.ndarray        # (B, Hq)
    hs: np.ndarray       # (B, T, H)
    weights: np.ndarray  # (B, T)
    e: np.ndarray        # (B, T, A) tanh(s Wq + h_j Wk)
    params: AdditiveAttentionParams


def _check_inputs(s, hs, mask, Hq=None, H=None, dtype=None):
    """Validate the query s (B, Hq), the outputs hs (B, T, H) and the mask
    (B, T)."""
    s = check_array("s", s, ("B", "Hq"), (None, Hq), dtype=dtype)
    B = s.shape[0]
    hs = check_array("hs", hs, ("B", "T", "H"), (B, None, H),
                     dtype=s.dtype)
    if hs.shape[1] == 0:
        raise ShapeError("hs must have at least one time step, got T = 0")
    mask = check_mask(mask, B, hs.shape[1])
    if mask is not None and not mask.any(axis=1).all():
        rows = np.flatnonzero(~mask.any(axis=1)).tolist()
        raise ValueError(f"mask has no valid position in row(s) {rows}: "
                         "attention needs at least one position to "
                         "attend to")
    return s, hs, mask


def _check_upstream(dcontext, dweights, hs):
    B, T, H = hs.shape
    dcontext = check_array("dcontext", dcontext, ("B", "H"), (B, H),
                           dtype=hs.dtype)
    if dweights is not None:
        dweights = check_array("dweights", dweights, ("B", "T"), (B, T),
                               dtype=hs.dtype)
    return dcontext, dweights


def attend(scores, hs, mask=None):
    """Scores (B, T) -> (context (B, H), weights (B, T)).

    Masked positions get the score -inf, so the stable softmax gives them
    weight exactly 0.
    """
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores, axis=1)
    return np.einsum("bt,bth->bh", weights, hs), weights


def attend_backward(dcontext, dweights, weights, hs):
    """Backward of :func:`attend`: returns (dscores (B, T), dhs (B, T, H)),
    dhs through the context only.

    The softmax's Jacobian applied to dw is
    weights * (dw - sum_j weights_j dw_j).
    """
    dw = np.einsum("bh,bth->bt", dcontext, hs)
    if dweights is not None:
        dw = dw + dweights
    dscores = weights * (dw - np.sum(weights * dw, axis=1, keepdims=True))
    return dscores, weights[:, :, None] * dcontext[:, None, :]


def additive_attention_forward(s, hs, params, mask=None):
    """Bahdanau attention: s (B, Hq), hs (B, T, H), mask (B, T) or None.

    Returns (context (B, H), weights (B, T), cache).
    """
    p = params
    if not isinstance(p, AdditiveAttentionParams):
        raise TypeError("params must be AdditiveAttentionParams, got "
                        f"{type(p).__name__}")
    s, hs, mask = _check_inputs(s, hs, mask, p.Wq.shape[0], p.Wk.shape[0],
                                p.dtype)
    e = np.tanh((s @ p.Wq)[:, None, :] + hs @ p.Wk)  # (B, T, A)
    context, weights = attend(e @ p.v, hs, mask)
    return context, weights, AdditiveAttentionCache(s, hs, weights, e, p)


def additive_attention_backward(dcontext, cache, dweights=None):
    """Backward of :func:`additive_attention_forward`: dcontext (B, H),
    dweights (B, T) or None.

    Returns (ds (B, Hq), dhs (B, T, H), grads: AdditiveAttentionParams).
    """
    s, hs, weights, e, p = (cache.s, cache.hs, cache.weights, cache.e,
                            cache.params)
    dcontext, dweights = _check_upstream(dcontext, dweights, hs)
    dscores, dhs = attend_backward(dcontext, dweights, weights, hs)
    # through v . tanh(a):
    da = dscores[:, :, None] * p.v * (1 - e * e)  # (B, T, A)
    # s Wq is shared by every position:
    dq = da.sum(axis=1)  # (B, A)
    grads = AdditiveAttentionParams(Wq=s.T @ dq,
                                    Wk=np.einsum("bth,bta->ha", hs, da),
                                    v=np.einsum("bta,bt->a", e, dscores))
    return dq @ p.Wq.T, dhs + da @ p.Wk.T, grads


def dot_attention_forward(s, hs, mask=None, scale=False):
    """Luong's dot-product attention: s (B, H), hs (B, T, H), mask (B, T)
    or None.

    scale: divide the scores by sqrt(H), as scaled dot-product attention
           does.
    Returns (context (B, H), weights (B, T), cache).
    """
    s, hs, mask = _check_inputs(s, hs, mask)
    H = hs.shape[2]
    if s.shape[1] != H:
        raise ShapeError("dot-product attention needs a query as wide as "
                         f"hs: s must be (B, H) = (?, {H}), got {s.shape}; "
                         "use general attention (LuongAttentionParams) "
                         "when Hq != H")
    # a Python float keeps float32 scores float32
    factor = H ** -0.5 if scale else 1.0
    scores = factor * np.einsum("bh,bth->bt", s, hs)
    context, weights = attend(scores, hs, mask)
    return context, weights, DotAttentionCache(s, hs, weights, factor)


def dot_attention_backward(dcontext, cache, dweights=None):
    """Backward of :func:`dot_attention_forward`: dcontext (B, H),
    dweights (B, T) or None.

    Returns (ds (B, H), dhs (B, T, H), None): this score has no parameters.
    """
    s, hs = cache.s, cache.hs
    dcontext, dweights = _check_upstream(dcontext, dweights, hs)
    dscores, dhs = attend_backward(dcontext, dweights, cache.weights, hs)
    dscores = cache.factor * dscores
    ds = np.einsum("bt,bth->bh", dscores, hs)
    return ds, dhs + dscores[:, :, None] * s[:, None, :], None


def general_attention_forward(s, hs, params, mask=None, scale=False):
    """Luong's general attention: dot-product attention of the projected
    query s W.

    s (B, Hq), hs (B, T, H), params LuongAttentionParams with W (Hq, H),
    mask (B, T) or None.
    Returns (context (B, H), weights (B, T), cache).
    """
    p = params
    if not isinstance(p, LuongAttentionParams):
        raise TypeError("params must be LuongAttentionParams, got "
                        f"{type(p).__name__}")
    Hq, H = p.W.shape
    s, hs, mask = _check_inputs(s, hs, mask, Hq, H, p.dtype)
    context, weights, dot = dot_attention_forward(s @ p.W, hs, mask, scale)
    return context, weights, GeneralAttentionCache(s, p, dot)


def general_attention_backward(dcontext, cache, dweights=None):
    """Backward of :func:`general_attention_forward`: dcontext (B, H),
    dweights (B, T) or None.

    Returns (ds (B, Hq), dhs (B, T, H), grads: LuongAttentionParams).
    """
    dq, dhs, _ = dot_attention_backward(dcontext, cache.dot, dweights)
    return dq @ cache.params.W.T, dhs, LuongAttentionParams(cache.s.T @ dq)
