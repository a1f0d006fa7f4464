"""The grader's behaviour on the reference solutions, the stubs and broken submissions."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, by_exercise
from grader import report
from grader.registry import available_assignments, load_expectations
from grader.runner import NOT_IMPLEMENTED, Status
from grader.session import grade

ALL = available_assignments()


@pytest.fixture(scope="module")
def solutions_graded():
    return grade(REPO / "solutions", ALL)


@pytest.fixture(scope="module")
def stubs_graded():
    return grade(REPO / "assignments", ALL)


def test_solutions_score_full_marks_on_every_assignment(solutions_graded):
    for name in ALL:
        spec, results = solutions_graded[name]
        failing = [(r.check_id, r.message) for r in results if not r.passed]
        assert not failing, failing
        assert len(results) == len(spec.checks()) > 0


def test_every_assignment_has_hidden_checks(solutions_graded):
    for name in ALL:
        assert any(r.hidden for r in solutions_graded[name][1]), name


def test_stubs_score_zero_with_not_implemented_on_every_exercise(stubs_graded):
    for name in ALL:
        for ex, (points, max_points, messages) in by_exercise(stubs_graded, name).items():
            assert points == 0 and max_points > 0, ex
            assert set(messages) == {NOT_IMPLEMENTED}, (ex, messages)


def test_report_table_lists_each_exercise_and_total(stubs_graded):
    text = report.render(stubs_graded, "assignments")
    spec = stubs_graded["a0_warmup"][0]
    for ex in spec.exercises:
        assert any(line.strip().startswith(ex) and NOT_IMPLEMENTED in line
                   for line in text.splitlines()), ex
    assert "Traceback" not in text
    assert text.splitlines()[-1].startswith("Score: 0 / ")


def test_grading_is_deterministic(solutions_graded):
    again = grade(REPO / "solutions", ["a0_warmup"])
    first = [(r.check_id, r.points) for r in solutions_graded["a0_warmup"][1]]
    assert first == [(r.check_id, r.points) for r in again["a0_warmup"][1]]


def test_partial_credit_wrong_values_are_explained(make_submission):
    # Forgetting to divide by the density: right for the uniform case, wrong otherwise.
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("total += h(x) / p(x)", "total += h(x)")]})
    points, max_points, messages = by_exercise(grade(sub, ["a0_warmup"]), "a0_warmup")["mc_estimate_loop"]
    assert 0 < points < max_points
    public = [m for m in messages if not m.startswith("hidden")]
    assert any("p(x) = 2x" in m and "expected" in m and "got" in m for m in public), messages


def test_wrong_shape_is_reported_with_both_shapes(make_submission):
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("return np.array(errors, dtype=np.float64)", "return np.array(errors)[:, None]")]})
    _, _, messages = by_exercise(grade(sub, ["a0_warmup"]), "a0_warmup")["rms_errors"]
    assert any("shape: expected (3,), got (3, 1)" in m for m in messages), messages


def test_nan_is_reported(make_submission):
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("errors.append(np.sqrt(np.mean((estimates - true_value) ** 2)))",
         "errors.append(np.sqrt(np.mean(estimates - true_value)))")]})
    _, _, messages = by_exercise(grade(sub, ["a0_warmup"]), "a0_warmup")["rms_errors"]
    assert any("contains NaN at [" in m for m in messages), messages


def test_error_inside_a_trax_layer_names_the_students_error_not_trax_s_wrapper(make_submission):
    """Trax wraps an exception raised in a layer's forward in LayerError, once per enclosing
    layer; the student reads the original error and its line in their file."""
    sub = make_submission("a3_bert", {"bert.py": [
        ("        x = layer_norm(x, scale, bias)\n", "        x = layer_norm(x, scale)\n")]})
    graded = grade(sub, ["a3_bert"], exercises=["BertEmbeddings"])
    _, _, messages = by_exercise(graded, "a3_bert")["BertEmbeddings"]
    line = next(i for i, t in enumerate((sub / "a3_bert/bert.py").read_text().splitlines(), 1)
                if "layer_norm(x, scale)" in t)
    assert messages and all("LayerError" not in m for m in messages), messages
    assert any("raised TypeError" in m and f"(bert.py, line {line})" in m for m in messages), messages


def test_exception_names_file_and_line_without_traceback(make_submission):
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("return float(np.mean(h(samples) / p(samples)))",
         "return float(np.mean(h(samples) / p(samples[:-1])))")]})
    graded = grade(sub, ["a0_warmup"])
    _, _, messages = by_exercise(graded, "a0_warmup")["mc_estimate_vectorized"]
    line = next(i for i, t in enumerate((sub / "a0_warmup/montecarlo.py").read_text().splitlines(), 1)
                if "samples[:-1]" in t)
    assert any(f"raised ValueError" in m and f"(montecarlo.py, line {line})" in m for m in messages), messages
    assert "Traceback" not in report.render(graded, "x")


def test_hanging_exercise_times_out_and_grading_continues(make_submission):
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("    total = 0.0\n", "    total = 0.0\n    while True:\n        pass\n")]})
    table = by_exercise(grade(sub, ["a0_warmup"], max_timeout=1.0), "a0_warmup")
    assert set(table["mc_estimate_loop"][2]) == {"timed out after 1 s"}
    points, max_points, _ = table["integrate_uniform"]
    assert points == max_points  # later exercises were still graded


def test_hang_at_import_fails_every_exercise_with_one_message(make_submission):
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("import numpy as np\n", "import numpy as np\nwhile True:\n    pass\n")]})
    graded = grade(sub, ["a0_warmup"], max_timeout=1.0)
    for ex, (points, _, messages) in by_exercise(graded, "a0_warmup").items():
        assert points == 0 and len(set(messages)) == 1 and "import timed out" in messages[0], ex
    assert {r.status for r in graded.results} == {Status.IMPORT_TIMEOUT}


@pytest.mark.parametrize("broken, expected", [
    ("def mc_estimate_loop(h, p, samples):\n", "SyntaxError"),
    ("import numpy as np\n", "ModuleNotFoundError"),
    ("import numpy as np\n", "ZeroDivisionError"),
    ("import numpy as np\n", "SystemExit"),
])
def test_import_failure_names_file_and_line(make_submission, broken, expected):
    replacement = {
        "SyntaxError": "def mc_estimate_loop(h, p, samples)  # missing colon\n",
        "ModuleNotFoundError": "import numpy as np\nimport nonexistent_package\n",
        "ZeroDivisionError": "import numpy as np\nSCALE = 1 / 0\n",
        "SystemExit": "import numpy as np\nimport sys\nsys.exit(0)\n",
    }[expected]
    sub = make_submission("a0_warmup", {"montecarlo.py": [(broken, replacement)]})
    text = (sub / "a0_warmup/montecarlo.py").read_text().splitlines()
    line = next(i for i, t in enumerate(text, 1) if t.strip() == replacement.strip().splitlines()[-1].strip())
    graded = grade(sub, ALL)
    table = by_exercise(graded, "a0_warmup")
    for ex, (points, _, messages) in table.items():
        assert points == 0 and len(set(messages)) == 1, ex
        assert messages[0].startswith("could not import montecarlo.py: ") and expected in messages[0]
        assert f"(montecarlo.py, line {line})" in messages[0], messages[0]
    rows = report.exercise_rows(*graded["a0_warmup"])
    assert all("could not import montecarlo.py" in status for *_, status in rows)


def test_missing_module_file_is_reported(tmp_path):
    (tmp_path / "a0_warmup").mkdir()
    table = by_exercise(grade(tmp_path, ["a0_warmup"]), "a0_warmup")
    assert all("montecarlo.py: file not found" in m[2][0] for m in table.values())


def test_wrong_return_type_is_explained(make_submission):
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("return float(total / len(samples))", "return [total / len(samples)]")]})
    _, _, messages = by_exercise(grade(sub, ["a0_warmup"]), "a0_warmup")["mc_estimate_loop"]
    assert any("expected a single float, got list" in m for m in messages), messages


def test_hidden_check_messages_reveal_no_inputs_or_values(make_submission):
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("samples = rng.exponential(1.0 / rate, size=n)", "samples = rng.exponential(rate, size=n)")]})
    _, results = grade(sub, ["a0_warmup"])["a0_warmup"]
    hidden = [r for r in results if r.hidden and not r.passed]
    assert hidden, "the rate mutation must fail the hidden check"
    stored = load_expectations("grader.checks.a0_warmup_hidden")
    for r in hidden:
        assert r.message == f"hidden check failed: {r.description}"
        assert "expected" not in r.message and "got" not in r.message
        value = stored[f"{r.exercise}::{r.name}"]
        assert f"{value:.4g}" not in r.message and f"{value:.3f}" not in r.message


def test_public_only_run_says_public_checks_passed(make_submission):
    graded = grade(REPO / "solutions", ["a0_warmup"], public_only=True)
    assert not any(r.hidden for r in graded["a0_warmup"][1])
    rows = report.exercise_rows(*graded["a0_warmup"])
    assert {status for *_, status in rows} == {"public checks passed"}
    assert "Only public checks ran" in report.render(graded, "x")
    assert report.results_json(graded)["output"] == "Only public checks ran."
    full = grade(REPO / "solutions", ["a0_warmup"])
    assert {status for *_, status in report.exercise_rows(*full["a0_warmup"])} == {"passed"}
    assert "Only public checks ran" not in report.render(full, "x")


def test_results_json_follows_gradescope_schema(make_submission, tmp_path):
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("total += h(x) / p(x)", "total += h(x)")]})
    graded = grade(sub, ["a0_warmup"])
    path = tmp_path / "results" / "results.json"
    report.write_results_json(graded, path)
    data = json.loads(path.read_text())
    assert set(data) >= {"score", "max_score", "tests", "execution_time", "output"}
    assert 0 < data["score"] < data["max_score"]
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
    for t in data["tests"]:
        assert set(t) >= {"name", "number", "score", "max_score", "status", "output",
                          "visibility", "execution_time"}
        assert t["status"] in ("passed", "failed")
        assert t["visibility"] in ("visible", "after_published")
    assert len(data["tests"]) == len(graded["a0_warmup"][1])


def test_student_prints_do_not_reach_the_report(make_submission, capfd):
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("    total = 0.0\n", "    total = 0.0\n    print('DEBUG LINE')\n")]})
    graded = grade(sub, ["a0_warmup"])
    assert "DEBUG LINE" not in capfd.readouterr().out
    assert by_exercise(graded, "a0_warmup")["mc_estimate_loop"][0] > 0


def test_checks_are_seeded_so_global_random_state_cannot_matter(make_submission):
    # A student that (wrongly) uses the global NumPy generator still gets the same numbers
    # on every run, because every check starts from the same seed.
    sub = make_submission("a0_warmup", {"montecarlo.py": [
        ("samples = rng.uniform(a, b, size=n)", "samples = np.random.uniform(a, b, size=n)")]})
    first = [(r.check_id, r.points, r.message) for r in grade(sub, ["a0_warmup"])["a0_warmup"][1]]
    np.random.seed(12345)
    second = [(r.check_id, r.points, r.message) for r in grade(sub, ["a0_warmup"])["a0_warmup"][1]]
    assert first == second


def test_import_failure_in_one_assignment_leaves_the_others_graded(make_submission):
    broken = make_submission("a0_warmup", {"montecarlo.py": [
        ("import numpy as np\n", "import numpy as np\nraise RuntimeError('half-finished edit')\n")]})
    healthy = make_submission("a1_gru")
    (broken / "a1_gru").symlink_to(healthy / "a1_gru", target_is_directory=True)
    graded = grade(broken, ["a0_warmup", "a1_gru"], exercises=["mc_estimate_loop", "line_to_tensor"])
    a0 = by_exercise(graded, "a0_warmup")["mc_estimate_loop"]
    a1 = by_exercise(graded, "a1_gru")["line_to_tensor"]
    assert a0[0] == 0 and "could not import montecarlo.py: raised RuntimeError: half-finished edit" in a0[2][0]
    assert a1[0] == a1[1] > 0


def test_student_side_loads_without_pytest():
    # the sandboxed child of batch grading needs the registry and runner only
    code = ("import sys, grader.student_side; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
