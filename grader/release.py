"""Build the student bundle: what students need, and nothing that gives answers away.

``python -m grader release OUT`` writes ``OUT/trax-nlp-course-student/`` and a zip of it.
Included: the stubs and notebooks (``assignments/``), the grader with its *public* checks
and public expectations, the data registry, the shared runtime (``course/``), the setup
files and a student README. Left out: ``solutions/``, every ``*_hidden`` check module and
its expectations, tests, benchmarks and the instructor docs.
"""
import shutil
import zipfile
from pathlib import Path

from grader.session import HIDDEN_SUFFIX, REPO

NAME = "trax-nlp-course-student"
TOP_FILES = ["run", "setup.cfg", "pyproject.toml", "constraints.txt"]
TREES = ["assignments", "grader", "data", "course"]
STUDENT_README = """# Sequence models with Trax — student edition

```bash
./run grade              # set up on first use (Python 3.11), then grade your work
./run grade a1_gru       # grade one assignment
```

Each assignment lives in `assignments/<name>/`: a module whose functions you complete
between `### START CODE HERE ###` and `### END CODE HERE ###`, and a walkthrough notebook
that explains and runs them (`./run python -m pip install jupyterlab`, then
`.venv/bin/jupyter lab`). The grader runs the public checks; hidden checks run when your
work is graded, so passing the public ones is necessary but not sufficient.

Data files are downloaded and verified on first use; set `COURSE_DATA_DIR` to a folder that
already holds them to work offline.
"""


class ReleaseError(RuntimeError):
    pass


def _excluded(path):
    """True for files the bundle must not carry."""
    parts = set(path.parts)
    return ("__pycache__" in parts or ".ipynb_checkpoints" in parts or path.suffix == ".pyc"
            or HIDDEN_SUFFIX + "." in path.name or path.name in ("release.py", "expectations.py"))


def build(out_dir, force=False):
    """Write the bundle directory and zip under ``out_dir``; return (directory, zip path)."""
    out_dir = Path(out_dir).resolve()
    target, archive = out_dir / NAME, out_dir / f"{NAME}.zip"
    if out_dir == REPO or REPO in out_dir.parents and out_dir.parts[len(REPO.parts)] in TREES:
        raise ReleaseError(f"{out_dir} is inside the course's own folders; choose another directory")
    for existing in (target, archive):
        if existing.exists() and not force:
            raise ReleaseError(f"{existing} exists; remove it or use --force to replace it")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in TOP_FILES:
        shutil.copy2(REPO / name, target / name)
    for tree in TREES:
        for src in sorted((REPO / tree).rglob("*")):
            rel = src.relative_to(REPO)
            if src.is_file() and not _excluded(rel):
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / rel)
    (target / "README.md").write_text(STUDENT_README)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(target.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, Path(NAME) / path.relative_to(target))
                zf.writestr(info, path.read_bytes())
    return target, archive
