"""Produce the stored expectations of every check by running it on the reference solution.

``python -m grader expect [ASSIGNMENT ...]`` writes, in ``grader/expected/``:

* ``<module>.json``: each check's result on the reference solution;
* ``<assignment>.calls.json``: which student functions each check calls there
  (:mod:`grader.tracing`; exercise isolation is tested on it);
* ``<assignment>.hints.json``: what each catalogued mistake returns on the public checks of
  its exercise, with its hint (:mod:`grader.hints`).

``tests/test_expectations.py`` regenerates the first two in memory and fails on any drift.
"""
from grader import hints, plain
from grader.registry import EXPECTED_DIR, REPO, expectation_path, load_spec
from grader.runner import Status, import_modules, run_student_side
from grader.tracing import calls_into

SOLUTIONS = REPO / "solutions"


class ExpectationError(RuntimeError):
    pass


def compute_with_calls(assignment, solutions=SOLUTIONS):
    """``({check module name: {check.expectation_key: plain data}}, {check id: [called names]})``
    from the reference solution."""
    spec, module_names = load_spec(assignment)
    modules = import_modules(spec.modules, solutions / assignment, timeout=120)
    out, calls = {name: {} for name in module_names}, {}
    for check in spec.checks():
        with calls_into(modules) as called:
            outcome = run_student_side(check, modules, roots=[solutions])
        if outcome.status != Status.DATA:
            raise ExpectationError(f"reference solution fails {check.id}: {outcome.message}")
        out[check.defined_in][check.expectation_key] = outcome.value
        calls[check.id] = sorted(called)
    return out, calls


def compute(assignment, solutions=SOLUTIONS):
    """{check module name: {check.expectation_key: plain data}} from the reference solution."""
    return compute_with_calls(assignment, solutions)[0]


def calls_path(assignment):
    return EXPECTED_DIR / f"{assignment}.calls.json"


def load_calls(assignment):
    """The stored ``{check id: [student functions it calls]}`` of ``assignment``."""
    path = calls_path(assignment)
    return plain.loads(path.read_text()) if path.is_file() else {}


def has_mistakes(assignment):
    from grader import mistakes
    try:
        mistakes.module_for(assignment)
    except ModuleNotFoundError:
        return False
    return True


def write(assignment, with_hints=True):
    """Regenerate and store the expectations of ``assignment`` (and, unless ``with_hints`` is
    false, the known mistakes' results); return the files written."""
    written = []
    values_by_module, calls = compute_with_calls(assignment)
    for module_name, values in values_by_module.items():
        path = expectation_path(module_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plain.dumps(values))
        written.append(path)
    calls_path(assignment).write_text(plain.dumps(calls))
    written.append(calls_path(assignment))
    if with_hints and has_mistakes(assignment):
        spec, _ = load_spec(assignment)
        expected = {key: value for values in values_by_module.values() for key, value in values.items()}
        path = hints.hints_path(assignment, EXPECTED_DIR)
        path.write_text(plain.dumps(hints.wrong_results(assignment, SOLUTIONS, spec, expected)))
        written.append(path)
    return written
