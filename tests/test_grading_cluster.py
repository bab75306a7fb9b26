"""Grading on a real Dask cluster: a `dask scheduler` process and two `dask worker` processes on 127.0.0.1
(TCP), driven by ``python -m rnncourse.grading.parallel --scheduler``'s code, into gradebooks the test
starts. Nothing is shared between the client and the workers but the TCP connections: tasks carry
their files and gradebook rows as bytes (rnncourse.grading.worker).

* a class of 21 students of 01_rnn_basics (every case of its catalogue: the solution, the untouched
  release, typical mistakes, other correct answers; a submission that kills its kernel halfway;
  three more copies; a file that is not a notebook) into PostgreSQL: every cell score and every
  autograded notebook equals what nbgrader alone gives the same notebook (graded here, at the same
  time, in a course of its own), feedback and export work afterwards, and a second run is idempotent;
* a worker process killed (SIGKILL) in the middle of a batch: the batch is regraded elsewhere;
* the client interrupted (SIGINT, Ctrl-C) mid-run: the gradebook holds whole students only, and the
  next run grades the rest.
"""
from __future__ import annotations

import copy
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from grading_fixtures import A as TOY, check_every_grade, free_port, postgres_url, scores, toy_course  # noqa: F401
from nbgrader_harness import (ROOT, autograde, cell_by_id, course_copy, load_catalogue, nb_path, nbgrader,
                              read_scores, submissions, write_submissions)
from rnncourse.grading.parallel import grade_class
from rnncourse.grading.worker import read_tree

A = "01_rnn_basics"
DASK = str(Path(sys.executable).with_name("dask"))


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """The address of a `dask scheduler` with two `dask worker` processes (one thread each, under their nanny)."""
    from dask.distributed import Client
    where = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    logs = [open(where / f"{name}.log", "w") for name in ("scheduler", "w1", "w2")]
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                               "--no-dashboard"], cwd=where, stdout=logs[0], stderr=subprocess.STDOUT)]
    for name, log in zip(("w1", "w2"), logs[1:]):
        procs.append(subprocess.Popen([DASK, "worker", address, "--name", name, "--nthreads", "1", "--host",
                                       "127.0.0.1", "--no-dashboard", "--local-directory", str(where / name)],
                                      cwd=where, stdout=log, stderr=subprocess.STDOUT))
    try:
        with Client(address, timeout=120) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()


def class_of_01():
    """{student: notebook} and {student: the case whose notebook it is}: every case once, a kernel that
    dies halfway, and three students with the same notebook as another case."""
    source = nbformat.read(ROOT / nb_path("solutions", A), as_version=4)
    release = nbformat.read(ROOT / nb_path("exercises", A), as_version=4)
    cases = submissions(A, release, source, load_catalogue(A))
    dies = copy.deepcopy(cases["solution"])
    answers = [c.metadata["nbgrader"]["grade_id"] for c in dies.cells if c.metadata.get("nbgrader", {}).get("solution")
               and c.cell_type == "code"]
    last = cell_by_id(dies, answers[-1])
    last.source = "import os\nos._exit(1)\n" + last.source  # the kernel dies: the earlier cells keep their points
    cases["kernel_dies"] = dies
    case_of = {name: name for name in cases}
    for i, name in enumerate(["solution", "release", next(n for n in cases if n.startswith("wrong_"))]):
        case_of[f"copy{i}_{name}"] = name
    return cases, case_of


@pytest.mark.slow
def test_class_on_a_cluster_equals_nbgrader_alone(tmp_path, scheduler, postgres_url):
    cases, case_of = class_of_01()
    # The oracle: nbgrader alone, every distinct notebook once, in its own course (at the same time).
    oracle = course_copy(tmp_path / "oracle", [A])
    nbgrader(oracle, "generate_assignment", A, "--force")
    write_submissions(oracle, A, cases)
    alone = threading.Thread(target=autograde, args=(oracle, A))
    alone.start()

    course = course_copy(tmp_path / "course", [A])
    nbgrader(course, "generate_assignment", A, "--force", f"--CourseDirectory.db_url={postgres_url}")
    write_submissions(course, A, {s: cases[c] for s, c in case_of.items()})
    broken = course / nb_path("submitted", A, "broken")
    broken.parent.mkdir(parents=True)
    broken.write_text("{ not a notebook")
    r = grade_class(course, A, db_url=postgres_url, scheduler=scheduler, batch_size=6)
    alone.join()
    assert (r.graded, sorted(r.failed), r.workers) == (sorted(case_of), ["broken"], 2), r.summary()
    assert "NotJSONError" in r.failed["broken"], r.failed

    want = read_scores(oracle, A, cases)
    got = scores(postgres_url, case_of, A)
    wrong = {s: (got[s], want[c]) for s, c in case_of.items() if got[s] != want[c]}
    assert not wrong, f"cell scores differ from nbgrader alone's (student: (cluster, alone)): {wrong}"
    assert got["kernel_dies"] != want["solution"] and any(got["kernel_dies"].values()), \
        "the submission whose kernel dies must keep the points of the cells before the crash, and only those"
    for s, c in case_of.items():  # autograded/ as nbgrader alone writes it: the same files, modes and cells
        mine, theirs = (read_tree(root / "autograded" / who / A) for root, who in ((course, s), (oracle, c)))
        assert {f: m for f, (_, m) in mine.items()} == {f: m for f, (_, m) in theirs.items()}, (s, mine.keys())
        for f in mine:
            assert run_independent(mine[f][0], f) == run_independent(theirs[f][0], f), \
                f"autograded/{s}/{A}/{f} differs from nbgrader alone's for the same notebook"

    # The instructor's next steps work unchanged on the gradebook the cluster filled.
    db = f"--CourseDirectory.db_url={postgres_url}"
    nbgrader(course, "generate_feedback", A, db)
    assert all((course / "feedback" / s / A / f"{A}.html").is_file() for s in case_of)
    nbgrader(course, "export", db)
    with open(course / "grades.csv") as f:
        exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(f)}
    assert {s: exported[s] for s in case_of} == {s: sum(want[c].values()) for s, c in case_of.items()}

    # Running again grades nobody twice and changes nothing.
    shutil.rmtree(broken.parent.parent)
    again = grade_class(course, A, db_url=postgres_url, scheduler=scheduler)
    assert (again.graded, sorted(again.skipped), again.failed) == ([], sorted(case_of), {})
    assert scores(postgres_url, case_of, A) == got


def run_independent(data, name):
    """A file's bytes, for a notebook without what differs between two runs of nbgrader alone: the
    cells' execution timestamps, and the execution count of the cell whose kernel died (recorded or
    not, depending on when the kernel died)."""
    if not name.endswith(".ipynb"):
        return data
    nb = nbformat.reads(data.decode(), as_version=4)
    for c in nb.cells:
        c.metadata.pop("execution", None)
        if any(o.get("ename") == "KernelDied" for o in c.get("outputs", [])):
            c.execution_count = None
    return nbformat.writes(nb)


def executing_batches(client):
    """{worker address: [key of each grade_batch task that worker is running now]}."""
    running = lambda dask_worker: [str(ts.key) for ts in dask_worker.state.tasks.values()
                                   if ts.state == "executing" and str(ts.key).startswith("grade_batch")]
    return client.run(running)


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nobody(tmp_path, scheduler):
    from dask.distributed import Client
    answers = {f"s{j}": f"answer = {j}" for j in range(4)}
    course = toy_course(tmp_path / "course", answers, slow=3)  # each student's notebook runs 3 s
    outcome = {}
    grading = threading.Thread(target=lambda: outcome.update(r=grade_class(course, TOY, scheduler=scheduler,
                                                                           batch_size=2)))
    with Client(scheduler) as client:
        grading.start()
        deadline = time.time() + 120
        while not (running := [(w, k) for w, keys in executing_batches(client).items() for k in keys]) \
                and time.time() < deadline:
            time.sleep(0.2)
        assert running, "no batch started on the cluster within 120 s"
        time.sleep(6)  # nbgrader has started on that worker and is inside a student's notebook
        worker, key = running[0]
        assert key in executing_batches(client)[worker], "the batch ended before the worker could be killed"
        pid = client.run(os.getpid, workers=[worker])[worker]
        os.kill(pid, signal.SIGKILL)
        grading.join(300)
        assert not grading.is_alive(), "grading did not finish after the worker was killed"
        r = outcome["r"]
        assert (r.graded, r.failed) == (sorted(answers), {}), r.summary()
        check_every_grade(f"sqlite:///{course / 'gradebook.db'}", answers)
        client.wait_for_workers(2, timeout=120)  # the nanny started a new worker process
        assert pid not in client.run(os.getpid).values()


@pytest.mark.slow
def test_an_interrupted_client_leaves_whole_students(tmp_path, scheduler, postgres_url):
    from sqlalchemy import create_engine, text
    answers = {f"s{j}": f"answer = {j}" for j in range(5)}
    course = toy_course(tmp_path / "course", answers, db_url=postgres_url, slow=2)
    log = open(tmp_path / "client.log", "w+")
    client = subprocess.Popen([sys.executable, "-m", "rnncourse.grading.parallel", TOY, "--course", str(course),
                               "--scheduler", scheduler, "--db-url", postgres_url, "--batch-size", "1"],
                              stdout=log, stderr=subprocess.STDOUT,
                              # as at a terminal: a suite started in the background (`make test &`)
                              # inherits SIGINT ignored, and Python then never raises KeyboardInterrupt
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 180
    graded = lambda: [s for s in answers if (course / "autograded" / s / TOY).is_dir()]
    while not graded() and client.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    client.send_signal(signal.SIGINT)
    assert client.wait(60) == 130, open(tmp_path / "client.log").read()
    first = graded()
    assert 0 < len(first) < len(answers), f"the interrupt should come mid-run, after {first}"

    db = create_engine(postgres_url)
    with db.connect() as conn:  # every student in the gradebook has all four scores: whole students only
        in_db = sorted(conn.execute(text("SELECT student_id FROM submitted_assignment")).scalars())
        counts = dict(conn.execute(text("SELECT sa.student_id, count(g.auto_score) FROM submitted_assignment sa "
                                        "JOIN submitted_notebook sn ON sn.assignment_id = sa.id "
                                        "JOIN grade g ON g.notebook_id = sn.id GROUP BY sa.student_id")).all())
    db.dispose()
    assert set(first) <= set(in_db) and counts == dict.fromkeys(in_db, 4), (first, counts)
    check_every_grade(postgres_url, {s: answers[s] for s in in_db})

    # The same command again grades the others; its last line sums up (and the progress bar counted them).
    again = subprocess.run([sys.executable, "-m", "rnncourse.grading.parallel", TOY, "--course", str(course),
                            "--scheduler", scheduler, "--db-url", postgres_url], capture_output=True, text=True,
                           timeout=600)
    rest = len(answers) - len(first)
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.fullmatch(rf"{rest} graded, {len(first)} already graded \(use --force to regrade\), 0 failed, in "
                        r"[\d.]+ s \([\d.]+ students/min\) on 2 workers\n", again.stdout), again.stdout
    assert f"{rest}/{rest}" in again.stderr, again.stderr  # tqdm's bar: students graded / to grade
    check_every_grade(postgres_url, answers)
