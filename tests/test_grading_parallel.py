"""Parallel grading of a class (rnncourse.grading.parallel) with real nbgrader: every grade arrives intact,
into the default SQLite gradebook (private copies merged) and into a real PostgreSQL server started here.

The class grades a small assignment whose score is known in advance: one answer cell sets
``answer``, and test cell k (1 point) passes when ``answer >= k``; a student who answers j
scores exactly min(j, 4) points, cell by cell. Cases: scores 0, 2 and 4, an answer above the
maximum, an answer that raises, a file that is not a notebook (it fails alone); then a regraded
submission.
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
from rnncourse.grading.parallel import batches, grade_class, main as parallel_main

A = "toy"
TESTS = 4
# student -> what they type into the answer cell, and the points each test cell must give
ANSWERS = {"s0": "answer = 0", "s2": "answer = 2", "s4": "answer = 4", "s9": "answer = 9",
           "raises": "answer = 1 / 0"}


def expected(source):
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


def toy_course(where, db_url=None):
    """A temporary course with the toy assignment generated into the gradebook and every ANSWERS submitted."""
    course = course_copy(where, [])
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_markdown_cell("Set `answer`."),
                cell("### BEGIN SOLUTION\nanswer = 4\n### END SOLUTION", "answer", locked=False, solution=True)]
    nb.cells += [cell(f"assert answer >= {k}", f"test_{k}", grade=True, points=1) for k in range(1, TESTS + 1)]
    path = course / nb_path("solutions", A)
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    nbgrader(course, "generate_assignment", A, "--force", *([f"--CourseDirectory.db_url={db_url}"] if db_url else []))
    release = nbformat.read(course / nb_path("exercises", A), as_version=4)
    for student, answer in ANSWERS.items():
        sub = nbformat.from_dict(release)
        sub.cells[1].source = answer
        out = course / nb_path("submitted", A, student)
        out.parent.mkdir(parents=True)
        nbformat.write(sub, out)
    return course


def scores(db_url):
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        return {s: {g.name: g.score for g in gb.find_submission_notebook(A, A, s).grades}
                for s in ANSWERS}


def check_every_grade(db_url):
    got = scores(db_url)
    wrong = {s: (got[s], expected(src)) for s, src in ANSWERS.items() if got[s] != expected(src)}
    assert not wrong, f"grades lost or corrupted (student: (got, expected)): {wrong}"


@pytest.mark.slow
def test_sqlite_class_graded_in_parallel_keeps_every_grade(tmp_path):
    course = toy_course(tmp_path / "course")
    # a submission nbgrader cannot read: it fails (after one retry alone) without costing its batch
    broken = course / nb_path("submitted", A, "broken")
    broken.parent.mkdir(parents=True)
    broken.write_text("{ not a notebook")
    # 2 workers: two nbgrader processes grade three students each, each into its own gradebook copy
    r = grade_class(course, A, workers=2)
    assert (sorted(r.graded), sorted(r.failed), r.skipped) == (sorted(ANSWERS), ["broken"], [])
    assert "There was an error processing assignment 'toy' for student 'broken'" in r.failed["broken"]
    shutil.rmtree(broken.parent.parent)
    check_every_grade(f"sqlite:///{course / 'gradebook.db'}")
    for s in ANSWERS:  # each student's autograded notebook is there, with their own answer in it
        nb = nbformat.read(course / nb_path("autograded", A, s), as_version=4)
        assert nb.cells[1].source == ANSWERS[s]

    # A second run without force grades nobody: the graded students are kept, their grades too.
    again = grade_class(course, A, workers=2)
    assert (again.graded, sorted(again.skipped)) == ([], sorted(ANSWERS))
    # With force (the command line), a changed submission is regraded and replaces the old grades.
    path = course / nb_path("submitted", A, "s0")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = ANSWERS["s0"] = "answer = 3"
    nbformat.write(nb, path)
    assert parallel_main([A, "--course", str(course), "--student", "s0", "--force"]) == 0
    check_every_grade(f"sqlite:///{course / 'gradebook.db'}")


def test_batches_cover_every_student_once():
    students = [f"s{i}" for i in range(7)]
    for workers, size, expected_sizes in ((2, 25, [4, 3]), (2, 3, [3, 2, 2]), (8, 25, [1] * 7)):
        groups = batches(students, workers, size)
        assert sorted(sum(groups, [])) == students and [len(g) for g in groups] == expected_sizes
    assert batches([], 2, 25) == []


def test_missing_gradebook_and_glob_ids_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="generate_assignment toy"):
        grade_class(tmp_path, A)
    (tmp_path / "gradebook.db").touch()
    with pytest.raises(ValueError, match=r"must not contain .*\['a,b', 'odd\[1\]\*'\]"):
        grade_class(tmp_path, A, students=["ok", "odd[1]*", "a,b"])
    (tmp_path / "submitted" / "ok" / A).mkdir(parents=True)
    with pytest.raises(ValueError, match=r"no submission folder submitted/<student>/toy/ for \['nobody'\] "
                                         r"\(found 1 students"):
        grade_class(tmp_path, A, students=["ok", "nobody"])


# ---------------------------------------------------------------- PostgreSQL

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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
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


@pytest.mark.slow
def test_postgres_gradebook_takes_concurrent_graders(tmp_path, postgres_url):
    course = toy_course(tmp_path / "course", db_url=postgres_url)
    r = grade_class(course, A, workers=2, db_url=postgres_url)  # two processes writing at once
    assert (sorted(r.graded), r.failed) == (sorted(ANSWERS), {}), r.failed
    check_every_grade(postgres_url)
    assert not (course / "gradebook.db").exists(), "nbgrader wrote a SQLite gradebook instead of PostgreSQL's"
