"""Run one check safely: seeds, time limit, student errors turned into one-line messages."""
import contextlib
import importlib
import random
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from grader.plain import to_plain

NOT_IMPLEMENTED = "not implemented yet"
SEED = 0


class CheckTimeout(BaseException):
    """Raised inside student code when a check runs out of time (BaseException so a bare
    ``except Exception`` in student code cannot swallow it)."""


@dataclass
class CheckResult:
    check_id: str
    exercise: str
    name: str
    description: str
    points: float
    max_points: float
    hidden: bool
    status: str          # passed | failed | not implemented | timeout | error | import error
    message: str         # one line, safe to show to the student
    seconds: float

    @property
    def passed(self):
        return self.status == "passed"


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


def describe_exception(exc, roots):
    """One line for an exception raised by student code."""
    if isinstance(exc, NotImplementedError):
        return NOT_IMPLEMENTED
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(text) > 200:
        text = text[:197] + "..."
    return f"raised {type(exc).__name__}{': ' + text if text else ''}{where_in_submission(exc, roots)}"


class ImportFailure(Exception):
    """A student module could not be imported; the message names file and line."""


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
                                    f"{timeout:g} s (code at module level that never ends?)") from None
            except (Exception, SystemExit) as exc:
                raise ImportFailure(f"could not import {name}.py: "
                                    f"{describe_exception(exc, [directory])}") from None
    finally:
        sys.path.remove(str(directory))
        for added in set(sys.modules) - before:  # keep other submissions' modules apart
            file = getattr(sys.modules[added], "__file__", None) or ""
            if file and Path(file).resolve().is_relative_to(directory) and added not in names:
                del sys.modules[added]
    return modules


def run_check(check, modules_or_failure, expected, roots, max_timeout=None):
    """Run both halves of ``check`` and return its CheckResult."""
    start = time.perf_counter()
    timeout = min(check.timeout, max_timeout or check.timeout)

    def result(status, message=""):
        if status != "passed" and check.hidden and status in ("failed", "error"):
            message = f"hidden check failed: {check.description}"
        return CheckResult(check.id, check.exercise, check.name, check.description,
                           check.points if status == "passed" else 0.0, check.points,
                           check.hidden, status, message, time.perf_counter() - start)

    if isinstance(modules_or_failure, ImportFailure):
        return result("import error", str(modules_or_failure))
    names = check.assignment.modules
    module = (modules_or_failure[names[0]] if len(names) == 1
              else SimpleNamespace(**modules_or_failure))
    seed_everything()
    try:
        with time_limit(timeout):
            got = to_plain(check.student_side(module))
    except CheckTimeout:
        return result("timeout", f"timed out after {timeout:g} s")
    except NotImplementedError:
        return result("not implemented", NOT_IMPLEMENTED)
    except (Exception, SystemExit) as exc:
        return result("error", f"{check.description}: {describe_exception(exc, roots)}")
    try:
        message = check.judge_result(got, expected)
    except Exception as exc:  # the judge met data it did not foresee
        message = f"result could not be checked ({type(exc).__name__}: {exc})"
    if message:
        return result("failed", f"{check.description}: {message}")
    return result("passed")
