"""Benchmark: Gradescope's ``run_autograder`` on the reference solutions inside a container-like
memory limit, side by side with the same run unconstrained.

    ./run python -m benchmarks.gradescope_memory [--limit MB]... [--env NAME=VALUE]... [ASSIGNMENT ...]

(as root; default: a1-a3, each unlimited then at Gradescope's default 768 MB.)

Each assignment's zip is built and extracted the way Gradescope does (:func:`deploy`), the
reference solution is uploaded, and ``run_autograder`` runs twice in fresh memory cgroups (see
:mod:`benchmarks.memory_cgroup`; the page cache is dropped before each run): once without a limit
and once per ``--limit`` MB, back to back, so the wall-time ratio compares like with like on a
shared machine. Printed per run: score, the group's peak usage (what the limit is compared with),
its peak anonymous memory (sampled; what reclaim cannot free), the largest process's
peak RSS (for comparison), OOM kills, how often the limit was hit, the wall
time and, for the limited run, its ratio to the unlimited one; the load average before and after.
"""
import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from benchmarks import memory_cgroup
from grader import gradescope
from grader.registry import REPO, load_spec

GRADESCOPE_DEFAULT_MB = 768  # Gradescope's default autograder memory
ASSIGNMENTS = ["a1_gru", "a2_ner", "a3_bert"]


def extract(archive, target):
    """Unzip ``archive`` into ``target`` keeping each file's mode (run_autograder and setup.sh
    are executable). Returns ``target``."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            zf.extract(info, target)
            mode = info.external_attr >> 16
            if mode and not info.is_dir():
                (target / info.filename).chmod(stat.S_IMODE(mode))
    return target


def deploy(archive, root):
    """Lay ``root`` out as Gradescope does: the zip's content in source/, run_autograder copied
    to the root. Returns ``root``."""
    extract(archive, root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    return root


def deploy_all(assignments, workdir):
    """{assignment: autograder root} for freshly built zips extracted under ``workdir``."""
    zips = gradescope.build(workdir / "zips", assignments)
    return {a: deploy(z, workdir / a) for a, z in zip(assignments, zips)}


def upload_solution(root, assignment):
    """Put the reference solution's module files in ``root``/submission."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    (root / "submission").mkdir()
    for module in load_spec(assignment)[0].modules:
        shutil.copy(REPO / "solutions" / assignment / f"{module}.py", root / "submission")


def grade(root, limit_mb=None, timeout=900, extra_env=()):
    """Run ``root``/run_autograder in a fresh memory group of ``limit_mb`` MB (``extra_env``:
    (name, value) pairs added to its environment).

    Returns (:class:`memory_cgroup.Usage`, results.json as a dict, the run's output)."""
    shutil.rmtree(root / "results", ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(AUTOGRADER_ROOT=str(root), COURSE_VENV=sys.prefix)
    env.update(extra_env)
    log = root / f"stdout-{limit_mb or 'unlimited'}"
    with log.open("w") as out:
        usage = memory_cgroup.run(["bash", str(root / "run_autograder")], limit_mb, cwd=root,
                                  env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    results = json.loads((root / "results" / "results.json").read_text())
    return usage, results, log.read_text(errors="replace")


def score(results):
    """(points scored, points available) of a results.json, from its tests."""
    return (sum(t["score"] for t in results["tests"]), sum(t["max_score"] for t in results["tests"]))


def lost(results):
    """'name: output' of each test that lost points."""
    return [f"{t['name']}: {t.get('output', '')}" for t in results["tests"]
            if t["score"] < t["max_score"]]


def row(assignment, usage, results, reference=None):
    got, out_of = score(results)
    limit = f"{usage.limit_mb:g} MB" if usage.limit_mb else "none"
    ratio = f"{usage.wall / reference.wall:.2f}x" if reference else ""
    return (f"| {assignment} | {limit} | {got:g}/{out_of:g} | {usage.peak_mb:.0f} MB | "
            f"{usage.anon_peak_mb:.0f} MB | {usage.rss_mb:.0f} MB | {usage.oom_kills} | {usage.limit_hits} | "
            f"{usage.wall:.0f} s | {ratio} |")


def load():
    return "load average %.1f, %.1f, %.1f" % os.getloadavg()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=ASSIGNMENTS)
    parser.add_argument("--limit", type=float, action="append", metavar="MB",
                        help=f"a memory limit to run under after the unlimited run (repeatable; "
                             f"default {GRADESCOPE_DEFAULT_MB})")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="add to run_autograder's environment (to measure a setting)")
    args = parser.parse_args(argv)
    limits = args.limit or [GRADESCOPE_DEFAULT_MB]
    extra_env = [item.split("=", 1) for item in args.env]
    where = memory_cgroup.layout()
    if isinstance(where, str):
        sys.exit(f"cannot measure: {where}")
    print(f"cgroup v{where.version}; {load()}")
    print("| assignment | limit | score | cgroup peak | anon peak | peak RSS | OOM kills | limit hits | wall | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as workdir:
        for assignment, root in deploy_all(args.assignments, Path(workdir)).items():
            upload_solution(root, assignment)
            free, results = grade(root, extra_env=extra_env)[:2]
            print(row(assignment, free, results), flush=True)
            for limit in limits:
                limited, results = grade(root, limit, extra_env=extra_env)[:2]
                print(row(assignment, limited, results, free), flush=True)
                for line in lost(results):
                    print(f"    lost: {line[:300]}")
    print(load())


if __name__ == "__main__":
    main()
