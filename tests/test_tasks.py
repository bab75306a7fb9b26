"""The synthetic tasks are what their docstrings say, checked against independent oracles."""
import datetime
import re

import numpy as np
import pytest

from rnncourse import tasks
from rnncourse.checks import DTypeError, ShapeError
from rnncourse.datasets import PAD

FLOAT_TASKS = [
    (tasks.adding_problem, dict(T=9), (9, 2), (1,)),
    (tasks.compare_halves, dict(T=10), (10, 1), (1,)),
    (tasks.sine_next_step, dict(T=7), (7, 1), (1,)),
    (tasks.sine_next_step, dict(T=7, many_to_many=True), (7, 1), (7, 1)),
    (tasks.decaying_sum, dict(T=100, D=32), (100, 32), (1,)),
]


@pytest.mark.parametrize("make, kwargs, x_shape, y_shape", FLOAT_TASKS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 5])
def test_shapes_dtypes_and_determinism(make, kwargs, x_shape, y_shape, dtype, n):
    x, y = make(n, seed=3, dtype=dtype, **kwargs)
    assert x.shape == (n, *x_shape) and y.shape == (n, *y_shape)
    assert x.dtype == y.dtype == dtype
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    x2, y2 = make(n, seed=3, dtype=dtype, **kwargs)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = make(n, seed=4, dtype=dtype, **kwargs)
    assert not np.array_equal(x, x3)


@pytest.mark.parametrize("make", [tasks.adding_problem, tasks.compare_halves, tasks.sine_next_step,
                                  tasks.decaying_sum])
def test_bad_parameters(make):
    with pytest.raises(ValueError, match="n must be >= 1"):
        make(0)
    with pytest.raises(TypeError, match="n must be an integer"):
        make(2.5)
    with pytest.raises(DTypeError, match="float32 or float64"):
        make(2, dtype=np.int64)


def test_adding_problem_targets_are_the_marked_sums():
    x, y = tasks.adding_problem(200, T=11, seed=1)
    values, markers = x[..., 0], x[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) == {0.0, 1.0}
    for b in range(200):
        marked = np.flatnonzero(markers[b])
        assert len(marked) == 2 and marked[0] < 11 // 2 <= marked[1]
        assert y[b, 0] == values[b, marked[0]] + values[b, marked[1]]


def test_adding_problem_baseline_is_one_sixth():
    # The best constant guess is the mean of y, 1; its MSE is Var(u1 + u2) = 2 * (1/12).
    _, y = tasks.adding_problem(200_000, T=20, seed=0)
    mse = np.mean((y - 1.0) ** 2)
    # the standard error of this mean is sqrt((E[(S-1)^4] - 1/36) / n) ~ 4.4e-4
    assert abs(mse - 1 / 6) < 3e-3
    assert abs(y.mean() - 1.0) < 3e-3
    assert np.mean((y - 0.8) ** 2) > mse + 0.03


def test_compare_halves_depends_on_order():
    x, y = tasks.compare_halves(5000, T=10, seed=2)
    for b in range(50):
        assert y[b, 0] == float(sum(x[b, :5, 0]) > sum(x[b, 5:, 0]))
    assert 0.47 < y.mean() < 0.53
    # the same values in reverse order have the opposite label ...
    flipped = (x[:, ::-1, 0][:, :5].sum(1) > x[:, ::-1, 0][:, 5:].sum(1)).astype(float)
    np.testing.assert_array_equal(flipped, 1 - y[:, 0])
    # ... so no function of the set of values (here: the sorted values) predicts the label
    sorted_values = np.sort(x[:, :, 0], axis=1)
    assert np.allclose(np.sort(x[:, ::-1, 0], axis=1), sorted_values)
    with pytest.raises(ValueError, match="even"):
        tasks.compare_halves(3, T=9)


def test_sine_next_step_targets_are_the_shifted_wave():
    x, y = tasks.sine_next_step(6, T=40, seed=5)
    x2, y2 = tasks.sine_next_step(6, T=40, seed=5, many_to_many=True)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y2[:, :-1], x[:, 1:])
    np.testing.assert_array_equal(y2[:, -1], y)


def test_clean_sine_waves_follow_a_four_tap_recurrence():
    # A sum of two sinusoids satisfies s_t = a1 s_{t-1} + ... + a4 s_{t-4} exactly;
    # a least-squares fit per wave recovers it, and noise breaks it.
    for noise, tol in ((0.0, 1e-8), (0.05, None)):
        waves = tasks.sine_waves(5, 80, seed=6, noise=noise)[..., 0]
        for s in waves:
            A = np.stack([s[3 - k:len(s) - 1 - k] for k in range(4)], axis=1)
            coef, *_ = np.linalg.lstsq(A, s[4:], rcond=None)
            residual = np.abs(A @ coef - s[4:]).max()
            assert residual < tol if tol else residual > 1e-3
    waves = tasks.sine_waves(2000, 60, seed=6, noise=0.0)
    assert np.abs(waves).max() <= 0.7 + 1e-12
    noisy = tasks.sine_waves(2000, 60, seed=6, noise=0.1)
    assert abs(np.std(noisy - waves) - 0.1) < 0.005


def test_decaying_sum_against_the_recurrence():
    x, y = tasks.decaying_sum(7, T=13, D=4, decay=0.8, seed=1)
    w = np.random.default_rng(0).standard_normal(4)
    w /= np.linalg.norm(w)
    scale = np.sqrt(sum(0.8 ** (2 * k) for k in range(13)))
    for b in range(7):
        s = 0.0
        for t in range(13):
            s = 0.8 * s + float(x[b, t] @ w)
        assert abs(y[b, 0] - s / scale) < 1e-12


def test_decaying_sum_task_is_shared_across_seeds():
    # Fit the readout on one seed's data, predict another seed's targets exactly.
    decay, T = 0.9, 100
    weights = decay ** np.arange(T - 1, -1, -1)
    xa, ya = tasks.decaying_sum(300, seed=1)
    xb, yb = tasks.decaying_sum(300, seed=2)
    features = lambda x: np.einsum("btd,t->bd", x, weights)
    coef, *_ = np.linalg.lstsq(features(xa), ya, rcond=None)
    np.testing.assert_allclose(features(xb) @ coef, yb, atol=1e-9)
    assert abs(np.var(tasks.decaying_sum(20_000, T=30, D=8)[1]) - 1) < 0.05
    with pytest.raises(ValueError, match="decay"):
        tasks.decaying_sum(2, decay=1.0)


# ---------------------------------------------------------------- dates

ORACLE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%A, %B %d, %Y", "%b %d %Y", "%m/%d/%y")


def parse_with_datetime(source):
    """Every date that Python's strptime reads from the source, in any known format."""
    found = set()
    for fmt in ORACLE_FORMATS:
        try:
            found.add(datetime.datetime.strptime(source, fmt).date())
        except ValueError:
            pass
    return found


def test_date_sources_and_targets_agree_with_datetime():
    data = tasks.date_task(3000, seed=0)
    for source, target in zip(data.sources, data.targets):
        day = datetime.date.fromisoformat(target)
        assert parse_with_datetime(source) == {day}, source
        if "," in source and source.split(",")[0].isalpha():
            assert source.startswith(day.strftime("%A"))
        assert tasks.FIRST_DATE <= day <= tasks.LAST_DATE
    # every format occurs, and nothing else does
    patterns = [r"[1-9]\d? [A-Z][a-z]+ \d{4}", r"\d\d [A-Z][a-z]{2} \d{4}", r"[A-Z][a-z]+ [1-9]\d?, \d{4}",
                r"[A-Z][a-z]+day, [A-Z][a-z]+ [1-9]\d?, \d{4}", r"[a-z]{3} [1-9]\d? \d{4}", r"\d\d/\d\d/\d\d"]
    matches = [[re.fullmatch(p, s) is not None for p in patterns] for s in data.sources]
    assert all(any(m) for m in matches) and all(np.any(matches, axis=0))


def test_date_arrays_encode_the_strings():
    data = tasks.date_task(500, seed=1)
    sv, tv = data.source_vocab, data.target_vocab
    assert data.x.shape == (500, tasks.DATE_SOURCE_LEN) and data.x.dtype == np.int64
    assert data.y_in.shape == data.y_out.shape == (500, 10)
    assert sv.tokens[0] == PAD
    for i in range(500):
        chars = sv.decode(data.x[i])
        assert "".join(c for c in chars if c != PAD) == data.sources[i]
        assert chars[len(data.sources[i]):] == [PAD] * (tasks.DATE_SOURCE_LEN - len(data.sources[i]))
    assert tasks.decode_dates(data.y_out) == data.targets
    assert np.all(data.y_in[:, 0] == tv.index[tasks.START])
    np.testing.assert_array_equal(data.y_in[:, 1:], data.y_out[:, :-1])


def test_date_source_length_bounds_every_date():
    day, longest = tasks.FIRST_DATE, 0
    while day <= tasks.LAST_DATE:
        longest = max(longest, max(len(tasks.format_date(day, f)) for f in tasks.DATE_FORMATS))
        day += datetime.timedelta(days=97)
    assert longest <= tasks.DATE_SOURCE_LEN
    wednesday = datetime.date(2003, 9, 24)
    assert tasks.format_date(wednesday, tasks.DATE_FORMATS[3]) == "Wednesday, September 24, 2003"
    assert tasks.DATE_SOURCE_LEN == len("Wednesday, September 24, 2003")


def test_date_task_examples_and_determinism():
    may3 = datetime.date(1998, 5, 3)
    assert [tasks.format_date(may3, f) for f in tasks.DATE_FORMATS] == [
        "3 May 1998", "03 May 1998", "May 3, 1998", "Sunday, May 3, 1998", "may 3 1998", "05/03/98"]
    a, b = tasks.date_task(50, seed=9), tasks.date_task(50, seed=9)
    assert a.sources == b.sources and np.array_equal(a.x, b.x)
    assert tasks.date_task(50, seed=10).sources != a.sources
    with pytest.raises(ShapeError):
        tasks.decode_dates(a.y_out[0])
    with pytest.raises(ValueError):
        tasks.date_task(0)
