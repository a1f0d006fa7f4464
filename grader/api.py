"""How checks are declared.

An assignment has exercises; an exercise has checks; each check is worth points, so an
exercise earns partial credit from the checks that pass. A check has two halves:

* the **student side** (the decorated function) calls the student's module on inputs it
  builds and returns *plain data* (numbers, strings, arrays, lists/dicts of them);
* the **judge side** compares that data with the expectation stored from the reference
  solution (default: :func:`grader.compare.compare`), or applies its own rule.

The halves meet only through plain data, so they can run in different processes.

Example::

    A = Assignment("a0_warmup", module="montecarlo", title="Warm-up")

    @A.check("mc_estimate_loop", points=1)
    def loop_uniform(mc):
        "estimate of the integral of x^2 on [0, 1] from 1,000 fixed samples"
        return mc.mc_estimate_loop(square, unit_density, SAMPLES)

**One expensive call, several checks.** When several checks judge different facts of one
expensive student call (e.g. a short training run, where compilation dominates), put the
call in a helper decorated with :func:`grader.memo.shared`: it runs once per submission and
argument list, and every check that calls it with the same arguments gets the same result
(or the same error). Arguments must be hashable (pass config values, not objects) and the
result should be plain data the checks only read. The memo is keyed by the student module
object, so different submissions never share; the seeds are reset around the call, so the
result does not depend on which check ran first. See :mod:`grader.memo` for the rules::

    @shared
    def run_small_training(mod, **config):
        return loop_summary(mod.train_model(..., config=mod.Config(**config)))
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

from grader.compare import compare

#: Default per-check time limit (seconds): generous enough for a JAX/Trax compilation.
DEFAULT_TIMEOUT = 120.0


class Fail(Exception):
    """Raised by a judge with a message the student can act on."""


def default_judge(check):
    """Judge that compares the student's data with the stored expectation."""
    def judge(got, expected):
        return compare(got, expected, name=check.subject, rtol=check.rtol, atol=check.atol,
                       exact_dtype=check.exact_dtype)
    return judge


@dataclass
class Check:
    """One graded check (see the module docstring)."""
    assignment: "Assignment"
    exercise: str
    name: str
    student_side: Callable
    description: str
    points: float = 1.0
    hidden: bool = False
    timeout: float = DEFAULT_TIMEOUT
    rtol: float = 1e-6
    atol: float = 1e-8
    exact_dtype: bool = False
    subject: str = "result"
    judge: Optional[Callable] = None
    #: Module that declared the check (public checks module or its ``_hidden`` twin).
    defined_in: str = ""
    #: Other exercises whose student functions the check calls (it says so when they fail).
    depends_on: tuple = ()
    #: Student functions of other exercises answered by the reference's recorded results
    #: (:mod:`grader.replay`).
    replay: tuple = ()

    @property
    def id(self):
        return f"{self.assignment.name}::{self.exercise}::{self.name}"

    @property
    def expectation_key(self):
        """The key of this check's expectation in its module's stored JSON."""
        return f"{self.exercise}::{self.name}"

    def judge_result(self, got, expected):
        """Return None when ``got`` earns the points, else a message (``Fail`` is caught)."""
        judge = self.judge or default_judge(self)
        try:
            return judge(got, expected)
        except Fail as failure:
            return str(failure)


@dataclass
class Exercise:
    name: str
    checks: list = field(default_factory=list)

    @property
    def max_points(self):
        return sum(c.points for c in self.checks)


class Assignment:
    """An assignment: the student modules it grades and its exercises, in lesson order."""

    def __init__(self, name, module, title, exercises=()):
        self.name = name
        self.modules = [module] if isinstance(module, str) else list(module)
        self.title = title
        self.exercises = {e: Exercise(e) for e in exercises}

    def check(self, exercise, points=1.0, hidden=False, timeout=DEFAULT_TIMEOUT, rtol=1e-6,
              atol=1e-8, exact_dtype=False, subject="result", judge=None, name=None, depends_on=(),
              replay=(), defined_in=None):
        """Decorator declaring a check; the function's docstring is its description.

        A check grades its own exercise: collaborators it needs come from the check, not from
        the student's other exercises. Where it must call another exercise's student function,
        ``replay`` names that function: during the check it answers with the reference's
        recorded results (:mod:`grader.replay`). Only where that cannot work (a class or layer
        of another exercise), ``depends_on`` names the exercise, so a failure there is
        reported first.

        A hidden check's description is shown to students when it fails, so it must
        say what is tested without revealing inputs or expected values.

        ``defined_in``: the check module the check belongs to (default: the module declaring
        it). A checks module split into parts names itself here, so that its checks keep its
        stored expectations and its visibility.
        """
        def register(student_side):
            description = (student_side.__doc__ or student_side.__name__).strip().splitlines()[0]
            chk = Check(self, exercise, name or student_side.__name__, student_side, description,
                        points, hidden, timeout, rtol, atol, exact_dtype, subject, judge,
                        defined_in=defined_in or student_side.__module__,
                        depends_on=tuple(depends_on), replay=tuple(replay))
            ex = self.exercises.setdefault(exercise, Exercise(exercise))
            if any(c.name == chk.name for c in ex.checks):
                raise ValueError(f"duplicate check {chk.id}")
            ex.checks.append(chk)
            return student_side
        return register

    def checks(self, include_hidden=True):
        return [c for ex in self.exercises.values() for c in ex.checks
                if include_hidden or not c.hidden]
