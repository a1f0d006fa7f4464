"""Replayed collaborators (grader/replay.py): a check that must call another exercise's student
function gets the reference's recorded result, with the random generators left as the reference
left them; a call the reference never made runs the student's own function."""
import random

import numpy as np

from grader import replay
from grader.api import Assignment
from grader.runner import Status, import_modules, run_student_side

REFERENCE = '''
import random
import numpy as np

def noisy(x, rng):
    return float(np.sum(x) + rng.uniform())

def sample(p):
    u = np.random.uniform(size=len(p))
    random.random()
    return int(np.argmax(np.log(p) - np.log(-np.log(u))))

def total(xs, rng, helper=noisy):
    return [noisy(np.asarray(x), rng) + sample(np.asarray([0.2, 0.8])) for x in xs] + [helper(np.ones(2), rng)]
'''
BROKEN = REFERENCE.replace("return float(np.sum(x) + rng.uniform())", "return -1.0").replace(
    "return int(np.argmax(", "return 7 + int(np.argmax(")


def module(tmp_path, name, source):
    (tmp_path / name).mkdir()
    (tmp_path / name / "student.py").write_text(source)
    return import_modules(["student"], tmp_path / name, timeout=10)


def spec_with_check(inputs):
    spec = Assignment("t", module="student", title="t", exercises=["noisy", "sample", "total"])

    @spec.check("total", replay=["noisy", "sample"])
    def totals(mod):
        "totals"
        rng = np.random.default_rng(3)
        out = mod.total(inputs, rng)
        return {"out": out, "after": [rng.uniform(), np.random.uniform(), random.random()]}
    return spec.checks()[0]


def recorded_table(check, modules, tmp_path):
    table = {}
    with replay.recording(table):
        reference = run_student_side(check, modules, roots=[tmp_path])
    return reference, table[check.expectation_key]


def replayed(check, modules, table, tmp_path, monkeypatch):
    monkeypatch.setattr(replay, "stored", lambda c: table)
    return run_student_side(check, modules, roots=[tmp_path])


def test_a_replay_gives_the_reference_results_and_generator_states(tmp_path, monkeypatch):
    check = spec_with_check([[1.0, 2.0], [3.0]])
    reference, table = recorded_table(check, module(tmp_path, "ref", REFERENCE), tmp_path)
    assert reference.status == Status.DATA and len(table["noisy"]) == 3 and len(table["sample"]) == 2
    got = replayed(check, module(tmp_path, "broken", BROKEN), table, tmp_path, monkeypatch)
    assert got.status == Status.DATA
    assert got.value == reference.value  # results and every generator's state after the calls


def test_a_call_the_reference_never_made_runs_the_students_function(tmp_path, monkeypatch):
    _, table = recorded_table(spec_with_check([[1.0, 2.0]]), module(tmp_path, "ref", REFERENCE), tmp_path)
    other = spec_with_check([[5.0, 5.0]])  # other arguments than recorded
    got = replayed(other, module(tmp_path, "broken", BROKEN), table, tmp_path, monkeypatch)
    assert got.value["out"][0] in (-1.0, 0.0)  # the student's noisy (-1) + the recorded sample (0 or 1)


def test_functions_defined_by_the_submission_are_matched_by_their_values():
    """A density the student's integrate_uniform passes on is identified by its values on the
    call's arrays (here this test module plays the submission)."""
    own, x = frozenset({__name__}), np.linspace(0, 1, 5)
    reference = replay.arguments_key([lambda v: np.full_like(v, 0.5), x], {}, own)
    assert replay.same(replay.arguments_key([lambda v: 0.5, x], {}, own), reference)
    assert not replay.same(replay.arguments_key([lambda v: v, x], {}, own), reference)
    assert replay.fingerprint(np.sin) == {"callable": "numpy.sin"}


def test_a_hidden_checks_records_are_sealed_and_open_only_for_their_call(tmp_path, monkeypatch):
    check = spec_with_check([[1.0, 2.0], [3.0]])
    check.hidden = True
    reference, table = recorded_table(check, module(tmp_path, "ref", REFERENCE), tmp_path)
    assert all(set(r) == {"lock", "sealed"} for records in table.values() for r in records)
    assert "1.0" not in str(table) and "3.0" not in str(table)  # no arguments, no results in clear
    got = replayed(check, module(tmp_path, "broken", BROKEN), table, tmp_path, monkeypatch)
    assert got.value == reference.value
