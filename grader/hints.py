"""Misconception hints: when a student's result on a public check equals what a known
mistake (``grader/mistakes/``) returns there, the message adds the mistake's likely cause.

``python -m grader expect`` runs every catalogued mistake through the public checks of its
exercise and stores each wrong result with its hint in ``grader/expected/<assignment>.hints.json``
(``{"exercise::check": [[result, hint], ...]}``). Hidden checks never hint: nothing is
computed or stored for them, and the runner asks only for public checks.
"""
import tempfile
from pathlib import Path

from grader import plain
from grader.compare import compare

SUFFIX = ".hints.json"


def hints_path(assignment, expected_dir):
    return Path(expected_dir) / f"{assignment}{SUFFIX}"


def load(assignment, expected_dir):
    """The stored ``{"exercise::check": [[result, hint], ...]}`` of ``assignment`` ({} if none)."""
    path = hints_path(assignment, expected_dir)
    return plain.loads(path.read_text()) if path.is_file() else {}


def matching_hint(check, got, known):
    """The hints of the known wrong results of ``check`` that ``got`` equals (joined with
    "or" when several mistakes give the same result), or None."""
    found = []
    for wrong, hint in known:
        try:
            same = compare(got, wrong, rtol=check.rtol, atol=check.atol) is None
        except Exception:  # an unforeseen shape of data is simply no match
            same = False
        if same and hint not in found:
            found.append(hint)
    return "; or ".join(found) or None


def with_hint(message, hint):
    return f"{message} (likely cause: {hint})" if hint else message


def hinted_mistakes(assignment, expected_dir):
    """Hints stored for ``assignment``'s public checks (a mistake is hinted when one is its)."""
    return {hint for known in load(assignment, expected_dir).values() for _, hint in known}


def wrong_results(assignment, solutions, spec, expected):
    """``{"exercise::check": [[result, hint], ...]}``: what every catalogued mistake returns on
    each public check of its exercise that it fails (``expected``: ``{"exercise::check":
    reference result}``). Mistakes whose module cannot be imported are skipped."""
    from grader.mistakes import catalogue, write_mutant
    from grader.runner import ImportFailure, Status, import_modules, run_student_side
    stored = {}
    with tempfile.TemporaryDirectory() as tmp:
        for index, mistake in enumerate(catalogue(assignment).values()):
            sub = write_mutant(assignment, mistake, solutions, Path(tmp) / f"m{index}")
            try:
                modules = import_modules(spec.modules, sub / assignment, timeout=120)
            except ImportFailure:
                continue
            for check in spec.exercises[mistake.exercise].checks:
                key = f"{check.exercise}::{check.name}"
                if check.hidden:
                    continue
                outcome = run_student_side(check, modules, roots=[sub])
                if outcome.status == Status.DATA and check.judge_result(outcome.value, expected[key]):
                    stored.setdefault(key, []).append([outcome.value, mistake.hint])
    return stored
