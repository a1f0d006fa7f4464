"""Shared test fixtures: repository paths, the course datasets, submission builders."""
import importlib
import os
import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()
DATA_SKIP = "no data:"  # how every skip for a missing dataset starts
_data_skips = {}  # dataset name -> number of tests skipped for it in this session


def pytest_addoption(parser):
    parser.addoption("--data-dir", metavar="DIR",
                     help="directory holding the course datasets (default: COURSE_DATA_DIR, "
                          "../shared/data, else the download cache)")


def pytest_configure(config):
    """Data comes from --data-dir, else COURSE_DATA_DIR, else ../shared/data (as ./run does),
    else the per-user download cache; notebook kernels inherit the choice."""
    chosen = config.getoption("--data-dir") or os.environ.get("COURSE_DATA_DIR")
    if not chosen and SHARED_DATA.is_dir():
        chosen = str(SHARED_DATA)
    if chosen:
        os.environ["COURSE_DATA_DIR"] = str(Path(chosen).expanduser().resolve())


def skip_for_data(name):
    """Skip the calling test with one line naming dataset ``name`` and how to provide it."""
    from data import how_to_get
    _data_skips[name] = _data_skips.get(name, 0) + 1
    pytest.skip(f"{DATA_SKIP} dataset {name} is not available; {how_to_get(name)} "
                f"(or point COURSE_DATA_DIR / --data-dir at a directory that has it)")


def require_platform(available, why):
    """Skip the calling test with one line saying why a real platform piece it needs (Chromium,
    Slurm, debootstrap, a memory cgroup, another Python) cannot be had here. In CI (``CI=true``)
    the piece must be there, so the test fails instead of skipping."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"needed in CI: {why}", pytrace=False)
    pytest.skip(f"no platform: {why}")


@pytest.fixture(scope="session")
def course_data():
    """``course_data(name, ...)``: the verified paths of the named datasets (a Path for one
    name, a list for several), from where ``data.fetch`` looks, never downloading. A dataset
    that is absent skips the test (see :func:`skip_for_data`); a corrupt one fails it."""
    from data import DataMissing, fetch

    def resolve(*names):
        paths = []
        for name in names:
            try:
                paths.append(fetch(name, download=False))
            except DataMissing:
                skip_for_data(name)
        return paths[0] if len(paths) == 1 else paths

    return resolve


def datasets_used_by(folder):
    """Names of the datasets the Python files and notebooks in ``folder`` fetch, sorted."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*"))
             if p.suffix in (".py", ".ipynb")]
    return sorted({m for text in texts for m in re.findall(r'fetch\(\\?"([\w-]+)\\?"', text)})


def pytest_collection_modifyitems(items):
    """Mark every test that asks for a dataset ``data`` (``-m data`` selects them)."""
    for item in items:
        if "course_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.data)


def stray_data_skips(skipped, data_dir):
    """Datasets tests skipped for although ``data_dir`` (the directory in force) holds their file."""
    from data import DATASETS
    if not data_dir:
        return []
    return sorted(name for name in skipped if (Path(data_dir) / DATASETS[name].relpath).is_file())


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when a data directory is in force and holds a file a test skipped for:
    with the data present (as in CI) every data test must run."""
    stray = stray_data_skips(_data_skips, os.environ.get("COURSE_DATA_DIR"))
    if stray:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"error: tests skipped for {', '.join(stray)} although "
                                f"{os.environ['COURSE_DATA_DIR']} holds it", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
    exercise with one-line messages, carrying its hint wherever ``expect`` stored one and no
    hint that names only other causes; the
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
        shown = hints.shown_causes(messages)
        assert not shown or mistake.hint in shown, f"{name}: the hint shown names another cause: {shown}"
        if mistake.hint in hints.hinted_mistakes(assignment, EXPECTED_DIR):
            assert mistake.hint in shown, f"{name}: its stored hint is not shown"

    def test_suite_covers_every_exercise():
        assert len(mistakes) >= 15
        assert {m.exercise for m in mistakes.values()} == set(load_spec(assignment)[0].exercises)

    def test_hint_coverage():
        hinted = hints.hinted_mistakes(assignment, EXPECTED_DIR)
        share = sum(m.hint in hinted for m in mistakes.values()) / len(mistakes)
        assert share >= 0.8, f"{assignment}: {share:.0%} of the known mistakes get their hint"

    return test_mutant, test_suite_covers_every_exercise, test_hint_coverage
