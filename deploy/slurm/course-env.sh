# Sourced by the sbatch scripts, which run in the course repository (the directory they were
# submitted from). Jobs never install anything: many array tasks installing into one shared
# venv at once would corrupt it. So the venv must have been set up once, before submitting
# (`./run setup`), and be current (newer than setup.cfg and constraints.txt, as ./run checks);
# otherwise the job stops here with one line saying so. Sets COURSE_PY to the venv's Python.
if [ ! -f grader/__main__.py ] || [ ! -f setup.cfg ]; then
  echo "error: $PWD is not the course repository: submit from it (cd COURSE && sbatch deploy/slurm/...)" >&2
  exit 3
fi
venv="${COURSE_VENV:-$PWD/.venv}"
stamp="$venv/.course-installed"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$stamp" ] || [ ! "$stamp" -nt setup.cfg ] ||
   [ ! "$stamp" -nt constraints.txt ]; then
  echo "error: the course environment $venv is not set up or is out of date: run ./run setup once" \
       "before submitting (jobs never install, so that array tasks do not install into one venv at once)" >&2
  exit 3
fi
COURSE_PY="$venv/bin/python"
