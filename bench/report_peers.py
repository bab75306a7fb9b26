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
    for what, key in (("forward", "fw"), ("forward+backward", "fb")):
        lines += [f"**The reference against the from-scratch peers, {what}, {threads}**, milliseconds (medians of "
                  "interleaved rounds; the ratios are of times measured in the same rounds)", "",
                  "| size | cell | reference | CS231n-style NumPy | d2l-style PyTorch | torch.nn | NumPy products only "
                  "| reference / faster peer | reference / products only | load |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            name, peer = faster_peer(r, key)
            lines.append(f"| {r['size']} | {r['kind']} | {ms(r[f'numpy_{key}'])} | {ms(r[f'cs231n_{key}'])} | "
                         f"{ms(r[f'd2l_{key}'])} | {ms(r[f'torch_{key}'])} | {ms(r[f'floor_{key}'])} | "
                         f"**{r[f'numpy_{key}'] / peer:.2f}x** ({PEERS[name]}) | "
                         f"{r[f'numpy_{key}'] / r[f'floor_{key}']:.2f}x | {r.get('load', float('nan')):.1f} |")
        lines.append("")
    for r in rows:
        for what, key in (("forward", "fw"), ("forward+backward", "fb")):
            name, peer = faster_peer(r, key)
            target = TARGET_PEER if r["size"] == "middle" else TARGET_OTHER_SIZES
            verdicts.append(verdict(f"{r['kind']} {what}, {r['size']} size, {threads}: reference / faster peer "
                                    f"({PEERS[name]})", r[f"numpy_{key}"] / peer, target, "x"))
        if r["size"] == "middle":
            verdicts.append(verdict(f"{r['kind']} forward, middle size, {threads}: reference / its products-only floor",
                                    r["numpy_fw"] / r["floor_fw"], TARGET_FLOOR, "x"))
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
             "Rows in parentheses are the code before issue 16 or a peer's way, for comparison; the two "
             "(backward) rows time one piece of the backward step.", ""]
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
    acc = {k: (_piece(prof, k, "(backward, before"), _piece(prof, k, "(backward) add")) for k in ("LSTM", "GRU")}
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
             "", "Tried and dropped (each measured against the kept version in interleaved rounds in one process): "
             "the GRU's gate arithmetic in place in the step's block (slower: NumPy's element-wise calls on strided "
             "(B, 2H) slices take about twice as long as on contiguous arrays), a batch-major projection read as "
             "strided slices (LSTM forward about 30% slower), one (T, B, G) buffer filled block by block (as fast "
             "as an array per block, which is simpler and was kept), a finite check of the inputs by one sum "
             "(slower than `np.isfinite` for float32), writing the outputs time-major and transposing once at "
             "the end (no faster than the strided per-step store).", ""]
    budget = ", ".join(f"{r['kind']} {r['floor_fw'] / min(r['cs231n_fw'], r['d2l_fw']):.2f}x of the faster peer's "
                       f"forward, leaving {(0.8 * min(r['cs231n_fw'], r['d2l_fw']) - r['floor_fw']) / r['floor_fw']:.2f}x "
                       f"the floor for everything else where the reference spends "
                       f"{(r['numpy_fw'] - r['floor_fw']) / r['floor_fw']:.2f}x" for r in middle)
    lines += ["**What is left.** Every contender pays the recurrent product, and the *products only* floor is most "
              "of each time. Above it the reference spends a handful of NumPy passes per step over (B, G) and "
              "(B, H) arrays (each a separate call that reads and writes memory; a sigmoid in NumPy is four of "
              "them where `torch.sigmoid` is one kernel), the step's cache (fresh memory, first touched in the "
              "loop) and the Python loop. For the forward pass at the middle size and one thread, NumPy's products "
              f"alone take {budget}. Meeting 0.8x there would take cutting that element-wise work by half or more; "
              "the passes that remain are the equations themselves (one per operation of `*_cell_forward`), and "
              "fusing them needs a compiled kernel, which issue 16 rules out. PyTorch's own matrix products are "
              "also faster than OpenBLAS's on these small shapes, which is much of the d2l-style peer's lead. "
              "The numbers come from a shared 2-core virtual machine whose speed drifts by up to 2x between runs "
              "(the load average is in each table): only ratios within one run count.", ""]
    return lines
