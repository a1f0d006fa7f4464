"""Shared test fixtures: repository paths, the real data directory, submission builders."""
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()

# Tests read the real datasets from ../shared/data unless told otherwise.
if not os.environ.get("COURSE_DATA_DIR") and SHARED_DATA.is_dir():
    os.environ["COURSE_DATA_DIR"] = str(SHARED_DATA)


@pytest.fixture
def make_submission(tmp_path):
    """Build a submission directory from ``solutions/`` with text edits applied.

    ``make_submission("a0_warmup", {"montecarlo.py": [(old, new), ...]})`` copies the
    assignment's solution and replaces each ``old`` (which must occur) with ``new``.
    A value that is a str replaces the whole file.
    """
    counter = iter(range(1000))

    def build(assignment, edits=None, source="solutions"):
        root = tmp_path / f"submission{next(counter)}"
        shutil.copytree(REPO / source / assignment, root / assignment,
                        ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
        for filename, change in (edits or {}).items():
            path = root / assignment / filename
            if isinstance(change, str):
                path.write_text(change)
                continue
            text = path.read_text()
            for old, new in change:
                assert old in text, f"mutation target not found in {filename}: {old!r}"
                text = text.replace(old, new, 1)
            path.write_text(text)
        return root

    return build


def by_exercise(graded, assignment):
    """{exercise: (points, max_points, [messages of failing checks])} from ``grade()``."""
    spec, results = graded[assignment]
    table = {}
    for ex in spec.exercises:
        own = [r for r in results if r.exercise == ex]
        table[ex] = (sum(r.points for r in own), sum(r.max_points for r in own),
                     [r.message for r in own if not r.passed])
    return table


def assert_mutant_caught(graded, assignment, exercise, name):
    """A mutant (a plausible wrong implementation of ``exercise``) must lose points there,
    with one-line messages and at least one from a public check (something to act on)."""
    points, max_points, messages = by_exercise(graded, assignment)[exercise]
    assert points < max_points, f"{name}: not caught"
    assert messages and all(m and "Traceback" not in m for m in messages)
    public = [m for m in messages if not m.startswith("hidden check failed")]
    assert public, f"{name}: only hidden checks caught it, the student gets no actionable hint"
