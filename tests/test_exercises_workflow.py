"""The exercises as an instructor uses them, with real nbgrader.

* the committed release (exercises/) is what `nbgrader generate_assignment` makes of solutions/ today;
* every assignment has its catalogue of submissions and its grading test module;
* an LMS download (Canvas file names) goes through zip_collect -> autograde -> manual grade ->
  generate_feedback -> export, and the exported CSV holds the right total for each student.
"""
import csv
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader_harness import (ROOT, answered, assignments, autograde, course_copy, edit, graded_cells,
                              load_catalogue, nb_path, nbgrader)

pytestmark = pytest.mark.slow
NAMES = ("01_rnn_basics", "02_bptt", "03_lstm", "04_gru", "05_bidirectional_attention", "06_applications")


def test_assignment_names_and_files():
    found = assignments()
    assert found, "no assignment in solutions/"
    assert set(found) <= set(NAMES), f"unexpected assignment names {sorted(set(found) - set(NAMES))}; use {NAMES}"
    for a in found:
        for path in (nb_path("exercises", a), Path("tests", "exercise_cases", f"{a}.py"), Path("tests", f"test_exercise_{a}.py")):
            assert (ROOT / path).exists(), f"assignment {a} has no {path}"
        source = nbformat.read(ROOT / nb_path("solutions", a), as_version=4)
        assert not any(c.get("outputs") for c in source.cells if c.cell_type == "code"), \
            f"solutions/{a} is committed with outputs: clear them"
        total = sum(p for p, _ in graded_cells(source).values())
        assert total == load_catalogue(a).TOTAL and total % 10 == 0, f"{a}: points add up to {total}"


def release_files(folder):
    """{relative path: bytes} of every file of a release folder (the notebook and any data files)."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not {".ipynb_checkpoints", "__pycache__"} & set(p.parts)}


@pytest.mark.parametrize("assignment", assignments())
def test_release_is_generated_from_solutions(assignment, tmp_path):
    course = course_copy(tmp_path, [assignment])
    nbgrader(course, "generate_assignment", assignment, "--force", "--no-db")
    fresh = nbformat.read(course / nb_path("exercises", assignment), as_version=4)
    committed = nbformat.read(ROOT / nb_path("exercises", assignment), as_version=4)
    fix = f"regenerate it: `nbgrader generate_assignment {assignment} --force --no-db` from the repository root"
    assert len(fresh.cells) == len(committed.cells), \
        f"exercises/{assignment} has {len(committed.cells)} cells, solutions/ makes {len(fresh.cells)}: {fix}"
    made, have = release_files(course / "exercises" / assignment), release_files(ROOT / "exercises" / assignment)
    assert set(made) == set(have), (f"exercises/{assignment} holds {sorted(map(str, have))}, the release of "
                                    f"solutions/ holds {sorted(map(str, made))}: {fix}")
    for name in made:
        assert name.suffix == ".ipynb" or made[name] == have[name], f"exercises/{assignment}/{name} differs: {fix}"
    for i, (new, old) in enumerate(zip(fresh.cells, committed.cells)):
        where = f"exercises/{assignment} cell {i} ({new.metadata.get('nbgrader', {}).get('grade_id', new.cell_type)})"
        assert (new.cell_type, new.source) == (old.cell_type, old.source), f"{where} differs from solutions/: {fix}"
        assert new.metadata.get("nbgrader") == old.metadata.get("nbgrader"), f"{where}: nbgrader metadata differs: {fix}"


def test_lms_download_to_grades_csv(tmp_path):
    """Three Canvas submissions: complete (plus the hand-graded answer), one mistake, untouched."""
    a = "01_rnn_basics"
    cat = load_catalogue(a)
    course = course_copy(tmp_path / "course", [a])
    source = nbformat.read(ROOT / nb_path("solutions", a), as_version=4)
    release = nbformat.read(ROOT / nb_path("exercises", a), as_version=4)
    cells = graded_cells(source)
    auto_total = sum(p for p, auto in cells.values() if auto)
    manual = [g for g, (_, auto) in cells.items() if not auto]
    mistake = cat.WRONG["readout_bias_missing"]

    # The instructor fills the gradebook: the assignment (with its hidden tests) and the class list.
    nbgrader(course, "generate_assignment", a, "--force")
    (course / "students.csv").write_text("id,last_name,first_name,email\n"
                                         "lovelace,Lovelace,Ada,ada@example.org\n"
                                         "hopper,Hopper,Grace,grace@example.org\n"
                                         "turing,Turing,Alan,alan@example.org\n")
    nbgrader(course, "db", "student", "import", "students.csv")

    # What Canvas' "Download submissions" gives: one zip of renamed notebooks (a late resubmission too).
    complete = answered(release, source)
    partial = answered(release, source)
    edit(partial, mistake["cell"], mistake["find"], mistake["replace"], "readout_bias_missing")
    archive = course / "downloads" / a / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as z:
        z.writestr(f"lovelace_12345_67890_{a}.ipynb", nbformat.writes(complete))
        z.writestr(f"hopper_late_23456_78901_{a}-1.ipynb", nbformat.writes(partial))
        z.writestr(f"turing_34567_89012_{a}.ipynb", nbformat.writes(release))
    nbgrader(course, "zip_collect", a)
    for student in ("lovelace", "hopper", "turing"):
        assert (course / nb_path("submitted", a, student)).exists(), f"zip_collect did not collect {student}'s notebook"

    autograde(course, a)
    # Hand grading (what the formgrader's score box does): full marks for Ada's written answer.
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for grade_id in manual:
            grade = gb.find_grade(grade_id, a, a, "lovelace")
            grade.manual_score = grade.max_score
        gb.db.commit()
    nbgrader(course, "generate_feedback", a)
    for student in ("lovelace", "hopper", "turing"):
        html = (course / "feedback" / student / a / f"{a}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in html and "_reference" not in html, f"{student}'s feedback shows the hidden tests"

    nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    lost = sum(cells[g][0] for g in mistake["breaks"])
    expected = {"lovelace": cat.TOTAL, "hopper": auto_total - lost, "turing": 0}
    got = {s: float(rows[s]["raw_score"]) for s in expected}
    assert got == expected, f"grades.csv totals {got}, expected {expected}"
    assert all(float(rows[s]["max_score"]) == cat.TOTAL for s in expected), "max_score in grades.csv is not the total"
    assert rows["lovelace"]["last_name"] == "Lovelace", "the class list's names did not reach grades.csv"
