"""Grading from inside a walkthrough notebook."""
from pathlib import Path

from grader import report
from grader.session import grade


def grade_here(assignment, folder=None):
    """Grade the module(s) of ``assignment`` in ``folder`` (default: the notebook's folder)
    and print the score table. Returns the total score as a fraction in [0, 1]."""
    folder = Path(folder or Path.cwd()).resolve()
    graded = grade(folder.parent, [assignment])
    print(report.render(graded, str(folder)))
    return graded.score.percent / 100
