"""Build Gradescope autograder zips: ``python -m grader gradescope OUT [ASSIGNMENT ...]``
(``--deadline S`` sets when run_autograder stops grading, ``--force`` replaces old zips).

One zip per assignment (one Gradescope assignment = one course assignment), named
``gradescope-<assignment>.zip``. Its root is what Gradescope extracts into
``/autograder/source``: ``setup.sh`` (finds or installs Python 3.11-3.13, then the course stack),
``run_autograder`` (runs :mod:`grader.autograder` for this assignment), and the course —
``grader/`` with this assignment's public and hidden checks and their expectations,
``course/``, ``data/``, ``run``, ``setup.cfg``, ``pyproject.toml``, ``constraints.txt``.
Never ``solutions/``, never the stubs.
"""
import ast
import re
import shutil
import tempfile
from pathlib import Path

from grader.course_files import copy_course
from grader.deadlines import DEFAULT_DEADLINE, WRITE_MARGIN
from grader.release import ReleaseError, check_destination, zip_tree
from grader.registry import CHECKS_DIR, EXPECTED_DIR, REPO, load_spec

UV_VERSION = "0.13.8"

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root and with internet, when it builds the autograder image
# (Ubuntu 22.04 or 24.04; any Debian or Ubuntu image works). The course runs on Python
# 3.11, 3.12 or 3.13; the image's own python3 is used when it is one of them and is never
# replaced (Gradescope's harness runs on it). In order, after installing python3 and venv:
#   1. python3 (Ubuntu 24.04: 3.12; Debian 12: 3.11; Debian 13: 3.13), python3.13,
#      python3.12, python3.11 - the first that can make venvs;
#   2. otherwise one from the package manager, alongside python3: python3.X and python3.X-venv
#      (on Ubuntu 22.04 from the deadsnakes PPA);
#   3. only then a CPython that uv (from PyPI) downloads from GitHub.
# Then `./run setup` installs the pinned course stack into COURSE_VENV.
#   AUTOGRADER_ROOT  default /autograder (the zip is extracted into $AUTOGRADER_ROOT/source)
#   COURSE_VENV      default $AUTOGRADER_ROOT/source/.venv
#   COURSE_PYTHON    a Python 3.11-3.13 to use instead (then nothing is installed)
#   SETUP_DRY_RUN=1  print the install commands instead of running them
#   OS_RELEASE       default /etc/os-release (says whether the image is Ubuntu)
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
export COURSE_VENV="${COURSE_VENV:-$SOURCE/.venv}"
TOOLS="$ROOT/python-tools"                                # a small venv that holds uv
export UV_PYTHON_INSTALL_DIR="$ROOT/python"               # where uv puts its CPython
export UV_MANAGED_PYTHON=1                                 # never pick another Python
export DEBIAN_FRONTEND=noninteractive
SUPPORTED="@SUPPORTED_PYTHONS@"  # as ./run
PACKAGED="3.12 3.13 3.11"  # the one to install: 3.12 first, Ubuntu 24.04's own

step() {  # run an install command (or only show it in a dry run)
  echo "+ $*"
  [ "${SETUP_DRY_RUN:-0}" = 1 ] || "$@"
}

usable_python() {  # print the path of the first usable Python 3.11-3.13 among "$@"
  local candidate version
  for candidate in "$@"; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 || continue
    version="$("$candidate" -c 'import venv, ensurepip, sys; print("%d.%d" % sys.version_info[:2])' \
               2>/dev/null)" || continue
    case " $SUPPORTED " in *" $version "*) command -v "$candidate"; return 0 ;; esac
  done
  return 1
}

is_ubuntu() {
  (. "${OS_RELEASE:-/etc/os-release}" && [ "${ID:-}" = ubuntu ]) 2>/dev/null
}

install_packaged_python() {  # python3.X from the package manager (deadsnakes on Ubuntu); print its path
  local version
  if is_ubuntu && step apt-get install -y -qq software-properties-common >&2 \
      && step add-apt-repository -y ppa:deadsnakes/ppa >&2; then
    step apt-get update -qq >&2
  fi
  for version in $PACKAGED; do
    if apt-cache show "python$version-venv" >/dev/null 2>&1; then
      step apt-get install -y -qq "python$version" "python$version-venv" >&2
      if [ "${SETUP_DRY_RUN:-0}" = 1 ]; then echo "python$version"; return 0; fi
      usable_python "python$version"
      return
    fi
  done
  return 1
}

install_uv_python() {  # install uv from PyPI, then a managed CPython (from GitHub); print its path
  step python3 -m venv "$TOOLS" >&2
  step "$TOOLS/bin/pip" install -q --disable-pip-version-check "uv==@UV_VERSION@" >&2
  step "$TOOLS/bin/uv" python install 3.12 >&2
  if [ "${SETUP_DRY_RUN:-0}" = 1 ]; then
    echo "$UV_PYTHON_INSTALL_DIR/<cpython-3.12>/bin/python3.12"
  else
    (cd / && "$TOOLS/bin/uv" python find 3.12)  # from /: no project or venv around
  fi
}

if [ -n "${COURSE_PYTHON:-}" ] && PYTHON="$(usable_python "$COURSE_PYTHON")"; then
  echo "Using COURSE_PYTHON: $PYTHON"
else
  step apt-get update -qq
  step apt-get install -y -qq python3 python3-venv  # first: then the image's python3 can make venvs
  if PYTHON="$(usable_python python3 python3.13 python3.12 python3.11)"; then
    echo "Using the image's Python: $PYTHON"
  elif PYTHON="$(install_packaged_python)"; then
    echo "Installed $PYTHON with apt-get (python3 is left as it is)"
  else
    echo "No Python 3.11-3.13 from the package manager: installing one with uv @UV_VERSION@"
    PYTHON="$(install_uv_python)"
  fi
fi
COURSE_PYTHON="$PYTHON" step "$BASH" "$SOURCE/run" setup
echo "Autograder set up: Python $PYTHON, course environment $COURSE_VENV"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission (as /autograder/run_autograder, from /autograder).
# It grades $AUTOGRADER_ROOT/submission as assignment @ASSIGNMENT@ and always writes
# $AUTOGRADER_ROOT/results/results.json.
#   AUTOGRADER_ROOT      default /autograder
#   COURSE_VENV          the course environment, default $AUTOGRADER_ROOT/source/.venv
#   AUTOGRADER_DEADLINE  seconds before results.json is written whatever happens, default
#                        @DEADLINE@ (keep it a minute below the assignment's timeout on Gradescope)
set -uo pipefail
export AUTOGRADER_DEADLINE="${AUTOGRADER_DEADLINE:-@DEADLINE@}"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PYTHON="${COURSE_VENV:-$SOURCE/.venv}/bin/python"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
# The shipped course is imported from $SOURCE (the working directory comes first on sys.path).
cd "$SOURCE" && env -u PYTHONPATH -u PYTHONSAFEPATH AUTOGRADER_ROOT="$ROOT" \
  "$PYTHON" -m grader.autograder @ASSIGNMENT@ @MODULES@ --preload "@PRELOAD@"
if [ ! -s "$RESULTS" ]; then  # Python itself could not run: still tell the student something
  printf '%s\n' '{"score": 0, "output": "The autograder could not start; please tell the course staff.", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}' > "$RESULTS"
fi
exit 0
"""


def zip_name(assignment):
    return f"gradescope-{assignment}.zip"


def top_level_imports(path):
    """Names of the modules ``path`` imports at module level (absolute imports only)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


def scripts(assignment, deadline=DEFAULT_DEADLINE):
    """{file name: text} of the two scripts Gradescope needs at the zip's root.

    run_autograder names the student modules, and the libraries their stubs import at module
    level, which the grading child imports before the timed import of the student's code."""
    modules = load_spec(assignment)[0].modules
    preload = set().union(*(top_level_imports(REPO / "assignments" / assignment / f"{m}.py")
                            for m in modules))
    run = (RUN_AUTOGRADER.replace("@ASSIGNMENT@", assignment)
           .replace("@MODULES@", " ".join(modules)).replace("@PRELOAD@", ",".join(sorted(preload)))
           .replace("@DEADLINE@", f"{deadline:g}"))
    setup = (SETUP_SH.replace("@UV_VERSION@", UV_VERSION)
             .replace("@SUPPORTED_PYTHONS@", supported_pythons()))
    return {"setup.sh": setup, "run_autograder": run}


def supported_pythons():
    """The Python versions the course runs on, as ``./run`` lists them ("3.11 3.12 3.13")."""
    found = re.search(r'^SUPPORTED_PYTHONS="([\d. ]+)"$', (REPO / "run").read_text(), re.MULTILINE)
    if not found:
        raise ReleaseError("./run does not list SUPPORTED_PYTHONS")
    return found.group(1)


def keep_only(root, assignment):
    """Remove other assignments' check modules, replays and stored files (expectations, calls,
    hints: ``<assignment>[_hidden][.kind].json``) from the copied ``grader/``."""
    for folder in (CHECKS_DIR, EXPECTED_DIR):
        copied = root / folder.relative_to(REPO)
        for path in copied.glob("a*"):
            if path.name.split(".")[0].removesuffix("_hidden") != assignment:
                path.unlink()


def build_one(assignment, archive, deadline):
    """Write the autograder zip of ``assignment`` to ``archive``."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "source"
        copy_course(root, include_hidden=True)
        shutil.rmtree(root / "assignments")  # submissions bring their own code
        keep_only(root, assignment)
        for name, text in scripts(assignment, deadline).items():
            (root / name).write_text(text)
            (root / name).chmod(0o755)
        zip_tree(root, archive, "")
    return archive


def build(out_dir, assignments, force=False, deadline=DEFAULT_DEADLINE):
    """Write ``out_dir/gradescope-<assignment>.zip`` for each assignment; return their paths.

    ``deadline``: seconds after which run_autograder stops grading and writes results.json
    (keep it about a minute below the timeout set on Gradescope)."""
    if not deadline > 2 * WRITE_MARGIN:
        raise ReleaseError(f"--deadline must be more than {2 * WRITE_MARGIN:g} seconds")
    out_dir = Path(out_dir).resolve()
    archives = [out_dir / zip_name(a) for a in assignments]
    check_destination(out_dir, archives, force)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [build_one(a, archive, deadline) for a, archive in zip(assignments, archives)]
