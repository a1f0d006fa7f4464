"""Batch grading: every submission in its own limited process; the judge stays here.

``python -m grader batch SUBMISSIONS --out gradebook.csv`` grades each sub-directory of
SUBMISSIONS (laid out like ``assignments/``):

1. a copy of the submission is made in a temporary directory;
2. the student sides of all checks (public and hidden) run in a child process
   (:mod:`grader.student_side`) from a copy of the grader that holds no expectations,
   under a wall-time limit and an address-space limit; with bubblewrap installed the
   child also runs in a sandbox where the course repository (``solutions/``, stored
   expectations) is not mounted and there is no network. By default the child is forked
   from a template process that has already imported Trax (:mod:`grader.template`,
   ``isolation="template"``); ``isolation="process"`` starts a new Python per submission;
3. only plain data comes back; this process judges it against the stored expectations
   and alone decides the score.

Several submissions can be graded at once (``--jobs``, :mod:`grader.parallel`) and a
batch can be split into shards graded by separate jobs (``--shard``, :mod:`grader.shards`).

The gradebook (pandas) has one row per submission: a status (ok / timeout / crashed /
out of memory / import error), a column per exercise and the total. A summary is printed
and a histogram of totals is saved next to the CSV.
"""
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
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
from grader.template import Template, TemplateError, stub_imports

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


def sandbox_prefix(runner, workdir, template=False):
    """bubblewrap arguments that hide the repository (keeping its .venv) and the network;
    an empty list when bubblewrap is not installed.

    ``template``: one sandbox serves many submissions in turn, so it also gets its own PID
    namespace and hides the temporary directory (other jobs' folders), and nothing in it is
    writable but ``workdir`` (which the parent empties between submissions)."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return []
    venv, tmp = Path(sys.prefix), tempfile.gettempdir()
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    if template:
        args += ["--unshare-pid", "--tmpfs", tmp]
    args += ["--tmpfs", str(REPO)]
    if venv.is_relative_to(REPO):
        args += ["--ro-bind", str(venv), str(venv)]
    args += ["--bind", str(workdir), str(workdir), "--ro-bind", str(runner), str(runner),
             "--unshare-net", "--die-with-parent", "--new-session"]
    if template:
        args += ["--remount-ro", tmp, "--remount-ro", str(REPO), "--remount-ro", "/dev"]
    return args + ["--"]


#: Sets the address-space limit, then replaces itself with the command (no Python code
#: runs between fork and exec in the grading process, which may hold JAX threads).
LIMIT_SHIM = ("import os, resource, sys; limit = int(sys.argv[1]); "
              "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); "
              "os.execv(sys.argv[2], sys.argv[2:])")


def with_memory_limit(command, memory_mb):
    return [sys.executable, "-c", LIMIT_SHIM, str(memory_mb * 1024 * 1024), *command]


def copy_submission(submission, folder):
    """A private copy of ``submission`` in ``folder``; (its path, the path of the child's output)."""
    work = folder / "submission"
    shutil.copytree(submission, work, symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return work, folder / "student-side.jsonl"


def student_side_args(assignments, work, out, check_timeout):
    """The arguments of :func:`grader.student_side.main` for one submission."""
    args = [*assignments, "--submission", str(work), "--out", str(out)]
    return args + (["--timeout", str(check_timeout)] if check_timeout else [])


def child_env(runner):
    """The environment of a child (or template): the runner copy of the grader on its path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COURSE_CACHE"))}
    env["PYTHONPATH"] = str(runner)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_child(runner, submission, assignments, wall, memory_mb, check_timeout):
    """Run the student sides for ``submission`` in a new Python process; return
    ({check id: Outcome}, timed_out, exit code)."""
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        work, out = copy_submission(submission, Path(tmp))
        command = [sys.executable, "-m", "grader.student_side",
                   *student_side_args(assignments, work, out, check_timeout)]
        env = child_env(runner)
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


def empty_folder(folder):
    """Remove everything inside ``folder`` (symbolic links are removed, not followed)."""
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


class TemplateSlot:
    """One job's template process (:mod:`grader.template`) and its spool folder, in which
    each submission gets a fresh folder that is emptied before the next one."""

    def __init__(self, runner, assignments, memory_mb):
        self.spool = Path(tempfile.mkdtemp(prefix="grading-spool-"))
        command = [*sandbox_prefix(runner, self.spool, template=True),
                   sys.executable, "-m", "grader.template"]
        stubs = [REPO / "assignments" / a / f"{m}.py" for a in assignments
                 for m in load_spec(a)[0].modules]
        # The template imports with its cwd, TMPDIR and Matplotlib's cache in the spool, the
        # only writable folder it has, which is emptied after every submission.
        env = {**child_env(runner), "TMPDIR": str(self.spool), "MPLCONFIGDIR": str(self.spool / "matplotlib")}
        self.template = Template(command, env, self.spool, stub_imports(stubs), list(assignments))
        self.runner, self.memory_mb, self.fallback = runner, memory_mb, False

    def run(self, submission, assignments, wall, check_timeout):
        """Like :func:`run_child`, in a child forked from the template (or, when the template
        cannot start, in a new process, with a warning)."""
        if not self.fallback:
            try:
                return self.run_forked(submission, assignments, wall, check_timeout)
            except TemplateError as err:
                print(f"warning: {err}; grading each submission in a new process", file=sys.stderr)
                self.fallback = True
        return run_child(self.runner, submission, assignments, wall, self.memory_mb, check_timeout)

    def run_forked(self, submission, assignments, wall, check_timeout):
        try:
            work, out = copy_submission(submission, self.spool / "current")
            (self.spool / "current" / "tmp").mkdir()
            reply = self.template.grade({
                "argv": student_side_args(assignments, work, out, check_timeout), "cwd": str(work),
                "tmp": str(self.spool / "current" / "tmp"), "memory": self.memory_mb * 1024 * 1024,
                "wall": wall})
            reply = reply or {"exit": -signal.SIGKILL, "timed_out": False}
            return parse_outcomes(out), reply["timed_out"], reply["exit"]
        finally:
            empty_folder(self.spool)

    def close(self):
        self.template.stop()
        shutil.rmtree(self.spool, ignore_errors=True)


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


def grade_submission(run, submission, specs, expectations):
    """Grade one submission; ``run(submission)`` runs its student sides in a child and returns
    ({check id: Outcome}, timed_out, exit code)."""
    start = time.perf_counter()
    outcomes, timed_out, code = run(submission)
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


@contextlib.contextmanager
def child_runner(isolation, runner, assignments, wall, memory_mb, check_timeout):
    """``run(submission)`` for :func:`grade_submission`: a new process per submission
    (``"process"``) or a child forked from this thread's template (``"template"``)."""
    if isolation == "process":
        yield lambda submission: run_child(runner, submission, assignments, wall, memory_mb,
                                           check_timeout)
        return
    slots, local = [], threading.local()

    def run(submission):
        if not hasattr(local, "slot"):
            local.slot = TemplateSlot(runner, assignments, memory_mb)
            slots.append(local.slot)
        return local.slot.run(submission, assignments, wall, check_timeout)
    try:
        yield run
    finally:
        for slot in slots:
            slot.close()


def grade_batch(submissions_dir, out_csv, assignments, wall=DEFAULT_WALL, memory_mb=DEFAULT_MEMORY_MB,
                check_timeout=None, progress=True, jobs=1, shard=None, isolation="template"):
    """Grade every sub-directory of ``submissions_dir``; write the gradebook and histogram.

    ``jobs`` submissions are graded at once (:mod:`grader.parallel`; refused when ``jobs`` ×
    ``memory_mb`` exceeds the machine). ``shard=(K, N)`` grades only the K-th of N shards of
    the sorted folders and labels the gradebook for ``gradebook merge`` (:mod:`grader.shards`).
    ``isolation`` is how each submission's child starts (:func:`child_runner`). The gradebook
    depends on neither ``jobs`` nor ``isolation``.
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
        with child_runner(isolation, runner, list(specs), wall, memory_mb, check_timeout) as run:
            results = map_in_jobs(lambda submission: grade_submission(run, submission, specs, expectations),
                                  submissions, jobs, on_done=bar.update)
    book = gradebook(results) if results else empty_gradebook(specs)
    if shard:
        book = label_shard(book, *shard, batch_size)
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    book.to_csv(out_csv, index=False)
    save_histogram(book, out_csv.with_suffix(".png"), specs)
    return book, specs
