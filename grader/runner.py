"""Run one check safely: seeds, time limit, student errors turned into one-line messages."""
import contextlib
import importlib
import random
import signal
import sys
import threading
import time
import traceback
import types
import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader import replay
from grader.api import Fail
from grader.plain import to_plain

NOT_IMPLEMENTED = "not implemented yet"
SEED = 0
IMPORT_TIMEOUT = 60.0  # seconds for importing a student module


def import_time_limit(max_timeout=None):
    """The import limit under an optional cap on every time limit."""
    return min(IMPORT_TIMEOUT, max_timeout or IMPORT_TIMEOUT)


class Status:
    """The named statuses of a check. An Outcome (student side) is ``DATA`` or one of the
    failures below; a CheckResult (judged) is ``PASSED``, ``FAILED`` or an Outcome's failure.
    Batch grading decides a submission's status from these, never from message text."""
    DATA = "data"
    PASSED = "passed"
    FAILED = "failed"
    NOT_IMPLEMENTED = "not implemented"
    TIMEOUT = "timeout"
    ERROR = "error"
    IMPORT_ERROR = "import error"
    IMPORT_TIMEOUT = "import timeout"
    OUT_OF_MEMORY = "out of memory"


class CheckTimeout(BaseException):
    """Raised inside student code when a check runs out of time (BaseException so a bare
    ``except Exception`` in student code cannot swallow it)."""


@dataclass
class CheckResult:
    """The judged result of one check of ``assignment``."""
    assignment: str
    check_id: str
    exercise: str
    name: str
    description: str
    points: float
    max_points: float
    hidden: bool
    status: str          # a Status other than DATA
    message: str         # one line, safe to show to the student
    seconds: float

    @property
    def passed(self):
        return self.status == Status.PASSED


@contextlib.contextmanager
def time_limit(seconds):
    """Raise CheckTimeout in the block after ``seconds`` (main thread only; else no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise CheckTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def seed_everything(seed=SEED):
    """Seed ``random`` and NumPy's global generator; checks build JAX keys from ``seed``."""
    random.seed(seed)
    np.random.seed(seed)


def where_in_submission(exc, roots):
    """' (file.py, line N)' for the deepest traceback frame inside the submission, or ''."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f" ({Path(exc.filename).name}, line {exc.lineno})"
    place = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if any(Path(frame.filename).resolve().is_relative_to(r) for r in roots):
            place = f" ({Path(frame.filename).name}, line {frame.lineno})"
    return place


def root_cause(exc):
    """The exception the student's code raised. Trax re-raises an error inside a layer as a
    ``LayerError`` (one per enclosing layer, each handling the one below); unwrap those."""
    seen = set()
    while type(exc).__name__ == "LayerError" and exc.__context__ is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__context__
    return exc


def in_submission(filename, roots):
    return any(Path(filename).resolve().is_relative_to(r) for r in roots)


def raised_by_stub(exc, roots):
    """True for a NotImplementedError raised by a stub line of the submission
    (``raise NotImplementedError(...)``): only that means "not implemented yet". JAX, for one,
    raises NotImplementedError too (e.g. when NumPy indexing meets a traced value)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return (isinstance(exc, NotImplementedError) and bool(frames)
            and in_submission(frames[-1].filename, roots) and (frames[-1].line or "").lstrip().startswith("raise NotImplementedError"))


def raised_in_check_code(exc, roots):
    """True when the error arose in the check's own code after the student's code had returned
    (no frame of the submission on the traceback): the student's result was unusable, the
    student's code did not crash. A function missing from the student's module is not that."""
    missing_function = isinstance(exc, AttributeError) and isinstance(getattr(exc, "obj", None),
                                                                       types.ModuleType)
    frames = traceback.extract_tb(exc.__traceback__)
    return not missing_function and not any(in_submission(f.filename, roots) for f in frames)


def exception_text(exc):
    """``Type: first line of the message`` (at most 200 characters of it)."""
    text = exc.msg if isinstance(exc, SyntaxError) else str(exc)  # the location is added once
    text = text.strip().splitlines()[0] if text.strip() else ""
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{type(exc).__name__}{': ' + text if text else ''}"


def describe_exception(exc, roots):
    """One line for an exception raised by student code."""
    exc = root_cause(exc)
    if raised_by_stub(exc, roots):
        return NOT_IMPLEMENTED
    return f"raised {exception_text(exc)}{where_in_submission(exc, roots)}"


def unusable_result(check, exc):
    """One line for an error in the check's own code while it used the student's result."""
    if isinstance(exc, StopIteration):
        return (f"{check.description}: the generator ended; it must never stop (start again from "
                "the beginning of the data when it runs out)")
    return (f"{check.description}: the {check.subject} returned has an unexpected form (reading it "
            f"failed with {exception_text(exc)}); check the type and nesting of what you return")


class ImportFailure(Exception):
    """A student module could not be imported; the message names file and line, ``status``
    says why (Status.IMPORT_ERROR, IMPORT_TIMEOUT or OUT_OF_MEMORY)."""

    def __init__(self, message, status=Status.IMPORT_ERROR):
        super().__init__(message)
        self.status = status


def import_modules(names, directory, timeout):
    """Import the student modules ``names`` from ``directory`` (fresh, not cached copies)."""
    directory = Path(directory).resolve()
    for name in names:
        if not (directory / f"{name}.py").is_file():
            raise ImportFailure(f"could not import {name}.py: file not found in {directory}")
    before = set(sys.modules)
    for name in names:
        sys.modules.pop(name, None)
    sys.path.insert(0, str(directory))
    modules = {}
    try:
        for name in names:
            try:
                with time_limit(timeout):
                    modules[name] = importlib.import_module(name)
            except CheckTimeout:
                raise ImportFailure(f"could not import {name}.py: import timed out after "
                                    f"{timeout:g} s (code at module level that never ends?)",
                                    Status.IMPORT_TIMEOUT) from None
            except (Exception, SystemExit) as exc:
                status = (Status.OUT_OF_MEMORY if isinstance(root_cause(exc), MemoryError)
                          else Status.IMPORT_ERROR)
                raise ImportFailure(f"could not import {name}.py: "
                                    f"{describe_exception(exc, [directory])}", status) from None
    finally:
        sys.path.remove(str(directory))
        for added in set(sys.modules) - before:  # keep other submissions' modules apart
            file = getattr(sys.modules[added], "__file__", None) or ""
            if file and Path(file).resolve().is_relative_to(directory) and added not in names:
                del sys.modules[added]
    return modules


@dataclass
class Outcome:
    """What the student side of one check produced: plain data, or why there is none.

    ``status`` is Status.DATA (then ``value`` holds the plain data), or a failure status
    (then ``message`` says why)."""
    status: str
    value: object = None
    message: str = ""
    seconds: float = 0.0


def run_student_side(check, modules_or_failure, roots, max_timeout=None):
    """Call the student's code through ``check`` and return its Outcome (never raises)."""
    start = time.perf_counter()
    timeout = min(check.timeout, max_timeout or check.timeout)

    def outcome(status, value=None, message=""):
        return Outcome(status, value, message, time.perf_counter() - start)

    if isinstance(modules_or_failure, ImportFailure):
        return outcome(modules_or_failure.status, message=str(modules_or_failure))
    names = check.assignment.modules
    module = (modules_or_failure[names[0]] if len(names) == 1
              else types.SimpleNamespace(**modules_or_failure))
    seed_everything(SEED)  # read at call time: a test re-seeds the checks through it
    try:
        with time_limit(timeout), replay.standing_in(check, modules_or_failure):
            return outcome(Status.DATA, to_plain(check.student_side(module)))
    except CheckTimeout:
        return outcome(Status.TIMEOUT, message=f"timed out after {timeout:g} s")
    except Fail as failure:  # the check found the result unusable and says why
        return outcome(Status.FAILED, message=f"{check.description}: {failure}")
    except (Exception, SystemExit) as exc:
        cause = root_cause(exc)  # may be raised inside a Trax layer
        if raised_by_stub(cause, roots):
            return outcome(Status.NOT_IMPLEMENTED, message=NOT_IMPLEMENTED)
        if isinstance(cause, MemoryError):
            return outcome(Status.OUT_OF_MEMORY, message=f"{check.description}: ran out of memory")
        if raised_in_check_code(cause, roots):
            return outcome(Status.FAILED, message=unusable_result(check, cause))
        return outcome(Status.ERROR, message=f"{check.description}: {describe_exception(exc, roots)}")


def judge_outcome(check, outcome, expected):
    """The CheckResult for ``outcome``: the judge alone decides whether points are earned
    (likely causes are added afterwards, per exercise: :mod:`grader.hints`)."""
    status, message = outcome.status, outcome.message
    if status == Status.DATA:
        try:
            verdict = check.judge_result(outcome.value, expected)
        except Exception as exc:  # the judge met data it did not foresee
            verdict = (f"the {check.subject} returned has an unexpected form (judging it failed "
                       f"with {exception_text(exc)})")
        status, message = ((Status.FAILED, f"{check.description}: {verdict}") if verdict
                           else (Status.PASSED, ""))
    if check.hidden and status in (Status.FAILED, Status.ERROR):
        message = f"hidden check failed: {check.description}"
    return CheckResult(check.assignment.name, check.id, check.exercise, check.name, check.description,
                       check.points if status == Status.PASSED else 0.0, check.points,
                       check.hidden, status, message, outcome.seconds)


def run_check(check, modules_or_failure, expected, roots, max_timeout=None):
    """Run both halves of ``check`` in this process; return its Outcome and CheckResult."""
    outcome = run_student_side(check, modules_or_failure, roots, max_timeout)
    return outcome, judge_outcome(check, outcome, expected)


def noting_dependencies(result, check, failing_exercises):
    """``result`` with, for a failing check, a first note naming the exercises it depends on
    that fail their own checks (``failing_exercises``): fix those first."""
    failing = [ex for ex in check.depends_on if ex in failing_exercises]
    if result.status in (Status.PASSED, Status.NOT_IMPLEMENTED) or not failing or check.hidden:
        return result
    names = ", ".join(f"`{ex}`" for ex in failing)
    note = (f"this check calls your {names}, which fails its own checks: fix that first; ")
    return dataclasses.replace(result, message=note + result.message)
