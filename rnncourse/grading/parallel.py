"""Grade a whole class in parallel: the students split into batches, one ``nbgrader autograde <a>``
process per batch, ``workers`` processes at a time, so that every core grades.

    python -m rnncourse.grading.parallel 01_rnn_basics                # all cores, SQLite gradebook
    python -m rnncourse.grading.parallel 01_rnn_basics --workers 8 --db-url postgresql+psycopg2://user@host/db

Run it from the course root (where ``nbgrader_config.py`` is), after ``nbgrader generate_assignment``
has put the assignment in the gradebook and ``nbgrader zip_collect`` (or a copy) has filled
``submitted/<student>/<a>/``.

Why batches: an nbgrader process spends seconds of CPU starting (imports, the gradebook's migration
check) before it grades anything; one process per student would pay that for every student and, on
a few cores, grade no faster than nbgrader alone. A batch process grades its students one after the
other (nbgrader's ``CourseDirectory.student_id_exclude`` leaves out everyone else), so the start-up
is paid once per batch. Batches hold at most ``batch_size`` students and there are at least
``workers`` of them, so every worker has work and a failure costs little.

The gradebook:

* a PostgreSQL server (``--db-url postgresql+psycopg2://...``, nbgrader's ``CourseDirectory.db_url``)
  takes concurrent writers: every process writes its students' grades into it directly;
* SQLite (the default, ``gradebook.db`` in the course root) does not: concurrent writers wait on a
  file lock and fail with "database is locked" once the wait is too long. So every batch is graded
  into a private copy of the gradebook, and this process, the only writer of the real one, merges each
  student's rows (student, submitted assignment and notebooks, grades, comments) into it as the
  batches finish, one transaction per student. nbgrader's ids are random UUIDs, so merged rows never
  collide.

As with ``nbgrader autograde`` without ``--force``, a student who already has
``autograded/<student>/<a>/`` is skipped (reported as "already graded"): regrading replaces the
autograded notebook and the gradebook's scores, manual ones included, so it needs ``force=True``.
A student whose grading fails (nbgrader names them in its log, or the batch process died) is
retried once on their own, because a Jupyter kernel now and then fails to start when many start
at once; the result says which students failed and why.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

NBGRADER = str(Path(sys.executable).with_name("nbgrader"))


@dataclass
class ClassResult:
    """What happened to each student: graded, already graded (skipped), or failed with nbgrader's log."""
    graded: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)   # student -> last lines of nbgrader's output
    seconds: float = 0.0
    workers: int = 1


def submitted_students(course, assignment):
    """Sorted ids of the students with a submitted/<student>/<assignment>/ folder."""
    return sorted(p.parent.name for p in Path(course, "submitted").glob(f"*/{assignment}") if p.is_dir())


def sqlite_path(db_url):
    """The file of a sqlite:/// URL, None for any other database."""
    return Path(db_url[len("sqlite:///"):]) if db_url.startswith("sqlite:///") else None


def autograde(course, assignment, batch, everyone, db_url, force, timeout):
    """One `nbgrader autograde <assignment>` process grading the students in batch, everyone else in the
    list everyone left out, with the gradebook at db_url: ({student: ok}, log tail)."""
    # nbgrader runs `alembic` (the gradebook's migrations) as a command: it must be on PATH.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(NBGRADER).parent), os.environ.get("PATH", "")]))
    args = [NBGRADER, "autograde", assignment, f"--CourseDirectory.db_url={db_url}"]
    if len(batch) == 1:
        args.append(f"--student={batch[0]}")
    else:
        others = sorted(set(everyone) - set(batch))
        if others:
            args.append(f"--CourseDirectory.student_id_exclude={','.join(others)}")
    if force:
        args.append("--force")
    try:
        proc = subprocess.run(args, cwd=course, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {s: False for s in batch}, f"nbgrader did not finish in {timeout} s"
    log = proc.stdout + proc.stderr
    # nbgrader goes on after a student it cannot grade, then names every such student and exits
    # non-zero; a process that stopped without naming anyone leaves the whole batch unconfirmed
    named = set(re.findall(rf"There was an error processing assignment '{re.escape(assignment)}' "
                           r"for student '([^']*)'", log))
    finished = named or (proc.returncode == 0 and "There was an error processing" not in log)
    return {s: bool(finished) and s not in named for s in batch}, log[-3000:]


def batches(students, workers, batch_size):
    """students split into at least `workers` batches (when there are that many) of at most batch_size."""
    n = max(min(workers, len(students)), math.ceil(len(students) / batch_size)) if students else 0
    return [students[i::n] for i in range(n)]


def merge_student(main_db, shard_db, assignment, student):
    """Copy one student's submission of assignment from shard_db into main_db, in one transaction.

    Both are nbgrader SQLite gradebooks, shard_db a copy of main_db made before grading; a
    submission main_db already holds for this student is replaced.
    """
    con = sqlite3.connect(main_db, timeout=60)
    try:
        con.execute("ATTACH DATABASE ? AS shard", (str(shard_db),))
        with con:
            sub = ("SELECT s.id FROM {db}.submitted_assignment s JOIN {db}.assignment a ON s.assignment_id = a.id "
                   "WHERE a.name = ? AND s.student_id = ?")
            nbs = "SELECT id FROM {db}.submitted_notebook WHERE assignment_id IN (" + sub + ")"
            for table, key in (("grade", "notebook_id"), ("comment", "notebook_id")):
                con.execute(f"DELETE FROM main.{table} WHERE {key} IN ({nbs.format(db='main')})", (assignment, student))
            con.execute(f"DELETE FROM main.submitted_notebook WHERE id IN ({nbs.format(db='main')})", (assignment, student))
            con.execute(f"DELETE FROM main.submitted_assignment WHERE id IN ({sub.format(db='main')})", (assignment, student))
            con.execute("INSERT OR IGNORE INTO main.student SELECT * FROM shard.student WHERE id = ?", (student,))
            con.execute(f"INSERT INTO main.submitted_assignment SELECT * FROM shard.submitted_assignment "
                        f"WHERE id IN ({sub.format(db='shard')})", (assignment, student))
            con.execute(f"INSERT INTO main.submitted_notebook SELECT * FROM shard.submitted_notebook "
                        f"WHERE id IN ({nbs.format(db='shard')})", (assignment, student))
            for table in ("grade", "comment"):
                con.execute(f"INSERT INTO main.{table} SELECT * FROM shard.{table} "
                            f"WHERE notebook_id IN ({nbs.format(db='shard')})", (assignment, student))
    finally:
        con.close()


def grade_class(course, assignment, students=None, workers=None, db_url=None, force=False,
                timeout=3600, batch_size=25, log=None):
    """Autograde every submitted student of assignment, ``workers`` processes at a time (default: all cores).

    course: the course root; students: ids to grade (default: every folder in submitted/);
    db_url: nbgrader's CourseDirectory.db_url (default: sqlite:///<course>/gradebook.db);
    batch_size: most students one nbgrader process grades (timeout is per process).
    Returns a ClassResult. Raises FileNotFoundError when a SQLite gradebook does not exist yet
    (run `nbgrader generate_assignment <assignment>` first), ValueError for a student id nbgrader
    cannot take or without a submission folder.
    """
    course = Path(course).resolve()
    everyone = submitted_students(course, assignment)
    students = list(students) if students is not None else everyone
    workers = max(1, workers or os.cpu_count() or 1)
    db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    main_db = sqlite_path(db_url)
    if main_db is not None and not main_db.is_file():
        raise FileNotFoundError(f"no gradebook at {main_db}: run `nbgrader generate_assignment {assignment}` "
                                "in the course root first")
    # nbgrader takes --student as a file glob and student_id_exclude as a comma-separated list
    odd = [s for s in set(students) | set(everyone) if set(s) & set("*?[],") or s != s.strip()]
    if odd:
        raise ValueError("student ids must not contain *, ?, [, ], commas or surrounding spaces (nbgrader reads "
                         f"them as patterns and lists), got {sorted(odd)}")
    missing = sorted(set(students) - set(everyone))
    if missing:
        raise ValueError(f"no submission folder submitted/<student>/{assignment}/ for {missing} "
                         f"(found {len(everyone)} students with one)")
    result = ClassResult(workers=workers)
    todo = []
    for s in students:
        if not force and (course / "autograded" / s / assignment).exists():
            result.skipped.append(s)
        else:
            todo.append(s)

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="grade_class_") as tmp:
        groups = batches(todo, workers, batch_size)
        shards = {}
        if main_db is not None:  # every private copy is made before any merge writes to the real one
            for i in range(len(groups)):
                shards[i] = Path(tmp, f"{i}.db")
                shutil.copyfile(main_db, shards[i])

        def grade(i):
            url = f"sqlite:///{shards[i]}" if main_db is not None else db_url
            ok, out = autograde(course, assignment, groups[i], everyone + todo, url, force, timeout)
            logs = {s: out for s in groups[i]}
            for s in [s for s in groups[i] if not ok[s]]:  # once more, alone: a kernel that failed to start
                again, logs[s] = autograde(course, assignment, [s], everyone, url, True, timeout)
                ok[s] = again[s]
            return i, ok, logs

        with ThreadPoolExecutor(workers) as pool:
            for future in as_completed([pool.submit(grade, i) for i in range(len(groups))]):
                i, ok, logs = future.result()
                for s in groups[i]:
                    if not ok[s]:
                        result.failed[s] = logs[s]
                        continue
                    if main_db is not None:  # merges run here, in one thread: the only writer of main_db
                        merge_student(main_db, shards[i], assignment, s)
                    result.graded.append(s)
                if log:
                    log(f"graded {len(result.graded)}/{len(todo)} ({len(result.failed)} failed)")
    result.graded.sort()
    result.seconds = time.perf_counter() - start
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m rnncourse.grading.parallel",
                                 description="Autograde every submission of an assignment in parallel.")
    ap.add_argument("assignment")
    ap.add_argument("--course", default=".", help="course root (default: the current folder)")
    ap.add_argument("--workers", type=int, default=None, help="processes at a time (default: all cores)")
    ap.add_argument("--db-url", default=None,
                    help="nbgrader's CourseDirectory.db_url (default: sqlite:///<course>/gradebook.db)")
    ap.add_argument("--student", action="append", help="grade only this student (repeatable)")
    ap.add_argument("--force", action="store_true", help="regrade students already graded")
    ap.add_argument("--batch-size", type=int, default=25, help="most students per nbgrader process (default 25)")
    args = ap.parse_args(argv)
    try:
        r = grade_class(args.course, args.assignment, args.student, args.workers, args.db_url, args.force,
                        batch_size=args.batch_size, log=lambda m: print(m, file=sys.stderr))
    except (FileNotFoundError, ValueError) as e:
        ap.error(str(e))
    print(f"{len(r.graded)} graded, {len(r.skipped)} already graded (use --force to regrade), "
          f"{len(r.failed)} failed, in {r.seconds:.1f} s with {r.workers} workers")
    for s, out in r.failed.items():
        print(f"--- {s} failed:\n{out}", file=sys.stderr)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
