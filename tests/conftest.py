"""Shared test fixtures: repository paths, the real data directory, submission builders."""
import importlib
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
    graded = graded[assignment]
    return {ex: (*score, [r.message for r in graded.of_exercise(ex) if not r.passed])
            for ex, score in graded.exercise_scores().items()}


def mutation_tests(assignment):
    """The tests of a mutation suite over the catalogue of known mistakes
    (``grader/mistakes/<assignment>.py``): each mistake (a plausible wrong implementation of an
    exercise, given as text edits of the solution) loses points on the public checks of its
    exercise with one-line messages, carrying its hint wherever ``expect`` stored one; the
    catalogue has 15+ mistakes covering every exercise; and 80 % or more of them are hinted.
    Use: ``test_mutant, test_suite_covers_every_exercise, test_hint_coverage = mutation_tests(...)``."""
    from grader import hints
    from grader.mistakes import catalogue, solution_file
    from grader.registry import EXPECTED_DIR, load_spec
    from grader.session import grade
    mistakes = catalogue(assignment)

    @pytest.mark.parametrize("name", list(mistakes))
    def test_mutant(name, make_submission):
        importlib.import_module("course.trax_compat")  # once, outside the student import's time limit
        mistake = mistakes[name]
        sub = make_submission(assignment, {solution_file(assignment): list(mistake.edits)})
        # Public checks only: the mistake must cost points there, where the student sees why
        # (hidden checks may take more); this also keeps the suite's run time down.
        points, max_points, messages = by_exercise(
            grade(sub, [assignment], public_only=True, exercises=[mistake.exercise]),
            assignment)[mistake.exercise]
        assert points < max_points, f"{name}: no public check catches it"
        assert messages and all(m and "Traceback" not in m for m in messages)
        if mistake.hint in hints.hinted_mistakes(assignment, EXPECTED_DIR):
            assert any(mistake.hint in m for m in messages), f"{name}: its stored hint is not shown"

    def test_suite_covers_every_exercise():
        assert len(mistakes) >= 15
        assert {m.exercise for m in mistakes.values()} == set(load_spec(assignment)[0].exercises)

    def test_hint_coverage():
        hinted = hints.hinted_mistakes(assignment, EXPECTED_DIR)
        share = sum(m.hint in hinted for m in mistakes.values()) / len(mistakes)
        assert share >= 0.8, f"{assignment}: {share:.0%} of the known mistakes get their hint"

    return test_mutant, test_suite_covers_every_exercise, test_hint_coverage
