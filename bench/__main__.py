"""`python -m bench` (or `make bench`): run the benchmarks and write bench/REPORT.md."""
from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

CORES = os.cpu_count() or 1
# Same thread count for both libraries (all cores unless RNNCOURSE_BENCH_THREADS says otherwise);
# OpenBLAS reads its variable before NumPy is imported, so this happens before the imports.
THREADS = int(os.environ.get("RNNCOURSE_BENCH_THREADS", CORES))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench import cells  # noqa: E402

HERE = Path(__file__).parent


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=15, help="timed runs per measurement (median reported)")
    ap.add_argument("--sizes", default="small,middle,large", help="comma-separated: small, middle, large")
    ap.add_argument("--out", default=str(HERE / "REPORT.md"))
    args = ap.parse_args(argv)
    torch.set_num_threads(THREADS)

    load = os.getloadavg()[0]  # other work on the machine inflates both sides, unevenly
    peak = cells.matmul_peak()
    rows = []
    for size in args.sizes.split(","):
        B, T, D, H = cells.SIZES[size]
        reps = max(3, args.repeats // (4 if size == "large" else 1))
        for kind in cells.KINDS:
            r = cells.bench_kind(kind, B, T, D, H, reps)
            rows.append((size, (B, T, D, H), kind, r))
            print(f"{size:6} {kind:4} fw {r['numpy_fw'] / r['torch_fw']:.2f}x  fw+bw {r['numpy_fb'] / r['torch_fb']:.2f}x",
                  file=sys.stderr)

    lines = [
        "# Benchmark: NumPy reference against PyTorch",
        "",
        "Produced by `make bench`, which writes `bench/REPORT.md` (both libraries on all cores) and",
        "`bench/REPORT-1-thread.md` (both on one thread, `RNNCOURSE_BENCH_THREADS=1`); every ratio is",
        "measured in the same run.",
        "",
        f"- Machine: {CORES} cores, {cpu_model()}; load average {load:.2f} when the run started",
        f"- Python {platform.python_version()}, NumPy {np.__version__}, PyTorch {torch.__version__}; "
        f"both libraries on {THREADS} threads; float32; medians of {args.repeats} runs ({max(3, args.repeats // 4)} at the large size)",
        f"- Measured matrix-multiply peak (1024 x 1024 float32): NumPy {peak['numpy']:.1f} GFLOP/s, "
        f"PyTorch {peak['torch']:.1f} GFLOP/s",
        "",
        "Targets (issue): at the middle size, NumPy forward at most 1.5x PyTorch's time, forward+backward at most 2x.",
        "",
        "| size | B, T, D, H | cell | NumPy fw (ms) | PyTorch fw (ms) | ratio fw | NumPy fw+bw (ms) | PyTorch fw+bw (ms) | ratio fw+bw | NumPy GFLOP/s fw / fw+bw | PyTorch GFLOP/s fw / fw+bw | NumPy products only fw / fw+bw (ms) | floor ratio fw / fw+bw |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, shape, kind, r in rows:
        g = r["gflops"]
        lines.append(
            f"| {size} | {', '.join(map(str, shape))} | {kind} | {r['numpy_fw'] * 1e3:.2f} | {r['torch_fw'] * 1e3:.2f} | "
            f"**{r['numpy_fw'] / r['torch_fw']:.2f}x** | {r['numpy_fb'] * 1e3:.2f} | {r['torch_fb'] * 1e3:.2f} | "
            f"**{r['numpy_fb'] / r['torch_fb']:.2f}x** | {g['numpy_fw']:.1f} / {g['numpy_fb']:.1f} | "
            f"{g['torch_fw']:.1f} / {g['torch_fb']:.1f} | {r['floor_fw'] * 1e3:.2f} / {r['floor_fb'] * 1e3:.2f} | "
            f"{r['floor_fw'] / r['torch_fw']:.2f}x / {r['floor_fb'] / r['torch_fb']:.2f}x |")
    lines += ["", "At the middle size, against the targets:", ""]
    for size, shape, kind, r in rows:
        if size == "middle":
            fw, fb = r["numpy_fw"] / r["torch_fw"], r["numpy_fb"] / r["torch_fb"]
            lines.append(f"- {kind}: forward {fw:.2f}x ({'met' if fw <= 1.5 else 'missed'}, target 1.5x), "
                         f"forward+backward {fb:.2f}x ({'met' if fb <= 2 else 'missed'}, target 2x)")
    lines += [
        "",
        "GFLOP/s count only the matrix products (input and recurrent, forward; three times that for",
        "forward+backward); the element-wise gate arithmetic is not counted, so small sizes, where it and",
        "Python's per-step overhead dominate, reach a small fraction of the peak.",
        "",
        "*NumPy products only* times just the matrix products the reference performs, nothing else (the",
        "input projection for all steps at once, one recurrent product per step; in backward two per step and",
        "two for the input side), with NumPy's BLAS: a floor for any NumPy implementation with this structure.",
        "*floor ratio* divides it by PyTorch's whole time. What the reference spends above its floor is the",
        "element-wise gate arithmetic (a dozen NumPy calls per step on (B, H) blocks, each a separate pass over",
        "memory with its own call overhead) and the Python loop; PyTorch fuses a step's gate arithmetic into",
        "one kernel, which is why the LSTM and GRU, with the most element-wise work per step, are furthest",
        "from PyTorch in the forward pass.",
        "",
    ]
    Path(args.out).write_text("\n".join(lines))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
