"""rnncourse.frameworks.lstm: Keras and PyTorch agree with the NumPy reference, and the models have the seeds' sizes.

Oracles: the reference's lstm_forward for the outputs, Keras' count_params() and the
parameters PyTorch allocates for the counts.
"""
import keras
import numpy as np
import pytest
import torch

from rnncourse.frameworks.lstm import (keras_lstm_classifier, keras_lstm_regressor, keras_lstm_run,
                                       lstm_param_count, torch_lstm_param_count,
                                       torch_lstm_run)
from rnncourse.gradcheck import rel_error
from rnncourse.lstm import LSTMParams, lstm_forward


@pytest.fixture
def case():
    rng = np.random.default_rng(3)
    p = LSTMParams.init(D=3, H=4, seed=2)
    p.b[...] = rng.normal(size=p.b.shape)  # random gate biases, so a swapped block would show
    return p, rng.standard_normal((2, 6, 3))


@pytest.mark.parametrize("run", [keras_lstm_run, torch_lstm_run], ids=["keras", "torch"])
def test_framework_layer_matches_reference(case, run):
    p, x = case
    out, (h, c), _ = lstm_forward(x, p)
    out_f, h_f, c_f = run(p, x)
    assert out_f.shape == (2, 6, 4) and h_f.shape == c_f.shape == (2, 4)
    assert rel_error(out, out_f) < 1e-9
    assert rel_error(h, h_f) < 1e-9
    assert rel_error(c, c_f) < 1e-9


@pytest.mark.parametrize("D, H", [(1, 128), (1, 50), (2, 64), (32, 16)])
def test_param_count_formula_matches_keras_and_torch(D, H):
    model = keras.Sequential([keras.Input((None, D)), keras.layers.LSTM(H)])
    assert lstm_param_count(D, H) == model.count_params() == LSTMParams.init(D, H).count()
    assert torch_lstm_param_count(D, H) == lstm_param_count(D, H) + 4 * H  # the second bias


def test_outline_lstm128_classifier():
    model = keras_lstm_classifier(T=10, D=1, H=128)
    assert model.count_params() == 66_560 + 128 + 1  # LSTM(128) on one feature, then Dense(1)
    assert model.layers[-1].activation is keras.activations.sigmoid
    x = np.random.default_rng(0).uniform(-1, 1, (5, 10, 1)).astype("float32")
    pred = model.predict(x, verbose=0)
    assert pred.shape == (5, 1) and ((pred > 0) & (pred < 1)).all()


def test_outline_relu_regressor():
    model = keras_lstm_regressor(T=10, D=1, H=50, activation="relu")
    lstm = model.layers[0]
    assert lstm.units == 50 and lstm.activation is keras.activations.relu
    assert lstm.recurrent_activation is keras.activations.sigmoid  # the gates keep their sigmoid
    assert model.count_params() == 4 * 50 * (1 + 50 + 1) + 51
