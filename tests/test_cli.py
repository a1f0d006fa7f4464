"""The command line, as students and instructors call it."""
import subprocess
import sys

from conftest import REPO


def run(*args):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_default_grades_assignments_and_prints_the_table():
    proc = run("a0_warmup")
    assert proc.returncode == 0, proc.stderr
    assert "not implemented yet" in proc.stdout and "Score: 0 / " in proc.stdout


def test_solutions_flag_and_json_output(tmp_path):
    proc = run("a0_warmup", "--solutions", "--json", str(tmp_path / "r.json"), "--fail-under", "100")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(100%)" in proc.stdout
    assert (tmp_path / "r.json").is_file()


def test_fail_under_signals_a_low_score():
    assert run("a0_warmup", "--fail-under", "50").returncode == 1


def test_fail_under_fails_an_interrupted_run_whatever_its_score():
    """A run stopped before every check ran (Ctrl-C, a deadline) has no final score."""
    from grader.cli import exit_status
    from grader.session import grade
    graded = grade(REPO / "solutions", ["a0_warmup"])
    assert graded.score.percent == 100
    assert exit_status(graded, 100) == 0 and exit_status(graded, None) == 0
    graded.interrupted = True
    assert exit_status(graded, 100) == 1 and exit_status(graded, 0) == 1
    assert exit_status(graded, None) == 0


def test_bad_input_gives_one_clear_line_and_status_2(tmp_path):
    for args, text in [(("no_such",), "unknown assignment no_such; choose from"),
                       (("--submission", str(tmp_path / "missing")), "no such directory"),
                       (("--timeout", "-1"), "--timeout must be a positive")]:
        proc = run(*args)
        assert proc.returncode == 2, args
        assert proc.stderr.startswith("error: ") and text in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_stubs_check_reports_up_to_date():
    proc = run("stubs", "--check")
    assert proc.returncode == 0 and proc.stdout == ""


def test_exercise_names_after_an_assignment_grade_only_those_without_trax():
    proc = run("a1_gru", "forward_V", "--solutions")
    assert proc.returncode == 0, proc.stderr
    graded = [line.split()[0] for line in proc.stdout.splitlines()
              if line.startswith("  ") and "no checks ran" not in line and line.split()[0] != "exercise"]
    assert graded == ["forward_V_RNN", "total"], proc.stdout
    probe = subprocess.run([sys.executable, "-c", "import sys; from grader.cli import main; "
                            "main(['a1_gru', 'forward_V_RNN', '--solutions']); "
                            "print('trax' in sys.modules, 'tensorflow' in sys.modules)"],
                           cwd=REPO, capture_output=True, text=True, timeout=600)
    assert probe.stdout.splitlines()[-1] == "False False", probe.stdout + probe.stderr
    unknown = run("a1_gru", "forward_XYZ")
    assert unknown.returncode == 2 and unknown.stderr.startswith(
        "error: unknown exercise forward_XYZ in a1_gru; choose from forward_V_RNN, forward_GRU")
