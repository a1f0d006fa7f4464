"""Benchmark: batch grading, a new process per submission vs a child forked from a template
that has imported Trax once, with 1 and 2 jobs, vs grading one submission in-process.

    ./run python -m benchmarks.batch_grading [--n 6] [--assignments a0_warmup a1_gru]

The submissions cover the given assignments (default: 0 and 1): reference solutions, stubs and
partly wrong work. With ``isolation="process"`` each submission pays for its own Python start,
Trax import and JIT compilation; with ``isolation="template"`` (the default) the template pays the
import once per job and each forked child only compiles and runs. The in-process figure is one
submission graded inside an already warm process; before it, the same process times importing
``course.trax_compat``, its first grading (more of Trax imported, JAX started) and another
submission's. Prints submissions/hour for each way (all runs in this process, one after the
other, with the machine's load before and after: compare the ratios), and the per-submission
overhead of isolation.
"""
import argparse
import importlib
import os
import shutil
import tempfile
from pathlib import Path

from benchmarks.timing import seconds
from grader import batch
from grader.registry import REPO
from grader.session import grade

RUNS = [("process", 1), ("template", 1), ("template", 2)]  # (isolation, jobs)
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
        t_import, _ = seconds(lambda: importlib.import_module("course.trax_compat"))
        t_cold, _ = seconds(lambda: grade(subs[0], args.assignments))  # more imports; JAX starts
        t_other, _ = seconds(lambda: grade(subs[-1], args.assignments))  # another submission, warm
        t_inprocess, _ = seconds(lambda: grade(subs[0], args.assignments))
        walls, books = {}, {}
        for isolation, jobs in RUNS:
            walls[isolation, jobs], (books[isolation, jobs], specs) = seconds(lambda: batch.grade_batch(
                Path(tmp) / "subs", Path(tmp) / f"book-{isolation}-{jobs}.csv", args.assignments,
                progress=False, jobs=jobs, isolation=isolation))
            print(f"{isolation:>8} --jobs {jobs}: {walls[isolation, jobs]:.1f} s for {len(subs)} "
                  f"submissions (load average {os.getloadavg()[0]:.2f})", flush=True)
    print(f"assignments: {', '.join(args.assignments)}; sandbox: "
          f"{'bubblewrap' if shutil.which('bwrap') else 'none'}")
    print(batch.summary(books[RUNS[0]], specs))
    same = all(b.drop(columns="seconds").equals(books[RUNS[0]].drop(columns="seconds")) for b in books.values())
    print(f"gradebooks identical across runs: {same}")
    for (isolation, jobs), wall in walls.items():
        print(f"{isolation:>8} --jobs {jobs}: {3600 * len(subs) / wall:.0f} submissions/hour "
              f"({wall / len(subs):.1f} s per submission)")
    old, new = walls["process", 1], walls["template", 1]
    print(f"template vs process, --jobs 1: {old / new:.2f}x the submissions/hour")
    if len(subs) > 1:  # the first submission also waits for the template's import
        later = {isolation: books[isolation, 1]["seconds"].iloc[1:].mean() for isolation in ("process", "template")}
        print(f"the same later submissions, --jobs 1: process {later['process']:.1f} s, template "
              f"{later['template']:.1f} s each ({later['process'] / later['template']:.2f}x); the template's "
              f"first took {books['template', 1]['seconds'].iloc[0]:.1f} s with its import")
    print(f"one submission in a warm process: {t_inprocess:.1f} s")
    print(f"where the time goes: importing course.trax_compat {t_import:.1f} s; a first grading in that "
          f"process {t_cold:.1f} s (imports the rest of Trax, which the template preloads, and starts JAX); "
          f"another submission next in that process {t_other:.1f} s")
    for isolation in ("process", "template"):
        per_submission = walls[isolation, 1] / len(subs)
        print(f"per-submission overhead of isolation ({isolation}, --jobs 1): "
              f"{per_submission - t_inprocess:.1f} s ({per_submission / t_inprocess:.1f}x)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
