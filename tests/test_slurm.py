"""The Slurm scripts in deploy/slurm, unchanged, on a real one-node Slurm cluster
(deploy/slurm/local-cluster.sh: Debian's slurmctld, slurmd and munged on this machine)."""
import os
import shutil
import subprocess
import time

import pandas as pd
import pytest

from benchmarks.batch_grading import make_submissions
from conftest import REPO, require_platform
from grader import batch

CLUSTER = REPO / "deploy/slurm/local-cluster.sh"
GRADE, MERGE = "deploy/slurm/grade.sbatch", "deploy/slurm/merge.sbatch"
LOGS = REPO / "deploy/slurm/logs"
ASSIGNMENT = "a0_warmup"  # small: the test proves the scripts and the scheduler, not the checks
WAIT = 300  # seconds for the array and the merge together


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """The environment of a client of a freshly started one-node cluster (stopped afterwards)."""
    can_start = os.geteuid() == 0 or shutil.which("slurmctld")
    require_platform(can_start, "Slurm is not installed and installing it needs root")
    state = tmp_path_factory.mktemp("slurm-state")
    started = subprocess.run([CLUSTER, "start", state], capture_output=True, text=True, timeout=900)
    try:
        require_platform(started.returncode == 0,
                         "a one-node Slurm cluster could not be started: "
                         + (started.stderr.strip().splitlines() or ["no message"])[-1])
        yield {**os.environ, "SLURM_CONF": str(state / "slurm.conf")}
    finally:
        subprocess.run([CLUSTER, "stop", state], capture_output=True, timeout=120)


def sbatch(env, *args):
    """Submit from the repository, as the scripts' header says; returns the job id."""
    done = subprocess.run(["sbatch", "--parsable", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().split(";")[0]


def wait_for(env, job_ids, seconds):
    """Wait until the jobs have left the queue (finished one way or another)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        queued = subprocess.run(["squeue", "-h", "-j", ",".join(job_ids)], env=env,
                                capture_output=True, text=True, timeout=60).stdout
        if not queued.strip():
            return
        time.sleep(2)
    pytest.fail(f"jobs {job_ids} still queued after {seconds} s")


def job_logs(job_ids):
    """The jobs' log files, with their text (read, then removed from the repository)."""
    paths = sorted(p for j in job_ids for p in LOGS.glob(f"*-{j}*.out"))
    texts = {p.name: p.read_text(errors="replace") for p in paths}
    for p in paths:
        p.unlink()
    return texts


def read_book(path):
    return pd.read_csv(path, dtype={"submission": str}).drop(columns="seconds")


@pytest.mark.slow
def test_the_slurm_array_and_merge_grade_like_one_batch_run(slurm, tmp_path):
    subs = make_submissions(tmp_path / "submissions", [ASSIGNMENT], 4)  # solution, stub, slip, solution
    books = tmp_path / "gradebooks"
    folders = f"--export=ALL,SUBMISSIONS={subs[0].parent},GRADEBOOKS={books}"
    # Only command-line overrides: a 3-task array for this small machine, one assignment.
    array = sbatch(slurm, "--array=0-2", "--cpus-per-task=1", "--mem=2G", folders, GRADE,
                   ASSIGNMENT, "--jobs", "1")
    merge = sbatch(slurm, f"--dependency=afterok:{array}", folders, MERGE)
    wait_for(slurm, [array, merge], WAIT)
    logs = job_logs([array, merge])
    merged = books / "gradebook.csv"
    assert merged.is_file(), "no merged gradebook; job logs:\n" + "\n".join(
        f"--- {name}\n{text}" for name, text in logs.items())
    assert sorted(p.name for p in books.glob("book-*.csv")) == [f"book-{k}.csv" for k in range(3)]

    batch.grade_batch(subs[0].parent, tmp_path / "one-run.csv", [ASSIGNMENT], progress=False, jobs=1)
    one_run = read_book(tmp_path / "one-run.csv")
    pd.testing.assert_frame_equal(read_book(merged), one_run)
    totals = dict(zip(one_run["submission"], one_run["total"]))
    assert totals["student00"] > totals["student02"] > totals["student01"] == 0  # solution > slip > stub


def test_a_job_refuses_a_course_environment_that_was_not_set_up(tmp_path):
    """Array tasks never install: without a set-up venv the job stops with one line."""
    env = {**os.environ, "COURSE_VENV": str(tmp_path / "no-venv"), "SLURM_ARRAY_TASK_COUNT": "2",
           "SLURM_ARRAY_TASK_ID": "0", "SUBMISSIONS": str(tmp_path), "GRADEBOOKS": str(tmp_path)}
    for script in (GRADE, MERGE):
        done = subprocess.run(["bash", script], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 3
        assert "run ./run setup once before submitting" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "no-venv").exists()
