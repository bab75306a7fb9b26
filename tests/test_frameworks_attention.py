"""Chapter 5's Keras and PyTorch code: taggers' sizes, attention modules against the reference, the date model."""
import datetime

import numpy as np
import pytest
import torch

from rnncourse.attention import AdditiveAttentionParams, additive_attention_forward, dot_attention_forward
from rnncourse.frameworks.attention import (bahdanau_to_keras, bahdanau_to_torch, gru_tagger_count,
                                            keras_dot_attention, keras_gru_tagger, make_torch_gru_tagger,
                                            torch_dot_attention)
from rnncourse.frameworks.seq2seq import (TARGET_FIELDS, attention_on_fields, date_field_spans,
                                          make_date_seq2seq, predict_dates)
from rnncourse.tasks import DATE_FORMATS, DATE_TARGET_VOCAB, MONTHS, date_task, format_date

from bridge_cases import assert_close


@pytest.mark.parametrize("bidirectional, num_layers", [(False, 1), (True, 2)])
def test_tagger_counts_agree_with_keras_and_torch(bidirectional, num_layers):
    kw = dict(D=5, H=7, out=3, bidirectional=bidirectional, num_layers=num_layers)
    keras_model = keras_gru_tagger(**kw)
    torch_model = make_torch_gru_tagger(**kw)
    assert gru_tagger_count(**kw) == keras_model.count_params()
    assert gru_tagger_count(**kw) == sum(p.numel() for p in torch_model.parameters())
    x = np.zeros((2, 4, 5), np.float32)
    assert keras_model(x).shape == (2, 4, 3)
    assert torch_model(torch.from_numpy(x)).shape == (2, 4, 3)


def attention_case(seed=0, B=3, T=6, Hq=4, H=5, A=3):
    rng = np.random.default_rng(seed)
    mask = rng.random((B, T)) < 0.7
    mask[:, 0] = True
    return (AdditiveAttentionParams.init(Hq, H, A, seed=seed), rng.standard_normal((B, Hq)),
            rng.standard_normal((B, T, H)), mask)


def test_bahdanau_modules_match_the_reference():
    p, s, hs, mask = attention_case()
    context, weights, _ = additive_attention_forward(s, hs, p, mask)
    with torch.no_grad():
        c_t, w_t = bahdanau_to_torch(p)(torch.from_numpy(s), torch.from_numpy(hs), torch.from_numpy(mask))
    assert_close(c_t.numpy(), context, "torch context")
    assert_close(w_t.numpy(), weights, "torch weights")
    c_k, w_k = bahdanau_to_keras(p)(s, hs, mask)
    assert_close(np.asarray(c_k), context, "keras context")
    assert_close(np.asarray(w_k), weights, "keras weights")


@pytest.mark.parametrize("scale", [False, True])
def test_dot_attention_matches_the_reference(scale):
    _, _, hs, mask = attention_case(1)
    s = np.random.default_rng(2).standard_normal((hs.shape[0], hs.shape[2]))
    context, weights, _ = dot_attention_forward(s, hs, mask, scale=scale)
    c_t, w_t = torch_dot_attention(torch.from_numpy(s), torch.from_numpy(hs), torch.from_numpy(mask), scale)
    assert_close(c_t.numpy(), context, "torch context")
    assert_close(w_t.numpy(), weights, "torch weights")
    if not scale:
        c_k, w_k = keras_dot_attention(s, hs, mask)
        assert_close(c_k, context, "keras context")
        assert_close(w_k, weights, "keras weights")


@pytest.mark.parametrize("attention", ["additive", "dot", None])
def test_date_model_teacher_forcing_on_its_own_choices_equals_greedy_decoding(attention):
    """Feeding back the argmax (greedy) must give what teacher forcing gives when it is fed those same ids."""
    torch.manual_seed(0)
    task = date_task(5, seed=0)
    model = make_date_seq2seq(len(task.source_vocab), len(task.target_vocab), D=4, H=3, A=2, attention=attention)
    model.eval()
    x = torch.as_tensor(task.x)
    ids, weights = model.greedy_decode(x, 10, DATE_TARGET_VOCAB.index["<s>"])
    y_in = torch.cat([torch.zeros((5, 1), dtype=torch.long), ids[:, :-1]], dim=1)
    with torch.no_grad():
        logits, weights_tf = model(x, y_in)
    assert torch.equal(logits.argmax(-1), ids)
    strings, _ = predict_dates(model, task.x)
    assert len(strings) == 5 and all(len(s) == 10 for s in strings)
    if attention is None:
        assert weights is None and weights_tf is None, "a model without attention has no attention weights"
        return
    assert_close(weights_tf.numpy(), weights.numpy(), "weights")
    w = weights.numpy()
    assert np.allclose(w.sum(-1), 1)
    assert np.all(w[np.broadcast_to((task.x == 0)[:, None, :], w.shape)] == 0), "padding must get weight 0"


def test_additive_date_model_has_the_attention_parameters_more():
    sizes = dict(source_vocab_size=46, target_vocab_size=12, D=4, H=3, A=2)
    count = lambda m: sum(p.numel() for p in m.parameters())
    Hd = 2 * 3
    assert count(make_date_seq2seq(**sizes)) - count(make_date_seq2seq(**sizes, attention="dot")) == Hd * 2 + 6 * 2 + 2
    with pytest.raises(ValueError, match="additive"):
        make_date_seq2seq(**sizes, attention="general")


def test_date_model_without_attention_reads_the_source_only_through_its_initial_state():
    """Same encoder and decoder sizes; the decoder's input and head lose the context's 2H columns."""
    sizes = dict(source_vocab_size=46, target_vocab_size=12, D=4, H=3, A=2)
    count = lambda m: sum(p.numel() for p in m.parameters())
    Hd, Hu, V = 6, 6, 12
    gru_input_weights = 3 * Hd * Hu  # GRUCell weight_ih columns of the context
    assert count(make_date_seq2seq(**sizes, attention="dot")) - count(make_date_seq2seq(**sizes, attention=None)) \
        == gru_input_weights + V * Hu
    torch.manual_seed(0)
    task = date_task(4, seed=3)
    model = make_date_seq2seq(**sizes, attention=None).eval()
    x = torch.as_tensor(task.x)
    _, _, s0 = model.encode(x)
    ids, _ = model.greedy_decode(x, 10, DATE_TARGET_VOCAB.index["<s>"])
    # a different source with the same initial state must decode the same: nothing else reaches the decoder
    model.encode = lambda other: (torch.zeros(len(other), 1, 6), torch.ones(len(other), 1, dtype=torch.bool), s0)
    same, _ = model.greedy_decode(torch.ones_like(x), 10, DATE_TARGET_VOCAB.index["<s>"])
    assert torch.equal(same, ids)


def test_keras_tagger_layers_have_readable_names():
    model = keras_gru_tagger(D=3, H=4, bidirectional=True, num_layers=2)
    assert model.name == "bigru_tagger"
    assert [layer.name for layer in model.layers] == ["bigru_1", "bigru_2", "head"]
    assert keras_gru_tagger(D=3, H=4).name == "gru_tagger"
    assert [layer.name for layer in keras_gru_tagger(D=3, H=4).layers] == ["gru_1", "head"]


@pytest.mark.parametrize("fmt", DATE_FORMATS)
def test_date_field_spans_find_the_fields(fmt):
    day = datetime.date(2031, 11, 4)  # "Tuesday, November 4, 2031"
    source = format_date(day, fmt)
    spans = {field: source[a:b] for field, (a, b) in date_field_spans(source).items()}
    assert spans["year"] in ("2031", "31")
    assert spans["day"].lstrip("0") == "4"
    assert spans["month"] in ("11", "November", "Nov", "nov")
    assert MONTHS[10].startswith(spans["month"].capitalize()) or spans["month"] == "11"


def test_attention_on_fields_is_one_for_weights_on_the_fields():
    sources = ["3 May 1998", "Sunday, May 3, 1998", "05/03/98"]
    weights = np.zeros((3, 10, 29))
    for w, source in zip(weights, sources):
        spans = date_field_spans(source)
        for field, positions in TARGET_FIELDS.items():
            a, b = spans[field]
            w[list(positions), a:b] = 1 / (b - a)
    assert attention_on_fields(weights, sources) == pytest.approx({"year": 1.0, "month": 1.0, "day": 1.0})
    shifted = np.roll(weights, 1, axis=2)
    assert attention_on_fields(shifted, sources)["year"] < 1
