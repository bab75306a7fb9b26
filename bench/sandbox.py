"""The grading sandbox's cost: seconds per notebook with and without it, in the same run, every assignment.

    python -m bench.sandbox [--assignments 01_rnn_basics,...] [--copies 3] [--rounds 2]

For each assignment, a temporary course (tests/nbgrader_harness.py) with ``copies`` students who hand in
the solution is graded by real ``nbgrader autograde --force``, in turn with the sandbox
(``c.LimitedKernelManager.sandbox = True``, the course's setting) and without it
(``--LimitedKernelManager.sandbox=False``), ``rounds`` times each, alternating so that a change in the
machine's load hits both alike; the faster run of each counts. Both runs must give the same scores.
Writes bench/results/sandbox.json (rendered into bench/REPORT.md by ``python -m bench --report-only``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from nbgrader_harness import answered, assignments, course_copy, nb_path, nbgrader, read_scores, write_submissions  # noqa: E402

RESULT = ROOT / "bench" / "results" / "sandbox.json"
TARGET = 1.10   # the target: at most 10% slower


def overhead(assignment, workdir, copies=3, rounds=2):
    """{'sandbox_s', 'plain_s' (seconds per notebook, best round), 'ratio', 'runs'} for one assignment."""
    source = nbformat.read(ROOT / nb_path("solutions", assignment), as_version=4)
    release = nbformat.read(ROOT / nb_path("exercises", assignment), as_version=4)
    course = course_copy(Path(workdir) / assignment, [assignment])
    nbgrader(course, "generate_assignment", assignment, "--force")
    students = [f"student{i}" for i in range(copies)]
    write_submissions(course, assignment, {s: answered(release, source) for s in students})
    runs, scores = {"sandbox": [], "plain": []}, {}
    for _ in range(rounds):
        for how, flags in (("sandbox", ()), ("plain", ("--LimitedKernelManager.sandbox=False",))):
            start = time.perf_counter()
            nbgrader(course, "autograde", assignment, "--force", *flags, timeout=7200)
            runs[how].append((time.perf_counter() - start) / copies)
            scores.setdefault(how, read_scores(course, assignment, students))
    if scores["sandbox"] != scores["plain"]:
        raise RuntimeError(f"{assignment}: scores with and without the sandbox differ: {scores}")
    best = {how: min(t) for how, t in runs.items()}
    return {"sandbox_s": best["sandbox"], "plain_s": best["plain"], "ratio": best["sandbox"] / best["plain"],
            "runs": runs, "copies": copies}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--assignments", default="", help="comma-separated (default: every assignment)")
    ap.add_argument("--copies", type=int, default=3, help="students per autograde run")
    ap.add_argument("--rounds", type=int, default=2, help="runs with and without the sandbox, alternating")
    args = ap.parse_args(argv)
    which = [a for a in args.assignments.split(",") if a] or assignments()
    out = {"assignments": {}, "target": TARGET, "cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rnncourse_sandbox_") as tmp:
        for a in which:
            r = out["assignments"][a] = overhead(a, tmp, args.copies, args.rounds)
            print(f"sandbox {a}: {r['sandbox_s']:.2f} s per notebook, without {r['plain_s']:.2f} s "
                  f"({r['ratio']:.3f}x)", flush=True)
    out["load_after"], out["seconds"] = os.getloadavg()[0], time.perf_counter() - start
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    main()
