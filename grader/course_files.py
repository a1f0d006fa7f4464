"""Copy the course (setup files and course trees, never ``solutions/``) for a bundle or a runner.

Shared by the student release, the Gradescope autograder zip and batch grading's runner.
"""
import shutil

from grader.registry import HIDDEN_SUFFIX, REPO

TOP_FILES = ["run", "setup.cfg", "pyproject.toml", "constraints.txt"]
TREES = ["assignments", "grader", "data", "course"]


def excluded(path, include_hidden):
    """True for files a copy of the course must not carry (``path`` relative to the repo)."""
    parts = set(path.parts)
    return ("__pycache__" in parts or ".ipynb_checkpoints" in parts or path.suffix == ".pyc"
            or (not include_hidden and HIDDEN_SUFFIX + "." in path.name)
            or path.name in ("release.py", "expectations.py")
            or path.parts[:2] == ("grader", "mistakes")  # its edits quote the solutions
            or path.name.endswith(".calls.json"))  # names every check, hidden ones too


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
            if src.is_file() and not excluded(rel, include_hidden):
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / rel)
