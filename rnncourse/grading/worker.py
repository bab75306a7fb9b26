"""What a Dask worker runs: grade one batch of students in a private course folder built from bytes.

A task needs no shared filesystem and no database credentials. It carries a :class:`Bundle` (the
course's ``nbgrader_config.py``, the assignment's source and release files, a SQLite gradebook
holding only the assignment) and the batch: each student's submitted files and current gradebook
rows. :func:`grade_batch` writes them into a temporary course folder, runs ``nbgrader autograde``
there (one process for the batch, through the course's own nbgrader_config.py, so every notebook
runs in the course's grading kernel and sandbox), and returns for every student their
``autograded/<student>/<assignment>/`` files and their gradebook rows, or the reason they failed.
The worker needs the course's Python environment (nbgrader and this package), nothing else.

A student whose grading fails in the batch process (nbgrader names them in its log, or the process
died, e.g. killed by that student's notebook) is graded once more on their own, because a Jupyter
kernel now and then fails to start when many start at once; so a crashing submission costs only
its own student.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rnncourse.grading import gradebook_rows

NBGRADER = str(Path(sys.executable).with_name("nbgrader"))
IGNORED = {".ipynb_checkpoints", "__pycache__"}


@dataclass
class Bundle:
    """What every task of one assignment carries: config, files and gradebook (all bytes), sent once per worker."""
    assignment: str
    assignment_id: str
    config: bytes                     # the course's nbgrader_config.py
    files: dict                       # path in the course (solutions/<a>/..., exercises/<a>/...) -> (bytes, mode)
    gradebook: bytes                  # SQLite gradebook with only the assignment (gradebook_rows.template_gradebook)
    timeout: float = 3600             # seconds one nbgrader process may take


@dataclass
class StudentResult:
    """One student's outcome: on success the autograded files and gradebook rows, else the reason."""
    ok: bool
    files: dict = field(default_factory=dict)   # path under autograded/<student>/<assignment>/ -> (bytes, mode)
    rows: dict = field(default_factory=dict)    # gradebook_rows.student_rows of this student
    reason: str = ""
    log: str = ""


def read_tree(folder):
    """{path relative to folder: (bytes, permission bits)} of every file under folder (none of IGNORED)."""
    folder = Path(folder)
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not IGNORED & set(rel.parts):
            out[rel.as_posix()] = (path.read_bytes(), path.stat().st_mode & 0o7777)
    return out


def write_tree(folder, tree):
    """Write a read_tree result under folder (created), with the files' permission bits."""
    for rel, (data, mode) in tree.items():
        path = Path(folder, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, mode)


def course_bundle(course, assignment, db_url, tmp, timeout=3600):
    """The Bundle of the assignment of the course root `course`, from its gradebook at db_url (tmp: a scratch folder)."""
    course = Path(course)
    files = {}
    for top in ("solutions", "exercises"):
        files.update({f"{top}/{assignment}/{rel}": f for rel, f in read_tree(course / top / assignment).items()})
    template = Path(tmp, "template.db")
    assignment_id = gradebook_rows.template_gradebook(db_url, assignment, template)
    return Bundle(assignment, assignment_id, (course / "nbgrader_config.py").read_bytes(), files,
                  template.read_bytes(), timeout)


def autograde(course, assignment, db_url, student=None, timeout=3600):
    """One `nbgrader autograde <assignment> --force` process over every student of the course root (or one):
    ({student: graded?} for the students with a submitted/ folder, the log's tail)."""
    everyone = [student] if student else sorted(p.parent.name for p in Path(course, "submitted").glob(f"*/{assignment}"))
    # nbgrader runs `alembic` (the gradebook's migrations) as a command: it must be on PATH.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(NBGRADER).parent), os.environ.get("PATH", "")]))
    args = [NBGRADER, "autograde", assignment, "--force", f"--CourseDirectory.db_url={db_url}"]
    if student:
        args.append(f"--student={student}")
    try:
        proc = subprocess.run(args, cwd=course, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {s: False for s in everyone}, f"nbgrader did not finish in {timeout} s"
    log = proc.stdout + proc.stderr
    # nbgrader goes on after a student it cannot grade, then names every such student and exits
    # non-zero; a process that stopped without naming anyone leaves the whole batch unconfirmed
    named = set(re.findall(rf"There was an error processing assignment '{re.escape(assignment)}' "
                           r"for student '([^']*)'", log))
    finished = named or (proc.returncode == 0 and "There was an error processing" not in log)
    if not finished and proc.returncode < 0:
        log += f"\nnbgrader was killed by signal {-proc.returncode}"
    return {s: bool(finished) and s not in named for s in everyone}, log[-3000:]


ERROR_LINE = re.compile(r"^\s*(?:[\w.]+(?:Error|Exception|Interrupt)\b.*|nbgrader (?:was killed|did not finish).*)$", re.M)


def reason(log):
    """A one-line reason for a failure, from nbgrader's log: its last exception line (or the last line)."""
    found = ERROR_LINE.findall(log)
    lines = [line for line in log.splitlines() if line.strip()]
    return (found[-1] if found else lines[-1] if lines else "nbgrader gave no output").strip()[:300]


def grade_batch(bundle, submissions, rows):
    """Grade one batch in a temporary course folder.

    bundle: the assignment's Bundle; submissions: {student: read_tree of submitted/<student>/<assignment>/};
    rows: gradebook_rows.student_rows of those students in the real gradebook.
    Returns {student: StudentResult} for every student of submissions.
    """
    a = bundle.assignment
    with tempfile.TemporaryDirectory(prefix=f"grade_{a}_") as tmp:
        course = Path(tmp)
        (course / "nbgrader_config.py").write_bytes(bundle.config)
        write_tree(course, bundle.files)
        (course / "gradebook.db").write_bytes(bundle.gradebook)
        url = f"sqlite:///{course / 'gradebook.db'}"
        gradebook_rows.add_rows(url, rows)
        for student, tree in submissions.items():
            write_tree(course / "submitted" / student / a, tree)
        ok, log = autograde(course, a, url, timeout=bundle.timeout)
        logs = dict.fromkeys(submissions, log)
        for s in [s for s in submissions if not ok.get(s)]:  # once more, alone
            again, logs[s] = autograde(course, a, url, student=s, timeout=bundle.timeout)
            ok[s] = again[s]
        out = {}
        eng = gradebook_rows.engine(url)
        try:
            with eng.connect() as conn:
                for s in submissions:
                    if ok[s]:
                        out[s] = StudentResult(True, read_tree(course / "autograded" / s / a),
                                               gradebook_rows.student_rows(conn, bundle.assignment_id, [s]))
                    else:
                        out[s] = StudentResult(False, reason=reason(logs[s]), log=logs[s])
        finally:
            eng.dispose()
        return out
