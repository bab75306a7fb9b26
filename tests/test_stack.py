"""Stacked recurrent layers against torch.nn.RNN / LSTM / GRU with num_layers = 2 and 3, and
against separate PyTorch modules chained by hand for stacks that mix kinds and bidirectional layers."""
import dataclasses

import numpy as np
import pytest
import torch

from rnncourse.bidirectional import BidirectionalParams
from rnncourse.checks import DTypeError, ShapeError
from rnncourse.gradcheck import numerical_gradient
from rnncourse.stack import StackParams, stack_backward, stack_forward

from bridge_cases import assert_close
from test_bidirectional import (as_tuple, assert_params_close, leaf, loss_of, random_layer, random_state,
                                torch_grads, torch_merge, torch_module, torch_run)
from torch_oracle import lengths_mask

KINDS = ["rnn-tanh", "rnn-relu", "lstm", "gru"]


def layer_states(layer, state):
    """A layer's state as PyTorch lists it: one tuple (h,) or (h, c) per direction."""
    return [as_tuple(s) for s in state] if isinstance(layer, BidirectionalParams) else [as_tuple(state)]


def random_stack(rng, spec, D, H, dtype=np.float64):
    """The layers of a spec such as ["lstm", ("gru", "concat")]: a kind, or (kind, merge_mode) for a
    bidirectional layer; every layer has H units and reads the previous layer's output."""
    layers = []
    for entry in spec:
        if isinstance(entry, tuple):
            kind, merge = entry
            layers.append(BidirectionalParams(random_layer(rng, kind, D, H, dtype),
                                              random_layer(rng, kind, D, H, dtype), merge))
        else:
            kind = entry
            layers.append(random_layer(rng, kind, D, H, dtype))
        D = layers[-1].output_size if isinstance(layers[-1], BidirectionalParams) else H
    return layers


def make_case(seed, spec, B, T, D, H, dtype=np.float64):
    """The rng, StackParams, x (B, T, D) and each layer's initial state (a pair if bidirectional)."""
    rng = np.random.default_rng(seed)
    p = StackParams(random_stack(rng, spec, D, H, dtype))
    x = rng.normal(0, 1, (B, T, D)).astype(dtype)
    state0 = [tuple(random_state(rng, e[0], B, H, dtype) for _ in range(2)) if isinstance(e, tuple)
              else random_state(rng, e, B, H, dtype) for e in spec]
    return rng, p, x, state0


def compare_states(ours, theirs, what):
    """ours: per-layer states as stack_forward returns them; theirs: a list of tuples of tensors per
    (layer, direction), values (.detach()) or gradients (.grad) already taken as arrays."""
    flat = [part for s in ours for part in s]
    assert len(flat) == len(theirs), what
    for a, t in zip(flat, theirs):
        for x, y in zip(a, t, strict=True):
            assert_close(x, y, what)


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("L", [2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_matches_torch_num_layers(kind, L, dtype, masked, return_sequences):
    B, T, D, H = 3, 4, 2, 5
    rng, p, x, state0 = make_case(20 + L, [kind] * L, B, T, D, H, dtype)
    lengths, mask = lengths_mask(rng, B, T) if masked else (None, None)

    out, states, cache = stack_forward(x, p, state0, mask, return_sequences)
    module, x_t = torch_module([(layer,) for layer in p.layers]), leaf(x)
    s0_t = [tuple(leaf(a) for a in as_tuple(s)) for s in state0]
    out_t, states_t = torch_run(module, x_t, s0_t, lengths)

    valid = np.ones((B, T), bool) if mask is None else mask
    if return_sequences:
        assert out.shape == (B, T, H) and out.dtype == dtype
        assert_close(out[valid], out_t.detach().numpy()[valid], "out")
        dout = rng.normal(size=out.shape).astype(dtype) * valid[:, :, None]
        top = out_t
    else:
        assert out.shape == (B, H)
        top = states_t[-1][0]
        assert_close(out, top.detach().numpy(), "last output")
        dout = rng.normal(size=out.shape).astype(dtype)
    compare_states([layer_states(l, s) for l, s in zip(p.layers, states)],
                   [[t.detach().numpy() for t in st] for st in states_t], "final states")

    dstate = [random_state(rng, kind, B, H, dtype) for _ in range(L)]
    dx, dstate0, grads = stack_backward(dout, cache, dstate)
    loss_of([top] + [t for st in states_t for t in st],
            [dout] + [d for ds in dstate for d in as_tuple(ds)]).backward()

    assert_close(dx, x_t.grad.numpy(), "dx")
    compare_states([layer_states(l, s) for l, s in zip(p.layers, dstate0)],
                   [[t.grad.numpy() for t in st] for st in s0_t], "dstate0")
    assert isinstance(grads, StackParams) and len(grads.layers) == L
    for l, (ours, (theirs,)) in enumerate(zip(grads.layers, torch_grads(module, [(q,) for q in p.layers]))):
        assert_params_close(ours, theirs, f"layer {l}")


@pytest.mark.parametrize("kind", KINDS)
def test_bidirectional_layers_match_torch_bidirectional_num_layers(kind):
    B, T, D, H = 3, 5, 4, 3
    rng, p, x, state0 = make_case(23, [(kind, "concat")] * 2, B, T, D, H)
    lengths, mask = lengths_mask(rng, B, T)
    out, states, cache = stack_forward(x, p, state0, mask)

    layers = [(layer.forward, layer.backward) for layer in p.layers]
    module, x_t = torch_module(layers), leaf(x)
    s0_t = [tuple(leaf(a) for a in as_tuple(s)) for pair in state0 for s in pair]
    out_t, states_t = torch_run(module, x_t, s0_t, lengths)
    assert out.shape == (B, T, 2 * H)
    assert_close(out[mask], out_t.detach().numpy()[mask], "out")
    compare_states([layer_states(l, s) for l, s in zip(p.layers, states)],
                   [[t.detach().numpy() for t in st] for st in states_t], "final states")

    dout = rng.normal(size=out.shape) * mask[:, :, None]
    dx, dstate0, grads = stack_backward(dout, cache)
    loss_of([out_t], [dout]).backward()
    assert_close(dx, x_t.grad.numpy(), "dx")
    compare_states([layer_states(l, s) for l, s in zip(p.layers, dstate0)],
                   [[t.grad.numpy() for t in st] for st in s0_t], "dstate0")
    for ours, (fw, bw) in zip(grads.layers, torch_grads(module, layers)):
        assert_params_close(ours.forward, fw, "forward")
        assert_params_close(ours.backward, bw, "backward")


def torch_chain(p, x_t, lengths, return_sequences):
    """The stack as one PyTorch module per layer, two directions merged in torch, chained by hand.

    Returns (out, modules) with out shaped as stack_forward's (a pair for merge_mode None on top).
    """
    h, modules = x_t, []
    for l, layer in enumerate(p.layers):
        bidirectional = isinstance(layer, BidirectionalParams)
        modules.append(torch_module([(layer.forward, layer.backward) if bidirectional else (layer,)]))
        out, states = torch_run(modules[-1], h, lengths=lengths)
        sequences = return_sequences or l < len(p.layers) - 1
        if bidirectional:
            H = out.shape[-1] // 2
            halves = (out[..., :H], out[..., H:]) if sequences else (states[0][0], states[1][0])
            h = torch_merge(*halves, layer.merge_mode)
        else:
            h = out if sequences else states[0][0]
    return h, modules


MIXED = [[("lstm", "concat"), "lstm"],
         [("rnn-tanh", "sum"), "gru", ("gru", "ave")],
         ["gru", "rnn-relu", ("lstm", "mul")],
         ["lstm", ("rnn-tanh", "concat"), ("gru", None)]]


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("spec", MIXED, ids=lambda spec: "+".join(map(str, spec)))
def test_mixed_stack_matches_chained_torch_modules(spec, return_sequences):
    B, T, D, H = 3, 5, 2, 4
    rng, p, x, _ = make_case(24, spec, B, T, D, H)
    lengths, mask = lengths_mask(rng, B, T)
    out, _, cache = stack_forward(x, p, mask=mask, return_sequences=return_sequences)
    x_t = leaf(x)
    out_t, modules = torch_chain(p, x_t, lengths, return_sequences)

    valid = mask[:, :, None] if return_sequences else np.ones((B, 1), bool)
    pairs = list(zip(out, out_t)) if isinstance(out, tuple) else [(out, out_t)]
    douts = [rng.normal(size=o.shape) * valid for o, _ in pairs]
    for o, t in pairs:
        assert_close(o * valid, t.detach().numpy() * valid, "out")
    loss_of([t for _, t in pairs], douts).backward()
    dx, _, grads = stack_backward(douts if isinstance(out, tuple) else douts[0], cache)

    assert_close(dx, x_t.grad.numpy(), "dx")
    for l, (ours, layer, module) in enumerate(zip(grads.layers, p.layers, modules)):
        if isinstance(layer, BidirectionalParams):
            fw, bw = torch_grads(module, [(layer.forward, layer.backward)])[0]
            assert_params_close(ours.forward, fw, f"layer {l} forward")
            assert_params_close(ours.backward, bw, f"layer {l} backward")
        else:
            assert_params_close(ours, torch_grads(module, [(layer,)])[0][0], f"layer {l}")


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_truncated_bptt_matches_torch_detaching_every_k_steps(kind):
    """The oracle feeds a num_layers=2 module k steps at a time, detaching every layer's state in between."""
    B, T, D, H, k = 2, 7, 3, 4, 3
    rng, p, x, state0 = make_case(25, [kind] * 2, B, T, D, H)
    out, _, cache = stack_forward(x, p, state0)
    dout = rng.normal(size=out.shape)
    dx, dstate0, grads = stack_backward(dout, cache, truncate=k)

    module, x_t = torch_module([(layer,) for layer in p.layers]), leaf(x)
    s0_t = [tuple(leaf(a) for a in as_tuple(s)) for s in state0]
    states, outs = s0_t, []
    for start in range(0, T, k):
        chunk, states = torch_run(module, x_t[:, start:start + k], states)
        states = [tuple(t.detach() for t in st) for st in states]
        outs.append(chunk)
    loss_of([torch.cat(outs, 1)], [dout]).backward()

    assert_close(dx, x_t.grad.numpy(), "dx")
    compare_states([layer_states(l, s) for l, s in zip(p.layers, dstate0)],
                   [[t.grad.numpy() for t in st] for st in s0_t], "dstate0")
    for l, (ours, (theirs,)) in enumerate(zip(grads.layers, torch_grads(module, [(q,) for q in p.layers]))):
        assert_params_close(ours, theirs, f"layer {l}")
    assert not np.allclose(dx, stack_backward(dout, cache)[0]), "truncation should change the gradient"


def test_reset_before_gru_in_a_stack_matches_numerical_gradients():
    """A layer PyTorch cannot build (GRU reset_after=False) below a bidirectional one."""
    B, T, D, H = 2, 3, 3, 2
    rng, p, x, state0 = make_case(26, ["gru-cho", ("rnn-tanh", "mul")], B, T, D, H)
    mask = np.array([[1, 1, 1], [1, 1, 0]], bool)
    out, _, cache = stack_forward(x, p, state0, mask, return_sequences=False)
    dout = rng.normal(size=out.shape)
    dx, dstate0, grads = stack_backward(dout, cache)

    f = lambda: stack_forward(x, p, state0, mask, return_sequences=False)[0]
    numerical = lambda a: numerical_gradient(f, a, dout, eps=1e-5)
    assert_close(dx, numerical(x), "dx")
    assert_close(dstate0[0], numerical(state0[0]), "dh0 of layer 0")
    for ds, s in zip(dstate0[1], state0[1]):
        assert_close(ds, numerical(s), "dh0 of layer 1")
    for name, a in p.arrays().items():
        assert_close(grads.arrays()[name], numerical(a), f"d{name}")


def test_params_container():
    rng = np.random.default_rng(27)
    layers = random_stack(rng, [("lstm", "concat"), "gru"], 3, 4)
    p = StackParams(layers)
    assert list(p.arrays())[:3] == ["layers.0.forward.Wx", "layers.0.forward.Wh", "layers.0.forward.b"]
    assert list(p.arrays())[-4:] == ["layers.1.Wx", "layers.1.Wh", "layers.1.b", "layers.1.bh"]
    assert p.count() == sum(layer.count() for layer in layers)
    assert (p.input_size, p.output_size) == (3, 4)
    assert layers[1].Wx.shape[0] == 8, "a concat bidirectional layer doubles the next layer's input"
    zeros = p.zeros_like()
    assert isinstance(zeros.layers, list) and zeros.layers[0].merge_mode == "concat"


def test_bad_params_raise_clear_errors():
    rng = np.random.default_rng(28)
    rnn = lambda D, H: random_layer(rng, "rnn-tanh", D, H)
    with pytest.raises(ShapeError, match="layer 1 must read layer 0's outputs of size 4, but .* D = 3"):
        StackParams([rnn(3, 4), rnn(3, 4)])
    bi = BidirectionalParams(rnn(3, 4), rnn(3, 4))
    with pytest.raises(ShapeError, match="outputs of size 8, but its input size is D = 4"):
        StackParams([bi, rnn(4, 4)])
    StackParams([dataclasses.replace(bi, merge_mode="sum"), rnn(4, 4)])
    with pytest.raises(ValueError, match="layer 0 is bidirectional with merge_mode None"):
        StackParams([dataclasses.replace(bi, merge_mode=None), rnn(4, 4)])
    with pytest.raises(ValueError, match="non-empty list"):
        StackParams([])
    with pytest.raises(TypeError, match="layer 1: expected the parameters of a recurrent layer"):
        StackParams([rnn(3, 4), np.ones((4, 4))])
    with pytest.raises(DTypeError, match="one dtype"):
        StackParams([rnn(3, 4), rnn(4, 4).astype(np.float32)])


def test_bad_inputs_raise_clear_errors():
    rng, p, x, state0 = make_case(29, ["lstm", "lstm"], 2, 3, 4, 5)
    with pytest.raises(TypeError, match="params must be StackParams"):
        stack_forward(x, p.layers[0])
    with pytest.raises(ShapeError, match=r"x must be \(B, T, D\) = \(\?, \?, 4\)"):
        stack_forward(x[..., :2], p)
    with pytest.raises(ValueError, match=r"state0 of a stack must have one entry per layer \(2\), got 1"):
        stack_forward(x, p, state0[:1])
    with pytest.raises(TypeError, match="state0 of a stack must be None or a list"):
        stack_forward(x, p, state0[0][0])
    out, _, cache = stack_forward(x, p, return_sequences=False)
    with pytest.raises(ShapeError, match=r"dout must be \(B, H\) = \(2, 5\)"):
        stack_backward(np.ones((2, 3, 5)), cache)
    with pytest.raises(ValueError, match="dstate of a stack must have one entry per layer"):
        stack_backward(out, cache, [None])
