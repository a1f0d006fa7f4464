"""Gradescope entry point: ``python -m grader.autograder ASSIGNMENT MODULE ... [--preload M,...]``.

``run_autograder`` (see :mod:`grader.gradescope`) runs this from ``/autograder/source``. It
grades the upload in ``$AUTOGRADER_ROOT/submission`` (default ``/autograder``) and always
writes ``$AUTOGRADER_ROOT/results/results.json``:

1. find the assignment's module files (e.g. ``gru_lm.py``) in the upload — the file itself,
   inside a folder, or inside a zip of the folder; a missing or misnamed file becomes one test
   entry that names the file to upload;
2. grade them with every check, hidden ones included, in a child process that first imports
   the libraries the assignment's module imports (``--preload``; on a slow Gradescope CPU
   ``import trax`` alone can outlast the student's import time limit). The child is interrupted
   at the deadline (``AUTOGRADER_DEADLINE`` seconds in all, default below Gradescope's
   10-minute timeout) and keeps the checks that ran; a submission that exits, hangs or crashes
   Python still gets a results.json saying what happened;
3. add the run's summary (points, and hints when the module could not be imported or the
   deadline stopped grading).

This process imports nothing heavy (no NumPy, no Trax), so the child has the memory to itself.
"""
import argparse
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from grader.deadlines import DEFAULT_DEADLINE, GRACE, WRITE_MARGIN

SOURCE = Path(__file__).resolve().parent.parent
IMPORT_FAILED = "could not import"
NOT_RUN = "Checks not run"


def deadline_seconds():
    """The whole run's time budget from ``AUTOGRADER_DEADLINE`` (seconds)."""
    value = os.environ.get("AUTOGRADER_DEADLINE", "")
    try:
        return float(value) if float(value) > 0 else DEFAULT_DEADLINE
    except ValueError:
        return DEFAULT_DEADLINE


def module_names(assignment):
    """The student modules ``assignment`` grades (imports its checks: use only when idle)."""
    from grader.registry import load_spec
    return load_spec(assignment)[0].modules


def max_points(assignment):
    return sum(points for _, points in points_by_visibility(assignment).values())


def points_by_visibility(assignment):
    """{results.json visibility: (number of checks, their points)} of all ``assignment``'s checks."""
    from grader.registry import load_spec
    totals = {}
    for check in load_spec(assignment)[0].checks():
        count, points = totals.get(visibility(check.hidden), (0, 0.0))
        totals[visibility(check.hidden)] = (count + 1, points + check.points)
    return totals


def visibility(hidden):
    return "after_published" if hidden else "visible"


# -- 1. the upload ---------------------------------------------------------------------------

def ignored(path):
    """Editor and archiver litter (``.hidden`` files, ``__MACOSX/``)."""
    return any(part.startswith(".") or part == "__MACOSX" for part in path.parts)


def unpack(submission, target):
    """Copy the upload into ``target``, extracting any zip into a folder next to it."""
    shutil.copytree(submission, target, dirs_exist_ok=True)
    for archive in sorted(target.rglob("*.zip")):
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(archive.with_suffix(""))  # extractall drops '..' and absolute paths
        except (zipfile.BadZipFile, OSError):
            pass  # not a zip after all: the file search below reports what is missing


def find_modules(upload, modules):
    """{module: path} of each ``<module>.py`` in ``upload`` (the shallowest copy wins)."""
    found = {}
    for module in modules:
        copies = sorted((p for p in upload.rglob(f"{module}.py") if not ignored(p.relative_to(upload))),
                        key=lambda p: (len(p.parts), str(p)))
        if copies:
            found[module] = copies[0]
    return found


def uploaded_names(upload, limit=8):
    """The names of the files the student uploaded (for the 'wrong file' message)."""
    names = sorted({p.name for p in upload.rglob("*")
                    if p.is_file() and not ignored(p.relative_to(upload)) and p.suffix != ".zip"})
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "") if names else "nothing"


def missing_results(assignment, missing, upload):
    """results.json for an upload without the module file(s): one failed test naming them."""
    wanted = " and ".join(f"{m}.py" for m in missing)
    message = (f"Upload your {wanted} (the file you completed in assignments/{assignment}/, "
               f"with exactly that name); this upload has {uploaded_names(upload)}.")
    test = {"name": f"Submission holds {wanted}", "score": 0.0, "max_score": max_points(assignment),
            "status": "failed", "output": message, "visibility": "visible"}
    return {"score": 0.0, "output": message, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": [test]}


# -- 2. grading in a child process -------------------------------------------------------------

CHILD = "import sys; from grader.autograder import child_main; sys.exit(child_main(sys.argv[1:]))"


def child_main(argv):
    """In the child: import ``argv[0]`` (comma-separated modules), then ``python -m grader argv[1:]``."""
    for name in filter(None, argv[0].split(",")):
        try:
            importlib.import_module(name)
        except Exception:  # grading reports it when the student's module imports the same
            pass
    from grader.cli import main
    return main(argv[1:])


def stop(child):
    """Interrupt the grading child (pytest then ends the session and the grader writes the
    results of the checks that ran); kill it if it has not exited after ``GRACE`` seconds."""
    os.killpg(child.pid, signal.SIGINT)
    try:
        child.wait(timeout=GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def run_grader(assignment, preload, workdir, json_path, seconds):
    """Grade ``workdir`` in a child process group, stopped after ``seconds``.

    Returns (whether the deadline stopped it, why it gave no results or None).
    """
    command = [sys.executable, "-c", CHILD, ",".join(preload), assignment,
               "--submission", str(workdir), "--json", str(json_path)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    child = subprocess.Popen(command, cwd=SOURCE, env=env, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        status, stopped = child.wait(timeout=max(seconds, 1.0)), False
    except subprocess.TimeoutExpired:
        stop(child)
        status, stopped = child.returncode, True
    if json_path.is_file():
        return stopped, None
    if stopped:
        return stopped, f"grading did not finish within the autograder's {seconds:.0f} s"
    if status == -signal.SIGKILL:
        return stopped, "Python was killed, most likely for using more memory than the autograder allows"
    return stopped, f"the grader stopped early (exit status {status})"


def unrun_tests(results, assignment, why):
    """After grading ended before every check ran (``why``, e.g. the deadline): one failed
    test per visibility holding the points of its checks that did not run, so that the maximum
    stays the assignment's and the visible points stay those of the visible checks. [] when
    every check ran, however long it took."""
    tests = []
    for shown, (count, points) in points_by_visibility(assignment).items():
        ran = [t for t in results["tests"] if t.get("visibility", "visible") == shown]
        unrun = count - len(ran)
        if unrun > 0:
            checks = f"{unrun} {'hidden ' * (shown != 'visible')}check{'s' * (unrun > 1)}"
            tests.append({"name": f"{NOT_RUN} ({checks})", "score": 0.0,
                          "max_score": points - sum(t["max_score"] for t in ran),
                          "status": "failed", "visibility": shown,
                          "output": f"{why}: the {checks} that had not run score 0."})
    return tests


def not_graded_results(reason):
    return {"score": 0.0, "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
            "output": (f"Your submission could not be graded: {reason}. Check that importing your "
                       "module does not exit, hang or crash Python, and that it runs in reasonable "
                       "time on your machine, then resubmit.")}


# -- 3. the summary --------------------------------------------------------------------------

def summary(results, modules, cut=""):
    """The top-level output: points (visible ones only while hidden ones are unpublished), and
    hints when the module could not be imported or (``cut``: why) some checks did not run."""
    tests = results["tests"]
    visible = [t for t in tests if t.get("visibility", "visible") == "visible"]
    got, most = sum(t["score"] for t in visible), sum(t["max_score"] for t in visible)
    total = sum(t["max_score"] for t in tests)
    lines = [f"Points: {got:g} / {most:g} on the visible checks"
             + (f"; hidden checks carry {total - most:g} more points (total {total:g}) and are "
                "shown when grades are published." if total > most else ".")]
    failed_import = next((t["output"] for t in tests if t["output"].startswith(IMPORT_FAILED)), None)
    if failed_import:
        imports = "; ".join(f"import {m}" for m in modules)
        lines.append(f"Your module could not be imported ({failed_import}), so no check could run "
                     f"it: make `python -c '{imports}'` work on your machine, then resubmit.")
    if cut:
        lines.append(f"{cut}; the checks that had not run score 0. Make sure importing your "
                     "module and each function run in reasonable time on your machine.")
    return "\n".join(lines)


def grade_upload(assignment, modules, preload, submission, seconds):
    """The results.json dict for the upload in ``submission``."""
    with tempfile.TemporaryDirectory() as tmp:
        upload, workdir = Path(tmp) / "upload", Path(tmp) / "graded" / assignment
        unpack(submission, upload)
        found = find_modules(upload, modules)
        missing = [m for m in modules if m not in found]
        if missing:
            return missing_results(assignment, missing, upload)
        workdir.mkdir(parents=True)
        for module, path in found.items():
            shutil.copy(path, workdir / f"{module}.py")
        child_json = Path(tmp) / "results.json"
        stopped, reason = run_grader(assignment, preload, workdir.parent, child_json, seconds)
        if reason:
            return not_graded_results(reason)
        results = json.loads(child_json.read_text())
    why = (f"Grading did not finish within the autograder's {seconds:.0f} s" if stopped
           else "Grading ended before every check ran")
    unrun = unrun_tests(results, assignment, why)
    results["tests"] += unrun
    results["score"] = sum(t["score"] for t in results["tests"])
    results["max_score"] = sum(t["max_score"] for t in results["tests"])
    results["output"] = summary(results, modules, why if unrun else "")
    return results


def write(results, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    tmp.replace(path)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m grader.autograder",
                                description="Grade $AUTOGRADER_ROOT/submission; write results.json.")
    p.add_argument("assignment")
    p.add_argument("modules", nargs="*", help="the student modules (default: from the checks)")
    p.add_argument("--preload", default="", help="comma-separated modules to import before grading")
    return p.parse_args(argv)


def main(argv=None):
    start = time.monotonic()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    results_path = root / "results" / "results.json"
    seconds = deadline_seconds() - WRITE_MARGIN
    try:
        results = grade_upload(args.assignment, args.modules or module_names(args.assignment),
                               args.preload.split(","), root / "submission",
                               seconds - (time.monotonic() - start))
    except Exception as err:  # never leave Gradescope without a results.json
        results = {"score": 0.0, "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
                   "output": f"Autograder error ({type(err).__name__}: {err}); please tell the "
                             "course staff."}
    write(results, results_path)
    print(results["output"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
