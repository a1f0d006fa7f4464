"""Gradescope built from nothing: the autograder zip deployed into a fresh Debian root.

As Gradescope builds an autograder image: the zip that ``python -m grader gradescope`` writes
is extracted into ``/autograder/source`` of a minimal Debian root (``debootstrap``; bookworm's
python3 is 3.11, trixie's 3.13, and neither has python3 until setup.sh installs it), and
``setup.sh`` runs there as root. Then, as Gradescope grades a submission: the upload goes
into ``/autograder/submission``, ``run_autograder`` (copied to ``/autograder``) runs from
``/autograder`` as root, and ``/autograder/results/results.json`` is read. The reference
solution gets full marks, the stub 0, and a misnamed upload one failed entry naming the file.

Each release grades a different assignment so that both a Trax one (a1, the heavy stack) and
a light one are covered within CI's time; each runs setup.sh afresh on a copy of the cached
base root (see :mod:`debian_root`). Timings are printed (``-s`` shows them).
"""
import contextlib
import json
import resource
import shutil
import time

import pytest

import debian_root
from benchmarks.gradescope_memory import extract
from conftest import REPO, require_platform
from grader import cli
from grader.registry import load_spec

pytestmark = pytest.mark.slow

SUITES = {"bookworm": "a1_gru", "trixie": "a0_warmup"}  # Debian release: assignment it grades
PYTHON3 = {"bookworm": "3.11", "trixie": "3.13"}


class Stopwatch:
    """Wall time and CPU time (of the processes run meanwhile) of each phase of a test, for
    the line it prints: CPU time says what a phase costs on a quiet machine."""

    def __init__(self):
        self.phases = {}

    @contextlib.contextmanager
    def __call__(self, name):
        wall, cpu = time.monotonic(), self.cpu()
        try:
            yield
        finally:
            self.phases[name] = (time.monotonic() - wall, self.cpu() - cpu)

    @staticmethod
    def cpu():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def __str__(self):
        return ", ".join(f"{name} {wall:.0f} s (CPU {cpu:.0f} s)"
                         for name, (wall, cpu) in self.phases.items())


def submit(root, env, files):
    """Grade ``files`` ({name: text}) as Gradescope does; returns (results.json, output)."""
    autograder = root / "autograder"
    for name in ("submission", "results"):
        shutil.rmtree(autograder / name, ignore_errors=True)
        (autograder / name).mkdir()
    for name, text in files.items():
        (autograder / "submission" / name).write_text(text)
    proc = debian_root.run_in(root, env, "cd /autograder && ./run_autograder")
    assert proc.returncode == 0, proc.stdout[-3000:]
    return json.loads((autograder / "results" / "results.json").read_text()), proc.stdout


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    """{assignment: the zip ``python -m grader gradescope`` writes}."""
    out = tmp_path_factory.mktemp("zips")
    assert cli.main(["gradescope", str(out), *sorted(set(SUITES.values()))]) == 0
    return {a: out / f"gradescope-{a}.zip" for a in SUITES.values()}


@pytest.mark.parametrize("suite", list(SUITES))
def test_setup_and_grading_in_a_fresh_debian_root(suite, zips):
    why_not = debian_root.why_no_debian_root(suite)
    require_platform(why_not is None, why_not)
    assignment = SUITES[suite]
    [module] = load_spec(assignment)[0].modules
    solution = (REPO / "solutions" / assignment / f"{module}.py").read_text()
    stub = (REPO / "assignments" / assignment / f"{module}.py").read_text()
    phase = Stopwatch()
    with phase("debootstrap (cached after the first run)"):
        debian_root.base_root(suite)
    with phase("in all"), debian_root.debian_root(suite) as (root, env):
        assert not (root / "usr/bin/python3").exists()  # nothing but the base system
        source = extract(zips[assignment], root / "autograder" / "source")
        shutil.copy2(source / "run_autograder", root / "autograder" / "run_autograder")

        with phase("setup.sh"):
            setup = debian_root.run_in(root, env, "cd /autograder/source && ./setup.sh")
        assert setup.returncode == 0, setup.stdout[-4000:]
        assert "Using the image's Python: /usr/bin/python3" in setup.stdout  # no download
        version = debian_root.run_in(root, env, "/autograder/source/.venv/bin/python -c "
                                     "'import sys; print(\"%d.%d\" % sys.version_info[:2])'")
        assert version.stdout.strip() == PYTHON3[suite]

        with phase("run_autograder: solution"):
            results, log = submit(root, env, {f"{module}.py": solution})
        failed = [(t["name"], t["output"]) for t in results["tests"] if t["status"] != "passed"]
        assert not failed, log[-3000:]
        assert results["score"] == results["max_score"] == sum(
            c.points for c in load_spec(assignment)[0].checks())

        with phase("run_autograder: stub"):
            results, _ = submit(root, env, {f"{module}.py": stub})
        assert results["score"] == 0 and results["tests"]
        assert {t["status"] for t in results["tests"]} == {"failed"}
        assert "not implemented yet" in {t["output"] for t in results["tests"]}

        with phase("run_autograder: misnamed upload"):
            results, _ = submit(root, env, {f"{module} (1).py": solution})
        [entry] = results["tests"]
        assert entry["status"] == "failed" and entry["score"] == 0
        assert f"Upload your {module}.py" in entry["output"] and f"{module} (1).py" in entry["output"]
    course_setup = next((line for line in setup.stdout.splitlines() if line.startswith("Set up in")), "")
    print(f"\n{suite} ({assignment}): {phase}; ./run setup inside setup.sh: {course_setup}")
