"""bench.cells.interleaved: every contender once a round, in an order that does not fix who runs before whom."""
from bench.cells import interleaved


def test_rounds_run_everyone_once_in_orders_that_vary_the_predecessor():
    calls = []
    names = ["numpy", "cs231n", "lean", "torch", "keras", "keras_eager"]
    fns = {n: (lambda n: lambda: calls.append(n))(n) for n in names}
    medians = interleaved(fns, rounds=15, warmup=1, sparse={"keras_eager": 3}, settle=False)
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
    interleaved(fns, rounds=15, warmup=1, sparse={"keras_eager": 3}, settle=False)
    assert calls == first


def one_run(ref_fw, ref_fb, load, peer=1.0):
    """A cells row of one run: the reference's times against peers of ``peer`` seconds."""
    r = {"size": "middle", "kind": "LSTM", "shape": [64, 100, 64, 128], "repeats": 15, "load": load,
         "gflops": {"numpy_fw": 1 / ref_fw, "numpy_fb": 1 / ref_fb}}
    for key, ref in (("fw", ref_fw), ("fb", ref_fb)):
        r.update({f"numpy_{key}": ref, f"cs231n_{key}": peer, f"d2l_{key}": 2 * peer, f"floor_{key}": ref / 2,
                  f"lean_{key}": ref * 0.9})
    return r


def test_a_row_of_several_runs_is_for_each_pass_the_run_of_the_median_ratio():
    from bench.cells import median_run
    runs = [one_run(0.9, 1.3, load=0.1), one_run(1.2, 0.8, load=0.2, peer=1.5), one_run(1.0, 1.0, load=0.3)]
    # ratios to the faster peer: forward 0.90, 0.80, 1.00 (median: run 0); forward+backward 1.30, 0.53, 1.00 (run 2)
    row = median_run(runs)
    assert (row["numpy_fw"], row["cs231n_fw"], row["floor_fw"], row["lean_fw"]) == (0.9, 1.0, 0.45, 0.9 * 0.9)
    assert (row["numpy_fb"], row["cs231n_fb"], row["floor_fb"]) == (1.0, 1.0, 0.5)
    assert row["gflops"] == {"numpy_fw": 1 / 0.9, "numpy_fb": 1.0}
    assert (row["load_fw"], row["load_fb"], row["load"]) == (0.1, 0.3, 0.1)
    assert (row["size"], row["kind"], row["repeats"]) == ("middle", "LSTM", 15)
    assert [r["numpy_fw"] for r in row["runs"]] == [0.9, 1.2, 1.0] and "gflops" not in row["runs"][0]
    # an even number of runs: the lower middle one, a run that was measured
    assert median_run(runs[:2])["numpy_fw"] == 1.2


def test_verdicts_take_the_median_of_the_runs_ratios_and_show_each():
    from bench.cells import median_run
    from bench.report_peers import bound_lines
    runs = [one_run(0.9, 1.3, load=0.1), one_run(1.2, 0.8, load=0.2, peer=1.5), one_run(1.0, 1.0, load=0.3)]
    lines = bound_lines({2: {"rows": [median_run(runs)]}})
    fw = next(line for line in lines if "| forward / faster peer |" in line)
    assert fw == ("| 2 | middle | LSTM | forward / faster peer | 0.80x | 0.90x | 0.81x | missed by both "
                  "| 0.90x, 0.80x, 1.00x |")
    floor = next(line for line in lines if "| forward / products only |" in line)
    assert "| 2.00x | 1.80x | missed by both | 2.00x, 2.00x, 2.00x |" in floor
    assert any("Every run agrees on whether the reference meets the target for 1 of the 3" in line
               for line in lines)


def test_each_timed_call_comes_right_after_an_untimed_call_of_the_same_contender():
    import time
    calls, count = [], {}

    def make(name):
        def call():
            count[name] = count.get(name, 0) + 1
            calls.append(name)
            if count[name] % 2 == 0:  # the untimed calls: after the warm-up, every other call is one
                time.sleep(0.01)
        return call

    names = ["numpy", "cs231n", "torch"]
    medians = interleaved({n: make(n) for n in names}, rounds=4, warmup=1)
    timed = calls[len(names):]
    assert len(timed) == 2 * 4 * len(names)
    assert all(a == b for a, b in zip(timed[::2], timed[1::2])), timed  # pairs of the same contender
    assert max(medians.values()) < 0.005, medians  # the time is of the second call of each pair only
