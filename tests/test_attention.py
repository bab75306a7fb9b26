"""Attention over RNN outputs against PyTorch autograd, numerical gradients and Keras' attention layers."""
import numpy as np
import pytest
import torch

from rnncourse.attention import (AdditiveAttentionParams, LuongAttentionParams, additive_attention_backward,
                                 additive_attention_forward, dot_attention_backward, dot_attention_forward,
                                 general_attention_backward, general_attention_forward)
from rnncourse.checks import DTypeError, ShapeError
from rnncourse.gradcheck import numerical_gradient

from bridge_cases import assert_close

KINDS = ["additive", "dot", "scaled dot", "general", "scaled general"]
DTYPES = [np.float64, np.float32]
SHAPES = [(1, 1, 2, 3, 4), (3, 5, 4, 4, 2), (2, 7, 3, 5, 6)]  # (B, T, Hq, H, A); dot kinds use Hq = H


def random_mask(rng, B, T):
    """Random valid positions, not only a prefix, with at least one per row."""
    mask = rng.random((B, T)) < 0.6
    mask[np.arange(B), rng.integers(0, T, B)] = True
    return mask


def make_case(kind, seed, B, T, Hq, H, A, dtype=np.float64, masked=False):
    """Params (None for dot), query s, outputs hs, mask and upstream gradients of context and weights."""
    rng = np.random.default_rng(seed)
    r = lambda *shape: rng.normal(0, 0.8, shape).astype(dtype)
    Hq = H if "dot" in kind else Hq
    params = (AdditiveAttentionParams(r(Hq, A), r(H, A), r(A)) if kind == "additive"
              else LuongAttentionParams(r(Hq, H)) if "general" in kind else None)
    mask = random_mask(rng, B, T) if masked else None
    return params, r(B, Hq), r(B, T, H), mask, r(B, H), r(B, T)


def forward(kind, s, hs, params, mask=None):
    if kind == "additive":
        return additive_attention_forward(s, hs, params, mask)
    if "general" in kind:
        return general_attention_forward(s, hs, params, mask, scale="scaled" in kind)
    return dot_attention_forward(s, hs, mask, scale="scaled" in kind)


BACKWARD = {"additive": additive_attention_backward, "general": general_attention_backward,
            "scaled general": general_attention_backward, "dot": dot_attention_backward,
            "scaled dot": dot_attention_backward}


def torch_attention(kind, s, hs, params, mask, dcontext, dweights):
    """The formulas written out in PyTorch; autograd gives ds, dhs and the parameter gradients."""
    leaf = lambda a: torch.tensor(a, requires_grad=True)
    s_t, hs_t = leaf(s), leaf(hs)
    P = {name: leaf(a) for name, a in params.arrays().items()} if params is not None else {}
    if kind == "additive":
        scores = torch.tanh((s_t @ P["Wq"])[:, None, :] + hs_t @ P["Wk"]) @ P["v"]
    else:
        q = s_t @ P["W"] if "general" in kind else s_t
        scores = (q[:, None, :] * hs_t).sum(-1)
        if "scaled" in kind:
            scores = scores / np.sqrt(hs.shape[2])
    if mask is not None:
        scores = scores.masked_fill(~torch.from_numpy(mask), -torch.inf)
    weights = torch.softmax(scores, dim=1)
    context = (weights[:, :, None] * hs_t).sum(1)
    ((context * torch.from_numpy(dcontext)).sum() + (weights * torch.from_numpy(dweights)).sum()).backward()
    grads = {name: t.grad.numpy() for name, t in P.items()}
    return context.detach().numpy(), weights.detach().numpy(), s_t.grad.numpy(), hs_t.grad.numpy(), grads


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", KINDS)
def test_forward_and_backward_match_torch_autograd(kind, shape, dtype, masked):
    params, s, hs, mask, dcontext, dweights = make_case(kind, 1, *shape, dtype, masked)
    context, weights, cache = forward(kind, s, hs, params, mask)
    ref_context, ref_weights, ref_ds, ref_dhs, ref_grads = torch_attention(kind, s, hs, params, mask,
                                                                           dcontext, dweights)
    assert context.dtype == weights.dtype == dtype
    assert_close(context, ref_context, "context")
    assert_close(weights, ref_weights, "weights")
    ds, dhs, grads = BACKWARD[kind](dcontext, cache, dweights)
    assert ds.dtype == dhs.dtype == dtype
    assert_close(ds, ref_ds, "ds")
    assert_close(dhs, ref_dhs, "dhs")
    if params is None:
        assert grads is None
    else:
        assert type(grads) is type(params)
        assert grads.arrays().keys() == ref_grads.keys()
        for name, g in grads.arrays().items():
            assert g.dtype == dtype
            assert_close(g, ref_grads[name], f"d{name}")


@pytest.mark.parametrize("with_dweights", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_backward_matches_numerical_gradient(kind, masked, with_dweights):
    params, s, hs, mask, dcontext, dweights = make_case(kind, 2, 2, 5, 3, 4, 3, masked=masked)
    dweights = dweights if with_dweights else None
    _, _, cache = forward(kind, s, hs, params, mask)
    ds, dhs, grads = BACKWARD[kind](dcontext, cache, dweights)

    def outputs():
        context, weights, _ = forward(kind, s, hs, params, mask)
        return np.concatenate([context.ravel(), weights.ravel()])

    dw = np.zeros(hs.shape[:2]) if dweights is None else dweights
    df = np.concatenate([dcontext.ravel(), dw.ravel()])
    numerical = lambda a: numerical_gradient(outputs, a, df, eps=1e-5)
    assert_close(ds, numerical(s), "ds")
    assert_close(dhs, numerical(hs), "dhs")
    for name, p in (params.arrays().items() if params is not None else ()):
        assert_close(getattr(grads, name), numerical(p), f"d{name}")


@pytest.mark.parametrize("kind", KINDS)
def test_masked_positions_get_zero_weight_and_gradient(kind):
    params, s, hs, _, dcontext, dweights = make_case(kind, 3, 3, 6, 4, 4, 5)
    mask = np.array([[1, 1, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1], [1, 1, 1, 1, 1, 1]], dtype=bool)
    context, weights, cache = forward(kind, s, hs, params, mask)
    assert np.all(weights[~mask] == 0)
    assert np.allclose(weights.sum(axis=1), 1)
    assert np.allclose(context[1], hs[1, 5]), "a row with one valid position must return that output"
    changed = hs.copy()
    changed[~mask] = 100.0
    assert np.array_equal(forward(kind, s, changed, params, mask)[0], context)
    _, dhs, _ = BACKWARD[kind](dcontext, cache, dweights)
    assert np.all(dhs[~mask] == 0)


def test_large_scores_do_not_overflow():
    s = np.full((1, 2), 400.0)
    hs = np.array([[[1.0, 1.0], [2.0, 2.0], [-3.0, 0.0]]])
    context, weights, _ = dot_attention_forward(s, hs)
    assert np.all(np.isfinite(weights))
    assert_close(weights, torch.softmax(torch.from_numpy((hs[0] @ s[0])[None]), 1).numpy(), "weights")
    assert_close(context, hs[:, 1], "context")


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("scale", [False, True])
def test_dot_attention_matches_torch_scaled_dot_product_attention(scale, masked):
    _, s, hs, mask, _, _ = make_case("dot", 4, 3, 6, 5, 5, 1, masked=masked)
    q, kv = torch.from_numpy(s[:, None, :]), torch.from_numpy(hs)
    attn_mask = None if mask is None else torch.from_numpy(mask[:, None, :])
    ref = torch.nn.functional.scaled_dot_product_attention(q, kv, kv, attn_mask=attn_mask,
                                                           scale=None if scale else 1.0)
    context, _, _ = dot_attention_forward(s, hs, mask, scale=scale)
    assert_close(context, ref[:, 0].numpy(), "context")


def test_dot_and_additive_attention_match_keras():
    """keras.layers.Attention is Luong's dot score for a query sequence of length 1; Keras'
    AdditiveAttention is Bahdanau's score with Wq = Wk = I and v its learned scale."""
    import keras

    _, s, hs, mask, _, _ = make_case("dot", 5, 3, 6, 4, 4, 1, masked=True)
    dot = keras.layers.Attention(use_scale=False, dtype="float64")
    for m in (None, mask):
        out, scores = dot([s[:, None, :], hs], mask=None if m is None else [None, m],
                          return_attention_scores=True)
        context, weights, _ = dot_attention_forward(s, hs, m)
        assert_close(context, keras.ops.convert_to_numpy(out)[:, 0], "context")
        assert_close(weights, keras.ops.convert_to_numpy(scores)[:, 0], "weights")

    H = hs.shape[2]
    v = np.random.default_rng(6).normal(size=H)
    additive = keras.layers.AdditiveAttention(use_scale=True, dtype="float64")
    additive.build([(None, 1, H), (None, None, H)])
    additive.scale.assign(v)
    params = AdditiveAttentionParams(np.eye(H), np.eye(H), v)
    out, scores = additive([s[:, None, :], hs], mask=[None, mask], return_attention_scores=True)
    context, weights, _ = additive_attention_forward(s, hs, params, mask)
    assert_close(context, keras.ops.convert_to_numpy(out)[:, 0], "additive context")
    assert_close(weights, keras.ops.convert_to_numpy(scores)[:, 0], "additive weights")


def test_init_shapes_and_dtype():
    p = AdditiveAttentionParams.init(3, 5, 7, seed=0, dtype=np.float32)
    assert (p.Wq.shape, p.Wk.shape, p.v.shape, p.dtype) == ((3, 7), (5, 7), (7,), np.float32)
    assert p.count() == 3 * 7 + 5 * 7 + 7
    assert LuongAttentionParams.init(3, 5).W.shape == (3, 5)


@pytest.mark.parametrize("kind", KINDS)
def test_bad_inputs_raise_clear_errors(kind):
    params, s, hs, mask, dcontext, _ = make_case(kind, 7, 2, 4, 3, 5, 2)
    narrow = "query as wide as hs" if "dot" in kind else r"hs must be \(B, T, H\) = \(2, \?, 5\)"
    with pytest.raises(ShapeError, match=narrow):
        forward(kind, s, hs[:, :, :-1], params)
    with pytest.raises(ShapeError, match=r"hs must be \(B, T, H\) = \(2, \?"):
        forward(kind, s, hs[:1], params)
    with pytest.raises(ShapeError, match="T = 0"):
        forward(kind, s, hs[:, :0], params)
    with pytest.raises(ShapeError, match=r"mask must be \(B, T\) = \(2, 4\)"):
        forward(kind, s, hs, params, np.ones((2, 3), bool))
    all_masked = np.ones((2, 4), bool)
    all_masked[1] = False
    with pytest.raises(ValueError, match=r"no valid position in row\(s\) \[1\]"):
        forward(kind, s, hs, params, all_masked)
    with pytest.raises(DTypeError, match="float64"):
        forward(kind, s.astype(np.float32), hs, params)
    _, _, cache = forward(kind, s, hs, params)
    with pytest.raises(ShapeError, match=r"dcontext must be \(B, H\) = \(2, 5\)"):
        BACKWARD[kind](dcontext[:, :-1], cache)
    with pytest.raises(ShapeError, match=r"dweights must be \(B, T\) = \(2, 4\)"):
        BACKWARD[kind](dcontext, cache, np.ones((2, 5)))


def test_query_size_errors():
    s, hs = np.ones((2, 3)), np.ones((2, 4, 5))
    with pytest.raises(ShapeError, match=r"query as wide as hs.*general attention"):
        dot_attention_forward(s, hs)
    with pytest.raises(ShapeError, match=r"s must be \(B, Hq\) = \(\?, 4\)"):
        additive_attention_forward(s, hs, AdditiveAttentionParams.init(4, 5, 2))
    with pytest.raises(ShapeError, match=r"hs must be \(B, T, H\) = \(2, \?, 6\)"):
        general_attention_forward(s, hs, LuongAttentionParams.init(3, 6))
    with pytest.raises(TypeError, match="AdditiveAttentionParams"):
        additive_attention_forward(s, hs, LuongAttentionParams.init(3, 5))
    with pytest.raises(TypeError, match="LuongAttentionParams"):
        general_attention_forward(s, hs, None)
    with pytest.raises(ShapeError, match=r"AdditiveAttentionParams.v must be \(A,?\) = \(2,?\)"):
        AdditiveAttentionParams(np.ones((3, 2)), np.ones((5, 2)), np.ones(3))
