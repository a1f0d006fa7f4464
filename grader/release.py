"""Build the student bundle: what students need, and nothing that gives answers away.

``python -m grader release OUT`` writes ``OUT/trax-nlp-course-student/`` and a zip of it.
Included: the stubs and notebooks (``assignments/``), the grader with its *public* checks
and public expectations, the data registry, the shared runtime (``course/``), the setup
files and a student README. Left out: ``solutions/``, every ``*_hidden`` check module and
its expectations, the catalogue of known mistakes (it quotes the solutions), tests,
benchmarks and the instructor docs. The bundle's ``python -m grader`` is the student command
line (``grader/student_cli.py``), told each assignment's graded maximum.
"""
import json
import zipfile
from pathlib import Path

from data import DATASETS
from grader.course_files import TREES, copy_course
from grader.registry import REPO, available_assignments, load_spec

NAME = "trax-nlp-course-student"
STUDENT_README = """# Sequence models with Trax — student edition

```bash
./run grade              # set up on first use (Python 3.11), then grade your work
./run grade a1_gru       # grade one assignment
./run notebook a1_gru    # JupyterLab on the assignment's walkthrough, with the course's kernel
```

Each assignment lives in `assignments/<name>/`: a module whose functions you complete
between `### START CODE HERE ###` and `### END CODE HERE ###`, and a walkthrough notebook
that explains and runs them. `./run grade` (and `./run test`, the same here) runs the public
checks; hidden checks run when your work is graded, so passing the public ones is necessary but
not sufficient, and the maximum shown here is lower than the graded one.

## Data

{data}

`./run python -m data` shows where each file is looked for and whether it is there. To work
offline, set `COURSE_DATA_DIR` to a folder that already holds the files as `<name>/<file>`.
"""
MAIN = '''"""Command line of the student bundle: ``python -m grader`` (see ``--help``)."""
import sys

from grader.student_cli import main

sys.exit(main())
'''


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


def data_section():
    """The README's data paragraph, from the registry: which files download themselves and
    which one (GMB: a Kaggle login) the student saves by hand, and where."""
    automatic = ", ".join(f"`{d.name}`" for d in DATASETS.values() if d.downloadable)
    lines = [f"{automatic} download themselves on first use (`./run python -m data fetch NAME` "
             "fetches one now) and are verified against their SHA-256."]
    for d in DATASETS.values():
        if not d.downloadable:
            lines.append(f"`{d.name}` does **not**: it needs a login at {d.url}. Download "
                         f"`{Path(d.relpath).name}` there and save it as "
                         f"`~/.cache/trax-nlp-course/{d.relpath}` (Linux; `./run python -m data` "
                         f"prints the exact path on your system).")
    return "\n\n".join(lines)


def graded_maximum():
    """{assignment: points of all its checks, hidden ones included}."""
    return {name: sum(c.points for c in load_spec(name)[0].checks()) for name in available_assignments()}


def make_student_side(target):
    """Turn the copied course into the student edition: README, command line, graded maxima."""
    (target / "README.md").write_text(STUDENT_README.format(data=data_section()))
    (target / "grader" / "__main__.py").write_text(MAIN)
    setup_cfg = target / "setup.cfg"
    setup_cfg.write_text(setup_cfg.read_text().replace("grader.cli:main", "grader.student_cli:main"))
    (target / "grader" / "graded_maximum.json").write_text(json.dumps(graded_maximum(), indent=1) + "\n")


def build(out_dir, force=False):
    """Write the bundle directory and zip under ``out_dir``; return (directory, zip path)."""
    out_dir = Path(out_dir).resolve()
    target, archive = out_dir / NAME, out_dir / f"{NAME}.zip"
    check_destination(out_dir, (target, archive), force)
    copy_course(target, include_hidden=False)
    make_student_side(target)
    zip_tree(target, archive, NAME)
    return target, archive
