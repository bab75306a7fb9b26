"""Self-check for a learner: grade your own notebook as a class is graded, hidden tests included.

    make check NB=exercises/02_bptt/02_bptt.ipynb
    python -m rnncourse.grading.selfcheck exercises/02_bptt/02_bptt.ipynb [--no-open] [--no-sandbox]

What runs is the course's own grading, in a temporary course folder: ``nbgrader generate_assignment``
(the gradebook learns the assignment and its hidden tests from solutions/), a copy of your notebook
submitted under the student id ``you``, ``nbgrader autograde`` through the course's nbgrader_config.py
(the grading kernel in its sandbox, the tamper check; your test cells are replaced by the full tests),
then ``nbgrader generate_feedback``: the HTML page a student of a class gets back. It prints the score of
every graded cell with the message of each failed test, and the path of that page, which it opens in
your browser where there is a graphical session.

Your notebook is read once, as bytes; nothing is written next to it. The feedback page is kept in its
own temporary folder (the path is printed); the temporary course is removed.

``--no-sandbox`` grades without the sandbox (macOS, or Linux without bubblewrap): the sandbox protects a
grader's files from students' code, and this is your code on your machine; the scores are the same.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from rnncourse.grading import sandbox as sandboxing
from rnncourse.grading.check_submissions import check_notebook

STUDENT = "you"
COURSE_ROOT = Path(__file__).resolve().parents[2]   # the repository: nbgrader_config.py, solutions/
NBGRADER = str(Path(sys.executable).with_name("nbgrader"))
USAGE = "make check NB=exercises/02_bptt/02_bptt.ipynb (or: python -m rnncourse.grading.selfcheck PATH)"


class CheckError(Exception):
    """The self-check cannot start or did not finish; the message says why and what to do."""


@dataclass
class CellResult:
    grade_id: str
    score: float | None          # None: graded by hand, not scored here
    max_score: float
    message: str = ""            # the failed test's error, as the feedback shows it


@dataclass
class Result:
    assignment: str
    cells: list = field(default_factory=list)
    feedback: Path | None = None

    @property
    def auto(self):
        return [c for c in self.cells if c.score is not None]

    @property
    def score(self):
        return sum(c.score for c in self.auto)

    @property
    def max_auto(self):
        return sum(c.max_score for c in self.auto)

    def report(self):
        """What the learner reads: the total, one line per graded cell, failed tests' messages, the page."""
        manual = [c for c in self.cells if c.score is None]
        lines = [f"{self.assignment}: {self.score:g} / {self.max_auto:g} points checked automatically"
                 + (f" (graded by hand, not here: {', '.join(c.grade_id for c in manual)}, "
                    f"{sum(c.max_score for c in manual):g} points)" if manual else "")]
        width = max(len(c.grade_id) for c in self.cells) if self.cells else 0
        for c in self.cells:
            got = "by hand" if c.score is None else f"{c.score:g} / {c.max_score:g}"
            lines.append(f"  {c.grade_id:<{width}}  {got}")
            lines += [f"      {line}" for line in c.message.splitlines()]
        if self.feedback:
            lines.append(f"Feedback (the page a class gets): {self.feedback}")
        return "\n".join(lines)


def assignments(course):
    """The assignments of the course: solutions/<a>/<a>.ipynb."""
    return sorted(p.parent.name for p in (Path(course) / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def graded_ids(nb):
    return {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")} - {None}


def identify(path, course):
    """The assignment a notebook file belongs to: by its file name, else by its graded cells (a renamed copy)."""
    names = assignments(course)
    if not names:
        raise CheckError(f"no assignment in {Path(course) / 'solutions'}: the self-check needs the course "
                         "repository (its solutions/ hold the hidden tests)")
    if path.stem in names:
        return path.stem
    try:
        ids = graded_ids(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))
    except Exception:
        ids = set()
    for a in names:
        source = graded_ids(nbformat.read(Path(course) / "solutions" / a / f"{a}.ipynb", as_version=4))
        if ids and len(ids & source) >= len(source) / 2:
            return a
    raise CheckError(f"{path} is not one of the course's assignments: expected a notebook named one of "
                     f"{', '.join(n + '.ipynb' for n in names)} (the file of exercises/<assignment>/), "
                     f"got {path.name!r}, which holds none of their graded cells")


def check_input(nb):
    """The notebook's path, checked: given, existing, a readable Jupyter notebook."""
    if nb is None or not str(nb).strip():
        raise CheckError(f"no notebook given: {USAGE}")
    path = Path(nb).expanduser()
    if not path.exists():
        raise CheckError(f"{path} does not exist (expected your notebook, e.g. exercises/02_bptt/02_bptt.ipynb; "
                         f"the path is relative to {Path.cwd()})")
    if not path.is_file():
        raise CheckError(f"{path} is a folder, expected a notebook file (.ipynb) in it, e.g. {USAGE}")
    if path.suffix != ".ipynb":
        raise CheckError(f"{path} is not a notebook: expected a .ipynb file, got {path.suffix or 'no extension'!r}")
    problems = check_notebook(path, max_mb=20)
    if problems:
        raise CheckError(f"{path} cannot be graded: it " + "; it ".join(problems))
    return path


def run_nbgrader(course, *args, timeout=1800):
    # nbgrader runs `alembic` (the gradebook's migrations) as a command: it must be on PATH.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(NBGRADER).parent), os.environ.get("PATH", "")]))
    try:
        proc = subprocess.run([NBGRADER, *args], cwd=course, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise CheckError(f"`nbgrader {' '.join(args)}` did not finish in {timeout} s") from None
    log = proc.stdout + proc.stderr
    if proc.returncode != 0 or "There was an error processing" in log:
        raise CheckError(f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}); its log ends:\n{log[-3000:]}")
    return log


def failure(cell):
    """A failed test cell's error as the feedback shows it (config ShortTestErrors: 'Name: message')."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return "\n".join(f"{o['ename']}: {o['evalue']}" for o in errors)


def read_result(course, assignment):
    from nbgrader.api import Gradebook
    graded = nbformat.read(Path(course, "autograded", STUDENT, assignment, f"{assignment}.ipynb"), as_version=4)
    messages = {c.metadata["nbgrader"]["grade_id"]: failure(c) for c in graded.cells
                if c.metadata.get("nbgrader", {}).get("grade_id")}
    order = [c.metadata["nbgrader"]["grade_id"] for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade")]
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gb:
        grades = {g.name: g for g in gb.find_submission_notebook(assignment, assignment, STUDENT).grades}
        cells = []
        for name in order:
            g = grades[name]
            hand = g.auto_score is None
            cells.append(CellResult(name, None if hand else float(g.score), float(g.max_score),
                                    "" if hand or g.score >= g.max_score else messages.get(name, "")))
    return Result(assignment, cells)


def selfcheck(nb, course=COURSE_ROOT, sandbox=True, out_dir=None):
    """Grade the notebook file nb as the course grades a class; returns a Result with the feedback page's path.

    out_dir: where the feedback page goes (default: a new temporary folder).
    """
    path = check_input(nb)
    course = Path(course)
    if not (course / "nbgrader_config.py").is_file():
        raise CheckError(f"no nbgrader_config.py in {course}: the self-check runs in the course repository")
    assignment = identify(path, course)
    data = path.read_bytes()      # the only read of the learner's file
    if sandbox:
        try:
            sandboxing.probe(sandboxing.Settings())
        except sandboxing.SandboxUnavailable as e:
            raise CheckError(f"{e}\nFor your own notebook on your own machine the sandbox is not needed "
                             "(it protects a grader's files): add --no-sandbox (make check NB=... "
                             "CHECK_ARGS=--no-sandbox).") from None
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix=f"rnncourse-check-{assignment}-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"rnncourse-course-{assignment}-"))
    try:
        shutil.copy2(course / "nbgrader_config.py", work / "nbgrader_config.py")
        shutil.copytree(course / "solutions" / assignment, work / "solutions" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.db"))
        options = [] if sandbox else ["--LimitedKernelManager.sandbox=False"]
        run_nbgrader(work, "generate_assignment", assignment, "--force")
        # the submission: the release's files (data the notebook reads) and the learner's notebook
        submitted = work / "submitted" / STUDENT / assignment
        shutil.copytree(work / "exercises" / assignment, submitted)
        (submitted / f"{assignment}.ipynb").write_bytes(data)
        run_nbgrader(work, "autograde", assignment, "--force", *options)
        run_nbgrader(work, "generate_feedback", assignment, "--force")
        result = read_result(work, assignment)
        page = out_dir / f"{assignment}.html"
        shutil.copy2(work / "feedback" / STUDENT / assignment / f"{assignment}.html", page)
        result.feedback = page
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def can_open_browser():
    """A graphical browser can open: macOS, Windows, or a Linux/BSD desktop session (not a console browser)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading.selfcheck",
                                     description="Grade your notebook with the course's autograder (hidden tests "
                                                 "included) and show the feedback a class gets.")
    parser.add_argument("notebook", nargs="?", help="your notebook, e.g. exercises/02_bptt/02_bptt.ipynb")
    parser.add_argument("--no-open", action="store_true", help="print the feedback page's path, do not open it")
    parser.add_argument("--no-sandbox", action="store_true", help="grade without the grading sandbox")
    parser.add_argument("--course", default=str(COURSE_ROOT), help="the course repository (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        assignment = identify(check_input(args.notebook), Path(args.course))
        print(f"grading {args.notebook} as assignment {assignment} with the course's autograder "
              "(about a minute) ...", flush=True)
        result = selfcheck(args.notebook, course=args.course, sandbox=not args.no_sandbox)
    except CheckError as e:
        print(f"selfcheck: {e}", file=sys.stderr)
        return 2
    print(result.report())
    if not args.no_open and can_open_browser():
        webbrowser.open(result.feedback.as_uri())
    return 0


if __name__ == "__main__":
    sys.exit(main())
