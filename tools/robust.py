"""Run every chapter under other seeds and other CPU kernels; write the robustness report.

    python tools/robust.py                       # every chapter x every run below, 2 at a time
    python tools/robust.py --runs seed-7+avx2    # one run (make test builds the website under seed-5+avx2)
    python tools/robust.py --report-only         # rewrite docs/ROBUSTNESS.md from docs/robustness.json

A chapter may claim only what holds for any seed on any CPU. A *run* is a training seed (the
environment variable RNNCOURSE_SEED, added by ``rnncourse.training.set_seeds`` to every seed a
chapter asks for) and a *variant*: environment variables that force MKL (PyTorch's matrix
products), oneDNN (TensorFlow's and PyTorch's fused kernels), ATen's vector code and OpenBLAS
(NumPy's products) onto other instruction sets, as on another CPU. Each chapter is executed from a
fresh kernel in its own process with that environment; it passes when every cell, and so every
``assert`` in it, runs. The headline figures a chapter publishes with ``rnncourse.headlines.headline``
are collected, and the report gives each one's value in every run and its spread.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "book").glob("[0-9]*.ipynb"))
RESULTS = Path(os.environ.get("RNNCOURSE_ROBUST_RESULTS", ROOT / "docs" / "robustness.json"))
REPORT = ROOT / "docs" / "ROBUSTNESS.md"

# What each variant forces. "native" leaves every library on its own choice for this CPU.
VARIANTS = {
    "native": {},
    "avx2": {"MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2",
             "OPENBLAS_CORETYPE": "Haswell"},
    "sse4": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default",
             "OPENBLAS_CORETYPE": "Nehalem"},
    "no-onednn": {"TF_ENABLE_ONEDNN_OPTS": "0", "OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None},
}
SEEDS = (0, 1, 2, 3, 4)
DEFAULT_RUNS = [f"seed-{s}" for s in SEEDS] + [f"seed-0+{v}" for v in VARIANTS if v != "native"]
KERNELS_PROBE = """
import json, threadpoolctl, numpy, torch
info = [{k: d.get(k) for k in ("internal_api", "architecture")} for d in threadpoolctl.threadpool_info()
        if d.get("internal_api") in ("openblas", "mkl")]
print(json.dumps({"numpy_blas": info, "torch_cpu_capability": torch.backends.cpu.get_cpu_capability()}))
"""


def parse_run(run):
    """'seed-7+avx2' -> (7, 'avx2'); 'seed-3' -> (3, 'native')."""
    seed_part, _, variant = run.partition("+")
    variant = variant or "native"
    if not seed_part.startswith("seed-") or not seed_part[5:].isdigit() or variant not in VARIANTS:
        raise SystemExit(f"a run is seed-N or seed-N+VARIANT with VARIANT one of {', '.join(VARIANTS)}; got {run!r}")
    return int(seed_part[5:]), variant


def run_environment(run):
    seed, variant = parse_run(run)
    env = dict(os.environ, RNNCOURSE_SEED=str(seed), PYTHONHASHSEED="0")
    for name, value in VARIANTS[variant].items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def kernels(run):
    """Which kernels the libraries pick under this run's environment (reported, not asserted)."""
    out = subprocess.run([sys.executable, "-c", KERNELS_PROBE], env=run_environment(run), capture_output=True,
                         text=True, check=False)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": out.stderr.strip().splitlines()[-1:] or ["no output"]}


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def pinned_text(outputs):
    """What nbval compares of a pinned cell: its text outputs, joined."""
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") in ("execute_result", "display_data"):
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "".join(parts).strip()


def execute(chapter, timeout=900):
    """Execute one chapter in a fresh kernel (this process's environment); return its result.

    Every cell runs even after a failure, so one run lists every failing cell (an assert, an
    error) and still records the figures of the cells after it. A pinned cell (tag
    nbval-check-output) whose output differs from the stored one is a failure too: nbval would
    reject it on this machine.
    """
    import nbformat
    from nbclient import NotebookClient

    path = ROOT / chapter
    nb = nbformat.read(path, as_version=4)
    stored = {i: pinned_text(c.outputs) for i, c in enumerate(nb.cells)
              if c.cell_type == "code" and "nbval-check-output" in c.metadata.get("tags", [])}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    failures = []
    try:
        client.execute()
    except Exception as error:  # a dead kernel or a timeout: the cells after it did not run
        failures.append({"cell": None, "error": f"{type(error).__name__}: {str(error).strip()[:200]}"})
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                failures.append({"cell": i, "error": ANSI.sub("", f"{out.get('ename')}: {out.get('evalue')}")})
        if i in stored and pinned_text(cell.get("outputs", [])) != stored[i]:
            failures.append({"cell": i, "error": "pinned output differs from the stored one"})
    result = {"passed": not failures, "failures": failures, "seconds": round(time.perf_counter() - t0, 1)}
    if failures:
        result["cell"], result["error"] = failures[0]["cell"], failures[0]["error"]
    return result


def code_digest(chapter):
    """A digest of the chapter's code, blind to layout: comments and whitespace do not count.

    A result in docs/robustness.json holds the digest of the code it ran, so a report made from
    other code than the committed chapter's is caught (tests/test_notebook_hygiene.py), while
    rewrapping a line or adding a comment keeps it valid.
    """
    import hashlib

    import nbformat

    nb = nbformat.read(ROOT / chapter, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    code = re.sub(r"(?m)^\s*#.*$|\s+#[^\n\"']*$", "", code)
    return hashlib.sha256(re.sub(r"\s+", "", code).encode()).hexdigest()[:16]


def run_one(chapter, run, timeout):
    """Execute ``chapter`` in a child process with ``run``'s environment; collect its headlines."""
    digest = code_digest(chapter)
    with tempfile.TemporaryDirectory() as tmp:
        headlines = Path(tmp) / "headlines.jsonl"
        env = run_environment(run)
        env["RNNCOURSE_HEADLINES"] = str(headlines)
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--execute", chapter,
                               "--timeout", str(timeout)], env=env, capture_output=True, text=True, cwd=ROOT)
        try:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            result = {"passed": False, "error": (proc.stderr.strip().splitlines() or ["no output"])[-1], "seconds": None}
        result["headlines"] = {}
        if headlines.exists():
            for line in headlines.read_text().splitlines():
                item = json.loads(line)
                result["headlines"][item["name"]] = item["value"]
    result["code"] = digest
    return result


def load_results():
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": {}, "kernels": {}}


def merge(paths):
    """Merge the results of sweeps run side by side (each with its own RNNCOURSE_ROBUST_RESULTS)."""
    results = load_results()
    for path in paths:
        other = json.loads(Path(path).read_text())
        for run, chapters in other["runs"].items():
            results["runs"].setdefault(run, {}).update(chapters)
        results["kernels"].update(other["kernels"])
        results.setdefault("machine", other.get("machine"))
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


def sweep(chapters, runs, jobs, timeout):
    """Every chapter under every run, ``jobs`` at a time; results merged into docs/robustness.json."""
    results = load_results()
    results["machine"] = machine()
    for run in runs:
        results["kernels"][run] = kernels(run)
    tasks = [(chapter, run) for run in runs for chapter in chapters]
    failures = 0

    def work(task):
        chapter, run = task
        result = run_one(chapter, run, timeout)
        status = "passed" if result["passed"] else "FAILED " + "; ".join(
            f"cell {f['cell']}: {f['error']}" for f in result.get("failures", [result]))
        print(f"{run:18} {Path(chapter).stem:28} {result.get('seconds')} s  {status}", flush=True)
        return chapter, run, result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for chapter, run, result in pool.map(work, tasks):
            results["runs"].setdefault(run, {})[Path(chapter).stem] = result
            failures += not result["passed"]
            RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return failures


def machine():
    """CPU model, core count and the widest vector instructions of this machine."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    widest = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE4" if "sse4_2" in flags else "?"
    return f"{model}, {os.cpu_count()} cores, {widest}"


def spread(values):
    lo, hi = min(values), max(values)
    return lo, hi


def render(results):
    """docs/ROBUSTNESS.md from the stored results."""
    runs = [r for r in DEFAULT_RUNS if r in results["runs"]] + sorted(set(results["runs"]) - set(DEFAULT_RUNS))
    chapters = sorted({c for r in runs for c in results["runs"][r]})
    lines = ["# Robustness: every chapter under other seeds and other CPU kernels", "",
             "Written by `make robust` (`python tools/robust.py`); do not edit by hand. Each chapter is executed",
             "from a fresh kernel with the training seed shifted by `RNNCOURSE_SEED` and the numerical libraries",
             "forced onto other instruction sets (the variants below); a chapter passes when every cell, and so",
             "every `assert` in it, runs. The headline figures are the numbers the chapters' prose quotes.", "",
             "## Variants", "", "| variant | environment |", "|---|---|"]
    for name, env in VARIANTS.items():
        desc = ", ".join(f"`{k}={v}`" if v is not None else f"`{k}` unset" for k, v in env.items()) or \
            "nothing forced: each library picks its kernels for this CPU"
        lines.append(f"| {name} | {desc} |")
    lines += ["", "Kernels the libraries used (threadpoolctl for NumPy's BLAS, `torch.backends.cpu.get_cpu_capability()`):",
              "", "| run | NumPy BLAS | PyTorch ATen |", "|---|---|---|"]
    for run in runs:
        k = results["kernels"].get(run, {})
        blas = ", ".join(f"{d['internal_api']} {d['architecture']}" for d in k.get("numpy_blas", [])) or "?"
        lines.append(f"| {run} | {blas} | {k.get('torch_cpu_capability', '?')} |")
    if "machine" in results:
        lines += ["", f"Machine: {results['machine']}."]
    lines += ["", "## Pass or fail", "", "| chapter | " + " | ".join(runs) + " |", "|---|" + "---|" * len(runs)]
    for chapter in chapters:
        cells = []
        for run in runs:
            r = results["runs"][run].get(chapter)
            cells.append("" if r is None else (f"pass ({r['seconds']:.0f} s)" if r["passed"] else "**FAIL** " + "; ".join(
                f"cell {f['cell']}: {f['error'][:80]}" for f in r.get("failures", [r]))))
        lines.append(f"| {chapter} | " + " | ".join(cells) + " |")
    lines += ["", "## Headline figures", "",
              "Each figure in every run; *seeds* is the range over the five seeds on this CPU's own kernels,",
              "*all* the range over every run.", "",
              "| chapter | figure | " + " | ".join(runs) + " | seeds | all |", "|---|---|" + "---|" * (len(runs) + 2)]
    for chapter in chapters:
        names = sorted({n for run in runs for n in results["runs"][run].get(chapter, {}).get("headlines", {})})
        for name in names:
            values = {run: results["runs"][run].get(chapter, {}).get("headlines", {}).get(name) for run in runs}
            row = [f"{v:.4g}" if v is not None else "" for v in values.values()]
            seeds = [v for run, v in values.items() if v is not None and "+" not in run]
            every = [v for v in values.values() if v is not None]
            fmt = lambda lohi: f"{lohi[0]:.4g} to {lohi[1]:.4g}"
            lines.append(f"| {chapter} | {name} | " + " | ".join(row) +
                         f" | {fmt(spread(seeds)) if seeds else ''} | {fmt(spread(every)) if every else ''} |")
    REPORT.write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", nargs="+", default=DEFAULT_RUNS, help="runs such as seed-3 or seed-0+avx2")
    parser.add_argument("--chapters", nargs="+", default=CHAPTERS, help="notebooks, e.g. book/03_lstm.ipynb")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--no-report", action="store_true", help="do not rewrite docs/ (a check: results go to a temporary file)")
    parser.add_argument("--merge", nargs="+", metavar="JSON", help="merge other sweeps' results, rewrite the report")
    parser.add_argument("--execute", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.execute:
        print(json.dumps(execute(args.execute, args.timeout)))
        return 0
    if args.merge:
        merge(args.merge)
    if args.report_only or args.merge:
        render(load_results())
        return 0
    for chapter in args.chapters:
        if not (ROOT / chapter).is_file():
            raise SystemExit(f"no chapter {chapter!r}: expected one of {', '.join(CHAPTERS)}")
    for run in args.runs:
        parse_run(run)
    if args.no_report:
        global RESULTS
        RESULTS = Path(tempfile.mkdtemp()) / "robustness.json"
    failures = sweep(args.chapters, args.runs, args.jobs, args.timeout)
    if not args.no_report:
        render(load_results())
    print(f"{failures} failed, {len(args.chapters) * len(args.runs) - failures} passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
