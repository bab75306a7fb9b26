"""The time loop's blocks of steps (rnncourse.sequence.block_steps) against PyTorch.

The loop projects the inputs and turns dxw back into dx, dWx and db a block of steps at a
time. On the small shapes of the other tests one block holds the whole sequence, so here
the block is forced down to 1, 2 and 3 steps (sequences of 6 and 7 steps: blocks that do
and do not divide T), and those tests of test_rnn, test_lstm and test_gru that run whole
sequences run again against their PyTorch oracles: forward and backward, reversed, masked,
many-to-one and truncated. The last test uses the real block size on a batch large enough
to need several blocks.

BPTT hands the cells column-major copies of the parameters for a batch of more than 8
(rnncourse.sequence.backward_params); the other tests' batches are smaller, so the same
oracle tests run again here with the copies forced on for every batch.
"""
import numpy as np
import pytest

import test_gru
import test_lstm
import test_rnn
from bridge_cases import assert_close
from rnncourse import sequence
from rnncourse.gru import GRUParams, gru_backward, gru_forward
from rnncourse.lstm import LSTMParams, lstm_backward, lstm_forward
from rnncourse.rnn import RNNParams, rnn_backward, rnn_forward
from rnncourse.sequence import Cell, backward_params
from torch_oracle import assert_grads, torch_sequence


@pytest.fixture(params=[(1, 1), (2, 1), (3, 1), (1, 3), (2, 2)],
                ids=lambda km: f"{km[0]}-step blocks, {km[1]} per chunk")
def blocks(request, monkeypatch):
    """Every sequence_forward / sequence_backward in the test uses blocks of k steps, and the
    forward keeps them in chunks of m blocks (m = 1: an array per block)."""
    k, m = request.param
    monkeypatch.setattr(sequence, "block_steps", lambda B, G, itemsize: k)
    monkeypatch.setattr(sequence, "chunk_steps", lambda k_, B, G, itemsize: k_ * m)
    return k


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_in_blocks(blocks, activation, dtype):
    shape = (3, 7, 4, 6)
    test_rnn.test_forward_matches_torch(activation, dtype, shape, True)
    test_rnn.test_gradients_match_torch(activation, dtype, shape, True)
    test_rnn.test_many_to_one_gradients_match_torch(activation, dtype, shape)
    test_rnn.test_reverse_matches_torch_on_flipped_sequence(activation, dtype, shape)
    for reverse in (False, True):
        test_rnn.test_mask_matches_packed_torch(activation, dtype, reverse)
    for k in (2, 3):
        test_rnn.test_truncated_bptt_matches_detached_torch_loop(activation, dtype, k)
    test_rnn.test_mask_with_holes_numerical(activation)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lstm_in_blocks(blocks, dtype):
    shape = (3, 7, 4, 6)
    test_lstm.test_forward_matches_torch(dtype, shape, True)
    test_lstm.test_gradients_match_torch(dtype, shape, True)
    test_lstm.test_many_to_one_gradients_match_torch(dtype, shape)
    test_lstm.test_reverse_matches_torch_on_flipped_sequence(dtype, shape)
    for reverse in (False, True):
        test_lstm.test_mask_matches_packed_torch(dtype, reverse)
    for k in (2, 3):
        test_lstm.test_truncated_bptt_matches_detached_torch_loop(dtype, k)
    test_lstm.test_mask_with_holes_numerical()


@pytest.mark.parametrize("reset_after", [True, False], ids=["reset_after", "reset_before"])
def test_gru_in_blocks(blocks, reset_after):
    for dtype in (np.float64, np.float32):
        test_gru.test_sequence_matches_torch(reset_after, dtype, (3, 6, 4, 5), True)
    test_gru.test_many_to_one_matches_torch(reset_after, np.float64)
    test_gru.test_reverse_matches_torch_on_flipped_time(reset_after)
    for reverse in (False, True):
        test_gru.test_mask_with_holes_matches_torch_loop(reset_after, reverse)
        for k in (2, 3):
            test_gru.test_truncated_bptt_matches_torch_detaching_every_k_steps(reset_after, k, reverse)


def test_block_steps_fill_about_a_megabyte_and_never_zero():
    assert sequence.block_steps(64, 512, 4) * 64 * 512 * 4 == sequence.BLOCK_BYTES  # 8 steps
    assert sequence.block_steps(1, 128, 8) == sequence.BLOCK_BYTES // (128 * 8)
    assert sequence.block_steps(4096, 4096, 8) == 1  # a step larger than a block is a block


def test_chunks_hold_whole_blocks_up_to_16_mib_and_never_zero():
    assert sequence.chunk_steps(2, 256, 512, 4) == 32  # the large LSTM: 32 steps of 512 KiB
    assert sequence.chunk_steps(8, 64, 512, 4) == 128  # the middle one: its 100 steps in one chunk
    assert sequence.chunk_steps(3, 64, 512, 4) == 126  # whole blocks only
    assert sequence.chunk_steps(1, 4096, 4096, 8) == 1  # a block larger than a chunk is a chunk


def test_the_forward_keeps_no_array_above_the_chunk_size():
    # the large LSTM's projection is 105 MB: in chunks, no single array of it exceeds 16 MiB
    B, T, D, H = 256, 200, 4, 128
    p = LSTMParams.init(D, H, dtype=np.float32)
    x = np.random.default_rng(0).standard_normal((B, T, D), dtype=np.float32)
    _, _, cache = lstm_forward(x, p)
    # each step's gates are its block of the chunk that holds it
    chunks = {id(s.gates.base): s.gates.base for s in cache.steps}.values()
    assert sum(c.nbytes for c in chunks) == T * B * 4 * H * 4  # the whole projection, once
    assert max(c.nbytes for c in chunks) <= sequence.CHUNK_BYTES


@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_with_the_real_block_size_over_several_blocks(reverse):
    # float64, B = 32, H = 128: blocks of 8 steps, so T = 20 makes blocks of 8, 8 and 4
    B, T, D, H = 32, 20, 3, 128
    assert sequence.block_steps(B, 4 * H, 8) == 8
    rng = np.random.default_rng(44)
    p = LSTMParams(*(rng.normal(0, 0.1, s) for s in [(D, 4 * H), (H, 4 * H), (4 * H,)]))
    x, dout = rng.normal(0, 1, (B, T, D)), rng.normal(0, 1, (B, T, H))
    ref = torch_sequence(p, x, reverse=reverse, dout=dout)
    out, _, cache = lstm_forward(x, p, reverse=reverse)
    assert_close(out, ref["out"], "out")
    assert_grads(lstm_backward(dout, cache), ref)
    assert out.flags["C_CONTIGUOUS"]


@pytest.fixture
def column_major(monkeypatch):
    """Every sequence_backward in the test hands its cells column-major copies, whatever B."""
    monkeypatch.setattr(sequence, "backward_params", lambda p, B: p.map(np.asfortranarray))


# the suites of the block tests above, with the real block size (one block) and the copies on
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_with_column_major_copies(column_major, activation, dtype):
    test_rnn_in_blocks(None, activation, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lstm_with_column_major_copies(column_major, dtype):
    test_lstm_in_blocks(None, dtype)


@pytest.mark.parametrize("reset_after", [True, False], ids=["reset_after", "reset_before"])
def test_gru_with_column_major_copies(column_major, reset_after):
    test_gru_in_blocks(None, reset_after)


LAYERS = {"RNN": (RNNParams, rnn_forward, rnn_backward), "LSTM": (LSTMParams, lstm_forward, lstm_backward),
          "GRU": (GRUParams, gru_forward, gru_backward)}


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("B", [8, 9])
def test_cells_get_column_major_copies_above_8_rows_and_the_parameters_stay(kind, B):
    Params, forward, backward = LAYERS[kind]
    p = Params.init(3, 5, seed=1)
    before = {name: a.copy() for name, a in p.arrays().items()}
    x = np.random.default_rng(2).standard_normal((B, 4, 3))
    out, _, cache = forward(x, p)
    seen, cell_backward = [], cache.cell.backward

    def spy(*args, **kw):
        seen.append(args[-1][-1])
        return cell_backward(*args, **kw)

    cache.cell = Cell(cache.cell.name, cache.cell.forward, spy, cache.cell.state_names)
    _, _, grads = backward(np.ones_like(out), cache)
    assert len(seen) == 4
    for q in seen:
        for name, a in q.arrays().items():
            np.testing.assert_array_equal(a, before[name])
            if a.ndim == 2:
                assert a.flags["F_CONTIGUOUS"] == (B > 8), (kind, B, name)
        assert (q is p) == (B <= 8)
    # the caller's parameters, the steps' caches and the gradients keep their row-major order
    for name, a in p.arrays().items():
        np.testing.assert_array_equal(a, before[name])
        assert a.flags["C_CONTIGUOUS"], name
    assert all(step[-1] is p for step in cache.steps)
    assert all(g.flags["C_CONTIGUOUS"] for g in grads.arrays().values())
    assert backward_params(p, B) is p if B <= 8 else backward_params(p, B) is not p
