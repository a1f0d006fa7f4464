"""The ``run`` entry point: choosing a supported Python (3.11-3.13), and ``./run notebook``."""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO

VENV = Path(sys.prefix)


def run_setup_with_pythons(tmp_path, pythons, **env):
    """``./run setup`` with PATH holding only fake Pythons ({name: version printed}) and the
    few tools the script uses; returns the finished process."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "cat", "date", "sed"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    for name, version in pythons.items():
        # Answers the version question; any other call (e.g. ``-m venv``) is logged and fails.
        (bin_dir / name).write_text(f'#!/bin/sh\n[ "$1" = -c ] && {{ echo {version}; exit 0; }}\n'
                                    f'echo "{name} $*" >> "{tmp_path}/calls"; exit 1\n')
        (bin_dir / name).chmod(0o755)
    return subprocess.run(["/bin/bash", str(REPO / "run"), "setup"], capture_output=True, text=True,
                          env={"PATH": str(bin_dir), "HOME": str(tmp_path),
                               "COURSE_VENV": str(tmp_path / "venv"), **env}, timeout=60)


def test_missing_python_says_which_are_supported_and_how_to_get_one(tmp_path):
    """With only unsupported Pythons on PATH, setting up fails with the supported versions,
    the ways to install one and how to point COURSE_PYTHON at it."""
    done = run_setup_with_pythons(tmp_path, {"python3": "3.10", "python3.14": "3.14"})
    assert done.returncode != 0 and not (tmp_path / "venv").exists()
    message = done.stderr
    assert message.startswith("error: the course needs Python 3.11, 3.12 or 3.13"), message
    for way in ("deadsnakes", "pyenv install 3.12", "uv python install 3.12", "conda create", "COURSE_PYTHON="):
        assert way in message, way


def test_course_python_of_an_unsupported_version_is_refused_by_name(tmp_path):
    done = run_setup_with_pythons(tmp_path, {"python3": "3.12", "old": "3.10"},
                                  COURSE_PYTHON=str(tmp_path / "bin" / "old"))
    assert done.returncode != 0 and not (tmp_path / "venv").exists()
    assert done.stderr.startswith(f"error: COURSE_PYTHON={tmp_path / 'bin' / 'old'} is not Python "
                                  "3.11, 3.12, 3.13"), done.stderr


@pytest.mark.parametrize("pythons, chosen", [
    ({"python3": "3.12", "python3.11": "3.11"}, "python3"),        # Ubuntu 24.04, Colab
    ({"python3": "3.10", "python3.11": "3.11"}, "python3.11"),     # Ubuntu 22.04 + deadsnakes
    ({"python3": "3.14", "python3.13": "3.13", "python3.12": "3.12"}, "python3.13"),
])
def test_the_first_supported_python_is_chosen(tmp_path, pythons, chosen):
    """python3 first, then python3.13, 3.12, 3.11: the chosen one is asked to make the venv."""
    done = run_setup_with_pythons(tmp_path, pythons)
    assert done.returncode != 0 and "error: the course needs" not in done.stderr, done.stderr
    assert (tmp_path / "calls").read_text().split()[:3] == [chosen, "-m", "venv"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base, token, path, method="GET", body=None):
    """JSON from the Jupyter server's REST API (None for an empty answer)."""
    request = urllib.request.Request(f"{base}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def wait_for_server(base, token, proc, log_path, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the notebook server exited: {log_path.read_text()[-2000:]}"
        try:
            return api(base, token, "/api/status")
        except OSError:
            time.sleep(1)
    pytest.fail(f"the notebook server did not answer within {seconds} s")


@pytest.mark.slow
def test_run_notebook_starts_jupyterlab_with_the_course_kernel(tmp_path):
    """``./run notebook a0_warmup`` serves JupyterLab (127.0.0.1, a free port, no browser) in
    the assignment's folder; its python3 kernel is the course's Python, sees the data directory
    ./run chose, and executes a cell."""
    if not (VENV / ".course-notebook-installed").is_file():
        pytest.skip("the notebook extra is not installed in this environment: run `./run setup notebook` "
                    "(.ci/run does) to install JupyterLab")
    from jupyter_client import BlockingKernelClient

    port, token, runtime = free_port(), secrets.token_hex(16), tmp_path / "runtime"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {**os.environ, "COURSE_VENV": str(VENV), "COURSE_DATA_DIR": str(data_dir),
           "JUPYTER_RUNTIME_DIR": str(runtime)}
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        ["bash", str(REPO / "run"), "notebook", "a0_warmup", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base, token, proc, tmp_path / "server.log", seconds=180)
        specs = api(base, token, "/api/kernelspecs")
        assert specs["default"] == "python3"
        spec = specs["kernelspecs"]["python3"]["spec"]
        assert Path(spec["argv"][0]) == VENV / "bin" / "python" and "trax-nlp-course" in spec["display_name"]
        kernel = api(base, token, "/api/kernels", "POST", {"name": "python3"})
        client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel['id']}.json"))
        client.load_connection_file()
        client.start_channels(hb=False)  # the server watches the heartbeat; ours would race the start
        client.wait_for_ready(timeout=120)
        lines = []
        reply = client.execute_interactive(
            "import os, sys; print(sys.prefix); print(os.getcwd()); print(os.environ['COURSE_DATA_DIR'])",
            timeout=120, output_hook=lambda msg: lines.extend(
                msg["content"].get("text", "").splitlines() if msg["msg_type"] == "stream" else []))
        client.stop_channels()
        assert reply["content"]["status"] == "ok"
        assert lines == [str(VENV), str(REPO / "assignments" / "a0_warmup"), str(data_dir)]
        api(base, token, f"/api/kernels/{kernel['id']}", "DELETE")
        api(base, token, "/api/shutdown", "POST")
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        log.close()


def test_benchmarks_import_from_any_directory(tmp_path):
    """``python -m benchmarks.NAME`` works outside the repository root (the course's install
    provides the package)."""
    done = subprocess.run([sys.executable, "-c", "import importlib.util as u; "
                           "print(u.find_spec('benchmarks.a1_gru').origin)"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    origin = Path(done.stdout.strip())  # the course's (editable) install: this checkout's or another
    assert origin.parts[-2:] == ("benchmarks", "a1_gru.py") and origin.is_file()
