"""Hints that never mislead (grader/hints.py): a likely cause is named only when the student's
results on every public check of the exercise are those of a catalogued mistake."""
from grader import hints
from grader.api import Assignment
from grader.runner import CheckResult, Outcome, Status

SPEC = Assignment("t", module="student", title="t", exercises=["e"])
for name in ("one", "two"):
    SPEC.check("e", name=name)(lambda mod: None)
ONE, TWO = SPEC.checks()


def seen(value):
    return {"status": Status.FAILED, "value": value}


def named(observations, known):
    """The causes named on a failing check, given each check's observation."""
    results = [CheckResult("t", c.id, "e", c.name, "d", 0.0, 1.0, False,
                           Status.PASSED if observations[c.id] is None else Status.FAILED, "d: wrong", 0.0)
               for c in (ONE, TWO)]
    hinted = hints.add_hints(results, observations, {"t": SPEC}, lambda a: {"e": known})
    return hints.shown_causes(r.message for r in hinted)


def test_a_cause_is_named_only_when_every_public_check_fits():
    known = [["swap the gates", {"e::one": seen([1, 2])}]]
    assert named({ONE.id: seen([1, 2]), TWO.id: None}, known) == ["swap the gates"]
    assert named({ONE.id: seen([1, 2]), TWO.id: seen(3)}, known) == []  # also fails a check it passes
    assert named({ONE.id: seen([1, 3]), TWO.id: None}, known) == []  # another wrong result


def test_two_fitting_causes_are_both_named_and_a_generic_failure_silences_them():
    known = [["swap the gates", {"e::one": seen([1, 2])}], ["add the bias", {"e::one": seen([1, 2])}]]
    assert named({ONE.id: seen([1, 2]), TWO.id: None}, known) == ["swap the gates", "add the bias"]
    generic = known + [["", {"e::one": seen([1, 2])}]]
    assert named({ONE.id: seen([1, 2]), TWO.id: None}, generic) == []


def test_an_observation_keeps_the_status_and_a_wrong_result():
    failed = CheckResult("t", ONE.id, "e", "one", "d", 0.0, 1.0, False, Status.FAILED, "m", 0.0)
    assert hints.observation(Outcome(Status.DATA, [1]), failed) == seen([1])
    assert hints.observation(Outcome(Status.ERROR, message="raised"), failed) == {"status": Status.ERROR,
                                                                                  "value": None}
    passed = CheckResult("t", ONE.id, "e", "one", "d", 1.0, 1.0, False, Status.PASSED, "", 0.0)
    assert hints.observation(Outcome(Status.DATA, [1]), passed) is None
