"""Random layers of every kind and structure, the reference run on them, and states in a flat form.

Shared by tests/test_bridges_torch.py and tests/test_bridges_keras.py. A case is a
cell kind ("rnn-tanh", "rnn-relu", "lstm", "gru", "gru-reset-before") and a
structure: "cell", "bi:<merge mode>", or "stack:" followed by layers separated by
"+", e.g. "stack:bi:concat+cell". The frameworks keep a stack's or a bidirectional
layer's states as one flat sequence, direction by direction and layer by layer;
:func:`per_direction` and :func:`nested` translate between that and our nesting.
"""
from __future__ import annotations

import zlib

import numpy as np

from rnncourse.bidirectional import BidirectionalParams, bidirectional_backward, bidirectional_forward
from rnncourse.cells import cell_for
from rnncourse.gradcheck import rel_error
from rnncourse.gru import GRUParams
from rnncourse.lstm import LSTMParams
from rnncourse.params import Params
from rnncourse.rnn import RNNParams
from rnncourse.sequence import sequence_backward, sequence_forward
from rnncourse.stack import StackParams, stack_backward, stack_forward

DTYPES = [np.float64, np.float32]
SHAPES = [(1, 1), (1, 5), (3, 1), (4, 6)]  # (B, T); D and H come from the seed, D != H


def assert_close(ours, theirs, what=""):
    """float64: entrywise relative error < 1e-6. float32: < 1e-4 relative to the largest entry,
    since a float32 sum that cancels to a small value keeps the big terms' rounding error."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, expected {theirs.shape}"
    if ours.dtype == np.float64:
        err, tol = rel_error(ours, theirs), 1e-6
    else:
        a, b = ours.astype(np.float64), theirs.astype(np.float64)
        err, tol = np.max(np.abs(a - b), initial=0) / max(np.max(np.abs(a) + np.abs(b), initial=0), 1e-8), 1e-4
    assert err < tol, f"{what}: relative error {err:.2e}"


def assert_same_params(ours, theirs):
    """Same container types, same non-array fields, bit-identical arrays of the same dtype."""
    assert describe(ours) == describe(theirs)
    for name, a in ours.arrays().items():
        b = theirs.arrays()[name]
        assert a.dtype == b.dtype and np.array_equal(a, b), f"{name} changed on the round trip"


def describe(p):
    """Everything about a container except its numbers: types, field names, flags, array shapes and dtypes."""
    if isinstance(p, np.ndarray):
        return ("array", p.shape, p.dtype)
    if isinstance(p, Params):
        return (type(p).__name__, {name: describe(v) for name, v in vars(p).items()})
    if isinstance(p, (list, tuple)):
        return [describe(v) for v in p]
    return p


def make_cell(kind, D, H, dtype, rng):
    r = lambda *shape: rng.normal(0, 0.5, shape).astype(dtype)
    if kind.startswith("rnn"):
        return RNNParams(r(D, H), r(H, H), r(H), activation=kind.split("-")[1])
    if kind == "lstm":
        return LSTMParams(r(D, 4 * H), r(H, 4 * H), r(4 * H))
    if kind == "gru":
        return GRUParams(r(D, 3 * H), r(H, 3 * H), r(3 * H), r(3 * H), reset_after=True)
    assert kind == "gru-reset-before"
    return GRUParams(r(D, 3 * H), r(H, 3 * H), r(3 * H), None, reset_after=False)


def make_layer(kind, structure, D, H, dtype, rng):
    """A cell ("cell") or a bidirectional layer ("bi:concat", "bi:None", ...)."""
    if structure == "cell":
        return make_cell(kind, D, H, dtype, rng)
    merge = structure.split(":")[1]
    return BidirectionalParams(make_cell(kind, D, H, dtype, rng), make_cell(kind, D, H, dtype, rng),
                               None if merge == "None" else merge)


def make_params(kind, structure, D, H, dtype, rng):
    if not structure.startswith("stack:"):
        return make_layer(kind, structure, D, H, dtype, rng)
    layers = []
    for s in structure[len("stack:"):].split("+"):
        layers.append(make_layer(kind, s, D, H, dtype, rng))
        D = layers[-1].output_size if isinstance(layers[-1], BidirectionalParams) else H
    return StackParams(layers)


def make_case(kind, structure, dtype, seed):
    """Random parameters with D != H, and the rng to draw inputs from; the sizes differ from case to case."""
    rng = np.random.default_rng([seed, zlib.crc32(f"{kind} {structure}".encode())])
    D, H = rng.choice(np.arange(1, 7), size=2, replace=False)
    return make_params(kind, structure, int(D), int(H), dtype, rng), rng


def cells(params):
    """The cells of any layer, one per direction of each layer, bottom first, forward before backward."""
    if isinstance(params, StackParams):
        return [c for layer in params.layers for c in cells(layer)]
    if isinstance(params, BidirectionalParams):
        return [params.forward, params.backward]
    return [params]


def n_states(cell):
    return 2 if isinstance(cell, LSTMParams) else 1


def per_direction(params, state):
    """Our state of any layer as a list with a tuple (h,) or (h, c) per entry of cells(params)."""
    if isinstance(params, StackParams):
        return [d for p, s in zip(params.layers, state) for d in per_direction(p, s)]
    if isinstance(params, BidirectionalParams):
        return per_direction(params.forward, state[0]) + per_direction(params.backward, state[1])
    return [tuple(state) if isinstance(params, LSTMParams) else (state,)]


def nested(params, directions):
    """The inverse of per_direction: our state of ``params`` from one tuple per direction (None stays None)."""
    if directions is None:
        return None
    it = iter(directions)

    def build(p):
        if isinstance(p, StackParams):
            return [build(layer) for layer in p.layers]
        if isinstance(p, BidirectionalParams):
            return build(p.forward), build(p.backward)
        t = next(it)
        return tuple(t) if isinstance(p, LSTMParams) else t[0]

    return build(params)


def random_directions(params, B, rng):
    """A random (B, H) array for every state of every direction, as per_direction lists them."""
    dtype = params.dtype
    return [tuple(rng.normal(0, 0.5, (B, c.Wh.shape[0])).astype(dtype) for _ in range(n_states(c)))
            for c in cells(params)]


def random_inputs(params, shape, with_state0, rng):
    """x (B, T, D) for shape (B, T), and random initial states per direction (or None)."""
    B, T = shape
    x = rng.normal(0, 1, (B, T, cells(params)[0].Wx.shape[0])).astype(params.dtype)
    return x, random_directions(params, B, rng) if with_state0 else None


def random_like(out, rng):
    """Upstream gradients shaped like an output (an array or a merge_mode None pair)."""
    if isinstance(out, tuple):
        return tuple(random_like(o, rng) for o in out)
    return rng.normal(0, 1, out.shape).astype(out.dtype)


def reference_forward(params, x, state0=None):
    """(out, state, cache) of our reference for any layer."""
    if isinstance(params, StackParams):
        return stack_forward(x, params, state0)
    if isinstance(params, BidirectionalParams):
        return bidirectional_forward(x, params, state0)
    return sequence_forward(cell_for(params), x, params, state0)


def reference_backward(params, dout, cache, dstate):
    """(dx, dstate0, grads) of our reference for any layer."""
    if isinstance(params, StackParams):
        return stack_backward(dout, cache, dstate)
    if isinstance(params, BidirectionalParams):
        return bidirectional_backward(dout, cache, dstate)
    return sequence_backward(dout, cache, dstate)


def assert_states_equal(ours, theirs, what="final"):
    """Two per-direction state lists (see per_direction), state by state."""
    assert len(ours) == len(theirs), f"{len(ours)} directions, expected {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert len(a) == len(b)
        for name, s, t in zip("hc", a, b):
            assert_close(s, t, f"{what} {name} of direction {k}")


def assert_grads_equal(ours, theirs):
    """Two gradient containers of one structure, array by array."""
    assert describe(ours) == describe(theirs)
    for name, g in ours.arrays().items():
        assert_close(g, theirs.arrays()[name], f"d{name}")
