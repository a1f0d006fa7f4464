"""Build the student bundle: what students need, and nothing that gives answers away.

``python -m grader release OUT`` writes ``OUT/trax-nlp-course-student/`` and a zip of it.
Included: the stubs and notebooks (``assignments/``), the grader with its *public* checks
and public expectations, the data registry, the shared runtime (``course/``), the setup
files and a student README. Left out: ``solutions/``, every ``*_hidden`` check module and
its expectations, the catalogue of known mistakes (it quotes the solutions), tests,
benchmarks and the instructor docs.
"""
import zipfile
from pathlib import Path

from grader.course_files import TREES, copy_course
from grader.registry import REPO

NAME = "trax-nlp-course-student"
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


def check_destination(out_dir, outputs, force):
    """Refuse to write inside the course itself or over earlier output (unless ``force``)."""
    if out_dir == REPO or REPO in out_dir.parents and out_dir.parts[len(REPO.parts)] in TREES:
        raise ReleaseError(f"{out_dir} is inside the course's own folders; choose another directory")
    for existing in outputs:
        if existing.exists() and not force:
            raise ReleaseError(f"{existing} exists; remove it or use --force to replace it")


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
