"""``python -m grader`` in the student bundle: grading your own work, nothing else.

The bundle carries no solutions, hidden checks or instructor tools; their commands and
``--solutions`` are refused with one line. After the score table a note says how the local
maximum (public checks) relates to the graded one (public + hidden checks), from
``graded_maximum.json``, which the release writes next to this module.
"""
import json
import sys
from pathlib import Path

from grader import cli

GRADED_MAXIMUM = Path(__file__).with_name("graded_maximum.json")
STUDENT_USAGE = """usage: ./run grade [ASSIGNMENT ...] [--public-only] [--json PATH] [--data-dir DIR]
                   [--timeout S] [--fail-under PCT] [--submission DIR]

Grades your work in assignments/ (or DIR) with the public checks and prints the score table."""


def refusal(argv):
    """The one-line reason ``argv`` cannot run in the student bundle, or None."""
    if argv and argv[0] in cli.COMMANDS:
        return (f"`{argv[0]}` is an instructor command and is not part of the student bundle; "
                f"grade your work with ./run grade [ASSIGNMENT ...]")
    for arg in argv:
        flag = arg.split("=", 1)[0]
        if len(flag) > 3 and "--solutions".startswith(flag):  # argparse accepts prefixes
            return ("--solutions: the reference solutions are not part of the student bundle; "
                    "./run grade grades your own work in assignments/")
    return None


def maximum_note(assignments, local_maximum):
    """Why the local maximum differs from the graded one, per assignment, or '' when it does not.
    ``local_maximum``: {assignment: points the public checks are worth}."""
    graded = json.loads(GRADED_MAXIMUM.read_text()) if GRADED_MAXIMUM.is_file() else {}
    parts = [f"{name} {local_maximum[name]:g} of {graded[name]:g}" for name in assignments
             if name in graded and graded[name] > local_maximum[name]]
    if not parts:
        return ""
    return ("Maximum here counts the public checks only (" + ", ".join(parts) + " points); "
            "the hidden checks carry the rest when your work is graded.")


def local_maximum(assignments):
    """{assignment: points of its public checks}."""
    from grader.registry import load_spec
    return {name: sum(c.points for c in load_spec(name, public_only=True)[0].checks(include_hidden=False))
            for name in assignments}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(STUDENT_USAGE)
        return 0
    reason = refusal(argv)
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return 2
    status = cli.main(argv)
    if status in (0, 1):  # graded (1: below --fail-under)
        from grader.registry import available_assignments
        named = [a for a in argv if a in available_assignments()] or available_assignments()
        note = maximum_note(named, local_maximum(named))
        if note:
            print(note)
    return status
