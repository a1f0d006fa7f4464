"""Benchmark: batch-grading 10 submissions vs grading one in-process. Prints its figures.

    ./run python -m benchmarks.batch_grading

The submissions cover assignments 0 and 1: reference solutions, stubs and partly wrong
work. Each batch submission pays for its own process (Python start, Trax import, JIT
compilation) and the sandbox; the in-process figure is one submission graded inside an
already warm process.
"""
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.timing import seconds
from grader import batch
from grader.registry import REPO, available_assignments
from grader.session import grade

EDITS = {  # partly wrong work: one plausible slip per assignment
    "a0_warmup/montecarlo.py": ("total += h(x) / p(x)", "total += h(x)"),
    "a1_gru/gru_lm.py": ("h_t = u * c + (1 - u) * h_t", "h_t = (1 - u) * c + u * h_t"),
}


def make_submissions(root, n=10):
    kinds = ["solutions", "assignments", "wrong"]
    for i in range(n):
        kind = kinds[i % 3]
        folder = root / f"student{i:02d}"
        for assignment in available_assignments():
            source = REPO / ("solutions" if kind == "wrong" else kind) / assignment
            shutil.copytree(source, folder / assignment, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
        if kind == "wrong":
            for rel, (old, new) in EDITS.items():
                path = folder / rel
                path.write_text(path.read_text().replace(old, new, 1))
    return sorted(p for p in root.iterdir())


def main():
    assignments = available_assignments()
    with tempfile.TemporaryDirectory() as tmp:
        subs = make_submissions(Path(tmp) / "subs")
        grade(subs[0], assignments)  # warm: imports Trax, compiles once
        t_inprocess, _ = seconds(lambda: grade(subs[0], assignments))
        t_batch, (book, specs) = seconds(lambda: batch.grade_batch(
            Path(tmp) / "subs", Path(tmp) / "book.csv", assignments, progress=False))
    per_submission = t_batch / len(subs)
    print(f"assignments: {', '.join(assignments)}; sandbox: {'bubblewrap' if shutil.which('bwrap') else 'none'}")
    print(batch.summary(book, specs))
    print(f"\nbatch of {len(subs)} submissions: {t_batch:.1f} s wall, {per_submission:.1f} s per submission")
    print(f"one submission in a warm process: {t_inprocess:.1f} s")
    print(f"per-submission overhead of isolation: {per_submission - t_inprocess:.1f} s "
          f"({per_submission / t_inprocess:.1f}x)")


if __name__ == "__main__":
    main()
