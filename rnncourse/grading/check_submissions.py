"""Pre-flight check of the submissions of one assignment, before ``nbgrader autograde``.

    python -m rnncourse.grading.check_submissions 01_rnn_basics [--course .] [--max-mb 20]

nbgrader grades the rest of the class when one submission is broken, but it reports an empty file, a
file that is not JSON or a notebook of another format as a long traceback, silently skips a notebook
with the wrong file name (the student gets 0), and silently adds a student it does not know. This
command lists each of those, one line per problem naming what was expected and what was found, and
exits with status 1 when there is any (0 when every submission looks gradable).
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path


def known_students(course):
    """Student ids in the gradebook (None when there is no gradebook yet)."""
    db = course / "gradebook.db"
    if not db.exists():
        return None
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return {row[0] for row in con.execute("SELECT id FROM student")}


def check_notebook(path, max_mb):
    """Problems of one submitted notebook file ([] when it is a readable nbformat-4 notebook)."""
    size = path.stat().st_size
    if size == 0:
        return ["is an empty file (expected a Jupyter notebook)"]
    problems = []
    if size > max_mb * 2**20:
        problems.append(f"is {size / 2**20:.0f} MB, more than {max_mb} MB (huge outputs? nbgrader clears "
                        "outputs before grading, but check the file)")
    try:
        nb = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        return problems + [f"is not JSON, so not a notebook ({type(e).__name__}: {str(e)[:80]})"]
    if not isinstance(nb, dict) or "cells" not in nb and "worksheets" not in nb:
        return problems + ["is JSON but not a notebook (no 'cells')"]
    if nb.get("nbformat") != 4:
        problems.append(f"is a notebook of nbformat {nb.get('nbformat')!r}, expected 4 (open it in Jupyter "
                        "and save it again)")
    return problems


def check(course, assignment, max_mb=20):
    """[(student, problem)] for every submission of assignment in course/submitted/."""
    course = Path(course)
    release = course / "exercises" / assignment
    expected = sorted(p.name for p in release.glob("*.ipynb"))
    if not expected:
        raise SystemExit(f"no released notebook in {release}: is {assignment!r} the assignment's name?")
    students = known_students(course)
    problems = []
    submitted = course / "submitted"
    for folder in sorted(submitted.glob("*")) if submitted.is_dir() else []:
        student = folder.name
        if students is not None and student not in students:
            problems.append((student, f"is not a student in gradebook.db (add them: nbgrader db student add {student})"))
        work = folder / assignment
        if not work.is_dir():
            continue
        found = sorted(p.name for p in work.glob("*.ipynb"))
        for name in expected:
            if name not in found:
                others = [f for f in found if f not in expected]
                hint = f"; found {others}: rename it to {name}" if others else ""
                problems.append((student, f"has no {name} (it will score 0){hint}"))
        for name in found:
            if name not in expected:
                problems.append((student, f"submitted {name}, which is not a notebook of {assignment} ({expected})"))
            else:
                problems += [(student, f"{name} {p}") for p in check_notebook(work / name, max_mb)]
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--course", default=".", help="the course root (where nbgrader_config.py is)")
    parser.add_argument("--max-mb", type=float, default=20, help="flag notebooks larger than this")
    args = parser.parse_args(argv)
    problems = check(args.course, args.assignment, args.max_mb)
    for student, problem in problems:
        print(f"{student}: {problem}")
    n = len({s for s, _ in problems})
    print(f"{len(problems)} problem(s) in {n} submission(s)" if problems else "every submission looks gradable")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
