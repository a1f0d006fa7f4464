"""Batch grading: every submission in its own limited process; the judge stays here.

``python -m grader batch SUBMISSIONS --out gradebook.csv`` grades each sub-directory of
SUBMISSIONS (laid out like ``assignments/``):

1. a copy of the submission is made in a temporary directory;
2. the student sides of all checks (public and hidden) run in a child process
   (:mod:`grader.student_side`) from a copy of the grader that holds no expectations,
   under a wall-time limit and an address-space limit; with bubblewrap installed the
   child also runs in a sandbox where the course repository (``solutions/``, stored
   expectations) is not mounted and there is no network;
3. only plain data comes back; this process judges it against the stored expectations
   and alone decides the score.

Several submissions can be graded at once (``--jobs``, :mod:`grader.parallel`) and a
batch can be split into shards graded by separate jobs (``--shard``, :mod:`grader.shards`).

The gradebook (pandas) has one row per submission: a status (ok / timeout / crashed /
out of memory / import error), a column per exercise and the total. A summary is printed
and a histogram of totals is saved next to the CSV.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import plain
from grader.course_files import copy_course
from grader.parallel import check_jobs, map_in_jobs
from grader.registry import REPO, load_expectations, load_spec, stored_expectation
from grader.results import GradedRun
from grader.runner import Outcome, Status, judge_outcome
from grader.shards import label_shard, shard_of

DEFAULT_WALL = 600.0
DEFAULT_MEMORY_MB = 8192
TIMEOUT, CRASHED, OUT_OF_MEMORY, IMPORT_ERROR, OK = (
    "timeout", "crashed", "out of memory", "import error", "ok")
STATUS_ORDER = (TIMEOUT, CRASHED, OUT_OF_MEMORY, IMPORT_ERROR, OK)


@dataclass
class SubmissionResult:
    name: str
    status: str
    results: GradedRun = field(default_factory=GradedRun)
    seconds: float = 0.0


def build_runner(directory):
    """A copy of the grader with hidden check code but no expectations and no solutions."""
    copy_course(directory, include_hidden=True)
    shutil.rmtree(directory / "grader" / "expected")
    shutil.rmtree(directory / "assignments")
    return directory


def sandbox_prefix(runner, workdir):
    """bubblewrap arguments that hide the repository (keeping its .venv) and the network;
    an empty list when bubblewrap is not installed."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return []
    venv = Path(sys.prefix)
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--tmpfs", str(REPO)]
    if venv.is_relative_to(REPO):
        args += ["--ro-bind", str(venv), str(venv)]
    args += ["--bind", str(workdir), str(workdir), "--ro-bind", str(runner), str(runner),
             "--unshare-net", "--die-with-parent", "--new-session", "--"]
    return args


#: Sets the address-space limit, then replaces itself with the command (no Python code
#: runs between fork and exec in the grading process, which may hold JAX threads).
LIMIT_SHIM = ("import os, resource, sys; limit = int(sys.argv[1]); "
              "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); "
              "os.execv(sys.argv[2], sys.argv[2:])")


def with_memory_limit(command, memory_mb):
    return [sys.executable, "-c", LIMIT_SHIM, str(memory_mb * 1024 * 1024), *command]


def run_child(runner, submission, assignments, wall, memory_mb, check_timeout):
    """Run the student sides for ``submission``; return ({check id: Outcome}, timed_out, exit code)."""
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        work = Path(tmp) / "submission"
        shutil.copytree(submission, work, symlinks=False,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        out = Path(tmp) / "student-side.jsonl"
        command = [sys.executable, "-m", "grader.student_side", *assignments,
                   "--submission", str(work), "--out", str(out)]
        if check_timeout:
            command += ["--timeout", str(check_timeout)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COURSE_CACHE"))}
        env["PYTHONPATH"] = str(runner)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        command = with_memory_limit(sandbox_prefix(runner, Path(tmp)) + command, memory_mb)
        proc = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # own group: a timeout kills it all
        timed_out = False
        try:
            code = proc.wait(timeout=wall)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
        return parse_outcomes(out), timed_out, code


def parse_outcomes(path):
    """{check id: Outcome} from the child's JSON lines; malformed lines are ignored and
    only the first line for a check counts."""
    outcomes = {}
    if not path.is_file():
        return outcomes
    for line in path.read_text(errors="replace").splitlines():
        try:
            item = json.loads(line)
            check_id, status = str(item["check"]), str(item["status"])
            value = plain.loads(item["value"]) if status == Status.DATA else None
            outcome = Outcome(status, value, str(item.get("message", ""))[:500],
                              float(item.get("seconds", 0.0)))
        except Exception:
            continue
        outcomes.setdefault(check_id, outcome)
    return outcomes


def submission_status(outcomes, timed_out, exit_code, n_checks):
    """The gradebook status, from the child's exit and the statuses its outcomes carry."""
    statuses = {o.status for o in outcomes.values()}
    if timed_out or Status.IMPORT_TIMEOUT in statuses:
        return TIMEOUT
    if Status.OUT_OF_MEMORY in statuses:
        return OUT_OF_MEMORY
    if exit_code != 0 or len(outcomes) < n_checks:
        return CRASHED
    if Status.IMPORT_ERROR in statuses:
        return IMPORT_ERROR
    return OK


def grade_submission(runner, submission, specs, expectations, wall, memory_mb, check_timeout):
    start = time.perf_counter()
    outcomes, timed_out, code = run_child(runner, submission, list(specs), wall, memory_mb,
                                          check_timeout)
    checks = [c for spec in specs.values() for c in spec.checks()]
    missing = Outcome(Status.ERROR, message=("grading stopped before this check: "
                                        + ("time limit reached" if timed_out else "the process ended")))
    judged = [judge_outcome(c, outcomes.get(c.id, missing), stored_expectation(c, expectations))
              for c in checks]
    return SubmissionResult(submission.name, submission_status(outcomes, timed_out, code, len(checks)),
                            GradedRun.collect(specs, judged), time.perf_counter() - start)


def gradebook(results):
    """pandas DataFrame: one row per submission, status, a column per exercise, total."""
    import pandas as pd
    rows = []
    for r in results:
        row = {"submission": r.name, "status": r.status}
        for name, graded in r.results.items():
            for exercise, score in graded.exercise_scores().items():
                row[f"{name}/{exercise}"] = score.points
        row["total"] = r.results.score.points
        row["seconds"] = round(r.seconds, 2)
        rows.append(row)
    return pd.DataFrame(rows)


def max_points(specs):
    return {f"{name}/{ex}": e.max_points for name, spec in specs.items() for ex, e in spec.exercises.items()}


def summary(book, specs):
    """Text: mean and median total, status counts, per-exercise pass rate."""
    maxima = max_points(specs)
    lines = [f"{len(book)} submissions; total out of {sum(maxima.values()):g}: "
             f"mean {book['total'].mean():.2f}, median {book['total'].median():.2f}",
             "status: " + ", ".join(f"{s} {n}" for s, n in book["status"].value_counts().items())]
    for column, most in maxima.items():
        rate = (book[column] >= most).mean()
        lines.append(f"  {column:<45} full marks in {rate:6.1%} of submissions")
    return "\n".join(lines)


def save_histogram(book, path, specs):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist(book["total"], bins=min(20, max(5, len(book))), range=(0, sum(max_points(specs).values())))
    ax.set_xlabel("total score"); ax.set_ylabel("submissions"); ax.set_title("Score distribution")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def empty_gradebook(specs):
    """The gradebook of no submissions: its columns only (e.g. a shard with nothing to grade)."""
    import pandas as pd
    return pd.DataFrame(columns=["submission", "status", *max_points(specs), "total", "seconds"])


def grade_batch(submissions_dir, out_csv, assignments, wall=DEFAULT_WALL, memory_mb=DEFAULT_MEMORY_MB,
                check_timeout=None, progress=True, jobs=1, shard=None):
    """Grade every sub-directory of ``submissions_dir``; write the gradebook and histogram.

    ``jobs`` submissions are graded at once (:mod:`grader.parallel`; refused when ``jobs`` ×
    ``memory_mb`` exceeds the machine). ``shard=(K, N)`` grades only the K-th of N shards of
    the sorted folders and labels the gradebook for ``gradebook merge`` (:mod:`grader.shards`).
    The gradebook does not depend on ``jobs``.
    """
    from tqdm import tqdm
    check_jobs(jobs, memory_mb)
    submissions = sorted(p for p in Path(submissions_dir).iterdir() if p.is_dir())
    batch_size = len(submissions)
    if shard:
        submissions = shard_of(submissions, *shard)
    specs = {a: load_spec(a)[0] for a in assignments}
    module_names = {c.defined_in for spec in specs.values() for c in spec.checks()}
    expectations = {m: load_expectations(m) for m in module_names}
    with tempfile.TemporaryDirectory(prefix="grader-runner-") as tmp, \
            tqdm(total=len(submissions), desc="grading", unit="submission", disable=not progress) as bar:
        runner = build_runner(Path(tmp) / "runner")
        results = map_in_jobs(lambda submission: grade_submission(
            runner, submission, specs, expectations, wall, memory_mb, check_timeout),
            submissions, jobs, on_done=bar.update)
    book = gradebook(results) if results else empty_gradebook(specs)
    if shard:
        book = label_shard(book, *shard, batch_size)
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    book.to_csv(out_csv, index=False)
    save_histogram(book, out_csv.with_suffix(".png"), specs)
    return book, specs
