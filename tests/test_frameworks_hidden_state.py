"""Chapter 1's Keras and PyTorch models: parameter counts, and the same function as the NumPy reference."""
import warnings

import numpy as np
import pytest
import torch

from rnncourse.frameworks.hidden_state import (TorchRNNModel, keras_load_reference, keras_rnn_forward,
                                               keras_rnn_model, rnn_param_count, torch_rnn_forward)
from rnncourse.gradcheck import rel_error
from rnncourse.layers import DenseParams
from rnncourse.model import SequenceModelParams, model_forward
from rnncourse.rnn import RNNParams, rnn_forward
from rnncourse.training import torch_fit

# The outline's models: (T, D, H, activation)
SEED_MODELS = {"SimpleRNN(64, relu) on (10, 1)": (10, 1, 64, "relu"),
               "SimpleRNN(50, relu) on (10, 1)": (10, 1, 50, "relu"),
               "SimpleRNN(32) on (100, 32)": (100, 32, 32, "tanh")}


@pytest.mark.parametrize("name", SEED_MODELS)
def test_formula_and_reference_count_match_keras(name):
    T, D, H, activation = SEED_MODELS[name]
    model = keras_rnn_model(T, D, H, activation)
    rnn, dense = model.layers
    assert rnn_param_count(D, H) == rnn.count_params()
    assert RNNParams.init(D, H, activation=activation).count() == rnn.count_params()
    assert DenseParams.init(H, 1).count() == dense.count_params()


@pytest.mark.parametrize("name", SEED_MODELS)
def test_torch_model_has_one_extra_bias_vector(name):
    """nn.RNN keeps bias_ih and bias_hh, H numbers more than Keras' single bias."""
    T, D, H, activation = SEED_MODELS[name]
    keras_model = keras_rnn_model(T, D, H, activation)
    torch_model = TorchRNNModel(D, H, activation)
    assert sum(p.numel() for p in torch_model.rnn.parameters()) == keras_model.layers[0].count_params() + H
    assert sum(p.numel() for p in torch_model.head.parameters()) == keras_model.layers[1].count_params()


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_keras_and_torch_layers_agree_with_rnn_forward(activation):
    p = RNNParams.init(3, 5, seed=1, activation=activation)
    p.b[...] = np.random.default_rng(2).standard_normal(5)
    x = np.random.default_rng(3).standard_normal((4, 7, 3))
    out, h_T, _ = rnn_forward(x, p)
    for forward in (keras_rnn_forward, torch_rnn_forward):
        out_f, h_f = forward(p, x)
        assert out_f.shape == (4, 7, 5) and h_f.shape == (4, 5)
        assert rel_error(out_f, out) < 1e-9
        assert rel_error(h_f, h_T) < 1e-9


@pytest.mark.parametrize("many_to_many", [False, True])
def test_models_loaded_from_the_reference_compute_model_forward(many_to_many):
    params = SequenceModelParams(RNNParams.init(2, 6, seed=4, activation="relu"), DenseParams.init(6, 1, seed=5))
    params.head.b[...] = 0.3
    x = np.random.default_rng(6).standard_normal((3, 8, 2))
    scores, _ = model_forward(x, params, many_to_many)
    assert scores.shape == ((3, 8, 1) if many_to_many else (3, 1))
    keras_model = keras_load_reference(keras_rnn_model(8, 2, 6, "relu", many_to_many, dtype="float64"), params)
    assert rel_error(np.asarray(keras_model(x)), scores) < 1e-9
    torch_model = TorchRNNModel.from_reference(params, many_to_many)
    with torch.no_grad():
        assert rel_error(torch_model(torch.from_numpy(x)).numpy(), scores) < 1e-9


def test_torch_fit_trains_without_warnings():
    x = np.random.default_rng(0).standard_normal((16, 5, 1)).astype(np.float32)
    y = x.sum(axis=1)
    model = TorchRNNModel(1, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = torch_fit(model, torch.nn.functional.mse_loss, torch.optim.Adam(model.parameters()),
                            x, y, epochs=2, batch_size=8, every=10)
    assert len(history["loss"]) == 2
