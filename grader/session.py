"""A grading session: pytest collects every check as a test item and runs it in one process.

``grade(...)`` is what ``python -m grader`` and the tests call. Each check module under
``grader/checks/`` (and its ``_hidden`` twin, unless public-only) becomes a pytest
file whose items are its checks; student modules are imported once per assignment,
stored expectations are read from ``grader/expected/`` (see :mod:`grader.registry`), and
each item's outcome is kept as a CheckResult for the report.
"""
import ctypes
import functools
import os
from pathlib import Path

import pytest

from grader import hints
from grader.registry import (EXPECTED_DIR, REPO, available_assignments, check_modules,
                             load_expectations, load_spec)
from grader.results import GradedRun
from grader.runner import (ImportFailure, import_modules, import_time_limit, noting_dependencies,
                           run_check)


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, looked up once; None where there is none."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):  # not glibc
        return None


def release_freed_memory():
    """Hand the heap memory freed by the last check back to the system (glibc's
    ``malloc_trim``; nothing where there is none). The allocator otherwise keeps it for reuse,
    a container's memory limit counts it, and over an assignment's Trax checks it grows to
    about 100 MB (measured with ``benchmarks/gradescope_memory.py``)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class _Missing:
    """Placeholder expectation: judging against it fails with an instructor-facing hint."""
    def __repr__(self):
        return "<no stored expectation: run `python -m grader expect`>"


class CheckFailed(Exception):
    pass


class CheckItem(pytest.Item):
    def __init__(self, *, check, state, **kwargs):
        super().__init__(**kwargs)
        self.check = check
        self.state = state

    def runtest(self):
        result = self.state.run(self.check)
        if not result.passed:
            raise CheckFailed(result.message)

    def repr_failure(self, excinfo, style=None):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, None, self.check.id


class CheckFile(pytest.File):
    def __init__(self, *, state, **kwargs):
        super().__init__(**kwargs)
        self.state = state

    def collect(self):
        module_name = f"grader.checks.{self.path.stem}"
        for check in self.state.spec_of(self.path).checks():
            if check.defined_in == module_name and self.state.selects(check):
                yield CheckItem.from_parent(self, name=check.expectation_key, check=check,
                                            state=self.state)


class GradingState:
    """pytest plugin holding one session's inputs and results."""

    def __init__(self, source, assignments, public_only, max_timeout=None, exercises=None):
        self.source = Path(source).resolve()
        self.max_timeout = max_timeout
        self.exercises = set(exercises) if exercises else None
        self.assignments = list(assignments)
        self.public_only = public_only
        self.specs = {a: load_spec(a, public_only)[0] for a in self.assignments}
        self.files = {f.resolve(): a for a in self.assignments for f in check_modules(a, public_only)}
        self.expected = {}
        self.known_mistakes = {}
        self.modules = {}
        self.results = []
        self.observations = {}  # {check id: what a public check saw}, to match hints by exercise

    def selects(self, check):
        return self.exercises is None or check.exercise in self.exercises

    def spec_of(self, path):
        return self.specs[self.files[Path(path).resolve()]]

    def pytest_collect_file(self, file_path, parent):
        if file_path.resolve() in self.files:
            return CheckFile.from_parent(parent, path=file_path, state=self)
        return None

    def modules_for(self, spec):
        if spec.name not in self.modules:
            try:
                self.modules[spec.name] = import_modules(
                    spec.modules, self.source / spec.name, import_time_limit(self.max_timeout))
            except ImportFailure as failure:
                self.modules[spec.name] = failure
        return self.modules[spec.name]

    def expectation(self, check):
        if check.defined_in not in self.expected:
            self.expected[check.defined_in] = load_expectations(check.defined_in)
        return self.expected[check.defined_in].get(check.expectation_key, _Missing())

    def mistakes_of(self, assignment):
        """The stored signatures of the known mistakes of ``assignment``, with their hints."""
        if assignment not in self.known_mistakes:
            self.known_mistakes[assignment] = hints.load(assignment, EXPECTED_DIR)
        return self.known_mistakes[assignment]

    def failing_exercises(self, assignment):
        return {r.exercise for r in self.results if r.assignment == assignment and not r.passed}

    def run(self, check):
        outcome, result = run_check(check, self.modules_for(check.assignment), self.expectation(check),
                                    roots=[self.source], max_timeout=self.max_timeout)
        if not check.hidden:
            self.observations[check.id] = hints.observation(outcome, result)
        result = noting_dependencies(result, check, self.failing_exercises(check.assignment.name))
        self.results.append(result)
        release_freed_memory()
        return result


def grade(source, assignments=None, public_only=False, max_timeout=None, exercises=None):
    """Grade ``assignments`` (default: all) of the submission directory ``source``.

    ``max_timeout`` caps every check's own time limit (seconds); ``exercises`` limits
    grading to the named exercises. Returns a GradedRun: ``{assignment: (Assignment,
    [CheckResult, ...])}`` in course order, with the scores; its ``selected_exercises`` is
    the set of ``exercises`` (None when all were graded).
    """
    assignments = list(assignments or available_assignments())
    state = GradingState(source, assignments, public_only, max_timeout, exercises)
    files = [str(f) for f in state.files]
    args = ["-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:python", "-p", "no:warnings",
            "-c", os.devnull, "--rootdir", str(REPO), *files]
    exit_code = pytest.main(args, plugins=[state])
    results = hints.add_hints(state.results, state.observations, state.specs, state.mistakes_of)
    graded = GradedRun.collect(state.specs, results)
    graded.interrupted = exit_code == pytest.ExitCode.INTERRUPTED
    graded.selected_exercises = state.exercises  # the report lists only these (None: all)
    return graded
