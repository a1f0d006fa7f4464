"""Which student functions a check calls: the basis of exercise isolation.

A check grades one exercise. When grading the reference solution, :func:`calls_of_checks`
records, for every check, the top-level functions and classes of the student module that
ran while the check's student side ran (a method or a nested lambda counts as its
top-level definition). A mistake confined to functions that a check never calls cannot
change that check's result; :func:`edited_definitions` says where a mistake's edits lie.
"""
import ast
import contextlib
import sys
from pathlib import Path


@contextlib.contextmanager
def recording_calls(filename, into):
    """Add to the set ``into`` the top-level name of every function defined in ``filename``
    that is called inside the block (this thread only)."""
    filename = str(Path(filename).resolve())
    previous = sys.getprofile()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename == filename:
            into.add(frame.f_code.co_qualname.split(".", 1)[0])

    sys.setprofile(profile)
    try:
        yield into
    finally:
        sys.setprofile(previous)


def calls_of_checks(spec, modules, roots, checks=None):
    """``{check id: sorted names of the student definitions it called}`` for ``checks``
    (default: all of ``spec``), running each check's student side on ``modules``."""
    from grader.runner import run_student_side
    files = [m.__file__ for m in modules.values()]
    calls = {}
    for check in checks if checks is not None else spec.checks():
        called = set()
        with contextlib.ExitStack() as stack:
            for file in files:
                stack.enter_context(recording_calls(file, called))
            run_student_side(check, modules, roots=roots)
        calls[check.id] = sorted(called)
    return calls


def top_level_spans(source):
    """``[(name, first line, last line)]`` of the top-level functions and classes of ``source``."""
    return [(node.name, node.lineno, node.end_lineno) for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def edited_definitions(source, edits):
    """Names of the top-level definitions of ``source`` that the ``(old, new)`` edits touch
    (an edit outside every definition is reported as ``"<module>"``)."""
    spans, touched = top_level_spans(source), set()
    for old, _ in edits:
        start = source.index(old)
        first = source.count("\n", 0, start) + 1
        last = first + old.rstrip("\n").count("\n")
        inside = [name for name, lo, hi in spans if lo <= first and last <= hi]
        touched.add(inside[0] if inside else "<module>")
    return touched
