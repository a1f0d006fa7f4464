"""``python -m grader``: grade work, regenerate expectations, regenerate stubs."""
import argparse
import os
import shutil
import sys
import time
from pathlib import Path

USAGE = """python -m grader [ASSIGNMENT ...] [EXERCISE ...] [--solutions | --submission DIR] [--public-only]
                        [--json PATH] [--data-dir DIR] [--timeout S] [--fail-under PCT] [-v]
       python -m grader expect [ASSIGNMENT ...]     regenerate stored expectations from solutions/
       python -m grader stubs [--check] [--force]   regenerate assignments/ stubs from solutions/
       python -m grader release OUT [--force]       build the student bundle (directory + zip) in OUT
       python -m grader gradescope OUT [ASSIGNMENT ...] [--deadline S] [--force]
                                                    build one Gradescope autograder zip per assignment
       python -m grader batch DIR --out CSV [ASSIGNMENT ...] [--jobs N] [--shard K/N] [--wall S]
                              [--memory MB] [--timeout S]  grade every submission folder in DIR
       python -m grader gradebook merge CSV ... --out CSV   join the gradebooks of a sharded batch"""


class UsageError(Exception):
    pass


def _grade_parser():
    p = argparse.ArgumentParser(prog="python -m grader", usage=USAGE,
                                description="Grade assignments and print the score table.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT_OR_EXERCISE",
                   help="assignment names (default: all), then exercise names or their prefixes "
                        "to grade only those exercises (e.g. a1_gru forward_GRU)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--solutions", action="store_true", help="grade the reference solutions/")
    src.add_argument("--submission", metavar="DIR", help="grade DIR (same layout as assignments/)")
    p.add_argument("--public-only", action="store_true", help="run public checks only")
    p.add_argument("--json", metavar="PATH", help="also write Gradescope results.json to PATH")
    p.add_argument("--data-dir", metavar="DIR", help="directory holding the course data files")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="cap every check's time limit at S seconds")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show every failing check's message, not only each exercise's first")
    p.add_argument("--fail-under", type=float, metavar="PCT",
                   help="exit with status 1 when the score is below PCT percent (or grading was "
                        "interrupted before every check ran)")
    return p


def _check_assignments(names):
    from grader.registry import available_assignments
    known = available_assignments()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown assignment {', '.join(unknown)}; choose from {', '.join(known)}")
    return names or known


def _select(names):
    """(assignments, exercises or None) from the positional names: known assignment names
    select assignments, every other name selects the exercises it names or starts (an exact
    name wins over a prefix) in the named assignments — all of them when none is named — and
    the assignments without a selected exercise are left out."""
    from grader.registry import available_assignments, load_spec
    known = available_assignments()
    assignments = [n for n in names if n in known] or known
    prefixes = [n for n in names if n not in known]
    if not prefixes:
        return _check_assignments(assignments), None
    exercises = {a: list(load_spec(a)[0].exercises) for a in assignments}
    chosen = set()
    for prefix in prefixes:
        offered = [e for a in assignments for e in exercises[a]]
        matches = [e for e in offered if e == prefix] or [e for e in offered if e.startswith(prefix)]
        if not matches and len(assignments) == len(known) and not set(names) & set(known):
            raise UsageError(f"unknown assignment {prefix}; choose from {', '.join(known)} "
                             "(exercise names or prefixes may follow an assignment)")
        if not matches:
            raise UsageError(f"unknown exercise {prefix} in {', '.join(assignments)}; choose from "
                             f"{', '.join(dict.fromkeys(offered))}")
        chosen.update(matches)
    return [a for a in assignments if chosen & set(exercises[a])], chosen


def grade_command(argv):
    from grader import report
    from grader.registry import REPO
    from grader.session import grade
    args = _grade_parser().parse_args(argv)
    if args.data_dir:
        if not Path(args.data_dir).is_dir():
            raise UsageError(f"--data-dir {args.data_dir}: no such directory")
        os.environ["COURSE_DATA_DIR"] = str(Path(args.data_dir).resolve())
    names, exercises = _select(args.assignments)
    if args.submission:
        source, label = Path(args.submission), args.submission
        if not source.is_dir():
            raise UsageError(f"--submission {source}: no such directory")
    else:
        label = "solutions" if args.solutions else "assignments"
        source = REPO / label
    start = time.perf_counter()
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    graded = grade(source, names, public_only=args.public_only, max_timeout=args.timeout,
                   exercises=exercises)
    print(report.render(graded, label, verbose=args.verbose))
    print(f"(graded in {time.perf_counter() - start:.1f} s)")
    if args.json:
        report.write_results_json(graded, args.json)
    return exit_status(graded, args.fail_under)


def exit_status(graded, fail_under):
    """1 when ``--fail-under`` is given and the run falls short of it: a score below it, or a run
    interrupted before every check ran (its score is no final score); else 0."""
    if fail_under is None:
        return 0
    return 1 if graded.interrupted or graded.score.percent < fail_under else 0


def expect_command(argv):
    from grader import expectations
    p = argparse.ArgumentParser(prog="python -m grader expect",
                                description="Regenerate stored expectations from solutions/.")
    p.add_argument("assignments", nargs="*")
    args = p.parse_args(argv)
    for name in _check_assignments(args.assignments):
        for path in expectations.write(name):
            print(f"wrote {path}")
    return 0


def stubs_command(argv):
    from grader import stubs
    from grader.registry import REPO
    p = argparse.ArgumentParser(prog="python -m grader stubs",
                                description="Regenerate assignments/ stubs from solutions/.")
    p.add_argument("--check", action="store_true", help="only report stubs that differ; exit 1 if any")
    p.add_argument("--force", action="store_true", help="overwrite stubs that hold student code")
    args = p.parse_args(argv)
    if args.check:
        drift = stubs.drifted(REPO / "solutions", REPO / "assignments")
        for path in drift:
            print(f"out of date: {path}")
        return 1 if drift else 0
    for path in stubs.write(REPO / "solutions", REPO / "assignments", force=args.force):
        print(f"wrote {path}")
    return 0


def release_command(argv):
    from grader import release
    p = argparse.ArgumentParser(prog="python -m grader release",
                                description="Build the student bundle (no solutions, no hidden checks).")
    p.add_argument("out", help="directory to write the bundle and its zip into")
    p.add_argument("--force", action="store_true", help="replace an existing bundle")
    args = p.parse_args(argv)
    directory, archive = release.build(args.out, force=args.force)
    print(f"wrote {directory}\nwrote {archive}")
    return 0


def gradescope_command(argv):
    from grader import gradescope
    p = argparse.ArgumentParser(prog="python -m grader gradescope",
                                description="Build one Gradescope autograder zip per assignment "
                                            "(hidden checks included).")
    p.add_argument("out", help="directory to write gradescope-<assignment>.zip into")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.add_argument("--deadline", type=float, default=gradescope.DEFAULT_DEADLINE, metavar="S",
                   help="stop grading and write results.json after S seconds (default "
                        "%(default)g; keep it below the timeout set on Gradescope)")
    p.add_argument("--force", action="store_true", help="replace existing zips")
    args = p.parse_args(argv)
    for archive in gradescope.build(args.out, _check_assignments(args.assignments),
                                    force=args.force, deadline=args.deadline):
        print(f"wrote {archive}")
    return 0


def batch_command(argv):
    from grader import batch
    p = argparse.ArgumentParser(prog="python -m grader batch",
                                description="Grade every sub-directory of DIR in its own limited process.")
    p.add_argument("submissions", metavar="DIR")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.add_argument("--out", required=True, metavar="CSV", help="gradebook path (a .png histogram goes next to it)")
    p.add_argument("--wall", type=float, default=batch.DEFAULT_WALL, help="seconds per submission")
    p.add_argument("--memory", type=int, default=batch.DEFAULT_MEMORY_MB, help="MB per submission")
    p.add_argument("--timeout", type=float, help="cap on each check's time limit")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="submissions graded at once (default: the cores, as far as memory allows)")
    p.add_argument("--shard", metavar="K/N",
                   help="grade only shard K of N (0-based); with N alone, K comes from "
                        "SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
    args = p.parse_intermixed_args(argv)  # assignment names may follow the options
    from grader.parallel import JobsError, check_jobs, default_jobs
    from grader.shards import ShardError, parse_shard
    try:
        jobs = check_jobs(args.jobs, args.memory) if args.jobs is not None else default_jobs(args.memory)
        shard = parse_shard(args.shard) if args.shard else None
    except (JobsError, ShardError) as err:
        raise UsageError(str(err)) from None
    if not Path(args.submissions).is_dir():
        raise UsageError(f"{args.submissions}: no such directory")
    if Path(args.out).exists() and Path(args.out).is_dir():
        raise UsageError(f"--out {args.out} is a directory; give a .csv file path")
    names = _check_assignments(args.assignments)
    if not shutil.which("bwrap"):
        print("warning: bubblewrap (bwrap) is not installed: submissions are isolated by process "
              "and limits only, and could read files of this repository", file=sys.stderr)
    book, specs = batch.grade_batch(args.submissions, args.out, names, args.wall, args.memory,
                                    args.timeout, jobs=jobs, shard=shard)
    if shard:
        print(f"shard {shard[0]}/{shard[1]}: {len(book)} submissions")
    print(batch.summary(book, specs))
    print(f"wrote {args.out} and {Path(args.out).with_suffix('.png')}")
    return 0


def gradebook_command(argv):
    from grader import batch, shards
    from grader.registry import load_spec
    p = argparse.ArgumentParser(prog="python -m grader gradebook",
                                description="Join the gradebooks of a sharded batch (--shard K/N).")
    p.add_argument("action", choices=["merge"])
    p.add_argument("shards", nargs="+", metavar="CSV", help="every shard's gradebook, once each")
    p.add_argument("--out", required=True, metavar="CSV", help="merged gradebook path")
    args = p.parse_args(argv)
    if Path(args.out).resolve() in {Path(s).resolve() for s in args.shards}:
        raise UsageError(f"--out {args.out} is one of the shards; give a new path")
    try:
        book = shards.merge(args.shards)
    except shards.ShardError as err:
        raise UsageError(str(err)) from None
    names = dict.fromkeys(c.split("/", 1)[0] for c in book.columns if "/" in c)
    specs = {name: load_spec(name)[0] for name in names}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    book.to_csv(args.out, index=False)
    batch.save_histogram(book, Path(args.out).with_suffix(".png"), specs)
    print(batch.summary(book, specs))
    print(f"merged {len(args.shards)} shards: wrote {args.out} and {Path(args.out).with_suffix('.png')}")
    return 0


COMMANDS = {"expect": expect_command, "stubs": stubs_command, "release": release_command,
            "gradescope": gradescope_command, "batch": batch_command, "gradebook": gradebook_command}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    command = COMMANDS.get(argv[0], grade_command) if argv else grade_command
    if command is not grade_command:
        argv = argv[1:]
    try:
        return command(argv)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # instructor tools: a clear line, not a traceback
        from grader.stubs import StubError
        from grader.expectations import ExpectationError
        from grader.release import ReleaseError
        from data import DataError
        if isinstance(err, (StubError, ExpectationError, DataError, ReleaseError)):
            print(f"error: {err}", file=sys.stderr)
            return 2
        raise
