"""The Keras and PyTorch models of chapter 4 (rnncourse/frameworks/gru.py) against the NumPy reference.

Oracles: the reference's forward pass (on weights read out of the framework model with the
bridges), the parameter-count formulas, and the GRU equations written out for the first step.
"""
import keras
import numpy as np
import pytest
import torch

from rnncourse.activations import sigmoid
from rnncourse.bridges import from_keras, from_torch
from rnncourse.frameworks.bptt import LastStateRegressor
from rnncourse.frameworks.gru import (fit_adding, gate_values, keras_gru_regressor,
                                      keras_lstm_regressor, keras_stacked_bigru, torch_stacked_bigru)
from rnncourse.gru import GRUParams
from rnncourse.layers import DenseParams
from rnncourse.model import SequenceModelParams, model_forward
from rnncourse.stack import stack_forward
from rnncourse.tasks import adding_problem


def torch_count(module):
    return sum(t.numel() for t in module.parameters())


@pytest.mark.parametrize("D, H", [(2, 64), (3, 5)])
def test_regressor_parameter_counts(D, H):
    head = H + 1
    assert keras_gru_regressor(D, H).count_params() == 3 * H * (D + H + 2) + head
    assert keras_gru_regressor(D, H, reset_after=False).count_params() == 3 * H * (D + H + 1) + head
    assert keras_lstm_regressor(D, H).count_params() == 4 * H * (D + H + 1) + head
    assert torch_count(LastStateRegressor(D, H, "gru")) == 3 * H * (D + H + 2) + head
    assert torch_count(LastStateRegressor(D, H, "lstm")) == 4 * H * (D + H + 2) + head  # two LSTM biases


def test_stacked_bigru_counts_agree():
    D, H = 3, 4
    layer0, layer1 = 2 * 3 * H * (D + H + 2), 2 * 3 * H * (2 * H + H + 2)
    assert keras_stacked_bigru(D, H).count_params() == layer0 + layer1
    assert torch_count(torch_stacked_bigru(D, H)) == layer0 + layer1


def test_torch_regressor_equals_numpy_model():
    torch.manual_seed(0)
    model = LastStateRegressor(2, 6, "gru").double()
    x, _ = adding_problem(5, T=12, seed=0)
    params = SequenceModelParams(from_torch(model.rnn),
                                 DenseParams(model.head.weight.detach().numpy().T.copy(),
                                             model.head.bias.detach().numpy().copy()))
    expected, _ = model_forward(x, params)
    got = model(torch.from_numpy(x)).detach().numpy()
    assert got.shape == (5, 1)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_regressor_equals_numpy_model(reset_after):
    keras.utils.set_random_seed(0)
    model = keras_gru_regressor(2, 6, reset_after=reset_after)
    gru, dense = model.layers
    rng = np.random.default_rng(1)
    gru.cell.bias.assign(rng.normal(0, 0.5, gru.cell.bias.shape).astype("float32"))
    params = SequenceModelParams(from_keras(gru), DenseParams(*[np.asarray(w) for w in dense.get_weights()]))
    assert params.recurrent.reset_after is reset_after
    x, _ = adding_problem(5, T=12, seed=0, dtype=np.float32)
    expected, _ = model_forward(x, params)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), expected, atol=1e-5)


def test_keras_stacked_bigru_equals_numpy_stack():
    keras.utils.set_random_seed(0)
    model = keras_stacked_bigru(3, 4)
    x = np.random.default_rng(2).standard_normal((2, 5, 3)).astype(np.float32)
    out, _, _ = stack_forward(x, from_keras(model))
    assert out.shape == (2, 5, 8)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), out, atol=1e-5)


def test_gate_values_first_step_by_hand():
    D, H = 3, 4
    p = GRUParams.init(D, H, seed=0)
    rng = np.random.default_rng(3)
    p.b[:], p.bh[:] = rng.normal(0, 1, (2, 3 * H))
    x = rng.standard_normal((2, 5, D))
    r, z = gate_values(x, p)
    assert r.shape == z.shape == (2, 5, H)
    # With h0 = 0 the recurrent product vanishes and only the biases bh remain.
    pre = x[:, 0] @ p.Wx + p.b + p.bh
    np.testing.assert_allclose(r[:, 0], sigmoid(pre[:, :H]), rtol=1e-12)
    np.testing.assert_allclose(z[:, 0], sigmoid(pre[:, H:2 * H]), rtol=1e-12)


def test_fit_adding_runs_and_reports(capsys):
    torch.manual_seed(0)
    train = adding_problem(64, T=10, seed=0, dtype=np.float32)
    test = adding_problem(32, T=10, seed=1, dtype=np.float32)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two threads on a busy machine make this tiny run seconds slower
    try:
        history, wall, cpu = fit_adding(LastStateRegressor(2, 8), train, test, lr=1e-2, epochs=2, every=1)
    finally:
        torch.set_num_threads(threads)
    assert len(history["loss"]) == len(history["val_loss"]) == 2
    assert wall > 0 and cpu > 0
    assert "epoch 2/2" in capsys.readouterr().out
