"""Hostile submissions of 01_rnn_basics, graded by real `nbgrader autograde` runs (see docs/THREAT_MODEL.md).

One class holds every attack of tests/hostile_attacks.py plus an honest control student; it is graded
in one run with a 5 s cell timeout, a 3 GiB kernel memory limit and small process and tmpfs limits
(command-line flags, so the suite stays fast). Each attack must score exactly what its catalogue entry
says (derived from the tests it loses), the class must be graded to the end, a second run must change
nothing, and `nbgrader export` must give those totals. The attacks on the sandbox (``SANDBOX``) must
reach nothing: no output of theirs shows a file, a connection, a route, a name or a secret from outside;
the other students' files (checksums), the course's sources and the Python environment are unchanged;
no process of theirs outlives grading; the control student's graded notebook (but its cells'
execution timestamps) and scores are identical to those of a class graded without any attacker. The run writes
docs/attack_results.md. (The cheats the in-kernel guard must defeat on its own:
tests/test_hostile_guard.py.)
"""
import csv
import hashlib
import os
import socket
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from nbgrader_harness import ROOT, answered, load_catalogue, nb_path, nbgrader

import hostile_attacks as attacks
from hostile_attacks import (A, AUTO, ESCAPE_MARK, FLAGS, RELEASE, SOURCE, aimed, auto_scores, build, expected,
                             feedback_errors, grade_class)

pytestmark = pytest.mark.slow
GROUPS = {"resources": attacks.RESOURCES, "test cells": attacks.TEST_CELLS, "cheating": attacks.CHEATS,
          "sandbox": attacks.SANDBOX}
RESULTS = ROOT / "docs" / "attack_results.md"
SECRET = "postgresql://grader:hunter2-rnncourse@127.0.0.1/gradebook"   # in nbgrader's environment only


def checksums(top):
    """{relative path: sha256} of every file under top."""
    top = Path(top)
    return {str(p.relative_to(top)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(top.rglob("*")) if p.is_file()}


def escaped_processes():
    """Command lines on this machine that carry the attacks' mark (processes that outlived their kernel)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if ESCAPE_MARK in cmdline and pid != str(os.getpid()):
            found.append(f"{pid}: {cmdline[:200]}")
    return found


class Listener:
    """A TCP server on 127.0.0.1 that records every connection (an attack must make none)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port, self.connections = self.sock.getsockname()[1], []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            self.connections.append(addr)
            conn.close()


@pytest.fixture(scope="module")
def whole_class(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hostile")
    course_dir, listener = workdir.resolve() / "course", Listener()
    cases = {"control": answered(RELEASE, SOURCE)}
    want = {"control": expected(())}
    for group in GROUPS.values():
        for name, attack in group.items():
            cases[name] = aimed(build(attack["steps"]), course_dir, listener.port)
            want[name] = expected(attack["loses"])
    before = {}

    def record(course):
        before["course"] = {p: h for p, h in checksums(course).items() if not p.startswith("gradebook")}
    os.environ["RNNCOURSE_GRADER_SECRET"] = SECRET
    try:
        course, log = grade_class(workdir, cases, before_grading=record)
    finally:
        del os.environ["RNNCOURSE_GRADER_SECRET"]
    listener.sock.close()
    got = auto_scores(course, cases)
    _write_results(want, got)
    return dict(course=course, log=log, want=want, got=got, before=before["course"], listener=listener,
                after=checksums(course), processes=escaped_processes())


@pytest.fixture(scope="module")
def whole_class_tuple(whole_class):
    c = whole_class
    return c["course"], c["log"], c["want"], c["got"]


def _write_results(want, got):
    rows = ["| group | attack | expected score | score given | |", "|---|---|---|---|---|",
            f"| | control (the solution) | {sum(want['control'].values()):g} | {sum(got['control'].values()):g} | |"]
    for group, catalogue in GROUPS.items():
        for name in catalogue:
            e, g = sum(want[name].values()), sum(v or 0 for v in got[name].values())
            rows.append(f"| {group} | {name} | {e:g} | {g:g} | {'ok' if want[name] == got[name] else 'WRONG'} |")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(f"<!-- written by `make attacks` (tests/test_hostile_grading.py); do not edit -->\n"
                       f"Autograded points of {A} (out of {sum(AUTO.values()):g}), one class, one "
                       f"`nbgrader autograde` run with `{' '.join(FLAGS)}`:\n\n" + "\n".join(rows) + "\n")


def _case_ids():
    return ["control"] + [n for g in GROUPS.values() for n in g]


@pytest.mark.parametrize("case", _case_ids())
def test_attack_scores(whole_class_tuple, case):
    course, log, want, got = whole_class_tuple
    assert got[case] == want[case], (f"{case}: scored {sum(v or 0 for v in got[case].values()):g}, expected "
                                     f"{sum(want[case].values()):g}; cells that differ: "
                                     + str({g: (got[case][g], want[case][g]) for g in AUTO if got[case][g] != want[case][g]}))


@pytest.mark.parametrize("case", [n for n, a in attacks.CHEATS.items() if a["loses"] == attacks.ALL])
def test_cheat_feedback_says_tampering(whole_class, case):
    course = whole_class["course"]
    errors = feedback_errors(course, case)
    assert "TamperingDetected" in errors and "tampering detected" in errors, f"{case}: feedback errors are {errors[:500]}"


@pytest.mark.parametrize("case", ["os_exit", "segfault_signal"])
def test_kernel_death_is_reported(whole_class, case):
    assert "KernelDied" in feedback_errors(whole_class["course"], case)


def test_timeouts_and_memory_limit_are_reported(whole_class):
    course = whole_class["course"]
    assert "CellTimeoutError" in feedback_errors(course, "infinite_loop_answer")
    assert "MemoryError" in feedback_errors(course, "memory_bomb"), "the 4 GiB allocation was not refused"


def test_rerun_is_idempotent_and_export_matches(whole_class_tuple):
    course, _, want, got = whole_class_tuple
    nbgrader(course, "autograde", A, *FLAGS)             # nothing new: nothing changes
    nbgrader(course, "autograde", A, "--force", "--student=os_exit", *FLAGS)  # a crash graded again
    again = auto_scores(course, got)
    assert again == got, {s: (got[s], again[s]) for s in got if again[s] != got[s]}
    nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == A}
    assert set(rows) == set(want), f"grades.csv students {sorted(rows)}, expected {sorted(want)}"
    total = load_catalogue(A).TOTAL
    for student, cells in want.items():
        assert float(rows[student]["raw_score"]) == sum(cells.values()), f"{student}: {rows[student]}"
        assert float(rows[student]["max_score"]) == total


# ---------------------------------------------------------------- the sandbox

def outputs(course, student):
    """Everything the student's graded notebook printed or raised, as one string."""
    nb = nbformat.read(course / nb_path("autograded", A, student), as_version=4)
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            out.append(o.get("text", "") if o["output_type"] == "stream" else
                       f"{o.get('ename')}: {o.get('evalue')}" if o["output_type"] == "error" else str(o.get("data")))
    return "\n".join(out)


# What each attack must print in the sandbox (besides nothing marked ESCAPED): why it got nothing.
EVIDENCE = {"write_gradebook": "refused", "read_gradebook": "refused", "read_solutions_and_classmates": "found []",
            "overwrite_classmate": "", "delete_classmate": "deleted []", "connect_localhost": "ConnectionRefusedError",
            "route_outside": "Network is unreachable", "resolve_hostname": "gaierror",
            "read_grader_environment": "'HOME': '/home/student'", "change_python_env": "Read-only file system",
            "kill_nbgrader": "signalled 1\n", "fork_bomb": "stopped after", "fill_disk": "full after",
            "background_process": "started"}


@pytest.mark.parametrize("case", list(attacks.SANDBOX))
def test_sandbox_attack_reaches_nothing(whole_class, case):
    text = outputs(whole_class["course"], case)
    assert "ESCAPED" not in text, f"{case} reached outside its sandbox:\n{text[:3000]}"
    assert "hunter2" not in text and "BEGIN HIDDEN TESTS" not in text and "SQLite format" not in text, text[:3000]
    assert EVIDENCE[case] in text, f"{case}: expected {EVIDENCE[case]!r} in its output:\n{text[:3000]}"


def test_sandbox_keeps_every_other_file_and_grade(whole_class):
    c = whole_class
    changed = {p for p in c["before"] if c["after"].get(p) != c["before"][p]}
    # what grading itself writes: the graded notebooks (autograded/) and the gradebook
    assert not {p for p in changed if not p.startswith("autograded/")}, f"files changed or gone: {sorted(changed)}"
    created = {p for p in set(c["after"]) - set(c["before"])
               if not p.startswith("autograded/") and not p.startswith("gradebook")}
    assert not created, f"files created outside autograded/: {sorted(created)}"
    assert not [p for p in c["after"] if ESCAPE_MARK in p], "an attack left a file in the course"
    assert c["listener"].connections == [], f"connections to 127.0.0.1 from the sandbox: {c['listener'].connections}"
    from nbgrader.api import Grade, Gradebook
    with Gradebook(f"sqlite:///{c['course'] / 'gradebook.db'}") as gb:
        extra = [(g.student.id, g.name, g.extra_credit) for g in gb.db.query(Grade).all() if g.extra_credit]
    assert extra == [], f"extra credit appeared: {extra}"


def test_python_environment_unchanged(whole_class):
    import numpy
    import rnncourse
    for d in (Path(numpy.__file__).parent, Path(rnncourse.__file__).parent):
        left = list(d.glob(f"{ESCAPE_MARK}*"))
        for p in left:
            p.unlink()
        assert not left, f"an attack wrote {left}"
    assert not list(Path("/tmp").glob(f"{ESCAPE_MARK}*")), "an attack wrote into the host's /tmp"


def test_no_process_outlives_its_kernel(whole_class):
    assert whole_class["processes"] == [], f"processes left by attacks: {whole_class['processes']}"
    assert "started" in outputs(whole_class["course"], "background_process")


def test_fork_bomb_and_disk_filler_stop_at_their_limits(whole_class):
    bomb = outputs(whole_class["course"], "fork_bomb")
    assert "stopped after" in bomb and "Resource temporarily unavailable" in bomb, bomb[:2000]
    assert int(bomb.split("stopped after ")[1].split()[0]) < attacks.PROCESSES, bomb[:2000]
    disk = outputs(whole_class["course"], "fill_disk")
    for d in (".", "/tmp", "/dev/shm"):
        line = next(l for l in disk.splitlines() if l.startswith(f"{d} full after"))
        assert int(line.split()[3]) <= attacks.TMP_MB and "No space left on device" in line, disk[:2000]
    for d in ("/", "/usr"):
        assert f"{d} full after 0 MiB" in disk and "Read-only file system" in disk, disk[:2000]


def test_control_identical_to_a_class_without_attackers(whole_class, tmp_path_factory):
    course, _ = grade_class(tmp_path_factory.mktemp("quiet"), {"control": answered(RELEASE, SOURCE)})
    def graded(course):   # the notebook but the cells' execution timestamps
        nb = nbformat.read(course / nb_path("autograded", A, "control"), as_version=4)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        return nbformat.writes(nb)
    assert graded(course) == graded(whole_class["course"]), \
        "the control student's graded notebook differs from one graded without attackers"
    assert auto_scores(course, ["control"]) == {"control": whole_class["got"]["control"]}
