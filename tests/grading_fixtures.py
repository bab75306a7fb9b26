"""What the class-grading tests share: a toy assignment whose scores are known in advance, and a
PostgreSQL server of their own.

The toy assignment: one answer cell sets ``answer``, and test cell k (1 point) passes when
``answer >= k``; a student who answers j scores exactly min(j, 4) points, cell by cell. With
``slow=s`` a locked cell before the tests sleeps s seconds, so that a batch runs long enough to be
interrupted or to lose its worker.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nbgrader_harness import course_copy, nb_path, nbgrader

A = "toy"
TESTS = 4


def expected(source):
    """{test cell: points} the answer `source` earns (0 everywhere when it raises)."""
    try:
        scope = {}
        exec(source, scope)
        j = scope["answer"]
    except ZeroDivisionError:
        return {f"test_{k}": 0.0 for k in range(1, TESTS + 1)}
    return {f"test_{k}": float(j >= k) for k in range(1, TESTS + 1)}


def cell(source, grade_id, **md):
    c = new_code_cell(source) if md.pop("code", True) else new_markdown_cell(source)
    c.metadata["nbgrader"] = dict(schema_version=3, grade_id=grade_id, locked=md.pop("locked", True),
                                  solution=md.pop("solution", False), grade=md.pop("grade", False), **md)
    return c


def toy_course(where, answers, db_url=None, slow=0):
    """A temporary course with the toy assignment generated into the gradebook and every answer submitted
    (answers: {student: the answer cell's code})."""
    course = course_copy(where, [])
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_markdown_cell("Set `answer`."),
                cell("### BEGIN SOLUTION\nanswer = 4\n### END SOLUTION", "answer", locked=False, solution=True)]
    if slow:
        nb.cells.append(cell(f"import time\ntime.sleep({slow})", "slow"))
    nb.cells += [cell(f"assert answer >= {k}", f"test_{k}", grade=True, points=1) for k in range(1, TESTS + 1)]
    path = course / nb_path("solutions", A)
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    nbgrader(course, "generate_assignment", A, "--force", *([f"--CourseDirectory.db_url={db_url}"] if db_url else []))
    release = nbformat.read(course / nb_path("exercises", A), as_version=4)
    for student, answer in answers.items():
        sub = nbformat.from_dict(release)
        sub.cells[1].source = answer
        out = course / nb_path("submitted", A, student)
        out.parent.mkdir(parents=True)
        nbformat.write(sub, out)
    return course


def scores(db_url, students, assignment=A):
    """{student: {grade cell: score}} from the gradebook at db_url."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        return {s: {g.name: g.score for g in gb.find_submission_notebook(assignment, assignment, s).grades}
                for s in students}


def check_every_grade(db_url, answers):
    got = scores(db_url, answers)
    wrong = {s: (got[s], expected(src)) for s, src in answers.items() if got[s] != expected(src)}
    assert not wrong, f"grades lost or corrupted (student: (got, expected)): {wrong}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    assert initdb, ("PostgreSQL's server is not installed: `make test` installs Debian's postgresql "
                    "(as root); otherwise run `sudo apt-get install postgresql`")
    return Path(initdb).parent


@pytest.fixture
def postgres_url():
    """A PostgreSQL server of our own on a free local port, stopped and deleted afterwards."""
    bindir = pg_bin()
    data = Path(tempfile.mkdtemp(prefix="rnncourse_pg_"))  # not under pytest's tmp: the server user reads it
    as_user = []
    if os.geteuid() == 0:  # the server refuses to run as root: run it as Debian's postgres user
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    run = lambda *a: subprocess.run(as_user + [str(bindir / a[0]), *a[1:]], check=True, capture_output=True,
                                    text=True, timeout=120)
    run("initdb", "-D", str(data / "db"), "-A", "trust", "-U", "nbgrader")
    run("pg_ctl", "-D", str(data / "db"), "-w", "-l", str(data / "log"), "-o",
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", "start")
    try:
        run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "nbgrader", "gradebook")
        yield f"postgresql+psycopg2://nbgrader@127.0.0.1:{port}/gradebook"
    finally:
        run("pg_ctl", "-D", str(data / "db"), "-w", "-m", "fast", "stop")
        shutil.rmtree(data, ignore_errors=True)
