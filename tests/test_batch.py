"""Batch grading against hostile and broken submissions (assignment 0: fast, no Trax)."""
import shutil
import time

import pandas as pd
import pytest

from conftest import REPO
from grader import batch
from grader.registry import load_expectations
from grader.session import grade

SOLUTION = (REPO / "solutions/a0_warmup/montecarlo.py").read_text()
STUB = (REPO / "assignments/a0_warmup/montecarlo.py").read_text()
HAS_SANDBOX = shutil.which("bwrap") is not None


def hard_coded_public_answers():
    """A module that returns the stored *public* expected values, whatever its inputs."""
    stored = load_expectations("grader.checks.a0_warmup")
    answer = lambda key: repr(float(stored[key]))
    return STUB.replace('raise NotImplementedError("mc_estimate_loop")',
                        f"return {answer('mc_estimate_loop::loop_square_uniform')}").replace(
        'raise NotImplementedError("integrate_uniform")',
        f"return {answer('integrate_uniform::uniform_unit_interval')}")


STEAL = f'''
import json, pathlib
_solution = pathlib.Path({str(REPO)!r}) / "solutions/a0_warmup/montecarlo.py"
try:
    exec(_solution.read_text())  # take over the reference functions if they can be read
except OSError:
    pass
try:
    HIDDEN = json.loads((pathlib.Path({str(REPO)!r}) / "grader/expected/a0_warmup_hidden.json").read_text())
except OSError:
    HIDDEN = None
'''

SUBMISSIONS = {
    "solution": (SOLUTION, "ok", 20),
    "stub": (STUB, "ok", 0),
    "loop_at_import": (STUB.replace("import numpy as np\n", "import numpy as np\nwhile True:\n    pass\n"), "timeout", 0),
    # loses mc_estimate_loop (4) only: the vectorised-vs-loop agreement check replays the reference's loop
    "loop_in_exercise": (SOLUTION.replace("    total = 0.0\n", "    total = 0.0\n    while True:\n        pass\n"), "ok", 16),
    "sys_exit_at_import": ("import sys\nsys.exit(0)\n", "import error", 0),
    "os_exit_at_import": ("import os\nos._exit(0)\n", "crashed", 0),
    "allocates_10_GB": ("import numpy as np\nBIG = np.ones(10 * 1024 ** 3 // 8)\n", "out of memory", 0),
    "syntax_error": ("def broken(:\n", "import error", 0),
    "fakes_results": (STUB.replace("import numpy as np\n", "import numpy as np\n"
        "open('results.json', 'w').write('{\"score\": 18}')\nprint('Score: 18 / 18 (100%)')\n"), "ok", 0),
    "patches_grader": (STUB.replace("import numpy as np\n", "import numpy as np\n"
        "import grader.compare, grader.runner, grader.api\n"
        "grader.compare.compare = lambda *a, **k: None\n"
        "grader.api.Check.judge_result = lambda self, got, expected: None\n"
        "grader.runner.judge_outcome = None\n"), "ok", 0),
    "hard_codes_public_values": (hard_coded_public_answers(), "ok", 3),
}
if HAS_SANDBOX:
    SUBMISSIONS["reads_solutions_and_hidden"] = (STUB + STEAL, "ok", 0)


def make_batch(root, names):
    for name in names:
        folder = root / name / "a0_warmup"
        folder.mkdir(parents=True)
        (folder / "montecarlo.py").write_text(SUBMISSIONS[name][0])
    return root


@pytest.fixture(scope="module")
def graded_batch(tmp_path_factory):
    root = make_batch(tmp_path_factory.mktemp("subs"), SUBMISSIONS)
    out = tmp_path_factory.mktemp("out") / "gradebook.csv"
    start = time.perf_counter()
    book, specs = batch.grade_batch(root, out, ["a0_warmup"], wall=60, memory_mb=2048,
                                    check_timeout=2, progress=False)
    return book.set_index("submission"), specs, out, time.perf_counter() - start


@pytest.mark.parametrize("name", sorted(SUBMISSIONS))
def test_every_submission_gets_a_row_with_the_points_its_code_earns(graded_batch, name):
    book, _, _, _ = graded_batch
    _, status, total = SUBMISSIONS[name]
    assert book.loc[name, "status"] == status
    assert book.loc[name, "total"] == total


def test_batch_finishes_within_its_bound(graded_batch):
    # Bound: 12 submissions, import limit 2 s and 2 s per check; the hangs cost at most a
    # few limits each, so the whole batch stays far below one minute on this machine.
    assert graded_batch[3] < 60


def test_batch_scores_equal_in_process_scores_for_honest_code(graded_batch, tmp_path):
    book = graded_batch[0]
    for name in ("solution", "loop_in_exercise"):
        sub = make_batch(tmp_path / name, [name]) / name
        graded = grade(sub, ["a0_warmup"], max_timeout=2)
        assert graded.score.points == book.loc[name, "total"]


def test_gradebook_csv_summary_and_histogram(graded_batch):
    book, specs, out, _ = graded_batch
    saved = pd.read_csv(out)
    assert len(saved) == len(SUBMISSIONS)
    assert {"submission", "status", "total", "a0_warmup/mc_estimate_loop"} <= set(saved.columns)
    assert out.with_suffix(".png").stat().st_size > 1000
    text = batch.summary(saved, specs)
    assert f"{len(SUBMISSIONS)} submissions" in text and "median" in text and "full marks in" in text


def test_grading_five_times_gives_identical_scores(tmp_path):
    names = ["solution", "hard_codes_public_values", "loop_in_exercise"]
    root = make_batch(tmp_path / "subs", names)
    books = [batch.grade_batch(root, tmp_path / f"b{i}.csv", ["a0_warmup"], wall=60, memory_mb=2048,
                               check_timeout=2, progress=False)[0].drop(columns="seconds")
             for i in range(5)]
    for other in books[1:]:
        pd.testing.assert_frame_equal(books[0], other)


def test_runner_copy_holds_no_expectations_or_solutions(tmp_path):
    runner = batch.build_runner(tmp_path / "runner")
    assert not (runner / "grader" / "expected").exists() and not (runner / "solutions").exists()
    assert (runner / "grader" / "checks" / "a0_warmup_hidden.py").is_file()
