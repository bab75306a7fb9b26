"""The sentiment models of chapter 6a: parameter counts from the layer formulas, the mask, and Keras = PyTorch = NumPy."""
import numpy as np
import pytest
import torch

from rnncourse.bridges import from_keras
from rnncourse.frameworks.sentiment import (KINDS, keras_bow_model, keras_sentiment_model, keras_to_torch,
                                            multi_hot, torch_sentiment_model)
from rnncourse.layers import DenseParams, EmbeddingParams
from rnncourse.model import SequenceModelParams, model_forward

V, E, H = 50, 8, 6


def keras_probs(model, ids):
    """The Keras model's probabilities (B,) for ids (B, T), called eagerly (faster than predict for one batch)."""
    return np.asarray(model(ids.astype("int32"), training=False))[:, 0]


def ids_with_padding(seed=0, B=5, T=9):
    """Random ids (B, T) with rows padded in front by 0, 3 and 8 steps."""
    ids = np.random.default_rng(seed).integers(1, V, (B, T))
    ids[1, :3] = 0
    ids[2, :8] = 0
    return ids


def test_outline_model_has_the_outlines_parameter_count():
    """Embedding(10000, 32) + SimpleRNN(32) + Dense(1): V·D + (D·H + H·H + H) + (H + 1)."""
    model = keras_sentiment_model("rnn", vocab_size=10000, embed_dim=32, units=32, maxlen=100)
    assert model.count_params() == 10000 * 32 + (32 * 32 + 32 * 32 + 32) + (32 + 1)


@pytest.mark.parametrize("kind, gates, extra_bias, directions",
                         [("rnn", 1, 0, 1), ("lstm", 4, 0, 1), ("gru", 3, 1, 1), ("bigru", 3, 1, 2)])
def test_keras_counts_follow_the_formula(kind, gates, extra_bias, directions):
    # Keras' reset-after GRU keeps a second (recurrent) bias of 3H
    recurrent = directions * (gates * (E * H + H * H + H) + extra_bias * gates * H)
    expected = V * E + recurrent + directions * H + 1
    assert keras_sentiment_model(kind, V, E, H, dropout=0.3, mask_zero=True).count_params() == expected


@pytest.mark.parametrize("kind", KINDS)
def test_torch_counts_equal_keras_plus_torchs_second_bias(kind):
    """PyTorch keeps bias_ih and bias_hh in every cell; Keras has one bias except in the reset-after GRU."""
    keras_count = keras_sentiment_model(kind, V, E, H, mask_zero=True).count_params()
    torch_count = sum(p.numel() for p in torch_sentiment_model(kind, V, E, H).parameters())
    gates = {"rnn": 1, "lstm": 4, "gru": 3, "bigru": 3}[kind]
    second_bias = 0 if kind in ("gru", "bigru") else gates * H
    assert torch_count == keras_count + second_bias


@pytest.mark.parametrize("kind", KINDS)
def test_keras_and_torch_agree_and_ignore_padding(kind):
    model = keras_sentiment_model(kind, V, E, H, dropout=0.3, mask_zero=True)
    module = keras_to_torch(model, torch_sentiment_model(kind, V, E, H, dropout=0.3)).eval()
    ids = ids_with_padding()
    p_keras = keras_probs(model, ids)
    with torch.no_grad():
        p_torch = torch.sigmoid(module(torch.from_numpy(ids))).numpy()
    np.testing.assert_allclose(p_torch, p_keras, atol=1e-6)
    # the same words padded at the end instead give the same probability in both frameworks
    post = np.zeros_like(ids)
    for i, row in enumerate(ids):
        words = row[row != 0]
        post[i, :len(words)] = words
    np.testing.assert_allclose(keras_probs(model, post), p_keras, atol=1e-6)
    with torch.no_grad():
        np.testing.assert_allclose(torch.sigmoid(module(torch.from_numpy(post))).numpy(), p_keras, atol=1e-6)


def test_numpy_reference_with_mask_equals_keras_bidirectional_gru():
    model = keras_sentiment_model("bigru", V, E, H, mask_zero=True)
    layer = {type(l).__name__: l for l in model.layers}
    params = SequenceModelParams(recurrent=from_keras(layer["Bidirectional"]),
                                 head=DenseParams(*layer["Dense"].get_weights()),
                                 embedding=EmbeddingParams(layer["Embedding"].get_weights()[0]))
    ids = ids_with_padding(seed=1)
    scores, _ = model_forward(ids, params, mask=ids != 0)
    np.testing.assert_allclose(1 / (1 + np.exp(-scores[:, 0])), keras_probs(model, ids),
                               atol=1e-6)


def test_multi_hot_marks_words_and_skips_padding_and_unknown():
    ids = np.array([[0, 0, 1, 5, 5, 7], [2, 3, 4, 5, 6, 7]])
    m = multi_hot(ids, 10)
    assert m.shape == (2, 10) and m.dtype == np.float32
    np.testing.assert_array_equal(np.flatnonzero(m[0]), [5, 7])
    np.testing.assert_array_equal(np.flatnonzero(m[1]), [2, 3, 4, 5, 6, 7])
    assert keras_bow_model(10).count_params() == 11


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="kind"):
        keras_sentiment_model("transformer")
    with pytest.raises(ValueError, match="kind"):
        torch_sentiment_model("transformer")


def test_both_models_start_from_the_given_embedding_table():
    table = np.random.default_rng(1).normal(size=(V, E)).astype(np.float32)
    model = keras_sentiment_model("bigru", V, E, H, mask_zero=True, embeddings=table)
    module = torch_sentiment_model("bigru", V, E, H, embeddings=table)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], table)
    np.testing.assert_array_equal(module.embedding.weight.detach().numpy(), table)
    assert module.embedding.weight.requires_grad, "pretrained vectors are trained further"


@pytest.mark.parametrize("build", [keras_sentiment_model, torch_sentiment_model])
def test_an_embedding_table_of_the_wrong_shape_is_refused_by_name(build):
    with pytest.raises(ValueError, match=r"embeddings must be a float \(vocab_size, embed_dim\) = \(50, 8\) table, got float64 \(50, 9\)"):
        build("gru", V, E, H, embeddings=np.zeros((V, E + 1)))
