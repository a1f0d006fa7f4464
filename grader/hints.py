"""Misconception hints, matched when grading: a hint names a cause only when the student's
results identify it.

``python -m grader expect`` grades every catalogued mistake (``grader/mistakes/``) on the
public checks of its exercise and stores its *signature* — which of those checks it fails and
what it returns there — with its hint, in ``grader/expected/<assignment>.hints.json``::

    {"exercise": [[hint, {"check": {"status": ..., "value": ...}, ...}], ...]}

When grading, a mistake is a likely cause of an exercise's failures only when the student's
results on *every* public check of the exercise are its own: the same checks fail, with the
same results (a mistake that passes a check the student fails, or the reverse, is not it).
When several catalogued causes fit, all are named ("...; or ..."); when a catalogued *generic*
failure fits (a mistake stored without a hint: "returns the argmax", a constant), no cause is
named, since the result says nothing more specific. Hidden checks never hint and take no part
in signatures: nothing is computed or stored for them.

This module only matches; the signatures are computed at expect time by
:func:`grader.expectations.mistake_signatures`.
"""
import dataclasses
from pathlib import Path

from grader import plain
from grader.compare import compare
from grader.runner import Status

SUFFIX = ".hints.json"
OPEN, SEPARATOR = " (likely cause: ", "; or "


def hints_path(assignment, expected_dir):
    return Path(expected_dir) / f"{assignment}{SUFFIX}"


def load(assignment, expected_dir):
    """The stored ``{exercise: [[hint, signature], ...]}`` of ``assignment`` ({} if none)."""
    path = hints_path(assignment, expected_dir)
    return plain.loads(path.read_text()) if path.is_file() else {}


def hinted_mistakes(assignment, expected_dir):
    """Hints that can be shown for ``assignment`` (a mistake is hinted when one is its)."""
    known = load(assignment, expected_dir)
    return {hint for exercise in known.values() for hint, _ in exercise if hint}


def observation(outcome, result):
    """What a signature records of one public check: None when it passes, else the status of
    what the student's code produced and, for a result judged wrong, the result."""
    if result.passed:
        return None
    if outcome.status == Status.DATA:
        return {"status": Status.FAILED, "value": outcome.value}
    return {"status": outcome.status, "value": None}


def _same(check, got, stored):
    """True when the student's observation of ``check`` equals a mistake's stored one."""
    if got is None or stored is None:
        return got is None and stored is None
    if got["status"] != stored["status"]:
        return False
    if got["value"] is None or stored["value"] is None:
        return got["value"] is None and stored["value"] is None
    try:
        return compare(got["value"], stored["value"], rtol=check.rtol, atol=check.atol,
                       exact_dtype=True) is None  # another dtype is another cause
    except Exception:  # an unforeseen shape of data is simply no match
        return False


def causes(checks, observations, known):
    """The hints of the known mistakes whose signature equals the student's ``observations``
    (``{check key: observation}`` over the public ``checks`` of one exercise), in catalogue
    order; [] when none fits or a generic failure (a mistake without a hint) fits."""
    fitting = [hint for hint, signature in known
               if all(_same(c, observations.get(c.expectation_key), signature.get(c.expectation_key))
                      for c in checks)]
    if not fitting or not all(fitting):
        return []
    return list(dict.fromkeys(fitting))


def with_hint(message, hints):
    """``message`` with the likely causes ``hints`` (a list) added, or unchanged."""
    return f"{message}{OPEN}{SEPARATOR.join(hints)})" if hints else message


def shown_causes(messages):
    """The likely causes that ``messages`` name (as :func:`with_hint` wrote them), each once."""
    found = []
    for message in messages:
        if OPEN in message and message.endswith(")"):
            found += [c for c in message.rsplit(OPEN, 1)[1][:-1].split(SEPARATOR) if c not in found]
    return found


def add_hints(results, observations, specs, known_of):
    """``results`` (CheckResults) with the failing public checks of each exercise carrying the
    causes that fit it. ``observations``: ``{check id: observation}`` of the public checks that
    ran; ``specs``: ``{assignment: Assignment}``; ``known_of(assignment)``: its stored
    signatures. An exercise some of whose public checks did not run gets no hint."""
    causes_of = {}
    for name, spec in specs.items():
        for exercise, stored in known_of(name).items():
            checks = [c for c in spec.exercises[exercise].checks if not c.hidden] if exercise in spec.exercises else []
            if checks and all(c.id in observations for c in checks):
                causes_of[(name, exercise)] = causes(
                    checks, {c.expectation_key: observations[c.id] for c in checks}, stored)
    return [dataclasses.replace(r, message=with_hint(r.message, causes_of.get((r.assignment, r.exercise))))
            if not r.passed and not r.hidden else r for r in results]
