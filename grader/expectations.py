"""Produce the stored expectations of every check by running it on the reference solution.

``python -m grader expect [ASSIGNMENT ...]`` writes ``grader/expected/<module>.json``;
``tests/test_expectations.py`` regenerates them in memory and fails on any drift.
"""
from grader import plain
from grader.runner import CheckTimeout, import_modules, seed_everything, time_limit
from grader.session import REPO, expectation_path, load_spec
from types import SimpleNamespace

SOLUTIONS = REPO / "solutions"


class ExpectationError(RuntimeError):
    pass


def compute(assignment, solutions=SOLUTIONS):
    """{check module name: {"exercise::check": plain data}} from the reference solution."""
    spec, module_names = load_spec(assignment)
    modules = import_modules(spec.modules, solutions / assignment, timeout=120)
    target = modules[spec.modules[0]] if len(spec.modules) == 1 else SimpleNamespace(**modules)
    out = {name: {} for name in module_names}
    for check in spec.checks():
        seed_everything()
        try:
            with time_limit(check.timeout):
                value = check.student_side(target)
        except (Exception, CheckTimeout) as exc:
            raise ExpectationError(f"reference solution fails {check.id}: "
                                   f"{type(exc).__name__}: {exc}") from exc
        out[check.defined_in][f"{check.exercise}::{check.name}"] = plain.to_plain(value)
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
