"""The walkthroughs as a new student meets them, in a real browser.

``./run notebook`` serves JupyterLab on loopback (with a token); headless Chromium, driven by
Selenium (Debian's ``chromium`` and ``chromium-driver``, ``selenium`` from the ``browser-test``
extra), opens each walkthrough of a fresh copy of ``assignments/`` (the stubs) with an empty
data directory, an empty download cache and no network, and runs all cells in the fast mode
(``COURSE_FAST=1``). Then: the kernel is the course's, every code cell ran, no output holds a
traceback, the one-line notes are there (an unfinished exercise, a missing dataset, a cell
waiting for either); and after the grade cell an edit of the module on disk reaches the
notebook. One server and one browser serve all four walkthroughs. A failure saves a
screenshot of the page and names its path.
"""
import ast
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, datasets_used_by, require_platform

WALKTHROUGHS = sorted(p.parent.name for p in (REPO / "assignments").glob("a*/walkthrough.ipynb"))
KERNEL = "Python %d.%d (trax-nlp-course)" % sys.version_info[:2]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000"]
DEAD_PROXY = "http://127.0.0.1:9"
FILL_IN = re.compile(r"^fill in `[\w.]+` in \w+\.py, then re-run this cell$", re.M)
DATASET_MISSING = re.compile(r"^dataset ([\w-]+) is missing, so the cells that need it are skipped: "
                             r".*COURSE_DATA_DIR.*\(then re-run from this cell\)$", re.M)
WAITING = re.compile(r"^this cell needs (`\w+` from an earlier cell|dataset [\w-]+, which is missing)",
                     re.M)
RUN_ALL_SECONDS = 240  # per walkthrough, at most (all four take about a minute each when quiet)


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab from ``./run notebook`` over a copy of assignments/, with no data, no cache
    and no network; yields (base URL, token, the copy's folder, artefact folder)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        selenium = None
    require_platform(selenium is not None, "selenium is not installed (pip install -c "
                     "constraints.txt -e '.[browser-test]')")
    require_platform(_chromium() and shutil.which("chromedriver"),
                     "chromium and chromedriver are not installed (apt-get install chromium "
                     "chromium-driver)")
    require_platform((Path(sys.prefix) / "bin" / "jupyter-lab").exists(),
                     "JupyterLab is not installed in the course venv (./run setup notebook)")
    root = tmp_path_factory.mktemp("browser")
    settings = root / "home" / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no "get notified about Jupyter news?" pop-up over the cells
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    work, empty, artefacts = root / "assignments", root / "no-data", root / "artefacts"
    for folder in (empty, artefacts, root / "cache"):
        folder.mkdir()
    for name in WALKTHROUGHS:
        shutil.copytree(REPO / "assignments" / name, work / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    token, port = secrets.token_hex(16), _free_port()
    env = {**os.environ, "COURSE_DATA_DIR": str(empty), "COURSE_CACHE_DIR": str(root / "cache"),
           "COURSE_FAST": "1", "COURSE_VENV": sys.prefix,
           "JUPYTER_CONFIG_DIR": str(root / "home" / "config"),
           "JUPYTER_RUNTIME_DIR": str(root / "home" / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / "home" / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(root / "home" / "settings"),
           "IPYTHONDIR": str(root / "home" / "ipython"), "MPLCONFIGDIR": str(root / "home" / "mpl"),
           "http_proxy": DEAD_PROXY, "https_proxy": DEAD_PROXY, "HTTP_PROXY": DEAD_PROXY,
           "HTTPS_PROXY": DEAD_PROXY, "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
    log = open(artefacts / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [str(REPO / "run"), "notebook", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--ServerApp.root_dir={work}", f"--IdentityProvider.token={token}",
         "--LabApp.expose_app_in_browser=True", "--ServerApp.open_browser=False"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(base, token, server, artefacts / "jupyterlab.log")
        yield base, token, work, artefacts
    finally:
        _stop_server(base, token, server)
        log.close()


def _api(base, token, path, method="GET"):
    request = urllib.request.Request(f"{base}{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
    with opener.open(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def _wait_for_server(base, token, server, log_path, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"./run notebook exited with {server.returncode}; its log: {log_path}")
        try:
            _api(base, token, "/api/status")
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer on {base} in {timeout} s; its log: {log_path}")


def _stop_server(base, token, server):
    """Shut the server down through its API (it stops its kernels), else end its process group."""
    if server.poll() is not None:
        return
    try:
        _api(base, token, "/api/shutdown", method="POST")
        server.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(lab):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = _chromium()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={lab[3] / 'chromium-profile'}")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


# What the test reads from the page: JupyterLab's app object (exposed with
# --LabApp.expose_app_in_browser) holds the open notebook, its kernel and its cells.
NOTEBOOK_STATE = """
const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return null;
const cells = panel.content.model.sharedModel.cells.map(c => c.toJSON());
return {kernel: panel.sessionContext.kernelDisplayName,
        status: panel.sessionContext.session && panel.sessionContext.session.kernel
                ? panel.sessionContext.session.kernel.status : "none",
        path: panel.context.path, cells: cells};
"""


def _state(driver):
    return driver.execute_script(NOTEBOOK_STATE)


def _wait(driver, condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _state(driver)
        if state and condition(state):
            return state
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _command(driver, command, wait=False):
    """Run a JupyterLab command (what its menu entry runs); ``wait``: until it has finished
    (Selenium awaits a returned promise), else return at once."""
    script = "const done = window.jupyterapp.commands.execute(arguments[0]);"
    driver.execute_script(script + ("return done;" if wait else "return null;"), command)


def _text(cell):
    """Everything a code cell's outputs show, as text (streams, results, errors)."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"] if isinstance(output["text"], str) else "".join(output["text"]))
        elif output["output_type"] == "error":
            parts.append("Traceback\n" + "\n".join(output.get("traceback", [])))
        else:
            data = output.get("data", {}).get("text/plain", "")
            parts.append(data if isinstance(data, str) else "".join(data))
    return "".join(parts)


def _source(cell):
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _all_ran(state):
    code = [c for c in state["cells"] if c["cell_type"] == "code"]
    return state["status"] == "idle" and all(c.get("execution_count") for c in code)


def _first_stub(module):
    """(function name, number of required arguments) of the module's first function that is
    nothing but its stub's ``raise`` (so any arguments reach it)."""
    tree = ast.parse(module.read_text())
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        stub = ast.parse(f'raise NotImplementedError("{node.name}")').body[0]
        body = node.body[1:] if ast.get_docstring(node) else node.body
        if body and ast.dump(body[0]) == ast.dump(stub):
            return node.name, len(node.args.args) - len(node.args.defaults)
    raise AssertionError(f"no stubbed function in {module}")


def _probe_cell(module, first_cell):
    """A scratch cell (as a student adds below the grade cell) that calls the module's first
    stub through the name the notebook's first cell imported it as (``import gru_lm as g``):
    the notebook's own module object, not whatever ``sys.modules`` holds by then."""
    name, n_args = _first_stub(module)
    alias = re.search(rf"^import {module.stem}(?: as (\w+))?$", first_cell, re.M)
    assert alias, f"the first cell does not import {module.stem}"
    return name, f"print({alias[1] or module.stem}.{name}({', '.join(['None'] * n_args)}))"


@pytest.mark.slow
def test_walkthroughs_run_all_without_data_in_chromium(lab, browser):
    base, token, work, artefacts = lab
    failures, timings = [], {}
    browser.get(f"{base}/lab?token={token}")  # the token becomes a cookie for the next pages
    for name in WALKTHROUGHS:
        start = time.monotonic()
        try:
            check_walkthrough(browser, base, work / name, artefacts)
        except AssertionError as err:
            shot = artefacts / f"{name}.png"
            browser.save_screenshot(str(shot))
            failures.append(f"{name}: {err} (screenshot: {shot})")
        else:
            browser.save_screenshot(str(artefacts / f"{name}-passed.png"))
        timings[name] = round(time.monotonic() - start, 1)
        _command(browser, "docmanager:save", wait=True)  # the copy's notebook: closing asks nothing
        _command(browser, "application:close-all", wait=True)
        for kernel in _api(base, token, "/api/kernels"):  # one kernel at a time on a small machine
            _api(base, token, f"/api/kernels/{kernel['id']}", method="DELETE")
    print(f"seconds per walkthrough: {timings}; artefacts in {artefacts}")
    assert not failures, "\n".join(failures)


def check_walkthrough(driver, base, folder, artefacts):
    name = folder.name
    driver.get(f"{base}/lab/tree/{name}/walkthrough.ipynb")
    state = _wait(driver, lambda s: s["path"] == f"{name}/walkthrough.ipynb" and s["status"] == "idle",
                  120, f"{name}'s notebook and an idle kernel")
    assert state["kernel"] == KERNEL, f"kernel is {state['kernel']!r}, expected {KERNEL!r}"

    _command(driver, "notebook:run-all-cells")
    time.sleep(1)  # the first cell is queued before the kernel reports busy
    state = _wait(driver, _all_ran, RUN_ALL_SECONDS, "Run All to execute every code cell")
    texts = [_text(c) for c in state["cells"] if c["cell_type"] == "code"]
    broken = [f"cell {i}: {t[:300]!r}" for i, t in enumerate(texts) if "Traceback" in t]
    assert not broken, "outputs with a traceback: " + "; ".join(broken)
    everything = "\n".join(texts)
    missing = DATASET_MISSING.findall(everything)
    assert len(missing) == len(set(missing)), f"a missing dataset announced more than once: {missing}"
    if datasets_used_by(REPO / "assignments" / name):
        assert missing, "no one-line note for the missing dataset"
        assert WAITING.search(everything), "no cell says what it waits for"
    else:
        assert FILL_IN.search(everything), "no one-line note for an unfinished exercise"
    assert "NameError" not in everything
    assert re.search(r"Score: \d", everything), "the grade cell printed no score"
    _show_first_note(driver, state, artefacts / f"{name}-first-note.png")

    module = next(p for p in sorted(folder.glob("*.py")))
    function, probe = _probe_cell(module, _source(state["cells"][1]))
    index = len(state["cells"])
    driver.execute_script(
        "const panel = window.jupyterapp.shell.currentWidget;"
        "panel.content.model.sharedModel.insertCell(arguments[0], {cell_type: 'code', source: arguments[1]});"
        "panel.content.activeCellIndex = arguments[0];", index, probe)
    before = _run_cell(driver, index)
    assert before.strip() == f"fill in `{function}` in {module.name}, then re-run this cell", before
    marker = f"edited after grading {time.time_ns()}"
    text = module.read_text()
    module.write_text(text.replace(f'raise NotImplementedError("{function}")', f"return {marker!r}", 1))
    after = _run_cell(driver, index)
    assert after.strip() == marker, f"after editing {module.name}, the re-run cell printed {after!r}"


def _show_first_note(driver, state, screenshot):
    """Scroll to the first cell with a one-line note and keep a screenshot of what a student sees."""
    notes = [i for i, c in enumerate(state["cells"]) if c["cell_type"] == "code"
             and (FILL_IN.search(_text(c)) or DATASET_MISSING.search(_text(c)))]
    driver.execute_script("const notebook = window.jupyterapp.shell.currentWidget.content;"
                          "notebook.activeCellIndex = arguments[0];"
                          "return notebook.scrollToCell(notebook.widgets[arguments[0]], 'center');", notes[0])
    time.sleep(0.5)
    driver.save_screenshot(str(screenshot))


def _run_cell(driver, index):
    """Run the notebook's cell ``index`` (made active) and return its output text."""
    driver.execute_script("window.jupyterapp.shell.currentWidget.content.activeCellIndex = arguments[0];",
                          index)
    count = _state(driver)["cells"][index].get("execution_count")
    _command(driver, "notebook:run-cell")
    state = _wait(driver, lambda s: s["status"] == "idle"
                  and s["cells"][index].get("execution_count") not in (None, count),
                  60, f"cell {index} to run")
    return _text(state["cells"][index])
