"""Grading from inside a walkthrough notebook."""
import contextlib
import sys
from pathlib import Path

from grader import report
from grader.session import grade


@contextlib.contextmanager
def notebook_modules_kept(folder):
    """Leave ``sys.modules`` as the notebook had it for the modules in ``folder``.

    Grading imports a fresh copy of the student's module (it never judges a copy the
    notebook has changed) and leaves that copy in ``sys.modules``; autoreload would then
    update the copy while the notebook keeps using its own, and an edit would stop reaching
    the notebook. After the block each module of ``folder`` is the notebook's again (or
    absent, when the notebook had not imported it). Library modules grading imported stay.
    """
    before = dict(sys.modules)
    try:
        yield
    finally:
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if not file or not Path(file).resolve().is_relative_to(folder):
                continue
            if name in before:
                sys.modules[name] = before[name]
            else:
                del sys.modules[name]


def grade_here(assignment, folder=None, exercises=None):
    """Grade the module(s) of ``assignment`` in ``folder`` (default: the notebook's folder)
    and print the score table (only ``exercises`` when given). The notebook keeps its own
    module objects, so later edits still reach it. Returns the total score as a fraction
    in [0, 1]."""
    folder = Path(folder or Path.cwd()).resolve()
    with notebook_modules_kept(folder):
        graded = grade(folder.parent, [assignment], exercises=exercises)
    print(report.render(graded, str(folder)))
    return graded.score.percent / 100
