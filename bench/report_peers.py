"""The report's comparison of the reference with the from-scratch peers, its floor and the profile of
one step (bench/REPORT.md, section 1), from a cells result of bench/__main__.py."""
from __future__ import annotations

import json
from pathlib import Path

TARGET_PEER, TARGET_FLOOR, TARGET_OTHER_SIZES = 0.8, 1.5, 1.0
PEERS = {"cs231n": "CS231n-style NumPy", "d2l": "d2l-style PyTorch"}


def ms(t):
    return f"{t * 1e3:.2f}"


def faster_peer(r, key):
    """(name, seconds) of the faster of the two peers on a row, for "fw" or "fb"."""
    return min(((name, r[f"{name}_{key}"]) for name in PEERS), key=lambda kv: kv[1])


def runs_of(r):
    """The figures of each run behind a row (a row stored before the runs were repeated is its one run)."""
    return r.get("runs") or [r]


def lower_median(values):
    """The median of an odd number of values, the lower middle one of an even number: always one of them."""
    return sorted(values)[(len(values) - 1) // 2]


def ratio(r, who, key, base):
    """``who``'s time (numpy or lean) for pass ``key`` over ``base`` ("peer": the faster peer's; "floor": the
    products only), in every run behind row ``r``: (the median run's ratio, [each run's ratio])."""
    def one(run):
        b = faster_peer(run, key)[1] if base == "peer" else run[f"floor_{key}"]
        return run[f"{who}_{key}"] / b
    each = [one(run) for run in runs_of(r)]
    return lower_median(each), each


def kernel_line(res):
    k = res.get("openblas")
    unset = res.get("openblas_unset") or {}
    if not k:
        return "- OpenBLAS kernel: not recorded (NumPy's BLAS is not OpenBLAS, or the run predates the record)"
    return (f"- OpenBLAS kernel (threadpoolctl's `threadpool_info()`): architecture **{k['architecture']}**, "
            f"{k['internal_api']} {k['version']}, {k['num_threads']} thread{'s' if k['num_threads'] > 1 else ''}; "
            + ("the benchmark unset " + ", ".join(f"`{n}={v}`" for n, v in unset.items())
               + " for its own process, so OpenBLAS chose its kernel itself" if unset else
               "no `OPENBLAS_CORETYPE` or `OPENBLAS_L2_SIZE` was set, so OpenBLAS chose its kernel itself"))


def section(res, verdict):
    """Lines of the peers' tables and the verdicts against issue 16's targets (appended to ``verdict``'s list
    by the caller: returns (lines, verdicts))."""
    th = res["threads"]
    threads = f"{th} thread{'s' if th > 1 else ''}"
    rows = [r for r in res["rows"] if "cs231n_fw" in r]
    lines, verdicts = [kernel_line(res), ""], []
    if not rows:
        return lines + ["The peers were not measured in this run: it is the earlier measurement (issue 6), of the "
                        "reference before issue 16's changes, each contender timed alone rather than in interleaved "
                        "rounds; its tables below are kept for comparison.", ""], verdicts
    lean = all("lean_fw" in r for r in rows)
    for what, key in (("forward", "fw"), ("forward+backward", "fb")):
        n = res.get("runs", 1)
        lines += [f"**The reference against the from-scratch peers, {what}, {threads}**, milliseconds (medians of "
                  "interleaved rounds; the ratios are of times measured in the same rounds"
                  + (f"; all the rounds ran {n} times, and each row is the run whose reference / faster peer ratio "
                     "is the median of the runs': the verdicts give every run's ratio" if n > 1 else "") + ")"
                  + ("; *lean bound* is bench/peers/lean_numpy.py, the same equations written for speed alone "
                     "(no checks, no named caches, every pass in place)" if lean else ""), "",
                  "| size | cell | reference | CS231n-style NumPy | d2l-style PyTorch | torch.nn | NumPy products only "
                  + ("| lean bound " if lean else "")
                  + "| reference / faster peer | reference / products only "
                  + ("| lean bound / faster peer " if lean else "") + "| load |",
                  "|---|---|---|---|---|---|---|---|---|" + ("---|---|" if lean else "") + "---|"]
        for r in rows:
            name, peer = faster_peer(r, key)
            lines.append(f"| {r['size']} | {r['kind']} | {ms(r[f'numpy_{key}'])} | {ms(r[f'cs231n_{key}'])} | "
                         f"{ms(r[f'd2l_{key}'])} | {ms(r[f'torch_{key}'])} | {ms(r[f'floor_{key}'])} | "
                         + (f"{ms(r[f'lean_{key}'])} | " if lean else "")
                         + f"**{r[f'numpy_{key}'] / peer:.2f}x** ({PEERS[name]}) | "
                         f"{r[f'numpy_{key}'] / r[f'floor_{key}']:.2f}x | "
                         + (f"{r[f'lean_{key}'] / peer:.2f}x | " if lean else "")
                         + f"{r.get(f'load_{key}', r.get('load', float('nan'))):.1f} |")
        lines.append("")

    def judged(what, r, key, base, target):
        """The verdict on the reference (the median of the runs' ratios, and each run's), and on a miss what
        the lean bound reaches in the same rounds."""
        ref, each = ratio(r, "numpy", key, base)
        line = verdict(what, ref, target, "x")
        if len(each) > 1:
            line += " (the runs: " + ", ".join(f"{v:.2f}x" for v in each) + ")"
        if lean and ref > target:
            bound, _ = ratio(r, "lean", key, base)
            line += (f"; the lean bound: {bound:.2f}x, "
                     + ("misses it too" if bound > target else "meets it"))
        return line

    for r in rows:
        for what, key in (("forward", "fw"), ("forward+backward", "fb")):
            name, _ = faster_peer(r, key)
            target = TARGET_PEER if r["size"] == "middle" else TARGET_OTHER_SIZES
            verdicts.append(judged(f"{r['kind']} {what}, {r['size']} size, {threads}: reference / faster peer "
                                   f"({PEERS[name]})", r, key, "peer", target))
        if r["size"] == "middle":
            verdicts.append(judged(f"{r['kind']} forward, middle size, {threads}: reference / its products-only "
                                   "floor", r, "fw", "floor", TARGET_FLOOR))
    return lines, verdicts


def profile_lines(res):
    """The profile of one forward step (bench/step_profile.py), one table per cell kind."""
    prof = res.get("step_profile")
    if not prof:
        return []
    th = res["threads"]
    B, T, D, H = next(r["shape"] for r in res["rows"] if r["size"] == "middle")
    lines = [f"**Profile of one forward step**, {th} thread{'s' if th > 1 else ''}, B={B}, T={T}, D={D}, H={H}, "
             "float32: each piece timed alone on the step's shapes (bench/step_profile.py), microseconds per step; "
             "the last row is the reference's whole forward pass divided by T, and what the pieces above it do not "
             "add up to is Python's call and loop overhead and the first touch of fresh memory (page faults). "
             "Rows in parentheses are the code before issue 16 or a peer's way, for comparison; the rows marked "
             "(backward) time pieces of the backward step.", ""]
    kinds = list(prof)
    for kind in kinds:
        whole = next(v for k, v in prof[kind].items() if k.startswith("whole forward"))
        lines += [f"| {kind}: piece | us per step | share of the step |", "|---|---|---|"]
        lines += [f"| {piece} | {us:.1f} | {100 * us / whole:.0f}% |" for piece, us in prof[kind].items()]
        lines.append("")
    return lines


def _piece(prof, kind, start):
    """Microseconds per step of the profile row of ``kind`` whose label starts with ``start``."""
    return next(us for label, us in prof[kind].items() if label.startswith(start))


def why_the_gap(results):
    """What the profile found, what changed for issue 16, what was tried and dropped, and what is left;
    numbers from the stored cells results (the one-thread run) and from the scratch runs quoted."""
    runs = {}
    for path in Path(results).glob("cells-*.json"):
        res = json.loads(path.read_text())
        if res.get("step_profile") and any("cs231n_fw" in r for r in res["rows"]):
            runs[res["threads"]] = res
    if not runs:
        return []
    one = runs[min(runs)]
    prof = one["step_profile"]
    th = one["threads"]
    acc = {k: (_piece(prof, k, "(backward, before: into"), _piece(prof, k, "(backward) add"))
           for k in ("LSTM", "GRU")}
    # runs stored before these rows were profiled have none
    transposed = {k: (_piece(prof, k, "(backward, before: W_h row-major"), _piece(prof, k, "(backward) dh_prev"))
                  for k in prof if any(label.startswith("(backward) dh_prev") for label in prof[k])}
    gates = (_piece(prof, "LSTM", "activate_gates"), _piece(prof, "LSTM", "(before: the same four passes"))
    middle = [r for r in one["rows"] if r["size"] == "middle"]
    lines = ["**Where the time went, and what changed (issue 16).** The first measurement of this issue on a quiet "
             "machine (middle size, one thread, the reference and the two peers in interleaved rounds without "
             "Keras) had the reference at 1.07x / 1.08x the faster peer's time for the RNN (forward / "
             "forward+backward), 1.72x / 1.19x for the LSTM and 1.22x / 1.07x for the GRU. The profile (the tables "
             f"above, earlier code in parentheses; numbers here from the {th}-thread run) found three costs that "
             "did not have to be there:", "",
             "- *Column-major weight gradients.* `Params.zeros_like` kept the memory order of each array, and the "
             "QR-based orthogonal initialiser returns the LSTM's and GRU's W_h column-major, so every step's "
             "row-major `h_prev^T da` was added into a column-major accumulator: "
             + ", ".join(f"{k} {f:.0f} us per step against {c:.0f} us into a row-major one ({f / c:.0f}x)"
                         for k, (f, c) in acc.items())
             + ", in the backward of every training step. Gradients are now allocated row-major whatever the "
             "parameters' order, and the initialiser returns row-major weights (the same values: no output of "
             "the book changes). This was most of the gain in forward+backward.",
             f"- *Broadcast gate constants.* `activate_gates` multiplied (B, 4, H) blocks by (4, 1) constants; "
             f"the same four passes with (4H,) rows take {gates[0]:.0f} us instead of {gates[1]:.0f} us per step "
             "(`gate_rows`), and the LSTM backward's slopes use the same rows.",
             "- *One projection for the whole sequence.* The input projection `[x, 1] [Wx; b]` for all T steps "
             "wrote a (T, B, G) array (13 MB for the middle LSTM, 105 MB for the large) that the steps then read "
             "back from memory, and BPTT built a second one for `dxw`. The time loop now works in blocks of "
             "about a megabyte of steps (`rnncourse.sequence.block_steps`; a short sequence is one block): one "
             "product projects a block just before its steps read it, and one product per block turns its "
             "`dxw` into dx, dWx and db just after. The products cost the same per step (the profile's first "
             "two rows); the gain is in the steps' reads, which now hit the cache: in scratch A/B runs against "
             "the previous loop (interleaved, one process, one thread), large LSTM 202 against 211 ms forward "
             "and 549 against 619 ms forward+backward (the previous loop and gate code). "
             "tests/test_sequence_blocks.py runs the PyTorch comparisons again with blocks of 1, 2 and 3 steps.",
             "- *Fresh memory on every call.* A forward pass keeps its gates, states and cache for the backward: "
             "about 20 MB for the middle LSTM. With glibc's default policy that memory goes back to the system "
             "when the cache is freed, and the next call meets fresh pages, a page fault for each 4 KiB "
             "(*The allocator* tables of section 1). An array per block of steps for the projection made the default "
             "policy give memory back after every call. The projection now lives in chunks of whole blocks of up "
             "to 16 MiB (`rnncourse.sequence.chunk_steps`; one array for the middle sizes), filled block by block "
             "as before: glibc then serves them from memory it kept (it serves a block of up to 32 MiB so, once "
             "one was freed, and maps anything larger afresh on every call, which is why a single (T, B, G) "
             "array, 105 MB for the large LSTM, was not the answer either: it made the large forward pass 2 to "
             "3x slower in some runs). The middle LSTM now runs without page faults under the default policy "
             "too; the RNN and GRU still take them, and so does the CS231n-style peer.",
             "- *A copy per backward step and a temporary per sigmoid.* Each cell's backward now writes dxw into "
             "its step's slot of the block buffer (`out=`) instead of returning an array the loop copied, and the "
             "GRU takes the sigmoid of r and z in place on the fresh sum of its two contributions: 2 to 5% each.",
             "- *The small size was the order of the rounds.* At B = 1 and T = 20 a forward pass is about 0.1 "
             "ms, and a call finds the caches as the contender before it left them: PyTorch and Keras leave them "
             "cold for NumPy's code and data. The rounds used to run one order rotated by one from round to "
             "round, which never changes who runs after whom, and the reference, first in the list, always ran "
             "right after Keras. In scratch runs on the machine of section 1 (61 rounds, one thread), the "
             "reference's own code timed as an extra contender placed right after Keras took 157 to 205 us, and "
             "109 to 110 us when every round drew a random order, against the CS231n-style loop's 125 us. The "
             "rounds now draw a random order each (seeded, `bench.cells.interleaved`), so every contender "
             "follows each of the others in turn. The reference still does more per call than the CS231n-style "
             "loop before its first step: it validates its inputs (shapes, dtype, finite values, mask, initial "
             "state: the project's rule for every public function), sets up its blocks and stores each h_t into "
             "the (B, T, H) output: in the same random-order runs the loop without all three took 79 us against "
             "the reference's 110 us. In rounds of the reference, the CS231n-style loop and the lean bound alone "
             "(300 rounds, one thread), the reference took 123 us against the peer's 144 us; in the benchmark's rounds, now also "
             "warm (next item), the two are within the small size's run-to-run spread of each other.",
             "- *Spinning thread pools and cold caches.* At two threads a library's worker thread keeps "
             "spinning after a call, ready for the next: OpenBLAS's for about 0.1 s after each NumPy call (90 ms "
             "of CPU time in a 100 ms sleep that followed one), PyTorch's OpenMP worker for about 5 ms, Keras' not "
             "measurably. On two cores the spinning worker takes a core from whoever runs next, so a time "
             "depended on which library ran before it. In scratch runs on the machine of section 1 (middle RNN, "
             "two threads, three seeds each), the reference's forward took 3.4 to 3.7 ms in rounds of the NumPy "
             "contenders alone and 6.2 to 6.6 ms with PyTorch and the d2l-style peer in the rounds; with every "
             "contender its ratio to the CS231n-style peer went from 0.80 to 0.99 forward and from 0.88 to 1.38 "
             "forward+backward (two runs), and PyTorch lost as much to OpenBLAS's spinning worker. Putting "
             "PyTorch's threads to sleep at once (`OMP_WAIT_POLICY=PASSIVE`) is no answer: they then sleep "
             "between the parallel regions of one call too, and the d2l-style LSTM forward took 97 ms instead of "
             "20. A pause of 20 ms before each timed call, long enough for every pool to fall asleep, made the "
             "small size worse in a whole benchmark run: waking the sleeping workers cost PyTorch's small forward "
             "11 to 33 times the reference's time, and the reference's small RNN forward was 1.13 to 1.26x the "
             "CS231n-style peer's. Each timed call now comes right after an untimed call of the same contender "
             "(`bench.cells.interleaved`), which finds its own code in the caches and its own pool awake, as a "
             "training loop does, and OpenBLAS's workers stop spinning after about 5 ms "
             "(`OPENBLAS_THREAD_TIMEOUT=24`, the benchmark's own process only), which the untimed call absorbs "
             "at the middle and large sizes. In scratch runs (two threads, three seeds each) the ratios to the "
             "faster peer were then, forward and forward+backward: small RNN 0.94 to 1.23 and 0.80 to 1.00, small "
             "LSTM 0.66 to 0.67 and 0.74 to 0.83, middle RNN 0.86 to 0.87 and 0.89 to 0.93, middle LSTM 0.84 to "
             "0.87 and 0.90 to 0.97, middle GRU 0.80 to 0.87 and 0.86 to 0.95; PyTorch's middle RNN forward took "
             "5.2 to 5.6 ms, against 9.0 to 9.1 ms with the untimed call and OpenBLAS's default wait. This "
             "changes what is measured, not the code: the small size's ratios above are of warm calls, where "
             "earlier runs timed a call after whichever contender the round put before it.",
             "- *A product by the transpose of a row-major matrix.* Each backward step computes dh_prev = da W_h^T, "
             "and each block dx = dxw W_x^T. With W_h row-major, as the parameters are, W_h^T is column-major, and "
             "OpenBLAS's SkylakeX and Haswell kernels multiply by such a matrix markedly slower than by a row-major "
             "one of the same values"
             + (": " + ", ".join(f"{k} {b:.0f} against {a:.0f} us per step ({b / a:.2f}x)"
                                 for k, (b, a) in transposed.items())
                + f" ({th} thread{'s' if th > 1 else ''})" if transposed else "")
             + " (its Zen kernel shows no difference). "
             "`sequence_backward` now hands the cells column-major copies of the parameters "
             "(`rnncourse.sequence.backward_params`, once per call), whose transposes are row-major; the cells' "
             "code is unchanged. It does so only for batches of more than 8: up to 8 rows the two orders take the "
             "same time on these kernels, and the copy (about 2 ns per weight) would cost more than it saves. In "
             "scratch A/B runs against the previous loop (middle size, interleaved with the CS231n-style peer, one "
             "process) forward+backward got 3 to 5% faster on one thread and 0 to 8% on two; the small size "
             "(B = 1) is unchanged.",
             "", "Tried and dropped (each measured against the kept version in interleaved rounds in one process): "
             "the GRU's gate arithmetic in place in the step's block, the LSTM backward's chain rule gate by "
             "gate in place, and r and z of the GRU as one (2, B, H) array so that each is contiguous (forward 13% "
             "slower for a 2 to 5% faster backward) (all slower: NumPy runs an element-wise call on a strided (B, H) slice of a (B, G) "
             "array row by row, and such a call takes 2 to 4 us where the contiguous one takes 1), a batch-major "
             "projection read as strided slices (LSTM forward about 30% slower), a finite check of the inputs by "
             "one sum (slower than `np.isfinite` for float32), writing the outputs time-major and transposing once "
             "at the end (no faster than the strided per-step store).", ""]
    budget = ", ".join(f"{r['kind']} {r['floor_fw'] / min(r['cs231n_fw'], r['d2l_fw']):.2f}x of the faster peer's "
                       f"forward, leaving {(0.8 * min(r['cs231n_fw'], r['d2l_fw']) - r['floor_fw']) / r['floor_fw']:.2f}x "
                       f"the floor for everything else where the reference spends "
                       f"{(r['numpy_fw'] - r['floor_fw']) / r['floor_fw']:.2f}x" for r in middle)
    # the element-wise pieces of the profile that are the forward equations themselves, per cell kind
    equations = {"RNN": ("add x_t W_x + b, contiguous", "tanh (B, H)"),
                 "LSTM": ("add x_t W_x + b, contiguous", "activate_gates", "c = f * c_prev", "tanh(c)",
                          "h = o * tanh(c)"),
                 "GRU": ("add x_t W_x + b, contiguous", "sigmoid of r and z", "n = tanh", "h = n + z")}

    def per_step(r, seconds):
        return seconds / r["shape"][1] * 1e6

    parts = []
    for r in middle:
        if r["kind"] not in prof:
            continue
        eq = sum(_piece(prof, r["kind"], p) for p in equations[r["kind"]])
        left = per_step(r, 0.8 * min(r["cs231n_fw"], r["d2l_fw"]) - r["floor_fw"])
        spent = per_step(r, r["numpy_fw"] - r["floor_fw"])
        cut = 100 * (1 - left / spent) if spent > 0 else 0
        parts.append(f"{r['kind']}: the reference spends {spent:.0f} us per step above the floor, 0.8x leaves "
                     f"{left:.0f} us (a cut of {cut:.0f}%), and the equations' passes alone take {eq:.0f} us"
                     + (" (nothing left for the loop, the cache and the calls)" if eq >= left else
                        f" (leaving {left - eq:.0f} us for the loop, the cache and the calls, which take "
                        f"{spent - eq:.0f} us now)"))
    lines += ["**What is left.** Every contender pays the recurrent product, and the *products only* floor is most "
              "of each time. Above it the reference spends a handful of NumPy passes per step over (B, G) and "
              "(B, H) arrays (each a separate call that reads and writes memory; a sigmoid in NumPy is four of "
              "them where `torch.sigmoid` is one kernel), the step's cache and the Python loop. For the forward "
              f"pass at the middle size and one thread, NumPy's products alone take {budget}. The passes that "
              "remain are the equations themselves (one per operation of `*_cell_forward`), and fusing them needs "
              "a compiled kernel, which issue 16 rules out. Timed alone in the profile (each pass once, on the "
              "step's shapes, no loop, no cache): " + "; ".join(parts) + ". Where the passes alone fill what "
              "0.8x leaves, plain NumPy cannot reach it on this machine. PyTorch's own matrix products are also faster than "
              "OpenBLAS's on small shapes on some machines, which is much of the d2l-style peer's lead where it "
              "is the faster peer. The numbers come from a shared 2-core virtual machine whose speed drifts "
              "between runs (the load average is in each table): only ratios within one run count. Part of the "
              "2x swings seen earlier was the allocator (*The allocator* tables of section 1), which this "
              "benchmark now holds in one state, and part was the thread pools the contender before left "
              "spinning (*Spinning thread pools and cold caches*, above).", ""]
    return lines + bound_lines(runs)


def bound_lines(runs):
    """Each of issue 16's speed targets with the reference's and the lean bound's ratio, from the runs
    ({threads: cells result}) that timed the lean bound: met, missed by both, or open."""
    rows = [(th, r) for th, res in sorted(runs.items(), reverse=True) for r in res["rows"] if "lean_fw" in r]
    if not rows:
        return []
    lines = ["**Which targets plain NumPy can reach.** Each target with the reference's ratio and the lean "
             "bound's, measured in the same rounds (where all the rounds ran several times, the median of the runs' "
             "ratios; the last column gives each run's). A target the reference misses is *missed by both* when the "
             "lean bound misses it too: no plain-NumPy loop we wrote meets it on this machine, which at the small "
             "and middle sizes is the evidence that it is out of reach of plain NumPy (the lean bound is built "
             "for those sizes; at the large size its whole-sequence projection, 105 MB for the LSTM, meets fresh "
             "pages on every call, so there it bounds nothing). It is *open* when the lean bound meets it: then "
             "what the reference does for its users (checks, masks, named caches, readable cells) costs what it "
             "misses by.",
             "", "| threads | size | cell | ratio | target | reference | lean bound | verdict | the reference in each run |",
             "|---|---|---|---|---|---|---|---|---|"]
    count = {"met": 0, "missed by both": 0, "open": 0}
    steady = 0  # targets whose verdict every run agrees on
    for th, r in rows:
        checks = []
        for what, key in (("forward", "fw"), ("forward+backward", "fb")):
            target = TARGET_PEER if r["size"] == "middle" else TARGET_OTHER_SIZES
            checks.append((f"{what} / faster peer", key, "peer", target))
        if r["size"] == "middle":
            checks.append(("forward / products only", "fw", "floor", TARGET_FLOOR))
        for what, key, base, target in checks:
            (ref, each), (bound, _) = ratio(r, "numpy", key, base), ratio(r, "lean", key, base)
            state = "met" if ref <= target else ("missed by both" if bound > target else "open")
            count[state] += 1
            steady += len({v <= target for v in each}) == 1
            lines.append(f"| {th} | {r['size']} | {r['kind']} | {what} | {target:.2f}x | {ref:.2f}x | {bound:.2f}x "
                         f"| {state} | {', '.join(f'{v:.2f}x' for v in each)} |")
    total = sum(count.values())
    lines += ["", f"{count['met']} targets met, {count['missed by both']} missed by both, {count['open']} open."
              + (f" Every run agrees on whether the reference meets the target for {steady} of the {total}; the "
                 "others are within the runs' spread of it." if max(len(runs_of(r)) for _, r in rows) > 1 else ""),
              ""]
    return lines


def allocator_lines(res):
    """The table of bench/allocator.py: each NumPy implementation alone, glibc's default policy against
    keeping freed memory."""
    alloc = res.get("allocator")
    if not alloc:
        return []
    th = res["threads"]
    kept = ", ".join(f"`{k}={v}`" for k, v in res.get("allocator_kept", {}).items())
    lines = [f"**The allocator**, middle size, {th} thread{'s' if th > 1 else ''}: each implementation alone, called "
             "again and again as a training loop calls it, in a fresh process per measurement (bench/allocator.py), "
             "with glibc's default policy (a reader's process) and keeping freed memory, as the tables above were "
             f"measured ({kept}); milliseconds per call and page faults per call (medians). The difference is the "
             "kernel handing out and zeroing fresh pages.", "",
             "| cell | implementation | pass | default policy | faults | memory kept | faults | default / kept |",
             "|---|---|---|---|---|---|---|---|"]
    names = {"numpy": "reference", "cs231n": "CS231n-style NumPy"}
    for kind, rows in alloc.items():
        for key, m in rows.items():
            impl, phase = key.rsplit("_", 1)
            d, k = m["default"], m["kept"]
            lines.append(f"| {kind} | {names[impl]} | {'forward' if phase == 'fw' else 'forward+backward'} | "
                         f"{d['ms']:.2f} | {d['faults']} | {k['ms']:.2f} | {k['faults']} | {d['ms'] / k['ms']:.2f}x |")
    lines.append("")
    return lines
