"""bench/report_peers.py sorts each speed target of issue 16 by what the lean bound reaches; bench/report.py
names the machine of every part."""
from bench.report import machine_lines
from bench.report_peers import bound_lines


def row(size, kind, numpy, lean, peer=1.0, floor=1.0):
    """A cells row whose forward and forward+backward take the same times (seconds)."""
    r = {"size": size, "kind": kind, "shape": [1, 1, 1, 1]}
    for key in ("fw", "fb"):
        r.update({f"numpy_{key}": numpy, f"lean_{key}": lean, f"cs231n_{key}": peer, f"d2l_{key}": 2 * peer,
                  f"floor_{key}": floor})
    return r


def verdicts(lines):
    """{(threads, size, cell, ratio): verdict} from the table's rows."""
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines
             if line.startswith("| ") and not line.startswith("| threads")]
    return {(c[0], c[1], c[2], c[3]): c[7] for c in cells}


def test_targets_are_met_out_of_reach_or_open_by_the_reference_and_the_lean_bound():
    runs = {1: {"rows": [row("middle", "RNN", numpy=0.79, lean=0.70, floor=0.6),   # met (0.8x), 1.32x floor: met
                         row("middle", "LSTM", numpy=0.9, lean=0.85, floor=0.5),   # both above 0.8x; floor 1.8x, 1.7x
                         row("small", "GRU", numpy=1.2, lean=0.9)]},              # reference slower, lean faster
            2: {"rows": [{"size": "middle", "kind": "GRU", "numpy_fw": 1.0}]}}    # no lean timing: left out
    lines = bound_lines(runs)
    got = verdicts(lines)
    assert got == {
        ("1", "middle", "RNN", "forward / faster peer"): "met",
        ("1", "middle", "RNN", "forward+backward / faster peer"): "met",
        ("1", "middle", "RNN", "forward / products only"): "met",
        ("1", "middle", "LSTM", "forward / faster peer"): "missed by both",
        ("1", "middle", "LSTM", "forward+backward / faster peer"): "missed by both",
        ("1", "middle", "LSTM", "forward / products only"): "missed by both",
        ("1", "small", "GRU", "forward / faster peer"): "open",
        ("1", "small", "GRU", "forward+backward / faster peer"): "open",
    }
    assert "3 targets met, 3 missed by both, 2 open." in lines


def test_no_lean_timings_no_table():
    assert bound_lines({1: {"rows": [{"size": "middle", "kind": "RNN", "numpy_fw": 1.0}]}}) == []


def test_the_header_names_the_machine_of_every_part():
    amd = {"machine": {"cores": 2, "cpu": "AMD EPYC (family 25, model 17, with AVX-512)"}}
    intel = {"machine": {"cores": 2, "cpu": "Intel(R) Xeon(R) Processor"}}
    one = machine_lines({"cells-1-threads": amd, "cells-2-threads": amd, "notes": {}})
    assert one == ["- Machine: 2 cores, AMD EPYC (family 25, model 17, with AVX-512) (each part below gives the "
                   "load average when it started)"]
    lines = machine_lines({"book": intel, "cells-1-threads": amd, "grading": intel})
    assert lines[0].startswith("- Machines (the parts ran in different sessions")
    assert lines[1:] == ["  - 2 cores, Intel(R) Xeon(R) Processor: book, grading",
                         "  - 2 cores, AMD EPYC (family 25, model 17, with AVX-512): cells-1-threads"]


def test_the_story_reads_runs_stored_before_the_transpose_rows(tmp_path):
    import json
    from pathlib import Path

    from bench.report_peers import why_the_gap
    stored = json.loads((Path(__file__).parent.parent / "bench" / "results" / "cells-1-threads.json").read_text())
    prof = stored["step_profile"]
    for kind in prof:  # an older run: no rows for the product by W_h^T
        prof[kind] = {k: v for k, v in prof[kind].items()
                      if not k.startswith(("(backward) dh_prev", "(backward, before: W_h row-major"))}
    (tmp_path / "cells-1-threads.json").write_text(json.dumps(stored))
    text = "\n".join(why_the_gap(tmp_path))
    assert "*A product by the transpose of a row-major matrix.*" in text
    assert "us per step (" not in text.split("*A product by the transpose")[1].split("\n")[0]
    prof["LSTM"]["(backward) dh_prev = da W_h^T"] = 80.0
    prof["LSTM"]["(backward, before: W_h row-major, so that W_h^T is column-major)"] = 100.0
    (tmp_path / "cells-1-threads.json").write_text(json.dumps(stored))
    assert "LSTM 100 against 80 us per step (1.25x)" in "\n".join(why_the_gap(tmp_path))


def test_the_header_says_how_each_call_was_timed_in_its_steady_state_and_older_runs_say_nothing(tmp_path):
    import json
    from pathlib import Path

    from bench.report import cells_section
    stored = json.loads((Path(__file__).parent.parent / "bench" / "results" / "cells-2-threads.json").read_text())

    def header(res):
        lines = []
        cells_section(res, tmp_path, lines, [], [])
        return [line for line in lines if line.startswith("- Steady state")]

    stored.update(settle=True, openblas_thread_timeout="24")
    assert header(stored) == [
        "- Steady state: each timed call comes right after an untimed call of the same contender, and OpenBLAS's "
        "worker threads stop spinning after 2^24 cycles of waiting (`OPENBLAS_THREAD_TIMEOUT=24` for this "
        "process; OpenBLAS's default, 2^28, is about 0.1 s), so that a time is not of what the contender before "
        "it left in the caches and on the cores (*Spinning thread pools and cold caches*, below)"]
    stored.update(openblas_thread_timeout=None)
    assert "stop spinning after OpenBLAS's default wait," in header(stored)[0]
    stored.pop("settle", None), stored.pop("openblas_thread_timeout")
    assert header(stored) == []
