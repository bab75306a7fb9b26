"""Dense and embedding layers against nn.Linear / nn.Embedding, torch autograd and numerical gradients."""
import numpy as np
import pytest
import torch
from torch import nn

from rnncourse.checks import DTypeError, ShapeError
from rnncourse.gradcheck import numerical_gradient
from rnncourse.layers import (DenseParams, EmbeddingParams, dense_backward, dense_forward, embedding_backward,
                              embedding_forward)
from torch_oracle import assert_close

DTYPES = [np.float64, np.float32]
DENSE_SHAPES = [(1, None, 1, 1), (4, None, 3, 5), (1, 1, 2, 3), (3, 6, 5, 2)]  # (B, T or None for 2-D x, D, M)
EMBED_SHAPES = [(1, None, 1, 1), (5, None, 4, 3), (1, 1, 3, 2), (3, 7, 5, 4)]  # (B, T or None for 1-D ids, V, D)


def dense_case(seed, B, T, D, M, dtype=np.float64):
    """Random params, input x (B, D) or (B, T, D) and upstream gradient dout."""
    rng = np.random.default_rng(seed)
    r = lambda *shape: rng.normal(0, 1, shape).astype(dtype)
    lead = (B,) if T is None else (B, T)
    return DenseParams(r(D, M), r(M)), r(*lead, D), r(*lead, M)


def torch_linear(p, x, dout):
    """nn.Linear holding W.T and b: out, and the gradients of sum(out * dout)."""
    D, M = p.W.shape
    lin = nn.Linear(D, M, dtype=torch.float64 if p.dtype == np.float64 else torch.float32)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(p.W.T))
        lin.bias.copy_(torch.from_numpy(p.b))
    xt = torch.tensor(x, requires_grad=True)
    out = lin(xt)
    (out * torch.from_numpy(dout)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), lin.weight.grad.numpy().T, lin.bias.grad.numpy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", DENSE_SHAPES)
def test_dense_matches_torch(dtype, shape):
    p, x, dout = dense_case(0, *shape, dtype)
    out, cache = dense_forward(x, p)
    dx, grads = dense_backward(dout, cache)
    out_t, dx_t, dW_t, db_t = torch_linear(p, x, dout)
    assert out.shape == x.shape[:-1] + (p.W.shape[1],) and out.dtype == dtype
    assert isinstance(grads, DenseParams) and dx.dtype == grads.W.dtype == dtype
    assert_close(out, out_t, "out")
    assert_close(dx, dx_t, "dx")
    assert_close(grads.W, dW_t, "dW")
    assert_close(grads.b, db_t, "db")


@pytest.mark.parametrize("shape", DENSE_SHAPES)
def test_dense_gradients_numerical(shape):
    p, x, dout = dense_case(1, *shape)
    dx, grads = dense_backward(dout, dense_forward(x, p)[1])
    f = lambda: dense_forward(x, p)[0]
    assert_close(dx, numerical_gradient(f, x, dout), "dx")
    assert_close(grads.W, numerical_gradient(f, p.W, dout), "dW")
    assert_close(grads.b, numerical_gradient(f, p.b, dout), "db")


def test_dense_on_a_sequence_is_the_same_layer_at_every_step():
    p, x, dout = dense_case(2, 3, 4, 5, 2)
    out, cache = dense_forward(x, p)
    _, grads = dense_backward(dout, cache)
    for t in range(x.shape[1]):
        assert_close(out[:, t], dense_forward(x[:, t], p)[0], f"step {t}")
    per_step = [dense_backward(dout[:, t], dense_forward(x[:, t], p)[1])[1] for t in range(x.shape[1])]
    assert_close(grads.W, sum(g.W for g in per_step), "dW sums over time")


@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_init_is_keras_default(dtype):
    D, M = 7, 3
    p = DenseParams.init(D, M, seed=3, dtype=dtype)
    limit = np.sqrt(6 / (D + M))
    assert p.W.shape == (D, M) and p.b.shape == (M,) and p.dtype == dtype
    assert np.all(np.abs(p.W) <= limit) and np.abs(p.W).max() > limit / 2
    assert np.all(p.b == 0)
    np.testing.assert_array_equal(p.W, DenseParams.init(D, M, seed=3, dtype=dtype).W)
    assert p.count() == D * M + M


def test_dense_rejects_bad_input():
    p, x, dout = dense_case(4, 2, 3, 4, 5)
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\) = \(\?, \?, 4\), got \(2, 3, 6\)"):
        dense_forward(np.zeros((2, 3, 6)), p)
    with pytest.raises(ShapeError, match=r"x must be \(B, D\) = \(\?, 4\), got \(2, 6\)"):
        dense_forward(np.zeros((2, 6)), p)
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\)"):
        dense_forward(np.zeros(4), p)
    with pytest.raises(DTypeError, match="float64"):
        dense_forward(x.astype(np.float32), p)
    _, cache = dense_forward(x, p)
    with pytest.raises(ShapeError, match=r"dout must be \(B, T, M\) = \(2, 3, 5\), got \(2, 3, 4\)"):
        dense_backward(np.zeros((2, 3, 4)), cache)
    with pytest.raises(ShapeError, match=r"DenseParams.b must be \(M,?\) = \(5,?\), got \(4,\)"):
        DenseParams(p.W, np.zeros(4))


def embed_case(seed, B, T, V, D, dtype=np.float64):
    """Random table E, ids (B,) or (B, T) with repeated tokens, upstream gradient dout."""
    rng = np.random.default_rng(seed)
    lead = (B,) if T is None else (B, T)
    ids = rng.integers(0, V, lead)
    ids.flat[-1] = ids.flat[0]  # at least one repeated id whenever there are two positions
    return (EmbeddingParams(rng.normal(0, 1, (V, D)).astype(dtype)), ids,
            rng.normal(0, 1, lead + (D,)).astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", EMBED_SHAPES)
def test_embedding_matches_torch(dtype, shape):
    p, ids, dout = embed_case(5, *shape, dtype)
    out, cache = embedding_forward(ids, p)
    grads = embedding_backward(dout, cache)
    emb = nn.Embedding.from_pretrained(torch.from_numpy(p.E.copy()), freeze=False)
    out_t = emb(torch.from_numpy(ids))
    (out_t * torch.from_numpy(dout)).sum().backward()
    assert out.shape == ids.shape + (p.E.shape[1],) and out.dtype == dtype
    assert isinstance(grads, EmbeddingParams) and grads.E.dtype == dtype
    assert_close(out, out_t.detach().numpy(), "out")
    assert_close(grads.E, emb.weight.grad.numpy(), "dE")


@pytest.mark.parametrize("shape", EMBED_SHAPES)
def test_embedding_gradient_numerical(shape):
    p, ids, dout = embed_case(6, *shape)
    grads = embedding_backward(dout, embedding_forward(ids, p)[1])
    assert_close(grads.E, numerical_gradient(lambda: embedding_forward(ids, p)[0], p.E, dout), "dE")


def test_embedding_accumulates_repeated_ids():
    p = EmbeddingParams(np.zeros((4, 2)))
    ids = np.array([[3, 1, 3, 3]])
    dout = np.arange(8.0).reshape(1, 4, 2)
    dE = embedding_backward(dout, embedding_forward(ids, p)[1]).E
    assert_close(dE[3], dout[0, 0] + dout[0, 2] + dout[0, 3], "three occurrences of id 3")
    assert np.all(dE[[0, 2]] == 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_embedding_init_is_keras_default(dtype):
    p = EmbeddingParams.init(50, 8, seed=1, dtype=dtype)
    assert p.E.shape == (50, 8) and p.dtype == dtype
    assert np.all(np.abs(p.E) <= 0.05) and np.abs(p.E).max() > 0.04


def test_embedding_rejects_bad_ids():
    p = EmbeddingParams.init(10, 3)
    with pytest.raises(DTypeError, match="ids must hold integers, got float64"):
        embedding_forward(np.array([[1.0, 2.0]]), p)
    with pytest.raises(DTypeError, match="integers"):
        embedding_forward(np.array([[True, False]]), p)
    with pytest.raises(ValueError, match=r"\[0, V\) = \[0, 10\), got 10 at position \(1, 0\)"):
        embedding_forward(np.array([[1, 2], [10, 3]]), p)
    with pytest.raises(ValueError, match=r"\[0, 10\), got -1"):
        embedding_forward([[0, -1]], p)
    with pytest.raises(ShapeError, match=r"ids must be \(B, T\) or \(B,\), got \(1, 2, 3\)"):
        embedding_forward(np.zeros((1, 2, 3), int), p)
    _, cache = embedding_forward(np.array([[1, 2]]), p)
    with pytest.raises(ShapeError, match=r"dout must be \(B, T, D\) = \(1, 2, 3\)"):
        embedding_backward(np.zeros((1, 2, 4)), cache)
