"""Produce the stored expectations of every check by running it on the reference solution.

``python -m grader expect [ASSIGNMENT ...]`` writes ``grader/expected/<module>.json``;
``tests/test_expectations.py`` regenerates them in memory and fails on any drift.

The files are byte-stable: regenerating them from an unchanged solution rewrites the same bytes.
XLA's CPU backend splits its work across a thread pool as large as the number of CPUs the
process may use, and the split changes float32 results in the last bit (GRULM's log-probabilities
differ between 1 and 2 CPUs); so expectations are computed by a process pinned to one CPU before
JAX starts (:func:`one_cpu`), the same on any machine.
"""
import os
import sys
from pathlib import Path

from grader import plain
from grader.registry import REPO, expectation_path, load_spec
from grader.runner import Status, import_modules, run_student_side

SOLUTIONS = REPO / "solutions"


class ExpectationError(RuntimeError):
    pass


def one_cpu():
    """Pin this process to one CPU so that XLA sizes its thread pool the same everywhere;
    effective only before JAX is imported and where the OS allows it (returns whether it was)."""
    if "jax" in sys.modules or not hasattr(os, "sched_setaffinity"):
        return False
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    return True


def compute(assignment, solutions=SOLUTIONS, exercises=None):
    """{check module name: {check.expectation_key: plain data}} from the reference solution
    (only the checks of ``exercises`` when given)."""
    spec, module_names = load_spec(assignment)
    modules = import_modules(spec.modules, solutions / assignment, timeout=600)  # Trax, maybe on one busy CPU
    out = {name: {} for name in module_names}
    for check in spec.checks():
        if exercises and check.exercise not in exercises:
            continue
        outcome = run_student_side(check, modules, roots=[solutions])
        if outcome.status != Status.DATA:
            raise ExpectationError(f"reference solution fails {check.id}: {outcome.message}")
        out[check.defined_in][check.expectation_key] = outcome.value
    return out


def write(assignment, directory=None, exercises=None):
    """Regenerate and store the expectations of ``assignment`` in grader/expected/ (or
    ``directory``; only those of ``exercises`` when given); return the files written.
    Pins the process to one CPU first (see the module docstring)."""
    one_cpu()
    written = []
    for module_name, values in compute(assignment, exercises=exercises).items():
        path = expectation_path(module_name)
        path = path if directory is None else Path(directory) / path.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plain.dumps(values))
        written.append(path)
    return written
