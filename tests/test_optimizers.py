"""SGD, RMSprop and Adam: five steps give the weights of keras.optimizers and of torch.optim.

Keras is the reference for the formulas; torch.optim agrees once its hyperparameters
are matched, except for where RMSprop and Adam add epsilon, which the torch tests
pin down exactly.
"""
import contextlib
import inspect

import numpy as np
import pytest
import torch

from rnncourse import optimizers
from rnncourse.checks import DTypeError, NonFiniteError, ShapeError
from rnncourse.gradcheck import rel_error
from rnncourse.layers import DenseParams
from rnncourse.optimizers import SGD, Adam, RMSprop
from torch_oracle import assert_close

STEPS = 5
# Keras casts beta_1, beta_2 and SGD's momentum through float32 even for float64 weights
# (see test_keras_float64_rounds_some_hyperparameters_to_float32); these values are exact
# in float32, so the float64 comparison below is exact too.
CASES = [
    ("SGD", {}),
    ("SGD", dict(learning_rate=0.1, momentum=0.875)),
    ("SGD", dict(learning_rate=0.1, momentum=0.875, nesterov=True)),
    ("RMSprop", {}),
    ("RMSprop", dict(learning_rate=0.01, rho=0.8, momentum=0.5)),
    ("RMSprop", dict(centered=True)),
    ("RMSprop", dict(learning_rate=0.01, momentum=0.875, epsilon=1e-3, centered=True)),
    ("Adam", dict(beta_1=0.875, beta_2=0.99609375)),
    ("Adam", dict(learning_rate=0.01, beta_1=0.5, beta_2=0.9375, epsilon=1e-3)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in CASES]


def make_case(seed, dtype=np.float64, D=3, M=5, low=0.0):
    """Initial weights {W (D, M), b (M,)} and STEPS gradients; |g| >= low when low > 0."""
    rng = np.random.default_rng(seed)
    w0 = {"W": rng.normal(0, 1, (D, M)).astype(dtype), "b": rng.normal(0, 1, M).astype(dtype)}

    def grad(shape):
        g = rng.normal(0, 1, shape)
        return (np.sign(g) * rng.uniform(low, 2, shape) if low else g).astype(dtype)

    return w0, [{n: grad(w.shape) for n, w in w0.items()} for _ in range(STEPS)]


def ours(name, kwargs, w0, grads):
    """Our optimizer on a DenseParams container; returns the final {name: array}."""
    params = DenseParams(w0["W"].copy(), w0["b"].copy())
    opt = getattr(optimizers, name)(**kwargs)
    for g in grads:
        opt.step(params, DenseParams(g["W"], g["b"]))
    return params.arrays()


@contextlib.contextmanager
def keras_floatx(dtype):
    """Keras keeps the learning rate in a floatx variable; float64 weights need it in float64 too."""
    import keras
    old = keras.config.floatx()
    keras.config.set_floatx(np.dtype(dtype).name)
    try:
        yield keras
    finally:
        keras.config.set_floatx(old)


def keras_run(name, kwargs, w0, grads):
    """keras.optimizers.<name>.apply on keras.Variables of w0's dtype."""
    dtype = next(iter(w0.values())).dtype
    with keras_floatx(dtype) as keras:
        variables = [keras.Variable(w, dtype=dtype.name) for w in w0.values()]
        opt = getattr(keras.optimizers, name)(**kwargs)
        for g in grads:
            opt.apply(list(g.values()), variables)
        return {n: keras.ops.convert_to_numpy(v) for n, v in zip(w0, variables)}


def torch_run(make_opt, w0, grads, before_step=None):
    """A torch.optim optimizer made by make_opt(tensors) over the same gradients.

    before_step(opt, t) may change the optimizer's settings before step t = 1, 2, ...
    """
    tensors = {n: torch.tensor(w, requires_grad=True) for n, w in w0.items()}
    opt = make_opt(list(tensors.values()))
    for t, g in enumerate(grads, start=1):
        for n, x in tensors.items():
            x.grad = torch.from_numpy(g[n].copy())
        if before_step:
            before_step(opt, t)
        opt.step()
    return {n: x.detach().numpy() for n, x in tensors.items()}


def assert_same_updates(w, w_ref, w0, what):
    """float64: the updates w - w0 agree entrywise; float32: the weights agree to 1e-5."""
    for n in w0:
        if w0[n].dtype == np.float64:
            assert_close(w[n] - w0[n], w_ref[n] - w0[n], f"{what} update of {n}")
        else:
            err = rel_error(w[n], w_ref[n])
            assert err < 1e-5, f"{what} {n}: relative error {err:.2e}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_five_steps_match_keras(name, kwargs, dtype):
    w0, grads = make_case(0, dtype)
    w = ours(name, kwargs, w0, grads)
    assert all(a.dtype == dtype for a in w.values())
    assert_same_updates(w, keras_run(name, kwargs, w0, grads), w0, f"keras {name}")


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam"])
def test_defaults_and_names_are_keras(name):
    import keras
    config = getattr(keras.optimizers, name)().get_config()
    ours_opt = getattr(optimizers, name)()
    for arg in inspect.signature(type(ours_opt)).parameters:
        assert getattr(ours_opt, arg) == pytest.approx(config[arg]), arg


def test_keras_float64_rounds_some_hyperparameters_to_float32():
    """With float64 weights Keras still takes SGD's momentum, and the betas of Adam's bias corrections
    beta_1^t and beta_2^t, from float32 (ops.cast of a Python float makes a float32 tensor first).
    Rounding SGD's momentum ourselves reproduces Keras exactly; for Adam, whose (1 - beta) factors stay
    exact in Keras, our exact betas change the update by about 1e-5 of its size."""
    w0, grads = make_case(1)
    sgd = dict(learning_rate=0.1, momentum=0.9, nesterov=True)
    w_keras = keras_run("SGD", sgd, w0, grads)
    assert_same_updates(ours("SGD", dict(sgd, momentum=float(np.float32(0.9))), w0, grads), w_keras, w0,
                        "keras SGD with a float32 momentum")
    for name, kwargs, bound in [("SGD", sgd, 1e-6), ("Adam", {}, 2e-5)]:
        w_keras = keras_run(name, kwargs, w0, grads)
        err = rel_error(ours(name, kwargs, w0, grads)["W"] - w0["W"], w_keras["W"] - w0["W"])
        assert 0 < err < bound, f"{name}: relative error of the update {err:.2e}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[0] == "SGD"] + [("SGD", dict(momentum=0.9))])
def test_sgd_matches_torch(name, kwargs, dtype):
    """torch's momentum buffer b <- momentum b + g is Keras' m = -lr b: the same weights."""
    w0, grads = make_case(2, dtype)
    kw = {"lr": kwargs.get("learning_rate", 0.01), "momentum": kwargs.get("momentum", 0.0),
          "nesterov": kwargs.get("nesterov", False)}
    ref = torch_run(lambda ps: torch.optim.SGD(ps, **kw), w0, grads)
    assert_same_updates(ours(name, kwargs, w0, grads), ref, w0, "torch SGD")


def torch_rmsprop(kwargs, eps):
    """torch.optim.RMSprop with Keras' hyperparameters: rho is torch's alpha."""
    return lambda ps: torch.optim.RMSprop(ps, lr=kwargs.get("learning_rate", 0.001), alpha=kwargs.get("rho", 0.9),
                                          eps=eps, momentum=kwargs.get("momentum", 0.0),
                                          centered=kwargs.get("centered", False))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[0] == "RMSprop"])
def test_rmsprop_matches_torch_with_epsilon_zero(name, kwargs, dtype):
    """Keras adds epsilon inside the square root, torch outside: with epsilon = 0 they agree exactly."""
    w0, grads = make_case(3, dtype)
    kwargs = dict(kwargs, epsilon=0.0)
    assert_same_updates(ours(name, kwargs, w0, grads), torch_run(torch_rmsprop(kwargs, 0.0), w0, grads),
                        w0, "torch RMSprop")


def test_rmsprop_epsilon_placement_matters_only_for_tiny_gradients():
    """lr g / sqrt(v + 1e-7) against torch's lr g / (sqrt(v) + 1e-8): with |g| >= 0.5 (v >= 0.025
    after one step) the updates differ by < 1e-5 of their size; as g -> 0 Keras' step shrinks
    like g / sqrt(1e-7) while torch's stays near lr sign(g) / sqrt(1 - rho)."""
    w0, grads = make_case(4, low=0.5)
    update = ours("RMSprop", {}, w0, grads)["W"] - w0["W"]
    update_torch = torch_run(torch_rmsprop({}, 1e-8), w0, grads)["W"] - w0["W"]
    assert rel_error(update, update_torch) < 1e-5
    tiny = [{n: g * 1e-6 for n, g in step.items()} for step in grads]
    update = ours("RMSprop", {}, w0, tiny)["W"] - w0["W"]
    update_torch = torch_run(torch_rmsprop({}, 1e-8), w0, tiny)["W"] - w0["W"]
    assert np.all(np.abs(update) < 0.1 * np.abs(update_torch))


def torch_adam(kwargs):
    return lambda ps: torch.optim.Adam(ps, lr=kwargs.get("learning_rate", 0.001),
                                       betas=(kwargs.get("beta_1", 0.9), kwargs.get("beta_2", 0.999)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[0] == "Adam"] + [("Adam", {})])
def test_adam_matches_torch_with_epsilon_rescaled_each_step(name, kwargs, dtype):
    """torch adds eps to sqrt(v / (1 - beta_2^t)), Keras to sqrt(v): torch with eps_t = epsilon /
    sqrt(1 - beta_2^t) at step t is Keras' Adam."""
    w0, grads = make_case(5, dtype)
    epsilon, beta_2 = kwargs.get("epsilon", 1e-7), kwargs.get("beta_2", 0.999)

    def rescale_eps(opt, t):
        opt.param_groups[0]["eps"] = epsilon / np.sqrt(1 - beta_2 ** t)

    ref = torch_run(torch_adam(kwargs), w0, grads, before_step=rescale_eps)
    assert_same_updates(ours(name, kwargs, w0, grads), ref, w0, "torch Adam")


def test_adam_with_torch_defaults_differs_little():
    """torch's default eps = 1e-8 on the corrected root is eps_hat = 1e-8 sqrt(1 - 0.999^t) <= 7e-10
    here, against Keras' 1e-7; with |g| >= 0.5, sqrt(v) >= 0.016 and the updates differ by < 1e-5."""
    w0, grads = make_case(6, low=0.5)
    update = ours("Adam", {}, w0, grads)["W"] - w0["W"]
    update_torch = torch_run(torch_adam({}), w0, grads)["W"] - w0["W"]
    assert rel_error(update, update_torch) < 1e-5


def test_step_on_a_dict_updates_the_arrays_in_place():
    w0, grads = make_case(7)
    params = {n: w.copy() for n, w in w0.items()}
    arrays = dict(params)
    opt = Adam()
    for g in grads:
        assert opt.step(params, g) is params
    assert all(params[n] is arrays[n] for n in params)
    assert opt.iterations == STEPS and set(opt.state) == {"W", "b"}
    assert_same_updates(params, ours("Adam", {}, w0, grads), w0, "dict against DenseParams")


def test_mismatched_grads_raise_clear_errors():
    w0, grads = make_case(8)
    params, g = {n: w.copy() for n, w in w0.items()}, grads[0]
    opt = SGD()
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        opt.step(params, {"W": g["W"]})
    with pytest.raises(ValueError, match=r"no parameter called \['c'\]"):
        opt.step(params, dict(g, c=g["b"]))
    with pytest.raises(ShapeError, match=r"grads\['W'\] must have the shape of params\['W'\] \(3, 5\), got \(5, 3"):
        opt.step(params, dict(g, W=g["W"].T))
    with pytest.raises(DTypeError, match=r"grads\['b'\] must have dtype float64"):
        opt.step(params, dict(g, b=g["b"].astype(np.float32)))
    with pytest.raises(NonFiniteError, match=r"grads\['b'\] contains NaN"):
        opt.step(params, dict(g, b=np.full_like(g["b"], np.inf)))
    with pytest.raises(TypeError, match="grads must be a Params container or a dict"):
        opt.step(params, [g["W"], g["b"]])
    for n in params:
        np.testing.assert_array_equal(params[n], w0[n])  # nothing was updated by a rejected step
    assert opt.iterations == 0


def test_state_belongs_to_one_model():
    opt = Adam()
    opt.step({"W": np.zeros((2, 3))}, {"W": np.ones((2, 3))})
    with pytest.raises(ShapeError, match="use a new optimizer for a new model"):
        opt.step({"W": np.zeros((3, 3))}, {"W": np.ones((3, 3))})


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(learning_rate=0), "learning_rate must be positive"),
    (lambda: SGD(momentum=1.5), r"momentum must lie in \[0, 1\]"),
    (lambda: RMSprop(rho=1.0), r"rho must lie in \[0, 1\)"),
    (lambda: RMSprop(epsilon=-1e-7), "epsilon must lie in"),
    (lambda: Adam(beta_2=1.0), r"beta_2 must lie in \[0, 1\)"),
])
def test_bad_hyperparameters_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()
