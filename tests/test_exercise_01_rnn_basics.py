"""Assignment 01_rnn_basics, graded by real nbgrader: solution, release, mistakes and alternatives."""
from nbgrader_harness import assignment_tests

graded, test_submission = assignment_tests("01_rnn_basics")
