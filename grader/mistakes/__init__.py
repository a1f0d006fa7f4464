"""The catalogue of known student mistakes, one module per assignment.

A :class:`Mistake` is a plausible wrong implementation of one exercise, written as text edits
of the reference solution, with the hint a student should read when their results look like
it. An empty hint marks a *generic* failure (e.g. "returns the argmax"): it names no cause, and
results it fits get no hint at all (:mod:`grader.hints`). The catalogue serves two purposes:

* ``tests/test_a*_mutations.py`` apply every mistake and check that it loses points on its
  own exercise (and nowhere else) with an actionable message;
* ``python -m grader expect`` runs every mistake through the public checks of its exercise and
  stores its signature, so the grader can add the hint when a student's results match it.

The edits quote the solutions, so this package never ships to students (see ``release.py``).
"""
import importlib
from dataclasses import dataclass
from pathlib import Path


class MistakeError(ValueError):
    """A mistake's edit no longer applies to the solution it was written against."""


@dataclass(frozen=True)
class Mistake:
    """One known mistake: ``edits`` are ``(old, new)`` replacements in the solution file."""
    name: str
    exercise: str
    hint: str
    edits: tuple

    def apply(self, text):
        """``text`` (the solution module's source) with this mistake's edits made."""
        for old, new in self.edits:
            if old not in text:
                raise MistakeError(f"{self.name}: edit target not found: {old[:60]!r}")
            text = text.replace(old, new, 1)
        return text


def mistake(name, exercise, hint, *edits):
    """A :class:`Mistake`; ``edits`` are ``(old, new)`` pairs."""
    return Mistake(name, exercise, hint, tuple(edits))


def module_for(assignment):
    return importlib.import_module(f"grader.mistakes.{assignment}")


def catalogue(assignment):
    """``{name: Mistake}`` of ``assignment`` in catalogue order."""
    mistakes = module_for(assignment).MISTAKES
    names = [m.name for m in mistakes]
    if len(set(names)) != len(names):
        raise MistakeError(f"{assignment}: duplicate mistake names")
    return {m.name: m for m in mistakes}


def exercise_functions(assignment, exercise):
    """Names of the student module's definitions that make up ``exercise`` (by default the
    one definition of the same name; a module's ``FUNCTIONS`` lists the exceptions)."""
    return set(getattr(module_for(assignment), "FUNCTIONS", {}).get(exercise, [exercise]))


def solution_file(assignment):
    """The name of the solution file the assignment's mistakes edit (e.g. ``gru_lm.py``)."""
    return module_for(assignment).FILENAME


def write_mutant(assignment, mistake_, solutions, target):
    """Copy the solution of ``assignment`` to ``target/assignment/`` with ``mistake_`` made;
    return ``target`` (a submission directory laid out like ``assignments/``)."""
    source = Path(solutions) / assignment / solution_file(assignment)
    out = Path(target) / assignment
    out.mkdir(parents=True, exist_ok=True)
    (out / source.name).write_text(mistake_.apply(source.read_text()))
    return Path(target)
