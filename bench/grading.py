"""Autograding throughput with real nbgrader, in a temporary copy of the course (tests/nbgrader_harness.py).

* per assignment: seconds per submitted notebook (the solution, ``copies`` students in one
  ``nbgrader autograde`` call) against the floor measured in the same run: the same notebook with
  every code cell replaced by ``pass`` (same cells, same grade ids, same nbgrader pipeline and kernel);
  which frameworks the student's notebook and the hidden tests import, and what importing each costs
  (a fresh interpreter, against one that imports nothing);
* a class: ``size`` submissions (the catalogue's cases, in turn: full marks, zero, typical mistakes)
  graded by :func:`rnncourse.grading.parallel.grade_class` on every core, against nbgrader alone (one
  process grading one student after the other) on the first ``sequential`` of them. nbgrader alone is
  linear in the class (one start-up, then the same work per student), so its time for the class is
  its time per student times the class size; a batch of the parallel tool is the same one process
  over 25 students, so the two per-student figures are directly comparable. Every student's score
  must equal the sequential score of the same submission.
"""
from __future__ import annotations

import ast
import copy
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from nbgrader_harness import (BEGIN, END, answered, assignments, course_copy, load_catalogue,  # noqa: E402
                              nb_path, nbgrader, read_scores, submissions, write_submissions)

from rnncourse.grading.parallel import grade_class, submitted_students  # noqa: E402

FRAMEWORKS = ("torch", "tensorflow", "keras")


HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)


def imports(nb, hidden=True):
    """Top-level modules the notebook's code cells import, sorted; hidden=False leaves out the hidden tests."""
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source if hidden else HIDDEN.sub("", cell.source)
        src = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return sorted(found)


def floor_notebook(source):
    """The source notebook with every code cell doing nothing (`pass`); markdown and metadata kept."""
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        if cell.cell_type == "code":
            solution = cell.metadata.get("nbgrader", {}).get("solution", False)
            cell.source = f"{BEGIN}\npass\n{END}" if solution else "pass"
    return nb


def timed_autograde(course, assignment):
    start = time.perf_counter()
    nbgrader(course, "autograde", assignment, "--force", timeout=7200)
    return time.perf_counter() - start


def throughput(assignment, workdir, copies=3, warmup=False):
    """{'seconds_per_nb', 'floor_per_nb', 'ratio', 'imports', 'frameworks'} for one assignment."""
    source = nbformat.read(ROOT / nb_path("solutions", assignment), as_version=4)
    release = nbformat.read(ROOT / nb_path("exercises", assignment), as_version=4)
    course = course_copy(Path(workdir) / assignment, [assignment])
    floor = f"floor_{assignment}"
    floor_src = course / nb_path("solutions", floor)
    floor_src.parent.mkdir(parents=True)
    nbformat.write(floor_notebook(source), floor_src)
    nbgrader(course, "generate_assignment", assignment, "--force")
    nbgrader(course, "generate_assignment", floor, "--force")
    solved = answered(release, source)
    write_submissions(course, assignment, {f"student{i}": solved for i in range(copies)})
    floor_release = nbformat.read(course / nb_path("exercises", floor), as_version=4)
    write_submissions(course, floor, {f"student{i}": floor_release for i in range(copies)})
    if warmup:  # the first nbgrader run of the benchmark reads every library from disk: not counted
        timed_autograde(course, floor)
    # floor and assignment alternate, so that a change in the machine's load hits both alike
    t_floor = timed_autograde(course, floor) / copies
    t = timed_autograde(course, assignment) / copies
    used, student = imports(source), imports(source, hidden=False)
    return {"seconds_per_nb": t, "floor_per_nb": t_floor, "ratio": t / t_floor, "imports": used,
            "frameworks": [m for m in FRAMEWORKS if m in used],
            "student_frameworks": [m for m in FRAMEWORKS if m in student], "copies": copies}


def import_seconds(statement, repeats=3):
    """Median seconds a fresh interpreter spends on statement, beyond starting and importing nothing."""
    def once(code):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        return time.perf_counter() - start
    return statistics.median(once(statement) for _ in range(repeats)) - statistics.median(
        once("pass") for _ in range(repeats))


# what the grading kernel does before the first cell (rnncourse.grading.kernel), and the frameworks
IMPORT_COSTS = {"numpy": "import numpy",
                "grading kernel seal": "import rnncourse.grading.guard as g; g.seal()",
                "torch": "import torch", "tensorflow": "import tensorflow"}


def grade_a_class(assignment, workdir, size, workers, sequential=25):
    """The parallel tool on `size` submissions against nbgrader alone on the first `sequential` of them."""
    source = nbformat.read(ROOT / nb_path("solutions", assignment), as_version=4)
    release = nbformat.read(ROOT / nb_path("exercises", assignment), as_version=4)
    cases = list(submissions(assignment, release, source, load_catalogue(assignment)).values())
    case_of = {f"s{i:04d}": i % len(cases) for i in range(size)}
    sequential = min(max(sequential, len(cases)), size)  # every case graded by both, when the class has them all
    times, scores = {}, {}
    for how, n in (("sequential", sequential), ("parallel", size)):
        cls = {s: cases[case_of[s]] for s in list(case_of)[:n]}
        course = course_copy(Path(workdir) / f"class_{how}", [assignment])
        nbgrader(course, "generate_assignment", assignment, "--force")
        write_submissions(course, assignment, cls)
        start = time.perf_counter()
        if how == "sequential":
            nbgrader(course, "autograde", assignment, timeout=36000)
        else:
            r = grade_class(course, assignment, workers=workers)
            if r.failed:
                raise RuntimeError(f"parallel grading failed for {sorted(r.failed)}: {next(iter(r.failed.values()))}")
        times[how] = time.perf_counter() - start
        scores[how] = read_scores(course, assignment, submitted_students(course, assignment))
    # every case occurs among the first students when sequential >= the number of cases
    want = {case_of[s]: sc for s, sc in scores["sequential"].items()}
    differ = sorted(s for s, sc in scores["parallel"].items() if case_of[s] in want and sc != want[case_of[s]])
    if differ:
        raise RuntimeError(f"parallel and sequential grades differ for {differ[:10]}")
    checked = sum(case_of[s] in want for s in scores["parallel"])
    totals = [sum(v or 0 for v in sc.values()) for sc in scores["parallel"].values()]
    seq_per_student = times["sequential"] / sequential
    return {"assignment": assignment, "engine": "dask", "size": size, "workers": workers, "cases": len(cases),
            "sequential_students": sequential, "sequential_measured_s": times["sequential"],
            "sequential_s": seq_per_student * size, "parallel_s": times["parallel"],
            "speedup": seq_per_student * size / times["parallel"], "graded": len(scores["parallel"]),
            "identical_scores": checked, "distinct_totals": len(set(totals))}


BATCH_MODULE_COMMIT = "8679d3d"  # rnncourse.grading.parallel before Dask: threads on one machine, SQLite copies merged


def batch_module():
    """rnncourse.grading.parallel as it was before Dask (from git history), imported as a module of its own."""
    source = subprocess.run(["git", "show", f"{BATCH_MODULE_COMMIT}:rnncourse/grading/parallel.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    module = sys.modules["parallel_before_dask"] = types.ModuleType("parallel_before_dask")  # dataclasses look it up
    exec(compile(source, f"parallel.py at {BATCH_MODULE_COMMIT}", "exec"), module.__dict__)
    return module


class PeakMemory:
    """The peak resident memory (MB) of this process's children and theirs (workers, nbgrader, kernels),
    sampled every 0.2 s while the with-block runs."""

    def __enter__(self):
        import psutil
        import threading
        self.peak_mb, self._stop = 0.0, threading.Event()

        def sample():
            me = psutil.Process()
            while not self._stop.wait(0.2):
                total = 0
                for child in me.children(recursive=True):
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:  # ended meanwhile
                        pass
                self.peak_mb = max(self.peak_mb, total / 2**20)
        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def engines(assignment, workdir, size=30, log=print):
    """One class of `size` students (the catalogue's cases in turn) graded four ways, one after the other:
    nbgrader alone, the batch module before Dask on 2 processes, and Dask's LocalCluster with 1 and 2
    workers (the cluster's start included). Every way must give every student the scores nbgrader
    alone gives. Returns {'assignment', 'size', 'rows': [{'how', 'workers', 'seconds',
    'students_per_min', 'load_before', 'load_after'}], 'identical_scores'}."""
    source = nbformat.read(ROOT / nb_path("solutions", assignment), as_version=4)
    release = nbformat.read(ROOT / nb_path("exercises", assignment), as_version=4)
    cases = list(submissions(assignment, release, source, load_catalogue(assignment)).values())
    cls = {f"s{i:04d}": cases[i % len(cases)] for i in range(size)}
    before = batch_module()
    ways = (("nbgrader alone", 1, lambda c: nbgrader(c, "autograde", assignment, timeout=36000)),
            ("batch module before Dask", 2, lambda c: before.grade_class(c, assignment, workers=2)),
            ("Dask LocalCluster", 1, lambda c: grade_class(c, assignment, workers=1)),
            ("Dask LocalCluster", 2, lambda c: grade_class(c, assignment, workers=2)))
    rows, graded = [], {}
    for i, (how, workers, grade) in enumerate(ways):
        course = course_copy(Path(workdir) / f"engines_{i}", [assignment])
        nbgrader(course, "generate_assignment", assignment, "--force")
        write_submissions(course, assignment, cls)
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        with PeakMemory() as memory:
            r = grade(course)
        seconds = time.perf_counter() - start
        if getattr(r, "failed", None):
            raise RuntimeError(f"{how} failed for {sorted(r.failed)}")
        graded[i] = read_scores(course, assignment, cls)
        rows.append({"how": how, "workers": workers, "seconds": seconds, "students_per_min": size / seconds * 60,
                     "load_before": load_before, "load_after": os.getloadavg()[0], "peak_rss_mb": memory.peak_mb})
        if hasattr(r, "write_seconds"):
            rows[-1]["write_s_per_student"] = r.write_seconds / size
        log(f"{how}, {workers} workers: {rows[-1]['students_per_min']:.1f} students/min ({seconds:.0f} s)")
    identical = all(graded[i] == graded[0] for i in graded)
    if not identical:
        raise RuntimeError("the ways of grading gave different scores")
    return {"assignment": assignment, "size": size, "rows": rows, "identical_scores": identical}


def run(which=None, copies=3, class_size=100, class_assignment="01_rnn_basics", workers=None,
        sequential=25, log=print):
    which = which or assignments()
    out = {"throughput": {}, "imports": {}, "class": None, "seconds": {}}
    with tempfile.TemporaryDirectory(prefix="rnncourse_grading_") as tmp:
        for a in which:
            start = time.perf_counter()
            out["throughput"][a] = throughput(a, tmp, copies, warmup=a == which[0])
            out["seconds"][a] = time.perf_counter() - start
            log(f"grading {a}: {out['throughput'][a]['seconds_per_nb']:.1f} s per notebook, "
                f"{out['throughput'][a]['ratio']:.2f}x the floor ({out['seconds'][a]:.0f} s)")
        start = time.perf_counter()
        for what, code in IMPORT_COSTS.items():
            out["imports"][what] = import_seconds(code)
        out["seconds"]["import costs"] = time.perf_counter() - start
        log("import costs: " + ", ".join(f"{k} {v:.2f} s" for k, v in out["imports"].items()))
        if class_size:
            start = time.perf_counter()
            out["class"] = grade_a_class(class_assignment, tmp, class_size, workers or os.cpu_count() or 1,
                                         sequential)
            out["seconds"]["class"] = time.perf_counter() - start
            log(f"class of {class_size}: speedup {out['class']['speedup']:.2f}x ({out['seconds']['class']:.0f} s)")
    return out
