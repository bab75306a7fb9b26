"""Synthetic sequence tasks, generated in code.

Each generator takes the number of sequences ``n`` and a ``seed``; the same seed
gives the same arrays. Inputs are float arrays (B, T, D) in the ``dtype`` asked
for (float64 by default, like the parameters of the reference); targets are
float (B, 1), (B, T, 1) or (B, horizon). The date task works on characters and
returns integer ids with their vocabularies.

- :func:`adding_problem`: remember two marked values across a long sequence.
- :func:`compare_halves`: a label that depends on the order of the values.
- :func:`sine_next_step`: predict the next value of a noisy wave (many-to-one
  or many-to-many).
- :func:`decaying_sum`: a real target from (B, 100, 32) inputs that needs a
  fading memory of every step.
- :func:`date_task`: "3 May 1998" -> "1998-05-03", for sequence-to-sequence
  models with attention.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from .checks import ShapeError
from .datasets import PAD, Vocab, _count, _float_dtype, pad_sequences


def adding_problem(n, T=100, seed=0, dtype=np.float64):
    """The adding problem (Hochreiter & Schmidhuber 1997, in the form of Le et al. 2015).

    Channel 0 holds values drawn uniformly from [0, 1); channel 1 is 0 except
    for two 1s, one at a random step of the first half and one in the second
    half. The target is the sum of the two marked values.

    Returns x (n, T, 2) and y (n, 1).

    Baseline: y is the sum of two independent U(0, 1) values, so its mean is 1
    and its variance 2/12. A model that always answers 1.0 has mean squared
    error 1/6 ~ 0.167; only an error well below that shows the network
    remembers the marked values.
    """
    n, T, dtype = _count("n", n), _count("T", T, minimum=2), _float_dtype(dtype)
    rng = np.random.default_rng(seed)
    values = rng.random((n, T))
    half = T // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, T, n)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = 1
    markers[rows, second] = 1
    y = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=-1).astype(dtype), y[:, None].astype(dtype)


def compare_halves(n, T=10, seed=0, dtype=np.float64):
    """Is the sum of the first half of the sequence larger than the sum of the second half?

    Values are drawn uniformly from [-1, 1). The label depends on where each
    value sits, not only on which values occur: reversing a sequence flips its
    label, and shuffling it changes the label half of the time. Labels are
    balanced (the two halves are exchangeable).

    Returns x (n, T, 1) and y (n, 1) with y = 1.0 or 0.0; T must be even.
    """
    n, T, dtype = _count("n", n), _count("T", T, minimum=2), _float_dtype(dtype)
    if T % 2:
        raise ValueError(f"T must be even so the sequence has two halves, got {T}")
    x = np.random.default_rng(seed).uniform(-1, 1, (n, T))
    y = x[:, :T // 2].sum(axis=1) > x[:, T // 2:].sum(axis=1)
    return x[:, :, None].astype(dtype), y[:, None].astype(dtype)


def sine_waves(n, T, seed=0, noise=0.05, dtype=np.float64):
    """n noisy waves of T steps: the sum of two sines plus Gaussian noise of std ``noise``.

    Each wave has its own frequencies (periods of about 12 to 100 steps and 6 to
    20 steps), phases and amplitudes 0.5 and 0.2. Returns (n, T, 1).
    """
    n, T, dtype = _count("n", n), _count("T", T), _float_dtype(dtype)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    f1, f2 = rng.uniform(0.01, 0.08, (n, 1)), rng.uniform(0.05, 0.16, (n, 1))
    p1, p2 = rng.uniform(0, 2 * np.pi, (2, n, 1))
    t = np.arange(T)
    waves = 0.5 * np.sin(2 * np.pi * f1 * t + p1) + 0.2 * np.sin(2 * np.pi * f2 * t + p2)
    waves += noise * rng.standard_normal((n, T))
    return waves[:, :, None].astype(dtype)


def sine_next_step(n, T=50, seed=0, noise=0.05, many_to_many=False, dtype=np.float64):
    """Next-step regression on :func:`sine_waves`.

    x (n, T, 1) is the wave up to step T-1. Many-to-one: y (n, 1) is the value at
    step T. Many-to-many: y (n, T, 1) is the wave shifted one step, y[:, t] = value
    at step t+1, so the model predicts the next value at every step.
    Baseline: repeating the last value, y_hat = x[:, -1], costs about
    2 * noise**2 plus the wave's one-step change.
    """
    waves = sine_waves(n, _count("T", T) + 1, seed, noise, dtype)
    x = waves[:, :-1]
    return (x, waves[:, 1:]) if many_to_many else (x, waves[:, -1])


def decaying_sum(n, T=100, D=32, decay=0.9, seed=0, task_seed=0, dtype=np.float64):
    """A real target that needs a fading memory of all T steps: inputs (n, T, D) -> y (n, 1).

    x is standard normal. A fixed unit vector w (drawn from ``task_seed``, so the
    same for every ``seed``: training and test sets share the task) reads one
    number per step, and the target weights step t by decay**(T-1-t):

        s_t = decay * s_{t-1} + x_t . w,   y = s_T / sqrt(sum_k decay**(2k))

    The scaling gives y unit variance, so predicting 0 has mean squared error 1.
    A linear RNN with one unit solves it exactly; with decay 0.9 the last 40 or
    so steps matter.
    """
    n, T, D, dtype = _count("n", n), _count("T", T), _count("D", D), _float_dtype(dtype)
    if not 0 <= decay < 1:
        raise ValueError(f"decay must lie in [0, 1), got {decay}")
    w = np.random.default_rng(task_seed).standard_normal(D)
    w /= np.linalg.norm(w)
    x = np.random.default_rng(seed).standard_normal((n, T, D))
    weights = decay ** np.arange(T - 1, -1, -1)
    y = (x @ w) @ weights / np.sqrt(np.sum(weights ** 2))
    return x.astype(dtype), y[:, None].astype(dtype)


# ---------------------------------------------------------------- dates

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Human formats of one date. Two-digit years are read in the window 1969-2068
# (POSIX and Python's %y), which is why the dates are drawn from that window;
# the only all-digit format is the US month/day/year, so no source is ambiguous.
DATE_FORMATS = (
    "{d} {Month} {Y}",                # 3 May 1998
    "{dd} {Mon} {Y}",                 # 03 May 1998
    "{Month} {d}, {Y}",               # May 3, 1998
    "{Weekday}, {Month} {d}, {Y}",    # Sunday, May 3, 1998
    "{mon} {d} {Y}",                  # may 3 1998
    "{mm}/{dd}/{yy}",                 # 05/03/98
)
FIRST_DATE, LAST_DATE = datetime.date(1969, 1, 1), datetime.date(2068, 12, 31)
START = "<s>"


def _date_fields(day):
    month = MONTHS[day.month - 1]
    return dict(d=day.day, dd=f"{day.day:02d}", mm=f"{day.month:02d}", yy=f"{day.year % 100:02d}",
                Y=day.year, Month=month, Mon=month[:3], mon=month[:3].lower(),
                Weekday=WEEKDAYS[day.weekday()])


def format_date(day, fmt):
    """One date in one of :data:`DATE_FORMATS` (English names, whatever the locale)."""
    return fmt.format(**_date_fields(day))


def _source_chars():
    names = "".join(MONTHS + WEEKDAYS)
    return sorted(set(names + names.lower() + "0123456789 ,/"))


DATE_SOURCE_VOCAB = Vocab((PAD,) + tuple(_source_chars()), unk=None)
DATE_TARGET_VOCAB = Vocab((START,) + tuple("0123456789-"), unk=None)
DATE_SOURCE_LEN = max(len(fmt.format(d=31, dd="31", mm="12", yy="99", Y=2000,
                                     Month=max(MONTHS, key=len), Mon="Sep", mon="sep",
                                     Weekday=max(WEEKDAYS, key=len)))
                      for fmt in DATE_FORMATS)
DATE_TARGET_LEN = len("YYYY-MM-DD")


def random_dates(n, seed=0):
    """n dates drawn uniformly from 1969-01-01 .. 2068-12-31."""
    n = _count("n", n)
    span = (LAST_DATE - FIRST_DATE).days + 1
    offsets = np.random.default_rng(seed).integers(0, span, n)
    return [FIRST_DATE + datetime.timedelta(days=int(k)) for k in offsets]


@dataclass
class DateTask:
    """Date normalisation examples, as text and as ids.

    sources: n human dates; targets: the same dates as "YYYY-MM-DD".
    x (n, Tx) int64: source characters, post-padded with ``<pad>`` = 0 to
      Tx = DATE_SOURCE_LEN; ``x != 0`` is the mask.
    y_in (n, 10) int64: decoder inputs for teacher forcing, ``<s>`` then the
      first nine target characters.
    y_out (n, 10) int64: the target characters.
    """
    sources: list
    targets: list
    x: np.ndarray
    y_in: np.ndarray
    y_out: np.ndarray
    source_vocab: Vocab = DATE_SOURCE_VOCAB
    target_vocab: Vocab = DATE_TARGET_VOCAB


def date_task(n, seed=0):
    """n random dates, each written in a random format of :data:`DATE_FORMATS`."""
    rng = np.random.default_rng(seed)
    days = random_dates(n, seed=rng.integers(2**32))
    fmts = rng.integers(0, len(DATE_FORMATS), len(days))
    sources = [format_date(day, DATE_FORMATS[k]) for day, k in zip(days, fmts)]
    targets = [day.isoformat() for day in days]
    x = pad_sequences([DATE_SOURCE_VOCAB.encode(s) for s in sources], DATE_SOURCE_LEN,
                      dtype=np.int64, padding="post", value=DATE_SOURCE_VOCAB.index[PAD])
    y_out = np.stack([DATE_TARGET_VOCAB.encode(t) for t in targets])
    start = np.full((len(days), 1), DATE_TARGET_VOCAB.index[START])
    y_in = np.concatenate([start, y_out[:, :-1]], axis=1)
    return DateTask(sources, targets, x, y_in, y_out)


def decode_dates(ids):
    """Target ids (n, 10) -> n strings "YYYY-MM-DD" (e.g. a model's argmax predictions)."""
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ShapeError(f"ids must be (n, T) = (?, ?), got {ids.shape}")
    return ["".join(DATE_TARGET_VOCAB.decode(row)) for row in ids]
