"""Grade real submissions of an assignment with real nbgrader, and check the scores.

How an assignment is proven (one thin test module per assignment, ``tests/test_exercise_<assignment>.py``,
so that ``pytest -n 2 --dist loadfile`` grades assignments in parallel)::

    # (a docstring naming the assignment)
    from nbgrader_harness import assignment_tests

    graded, test_submission = assignment_tests("01_rnn_basics")

To add an assignment ``<a>``:

1. write ``solutions/<a>/<a>.ipynb``, cells with ``metadata["nbgrader"]`` (schema_version 3, unique grade_id):
   answers ``solution: true, grade: false, locked: false`` (code between ``### BEGIN SOLUTION`` and
   ``### END SOLUTION``); tests ``grade: true, solution: false, locked: true, points: n`` (hidden part between
   ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``); written answers: a markdown cell
   ``solution: true, grade: true, points: n`` holding the model answer, after a locked markdown cell with
   the question (the release replaces the whole answer cell by "YOUR ANSWER HERE"); everything else
   ``locked: true``. Commit it without outputs. Points add up to a round TOTAL.
   A hidden test can refuse the reference: ``mock.patch.object(rnncourse.rnn, "sequence_forward", refuse)``
   replaces a name in the module's globals, so every reference function that uses it raises, however the
   student imported it (see solutions/01_rnn_basics and 02_bptt);
2. generate the release: ``nbgrader generate_assignment <a> --force --no-db`` from the repository root
   (``--no-db``: no gradebook.db in the repository);
3. write the catalogue ``tests/exercise_cases/<a>.py`` and the three-line module above as
   ``tests/test_exercise_<a>.py``. The catalogue is plain data::

    ASSIGNMENT = "01_rnn_basics"
    TOTAL = 50            # sum of the points of every graded cell (autograded tests + manually graded)
    WRONG = {             # typical mistakes, each an edit of the solution code of ONE answer cell
        "transposed_weights": dict(cell="rnn_step",            # grade_id of the answer cell
                                   find="x @ W_ih.T",          # must occur exactly once in its solution code
                                   replace="x @ W_ih",
                                   breaks={"test_rnn_step_values"}),  # test cells that must lose points
    }
    ALTERNATIVE = {       # other correct answers: the whole code of one answer cell; full marks
        "loop_over_time": dict(cell="rnn_forward", source="def rnn_forward(...):\\n    ..."),
    }

A WRONG case may also give ``edits=[(cell, find, replace), ...]`` instead of cell/find/replace when one
mistake needs several edits (in one answer cell or in two).

What is graded, in ONE ``nbgrader autograde <a>`` call in a temporary copy of the course:

* ``solution``: the committed release with the solution code typed into every answer cell (the code
  between the BEGIN/END SOLUTION markers, i.e. the solution cell without its markers); must get full marks;
* ``release``: the release untouched; every autograded test must score zero;
* ``wrong_<name>``: the solution with one mistake; loses points on exactly the ``breaks`` cells;
* ``alt_<name>``: the solution with one answer cell replaced; full marks.

Scores come from nbgrader's gradebook (``nbgrader.api.Gradebook``), per grade cell. Manually graded
cells are not scored by autograde; they count in TOTAL only.
"""
from __future__ import annotations

import copy
import importlib.util
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).resolve().parent / "exercise_cases"
NBGRADER = str(Path(sys.executable).with_name("nbgrader"))
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
COURSE_FILES = ("nbgrader_config.py",)


# ---------------------------------------------------------------- the course and nbgrader

def assignments():
    """Names of the assignments that have a source notebook in solutions/."""
    return sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def nb_path(top, assignment, student=None):
    """solutions/<a>/<a>.ipynb (top = "solutions" or "exercises") or <top>/<student>/<a>/<a>.ipynb."""
    parts = [top] + ([student] if student else []) + [assignment, assignment + ".ipynb"]
    return Path(*parts)


def course_copy(dest, assignments_=None):
    """A working copy of the course in dest: config, sources and releases (nothing else)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, dest / name)
    for a in assignments_ or assignments():
        for top in ("solutions", "exercises"):
            if (ROOT / top / a).is_dir():
                shutil.copytree(ROOT / top / a, dest / top / a, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def nbgrader(course, *args, timeout=900, check=True):
    """Run `nbgrader <args>` with course as the course root; fail with nbgrader's log on error (if check)."""
    # nbgrader runs `alembic` (the gradebook's migrations) as a command: it must be on PATH.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(NBGRADER).parent), os.environ.get("PATH", "")]))
    proc = subprocess.run([NBGRADER, *args], cwd=course, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}) in {course}:\n"
                             f"{first_traceback(proc.stderr)}{proc.stdout[-3000:]}\n{proc.stderr[-4000:]}")
    return proc


def autograde(course, assignment):
    """`nbgrader autograde <assignment>`, once more for the submissions that errored.

    When several test processes start Jupyter kernels at once, a kernel now and then fails to
    start (nbgrader then reports "There was an error processing assignment ... for student ...",
    and leaves that student ungraded). Without --force, autograde grades only the students
    without a result, so the second run redoes exactly those; a submission that breaks nbgrader
    every time still fails, with the first traceback in the message.
    """
    try:
        return nbgrader(course, "autograde", assignment, "--force")
    except AssertionError as first:
        warnings.warn(f"autograde {assignment} errored once; grading the ungraded submissions again. "
                      f"The first error: {str(first)[:2000]}")
        return nbgrader(course, "autograde", assignment)


def first_traceback(log, size=4000):
    """The first traceback in nbgrader's log, which the log's tail (a summary) no longer shows."""
    start = log.find("Traceback")
    return "" if start < 0 else f"first traceback:\n{log[start:start + size]}\n...\n"


def is_test_cell(cell):
    """An autograded test: a graded code cell that is not an answer."""
    md = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and md.get("grade", False) and not md.get("solution", False)


def graded_cells(nb):
    """{grade_id: (points, autograded?)} for every graded cell of a notebook."""
    out = {}
    for cell in nb.cells:
        md = cell.metadata.get("nbgrader", {})
        if md.get("grade", False):
            out[md["grade_id"]] = (float(md.get("points", 0)), is_test_cell(cell))
    return out


def cell_by_id(nb, grade_id):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(f"no cell with grade_id {grade_id!r}")


# ---------------------------------------------------------------- building submissions

def solution_code(source):
    """What a student types: the solution cell without its BEGIN/END SOLUTION marker lines."""
    return "\n".join(line for line in source.split("\n") if line.strip() not in (BEGIN, END))


def load_catalogue(assignment):
    path = CASES_DIR / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"exercise_cases_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.ASSIGNMENT == assignment, f"{path}: ASSIGNMENT is {module.ASSIGNMENT!r}, expected {assignment!r}"
    return module


def case_ids(assignment):
    cat = load_catalogue(assignment)
    return (["solution", "release"] + [f"wrong_{n}" for n in cat.WRONG]
            + [f"alt_{n}" for n in cat.ALTERNATIVE])


def answered(release, source):
    """The release notebook with every answer cell holding the solution code (text for written answers)."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        md = cell.metadata.get("nbgrader", {})
        if md.get("solution", False):
            cell.source = solution_code(cell_by_id(source, md["grade_id"]).source)
    return nb


def edit(nb, cell_id, find, replace, case):
    cell = cell_by_id(nb, cell_id)
    assert cell.metadata["nbgrader"].get("solution"), f"{case}: {cell_id!r} is not an answer cell"
    n = cell.source.count(find)
    assert n == 1, f"{case}: `{find}` occurs {n} times in answer cell {cell_id!r} (must be exactly once)"
    cell.source = cell.source.replace(find, replace)


def submissions(assignment, release, source, cat):
    """{student id: notebook} for every case of the catalogue."""
    solved = answered(release, source)
    subs = {"solution": solved, "release": copy.deepcopy(release)}
    for name, w in cat.WRONG.items():
        nb = copy.deepcopy(solved)
        for cell_id, find, replace in w.get("edits") or [(w["cell"], w["find"], w["replace"])]:
            edit(nb, cell_id, find, replace, f"WRONG[{name!r}]")
        subs[f"wrong_{name}"] = nb
    for name, a in cat.ALTERNATIVE.items():
        nb = copy.deepcopy(solved)
        cell = cell_by_id(nb, a["cell"])
        assert cell.metadata["nbgrader"].get("solution"), f"ALTERNATIVE[{name!r}]: {a['cell']!r} is not an answer cell"
        cell.source = a["source"]
        subs[f"alt_{name}"] = nb
    return subs


# ---------------------------------------------------------------- grading and reading scores

@dataclass
class Graded:
    assignment: str
    catalogue: object
    cells: dict                      # grade_id -> (points, autograded?)
    scores: dict = field(default_factory=dict)  # student -> {grade_id: auto score}
    course: Path = None


def write_submissions(course, assignment, notebooks):
    """Put each student's notebook where `nbgrader autograde` looks: submitted/<student>/<assignment>/."""
    for student, nb in notebooks.items():
        path = Path(course) / nb_path("submitted", assignment, student)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)


def read_scores(course, assignment, students):
    """{student: {grade_id: score}} from nbgrader's gradebook (autograded scores; None if not scored)."""
    from nbgrader.api import Gradebook
    out = {}
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gb:
        for student in students:
            sub = gb.find_submission_notebook(assignment, assignment, student)
            out[student] = {g.name: g.score for g in sub.grades}
    return out


def grade_assignment(assignment, workdir):
    """Build every submission of the catalogue and grade them all in one `nbgrader autograde` call."""
    cat = load_catalogue(assignment)
    course = course_copy(Path(workdir) / "course", [assignment])
    source = nbformat.read(ROOT / nb_path("solutions", assignment), as_version=4)
    release = nbformat.read(ROOT / nb_path("exercises", assignment), as_version=4)
    cells = graded_cells(source)
    total = sum(p for p, _ in cells.values())
    assert total == cat.TOTAL, f"{assignment}: the graded cells add up to {total} points, the catalogue says {cat.TOTAL}"
    for name, w in cat.WRONG.items():
        unknown = set(w["breaks"]) - {g for g, (_, auto) in cells.items() if auto}
        assert w["breaks"] and not unknown, f"WRONG[{name!r}]: breaks must name autograded test cells; unknown: {unknown}"

    # The instructor's step that fills the gradebook with the assignment, its cells and hidden tests.
    nbgrader(course, "generate_assignment", assignment, "--force")
    subs = submissions(assignment, release, source, cat)
    write_submissions(course, assignment, subs)
    autograde(course, assignment)
    return Graded(assignment, cat, cells, read_scores(course, assignment, subs), course)


def check_case(graded, case):
    """Assert the scores of one case (see the module docstring); the message names case, cells and scores."""
    auto = {g: p for g, (p, is_auto) in graded.cells.items() if is_auto}
    got = graded.scores[case]
    if case == "release":
        expect = {g: 0.0 for g in auto}
        bad = {g: got[g] for g in auto if got[g] != 0}
        what = "the untouched release must score zero on every autograded test"
    else:
        breaks = graded.catalogue.WRONG[case[len("wrong_"):]]["breaks"] if case.startswith("wrong_") else set()
        expect = {g: (f"< {p:g}" if g in breaks else p) for g, p in auto.items()}
        bad = {g: got[g] for g, p in auto.items() if (got[g] >= p if g in breaks else got[g] != p)}
        what = ("must lose points exactly on " + ", ".join(sorted(breaks)) if breaks else "must get full marks")
    if bad:
        detail = "\n".join(f"  {g}: scored {got[g]}, expected {expect[g]}" for g in sorted(bad))
        log = graded.course / nb_path("autograded", graded.assignment, case)
        raise AssertionError(f"{graded.assignment} / {case}: {what}; wrong cells:\n{detail}\n"
                             f"all scores: {got}\n(graded notebook: {log})")


def assignment_tests(assignment):
    """The fixture and the test of one assignment's module: every case of its catalogue, graded at once."""
    @pytest.fixture(scope="module")
    def graded(tmp_path_factory):
        return grade_assignment(assignment, tmp_path_factory.mktemp(assignment))

    @pytest.mark.slow
    @pytest.mark.parametrize("case", case_ids(assignment))
    def test_submission(graded, case):
        check_case(graded, case)

    return graded, test_submission
