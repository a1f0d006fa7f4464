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

from conftest import REPO
from grader import cli, gradescope
from grader.autograder import WRITE_MARGIN
from grader.registry import load_spec

VENV = Path(sys.prefix)  # the course environment running these tests (COURSE_VENV)


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    """{assignment: zip path} for the assignments the tests deploy."""
    out = tmp_path_factory.mktemp("zips")
    return dict(zip(["a0_warmup", "a1_gru"], gradescope.build(out, ["a0_warmup", "a1_gru"])))


def deploy(archive, root):
    """Lay ``root`` out as Gradescope does: the zip's content in source/, run_autograder copied
    to the root. Returns ``root``."""
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    return root


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


def test_deadline_keeps_the_checks_that_ran(a0_root):
    hang = "\n\ndef convergence_slope(*args, **kwargs):\n    while True:\n        time.sleep(1)\n"
    code = "import time\n" + solution("a0_warmup", "montecarlo") + hang
    results, seconds, _ = run_autograder(a0_root, {"montecarlo.py": code}, deadline=WRITE_MARGIN + 10)
    assert seconds < WRITE_MARGIN + 10
    *ran, unrun = results["tests"]
    assert results["score"] == sum(t["score"] for t in ran) > 0
    assert unrun["name"] == "Checks not run before the autograder's deadline" and unrun["score"] == 0
    assert "did not finish within" in results["output"]
    assert sum(t["max_score"] for t in results["tests"]) == sum(
        c.points for c in load_spec("a0_warmup")[0].checks())


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


# -- setup.sh: the route to Python 3.11, with the install commands stubbed ------------------------

STUB = """#!{python}
# Stands in for apt-get, python3, pip and uv: logs its call, fakes the files a real one makes.
import os, sys
from pathlib import Path
name, args = Path(sys.argv[0]).name, sys.argv[1:]
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(" ".join([name, *args]) + "\\n")
if name == "python3" and args[:2] == ["-m", "venv"]:
    (Path(args[2]) / "bin").mkdir(parents=True)
    os.symlink(__file__, Path(args[2]) / "bin" / "pip")
elif name == "pip" and any(a.startswith("uv==") for a in args):
    os.symlink(__file__, Path(sys.argv[0]).parent / "uv")
elif name == "uv" and args[:2] == ["python", "find"]:
    print("/fake/cpython-3.11/bin/python3.11")
"""
RUN_STUB = """# Stands in for the course's ./run: logs its call and the environment it was given.
printf 'run %s\\nCOURSE_PYTHON=%s COURSE_VENV=%s\\n' "$*" "$COURSE_PYTHON" "$COURSE_VENV" >> "$STUB_LOG"
"""


@pytest.fixture
def setup_root(zips, tmp_path):
    """A deployed a0 zip whose ``run`` and PATH (apt-get, python3) are logging stubs."""
    root = deploy(zips["a0_warmup"], tmp_path / "autograder")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "stub").write_text(STUB.format(python=sys.executable))
    (stubs / "stub").chmod(0o755)
    for name in ("apt-get", "python3"):
        (stubs / name).symlink_to(stubs / "stub")
    (root / "source" / "run").write_text(RUN_STUB)
    return root, stubs


def run_setup(root, stubs, **env):
    """Run setup.sh with PATH holding only the stubs; return (its output, the stub call log)."""
    log = root / "calls.log"
    log.touch()
    env = {"PATH": str(stubs), "AUTOGRADER_ROOT": str(root), "STUB_LOG": str(log), **env}
    proc = subprocess.run(["/bin/bash", str(root / "source" / "setup.sh")], cwd=root / "source",
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr, log.read_text().splitlines()


def test_setup_installs_python_311_with_uv_when_the_image_has_none(setup_root):
    root, stubs = setup_root
    _, calls = run_setup(root, stubs)
    tools = root / "python-tools" / "bin"
    assert calls == [
        "apt-get update -qq",
        "apt-get install -y -qq python3 python3-venv",
        f"python3 -m venv {root / 'python-tools'}",
        f"pip install -q --disable-pip-version-check uv=={gradescope.UV_VERSION}",
        "uv python install 3.11",
        "uv python find 3.11",
        "run setup",
        f"COURSE_PYTHON=/fake/cpython-3.11/bin/python3.11 COURSE_VENV={root / 'source' / '.venv'}",
    ]
    assert (tools / "uv").is_symlink()


def test_setup_uses_an_existing_python_311(setup_root):
    root, stubs = setup_root
    output, calls = run_setup(root, stubs, COURSE_PYTHON=sys.executable, COURSE_VENV="/opt/venv")
    assert f"Using the existing Python 3.11: {sys.executable}" in output
    assert calls == ["run setup", f"COURSE_PYTHON={sys.executable} COURSE_VENV=/opt/venv"]


def test_setup_dry_run_prints_the_install_and_changes_nothing(setup_root):
    root, stubs = setup_root
    output, calls = run_setup(root, stubs, SETUP_DRY_RUN="1")
    assert calls == [] and not (root / "python-tools").exists()
    for line in ("+ apt-get install -y -qq python3 python3-venv",
                 f"+ {root / 'python-tools' / 'bin' / 'uv'} python install 3.11",
                 f"+ /bin/bash {root / 'source' / 'run'} setup"):
        assert line in output
