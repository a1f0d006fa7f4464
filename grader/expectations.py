"""Produce the stored expectations of every check by running it on the reference solution.

``python -m grader expect [ASSIGNMENT ...]`` writes ``grader/expected/<module>.json``;
``tests/test_expectations.py`` regenerates them in memory and fails on any drift.
"""
from grader import plain
from grader.registry import REPO, expectation_path, load_spec
from grader.runner import Status, import_modules, run_student_side

SOLUTIONS = REPO / "solutions"


class ExpectationError(RuntimeError):
    pass


def compute(assignment, solutions=SOLUTIONS):
    """{check module name: {check.expectation_key: plain data}} from the reference solution."""
    spec, module_names = load_spec(assignment)
    modules = import_modules(spec.modules, solutions / assignment, timeout=120)
    out = {name: {} for name in module_names}
    for check in spec.checks():
        outcome = run_student_side(check, modules, roots=[solutions])
        if outcome.status != Status.DATA:
            raise ExpectationError(f"reference solution fails {check.id}: {outcome.message}")
        out[check.defined_in][check.expectation_key] = outcome.value
    return out


def write(assignment):
    """Regenerate and store the expectations of ``assignment``; return the files written."""
    written = []
    for module_name, values in compute(assignment).items():
        path = expectation_path(module_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plain.dumps(values))
        written.append(path)
    return written
