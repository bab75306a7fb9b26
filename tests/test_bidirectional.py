"""Bidirectional layers against torch.nn.RNN / LSTM / GRU(bidirectional=True), Keras and numerical gradients.

PyTorch's bidirectional modules concatenate the two directions; the other merge
modes are checked as the formula applied to PyTorch's two halves, under autograd.
The helpers that put our weights into a PyTorch module by hand are shared with test_stack.py.
"""
import dataclasses

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnncourse.bidirectional import BidirectionalParams, bidirectional_backward, bidirectional_forward
from rnncourse.cells import cell_for
from rnncourse.checks import DTypeError, ShapeError
from rnncourse.gradcheck import numerical_gradient
from rnncourse.gru import GRU_CELL, GRUParams, gru_forward
from rnncourse.lstm import LSTM_CELL, LSTMParams
from rnncourse.rnn import RNN_CELL, RNNParams

from bridge_cases import assert_close
from torch_oracle import lengths_mask

KINDS = ["rnn-tanh", "rnn-relu", "lstm", "gru"]
DTYPES = [np.float64, np.float32]
SHAPES = [(1, 1, 3, 2), (2, 5, 4, 3), (3, 4, 2, 5)]  # (B, T, D, H)
MERGES = ["concat", "sum", "mul", "ave", None]
MODULES = {RNNParams: nn.RNN, LSTMParams: nn.LSTM, GRUParams: nn.GRU}
SUFFIXES = ("", "_reverse")  # PyTorch's names for the forward and the backward direction


# ---------------------------------------------------------------- helpers (also used by test_stack.py)

def random_layer(rng, kind, D, H, dtype=np.float64):
    """Random weights of one direction of one layer; kind is one of KINDS or "gru-cho" (reset_after=False)."""
    r = lambda *shape: rng.normal(0, 0.5, shape).astype(dtype)
    if kind == "lstm":
        return LSTMParams(r(D, 4 * H), r(H, 4 * H), r(4 * H))
    if kind == "gru":
        return GRUParams(r(D, 3 * H), r(H, 3 * H), r(3 * H), r(3 * H))
    if kind == "gru-cho":
        return GRUParams(r(D, 3 * H), r(H, 3 * H), r(3 * H), None, reset_after=False)
    return RNNParams(r(D, H), r(H, H), r(H), activation=kind.split("-")[1])


def random_state(rng, kind, B, H, dtype=np.float64):
    """A state as our functions take it: (h, c) for an LSTM, else h; each (B, H)."""
    r = lambda: rng.normal(0, 0.5, (B, H)).astype(dtype)
    return (r(), r()) if kind == "lstm" else r()


def as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def torch_module(layers):
    """A batch-first nn.RNN / nn.LSTM / nn.GRU holding our weights, copied by hand.

    layers: one tuple per layer, (forward,) or (forward, backward); weight_ih = Wx^T,
    weight_hh = Wh^T, bias_ih = b, bias_hh = 0 (the GRU's bh).
    """
    first = layers[0][0]
    D, H = first.Wx.shape[0], first.Wh.shape[0]
    extra = {"nonlinearity": first.activation} if isinstance(first, RNNParams) else {}
    module = MODULES[type(first)](D, H, num_layers=len(layers), bidirectional=len(layers[0]) == 2,
                                  batch_first=True, dtype=torch.from_numpy(first.Wx).dtype, **extra)
    with torch.no_grad():
        for k, directions in enumerate(layers):
            for suffix, p in zip(SUFFIXES, directions):
                weights = {"weight_ih": p.Wx.T, "weight_hh": p.Wh.T, "bias_ih": p.b,
                           "bias_hh": p.bh if isinstance(p, GRUParams) else np.zeros_like(p.b)}
                for name, value in weights.items():
                    getattr(module, f"{name}_l{k}{suffix}").copy_(torch.from_numpy(value))
    return module


def torch_grads(module, layers):
    """The module's parameter gradients in our containers, nested like layers."""
    out = []
    for k, directions in enumerate(layers):
        grads = []
        for suffix, p in zip(SUFFIXES, directions):
            grad = lambda name: getattr(module, f"{name}_l{k}{suffix}").grad.numpy().copy()
            changes = {"Wx": grad("weight_ih").T, "Wh": grad("weight_hh").T, "b": grad("bias_ih")}
            if isinstance(p, GRUParams):
                changes["bh"] = grad("bias_hh")
            grads.append(dataclasses.replace(p, **changes))
        out.append(tuple(grads))
    return out


def leaf(a):
    return torch.tensor(a, requires_grad=True)


def torch_run(module, x, states0=None, lengths=None):
    """Run a module from torch_module on the tensor x (B, T, D).

    states0: None, or one state per (layer, direction) in PyTorch's order, each a tuple of
             tensors (h,) or (h, c).
    lengths: right-padded lengths, fed through pack_padded_sequence.
    Returns (out (B, T, directions * H), zero at padded steps, final states as a list like states0).
    """
    hx = None if states0 is None else tuple(torch.stack(parts) for parts in zip(*states0))
    hx = hx[0] if hx is not None and len(hx) == 1 else hx
    if lengths is None:
        out, hn = module(x, hx)
    else:
        packed = pack_padded_sequence(x, torch.from_numpy(np.asarray(lengths)), batch_first=True,
                                      enforce_sorted=False)
        out, hn = module(packed, hx)
        out = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]
    hn = hn if isinstance(hn, tuple) else (hn,)
    return out, [tuple(part[i] for part in hn) for i in range(hn[0].shape[0])]


def torch_merge(out_fw, out_bw, mode):
    """keras.layers.Bidirectional's merge modes, written in torch."""
    return {"concat": lambda: torch.cat([out_fw, out_bw], -1), "sum": lambda: out_fw + out_bw,
            "mul": lambda: out_fw * out_bw, "ave": lambda: (out_fw + out_bw) / 2,
            None: lambda: (out_fw, out_bw)}[mode]()


def loss_of(outputs, upstream):
    """sum over pairs of (torch tensor * numpy upstream gradient): what a backward pass differentiates."""
    return sum((o * torch.from_numpy(np.ascontiguousarray(d))).sum() for o, d in zip(outputs, upstream))


def assert_params_close(ours, theirs, what):
    assert type(ours) is type(theirs), what
    assert ours.arrays().keys() == theirs.arrays().keys(), what
    for name, g in ours.arrays().items():
        assert g.dtype == theirs.dtype
        assert_close(g, getattr(theirs, name), f"{what} d{name}")


def make_case(seed, kind, B, T, D, H, dtype=np.float64, merge_mode="concat"):
    """BidirectionalParams, x (B, T, D) and a state0 pair."""
    rng = np.random.default_rng(seed)
    p = BidirectionalParams(*(random_layer(rng, kind, D, H, dtype) for _ in range(2)), merge_mode)
    x = rng.normal(0, 1, (B, T, D)).astype(dtype)
    return rng, p, x, (random_state(rng, kind, B, H, dtype), random_state(rng, kind, B, H, dtype))


# ---------------------------------------------------------------- PyTorch

@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("with_state0", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", KINDS)
def test_concat_matches_torch_bidirectional(kind, shape, dtype, with_state0, masked):
    B, T, D, H = shape
    rng, p, x, state0 = make_case(10, kind, *shape, dtype)
    state0 = state0 if with_state0 else None
    lengths, mask = lengths_mask(rng, B, T) if masked else (None, None)

    out, (state_fw, state_bw), cache = bidirectional_forward(x, p, state0, mask)
    module, x_t = torch_module([(p.forward, p.backward)]), leaf(x)
    s0_t = None if state0 is None else [tuple(leaf(a) for a in as_tuple(s)) for s in state0]
    out_t, states_t = torch_run(module, x_t, s0_t, lengths)

    assert out.shape == (B, T, 2 * H) and out.dtype == dtype
    assert_close(out, out_t.detach().numpy(), "out (zero at masked steps, as PyTorch's padding)")
    for ours, theirs, name in zip((state_fw, state_bw), states_t, ("forward", "backward")):
        for a, t in zip(as_tuple(ours), theirs, strict=True):
            assert_close(a, t.detach().numpy(), f"{name} final state")

    dout = rng.normal(size=out.shape).astype(dtype)
    dstate = tuple(random_state(rng, kind, B, H, dtype) for _ in range(2))
    dx, dstate0, grads = bidirectional_backward(dout, cache, dstate)
    upstream = [dout] + [d for ds in dstate for d in as_tuple(ds)]
    loss_of([out_t] + [s for st in states_t for s in st], upstream).backward()

    assert_close(dx, x_t.grad.numpy(), "dx")
    if state0 is not None:
        for ours, theirs in zip(dstate0, s0_t):
            for a, t in zip(as_tuple(ours), theirs, strict=True):
                assert_close(a, t.grad.numpy(), "dstate0")
    fw, bw = torch_grads(module, [(p.forward, p.backward)])[0]
    assert grads.merge_mode == "concat"
    assert_params_close(grads.forward, fw, "forward")
    assert_params_close(grads.backward, bw, "backward")


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("merge_mode", MERGES)
@pytest.mark.parametrize("kind", KINDS)
def test_merge_modes_match_the_formula_on_torch_halves(kind, merge_mode, return_sequences):
    """return_sequences=False is Keras' choice: the forward direction's last state next to
    the backward direction's state after reading x_0, i.e. PyTorch's h_n[0] and h_n[1]."""
    B, T, D, H = 3, 4, 2, 3
    rng, p, x, _ = make_case(11, kind, B, T, D, H, merge_mode=merge_mode)
    lengths, mask = lengths_mask(rng, B, T)

    out, _, cache = bidirectional_forward(x, p, mask=mask, return_sequences=return_sequences)
    module, x_t = torch_module([(p.forward, p.backward)]), leaf(x)
    out_t, states_t = torch_run(module, x_t, lengths=lengths)
    halves = (out_t[..., :H], out_t[..., H:]) if return_sequences else (states_t[0][0], states_t[1][0])
    merged_t = torch_merge(*halves, merge_mode)

    pairs = list(zip(out, merged_t)) if merge_mode is None else [(out, merged_t)]
    douts = [rng.normal(size=o.shape) for o, _ in pairs]
    for (o, t) in pairs:
        assert_close(o, t.detach().numpy(), f"{merge_mode} out")
    loss_of([t for _, t in pairs], douts).backward()
    dx, _, grads = bidirectional_backward(douts if merge_mode is None else douts[0], cache)

    assert_close(dx, x_t.grad.numpy(), "dx")
    fw, bw = torch_grads(module, [(p.forward, p.backward)])[0]
    assert grads.merge_mode == merge_mode
    assert_params_close(grads.forward, fw, "forward")
    assert_params_close(grads.backward, bw, "backward")


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_bptt_cuts_each_direction_in_its_reading_order(kind):
    """The oracle: each direction as a one-directional PyTorch module, fed k steps at a time in its
    reading order (the backward one on the flipped sequence), its state detached between chunks."""
    B, T, D, H, k = 2, 7, 3, 4, 3
    rng, p, x, state0 = make_case(12, kind, B, T, D, H)
    out, _, cache = bidirectional_forward(x, p, state0)
    dout = rng.normal(size=out.shape)
    dx, dstate0, grads = bidirectional_backward(dout, cache, truncate=k)

    x_t = leaf(x)
    for params, s0, d, flip in ((p.forward, state0[0], dout[..., :H], False),
                                (p.backward, state0[1], dout[..., H:], True)):
        module = torch_module([(params,)])
        xs = x_t.flip(1) if flip else x_t
        s0_t = tuple(leaf(a[None]) for a in as_tuple(s0))
        state, outs = s0_t, []
        for start in range(0, T, k):
            chunk, state = module(xs[:, start:start + k], state if len(state) > 1 else state[0])
            state = tuple(s.detach() for s in as_tuple(state))
            outs.append(chunk)
        d = np.ascontiguousarray(d[:, ::-1] if flip else d)
        loss_of([torch.cat(outs, 1)], [d]).backward()
        g = torch_grads(module, [(params,)])[0][0]
        assert_params_close(getattr(grads, "backward" if flip else "forward"), g, "truncated")
        for a, t in zip(as_tuple(dstate0[int(flip)]), s0_t):
            assert_close(a, t.grad.numpy()[0], "dstate0")
    assert_close(dx, x_t.grad.numpy(), "dx")
    full_dx = bidirectional_backward(dout, cache)[0]
    assert not np.allclose(dx, full_dx), "truncation should change the gradient"


# ---------------------------------------------------------------- GRU reset_after=False, numerical gradients

@pytest.mark.parametrize("merge_mode", ["mul", "concat"])
def test_reset_before_gru_matches_the_flipped_sequence_and_numerical_gradients(merge_mode):
    """PyTorch has no reset-before GRU. The backward direction must equal the forward cell run on
    the reversed sequence, reversed back; centred differences check every gradient."""
    B, T, D, H = 2, 4, 3, 2
    rng, p, x, state0 = make_case(13, "gru-cho", B, T, D, H, merge_mode=merge_mode)
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], bool)

    out, (_, state_bw), cache = bidirectional_forward(x, p, state0, mask)
    pair, _, _ = bidirectional_forward(x, dataclasses.replace(p, merge_mode=None), state0)
    flipped, h_bw, _ = gru_forward(x[:, ::-1].copy(), p.backward, state0[1])
    assert_close(pair[1], flipped[:, ::-1], "backward direction")

    dout, dstate = rng.normal(size=out.shape), (rng.normal(size=(B, H)), rng.normal(size=(B, H)))
    dx, dstate0, grads = bidirectional_backward(dout, cache, dstate)

    def outputs():
        o, (s_fw, s_bw), _ = bidirectional_forward(x, p, state0, mask)
        return np.concatenate([o.ravel(), s_fw.ravel(), s_bw.ravel()])

    df = np.concatenate([dout.ravel(), dstate[0].ravel(), dstate[1].ravel()])
    numerical = lambda a: numerical_gradient(outputs, a, df, eps=1e-5)
    assert_close(dx, numerical(x), "dx")
    assert_close(dstate0[0], numerical(state0[0]), "dstate0 forward")
    assert_close(dstate0[1], numerical(state0[1]), "dstate0 backward")
    for name, a in p.arrays().items():
        assert_close(grads.arrays()[name], numerical(a), f"d{name}")
    assert "forward.bh" not in grads.arrays()


# ---------------------------------------------------------------- Keras

def test_matches_keras_bidirectional_simple_rnn():
    """keras.layers.Bidirectional(SimpleRNN(H)): concat with return_sequences=False, and sum with
    return_sequences=True (zeros at masked steps), each with and without a mask."""
    import keras

    B, T, D, H = 3, 5, 4, 3
    rng, p, x, _ = make_case(14, "rnn-tanh", B, T, D, H)
    _, mask = lengths_mask(rng, B, T)
    for merge_mode, return_sequences in (("concat", False), ("sum", True)):
        rnn = keras.layers.SimpleRNN(H, return_sequences=return_sequences, dtype="float64")
        layer = keras.layers.Bidirectional(rnn, merge_mode=merge_mode, dtype="float64")
        layer.build((None, T, D))
        layer.forward_layer.set_weights([p.forward.Wx, p.forward.Wh, p.forward.b])
        layer.backward_layer.set_weights([p.backward.Wx, p.backward.Wh, p.backward.b])
        assert layer.count_params() == p.count()
        q = dataclasses.replace(p, merge_mode=merge_mode)
        for m in (None, mask):
            ours, _, _ = bidirectional_forward(x, q, mask=m, return_sequences=return_sequences)
            theirs = keras.ops.convert_to_numpy(layer(x, mask=m))
            assert_close(ours, theirs, f"{merge_mode}, sequences={return_sequences}, mask={m is not None}")


# ---------------------------------------------------------------- containers and errors

def test_cell_for_dispatches_on_the_params_type():
    rng = np.random.default_rng(17)
    for kind, cell in (("rnn-relu", RNN_CELL), ("lstm", LSTM_CELL), ("gru", GRU_CELL), ("gru-cho", GRU_CELL)):
        assert cell_for(random_layer(rng, kind, 2, 3)) is cell
    with pytest.raises(TypeError, match=r"\(RNNParams, LSTMParams or GRUParams\), got BidirectionalParams"):
        cell_for(BidirectionalParams.init(RNNParams, 2, 3))


def test_params_container():
    p = BidirectionalParams.init(LSTMParams, 3, 4, seed=0, merge_mode="sum")
    assert list(p.arrays()) == [f"{d}.{w}" for d in ("forward", "backward") for w in ("Wx", "Wh", "b")]
    assert p.count() == 2 * 4 * (3 * 4 + 4 * 4 + 4)  # Keras' Bidirectional(LSTM(4)) on D = 3
    assert not np.array_equal(p.forward.Wx, p.backward.Wx), "the directions start independently"
    assert (p.input_size, p.output_size) == (3, 4)
    assert BidirectionalParams.init(GRUParams, 3, 4, reset_after=False).output_size == 8
    zeros = p.zeros_like()
    assert zeros.merge_mode == "sum" and all(np.all(a == 0) for a in zeros.arrays().values())


def test_bad_params_raise_clear_errors():
    rng = np.random.default_rng(15)
    rnn = random_layer(rng, "rnn-tanh", 3, 4)
    with pytest.raises(ValueError, match="merge_mode must be one of 'concat', 'sum', 'mul', 'ave', None"):
        BidirectionalParams(rnn, rnn, "max")
    with pytest.raises(TypeError, match="same kind of layer, got RNNParams forward and LSTMParams backward"):
        BidirectionalParams(rnn, random_layer(rng, "lstm", 3, 4))
    with pytest.raises(ShapeError, match=r"same sizes, got \(D, H\) = \(3, 4\) forward and \(3, 5\)"):
        BidirectionalParams(rnn, random_layer(rng, "rnn-tanh", 3, 5))
    with pytest.raises(ShapeError, match=r"\(D, H\) = \(3, 4\) forward and \(2, 4\) backward"):
        BidirectionalParams(rnn, random_layer(rng, "rnn-tanh", 2, 4))
    with pytest.raises(DTypeError, match="one dtype"):
        BidirectionalParams(rnn, rnn.astype(np.float32))
    with pytest.raises(TypeError, match="recurrent layer .* got ndarray"):
        BidirectionalParams(rnn.Wx, rnn)


def test_bad_inputs_raise_clear_errors():
    rng, p, x, state0 = make_case(16, "lstm", 2, 3, 4, 5)
    with pytest.raises(TypeError, match="params must be BidirectionalParams, got LSTMParams"):
        bidirectional_forward(x, p.forward)
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\) = \(\?, \?, 4\), got \(2, 3, 3\)"):
        bidirectional_forward(x[..., :3], p)
    with pytest.raises(TypeError, match=r"state0 of a bidirectional layer must be a pair \(forward, "):
        bidirectional_forward(x, p, state0[0][0])
    with pytest.raises(ShapeError, match=r"mask must be \(B, T\) = \(2, 3\)"):
        bidirectional_forward(x, p, mask=np.ones((2, 4), bool))
    with pytest.raises(DTypeError):
        bidirectional_forward(x.astype(np.float32), p)
    out, _, cache = bidirectional_forward(x, p)
    with pytest.raises(ShapeError, match=r"dout must be \(B, T, 2H\) = \(2, 3, 10\), got \(2, 3, 5\)"):
        bidirectional_backward(out[..., :5], cache)
    ave = dataclasses.replace(p, merge_mode="ave")
    last, _, cache = bidirectional_forward(x, ave, return_sequences=False)
    with pytest.raises(ShapeError, match=r"dout must be \(B, H\) = \(2, 5\), got \(2, 3, 5\)"):
        bidirectional_backward(out[..., :5], cache)
    with pytest.raises(TypeError, match="dstate of a bidirectional layer must be a pair"):
        bidirectional_backward(last, cache, dstate=state0[0][0])
    pair, _, cache = bidirectional_forward(x, dataclasses.replace(p, merge_mode=None), mask=np.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"dout_bw must be \(B, T, H\) = \(2, 3, 5\), got \(2, 3, 4\)"):
        bidirectional_backward((pair[0], pair[1][..., :4]), cache)
    with pytest.raises(TypeError, match="dout of a bidirectional layer must be a pair"):
        bidirectional_backward(pair[0], cache)
