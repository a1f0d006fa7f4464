"""Batch grading N submissions at once on one machine, with the memory bounded.

Each submission is graded in its own child process under an address-space limit
(``--memory`` MB), forked from its job's template process (:mod:`grader.template`; the
child shares the template's imported libraries copy-on-write, and its limit counts them).
``--jobs N`` keeps N such children running at a time; the threads of this process only
start them, wait for them and judge their plain data, so N threads are enough. N × the per-submission limit must fit in the machine's memory: otherwise the
children could together push the machine into swapping or the OOM killer, so the batch
refuses to start.
"""
import os
from concurrent.futures import ThreadPoolExecutor


class JobsError(Exception):
    """``--jobs`` and ``--memory`` that the machine cannot hold (one line)."""


def machine_memory_mb():
    """Physical memory of this machine in MB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)


def default_jobs(memory_mb, cores=None, machine_mb=None):
    """As many jobs as cores, but no more than the machine's memory holds (at least one)."""
    cores = cores or os.cpu_count() or 1
    machine_mb = machine_mb or machine_memory_mb()
    return max(1, min(cores, machine_mb // memory_mb))


def check_jobs(jobs, memory_mb, machine_mb=None):
    """Refuse ``jobs`` children of ``memory_mb`` each that do not fit in the machine's memory."""
    machine_mb = machine_mb or machine_memory_mb()
    if jobs < 1:
        raise JobsError(f"--jobs {jobs}: need at least one job")
    if jobs * memory_mb > machine_mb:
        raise JobsError(f"--jobs {jobs} x --memory {memory_mb} MB = {jobs * memory_mb} MB exceeds this "
                        f"machine's {machine_mb} MB; use at most --jobs {max(1, machine_mb // memory_mb)} "
                        "or a lower --memory")
    return jobs


def map_in_jobs(grade_one, items, jobs, on_done=lambda: None):
    """``[grade_one(item) for item in items]``, computed ``jobs`` at a time, in ``items`` order.
    ``on_done`` is called after each item (e.g. to advance a progress bar)."""
    def run(item):
        result = grade_one(item)
        on_done()
        return result
    if jobs == 1:
        return [run(item) for item in items]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run, items))
