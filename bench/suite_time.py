"""Time the README's test command on a fresh clone, by part: install, unit tests, chapter notebooks,
nbgrader pipeline, book/website. About 10 minutes on 2 cores, longer with the install.

    python -m bench.suite_time                 # clone HEAD into a temporary folder, time every part
    python -m bench.suite_time --reuse-venv    # skip the install: symlink this checkout's .venv

Writes bench/results/suite.json, which `python -m bench` puts in the report. The parts together
run the same tests as `make test` (pytest -n 2 --dist loadfile), one pytest call per part.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"

NBGRADER = ["tests/test_exercise_*.py", "tests/test_exercises_workflow.py", "tests/test_grading_parallel.py",
            "tests/test_grading_cluster.py"]
WEBSITE = ["tests/test_website.py"]


def parts(clone):
    """[(part, pytest arguments)] covering tests/ and book/ exactly once."""
    tests = sorted(p.relative_to(clone).as_posix() for p in (clone / "tests").glob("test_*.py"))
    special = {p.relative_to(clone).as_posix() for pat in NBGRADER + WEBSITE for p in clone.glob(pat)}
    return [("unit", [t for t in tests if t not in special]),
            ("notebooks", ["book"]),
            ("nbgrader pipeline", sorted(t for t in special if t not in WEBSITE)),
            ("book/website", WEBSITE)]


def run(reuse_venv=False):
    with tempfile.TemporaryDirectory(prefix="rnncourse_suite_") as tmp:
        clone = Path(tmp) / "rnncourse"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        times = {}
        start = time.perf_counter()
        if reuse_venv:
            (clone / ".venv").symlink_to(ROOT / ".venv")
            subprocess.run(["make", "-C", str(clone), "browser", "postgres"], check=True)
        else:
            subprocess.run(["make", "-C", str(clone), "env", "browser", "postgres"], check=True)
        times["install"] = time.perf_counter() - start
        python = str(clone / ".venv" / "bin" / "python")
        outcome = {}
        for name, args in parts(clone):
            start = time.perf_counter()
            proc = subprocess.run([python, "-m", "pytest", "-q", "-n", "2", "--dist", "loadfile", *args],
                                  cwd=clone, capture_output=True, text=True)
            times[name] = time.perf_counter() - start
            outcome[name] = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else f"exit {proc.returncode}"
            print(f"{name}: {times[name]:.0f} s ({outcome[name]})", file=sys.stderr)
    return {"seconds": times, "outcome": outcome, "reused_venv": reuse_venv}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reuse-venv", action="store_true", help="do not time the install")
    args = ap.parse_args(argv)
    from bench.machine import describe
    result = {"machine": describe(), **run(args.reuse_venv)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "suite.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result["seconds"], indent=1))


if __name__ == "__main__":
    main()
