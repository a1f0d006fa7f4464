"""Where the grader's pieces live: assignments, their check modules and stored expectations.

Loading a spec imports only the check modules (and what they import), never pytest, so the
sandboxed :mod:`grader.student_side`, batch grading and the expectation writer stay light.
"""
import importlib
from pathlib import Path

from grader import plain

GRADER_DIR = Path(__file__).resolve().parent
REPO = GRADER_DIR.parent
CHECKS_DIR = GRADER_DIR / "checks"
EXPECTED_DIR = GRADER_DIR / "expected"
HIDDEN_SUFFIX = "_hidden"


def available_assignments():
    """Names of the assignments that have a public checks module, in course order."""
    return sorted(p.stem for p in CHECKS_DIR.glob("a*.py") if not p.stem.endswith(HIDDEN_SUFFIX))


def check_modules(assignment, public_only=False):
    """Check module files for ``assignment``: the public one, then the hidden one if present."""
    files = [CHECKS_DIR / f"{assignment}.py"]
    hidden = CHECKS_DIR / f"{assignment}{HIDDEN_SUFFIX}.py"
    if hidden.is_file() and not public_only:
        files.append(hidden)
    return files


def load_spec(assignment, public_only=False):
    """Import the check modules of ``assignment``; return (Assignment, module names loaded)."""
    names = [f"grader.checks.{f.stem}" for f in check_modules(assignment, public_only)]
    spec = importlib.import_module(names[0]).ASSIGNMENT
    for name in names[1:]:
        importlib.import_module(name)
    return spec, names


def expectation_path(check_module_name):
    """The JSON file holding the expectations of the checks declared in ``check_module_name``."""
    return EXPECTED_DIR / f"{check_module_name.rsplit('.', 1)[-1]}.json"


def load_expectations(check_module_name):
    """{check.expectation_key: plain data} stored for ``check_module_name`` ({} if none)."""
    path = expectation_path(check_module_name)
    return plain.loads(path.read_text()) if path.is_file() else {}


def stored_expectation(check, expectations, missing=None):
    """The expectation of ``check`` in ``{module name: {key: data}}``, else ``missing``."""
    return expectations.get(check.defined_in, {}).get(check.expectation_key, missing)
