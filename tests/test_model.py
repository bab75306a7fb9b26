"""The NumPy sequence model: gradients against PyTorch autograd and the numerical gradient, and training."""
import numpy as np
import pytest
import torch

from bridge_cases import assert_close
from rnncourse.bidirectional import BidirectionalParams
from rnncourse.bridges import to_torch
from rnncourse.gradcheck import numerical_gradient
from rnncourse.gru import GRUParams
from rnncourse.layers import DenseParams, EmbeddingParams
from rnncourse.losses import binary_cross_entropy_with_logits, mse
from rnncourse.lstm import LSTMParams
from rnncourse.model import SequenceModelParams, binary_accuracy, fit, model_backward, model_forward
from rnncourse.optimizers import Adam
from rnncourse.rnn import RNNParams
from rnncourse.tasks import compare_halves


def torch_model(params, many_to_many):
    """The same model in PyTorch, with its weights taken from the NumPy containers."""
    rnn = to_torch(params.recurrent)
    emb = head = None
    if params.embedding is not None:
        emb = torch.nn.Embedding.from_pretrained(torch.tensor(params.embedding.E), freeze=False)
    head = torch.nn.Linear(*params.head.W.shape).to(torch.float64)
    with torch.no_grad():
        head.weight.copy_(torch.tensor(params.head.W.T))
        head.bias.copy_(torch.tensor(params.head.b))

    def run(x):
        h = emb(x) if emb is not None else x
        out, _ = rnn(h)
        if many_to_many:
            return head(out)
        if rnn.bidirectional:  # Keras' many-to-one: forward after x_{T-1}, backward after x_0
            H = rnn.hidden_size
            return head(torch.cat([out[:, -1, :H], out[:, 0, H:]], dim=-1))
        return head(out[:, -1])
    return run, rnn, emb, head


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "bigru"])
@pytest.mark.parametrize("many_to_many", [False, True])
def test_gradients_match_torch(kind, many_to_many):
    rng = np.random.default_rng(3)
    D, H, V, B, T = 4, 5, 11, 3, 6
    recurrent = {"rnn": RNNParams.init(D, H, seed=1), "lstm": LSTMParams.init(D, H, seed=1),
                 "gru": GRUParams.init(D, H, seed=1),
                 "bigru": BidirectionalParams.init(GRUParams, D, H, seed=1)}[kind]
    recurrent = recurrent.map(lambda a: a + 0.1 * rng.standard_normal(a.shape))
    Hout = recurrent.output_size if kind == "bigru" else H
    params = SequenceModelParams(recurrent, DenseParams.init(Hout, 2, seed=2), EmbeddingParams.init(V, D, seed=3))
    ids = rng.integers(0, V, (B, T))
    scores, cache = model_forward(ids, params, many_to_many)
    dscores = rng.standard_normal(scores.shape)
    grads = model_backward(dscores, cache)

    run, rnn, emb, head = torch_model(params, many_to_many)
    out = run(torch.tensor(ids))
    assert_close(scores, out.detach().numpy(), "scores")
    (out * torch.tensor(dscores)).sum().backward()
    assert_close(grads.embedding.E, emb.weight.grad.numpy(), "dE")
    assert_close(grads.head.W, head.weight.grad.numpy().T, "dW")
    assert_close(grads.head.b, head.bias.grad.numpy(), "db")
    from rnncourse.bridges import from_torch
    theirs = from_torch(rnn, grad=True)
    for name, g in grads.recurrent.arrays().items():
        assert_close(g, theirs.arrays()[name], "d" + name)


def test_float_inputs_without_embedding_match_the_numerical_gradient():
    rng = np.random.default_rng(0)
    params = SequenceModelParams(RNNParams.init(3, 4, seed=0), DenseParams.init(4, 1, seed=1))
    x = rng.standard_normal((2, 5, 3))
    y = rng.standard_normal((2, 1))

    def loss():
        return mse(model_forward(x, params)[0], y)[0]

    scores, cache = model_forward(x, params)
    grads = model_backward(mse(scores, y)[1], cache)
    assert grads.embedding is None
    for name, a in params.arrays().items():
        assert_close(grads.arrays()[name], numerical_gradient(loss, a, eps=1e-5), "d" + name)


def test_fit_learns_an_order_dependent_task():
    """compare_halves' label depends on the order of the values (reversing a sequence flips it)."""
    x, y = compare_halves(600, T=10, seed=0)
    xv, yv = compare_halves(300, T=10, seed=1)
    params = SequenceModelParams(RNNParams.init(1, 16, seed=0), DenseParams.init(16, 1, seed=1))
    history = fit(params, x, y, binary_cross_entropy_with_logits, Adam(0.01), epochs=15, batch_size=32,
                  validation_data=(xv, yv), metric=("accuracy", binary_accuracy), every=100)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.9
