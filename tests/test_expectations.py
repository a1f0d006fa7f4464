"""Stored expectations are exactly what the reference solutions produce today."""
import pytest

from grader import expectations, plain, replay
from grader.compare import compare
from grader.registry import available_assignments, load_expectations


@pytest.mark.parametrize("assignment", available_assignments())
def test_stored_expectations_match_a_fresh_run_of_the_solutions(assignment):
    fresh, calls, replays = expectations.compute_recorded(assignment)
    for module_name, values in fresh.items():
        stored = load_expectations(module_name)
        assert sorted(stored) == sorted(values), (
            f"{module_name}: checks and stored expectations differ; run "
            "`./run python -m grader expect`")
        for key, value in values.items():
            assert compare(value, stored[key], name=key, rtol=1e-6, atol=1e-7) is None
    assert expectations.load_calls(assignment) == calls, (
        f"{assignment}: the student functions the checks call have changed; run "
        "`./run python -m grader expect`")
    for module_name, recorded in replays.items():
        path = replay.replay_path(module_name)
        stored = plain.loads(path.read_text()) if path.is_file() else {}
        assert replay.same(replay.comparable(plain.loads(plain.dumps(recorded))), replay.comparable(stored)), (
            f"{module_name}: the calls the checks replay have changed; run "
            "`./run python -m grader expect`")
