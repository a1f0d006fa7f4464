"""Benchmark: grading the whole course on the reference solutions against a bare ``import trax``.

    ./run python -m benchmarks.grading_speed [--skip-per-assignment] [--slowest 10]

Everything runs in fresh child processes of this one, in one run, so the ratio compares like
with like on a shared machine:

1. a bare ``import trax`` (the cost every Trax program pays), timed before and after the
   grading runs (the mean is the reference);
2. the whole course in one process (``python -m grader --solutions``): wall time, peak RSS
   and the ratio to the bare import; its slowest checks show where the time goes;
3. each assignment graded on its own (``python -m grader ASSIGNMENT --solutions``): wall time
   and peak RSS — what a student or Gradescope pays for one assignment;
4. one NumPy exercise (``python -m grader a1_gru forward_GRU --solutions``).

The machine's load average is printed next to the figures.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.registry import REPO, available_assignments

SINGLE_EXERCISE = ["a1_gru", "forward_GRU"]


def run_child(args):
    """Run ``python ARGS`` from the repository; return (wall seconds, peak RSS in MB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    error = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        print(f"  (exit {proc.returncode}: {error.strip().splitlines()[-1] if error.strip() else ''})")
    return wall, usage.ru_maxrss / 1024, proc.returncode


def bare_import():
    return run_child(["-c", "import trax"])[0]


def grade(*args):
    return run_child(["-m", "grader", "--solutions", *args])


def slowest_checks(results_json, n):
    """[(seconds, check name)] of the ``n`` slowest checks in a Gradescope results.json, and
    the checks that did not pass (a timing is only worth reporting for a full score)."""
    tests = json.loads(Path(results_json).read_text())["tests"]
    failed = [f"{t['name']}: {t['output']}" for t in tests if t["score"] < t["max_score"]]
    return sorted(((t["execution_time"], t["name"]) for t in tests), reverse=True)[:n], failed


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-per-assignment", action="store_true",
                   help="only the whole course, the single exercise and the bare import")
    p.add_argument("--slowest", type=int, default=10, help="how many of the slowest checks to list")
    args = p.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})", flush=True)
    imports = [bare_import()]
    print(f"bare `import trax`: {imports[0]:.1f} s", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.json"
        total, rss, code = grade("--json", str(results))
        slowest, failed = slowest_checks(results, args.slowest) if results.is_file() else ([], ["no results"])
    print(f"whole course: {total:.1f} s", flush=True)
    if not args.skip_per_assignment:
        for assignment in available_assignments():
            wall, peak, _ = grade(assignment)
            print(f"grade {assignment:<10} {wall:6.1f} s   peak RSS {peak:6.0f} MB", flush=True)
    wall_one, rss_one, _ = grade(*SINGLE_EXERCISE)
    print(f"grade {' '.join(SINGLE_EXERCISE)} (one NumPy exercise): {wall_one:.1f} s, "
          f"peak RSS {rss_one:.0f} MB", flush=True)
    imports.append(bare_import())
    reference = sum(imports) / len(imports)
    print(f"bare `import trax` again: {imports[-1]:.1f} s", flush=True)

    print("\nslowest checks of the whole-course run:")
    for seconds, name in slowest:
        print(f"  {seconds:6.1f} s  {name}")
    for line in failed:
        print(f"  not passed: {line}")
    print(f"\nwhole course: {total:.1f} s wall, peak RSS {rss:.0f} MB, "
          f"{'every check passed' if code == 0 and not failed else f'{len(failed)} checks not passed'}")
    print(f"bare import trax (mean of {len(imports)}): {reference:.1f} s")
    print(f"ratio whole course / bare import: {total / reference:.2f}x  (target <= 2.5)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
