"""The ``run`` entry point: guidance when Python 3.11 is missing, and ``./run notebook``."""
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


def test_missing_python_311_says_how_to_get_it_and_how_to_point_at_it(tmp_path):
    """With no Python 3.11 on PATH (a python3 of another version only) setting up fails with
    the ways to install 3.11 and how to point COURSE_PYTHON at it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "cat", "date"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    (bin_dir / "python3").write_text("#!/bin/sh\nexit 1\n")  # not 3.11
    (bin_dir / "python3").chmod(0o755)
    done = subprocess.run(["/bin/bash", str(REPO / "run"), "setup"], capture_output=True, text=True,
                          env={"PATH": str(bin_dir), "HOME": str(tmp_path),
                               "COURSE_VENV": str(tmp_path / "venv")}, timeout=60)
    assert done.returncode != 0 and not (tmp_path / "venv").exists()
    message = done.stderr
    assert message.startswith("error: the course needs Python 3.11"), message
    for way in ("deadsnakes", "pyenv install 3.11", "uv python install 3.11", "conda create", "COURSE_PYTHON="):
        assert way in message, way


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
