"""Produce the stored expectations of every check by running it on the reference solution.

``python -m grader expect [ASSIGNMENT ...]`` writes, in ``grader/expected/``:

* ``<module>.json``: each check's result on the reference solution;
* ``<assignment>.calls.json``: which student functions each check calls there
  (:mod:`grader.tracing`; exercise isolation is tested on it);
* ``<assignment>.hints.json``: each catalogued mistake's signature — which public checks of its
  exercise it fails and what it returns there — with its hint (:func:`mistake_signatures`;
  matched when grading by :mod:`grader.hints`);

and in ``grader/checks/``, ``<module>.json`` beside each check module: the recorded calls of the other exercises'
functions that checks replay (:mod:`grader.replay`).

``tests/test_expectations.py`` regenerates all but the hints in memory and fails on any drift.

The files are byte-stable: regenerating them from an unchanged solution rewrites the same bytes.
XLA's CPU backend splits its work across a thread pool as large as the number of CPUs the
process may use, and the split changes float32 results in the last bit (GRULM's log-probabilities
differ between 1 and 2 CPUs); so expectations are computed by a process pinned to one CPU before
JAX starts (:func:`one_cpu`), the same on any machine.
"""
import os
import sys
import tempfile
from pathlib import Path

from grader import hints, plain, replay
from grader.memo import MEMO_ATTRIBUTE
from grader.registry import EXPECTED_DIR, REPO, expectation_path, load_spec
from grader.runner import ImportFailure, Status, import_modules, judge_outcome, run_student_side
from grader.tracing import calls_into

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


def calls_of_checks(spec, modules, roots, checks=None):
    """``{check id: sorted names of the student definitions it called}`` for ``checks``
    (default: all of ``spec``), running each check's student side on ``modules``."""
    calls = {}
    for check in checks if checks is not None else spec.checks():
        for module in modules.values():  # a shared call must be seen by every check making it
            vars(module).pop(MEMO_ATTRIBUTE, None)
        with calls_into(modules) as called:
            run_student_side(check, modules, roots=roots)
        calls[check.id] = sorted(called)
    return calls


def compute_recorded(assignment, solutions=SOLUTIONS, exercises=None):
    """``(values, calls, replays)`` from the reference solution (only the checks of
    ``exercises`` when given): ``values`` is ``{check module name: {check.expectation_key:
    plain data}}``, ``calls`` ``{check id: [called names]}`` and ``replays`` ``{check module
    name: {check.expectation_key: {function: [recorded calls]}}}`` (checks that replay only)."""
    spec, module_names = load_spec(assignment)
    modules = import_modules(spec.modules, solutions / assignment, timeout=600)  # Trax, maybe on one busy CPU
    out, calls = {name: {} for name in module_names}, {}
    replays = {name: {} for name in module_names}
    for check in spec.checks():
        if exercises and check.exercise not in exercises:
            continue
        with calls_into(modules) as called, replay.recording(replays[check.defined_in]):
            outcome = run_student_side(check, modules, roots=[solutions])
        if outcome.status != Status.DATA:
            raise ExpectationError(f"reference solution fails {check.id}: {outcome.message}")
        out[check.defined_in][check.expectation_key] = outcome.value
        calls[check.id] = sorted(called)
    return out, calls, replays


def compute(assignment, solutions=SOLUTIONS, exercises=None):
    """{check module name: {check.expectation_key: plain data}} from the reference solution."""
    return compute_recorded(assignment, solutions, exercises)[0]


def calls_path(assignment):
    return EXPECTED_DIR / f"{assignment}.calls.json"


def load_calls(assignment):
    """The stored ``{check id: [student functions it calls]}`` of ``assignment``."""
    path = calls_path(assignment)
    return plain.loads(path.read_text()) if path.is_file() else {}


def write_replays(replays, directory=None):
    """Store each check module's recorded calls beside the check modules (or in ``directory``),
    removing the file of a module whose checks replay nothing; return the files written."""
    written = []
    for module_name, recorded in replays.items():
        path = replay.replay_path(module_name)
        path = path if directory is None else directory / path.name
        if recorded:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(plain.dumps(recorded, compact=True))
            written.append(path)
        elif directory is None and path.is_file():
            path.unlink()
    replay.forget_stored()
    return written


def has_mistakes(assignment):
    from grader import mistakes
    try:
        mistakes.module_for(assignment)
    except ModuleNotFoundError:
        return False
    return True


def mistake_signatures(assignment, spec, expected, solutions=SOLUTIONS):
    """``{exercise: [[hint, signature], ...]}`` (see :mod:`grader.hints`): for every catalogued
    mistake, the public checks of its exercise it fails, with what it returns there
    (``expected``: ``{"exercise::check": reference result}``). Mistakes whose module cannot be
    imported are skipped."""
    from grader.mistakes import catalogue, write_mutant
    stored = {}
    with tempfile.TemporaryDirectory() as tmp:
        for index, mistake in enumerate(catalogue(assignment).values()):
            sub = write_mutant(assignment, mistake, solutions, Path(tmp) / f"m{index}")
            try:
                modules = import_modules(spec.modules, sub / assignment, timeout=120)
            except ImportFailure:
                continue
            signature = {}
            for check in spec.exercises[mistake.exercise].checks:
                if check.hidden:
                    continue
                outcome = run_student_side(check, modules, roots=[sub])
                seen = hints.observation(outcome, judge_outcome(check, outcome, expected[check.expectation_key]))
                if seen is not None:
                    signature[check.expectation_key] = seen
            if signature:
                stored.setdefault(mistake.exercise, []).append([mistake.hint, signature])
    return stored


def write(assignment, directory=None, exercises=None, with_hints=True):
    """Regenerate and store the expectations of ``assignment`` in grader/expected/ (or
    ``directory``); with all exercises, also the calls and (unless ``with_hints`` is false) the
    known mistakes' results; return the files written. Pins the process to one CPU first (see
    the module docstring)."""
    one_cpu()
    written = []
    values_by_module, calls, replays = compute_recorded(assignment, exercises=exercises)
    for module_name, values in values_by_module.items():
        path = expectation_path(module_name)
        path = path if directory is None else Path(directory) / path.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plain.dumps(values))
        written.append(path)
    if exercises:  # calls, replays and hints are stored for whole assignments only
        return written
    written += write_replays(replays, None if directory is None else Path(directory))
    directory = EXPECTED_DIR if directory is None else Path(directory)
    path = directory / calls_path(assignment).name
    path.write_text(plain.dumps(calls))
    written.append(path)
    if with_hints and has_mistakes(assignment):
        spec, _ = load_spec(assignment)
        expected = {key: value for values in values_by_module.values() for key, value in values.items()}
        path = hints.hints_path(assignment, directory)
        path.write_text(plain.dumps(mistake_signatures(assignment, spec, expected)))
        written.append(path)
    return written
