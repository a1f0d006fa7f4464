"""The catalogue of known mistakes of assignment 0 (``grader/mistakes/a0_warmup.py``): each must
lose points on its exercise with a message the student can act on."""
from conftest import mutation_tests

test_mutant, test_suite_covers_every_exercise, test_hint_coverage = mutation_tests("a0_warmup")
