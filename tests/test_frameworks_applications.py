"""The chapter 6 models (forecasting, text generation, speech): the NumPy reference against PyTorch and Keras."""
import numpy as np
import pytest
import torch

from rnncourse.activations import softmax
from rnncourse.bridges import from_torch
from rnncourse.datasets import build_char_vocab
from rnncourse.frameworks import forecasting, speech, text_generation
from rnncourse.layers import DenseParams


def dense_of(linear):
    """An nn.Linear's weights in the reference's layout: W (D, M), b (M,)."""
    return DenseParams(linear.weight.detach().numpy().T.copy(), linear.bias.detach().numpy().copy())


@pytest.mark.parametrize("kind", forecasting.KINDS)
def test_regressor_numpy_equals_torch(kind):
    torch.manual_seed(0)
    module = forecasting.torch_regressor(kind, D=3, units=5, nonlinearity="relu").double()
    x = np.random.default_rng(0).standard_normal((4, 6, 3))
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    got = forecasting.numpy_regressor_forward(from_torch(module.rnn), dense_of(module.out), x)
    assert got.shape == (4,)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_naive_forecast_and_mae():
    x = np.arange(24.0).reshape(2, 4, 3)  # window b ends with row 3 of its block
    np.testing.assert_array_equal(forecasting.naive_forecast(x, target=1), [10.0, 22.0])
    assert forecasting.mae([1.0, 2.0], [2.0, 0.0]) == pytest.approx(1.5)
    with pytest.raises(ValueError):
        forecasting.mae([1.0], [1.0, 2.0])


def test_softmax_with_temperature():
    z = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]])
    np.testing.assert_allclose(text_generation.softmax_with_temperature(z, 1.0), softmax(z))
    cold = text_generation.softmax_with_temperature(z, 0.01)
    np.testing.assert_allclose(cold, np.eye(3)[z.argmax(axis=1)], atol=1e-12)  # tau -> 0: the arg-max
    hot = text_generation.softmax_with_temperature(z, 1e6)
    np.testing.assert_allclose(hot, np.full_like(z, 1 / 3), atol=1e-5)        # tau -> inf: uniform
    with pytest.raises(ValueError):
        text_generation.softmax_with_temperature(z, 0.0)


def test_encode_names_shifts_by_one():
    vocab = build_char_vocab("abm", specials=(".",))
    x, y = text_generation.encode_names(["ab", "m"], vocab)
    assert x.shape == y.shape == (2, 3)
    assert "".join(vocab.decode(x[0])) == ".ab" and "".join(vocab.decode(y[0])) == "ab."
    assert y[1].tolist() == [vocab.index["m"], vocab.index["."], -100]


def test_sample_frequencies_follow_the_tempered_softmax():
    """A model whose logits ignore the state: every draw comes from softmax(b / tau)."""
    from rnncourse.gru import GRUParams

    V, H = 4, 3
    rnn = GRUParams.init(V, H, seed=0)
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    dense = DenseParams(np.zeros((H, V)), logits)
    for tau in (0.5, 1.0, 2.0):
        seqs = text_generation.sample(rnn, dense, start=0, end=-1, n=4000, temperature=tau, max_len=5, rng=0)
        freq = np.bincount(np.concatenate(seqs), minlength=V) / (4000 * 5)
        np.testing.assert_allclose(freq, softmax(logits / tau), atol=0.01)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_cold_sampling_is_greedy_decoding_in_torch(kind):
    V, H, L = 6, 8, 7
    torch.manual_seed(1)
    model = text_generation.torch_char_lm(V, H, kind=kind).double()
    ids = [0]
    with torch.no_grad():
        for _ in range(L):  # PyTorch re-reads the whole prefix: an independent oracle for the step loop
            ids.append(int(model(torch.tensor([ids]))[0, -1].argmax()))
    got = text_generation.sample(from_torch(model.rnn), dense_of(model.out), start=0, end=-1, n=2,
                                 temperature=1e-4, max_len=L, rng=0)
    assert got == [ids[1:], ids[1:]]


def test_classifier_masked_numpy_equals_packed_torch():
    rng = np.random.default_rng(0)
    lengths = np.array([5, 1, 8, 3])
    mask = np.arange(8) < lengths[:, None]
    x = rng.standard_normal((4, 8, 3)) * mask[..., None]  # post-padded with zero frames
    torch.manual_seed(0)
    module = speech.torch_classifier(D=3, C=4, units=5).double()
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    got = speech.numpy_classifier_forward(from_torch(module.rnn), dense_of(module.out), x, mask)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    # and padding really is skipped: the recording cut to its real frames gives the same logits
    alone = speech.numpy_classifier_forward(from_torch(module.rnn), dense_of(module.out), x[2:3, :8], None)
    np.testing.assert_allclose(got[2:3], alone, rtol=1e-10)


def test_pooling_centroid_and_confusion():
    x = np.array([[[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]]])
    np.testing.assert_allclose(speech.mean_pool(x, np.array([[True, True, False]])), [[2.0, 3.0]])
    x_train = np.array([[0.0], [0.2], [10.0], [10.4]])
    y_train = np.array([3, 3, 7, 7])
    np.testing.assert_array_equal(speech.nearest_centroid(x_train, y_train, np.array([[1.0], [9.0]])), [3, 7])
    cm = speech.confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], 3)
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_keras_models_have_the_seed_and_formula_parameter_counts():
    D, H = 1, 50  # the seed's input_shape=(10, 1) regressors
    assert forecasting.keras_regressor("rnn", 10, D, activation="relu").count_params() == H * (D + H + 1) + H + 1
    assert forecasting.keras_regressor("lstm", 10, D).count_params() == 4 * H * (D + H + 1) + H + 1
    assert forecasting.keras_regressor("gru", 10, D).count_params() == 3 * H * (D + H + 2) + H + 1
    V, H = 27, 16
    assert text_generation.keras_char_lm(V, H).count_params() == sum(
        p.numel() for p in text_generation.torch_char_lm(V, H).parameters())
    assert speech.keras_classifier(92, 13, units=H).count_params() == sum(
        p.numel() for p in speech.torch_classifier(13, units=H).parameters())


def test_mean_std_pool_ignores_padding_and_order():
    x = np.array([[[1.0, 2.0], [3.0, 6.0], [0.0, 0.0]]])
    mask = np.array([[True, True, False]])
    np.testing.assert_allclose(speech.mean_std_pool(x, mask), [[2.0, 4.0, 1.0, 2.0]])
    np.testing.assert_allclose(speech.mean_std_pool(x[:, [1, 0, 2]], mask), speech.mean_std_pool(x, mask))


def test_logistic_regression_reaches_the_minimiser_found_by_torch():
    """Gradient descent ends where L-BFGS in PyTorch minimises the same penalised cross-entropy."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((90, 3)) * [1.0, 5.0, 0.2] + [0.0, 10.0, -3.0]
    y = (x[:, 0] + 0.2 * x[:, 1] + rng.standard_normal(90) > 2.0).astype(int) + (x[:, 2] > -3.0)
    x_test = rng.standard_normal((200, 3)) * [1.0, 5.0, 0.2] + [0.0, 10.0, -3.0]
    l2 = 0.1
    got = speech.logistic_regression(x, y, x_test, l2=l2, steps=3000)
    z = torch.from_numpy((x - x.mean(axis=0)) / x.std(axis=0))
    W = torch.zeros(3, 3, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], max_iter=500, tolerance_grad=1e-12, line_search_fn="strong_wolfe")

    def objective():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(z @ W + b, torch.from_numpy(y)) + l2 / 2 * (W ** 2).sum()
        loss.backward()
        return loss

    opt.step(objective)
    z_test = torch.from_numpy((x_test - x.mean(axis=0)) / x.std(axis=0))
    expected = (z_test @ W + b).argmax(dim=1).numpy()
    assert np.mean(got == expected) >= 0.99
    assert len(set(expected)) == 3  # the test points reach every class: the comparison means something


def test_logistic_regression_rejects_bad_shapes():
    with pytest.raises(ValueError, match="x_train and x_test"):
        speech.logistic_regression(np.zeros((4, 2)), np.zeros(4, int), np.zeros((3, 5)))
    with pytest.raises(ValueError, match="y_train must be"):
        speech.logistic_regression(np.zeros((4, 2)), np.zeros(4), np.zeros((3, 2)))
