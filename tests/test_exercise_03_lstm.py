"""Assignment 03_lstm, graded by real nbgrader: solution, release, mistakes and alternatives."""
import pytest
from nbgrader_harness import case_ids, check_case, grade_assignment

ASSIGNMENT = "03_lstm"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_assignment(ASSIGNMENT, tmp_path_factory.mktemp(ASSIGNMENT))


@pytest.mark.parametrize("case", case_ids(ASSIGNMENT))
def test_submission(graded, case):
    check_case(graded, case)
