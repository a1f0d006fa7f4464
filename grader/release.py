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


def _excluded(path, include_hidden):
    """True for files a bundle must not carry."""
    parts = set(path.parts)
    return ("__pycache__" in parts or ".ipynb_checkpoints" in parts or path.suffix == ".pyc"
            or (not include_hidden and HIDDEN_SUFFIX + "." in path.name)
            or path.name in ("release.py", "expectations.py"))


def check_destination(out_dir, outputs, force):
    """Refuse to write inside the course itself or over earlier output (unless ``force``)."""
    if out_dir == REPO or REPO in out_dir.parents and out_dir.parts[len(REPO.parts)] in TREES:
        raise ReleaseError(f"{out_dir} is inside the course's own folders; choose another directory")
    for existing in outputs:
        if existing.exists() and not force:
            raise ReleaseError(f"{existing} exists; remove it or use --force to replace it")


def copy_course(target, include_hidden):
    """Copy the setup files and the course trees (never ``solutions/``) into ``target``."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in TOP_FILES:
        shutil.copy2(REPO / name, target / name)
    for tree in TREES:
        for src in sorted((REPO / tree).rglob("*")):
            rel = src.relative_to(REPO)
            if src.is_file() and not _excluded(rel, include_hidden):
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / rel)


def zip_tree(directory, archive, prefix):
    """Zip ``directory`` into ``archive`` with paths under ``prefix`` (keeps file modes)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, Path(prefix) / path.relative_to(directory))
                zf.writestr(info, path.read_bytes())


def build(out_dir, force=False):
    """Write the bundle directory and zip under ``out_dir``; return (directory, zip path)."""
    out_dir = Path(out_dir).resolve()
    target, archive = out_dir / NAME, out_dir / f"{NAME}.zip"
    check_destination(out_dir, (target, archive), force)
    copy_course(target, include_hidden=False)
    (target / "README.md").write_text(STUDENT_README)
    zip_tree(target, archive, NAME)
    return target, archive
