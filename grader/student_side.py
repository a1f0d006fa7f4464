"""Child process of batch grading: run only the *student side* of every check.

    python -m grader.student_side --submission DIR --out FILE ASSIGNMENT ...

Writes one JSON line per check to FILE (check id, status, plain data or message),
flushed as it goes so that a crash keeps what was done. It never judges: it has no
expectations (batch grading runs it from a copy of the grader without them).
"""
import argparse
import json
import os
import sys

from grader import plain
from grader.registry import load_spec
from grader.runner import (ImportFailure, Status, import_modules, import_time_limit,
                           run_student_side)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("assignments", nargs="+")
    p.add_argument("--submission", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=None, help="cap on each check's time limit")
    args = p.parse_args(argv)
    out = open(args.out, "w", buffering=1)  # opened before any student code runs
    for assignment in args.assignments:
        spec, _ = load_spec(assignment)
        try:
            modules = import_modules(spec.modules, os.path.join(args.submission, assignment),
                                     import_time_limit(args.timeout))
        except ImportFailure as failure:
            modules = failure
        except MemoryError:
            modules = ImportFailure(f"could not import {spec.modules[0]}.py: ran out of memory",
                                    Status.OUT_OF_MEMORY)
        for check in spec.checks():
            o = run_student_side(check, modules, roots=[os.path.abspath(args.submission)],
                                 max_timeout=args.timeout)
            line = {"check": check.id, "status": o.status, "message": o.message,
                    "seconds": o.seconds, "value": plain.dumps(o.value) if o.status == Status.DATA else None}
            out.write(json.dumps(line) + "\n")
            out.flush()
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
