"""Build the Gradescope autograder zip: ``python -m grader gradescope OUT [--force]``.

The zip holds ``setup.sh`` (installs the pinned course stack), ``run_autograder`` (runs
:mod:`grader.autograder`) and ``source/``: the course with hidden checks and their
expectations, but without ``solutions/``.
"""
import shutil
import tempfile
from pathlib import Path

from grader.course_files import copy_course
from grader.release import check_destination, zip_tree

NAME = "gradescope-autograder.zip"
SETUP_SH = """#!/usr/bin/env bash
# Gradescope image setup: Python 3.11, then the pinned course stack in /autograder/source/.venv
set -euo pipefail
apt-get update
apt-get install -y python3.11 python3.11-venv || apt-get install -y python3 python3-venv
cd /autograder/source
./run setup
"""
RUN_AUTOGRADER = """#!/usr/bin/env bash
# Grades /autograder/submission and always writes /autograder/results/results.json.
cd /autograder/source
PYTHON="${COURSE_AUTOGRADER_PYTHON:-/autograder/source/.venv/bin/python}"
exec "$PYTHON" -m grader.autograder
"""


def build(out_dir, force=False):
    """Write ``out_dir/gradescope-autograder.zip``; return its path."""
    out_dir = Path(out_dir).resolve()
    archive = out_dir / NAME
    check_destination(out_dir, (archive,), force)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        copy_course(root / "source", include_hidden=True)
        shutil.rmtree(root / "source" / "assignments")  # submissions bring their own code
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            (root / name).write_text(text)
            (root / name).chmod(0o755)
        zip_tree(root, archive, "")
    return archive
