"""Hostile submissions of 01_rnn_basics, graded by real `nbgrader autograde` runs (see docs/THREAT_MODEL.md).

One class holds every attack of tests/hostile_attacks.py plus an honest control student; it is graded
in one run with a 5 s cell timeout and a 3 GiB kernel memory limit (command-line flags, so the suite stays
fast). Each attack must score exactly what its catalogue entry says (derived from the tests it loses),
the class must be graded to the end, a second run must change nothing, and `nbgrader export` must
give those totals. The run writes docs/attack_results.md. (The cheats the in-kernel guard must defeat on
its own: tests/test_hostile_guard.py.)
"""
import csv

import pytest
from nbgrader_harness import ROOT, answered, load_catalogue, nbgrader

import hostile_attacks as attacks
from hostile_attacks import A, AUTO, FLAGS, RELEASE, SOURCE, auto_scores, build, expected, feedback_errors, grade_class

pytestmark = pytest.mark.slow
GROUPS = {"resources": attacks.RESOURCES, "test cells": attacks.TEST_CELLS, "cheating": attacks.CHEATS}
RESULTS = ROOT / "docs" / "attack_results.md"


@pytest.fixture(scope="module")
def whole_class(tmp_path_factory):
    cases = {"control": answered(RELEASE, SOURCE)}
    want = {"control": expected(())}
    for group in GROUPS.values():
        for name, attack in group.items():
            cases[name] = build(attack["steps"])
            want[name] = expected(attack["loses"])
    course, log = grade_class(tmp_path_factory.mktemp("hostile"), cases)
    got = auto_scores(course, cases)
    _write_results(want, got)
    return course, log, want, got


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
def test_attack_scores(whole_class, case):
    course, log, want, got = whole_class
    assert got[case] == want[case], (f"{case}: scored {sum(v or 0 for v in got[case].values()):g}, expected "
                                     f"{sum(want[case].values()):g}; cells that differ: "
                                     + str({g: (got[case][g], want[case][g]) for g in AUTO if got[case][g] != want[case][g]}))


@pytest.mark.parametrize("case", [n for n, a in attacks.CHEATS.items() if a["loses"] == attacks.ALL])
def test_cheat_feedback_says_tampering(whole_class, case):
    course = whole_class[0]
    errors = feedback_errors(course, case)
    assert "TamperingDetected" in errors and "tampering detected" in errors, f"{case}: feedback errors are {errors[:500]}"


@pytest.mark.parametrize("case", ["os_exit", "segfault_signal"])
def test_kernel_death_is_reported(whole_class, case):
    assert "KernelDied" in feedback_errors(whole_class[0], case)


def test_timeouts_and_memory_limit_are_reported(whole_class):
    course = whole_class[0]
    assert "CellTimeoutError" in feedback_errors(course, "infinite_loop_answer")
    assert "MemoryError" in feedback_errors(course, "memory_bomb"), "the 4 GiB allocation was not refused"


def test_rerun_is_idempotent_and_export_matches(whole_class):
    course, _, want, got = whole_class
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
