"""to_torch / from_torch: the NumPy reference and PyTorch compute the same thing with the same weights.

For every cell kind PyTorch has (RNN tanh and relu, LSTM, the reset-after GRU), alone,
bidirectional and stacked, the module to_torch builds gives our outputs and final
states, and autograd gives our gradients for the inputs, the initial states and every
weight (read back through from_torch(module, grad=True)).
"""
import numpy as np
import pytest
import torch
from torch import nn

from bridge_cases import (DTYPES, SHAPES, assert_close, assert_grads_equal, assert_same_params,
                          assert_states_equal, cells, make_case, make_cell, n_states, nested, per_direction,
                          random_inputs, random_like, reference_backward, reference_forward)
from rnncourse.bidirectional import BidirectionalParams
from rnncourse.bridges import from_torch, to_torch
from rnncourse.checks import DTypeError, ShapeError
from rnncourse.gru import GRUParams
from rnncourse.lstm import LSTMParams
from rnncourse.rnn import RNNParams
from rnncourse.stack import StackParams

KINDS = ["rnn-tanh", "rnn-relu", "lstm", "gru"]
KIND_OF = {nn.RNN: RNNParams, nn.LSTM: LSTMParams, nn.GRU: GRUParams}
STRUCTURES = ["cell", "bi:concat", "stack:cell+cell", "stack:bi:concat+bi:concat+bi:concat"]


def to_torch_state(params, directions):
    """Per-direction tuples -> PyTorch's hx: h (L·dirs, B, H), or (h, c) for the LSTM, as leaf tensors."""
    stacked = [torch.tensor(np.stack([d[i] for d in directions]), requires_grad=True)
               for i in range(n_states(cells(params)[0]))]
    return stacked[0] if len(stacked) == 1 else tuple(stacked)


def from_torch_state(hx):
    """PyTorch's h_n or (h_n, c_n) -> per-direction tuples of arrays."""
    hx = hx if isinstance(hx, tuple) else (hx,)
    return [tuple(s[k].detach().numpy() for s in hx) for k in range(hx[0].shape[0])]


def run_both(kind, structure, dtype, shape, with_state0, seed=0):
    """The reference and to_torch's module on one random case; both forward passes and their inputs."""
    params, rng = make_case(kind, structure, dtype, seed)
    x, directions0 = random_inputs(params, shape, with_state0, rng)
    ours = reference_forward(params, x, nested(params, directions0))
    module = to_torch(params)
    x_t = torch.tensor(x, requires_grad=True)
    hx = None if directions0 is None else to_torch_state(params, directions0)
    theirs = module(x_t, hx)
    return params, rng, module, (x_t, hx), ours, theirs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_is_exact(kind, structure, dtype):
    params, _ = make_case(kind, structure, dtype, seed=1)
    module = to_torch(params)
    assert next(module.parameters()).dtype == (torch.float64 if dtype == np.float64 else torch.float32)
    assert module.batch_first
    assert_same_params(from_torch(module), params)


@pytest.mark.parametrize("with_state0", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("kind", KINDS)
def test_forward_matches_torch(kind, structure, dtype, shape, with_state0):
    params, _, _, _, (out, state, _), (out_t, hx_t) = run_both(kind, structure, dtype, shape, with_state0)
    assert_close(out, out_t.detach().numpy(), "out")
    assert_states_equal(per_direction(params, state), from_torch_state(hx_t))


@pytest.mark.parametrize("with_state0", [False, True])
@pytest.mark.parametrize("shape", SHAPES[::3])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_autograd(kind, structure, dtype, shape, with_state0):
    """The gradients of sum(out * dout) + sum(final states * dstate) for x, the initial states and the weights."""
    params, rng, module, (x_t, hx), (out, state, cache), (out_t, hx_t) = run_both(
        kind, structure, dtype, shape, with_state0, seed=2)
    dout = random_like(out, rng)
    dstate = [tuple(random_like(s, rng) for s in d) for d in per_direction(params, state)]
    loss = (out_t * torch.from_numpy(dout)).sum()
    for final, upstream in zip(hx_t if isinstance(hx_t, tuple) else (hx_t,), zip(*dstate)):
        loss = loss + (final * torch.from_numpy(np.stack(upstream))).sum()
    loss.backward()

    dx, dstate0, grads = reference_backward(params, dout, cache, nested(params, dstate))
    assert_close(dx, x_t.grad.numpy(), "dx")
    if hx is not None:
        dhx = tuple(h.grad for h in (hx if isinstance(hx, tuple) else (hx,)))
        assert_states_equal(per_direction(params, dstate0), from_torch_state(dhx), "gradient of initial")
    assert_grads_equal(grads, from_torch(module, grad=True))


@pytest.mark.parametrize("kind", KINDS)
def test_both_bias_gradients_are_db(kind):
    """b stands for bias_ih + bias_hh in the RNN and LSTM, so both receive its gradient; the GRU's differ."""
    params, _, module, _, (out, _, cache), (out_t, _) = run_both(kind, "cell", np.float64, (3, 4), False)
    out_t.sum().backward()
    db = reference_backward(params, np.ones_like(out), cache, None)[2].b
    assert_close(db, module.bias_ih_l0.grad.numpy(), "bias_ih")
    if kind != "gru":
        assert_close(db, module.bias_hh_l0.grad.numpy(), "bias_hh")


@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, True)])
@pytest.mark.parametrize("module_class", [nn.RNN, nn.LSTM, nn.GRU])
def test_from_torch_reads_a_torch_initialised_module(module_class, num_layers, bidirectional):
    """PyTorch's own random init has a nonzero bias_hh: from_torch folds it into b (RNN, LSTM) or bh (GRU)."""
    torch.manual_seed(0)
    module = module_class(3, 5, num_layers=num_layers, bidirectional=bidirectional, batch_first=True,
                          dtype=torch.float64)
    x = np.random.default_rng(0).normal(0, 1, (2, 4, 3))
    params = from_torch(module)
    out, _, _ = reference_forward(params, x)
    assert_close(out, module(torch.from_numpy(x))[0].detach().numpy(), "out")
    if num_layers == 1:
        assert type(params) is KIND_OF[module_class]
    else:
        assert len(params.layers) == 2
        assert all(type(layer.forward) is KIND_OF[module_class] for layer in params.layers)


def test_from_torch_relu_and_no_bias():
    module = nn.RNN(4, 3, nonlinearity="relu", bias=False, batch_first=True, dtype=torch.float64)
    params = from_torch(module)
    assert params.activation == "relu" and not params.b.any()
    x = np.random.default_rng(1).normal(0, 1, (2, 5, 4))
    assert_close(reference_forward(params, x)[0], module(torch.from_numpy(x))[0].detach().numpy(), "out")


def test_gru_reset_before_has_no_torch_equivalent():
    with pytest.raises(ValueError, match="reset_after=False has no PyTorch equivalent"):
        to_torch(make_case("gru-reset-before", "cell", np.float64, 0)[0])


@pytest.mark.parametrize("merge_mode", ["sum", "mul", "ave", None])
def test_bidirectional_merge_other_than_concat_is_refused(merge_mode):
    params, _ = make_case("lstm", f"bi:{merge_mode}", np.float64, 0)
    with pytest.raises(ValueError, match="no PyTorch equivalent"):
        to_torch(params)


def test_stacks_one_module_cannot_hold_are_refused():
    rng = np.random.default_rng(0)
    lstm, gru = make_cell("lstm", 3, 4, np.float64, rng), make_cell("gru", 4, 4, np.float64, rng)
    with pytest.raises(ValueError, match="one cell kind"):
        to_torch(StackParams([lstm, gru]))
    tanh, relu = make_cell("rnn-tanh", 3, 4, np.float64, rng), make_cell("rnn-relu", 4, 4, np.float64, rng)
    with pytest.raises(ValueError, match="one cell kind"):
        to_torch(StackParams([tanh, relu]))
    with pytest.raises(ShapeError, match="one hidden size"):
        to_torch(StackParams([lstm, make_cell("lstm", 4, 2, np.float64, rng)]))
    bi = BidirectionalParams(make_cell("lstm", 4, 4, np.float64, rng), make_cell("lstm", 4, 4, np.float64, rng))
    with pytest.raises(ValueError, match="bidirectional in every layer or in none"):
        to_torch(StackParams([lstm, bi]))


def test_unsupported_inputs_are_refused():
    with pytest.raises(TypeError, match="to_torch takes"):
        to_torch(np.zeros((3, 4)))
    with pytest.raises(TypeError, match="from_torch reads"):
        from_torch(nn.Linear(3, 4))
    with pytest.raises(ValueError, match="proj_size"):
        from_torch(nn.LSTM(3, 4, proj_size=2))
    with pytest.raises(DTypeError, match="float32 or float64"):
        from_torch(nn.GRU(3, 4, dtype=torch.float16))
    with pytest.raises(ValueError, match="no .grad"):
        from_torch(nn.GRU(3, 4), grad=True)
