"""``.ci/other-pythons``: which interpreter it takes for a version, the one line for an absent
version, and a failing step failing the script (with fake Pythons; CI runs it for real)."""
import os
import subprocess

from conftest import REPO

SCRIPT = REPO / ".ci" / "other-pythons"
SHIM = "#!/bin/sh\necho \"pyenv: $(basename \"$0\"): command not found\" >&2\nexit 127\n"


def fake_python(path, version):
    """An executable at ``path`` that answers the version questions as Python ``version`` (3.X)
    would and accepts any other ``-c``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('#!/bin/sh\n[ "$1" = -V ] && { echo "Python ' + version + '.2"; exit 0; }\n'
                    'case "$2" in *version_info*) echo ' + version + ' ;; esac\n')
    path.chmod(0o755)


def run_script(tmp_path, *versions):
    """The script for ``versions`` with PATH = tmp_path/bin first and PYENV_ROOT = tmp_path/pyenv."""
    env = dict(os.environ, PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}",
               PYENV_ROOT=str(tmp_path / "pyenv"), TMPDIR=str(tmp_path))
    env.pop("COURSE_PYTHON", None)
    env.pop("COURSE_VENV", None)
    return subprocess.run([str(SCRIPT), *versions], env=env, capture_output=True, text=True,
                          timeout=120)


def test_an_absent_version_is_one_skipped_line_and_no_failure(tmp_path):
    shim = tmp_path / "bin" / "python3.98"  # a pyenv shim outside its pyenv-local directory
    shim.parent.mkdir()
    shim.write_text(SHIM)
    shim.chmod(0o755)
    done = run_script(tmp_path, "3.98")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "python 3.98: skipped — no python3.98 on PATH that runs, nor a pyenv version 3.98.x"]


def test_a_pyenv_version_is_used_and_a_failing_step_fails_the_script(tmp_path):
    """A pyenv 3.98 is found behind a broken shim; ./run refuses it (unsupported), so the
    install step fails, its failure is named and the script exits non-zero."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3.98").write_text(SHIM)
    (tmp_path / "bin" / "python3.98").chmod(0o755)
    python = tmp_path / "pyenv" / "versions" / "3.98.2" / "bin" / "python3.98"
    fake_python(python, "3.98")
    done = run_script(tmp_path, "3.98")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"python 3.98: {python} (Python 3.98.2)"
    assert "python 3.98: install from constraints.txt (notebook and kaggle extras included) FAILED" in lines
    assert lines[-1] == "other Pythons: FAILED: 3.98: install from constraints.txt (notebook and kaggle extras included)"
    assert f"COURSE_PYTHON={python} is not Python 3.11, 3.12, 3.13" in done.stderr
    assert not list(tmp_path.glob("course-pythons.*")), "the temporary venv directory is left behind"
