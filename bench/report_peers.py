"""The report's comparison of the reference with the from-scratch peers, its floor and the profile of
one step (bench/REPORT.md, section 1), from a cells result of bench/__main__.py."""
from __future__ import annotations

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
