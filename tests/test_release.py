"""The student bundle holds no answers, and its grader works on its own."""
import re
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from conftest import REPO
from grader import plain, release, stubs
from grader.registry import EXPECTED_DIR


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


def test_no_hidden_expected_value_is_in_the_bundle(bundle):
    directory, _ = bundle
    corpus = "\n".join(bundle_texts(directory).values())
    hidden_files = sorted(EXPECTED_DIR.glob("*_hidden.json"))
    assert hidden_files
    public = {repr(v) if isinstance(v, float) else v for path in EXPECTED_DIR.glob("*.json")
              if not path.stem.endswith("_hidden") for v in _scalars(plain.loads(path.read_text()))}
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


def test_grader_runs_from_the_unpacked_bundle(bundle, tmp_path):
    _, archive = bundle
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path)
    root = tmp_path / release.NAME
    run = lambda: subprocess.run([sys.executable, "-m", "grader", "a0_warmup"], cwd=root,
                                 capture_output=True, text=True, timeout=600)
    stub_run = run()
    assert stub_run.returncode == 0, stub_run.stderr
    assert "not implemented yet" in stub_run.stdout
    assert "Only public checks ran" in stub_run.stdout
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
