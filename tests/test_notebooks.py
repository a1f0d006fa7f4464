"""Every walkthrough notebook runs end to end against the reference solutions."""
import os

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO, datasets_used_by

NOTEBOOKS = sorted((REPO / "assignments").glob("a*/*.ipynb"))


def test_every_assignment_has_a_notebook():
    folders = {p.name for p in (REPO / "solutions").glob("a*") if p.is_dir()}
    assert folders and folders == {nb.parent.name for nb in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_committed_notebooks_carry_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_notebook_executes_against_the_solutions(path, monkeypatch, course_data):
    """The kernel starts in solutions/<assignment>, so ``import <module>`` finds the
    reference code; COURSE_FAST=1 asks notebooks for their small settings."""
    course_data(*datasets_used_by(path.parent))  # skips when a dataset is absent
    monkeypatch.setenv("COURSE_FAST", "1")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(REPO / "solutions" / path.parent.name)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, "each walkthrough shows at least one plot"
