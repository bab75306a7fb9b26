"""What glibc's default allocator policy costs the NumPy implementations (bench/REPORT.md's allocator table).

bench/cells.py times every contender in a process that keeps the memory it frees (see the comment on
``MALLOC_KEEP`` in bench/__main__.py), so that no contender's time depends on what ran before it. Here each
of the reference and the CS231n-style peer runs alone, called again and again as a training loop calls
it, in a fresh process per measurement: once with glibc's default policy (what a reader's process has)
and once keeping freed memory. The difference is the time of the page faults: the kernel handing out,
and zeroing, the fresh 4 KiB pages of memory the default policy gave back to the system after the
previous call. ``resource`` counts them (minor faults).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

IMPLS = ("numpy", "cs231n")


def measure(kind, impl, phase, size, repeats):
    """In this process: median milliseconds and minor page faults per call of one implementation."""
    import resource
    import time

    import numpy as np

    from bench.cells import SIZES, contenders

    fn = contenders(kind, *SIZES[size], keras=False)[f"{impl}_{phase}"]  # as bench/cells.py times it
    for _ in range(2):
        fn()
    times, faults = [], []
    for _ in range(repeats):
        f0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    return {"ms": float(np.median(times)) * 1e3, "faults": int(np.median(faults))}


def run(threads, keep, size="middle", repeats=9, log=lambda m: None):
    """{kind: {impl_phase: {"default": {ms, faults}, "kept": {ms, faults}}}}, each in its own process."""
    from bench.cells import KINDS

    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", *keep)}
    env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    policies = {"default": env, "kept": {**env, **keep}}
    out = {}
    for kind in KINDS:
        out[kind] = {}
        for impl in IMPLS:
            for phase in ("fw", "fb"):
                row = out[kind][f"{impl}_{phase}"] = {}
                for policy, penv in policies.items():
                    args = [sys.executable, "-m", "bench.allocator", kind, impl, phase, size, str(repeats)]
                    done = subprocess.run(args, env=penv, capture_output=True, text=True, check=True,
                                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
                    row[policy] = json.loads(done.stdout.strip().splitlines()[-1])
                log(f"allocator, {kind} {impl} {phase}: default {row['default']['ms']:.2f} ms "
                    f"({row['default']['faults']} faults), kept {row['kept']['ms']:.2f} ms "
                    f"({row['kept']['faults']} faults)")
    return out


if __name__ == "__main__":
    kind, impl, phase, size, repeats = sys.argv[1:]
    print(json.dumps(measure(kind, impl, phase, size, int(repeats))))
