"""to_keras / from_keras: the NumPy reference and Keras compute the same thing with the same weights.

For every cell kind (SimpleRNN tanh and relu, LSTM, GRU with reset_after True and
False), alone, in a Bidirectional with every merge mode and in stacks, the layers
to_keras builds give our outputs and final states, and tf.GradientTape gives our
gradients for the inputs, the initial states and every weight (read back through
from_keras(layer, values=gradients)).
"""
import keras
import numpy as np
import pytest
import tensorflow as tf

from bridge_cases import (DTYPES, SHAPES, assert_close, assert_grads_equal, assert_same_params,
                          assert_states_equal, cells, make_case, n_states, nested, per_direction,
                          random_inputs, random_like, reference_backward, reference_forward)
from rnncourse.bridges import from_keras, to_keras
from rnncourse.checks import DTypeError
from rnncourse.gru import GRUParams
from rnncourse.lstm import LSTMParams
from rnncourse.rnn import RNNParams
from rnncourse.stack import StackParams

KINDS = ["rnn-tanh", "rnn-relu", "lstm", "gru", "gru-reset-before"]
STRUCTURES = ["cell", "bi:concat", "bi:sum", "bi:mul", "bi:ave", "bi:None",
              "stack:cell+cell", "stack:bi:concat+cell+bi:ave"]


@pytest.fixture(scope="module")
def built():
    """get(kind, structure, dtype) -> (params, to_keras(params)), each built once: Keras builds are slow."""
    cache = {}

    def get(kind, structure, dtype):
        key = (kind, structure, np.dtype(dtype).name)
        if key not in cache:
            params, _ = make_case(kind, structure, dtype, seed=0)
            cache[key] = params, to_keras(params)
        return cache[key]

    return get


def keras_forward(layer, params, x, directions0=None):
    """Call to_keras' layer (a list for a stack) on x; returns (out, final states per direction).

    directions0: the initial states, one tuple (h,) or (h, c) per direction, or None for zeros.
    """
    if isinstance(params, StackParams):
        h, finals, start = x, [], 0
        for sub_layer, p in zip(layer, params.layers):
            n = len(cells(p))
            h, final = keras_forward(sub_layer, p, h, None if directions0 is None else directions0[start:start + n])
            finals, start = finals + final, start + n
        return h, finals
    initial = None if directions0 is None else [s for d in directions0 for s in d]
    outputs = layer(x, initial_state=initial)
    n_out = 2 if isinstance(layer, keras.layers.Bidirectional) and layer.merge_mode is None else 1
    out = outputs[0] if n_out == 1 else tuple(outputs[:2])
    states, n = outputs[n_out:], n_states(cells(params)[0])
    return out, [tuple(states[i:i + n]) for i in range(0, len(states), n)]


def numpy(t):
    return tuple(numpy(a) for a in t) if isinstance(t, (tuple, list)) else keras.ops.convert_to_numpy(t)


def assert_outputs_equal(ours, theirs):
    for a, b in zip(ours, theirs) if isinstance(ours, tuple) else [(ours, theirs)]:
        assert_close(a, numpy(b), "out")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_is_exact(built, kind, structure, dtype):
    params, layer = built(kind, structure, dtype)
    for sub_layer in layer if isinstance(layer, list) else [layer]:
        assert sub_layer.dtype == np.dtype(dtype).name
    assert_same_params(from_keras(layer), params)


@pytest.mark.parametrize("with_state0", [False, True])
@pytest.mark.parametrize("shape", SHAPES[::3])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("kind", KINDS)
def test_forward_matches_keras(built, kind, structure, dtype, shape, with_state0):
    params, layer = built(kind, structure, dtype)
    x, directions0 = random_inputs(params, shape, with_state0, np.random.default_rng(1))
    out, state, _ = reference_forward(params, x, nested(params, directions0))
    out_k, finals_k = keras_forward(layer, params, x, directions0)
    assert_outputs_equal(out, out_k)
    assert_states_equal(per_direction(params, state), [numpy(f) for f in finals_k])


@pytest.mark.parametrize("shape", SHAPES[::3])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_gradient_tape(built, kind, structure, dtype, shape):
    """The gradients of sum(out * dout) + sum(final states * dstate) for x, the initial states and the weights."""
    params, layer = built(kind, structure, dtype)
    rng = np.random.default_rng(2)
    x, directions0 = random_inputs(params, shape, True, rng)
    out, state, cache = reference_forward(params, x, nested(params, directions0))
    dout = random_like(out, rng)
    dstate = [tuple(random_like(s, rng) for s in d) for d in per_direction(params, state)]

    x_k = tf.constant(x)
    directions0_k = [tuple(map(tf.constant, d)) for d in directions0]
    variables = [w for sub_layer in (layer if isinstance(layer, list) else [layer]) for w in sub_layer.weights]
    with tf.GradientTape() as tape:
        tape.watch(x_k)
        tape.watch(directions0_k)
        out_k, finals_k = keras_forward(layer, params, x_k, directions0_k)
        pairs = zip(out_k, dout) if isinstance(out, tuple) else [(out_k, dout)]
        loss = sum(tf.reduce_sum(o * d) for o, d in pairs)
        loss += sum(tf.reduce_sum(f * d) for fs, ds in zip(finals_k, dstate) for f, d in zip(fs, ds))
    dx_k, ddirections0_k, dvariables = tape.gradient(loss, (x_k, directions0_k, variables))

    dx, dstate0, grads = reference_backward(params, dout, cache, nested(params, dstate))
    assert_close(dx, dx_k.numpy(), "dx")
    assert_states_equal(per_direction(params, dstate0), [numpy(d) for d in ddirections0_k], "gradient of initial")
    assert_grads_equal(grads, from_keras(layer, values=dvariables))


FRESH = dict(bias_initializer="random_normal", return_sequences=True)  # random biases: their layout matters too
KERAS_INITIALISED = {
    "SimpleRNN relu": lambda: keras.layers.SimpleRNN(4, activation="relu", **FRESH),
    "LSTM": lambda: keras.layers.LSTM(4, **FRESH),
    "GRU": lambda: keras.layers.GRU(4, **FRESH),
    "GRU reset_after=False": lambda: keras.layers.GRU(4, reset_after=False, **FRESH),
    "Bidirectional GRU mul": lambda: keras.layers.Bidirectional(keras.layers.GRU(4, **FRESH), merge_mode="mul"),
}


@pytest.mark.parametrize("name", KERAS_INITIALISED)
def test_from_keras_reads_a_keras_initialised_layer(name):
    keras.utils.set_random_seed(0)
    layer = KERAS_INITIALISED[name]()
    x = np.random.default_rng(0).normal(0, 1, (2, 5, 3)).astype(np.float32)
    theirs = layer(x)
    out, _, _ = reference_forward(from_keras(layer), x)
    assert_outputs_equal(out, theirs)


def test_from_keras_reads_a_sequential_stack():
    model = keras.Sequential([keras.Input((None, 3), dtype="float64"),
                              keras.layers.GRU(5, reset_after=False, return_sequences=True, dtype="float64"),
                              keras.layers.LSTM(2, return_sequences=True, use_bias=False, dtype="float64")])
    params = from_keras(model)
    assert isinstance(params, StackParams) and [type(p) for p in params.layers] == [GRUParams, LSTMParams]
    assert not params.layers[1].b.any()
    x = np.random.default_rng(0).normal(0, 1, (3, 4, 3))
    assert_outputs_equal(reference_forward(params, x)[0], model(x))


def test_activations_and_dtypes_we_do_not_compute_are_refused():
    def built_layer(layer):
        layer.build((None, None, 3))
        return layer

    with pytest.raises(ValueError, match="activation 'relu'"):
        from_keras(built_layer(keras.layers.LSTM(4, activation="relu")))
    with pytest.raises(ValueError, match="recurrent_activation 'hard_sigmoid'"):
        from_keras(built_layer(keras.layers.GRU(4, recurrent_activation="hard_sigmoid")))
    with pytest.raises(ValueError, match="activation 'sigmoid'"):
        from_keras(built_layer(keras.layers.SimpleRNN(4, activation="sigmoid")))
    with pytest.raises(DTypeError, match="float32 or float64"):
        from_keras(built_layer(keras.layers.SimpleRNN(4, dtype="float16")))
    with pytest.raises(DTypeError, match="computes in float16"):
        from_keras(built_layer(keras.layers.SimpleRNN(4, dtype="mixed_float16")))


def test_unsupported_inputs_are_refused():
    dense = keras.layers.Dense(3)
    dense.build((None, 2))
    with pytest.raises(TypeError, match="from_keras reads SimpleRNN, LSTM, GRU"):
        from_keras(dense)
    with pytest.raises(TypeError, match="from_keras reads Keras layers"):
        from_keras([np.zeros(3)])
    with pytest.raises(ValueError, match="not built"):
        from_keras(keras.layers.GRU(3))
    with pytest.raises(TypeError, match="to_keras takes"):
        to_keras(np.zeros(3))
    layer = to_keras(RNNParams.init(2, 3))
    with pytest.raises(ValueError, match="one array per weight"):
        from_keras(layer, values=[np.zeros((2, 3))])
