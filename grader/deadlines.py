"""The Gradescope autograder's time budget, shared by the zip builder (:mod:`grader.gradescope`)
and the grading entry point (:mod:`grader.autograder`); it imports nothing of the grader."""

DEFAULT_DEADLINE = 540.0  # seconds for a whole run_autograder; Gradescope's default timeout is 600
WRITE_MARGIN = 10.0  # seconds kept back to stop the grader and write results.json
GRACE = 5.0  # of which the interrupted grader gets this long to write what it has
