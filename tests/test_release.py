"""The student bundle holds no answers, and its grader works on its own."""
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from conftest import REPO
from data import DATASETS
from grader import plain, release, stubs
from grader.replay import REPLAY_DIR
from grader.registry import EXPECTED_DIR, load_spec


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return release.build(tmp_path_factory.mktemp("release"))


def bundle_texts(directory):
    return {p: p.read_text(errors="ignore") for p in directory.rglob("*")
            if p.is_file() and p.suffix in (".py", ".ipynb", ".json", ".md", ".cfg", ".txt", "")}


def test_bundle_leaves_out_solutions_hidden_checks_and_tests(bundle):
    directory, _ = bundle
    names = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    assert not [n for n in names if n.startswith(("solutions/", "tests/", "benchmarks/"))]
    assert not [n for n in names if "_hidden" in n]
    assert "grader/checks/a0_warmup.py" in names and "grader/expected/a0_warmup.json" in names
    assert {"run", "setup.cfg", "constraints.txt", "README.md"} <= names


def test_no_solution_code_is_in_the_bundle(bundle):
    directory, _ = bundle
    texts = bundle_texts(directory)
    for solution in (REPO / "solutions").glob("a*/*.py"):
        lines = solution.read_text().splitlines()
        regions = stubs._regions(lines, solution)
        inside = {i for start, end in regions for i in range(start + 1, end)}
        shared = {ln.strip() for i, ln in enumerate(lines) if i not in inside}
        for i in sorted(inside):
            code = lines[i].strip()
            if len(code) < 12 or code.startswith("#") or any(code in ln for ln in shared):
                continue  # too short to mean anything ("return y", ")"), or shared code (a call
                # such as "f(a, b)" also stands in the stub's "def f(a, b):")
            hits = [p for p, text in texts.items() if code in text]
            assert not hits, f"{solution.name}:{i + 1} {code!r} found in {hits}"


def _scalars(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _scalars(v)
    elif isinstance(value, list):
        for v in value:
            yield from _scalars(v)
    elif isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            yield from value.ravel().tolist()
    elif isinstance(value, (float, str)):
        yield value


def public_replay_arguments():
    """The arguments public checks pass to replayed functions (their check code shows them too)."""
    return [record["key"] for path in REPLAY_DIR.glob("*.json") if not path.stem.endswith("_hidden")
            for calls in plain.loads(path.read_text()).values()
            for records in calls.values() for record in records]


def test_no_hidden_expected_value_is_in_the_bundle(bundle):
    directory, _ = bundle
    corpus = "\n".join(bundle_texts(directory).values())
    hidden_files = sorted(EXPECTED_DIR.glob("*_hidden.json"))
    assert hidden_files
    public = {repr(v) if isinstance(v, float) else v for path in EXPECTED_DIR.glob("*.json")
              if not path.stem.endswith("_hidden") for v in _scalars(plain.loads(path.read_text()))}
    public |= {repr(v) if isinstance(v, float) else v for v in _scalars(public_replay_arguments())}
    checked = 0
    for path in hidden_files:
        for value in _scalars(plain.loads(path.read_text())):
            if (repr(value) if isinstance(value, float) else value) in public:
                continue  # also a public expectation (e.g. a probability sum of 1.0000001)
            needle = repr(value) if isinstance(value, float) else value
            if isinstance(value, float) and (value.is_integer() or len(needle) < 8):
                continue  # round numbers occur everywhere
            if isinstance(value, str) and (len(value) < 6 or re.fullmatch(r"[\w/]+", value)):
                continue  # names ("Serial", "GRU_6", "metrics/Accuracy") are not secrets
            assert needle not in corpus, f"hidden expectation {needle!r} from {path.name} leaked"
            checked += 1
    assert checked > 20


def test_zip_matches_the_directory(bundle):
    directory, archive = bundle
    with zipfile.ZipFile(archive) as zf:
        zipped = {n.split("/", 1)[1] for n in zf.namelist()}
    assert zipped == {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


@pytest.fixture
def unpacked(bundle, tmp_path):
    """The bundle's zip unpacked as a student gets it; returns its root folder."""
    with zipfile.ZipFile(bundle[1]) as zf:
        zf.extractall(tmp_path)
    return tmp_path / release.NAME


def bundle_grader(root, *args):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=root,
                          capture_output=True, text=True, timeout=600)


def test_grader_runs_from_the_unpacked_bundle(unpacked):
    root = unpacked
    run = lambda: bundle_grader(root, "a0_warmup")
    stub_run = run()
    assert stub_run.returncode == 0, stub_run.stderr
    assert "not implemented yet" in stub_run.stdout
    assert "Only public checks ran" in stub_run.stdout
    spec, _ = load_spec("a0_warmup")
    public = sum(c.points for c in spec.checks(include_hidden=False))
    graded = sum(c.points for c in spec.checks())
    assert public < graded  # the warm-up has hidden checks, so the two maxima differ
    assert f"Score: 0 / {public:g}" in stub_run.stdout
    assert (f"Maximum here counts the public checks only (a0_warmup {public:g} of {graded:g} points); "
            "the hidden checks carry the rest") in stub_run.stdout
    shutil.copy(REPO / "solutions/a0_warmup/montecarlo.py", root / "assignments/a0_warmup/montecarlo.py")
    solved = run()
    assert "public checks passed" in solved.stdout and "(100%)" in solved.stdout, solved.stdout


def test_existing_bundle_is_not_replaced_without_force(bundle):
    directory, _ = bundle
    marker = directory / "my-notes.txt"
    marker.write_text("keep me")
    with pytest.raises(release.ReleaseError, match="exists; remove it or use --force"):
        release.build(directory.parent)
    assert marker.read_text() == "keep me"
    with pytest.raises(release.ReleaseError, match="inside the course's own folders"):
        release.build(REPO / "assignments")


@pytest.mark.parametrize("args", [["expect"], ["stubs", "--force"], ["release", "out"], ["batch", "x"],
                                  ["a0_warmup", "--solutions"], ["--sol"]])
def test_bundle_grader_refuses_instructor_commands_with_one_line(unpacked, args):
    done = bundle_grader(unpacked, *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "student bundle" in done.stderr


def test_bundle_grader_help_lists_student_commands_only(unpacked):
    done = bundle_grader(unpacked, "--help")
    assert done.returncode == 0 and "./run grade" in done.stdout
    assert not any(word in done.stdout for word in ("expect", "stubs", "release", "--solutions", "batch"))


def test_run_test_in_the_bundle_runs_the_public_checks(unpacked, tmp_path):
    """The bundle has no test suite: ``./run test`` grades with the public checks instead of
    pytest's "collected 0 items" (exit 5). The course's venv stands in for the bundle's own."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (venv / "bin" / "python").chmod(0o755)
    stamp = venv / ".course-installed"
    stamp.touch()
    later = time.time() + 3600  # newer than the bundle's setup files: no installation
    os.utime(stamp, (later, later))
    done = subprocess.run(["bash", "run", "test", "a0_warmup"], cwd=unpacked,  # zipfile drops modes
                          env={**os.environ, "COURSE_VENV": str(venv)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no test suite; running the public checks" in done.stderr
    assert "not implemented yet" in done.stdout and "collected 0 items" not in done.stdout


def test_bundle_readme_says_which_data_downloads_itself(bundle):
    text = (bundle[0] / "README.md").read_text()
    for dataset in DATASETS.values():
        assert f"`{dataset.name}`" in text
        if not dataset.downloadable:
            assert f"`{dataset.name}` does **not**" in text and dataset.url in text
            assert dataset.relpath in text
    assert "./run notebook" in text
