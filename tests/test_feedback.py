"""Messages tell the truth: what "not implemented yet" means, errors in the check's handling of
an unusable result, declared dependencies, every message with --verbose (no Trax needed)."""
import dataclasses

from grader import report
from grader.api import Assignment
from grader.results import GradedRun
from grader.runner import (NOT_IMPLEMENTED, CheckResult, Status, describe_exception, import_modules,
                           noting_dependencies, run_student_side)

STUDENT = '''
import helper

def stub():
    raise NotImplementedError("stub")

def own_raise():
    helper.library_call()

def flat():
    return [1, 2, 3]
'''
HELPER = '''
def library_call():
    raise NotImplementedError("a library feature the student's call needs")
'''


def outcome_of(tmp_path, student_side):
    (tmp_path / "sub").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "sub" / "student.py").write_text(STUDENT)
    (tmp_path / "lib" / "helper.py").write_text(HELPER)
    import sys
    sys.path.insert(0, str(tmp_path / "lib"))
    try:
        modules = import_modules(["student"], tmp_path / "sub", timeout=10)
        spec = Assignment("t", module="student", title="t", exercises=["e"])
        spec.check("e", subject="sentences")(student_side)
        return run_student_side(spec.checks()[0], modules, roots=[tmp_path / "sub"])
    finally:
        sys.path.remove(str(tmp_path / "lib"))
        sys.modules.pop("helper", None)


def test_only_a_stub_line_is_not_implemented(tmp_path):
    def stub(mod):
        "calls the stub"
        return mod.stub()
    assert outcome_of(tmp_path, stub).message == NOT_IMPLEMENTED


def test_a_library_not_implemented_error_is_an_error_with_the_student_line(tmp_path):
    def library(mod):
        "calls the library"
        return mod.own_raise()
    outcome = outcome_of(tmp_path, library)
    assert outcome.status == Status.ERROR
    assert "NotImplementedError: a library feature" in outcome.message
    assert "(student.py, line 8)" in outcome.message


def test_an_unusable_result_is_described_not_blamed_on_the_student(tmp_path):
    def nested(mod):
        "reads sentences"
        return [list(s) for s in mod.flat()]  # TypeError in the check's own code
    outcome = outcome_of(tmp_path, nested)
    assert outcome.status == Status.FAILED
    assert "sentences returned has an unexpected form" in outcome.message
    assert "raised" not in outcome.message


def test_a_syntax_error_names_its_place_once():
    try:
        compile("def f(:\n", "/sub/student.py", "exec")
    except SyntaxError as exc:
        message = describe_exception(exc, roots=[])
    assert message.count("student.py, line 1") == 1, message


def result(exercise, message, status=Status.FAILED):
    return CheckResult("t", f"t::{exercise}::c", exercise, "c", "d", 0.0, 1.0, False, status, message, 0.0)


def test_a_failing_dependency_is_named_first():
    spec = Assignment("t", module="student", title="t", exercises=["a", "b"])
    spec.check("b", depends_on=["a"])(lambda mod: None)
    check = spec.checks()[0]
    noted = noting_dependencies(result("b", "d: wrong"), check, failing_exercises={"a"})
    assert noted.message.startswith("this check calls your `a`, which fails its own checks")
    assert noting_dependencies(result("b", "d: wrong"), check, set()).message == "d: wrong"


def test_verbose_report_prints_every_failing_message():
    spec = Assignment("t", module="student", title="T", exercises=["e"])
    results = [dataclasses.replace(result("e", f"message {i}"), check_id=f"t::e::c{i}") for i in range(3)]
    run = GradedRun.collect({"t": spec}, results)
    assert "(+2 more failing checks)" in report.render(run, "x")
    verbose = report.render(run, "x", verbose=True)
    assert all(f"message {i}" in verbose for i in range(3)) and "more failing" not in verbose
