"""The Gradescope autograder zips, deployed the way Gradescope deploys them.

Each zip is extracted into a temporary ``AUTOGRADER_ROOT/source``, the upload goes into
``AUTOGRADER_ROOT/submission``, and ``run_autograder`` is copied to ``AUTOGRADER_ROOT`` and run
from there (Gradescope's working directory) with ``PYTHONPATH`` unset. Python's verbose import
log (``PYTHONVERBOSE``, inherited by the grading child) names every module file loaded, which
proves the course is imported from the shipped tree and never from this checkout (the venv's
editable install would otherwise map ``grader``, ``course`` and ``data`` here).
"""
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from benchmarks.gradescope_memory import deploy
from conftest import REPO
from grader import cli, gradescope
from grader.deadlines import WRITE_MARGIN
from grader.registry import load_spec

VENV = Path(sys.prefix)  # the course environment running these tests (COURSE_VENV)


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    """{assignment: zip path} for the assignments the tests deploy."""
    out = tmp_path_factory.mktemp("zips")
    return dict(zip(["a0_warmup", "a1_gru"], gradescope.build(out, ["a0_warmup", "a1_gru"])))


@pytest.fixture(scope="module")
def a0_root(zips, tmp_path_factory):
    return deploy(zips["a0_warmup"], tmp_path_factory.mktemp("autograder"))


def solution(assignment, module):
    return (REPO / "solutions" / assignment / f"{module}.py").read_text()


def stub(assignment, module):
    return (REPO / "assignments" / assignment / f"{module}.py").read_text()


def run_autograder(root, files, deadline=None):
    """Put ``files`` ({relative path: text or bytes}) in the submission, run run_autograder.

    Returns (results.json as a dict, seconds taken, the run's output incl. the import log).
    """
    for name in ("submission", "results"):
        shutil.rmtree(root / name, ignore_errors=True)
        (root / name).mkdir()
    for name, content in files.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(AUTOGRADER_ROOT=str(root), COURSE_VENV=str(VENV), PYTHONVERBOSE="1")
    if deadline:
        env["AUTOGRADER_DEADLINE"] = str(deadline)
    log = root / "stdout"
    start = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env,
                              stdout=out, stderr=subprocess.STDOUT, timeout=600)
    seconds = time.monotonic() - start
    text = log.read_text(errors="replace")
    assert proc.returncode == 0, text[-3000:]
    return json.loads((root / "results" / "results.json").read_text()), seconds, text


def loaded_files(log):
    """Every ``.py`` file Python's verbose import log says was loaded (source or its cache)."""
    files = set()
    for path in re.findall(r"(/[^\s'\"]+\.py)c?\b", log):
        path = Path(path)
        if path.parent.name == "__pycache__":  # .../pkg/__pycache__/mod.cpython-311.pyc
            path = path.parent.parent / (path.name.split(".")[0] + ".py")
        files.add(path)
    return files


def assert_imported_from_shipped_tree(log, root, assignment):
    files = loaded_files(log)
    from_checkout = sorted(str(f) for f in files if f.is_relative_to(REPO) and not f.is_relative_to(VENV))
    assert not from_checkout, f"imported from the repository checkout: {from_checkout[:5]}"
    source = root / "source"
    shipped = {f.relative_to(source).as_posix() for f in files if f.is_relative_to(source)}
    assert {"grader/autograder.py", "grader/cli.py", "grader/session.py",
            f"grader/checks/{assignment}.py", f"grader/checks/{assignment}_hidden.py"} <= shipped


def test_zip_root_is_what_gradescope_extracts_into_source(zips):
    with zipfile.ZipFile(zips["a0_warmup"]) as zf:
        names = set(zf.namelist())
    assert {"setup.sh", "run_autograder", "run", "setup.cfg", "constraints.txt",
            "grader/checks/a0_warmup_hidden.py", "grader/expected/a0_warmup_hidden.json",
            "grader/expected/a0_warmup.hints.json",
            "grader/checks/a0_warmup.json", "grader/checks/a0_warmup_hidden.json",  # replays
            "course/trax_compat.py", "data/registry.py"} <= names
    assert not [n for n in names if n.startswith(("source/", "solutions/", "assignments/", "tests/"))]
    assert not [n for n in names if "a1_gru" in n or "a2_ner" in n or "a3_bert" in n]
    with zipfile.ZipFile(zips["a0_warmup"]) as zf:  # stops a minute before Gradescope's default 600 s
        assert f'AUTOGRADER_DEADLINE:-{gradescope.DEFAULT_DEADLINE:g}}}"' in zf.read("run_autograder").decode()
    assert gradescope.DEFAULT_DEADLINE <= 540


def test_reference_solution_gets_full_marks_from_the_shipped_tree(a0_root):
    results, _, log = run_autograder(a0_root, {"montecarlo.py": solution("a0_warmup", "montecarlo")})
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0
    assert all(t["status"] == "passed" for t in results["tests"])
    hidden = [t for t in results["tests"] if t["visibility"] == "after_published"]
    assert hidden and len(hidden) < len(results["tests"])
    visible = sum(t["max_score"] for t in results["tests"] if t["visibility"] == "visible")
    assert results["output"].startswith(f"Points: {visible:g} / {visible:g} on the visible checks")
    assert f"total {results['score']:g}" in results["output"]
    assert_imported_from_shipped_tree(log, a0_root, "a0_warmup")


def test_a_zip_of_the_assignment_folder_is_graded(a0_root):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("__MACOSX/a0_warmup/._montecarlo.py", "junk")
        zf.writestr("a0_warmup/montecarlo.py", solution("a0_warmup", "montecarlo"))
    results, _, _ = run_autograder(a0_root, {"my-work.zip": buffer.getvalue()})
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0


def test_stub_scores_zero_with_not_implemented(a0_root):
    results, _, _ = run_autograder(a0_root, {"a0_warmup/montecarlo.py": stub("a0_warmup", "montecarlo")})
    assert results["score"] == 0 and results["tests"]
    assert {t["output"] for t in results["tests"]} == {"not implemented yet"}


def test_misnamed_upload_gets_one_entry_naming_the_file(a0_root):
    results, _, _ = run_autograder(a0_root, {"montecarlo (1).py": solution("a0_warmup", "montecarlo")})
    [entry] = results["tests"]
    assert results["score"] == entry["score"] == 0 and entry["max_score"] > 0
    assert entry["status"] == "failed" and entry["visibility"] == "visible"
    assert "Upload your montecarlo.py" in entry["output"] and "montecarlo (1).py" in entry["output"]


def test_module_that_fails_to_import_gets_a_hint(a0_root):
    results, _, _ = run_autograder(a0_root, {"montecarlo.py": "def broken(:\n"})
    assert results["score"] == 0
    assert all(t["output"].startswith("could not import montecarlo.py: raised SyntaxError")
               for t in results["tests"])
    assert "Your module could not be imported" in results["output"]


@pytest.mark.parametrize("code, reason", [
    ("import time\nwhile True:\n    time.sleep(1)\n", "did not finish within"),
    ("import os\nos._exit(0)\n", "stopped early (exit status 0)"),
])
def test_hang_or_exit_still_writes_results_before_the_deadline(a0_root, code, reason):
    deadline = WRITE_MARGIN + 5
    results, seconds, _ = run_autograder(a0_root, {"montecarlo.py": code}, deadline=deadline)
    assert results["score"] == 0 and reason in results["output"]
    assert seconds < deadline


def points(assignment, hidden):
    return sum(c.points for c in load_spec(assignment)[0].checks() if c.hidden == hidden)


def test_deadline_keeps_the_checks_that_ran_and_the_points_add_up(a0_root):
    hang = "\n\ndef convergence_slope(*args, **kwargs):\n    while True:\n        time.sleep(1)\n"
    code = "import time\n" + solution("a0_warmup", "montecarlo") + hang
    results, seconds, log = run_autograder(a0_root, {"montecarlo.py": code}, deadline=WRITE_MARGIN + 10)
    assert seconds < WRITE_MARGIN + 10
    ran = [t for t in results["tests"] if not t["name"].startswith("Checks not run")]
    unrun = {t["visibility"]: t for t in results["tests"] if t not in ran}
    assert ran and results["score"] == sum(t["score"] for t in ran) > 0
    assert set(unrun) == {"visible", "after_published"}  # hidden checks run after the public ones
    assert all(t["score"] == 0 and "did not finish within" in t["output"] for t in unrun.values())
    assert results["max_score"] == sum(t["max_score"] for t in results["tests"]) == (
        points("a0_warmup", False) + points("a0_warmup", True))
    visible = sum(t["score"] for t in ran if t["visibility"] == "visible")
    assert results["output"].startswith(
        f"Points: {visible:g} / {points('a0_warmup', False):g} on the visible checks; hidden checks "
        f"carry {points('a0_warmup', True):g} more points")
    assert "did not finish within" in results["output"]
    staff_output = log  # the grader's own report, which Gradescope shows to the course staff
    assert "grading was interrupted" in staff_output
    assert "(100%)" not in staff_output and "Only public checks ran" not in staff_output


def test_a_run_in_which_every_check_ran_is_not_called_cut_by_the_deadline(a0_root):
    """One check times out on its own limit (the student's code fires the limit's alarm early)
    and the grader then hangs on its way out until the deadline stops it: every check ran, so
    nothing is said to be cut."""
    early_alarm = ("\n\ndef convergence_slope(*args, **kwargs):\n"
                   "    signal.setitimer(signal.ITIMER_REAL, 0.05)\n    time.sleep(5)\n")
    hang_at_exit = "atexit.register(time.sleep, 3600)\n"
    code = ("import atexit, signal, time\n" + solution("a0_warmup", "montecarlo") + early_alarm
            + hang_at_exit)
    results, seconds, _ = run_autograder(a0_root, {"montecarlo.py": code}, deadline=WRITE_MARGIN + 20)
    assert seconds > 20  # the deadline did stop the grader
    timed_out = [t for t in results["tests"] if t["output"].startswith("timed out after")]
    assert timed_out and all("convergence_slope" in t["name"] for t in timed_out)
    assert len(results["tests"]) == len(load_spec("a0_warmup")[0].checks())
    assert results["max_score"] == sum(t["max_score"] for t in results["tests"])
    assert results["score"] == results["max_score"] - sum(t["max_score"] for t in timed_out)
    assert "did not finish" not in results["output"] and "not run" not in results["output"]


def test_trax_assignment_reference_gets_full_marks(zips, tmp_path):
    root = deploy(zips["a1_gru"], tmp_path)
    results, _, log = run_autograder(root, {"gru_lm.py": solution("a1_gru", "gru_lm")}, deadline=1800)
    failed = [(t["name"], t["output"]) for t in results["tests"] if t["status"] != "passed"]
    assert not failed and results["score"] == sum(t["max_score"] for t in results["tests"]) > 0
    assert_imported_from_shipped_tree(log, root, "a1_gru")


def test_cli_builds_one_zip_per_named_assignment_with_its_deadline(tmp_path, capsys):
    assert cli.main(["gradescope", str(tmp_path), "a0_warmup", "--deadline", "1500"]) == 0
    [archive] = tmp_path.iterdir()
    assert archive.name == "gradescope-a0_warmup.zip"
    with zipfile.ZipFile(archive) as zf:
        assert 'AUTOGRADER_DEADLINE="${AUTOGRADER_DEADLINE:-1500}"' in zf.read("run_autograder").decode()
    assert cli.main(["gradescope", str(tmp_path), "a9_nope"]) == 2
    assert "unknown assignment a9_nope" in capsys.readouterr().err
    assert cli.main(["gradescope", str(tmp_path / "other"), "--deadline", "5"]) == 2
    assert "--deadline must be more than" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()


# -- setup.sh: the route to a Python 3.11-3.13, with the install commands stubbed ----------------

STUB = """#!{python}
# Stands in for apt-get, apt-cache, add-apt-repository, python3*, pip and uv: logs its call and
# fakes what a real one does. The image is described by the environment: STUB_PYTHON3 (the
# version of its python3), STUB_ARCHIVE and STUB_PPA (packages its archive and the deadsnakes
# PPA hold). A python3.X can make venvs once apt-get has installed its -venv package.
import os, sys
from pathlib import Path
me, args = Path(sys.argv[0]), sys.argv[1:]
name, here = me.name, me.parent
if args[:1] != ["-c"]:  # the version probes are not install commands
    with open(os.environ["STUB_LOG"], "a") as log:
        log.write(" ".join([name, *args]) + "\\n")
if name.startswith("python3") and args[:1] == ["-c"]:
    if not (here / f"{{name}}-venv.installed").exists():
        sys.exit("No module named 'ensurepip'")
    print(os.environ["STUB_PYTHON3"] if name == "python3" else name.removeprefix("python"))
elif name == "apt-get" and args[:1] == ["install"]:
    for package in args:
        if package.startswith("python3") and package.endswith("-venv"):
            python = package.removesuffix("-venv")
            (here / f"{{python}}-venv.installed").touch()
            if not (here / python).exists():
                os.symlink(me.resolve(), here / python)
elif name == "add-apt-repository":
    (here / "ppa.added").touch()
elif name == "apt-cache":
    packages = os.environ.get("STUB_ARCHIVE", "").split()
    if (here / "ppa.added").exists():
        packages += os.environ.get("STUB_PPA", "").split()
    sys.exit(args[-1] not in packages)
elif name == "python3" and args[:2] == ["-m", "venv"]:
    (Path(args[2]) / "bin").mkdir(parents=True)
    os.symlink(me.resolve(), Path(args[2]) / "bin" / "pip")
elif name == "pip" and any(a.startswith("uv==") for a in args):
    os.symlink(me.resolve(), here / "uv")
elif name == "uv" and args[:2] == ["python", "find"]:
    print("/fake/cpython-3.12/bin/python3.12")
"""
RUN_STUB = """# Stands in for the course's ./run: logs its call and the environment it was given.
printf 'run %s\\nCOURSE_PYTHON=%s COURSE_VENV=%s\\n' "$*" "$COURSE_PYTHON" "$COURSE_VENV" >> "$STUB_LOG"
"""
DEADSNAKES = "python3.11-venv python3.12-venv python3.13-venv"
IMAGES = {  # name: (os-release ID, python3's version, its archive's python3.X-venv, the PPA's)
    "ubuntu-22.04": ("ubuntu", "3.10", "python3.10-venv python3.11-venv", DEADSNAKES),
    "ubuntu-24.04": ("ubuntu", "3.12", "python3.12-venv", DEADSNAKES),
    "debian-12": ("debian", "3.11", "python3.11-venv", ""),
    "debian-13": ("debian", "3.13", "python3.13-venv", ""),
    "debian-11": ("debian", "3.9", "python3.9-venv", ""),
}
FIRST = ["apt-get update -qq", "apt-get install -y -qq python3 python3-venv"]


@pytest.fixture
def setup_root(zips, tmp_path):
    """A deployed a0 zip whose ``run`` and PATH (apt-get, apt-cache, add-apt-repository,
    python3) are logging stubs."""
    root = deploy(zips["a0_warmup"], tmp_path / "autograder")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "stub").write_text(STUB.format(python=sys.executable))
    (stubs / "stub").chmod(0o755)
    for name in ("apt-get", "apt-cache", "add-apt-repository", "python3"):
        (stubs / name).symlink_to(stubs / "stub")
    (root / "source" / "run").write_text(RUN_STUB)
    return root, stubs


def run_setup(root, stubs, image="debian-11", **env):
    """Run setup.sh on ``image`` (one of IMAGES) with PATH holding only the stubs; return
    (its output, the stub call log)."""
    os_id, python3, archive, ppa = IMAGES[image]
    (root / "os-release").write_text(f"ID={os_id}\n")
    log = root / "calls.log"
    log.touch()
    env = {"PATH": str(stubs), "AUTOGRADER_ROOT": str(root), "STUB_LOG": str(log),
           "OS_RELEASE": str(root / "os-release"), "STUB_PYTHON3": python3,
           "STUB_ARCHIVE": archive, "STUB_PPA": ppa, **env}
    proc = subprocess.run(["/bin/bash", str(root / "source" / "setup.sh")], cwd=root / "source",
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr, log.read_text().splitlines()


def course_setup(root, python):
    return ["run setup", f"COURSE_PYTHON={python} COURSE_VENV={root / 'source' / '.venv'}"]


@pytest.mark.parametrize("image", ["ubuntu-24.04", "debian-12", "debian-13"])
def test_setup_uses_the_images_python3_after_installing_venv(setup_root, image):
    """Its python3 (3.12, 3.11, 3.13) can make venvs only once python3-venv is installed."""
    root, stubs = setup_root
    output, calls = run_setup(root, stubs, image)
    assert calls == FIRST + course_setup(root, stubs / "python3")
    assert f"Using the image's Python: {stubs / 'python3'}" in output


def test_setup_installs_python_312_from_deadsnakes_on_ubuntu_2204(setup_root):
    root, stubs = setup_root
    output, calls = run_setup(root, stubs, "ubuntu-22.04")
    assert calls == FIRST + [
        "apt-get install -y -qq software-properties-common",
        "add-apt-repository -y ppa:deadsnakes/ppa",
        "apt-get update -qq",
        "apt-cache show python3.12-venv",
        "apt-get install -y -qq python3.12 python3.12-venv",
    ] + course_setup(root, stubs / "python3.12")
    assert (stubs / "python3").resolve() == stubs / "stub"  # the image's python3 is left alone
    assert not (root / "python-tools").exists()


def test_setup_installs_python_with_uv_only_when_no_package_has_one(setup_root):
    root, stubs = setup_root
    _, calls = run_setup(root, stubs, "debian-11")
    assert calls == FIRST + [
        "apt-cache show python3.12-venv",
        "apt-cache show python3.13-venv",
        "apt-cache show python3.11-venv",
        f"python3 -m venv {root / 'python-tools'}",
        f"pip install -q --disable-pip-version-check uv=={gradescope.UV_VERSION}",
        "uv python install 3.12",
        "uv python find 3.12",
    ] + course_setup(root, "/fake/cpython-3.12/bin/python3.12")


def test_setup_uses_course_python_and_installs_nothing(setup_root):
    root, stubs = setup_root
    output, calls = run_setup(root, stubs, COURSE_PYTHON=sys.executable, COURSE_VENV="/opt/venv")
    assert f"Using COURSE_PYTHON: {sys.executable}" in output
    assert calls == ["run setup", f"COURSE_PYTHON={sys.executable} COURSE_VENV=/opt/venv"]


def test_setup_dry_run_prints_the_install_and_changes_nothing(setup_root):
    root, stubs = setup_root
    output, calls = run_setup(root, stubs, "ubuntu-22.04", SETUP_DRY_RUN="1")
    assert [c for c in calls if not c.startswith("apt-cache show")] == []  # queries only
    assert not (root / "python-tools").exists()
    for line in ("+ apt-get install -y -qq python3 python3-venv",
                 "+ add-apt-repository -y ppa:deadsnakes/ppa",
                 f"+ /bin/bash {root / 'source' / 'run'} setup"):
        assert line in output
