"""Assignment 02_bptt, graded by real nbgrader: solution, release, mistakes and alternatives."""
from nbgrader_harness import assignment_tests

graded, test_submission = assignment_tests("02_bptt")
