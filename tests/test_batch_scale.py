"""Batch grading at scale: N submissions at once (--jobs) within the machine's memory."""
import threading
import time

import pytest

from grader.parallel import JobsError, check_jobs, default_jobs, map_in_jobs


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
