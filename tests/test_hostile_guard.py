"""The in-kernel guard alone (rnncourse.grading.guard) defeats the code cheats, with TamperCheck switched off.

The cheats of tests/hostile_attacks.py marked ``guard`` (monkeypatching NumPy, numpy.testing, math,
builtins.AssertionError, the rnncourse oracle, sys.excepthook, sys.settrace) and fake partial credit,
graded in one real `nbgrader autograde` run with `--TamperCheck.scan=False`: each must score what its
catalogue entry says, with "tampering detected" in the feedback, and the honest control full marks.
"""
import pytest
from nbgrader_harness import answered

import hostile_attacks as attacks
from hostile_attacks import AUTO, RELEASE, SOURCE, auto_scores, build, expected, feedback_errors, grade_class

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def guard_only(tmp_path_factory):
    """The cheats the in-kernel guard must defeat alone: TamperCheck off."""
    cases, want = {"control": answered(RELEASE, SOURCE)}, {"control": expected(())}
    for name, attack in attacks.CHEATS.items():
        if attack.get("guard") or attack.get("guard_loses"):
            cases[name] = build(attack["steps"])
            want[name] = expected(attack.get("guard_loses", attack["loses"]))
    course, _ = grade_class(tmp_path_factory.mktemp("guard"), cases, "--TamperCheck.scan=False")
    return course, want, auto_scores(course, cases)


@pytest.mark.parametrize("case", [n for n, a in attacks.CHEATS.items() if a.get("guard") or a.get("guard_loses")])
def test_guard_alone_defeats_cheat(guard_only, case):
    course, want, got = guard_only
    assert got["control"] == want["control"], f"the control student lost points: {got['control']}"
    assert got[case] == want[case], {g: (got[case][g], want[case][g]) for g in AUTO if got[case][g] != want[case][g]}
    if attacks.CHEATS[case].get("guard"):
        assert "tampering detected" in feedback_errors(course, case)
