"""Every walkthrough notebook runs end to end: against the reference solutions (with its plots)
and against the stubs a student starts from (each unfinished exercise a one-line note)."""
import os
import re
import shutil
import sys
import time

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbclient import NotebookClient
from traitlets.config import Config

from conftest import REPO, datasets_used_by
from course.quiet import is_noise
from grader.registry import load_spec

NOTEBOOKS = sorted((REPO / "assignments").glob("a*/*.ipynb"))

#: Start-up chatter that must not reach a notebook, besides ``course.quiet``'s list:
#: TensorFlow's CUDA probe on a CPU-only machine, tqdm's notice when ipywidgets is absent.
STARTUP_NOISE = re.compile(r"failed call to cuInit|IProgress not found")
FILL_IN = re.compile(r"fill in `([\w.]+)` in (\w+\.py), then re-run this cell$")
NEEDS = re.compile(r"this cell needs `\w+` from an earlier cell: fill in `[\w.]+` in \w+\.py, "
                   r"then re-run from that cell$")


def test_every_assignment_has_a_notebook():
    folders = {p.name for p in (REPO / "solutions").glob("a*") if p.is_dir()}
    assert folders and folders == {nb.parent.name for nb in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_committed_notebooks_carry_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path


def execute(path, folder, monkeypatch):
    """Run notebook ``path`` in fast mode (COURSE_FAST=1) with the kernel in ``folder``, so
    ``import <module>`` finds that folder's code; raises CellExecutionError on an error cell."""
    monkeypatch.setenv("COURSE_FAST", "1")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def code_outputs(cell):
    return cell.outputs if cell.cell_type == "code" else []


def printed_lines(cell):
    return [line for o in code_outputs(cell) if o.output_type == "stream" for line in o.text.splitlines()]


def has_image(cell):
    return any("image/png" in o.get("data", {}) for o in code_outputs(cell))


def assert_clean_run(nb):
    """No error output, and no start-up noise in any printed line."""
    assert not [o for c in nb.cells for o in code_outputs(c) if o.output_type == "error"]
    noisy = [line for c in nb.cells for line in printed_lines(c)
             if STARTUP_NOISE.search(line) or is_noise(line)]
    assert not noisy, noisy


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_notebook_executes_against_the_solutions(path, monkeypatch, course_data):
    course_data(*datasets_used_by(path.parent))  # skips when a dataset is absent
    nb = execute(path, REPO / "solutions" / path.parent.name, monkeypatch)
    assert_clean_run(nb)
    assert any(has_image(c) for c in nb.cells), "each walkthrough shows at least one plot"
    assert not [line for c in nb.cells for line in printed_lines(c) if FILL_IN.match(line)]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_notebook_runs_to_the_end_against_the_stubs(path, monkeypatch, course_data):
    """A student runs the walkthrough before filling anything in: every cell completes, a
    cell that reaches a stub prints one "fill in" line naming a real stub (no traceback, no
    empty figure), and the cells that need no stub still run."""
    course_data(*datasets_used_by(path.parent))  # skips when a dataset is absent
    nb = execute(path, path.parent, monkeypatch)
    assert_clean_run(nb)
    stubs = {module.name: set(re.findall(r'raise NotImplementedError\("(\w+)"\)', module.read_text()))
             for module in path.parent.glob("*.py")}
    notes = 0
    for cell in nb.cells:
        lines = printed_lines(cell)
        for line in lines:
            match = FILL_IN.match(line)
            if match:
                assert match[1].split(".")[-1] in stubs[match[2]], line
        if any(FILL_IN.match(line) or NEEDS.match(line) for line in lines):
            notes += 1
            assert not has_image(cell), f"a skipped cell shows a figure: {cell.source[:80]!r}"
    assert notes >= 2
    assert any("not implemented yet" in line for c in nb.cells for line in printed_lines(c))


# The guard itself, in an in-process IPython shell (fast).

STUB_MODULE = '''
def stub(x):
    raise NotImplementedError("stub")

class Layer:
    def forward(self):
        raise NotImplementedError("forward")

class LayerError(Exception):
    """Stands for Trax's wrapper of an error raised inside a layer."""

def in_layer():
    try:
        Layer().forward()
    except NotImplementedError:
        raise LayerError("in layer")

def buggy(x):
    return x / 0

def own_not_implemented():
    raise NotImplementedError("something else")
'''


@pytest.fixture
def shell(tmp_path, monkeypatch, capsys):
    (tmp_path / "studentmod.py").write_text(STUB_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # nothing written to ~/.ipython
    shell = InteractiveShell.instance(config=config)
    shell.run_cell("%reload_ext course.notebook\nimport studentmod")
    capsys.readouterr()
    yield shell
    shell.run_cell("%unload_ext course.notebook")
    from course import notebook
    notebook.WAITING.clear()
    notebook.ANNOUNCED.clear()


def run(shell, capsys, source):
    result = shell.run_cell(source)
    return result, capsys.readouterr().out.strip()


def test_unfinished_exercise_is_one_line_and_later_cells_say_what_they_wait_for(shell, capsys):
    result, out = run(shell, capsys, "a = 1\nb = studentmod.stub(a)\nc = 2")
    assert result.success and out == "fill in `stub` in studentmod.py, then re-run this cell"
    result, out = run(shell, capsys, "print(a)\nd = b + c")
    assert result.success
    assert out == ("1\nthis cell needs `b` from an earlier cell: fill in `stub` in studentmod.py, "
                   "then re-run from that cell")
    result, out = run(shell, capsys, "e = d")  # waits for the same exercise, one cell further
    assert result.success and "fill in `stub` in studentmod.py" in out
    result, out = run(shell, capsys, "studentmod.in_layer()")
    assert result.success and out == "fill in `Layer.forward` in studentmod.py, then re-run this cell"


@pytest.mark.parametrize("source, error", [
    ("studentmod.buggy(1)", ZeroDivisionError),
    ("studentmod.own_not_implemented()", NotImplementedError),
    ("undefined_name + 1", NameError),
])
def test_other_errors_keep_their_traceback(shell, capsys, source, error):
    result, _ = run(shell, capsys, source)
    assert isinstance(result.error_in_exec, error)


def test_a_cell_still_shows_its_last_value(shell, capsys):
    result, _ = run(shell, capsys, "x = 20\nx + 1")
    assert result.success and result.result == 21
    result, _ = run(shell, capsys, "x = 5;")
    assert result.result is None


def test_rerunning_the_first_cell_is_silent_and_keeps_autoreload_on(shell, capsys):
    for _ in range(2):
        result, out = run(shell, capsys, "%reload_ext course.notebook")
        assert result.success and out == ""
    assert "IPython.extensions.autoreload" in shell.extension_manager.loaded
    assert sum(type(t).__name__ == "GuardCells" for t in shell.ast_transformers) == 1


def test_a_missing_dataset_is_one_line_once_and_later_cells_say_they_wait_for_it(
        shell, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "empty"))
    result, out = run(shell, capsys, "from data import fetch\ntext = fetch('tinyshakespeare').read_text()")
    assert result.success and len(out.splitlines()) == 1, out
    assert out.startswith("dataset tinyshakespeare is missing, so the cells that need it are skipped: "
                          "tinyshakespeare/input.txt not found in ") and "COURSE_DATA_DIR" in out
    result, out = run(shell, capsys, "lines = text.splitlines()")
    assert result.success and out == ("this cell needs `text` from an earlier cell: get dataset "
                                      "tinyshakespeare (see above), then re-run from that cell")
    result, out = run(shell, capsys, "n = len(lines)")
    assert result.success and "get dataset tinyshakespeare" in out
    result, out = run(shell, capsys, "again = fetch('tinyshakespeare')")  # not announced twice
    assert result.success and out == "this cell needs dataset tinyshakespeare, which is missing (see above)"
    result, out = run(shell, capsys, "print('independent')")
    assert result.success and out == "independent"


def test_grading_in_the_kernel_keeps_the_notebook_module_and_later_edits_reach_it(
        shell, capsys, tmp_path, monkeypatch):
    """After ``grade_here`` (which grades a fresh import of the module) an edit of the module
    on disk reaches the notebook's own module object through autoreload; grading one exercise
    lists only it, with one line saying so."""
    folder = tmp_path / "a0_warmup"
    shutil.copytree(REPO / "assignments" / "a0_warmup", folder, ignore=shutil.ignore_patterns("*.ipynb"))
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "montecarlo", raising=False)
    result, out = run(shell, capsys, "import montecarlo as mc\nmc.mc_estimate_loop(None, None, [])")
    assert result.success and out == "fill in `mc_estimate_loop` in montecarlo.py, then re-run this cell"
    notebook_module = sys.modules["montecarlo"]

    result, out = run(shell, capsys, "from grader.notebook import grade_here\n"
                                     "grade_here('a0_warmup', exercises=['mc_estimate_vectorized']);")
    assert result.success
    table = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    assert table == ["exercise", "mc_estimate_vectorized", "total"], out
    n_exercises = len(load_spec("a0_warmup")[0].exercises)
    assert (f"Graded 1 of {n_exercises} exercises, as asked; `./run grade a0_warmup` grades them "
            "all.") in out.splitlines()
    assert sys.modules["montecarlo"] is notebook_module

    module = folder / "montecarlo.py"
    module.write_text(module.read_text().replace('raise NotImplementedError("mc_estimate_loop")',
                                                 'return "edited"', 1))
    os.utime(module, (time.time() + 5, time.time() + 5))  # a newer mtime, whatever the clock's grain
    result, out = run(shell, capsys, "mc.mc_estimate_loop(None, None, [])")
    assert result.success and result.result == "edited"
