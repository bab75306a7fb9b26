"""Assignment 03_lstm, graded by real nbgrader: solution, release, mistakes and alternatives."""
from nbgrader_harness import assignment_tests

graded, test_submission = assignment_tests("03_lstm")
