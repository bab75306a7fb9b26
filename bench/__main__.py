"""`python -m bench` (or `make bench`): run the benchmarks and write bench/REPORT.md with its figures.

Parts (``--parts``, default all): ``cells`` (NumPy reference against PyTorch and Keras), ``book``
(chapter execution times; with ``--book-clean`` a clean build and a no-change rebuild in a temporary
folder), ``grading`` (autograding throughput against the floor, and a class graded in parallel),
``grading-engines`` (one class graded by nbgrader alone, the batch module before Dask, Dask with 1 and 2 workers).
Each part stores its numbers in bench/results/<part>.json; the report is written from every stored
result, so a part can be rerun alone. The test-suite timing (about 10 minutes) is its own command,
``python -m bench.suite_time``, whose result the report includes when it exists.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from bench.machine import CORES

# Same thread count for every library (all cores unless RNNCOURSE_BENCH_THREADS says otherwise);
# OpenBLAS reads its variable before NumPy is imported, so this happens before the imports.
THREADS = int(os.environ.get("RNNCOURSE_BENCH_THREADS", CORES))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# OpenBLAS's worker threads spin for 2^28 cycles (about 0.1 s) after each call before they sleep, and
# take a core from the next contender meanwhile (bench/cells.py); 2^24 (about 5 ms) is still far longer
# than the gaps between the products of one call. Read when NumPy loads OpenBLAS; for this process only,
# like the variables below.
OPENBLAS_TIMEOUT = "24"

# This machine's environment may pin an old OpenBLAS kernel (OPENBLAS_CORETYPE) and cache size
# (OPENBLAS_L2_SIZE). The benchmark lets OpenBLAS choose, as it does on a reader's machine. OpenBLAS
# reads both once, when NumPy loads it, so they are removed only for this process: the processes the
# benchmark starts (nbgrader, the book build) and the tests keep them.
#
# glibc's allocator gives freed memory back to the system by rules that depend on the process's
# history (an mmap threshold that adapts to the largest block freed so far, and trimming of the heap's
# top). A contender that allocates after another's large arrays were freed finds memory ready; one
# that allocates after a trim meets fresh pages, a page fault for every 4 KiB it touches (about
# 1.4 us each: up to half of a forward pass, bench/allocator.py measures it). Which one it gets depends
# on what ran before it, so the same contender's time swung by up to 2x between runs. This process keeps
# what it frees (blocks up to 32 MiB from the heap, no trimming): every contender meets the allocator in
# the same state, and the report says what the default costs. glibc reads these once, at start, so
# the process starts again with them; its children get the environment the benchmark was started with.
MALLOC_KEEP = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2 ** 20), "MALLOC_TRIM_THRESHOLD_": str(2 ** 40)}


def set_env(values):
    """Set each variable of ``values`` ({name: value}), or unset it where the value is None."""
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


if os.environ.get("RNNCOURSE_BENCH_STARTED") != "1":
    # name: value for this process only (None: unset); a thread timeout the user set stays theirs
    own = {"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None, **MALLOC_KEEP,
           **({} if "OPENBLAS_THREAD_TIMEOUT" in os.environ else {"OPENBLAS_THREAD_TIMEOUT": OPENBLAS_TIMEOUT})}
    saved = {k: os.environ.get(k) for k in own}
    set_env(own)
    os.environ.update(RNNCOURSE_BENCH_STARTED="1", RNNCOURSE_BENCH_SAVED_ENV=json.dumps(saved))
    os.execv(sys.executable, [sys.executable, "-m", "bench", *sys.argv[1:]])
SAVED_ENV = json.loads(os.environ.pop("RNNCOURSE_BENCH_SAVED_ENV", "{}"))
del os.environ["RNNCOURSE_BENCH_STARTED"]
import numpy  # noqa: E402,F401

OPENBLAS_THREAD_TIMEOUT = os.environ.get("OPENBLAS_THREAD_TIMEOUT")  # as this process's OpenBLAS read it
# glibc and OpenBLAS have read theirs: the processes the benchmark starts get the environment it had
set_env(SAVED_ENV)
OPENBLAS_PINS = {k: SAVED_ENV[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if SAVED_ENV.get(k) is not None}

from bench import report  # noqa: E402
from bench.machine import describe, openblas, versions  # noqa: E402

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def print_row(what, reps, r):
    """One progress line: a row of one run and its ratios."""
    peer = {key: min(r[f"cs231n_{key}"], r[f"d2l_{key}"]) for key in ("fw", "fb")}
    print(f"cells, {what} ({reps} rounds, load {r['load']:.1f}): reference / faster peer "
          f"fw {r['numpy_fw'] / peer['fw']:.2f}x fw+bw {r['numpy_fb'] / peer['fb']:.2f}x; / floor fw "
          f"{r['numpy_fw'] / r['floor_fw']:.2f}x; lean bound / faster peer fw {r['lean_fw'] / peer['fw']:.2f}x "
          f"fw+bw {r['lean_fb'] / peer['fb']:.2f}x, / floor fw {r['lean_fw'] / r['floor_fw']:.2f}x; "
          f"/ PyTorch fw {r['numpy_fw'] / r['torch_fw']:.2f}x fw+bw {r['numpy_fb'] / r['torch_fb']:.2f}x",
          file=sys.stderr)


def run_cells(args):
    import tensorflow as tf
    import torch

    from bench import cells
    torch.set_num_threads(THREADS)
    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from bench import allocator, step_profile
    kernel = openblas()
    print(f"cells, {THREADS} thread(s): OpenBLAS kernel {kernel and kernel['architecture']}, "
          f"unset for this process: {', '.join(f'{k}={v}' for k, v in OPENBLAS_PINS.items()) or 'nothing'}",
          file=sys.stderr)
    out = {"machine": describe(), "versions": versions(), "threads": THREADS, "repeats": args.repeats,
           "openblas": kernel, "openblas_unset": OPENBLAS_PINS, "peak": cells.matmul_peak(), "rows": [],
           "order": "random per round", "settle": True, "openblas_thread_timeout": OPENBLAS_THREAD_TIMEOUT}
    out["seconds"], out["runs"], per_row = {}, args.runs, {}
    # each run goes through every size once, so that a slow spell of the machine falls into one run
    for run in range(args.runs):
        for size in args.sizes.split(","):
            B, T, D, H = cells.SIZES[size]
            reps = cells.repeats_for(size, args.repeats)
            start = time.perf_counter()
            for kind in cells.KINDS:
                r = cells.bench_kind(kind, B, T, D, H, reps, keras=not args.no_keras, seed=run)
                per_row.setdefault((size, kind), []).append(
                    {"size": size, "shape": [B, T, D, H], "kind": kind, "repeats": reps, **r})
                print_row(f"run {run + 1}/{args.runs}, {size:6} {kind:4}", reps, r)
            out["seconds"][size] = out["seconds"].get(size, 0) + time.perf_counter() - start
            print(f"cells, run {run + 1}/{args.runs}, {size} size: {time.perf_counter() - start:.0f} s",
                  file=sys.stderr)
    out["rows"] = [cells.median_run(runs) for runs in per_row.values()]
    start = time.perf_counter()
    out["step_profile"] = step_profile.run(*cells.SIZES["middle"], rounds=args.repeats)
    out["seconds"]["step profile"] = time.perf_counter() - start
    print(f"cells, profile of one step (middle size): {out['seconds']['step profile']:.0f} s", file=sys.stderr)
    start = time.perf_counter()
    out["allocator_kept"] = MALLOC_KEEP
    out["allocator"] = allocator.run(THREADS, MALLOC_KEEP, log=lambda m: print(m, file=sys.stderr))
    out["seconds"]["allocator"] = time.perf_counter() - start
    print(f"cells, allocator (middle size): {out['seconds']['allocator']:.0f} s", file=sys.stderr)
    return out


def run_book(args):
    from bench import book
    return {"machine": describe(), **book.run(clean=args.book_clean, log=lambda m: print(m, file=sys.stderr))}


def run_grading(args):
    from bench import grading
    which = args.assignments.split(",") if args.assignments else None
    return {"machine": describe(), "versions": versions(frameworks=False),
            **grading.run(which, copies=args.copies, class_size=args.class_size, workers=args.workers,
                          sequential=args.class_sequential, log=lambda m: print(m, file=sys.stderr))}


def run_engines(args):
    import tempfile

    from bench import grading
    with tempfile.TemporaryDirectory(prefix="rnncourse_engines_") as tmp:
        return {"machine": describe(), "versions": versions(frameworks=False),
                **grading.engines("01_rnn_basics", tmp, args.engines_size, log=lambda m: print(m, file=sys.stderr))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default="cells,book,grading,grading-engines",
                    help="comma-separated: cells, book, grading, grading-engines")
    ap.add_argument("--repeats", type=int, default=15, help="cells: timed runs per measurement (median reported)")
    ap.add_argument("--sizes", default="small,middle,large", help="cells: comma-separated small, middle, large")
    ap.add_argument("--runs", type=int, default=3,
                    help="cells: how many times all the rounds run; each row shows the median run")
    ap.add_argument("--no-keras", action="store_true", help="cells: NumPy and PyTorch only")
    ap.add_argument("--book-clean", action="store_true",
                    help="book: build from scratch into a temporary folder, then rebuild (~5 min)")
    ap.add_argument("--assignments", default="", help="grading: comma-separated (default: every assignment)")
    ap.add_argument("--copies", type=int, default=2, help="grading: submissions per assignment and floor")
    ap.add_argument("--class-size", type=int, default=100, help="grading: simulated class (0: skip)")
    ap.add_argument("--class-sequential", type=int, default=25,
                    help="grading: students of the class nbgrader alone grades, for the per-student comparison")
    ap.add_argument("--workers", type=int, default=None, help="grading: parallel graders (default: all cores)")
    ap.add_argument("--engines-size", type=int, default=30,
                    help="grading-engines: students graded by nbgrader alone, the batch module before Dask, Dask")
    ap.add_argument("--report-only", action="store_true", help="rewrite the report from bench/results/")
    args = ap.parse_args(argv)

    RESULTS.mkdir(exist_ok=True)
    runners = {"cells": run_cells, "book": run_book, "grading": run_grading, "grading-engines": run_engines}
    failed = []
    if not args.report_only:
        for part in args.parts.split(","):
            name = f"cells-{THREADS}-threads" if part == "cells" else part
            start = time.perf_counter()
            print(f"== {name}: starting", file=sys.stderr)
            try:
                result = runners[part](args)
            except Exception:  # the other parts still run; this part keeps its previous result, if any
                traceback.print_exc()
                failed.append(name)
                print(f"== {name}: FAILED after {time.perf_counter() - start:.0f} s", file=sys.stderr)
                continue
            result["bench_seconds"] = time.perf_counter() - start
            (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1, default=str))
            print(f"== {name}: {result['bench_seconds']:.0f} s; wrote {RESULTS / name}.json", file=sys.stderr)
    out = report.write(RESULTS, HERE)
    print(f"wrote {out}", file=sys.stderr)
    if failed:
        sys.exit(f"failed: {', '.join(failed)} (their previous results, if any, are still in the report)")


if __name__ == "__main__":
    main()
