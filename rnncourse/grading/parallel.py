"""Grade a whole class on a Dask cluster: this machine's cores, or many machines (Slurm, PBS, Kubernetes).

    python -m rnncourse.grading.parallel 01_rnn_basics                        # a LocalCluster on every core
    python -m rnncourse.grading.parallel 01_rnn_basics --workers 8 --db-url postgresql+psycopg2://user@host/db
    python -m rnncourse.grading.parallel 01_rnn_basics --scheduler tcp://host:8786   # an existing cluster

Run it from the course root (where ``nbgrader_config.py`` is), after ``nbgrader generate_assignment``
has put the assignment in the gradebook and ``nbgrader zip_collect`` (or a copy) has filled
``submitted/<student>/<a>/``. One code path serves a laptop and a cluster: without ``--scheduler``
it starts a ``dask.distributed.LocalCluster`` of ``--workers`` processes (default: every core).

Workers on a cluster (each needs the course's Python environment: ``pip install -c constraints.txt
-e ".[course]"`` or an image built from it; no shared filesystem, no database access):

* any machines: ``dask scheduler`` on one, ``dask worker tcp://<scheduler>:8786 --nthreads 1`` on each;
* Slurm or PBS: ``dask_jobqueue.SLURMCluster(cores=1, processes=1, memory="2GB", ...)`` (or
  ``PBSCluster``) then ``cluster.scale(jobs=N)``; pass ``cluster.scheduler_address`` as ``--scheduler``;
* Kubernetes: the Dask operator (``dask-kubernetes``: ``KubeCluster(name="grading", image=...,
  n_workers=N)``, or a ``DaskCluster`` resource), with the scheduler's service address as ``--scheduler``.

How: the students split into batches (at least one per worker thread, at most ``batch_size``); a
task grades one batch in a private temporary course on its worker
(:func:`rnncourse.grading.worker.grade_batch`: one nbgrader process per batch, so nbgrader's seconds
of start-up are paid once per batch) from what it carries: the release and source files, the course's
nbgrader_config.py, the assignment's rows of the gradebook and the batch's submissions, all as bytes.
It returns the autograded notebooks and the students' gradebook rows. Only this process writes: each
student's rows go into the real gradebook (SQLite file or PostgreSQL URL) in one transaction, then
their ``autograded/<student>/<a>/`` appears at once (a folder renamed into place), exactly as
nbgrader alone writes it; ``nbgrader generate_feedback`` and ``export`` work as usual afterwards.

Faults: a worker that dies mid-batch loses nothing (Dask runs its task again on another worker, up to
``distributed.scheduler.allowed-failures`` times); a task that still fails, or a submission that kills
its worker every time, is split and its students graded one by one, so it costs only the student who
caused it; a student nbgrader cannot grade is failed with the reason, the others are kept. As with
``nbgrader autograde`` without ``--force``, a student who already has ``autograded/<student>/<a>/`` is
skipped, so running again grades exactly the students an interrupted (Ctrl-C) or failed run left,
and the gradebook never holds half a student. Regrading (``--force``) replaces the autograded notebook
and the student's scores, manual ones included, as nbgrader does.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rnncourse.grading import gradebook_rows
from rnncourse.grading.worker import course_bundle, grade_batch, read_tree, write_tree

PARTIAL = ".partial-"   # autograded/<student>/.partial-<a>: a folder being written, renamed when whole


@dataclass
class ClassResult:
    """What happened to each student: graded, already graded (skipped), or failed with a reason."""
    graded: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)   # student -> one-line reason
    logs: dict = field(default_factory=dict)     # failed student -> the tail of nbgrader's log
    seconds: float = 0.0
    workers: int = 1
    write_seconds: float = 0.0                   # of seconds, those spent writing the gradebook and autograded/

    def summary(self):
        """One line: students graded, skipped, failed, time and rate; then one line per failed student."""
        rate = len(self.graded) / self.seconds * 60 if self.seconds else 0.0
        lines = [f"{len(self.graded)} graded, {len(self.skipped)} already graded (use --force to regrade), "
                 f"{len(self.failed)} failed, in {self.seconds:.1f} s ({rate:.1f} students/min) "
                 f"on {self.workers} workers"]
        lines += [f"  failed {s}: {why}" for s, why in sorted(self.failed.items())]
        return "\n".join(lines)


def submitted_students(course, assignment):
    """Sorted ids of the students with a submitted/<student>/<assignment>/ folder."""
    return sorted(p.parent.name for p in Path(course, "submitted").glob(f"*/{assignment}") if p.is_dir())


def sqlite_path(db_url):
    """The file of a sqlite:/// URL, None for any other database."""
    return Path(db_url[len("sqlite:///"):]) if db_url.startswith("sqlite:///") else None


def batches(students, workers, batch_size):
    """students split into at least `workers` batches (when there are that many) of at most batch_size."""
    n = max(min(workers, len(students)), math.ceil(len(students) / batch_size)) if students else 0
    return [students[i::n] for i in range(n)]


def write_autograded(course, assignment, student, files):
    """Make autograded/<student>/<assignment>/ hold exactly files (worker.read_tree), replacing any old one.

    The folder is written beside its place and renamed into it, so that an interrupted run leaves
    either the old folder or the new one, never half of one.
    """
    parent = Path(course, "autograded", student)
    dest, partial, old = parent / assignment, parent / f"{PARTIAL}{assignment}", parent / f".old-{assignment}"
    for leftover in (partial, old):
        shutil.rmtree(leftover, ignore_errors=True)
    write_tree(partial, files)
    if dest.exists():
        dest.rename(old)
    partial.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def dask_client(scheduler=None, workers=None):
    """A dask.distributed Client on the scheduler at that address, or on a new LocalCluster of
    `workers` processes with one thread each (default: every core)."""
    from dask.distributed import Client, LocalCluster
    if scheduler:
        with Client(scheduler, timeout=60) as client:
            yield client
        return
    with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def _bundle(bundle):
    """A task whose result is the bundle: a worker that held it can die, the scheduler recomputes it."""
    return bundle


def grade_class(course, assignment, students=None, workers=None, db_url=None, force=False,
                timeout=3600, batch_size=25, scheduler=None, progress=False):
    """Autograde every submitted student of assignment on Dask (see the module docstring).

    course: the course root; students: ids to grade (default: every folder in submitted/);
    workers: LocalCluster processes when there is no scheduler (default: every core);
    db_url: nbgrader's CourseDirectory.db_url (default: sqlite:///<course>/gradebook.db);
    batch_size: most students one nbgrader process grades (timeout is per process);
    scheduler: address of a running Dask scheduler (tcp://host:8786); progress: a tqdm bar on stderr.
    Returns a ClassResult. Raises FileNotFoundError when a SQLite gradebook does not exist yet,
    LookupError when the gradebook does not have the assignment (run `nbgrader generate_assignment
    <assignment>` first), ValueError for a student id nbgrader cannot take or without a submission folder.
    """
    from dask.distributed import as_completed
    from tqdm import tqdm

    course = Path(course).resolve()
    everyone = submitted_students(course, assignment)
    students = list(students) if students is not None else everyone
    db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    main_db = sqlite_path(db_url)
    if main_db is not None and not main_db.is_file():
        raise FileNotFoundError(f"no gradebook at {main_db}: run `nbgrader generate_assignment {assignment}` "
                                "in the course root first")
    # nbgrader takes --student as a file glob
    odd = [s for s in set(students) | set(everyone) if set(s) & set("*?[],") or s != s.strip()]
    if odd:
        raise ValueError("student ids must not contain *, ?, [, ], commas or surrounding spaces (nbgrader reads "
                         f"them as patterns and lists), got {sorted(odd)}")
    missing = sorted(set(students) - set(everyone))
    if missing:
        raise ValueError(f"no submission folder submitted/<student>/{assignment}/ for {missing} "
                         f"(found {len(everyone)} students with one)")
    result = ClassResult()
    todo = []
    for s in students:
        if not force and (course / "autograded" / s / assignment).exists():
            result.skipped.append(s)
        else:
            todo.append(s)

    start = time.perf_counter()
    db = gradebook_rows.engine(db_url)
    with tempfile.TemporaryDirectory(prefix="grade_class_") as tmp, dask_client(scheduler, workers) as client, \
            tqdm(total=len(todo), unit="student", desc=assignment, disable=not progress, file=sys.stderr) as bar:
        bundle = course_bundle(course, assignment, db_url, tmp, timeout)
        if scheduler:
            client.wait_for_workers(1, timeout=300)
        threads = lambda: max(1, sum(client.nthreads().values()))
        result.workers = threads()
        held = client.submit(_bundle, bundle, pure=False)
        queue = batches(todo, result.workers, batch_size)
        running = {}
        done = as_completed()

        def submit(batch):
            # read when submitted, not all at once: a large class stays out of memory
            with db.connect() as conn:
                rows = gradebook_rows.student_rows(conn, bundle.assignment_id, batch)
            subs = {s: read_tree(course / "submitted" / s / assignment) for s in batch}
            future = client.submit(grade_batch, held, subs, rows, pure=False, retries=1)
            running[future] = batch
            done.add(future)

        while queue or running:
            while queue and len(running) < 2 * threads():  # every worker busy, one batch waiting for each
                submit(queue.pop(0))
            future = next(done)
            batch = running.pop(future)
            try:
                graded = future.result()
            except Exception as e:  # the task failed after Dask's retries, or its workers kept dying
                if len(batch) > 1:
                    queue[:0] = [[s] for s in batch]   # one by one: only the student who causes it fails
                    continue
                result.failed[batch[0]] = f"{type(e).__name__}: {e}"[:300]
                bar.update(1)
                continue
            for s, r in graded.items():
                if r.ok:
                    started = time.perf_counter()
                    with db.begin() as conn:  # one transaction per student, then their folder
                        gradebook_rows.replace_submission(conn, bundle.assignment_id, s, r.rows)
                    write_autograded(course, assignment, s, r.files)
                    result.write_seconds += time.perf_counter() - started
                    result.graded.append(s)
                else:
                    result.failed[s], result.logs[s] = r.reason, r.log
                bar.update(1)
    db.dispose()
    result.graded.sort()
    result.seconds = time.perf_counter() - start
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m rnncourse.grading.parallel",
                                 description="Autograde every submission of an assignment on a Dask cluster "
                                             "(this machine's cores unless --scheduler names one).")
    ap.add_argument("assignment")
    ap.add_argument("--course", default=".", help="course root (default: the current folder)")
    ap.add_argument("--scheduler", default=None,
                    help="address of a running Dask scheduler, e.g. tcp://host:8786 (default: a LocalCluster here)")
    ap.add_argument("--workers", type=int, default=None,
                    help="LocalCluster processes, without --scheduler (default: all cores)")
    ap.add_argument("--db-url", default=None,
                    help="nbgrader's CourseDirectory.db_url (default: sqlite:///<course>/gradebook.db)")
    ap.add_argument("--student", action="append", help="grade only this student (repeatable)")
    ap.add_argument("--force", action="store_true", help="regrade students already graded")
    ap.add_argument("--batch-size", type=int, default=25, help="most students per nbgrader process (default 25)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds one nbgrader process may take (default 3600)")
    args = ap.parse_args(argv)
    if args.scheduler and args.workers:
        ap.error("--workers sets the size of a LocalCluster; with --scheduler, the cluster has its own workers")
    try:
        r = grade_class(args.course, args.assignment, args.student, args.workers, args.db_url, args.force,
                        args.timeout, args.batch_size, args.scheduler, progress=True)
    except (FileNotFoundError, LookupError, ValueError) as e:
        ap.error(str(e))
    except KeyboardInterrupt:
        print("interrupted: every student graded so far is whole in the gradebook and autograded/; "
              "run the same command again to grade the others", file=sys.stderr)
        return 130
    print(r.summary())
    for s, log in r.logs.items():
        print(f"--- {s}: the end of nbgrader's log\n{log}", file=sys.stderr)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
