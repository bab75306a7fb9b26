"""Assignment 05_bidirectional_attention, graded by real nbgrader: solution, release, mistakes and alternatives."""
from nbgrader_harness import assignment_tests

graded, test_submission = assignment_tests("05_bidirectional_attention")
