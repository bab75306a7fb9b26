"""Bad files in a class of 01_rnn_basics: reported clearly by the pre-flight check, the rest graded by nbgrader.

The class: an honest student, a notebook carrying 100 MB of outputs (generated here), an empty file, a
file that is not JSON, a notebook of nbformat 3, a notebook under the wrong file name, a folder without
the notebook, and a student the gradebook does not know.
"""
import csv
import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_output
from nbgrader_harness import ROOT, answered, course_copy, graded_cells, nb_path, nbgrader

pytestmark = pytest.mark.slow
A = "01_rnn_basics"
SOURCE = nbformat.read(ROOT / nb_path("solutions", A), as_version=4)
RELEASE = nbformat.read(ROOT / nb_path("exercises", A), as_version=4)
AUTO_TOTAL = sum(p for p, auto in graded_cells(SOURCE).values() if auto)
V3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}


@pytest.fixture(scope="module")
def bad_class(tmp_path_factory):
    course = course_copy(tmp_path_factory.mktemp("badfiles") / "course", [A])
    nbgrader(course, "generate_assignment", A, "--force")
    students = ["honest", "huge", "empty", "notjson", "nbformat3", "renamed", "nothing"]
    for s in students:
        nbgrader(course, "db", "student", "add", s)
    def path(student, name=f"{A}.ipynb"):
        p = course / "submitted" / student / A / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p
    solved = answered(RELEASE, SOURCE)
    nbformat.write(solved, path("honest"))
    huge = answered(RELEASE, SOURCE)
    huge.cells[1].outputs = [new_output("stream", name="stdout", text="x" * (100 * 2**20))]
    nbformat.write(huge, path("huge"))
    path("empty").write_bytes(b"")
    path("notjson").write_text("this is my homework, sorry it is late")
    path("nbformat3").write_text(json.dumps(V3))
    nbformat.write(solved, path("renamed", "homework_final.ipynb"))
    path("nothing").parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(solved, path("stranger"))  # not in the gradebook
    check = subprocess.run([sys.executable, "-m", "rnncourse.grading.check_submissions", A], cwd=course,
                           capture_output=True, text=True, timeout=120)
    graded = nbgrader(course, "autograde", A, "--force", "--Execute.timeout=20", check=False, timeout=900)
    nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv", newline="") as f:
        rows = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(f) if r["assignment"] == A}
    return check, graded, rows


def test_preflight_names_every_bad_file(bad_class):
    check = bad_class[0]
    assert check.returncode == 1, check.stdout
    lines = check.stdout.splitlines()
    expect = {"huge": "more than 20 MB", "empty": "is an empty file", "notjson": "is not JSON",
              "nbformat3": "nbformat 3, expected 4", "renamed": "rename it to 01_rnn_basics.ipynb",
              "nothing": "has no 01_rnn_basics.ipynb", "stranger": "is not a student in gradebook.db"}
    for student, words in expect.items():
        assert any(l.startswith(f"{student}:") and words in l for l in lines), f"{student}: not reported:\n{check.stdout}"
    assert not any(l.startswith("honest:") for l in lines), check.stdout


def test_rest_of_class_graded(bad_class):
    _, graded, rows = bad_class
    assert rows.get("honest") == AUTO_TOTAL and rows.get("huge") == AUTO_TOTAL, (rows, graded.stderr[-3000:])
    for s in ("empty", "notjson", "nbformat3", "renamed", "nothing"):
        assert rows.get(s) == 0, f"{s}: {rows.get(s)} in grades.csv"
    for s in ("empty", "notjson"):
        assert f"for student '{s}'" in graded.stderr, f"nbgrader did not report {s}'s file"
