"""The chapter 2 framework code (rnncourse.frameworks.bptt) against the NumPy reference."""
import numpy as np
import pytest
import torch

from rnncourse.clip import clip_by_global_norm, clip_by_value
from rnncourse.frameworks import bptt
from rnncourse.gradcheck import rel_error
from rnncourse.rnn import RNNParams, rnn_backward, rnn_forward


def _case(B=2, T=7, D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    p = RNNParams.init(D, H, seed=seed)
    p.b[...] = 0.1 * rng.standard_normal(H)
    return p, rng.standard_normal((B, T, D)), rng.standard_normal((B, H)), rng.standard_normal((B, T, H))


def _assert_same(ours, theirs, tol=1e-10):
    for (name, a), b in zip(ours.arrays().items(), theirs.arrays().values()):
        assert rel_error(a, b) < tol, f"d{name} differs"


def test_torch_autograd_equals_bptt():
    p, x, h0, dout = _case()
    dx, dh0, grads = rnn_backward(dout, rnn_forward(x, p, h0=h0)[2])
    dx_t, dh0_t, grads_t = bptt.torch_rnn_gradients(p, x, dout, h0=h0)
    assert rel_error(dx, dx_t) < 1e-10 and rel_error(dh0, dh0_t) < 1e-10
    _assert_same(grads, grads_t)


def test_keras_gradient_tape_equals_bptt():
    p, x, _, dout = _case(seed=1)
    dx, _, grads = rnn_backward(dout, rnn_forward(x, p)[2])
    dx_k, grads_k = bptt.keras_rnn_gradients(p, x, dout)
    assert rel_error(dx, dx_k) < 1e-10
    _assert_same(grads, grads_k)


@pytest.mark.parametrize("k", [1, 3, 7])
def test_detaching_every_k_steps_equals_truncate(k):
    p, x, _, dout = _case(T=7, seed=2)   # k = 3 leaves a last chunk of one step
    dx, _, grads = rnn_backward(dout, rnn_forward(x, p)[2], truncate=k)
    dx_t, grads_t = bptt.torch_truncated_gradients(p, x, dout, k)
    assert rel_error(dx, dx_t) < 1e-10
    _assert_same(grads, grads_t)


def _grads(seed=3):
    rng = np.random.default_rng(seed)
    return {"Wx": 5 * rng.standard_normal((3, 4)), "Wh": 20 * rng.standard_normal((4, 4)), "b": rng.standard_normal(4)}


def test_torch_clipping_matches_reference():
    g = _grads()
    by_norm, by_value = clip_by_global_norm(g, 1.0)[0], clip_by_value(g, 0.5)
    t_norm, t_value = bptt.torch_clip(g, max_norm=1.0), bptt.torch_clip(g, clip_value=0.5)
    for n in g:
        np.testing.assert_allclose(t_norm[n], by_norm[n], rtol=1e-5)   # torch divides by norm + 1e-6
        np.testing.assert_array_equal(t_value[n], by_value[n])
    with pytest.raises(ValueError):
        bptt.torch_clip(g)


def test_keras_clipping_options():
    g = _grads()
    k_global = bptt.keras_clip(g, global_clipnorm=1.0)
    k_value = bptt.keras_clip(g, clipvalue=0.5)
    k_each = bptt.keras_clip(g, clipnorm=1.0)
    by_norm, by_value = clip_by_global_norm(g, 1.0)[0], clip_by_value(g, 0.5)
    for n, a in g.items():
        np.testing.assert_allclose(k_global[n], by_norm[n], rtol=1e-9)
        np.testing.assert_allclose(k_value[n], by_value[n], rtol=1e-12)
        # clipnorm clips every array's own norm
        np.testing.assert_allclose(k_each[n], a * min(1.0, 1.0 / np.linalg.norm(a)), rtol=1e-9)


def test_adding_problem_models_parameter_counts():
    D, H = 2, 64
    model = bptt.LastStateRegressor(D, H)
    assert sum(t.numel() for t in model.parameters()) == D * H + H * H + 2 * H + H + 1
    assert model(torch.zeros(5, 50, D)).shape == (5, 1)
    keras_model = bptt.keras_last_state_regressor(T=50, D=D, H=H)
    assert keras_model.count_params() == D * H + H * H + H + H + 1
    assert keras_model.output_shape == (None, 1)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_last_state_regressor_reads_the_last_hidden_state(kind):
    torch.manual_seed(0)
    model = bptt.LastStateRegressor(D=2, H=8, kind=kind)
    x = torch.randn(3, 5, 2)
    with torch.no_grad():
        out, _ = model.rnn(x)
        assert torch.allclose(model(x), model.head(out[:, -1]))
        assert isinstance(model.rnn, {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind])
    assert model(x).shape == (3, 1)
