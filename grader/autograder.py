"""Gradescope entry point: grade ``/autograder/submission`` and always write results.json.

Runs on Gradescope as ``run_autograder`` (see :mod:`grader.gradescope`). The submitted
files (e.g. ``montecarlo.py``, or folders laid out like ``assignments/``) are placed into
a fresh copy of the assignment layout; grading (all checks, hidden ones included) runs in
a child process with a time limit, so a submission that exits, hangs or crashes the
interpreter still gets a results.json saying what happened. ``AUTOGRADER_ROOT`` replaces
``/autograder`` (for tests).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
TIME_LIMIT = float(os.environ.get("AUTOGRADER_TIME_LIMIT", 1800))


def module_homes():
    """{module file name: assignment} for every graded student module."""
    from grader.registry import available_assignments, load_spec
    homes = {}
    for name in available_assignments():
        for module in load_spec(name)[0].modules:
            homes[f"{module}.py"] = name
    return homes


def lay_out(submission, workdir):
    """Copy submitted modules into ``workdir/<assignment>/``; return the assignments found."""
    homes, found = module_homes(), set()
    for path in sorted(Path(submission).rglob("*.py")):
        assignment = homes.get(path.name)
        if assignment and not any(p.startswith(".") or p == "__MACOSX" for p in path.parts):
            (workdir / assignment).mkdir(exist_ok=True)
            shutil.copy(path, workdir / assignment / path.name)
            found.add(assignment)
    return sorted(found)


def failure_results(message):
    return {"score": 0.0, "output": message, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": []}


def write(results, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False))


def main():
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    results_path = root / "results" / "results.json"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp) / "submission"
            workdir.mkdir()
            assignments = lay_out(root / "submission", workdir)
            if not assignments:
                names = ", ".join(sorted(module_homes()))
                write(failure_results(f"No gradable file found in the submission; upload one of: {names}."),
                      results_path)
                return 0
            child_json = Path(tmp) / "results.json"
            command = [sys.executable, "-m", "grader", *assignments, "--submission", str(workdir),
                       "--json", str(child_json)]
            try:
                proc = subprocess.run(command, cwd=SOURCE, capture_output=True, text=True,
                                      timeout=TIME_LIMIT, stdin=subprocess.DEVNULL)
                reason = f"the grader stopped early (exit status {proc.returncode})"
            except subprocess.TimeoutExpired:
                reason = f"grading did not finish within {TIME_LIMIT:g} s"
            if child_json.is_file():
                shutil.copy(child_json, results_path)
            else:
                write(failure_results(f"Your submission could not be graded: {reason}. "
                                      "Check that importing your module does not exit, hang or "
                                      "crash Python, then resubmit."), results_path)
    except Exception as err:  # never leave Gradescope without a results.json
        write(failure_results(f"Autograder error ({type(err).__name__}: {err}); "
                              "please tell the course staff."), results_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
