"""bench.cells.interleaved: every contender once a round, in an order that does not fix who runs before whom."""
from bench.cells import interleaved


def test_rounds_run_everyone_once_in_orders_that_vary_the_predecessor():
    calls = []
    names = ["numpy", "cs231n", "lean", "torch", "keras", "keras_eager"]
    fns = {n: (lambda n: lambda: calls.append(n))(n) for n in names}
    medians = interleaved(fns, rounds=15, warmup=1, sparse={"keras_eager": 3})
    assert set(medians) == set(names)
    timed = calls[len(names):]  # after one warm-up call each
    rounds, i = [], 0
    for r in range(15):
        n = len(names) - (r % 3 != 0)  # keras_eager only in every third round
        rounds.append(timed[i:i + n])
        i += n
    assert i == len(timed)
    for r, order in enumerate(rounds):
        assert sorted(order) == sorted(n for n in names if n != "keras_eager" or r % 3 == 0), order
    # the reference must not always run right after Keras (a rotation would put it there every round)
    before = {}
    for order in rounds:
        for a, b in zip(order, order[1:]):
            before.setdefault(b, set()).add(a)
    assert all(len(before.get(n, ())) >= 3 for n in names if n != "keras_eager"), before
    # seeded: the same orders again
    first = list(calls)
    calls.clear()
    interleaved(fns, rounds=15, warmup=1, sparse={"keras_eager": 3})
    assert calls == first
