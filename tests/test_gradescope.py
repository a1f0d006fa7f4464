"""The Gradescope autograder zip, run against a directory laid out like /autograder."""
import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO
from grader import gradescope


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The unpacked zip: root/source, root/setup.sh, root/run_autograder."""
    archive = gradescope.build(tmp_path_factory.mktemp("out"))
    root = tmp_path_factory.mktemp("autograder")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root)
    for name in ("setup.sh", "run_autograder"):
        (root / name).chmod(0o755)  # as Gradescope does
    return root


def run_autograder(root, files):
    """Place ``files`` ({name: text}) as the submission, run run_autograder, return results."""
    submission, results = root / "submission", root / "results"
    for d in (submission, results):
        if d.exists():
            for p in sorted(d.rglob("*"), reverse=True):
                p.unlink() if p.is_file() else p.rmdir()
        d.mkdir(exist_ok=True)
    for name, text in files.items():
        (submission / name).write_text(text)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "COURSE_AUTOGRADER_PYTHON": sys.executable,
           "AUTOGRADER_TIME_LIMIT": "120"}
    proc = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads((results / "results.json").read_text())


def test_zip_has_hidden_checks_but_no_solutions(autograder):
    names = {p.relative_to(autograder).as_posix() for p in autograder.rglob("*") if p.is_file()}
    assert {"setup.sh", "run_autograder", "source/run", "source/constraints.txt"} <= names
    assert "source/grader/checks/a0_warmup_hidden.py" in names
    assert "source/grader/expected/a0_warmup_hidden.json" in names
    assert not [n for n in names if n.startswith(("source/solutions", "source/assignments", "source/tests"))]


def test_correct_submission_gets_full_marks_with_hidden_checks(autograder):
    results = run_autograder(autograder, {"montecarlo.py": (REPO / "solutions/a0_warmup/montecarlo.py").read_text()})
    assert results["score"] == results["max_score"] > 0
    assert any(t["visibility"] == "after_published" for t in results["tests"])
    assert results["output"] == "All checks ran."


def test_stub_submission_scores_zero(autograder):
    results = run_autograder(autograder, {"montecarlo.py": (REPO / "assignments/a0_warmup/montecarlo.py").read_text()})
    assert results["score"] == 0 and {t["output"] for t in results["tests"]} == {"not implemented yet"}


def test_submission_that_kills_the_interpreter_still_gets_results(autograder):
    results = run_autograder(autograder, {"montecarlo.py": "import os\nos._exit(0)\n"})
    assert results["score"] == 0 and "could not be graded" in results["output"]


def test_syntax_error_is_reported_per_check(autograder):
    results = run_autograder(autograder, {"montecarlo.py": "def broken(:\n"})
    assert results["score"] == 0
    assert all("could not import montecarlo.py: raised SyntaxError" in t["output"] for t in results["tests"])


def test_submission_without_gradable_files(autograder):
    results = run_autograder(autograder, {"notes.txt": "hello"})
    assert results["score"] == 0 and "No gradable file found" in results["output"]
    assert "montecarlo.py" in results["output"]
