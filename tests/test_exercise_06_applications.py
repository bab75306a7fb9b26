"""Assignment 06_applications, graded by real nbgrader: solution, release, mistakes and alternatives."""
from nbgrader_harness import assignment_tests

graded, test_submission = assignment_tests("06_applications")
