"""Benchmark: batch grading with 1 and 2 jobs vs grading one submission in-process.

    ./run python -m benchmarks.batch_grading [--n 6] [--assignments a0_warmup a1_gru]

The submissions cover the given assignments (default: 0 and 1): reference solutions, stubs and
partly wrong work. Each batch submission pays for its own process (Python start, Trax import,
JIT compilation) and the sandbox; the in-process figure is one submission graded inside an
already warm process. Prints submissions/hour for ``--jobs 1`` and ``--jobs 2`` (both runs in
this process, one after the other, with the machine's load), and the per-submission overhead
of isolation.
"""
import argparse
import os
import shutil
import tempfile
from pathlib import Path

from benchmarks.timing import seconds
from grader import batch
from grader.registry import REPO
from grader.session import grade

EDITS = {  # partly wrong work: one plausible slip per assignment
    "a0_warmup/montecarlo.py": ("total += h(x) / p(x)", "total += h(x)"),
    "a1_gru/gru_lm.py": ("h_t = u * c + (1 - u) * h_t", "h_t = (1 - u) * c + u * h_t"),
}


def make_submissions(root, assignments, n):
    kinds = ["solutions", "assignments", "wrong"]
    for i in range(n):
        kind = kinds[i % 3]
        folder = root / f"student{i:02d}"
        for assignment in assignments:
            source = REPO / ("solutions" if kind == "wrong" else kind) / assignment
            shutil.copytree(source, folder / assignment, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
        if kind == "wrong":
            for rel, (old, new) in EDITS.items():
                path = folder / rel
                if path.is_file():
                    path.write_text(path.read_text().replace(old, new, 1))
    return sorted(p for p in root.iterdir())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=6, help="submissions per batch")
    p.add_argument("--assignments", nargs="+", default=["a0_warmup", "a1_gru"])
    args = p.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        subs = make_submissions(Path(tmp) / "subs", args.assignments, args.n)
        grade(subs[0], args.assignments)  # warm: imports Trax, compiles once
        t_inprocess, _ = seconds(lambda: grade(subs[0], args.assignments))
        walls = {}
        for jobs in (1, 2):
            walls[jobs], (book, specs) = seconds(lambda: batch.grade_batch(
                Path(tmp) / "subs", Path(tmp) / f"book{jobs}.csv", args.assignments, progress=False,
                jobs=jobs))
            print(f"--jobs {jobs}: {walls[jobs]:.1f} s for {len(subs)} submissions", flush=True)
    print(f"assignments: {', '.join(args.assignments)}; sandbox: "
          f"{'bubblewrap' if shutil.which('bwrap') else 'none'}")
    print(batch.summary(book, specs))
    for jobs, wall in walls.items():
        print(f"--jobs {jobs}: {3600 * len(subs) / wall:.0f} submissions/hour "
              f"({wall / len(subs):.1f} s per submission)")
    per_submission = walls[1] / len(subs)
    print(f"one submission in a warm process: {t_inprocess:.1f} s")
    print(f"per-submission overhead of isolation (--jobs 1): {per_submission - t_inprocess:.1f} s "
          f"({per_submission / t_inprocess:.1f}x)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
