"""Without the datasets the suite skips with reasons and never errors; with them nothing skips."""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from conftest import DATA_SKIP, REPO, datasets_used_by, stray_data_skips

# The modules whose tests read course datasets.
DATA_MODULES = ["tests/test_data.py", "tests/test_a2_solution.py", "tests/test_a3_solution.py",
                "tests/test_notebooks.py"]
DEAD_PROXY = "http://127.0.0.1:9"  # any download attempt fails at once


def offline_prefix():
    """A command prefix that runs without network (a new network namespace) where allowed."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn"]
    return []


def run_pytest(args, tmp_path, env_updates):
    """Run pytest in a child process from the repository root; returns (process, junit root)."""
    junit = tmp_path / "junit.xml"
    env = {**os.environ, **env_updates}
    proc = subprocess.run(offline_prefix() + [sys.executable, "-m", "pytest", "-q", "-rs",
                                              f"--junitxml={junit}", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    return proc, (ET.parse(junit).getroot() if junit.exists() else None)


def test_stray_data_skips_are_those_whose_file_is_in_the_data_directory(tmp_path):
    (tmp_path / "bert-sample").mkdir()
    (tmp_path / "bert-sample" / "sample_text.txt").write_text("x")
    assert stray_data_skips({"bert-sample": 1, "gmb-ner": 2}, tmp_path) == ["bert-sample"]
    assert stray_data_skips({"bert-sample": 1}, None) == []


def test_a_data_skip_fails_the_run_when_the_data_directory_holds_the_file(tmp_path):
    """The guard CI relies on: with the data present, a test that skips for it fails the run."""
    data_dir = tmp_path / "data"
    (data_dir / "bert-sample").mkdir(parents=True)
    (data_dir / "bert-sample" / "sample_text.txt").write_text("x")
    test = tmp_path / "test_skips.py"
    test.write_text("from conftest import skip_for_data\n\n"
                    "def test_wrongly_skipped():\n    skip_for_data('bert-sample')\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the course's settings
    env = {"PYTHONPATH": str(REPO / "tests"), "COURSE_DATA_DIR": ""}
    args = ["-p", "conftest", "-p", "no:cacheprovider", f"--rootdir={tmp_path}"]
    proc, _ = run_pytest(args + [f"--data-dir={data_dir}", str(test)], tmp_path, env)
    assert proc.returncode == 1 and "tests skipped for bert-sample although" in proc.stdout, proc.stdout
    proc, _ = run_pytest(args + [f"--data-dir={tmp_path / 'empty'}", str(test)], tmp_path, env)
    assert proc.returncode == 0 and "1 skipped" in proc.stdout, proc.stdout


def test_data_tests_skip_with_reasons_and_never_error_without_data(tmp_path):
    """The data tests once with an empty data directory, an empty download cache, no ../shared
    fallback and no network: every one skips with a line naming its dataset and how to get it."""
    empty_data, empty_cache = tmp_path / "data", tmp_path / "cache"
    empty_data.mkdir()
    env = {"COURSE_DATA_DIR": str(empty_data), "COURSE_CACHE_DIR": str(empty_cache),
           "http_proxy": DEAD_PROXY, "https_proxy": DEAD_PROXY, "HTTP_PROXY": DEAD_PROXY,
           "HTTPS_PROXY": DEAD_PROXY, "COURSE_FAST": "1"}
    data_free = [f"tests/test_notebooks.py::{test}[{nb.parent.name}]"
                 for nb in sorted((REPO / "assignments").glob("a*/*.ipynb"))
                 if not datasets_used_by(nb.parent)  # would run in full: they need nothing
                 for test in ("test_notebook_executes_against_the_solutions",
                              "test_notebook_runs_to_the_end_against_the_stubs")]
    proc, junit = run_pytest(["-m", "data", "-p", "no:cacheprovider", *DATA_MODULES,
                              *(f"--deselect={d}" for d in data_free)], tmp_path, env)
    assert junit is not None, proc.stdout + proc.stderr
    cases = junit.findall(".//testcase")
    skips = [c.find("skipped").get("message", "") for c in cases if c.find("skipped") is not None]
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert cases and len(skips) == len(cases), proc.stdout[-3000:]
    for message in skips:
        assert DATA_SKIP in message and "\n" not in message, message
        assert "dataset " in message and ("python -m data fetch" in message or "save" in message)
    assert any("kaggle.com" in m and "gmb-ner" in m for m in skips)
    assert not empty_cache.exists() or not any(empty_cache.rglob("*.*")), "nothing is downloaded"
