"""Exercise isolation over the catalogue of known mistakes, proved cheaply: every mistake's
edits lie inside its own exercise's functions, and a check that calls a student function of
another exercise (recorded when grading the reference solution, ``grader/expected/
<assignment>.calls.json``) declares that dependency. So no mistake can cost points on an
exercise other than its own and its declared dependants."""
import pytest

from grader.expectations import load_calls
from grader.mistakes import catalogue, exercise_functions, solution_file
from grader.registry import REPO, load_spec
from grader.tracing import edited_definitions

ASSIGNMENTS = ["a1_gru", "a2_ner", "a3_bert"]


def owners(assignment, spec):
    """{student function: the exercise it belongs to}."""
    return {fn: ex for ex in spec.exercises for fn in exercise_functions(assignment, ex)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_mistake_lies_inside_its_exercise(assignment):
    source = (REPO / "solutions" / assignment / solution_file(assignment)).read_text()
    for name, mistake in catalogue(assignment).items():
        edited = edited_definitions(source, mistake.edits)
        assert edited <= exercise_functions(assignment, mistake.exercise), (
            f"{name}: edits {sorted(edited)}, outside exercise {mistake.exercise}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_checks_call_other_exercises_only_as_declared(assignment):
    spec, _ = load_spec(assignment)
    calls, owner = load_calls(assignment), owners(assignment, spec)
    undeclared = []
    for check in spec.checks():
        assert check.id in calls, f"{check.id}: no recorded calls; run `./run python -m grader expect`"
        for function in calls[check.id]:
            exercise = owner.get(function, check.exercise)  # provided helpers belong to no exercise
            if exercise != check.exercise and exercise not in check.depends_on:
                undeclared.append(f"{check.id} calls {function} ({exercise})")
    assert not undeclared, "undeclared dependencies: " + "; ".join(undeclared)
