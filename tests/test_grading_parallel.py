"""Grading a class on a LocalCluster (rnncourse.grading.parallel, no --scheduler) with real nbgrader: every
grade arrives intact, into the default SQLite gradebook and into a real PostgreSQL server started here.

The class grades the toy assignment of grading_fixtures (scores known in advance). Cases: scores 0,
2 and 4, an answer above the maximum, an answer that raises, a file that is not a notebook (it fails
alone, with nbgrader's reason); then a regraded submission. tests/test_grading_cluster.py grades on a
separate scheduler and workers, with a worker killed and the client interrupted.
"""
from __future__ import annotations

import nbformat
import pytest

from grading_fixtures import A, check_every_grade, postgres_url, toy_course  # noqa: F401 (a fixture)
from nbgrader_harness import nb_path
from rnncourse.grading.parallel import batches, grade_class, main as parallel_main

# student -> what they type into the answer cell
ANSWERS = {"s0": "answer = 0", "s2": "answer = 2", "s4": "answer = 4", "s9": "answer = 9",
           "raises": "answer = 1 / 0"}


@pytest.mark.slow
def test_sqlite_class_graded_in_parallel_keeps_every_grade(tmp_path):
    answers = dict(ANSWERS)
    course = toy_course(tmp_path / "course", answers)
    # a submission nbgrader cannot read: it fails (after one retry alone) without costing its batch
    broken = course / nb_path("submitted", A, "broken")
    broken.parent.mkdir(parents=True)
    broken.write_text("{ not a notebook")
    # 2 workers: two nbgrader processes grade three students each, each into its own gradebook
    r = grade_class(course, A, workers=2)
    assert (sorted(r.graded), sorted(r.failed), r.skipped) == (sorted(answers), ["broken"], [])
    assert r.failed["broken"].startswith("nbformat.reader.NotJSONError: Notebook does not appear to be JSON")
    assert "There was an error processing assignment 'toy' for student 'broken'" in r.logs["broken"]
    assert "failed broken: nbformat.reader.NotJSONError" in r.summary()
    check_every_grade(f"sqlite:///{course / 'gradebook.db'}", answers)
    for s in answers:  # each student's autograded notebook is there, with their own answer in it
        nb = nbformat.read(course / nb_path("autograded", A, s), as_version=4)
        assert nb.cells[1].source == answers[s]
    broken.unlink()

    # A second run without force grades nobody: the graded students are kept, their grades too.
    again = grade_class(course, A, workers=2)
    assert (again.graded, sorted(again.skipped)) == ([], sorted(answers))
    # With force (the command line), a changed submission is regraded and replaces the old grades.
    path = course / nb_path("submitted", A, "s0")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = answers["s0"] = "answer = 3"
    nbformat.write(nb, path)
    assert parallel_main([A, "--course", str(course), "--student", "s0", "--force", "--workers", "1"]) == 0
    check_every_grade(f"sqlite:///{course / 'gradebook.db'}", answers)


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


def test_gradebook_without_the_assignment_is_named(tmp_path):
    from nbgrader.api import Base
    from rnncourse.grading.gradebook_rows import engine, template_gradebook
    eng = engine(f"sqlite:///{tmp_path / 'gradebook.db'}")
    Base.metadata.create_all(eng)  # nbgrader's tables, no assignment in them
    eng.dispose()
    with pytest.raises(LookupError, match=r"has 0 assignments named 'toy', expected one: run "
                                          r"`nbgrader generate_assignment toy`"):
        template_gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", A, tmp_path / "template.db")


@pytest.mark.slow
def test_postgres_gradebook_takes_the_class(tmp_path, postgres_url):
    answers = dict(ANSWERS)
    course = toy_course(tmp_path / "course", answers, db_url=postgres_url)
    r = grade_class(course, A, workers=2, db_url=postgres_url)
    assert (sorted(r.graded), r.failed) == (sorted(answers), {}), r.failed
    check_every_grade(postgres_url, answers)
    assert not (course / "gradebook.db").exists(), "nbgrader wrote a SQLite gradebook instead of PostgreSQL's"
