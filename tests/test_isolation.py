"""Exercise isolation over the catalogue of known mistakes, proved cheaply: every mistake's
edits lie inside its own exercise's functions, and a check that calls a student function of
another exercise (recorded when grading the reference solution, ``grader/expected/
<assignment>.calls.json``) either replays the reference's results for it (``replay``,
:mod:`grader.replay`: then the student's function does not run) or declares that dependency.
So no mistake can cost points on an exercise other than its own and its declared dependants.
And a replay file never holds the answer to another check."""
import pytest

from grader import replay
from grader.expectations import load_calls
from grader.mistakes import catalogue, exercise_functions, solution_file
from grader.registry import REPO, available_assignments, load_spec
from grader.runner import import_modules, run_student_side
from grader.tracing import edited_definitions, substituted

ASSIGNMENTS = ["a0_warmup", "a1_gru", "a2_ner", "a3_bert"]


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


def replayed_arguments(spec, module_names):
    """``{function: [arguments key of every recorded call]}`` over the assignment's replay files."""
    keys = {}
    for module_name in module_names:
        for calls in replay.stored_of(module_name).values():
            for function, records in calls.items():
                keys.setdefault(function, []).extend(  # a sealed record answers only its own call
                    {"args": r["key"]["args"], "kwargs": r["key"]["kwargs"]} for r in records if "key" in r)
    return keys


def watching(function, seen, own):
    def watched(*args, **kwargs):
        seen.append(replay.arguments_key(args, kwargs, own))
        return function(*args, **kwargs)
    return watched


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_replay_never_answers_a_check_of_the_collaborators_exercise(assignment):
    """Run on the reference, the checks of a replayed function's own exercise never pass it
    arguments that a replay file records: reading that file answers none of them."""
    spec, module_names = load_spec(assignment)
    replayed, owner = replayed_arguments(spec, module_names), owners(assignment, spec)
    checks = [c for c in spec.checks() if any(owner.get(f) == c.exercise for f in replayed)]
    if not checks:
        return  # nothing replayed in this assignment
    modules = import_modules(spec.modules, REPO / "solutions" / spec.name, timeout=600)
    own = frozenset(modules)
    clashes = []
    for check in checks:
        seen = {f: [] for f in replayed if owner.get(f) == check.exercise}
        patches = [(m, f, watching(getattr(m, f), seen[f], own))
                   for f in seen for m in modules.values() if hasattr(m, f)]
        with substituted(patches):
            run_student_side(check, modules, roots=[REPO / "solutions"])
        clashes += [f"{check.id} passes {f} arguments a replay records" for f, keys in seen.items()
                    if any(replay.same(k, r) for k in keys for r in replayed[f])]
    assert not clashes, "; ".join(clashes)
