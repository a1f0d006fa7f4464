"""Batch grading at scale: N submissions at once (--jobs) within the machine's memory, and
shards (--shard) whose merged gradebook is the one of a single run."""
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from conftest import REPO
from grader import batch
from grader.parallel import JobsError, check_jobs, default_jobs, map_in_jobs
from grader.registry import load_spec
from test_batch import make_batch


def test_jobs_default_to_the_cores_the_memory_allows():
    assert default_jobs(8192, cores=2, machine_mb=24000) == 2
    assert default_jobs(8192, cores=8, machine_mb=24000) == 2
    assert default_jobs(32768, cores=8, machine_mb=24000) == 1


def test_jobs_that_do_not_fit_in_memory_are_refused_in_one_line():
    assert check_jobs(2, 8192, machine_mb=24000) == 2
    with pytest.raises(JobsError, match=r"--jobs 3 x --memory 8192 MB = 24576 MB exceeds this "
                                        r"machine's 24000 MB; use at most --jobs 2"):
        check_jobs(3, 8192, machine_mb=24000)
    with pytest.raises(JobsError, match="at least one"):
        check_jobs(0, 8192, machine_mb=24000)


def test_jobs_run_at_once_and_results_keep_the_submission_order():
    running, peak, lock = [0], [0], threading.Lock()

    def grade_one(x):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05 * (5 - x))  # later items finish first
        with lock:
            running[0] -= 1
        return x * x
    done = []
    assert map_in_jobs(grade_one, range(5), jobs=2, on_done=lambda: done.append(1)) == [0, 1, 4, 9, 16]
    assert peak[0] == 2 and len(done) == 5


# --- real batches (assignment 0: no Trax) -------------------------------------------------

NAMES = ["solution", "stub", "hard_codes_public_values", "syntax_error", "sys_exit_at_import"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def without_timing(path):
    return pd.read_csv(path, dtype={"submission": str}).drop(columns="seconds")


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """The same submissions graded one at a time, two at a time, and as two shards."""
    root = make_batch(tmp_path_factory.mktemp("subs"), NAMES)
    out = tmp_path_factory.mktemp("books")
    common = dict(wall=60, memory_mb=2048, check_timeout=2, progress=False)
    batch.grade_batch(root, out / "one.csv", ["a0_warmup"], jobs=1, **common)
    batch.grade_batch(root, out / "two.csv", ["a0_warmup"], jobs=2, **common)
    for k in range(2):
        batch.grade_batch(root, out / f"shard-{k}.csv", ["a0_warmup"], jobs=2, shard=(k, 2), **common)
    return root, out


def test_two_jobs_give_the_gradebook_of_one(batches):
    _, out = batches
    one = without_timing(out / "one.csv")
    full_marks = sum(c.points for c in load_spec("a0_warmup")[0].checks())
    assert list(one["submission"]) == sorted(NAMES)
    assert one.loc[one["submission"] == "solution", "total"].item() == full_marks
    pd.testing.assert_frame_equal(without_timing(out / "two.csv"), one)


def test_merged_shards_give_the_gradebook_of_one_run(batches):
    _, out = batches
    assert [len(pd.read_csv(out / f"shard-{k}.csv")) for k in range(2)] == [3, 2]
    proc = run_cli("gradebook", "merge", out / "shard-1.csv", out / "shard-0.csv", "--out", out / "merged.csv")
    assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(without_timing(out / "merged.csv"), without_timing(out / "one.csv"))
    missing = run_cli("gradebook", "merge", out / "shard-0.csv", "--out", out / "partial.csv")
    assert missing.returncode == 2 and missing.stderr.startswith("error: missing shard 1/2")
    assert not (out / "partial.csv").exists()


def test_batch_refuses_more_jobs_than_memory_and_bad_shards(batches):
    root, out = batches
    for args, text in [(("--jobs", "1000"), "exceeds this machine's"),
                       (("--shard", "2/2"), "need 0 <= K < N"),
                       (("--shard", "3"), "SLURM_ARRAY_TASK_ID")]:
        proc = run_cli("batch", root, "a0_warmup", "--out", out / "x.csv", *args)
        assert proc.returncode == 2 and proc.stderr.startswith("error: ") and text in proc.stderr, proc.stderr
