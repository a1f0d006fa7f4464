"""Measure the grader's feedback on the catalogue of known mistakes. Prints its figures.

    ./run python -m benchmarks.feedback_precision [ASSIGNMENT ...] [--json PATH]

For every mistake of ``grader/mistakes/<assignment>.py``: is it caught on its own exercise
with a public message, does a message carry its hint, and how many points does it cost
*other* exercises (cross-charged points)? Only exercises whose checks call the edited
functions can lose points, so each mistake grades its own exercise and those
(:mod:`grader.tracing` records the calls while grading the reference solution once).
"""
import argparse
import json
import tempfile
from pathlib import Path

from grader.mistakes import catalogue, solution_file, write_mutant
from grader.runner import import_modules
from grader.registry import REPO, load_spec
from grader.session import grade
from grader.tracing import calls_of_checks, edited_definitions

SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = ["a1_gru", "a2_ner", "a3_bert"]


def reading_exercises(spec, calls, definitions):
    """Exercises with a check that calls any of ``definitions`` on the reference solution."""
    return {c.exercise for c in spec.checks() if set(calls[c.id]) & set(definitions)}


def measure_mistake(assignment, spec, calls, source, mistake, workdir):
    """One mistake's figures: own points lost, public message, hint shown, cross-charged points."""
    sub = write_mutant(assignment, mistake, SOLUTIONS, workdir / mistake.name.replace(" ", "_")[:40])
    edited = edited_definitions(source, mistake.edits)
    exercises = reading_exercises(spec, calls, edited) | {mistake.exercise}
    results = grade(sub, [assignment], exercises=sorted(exercises))[assignment][1]
    own = [r for r in results if r.exercise == mistake.exercise]
    others = [r for r in results if r.exercise != mistake.exercise]
    messages = [r.message for r in own if not r.passed]
    return {"name": mistake.name, "exercise": mistake.exercise,
            "own_lost": sum(r.max_points - r.points for r in own),
            "public_message": any(not r.hidden for r in own if not r.passed),
            "hinted": any(mistake.hint in m for m in messages),
            "cross_charged": sum(r.max_points - r.points for r in others),
            "cross_charged_exercises": sorted({r.exercise for r in others if not r.passed}),
            "messages": messages}


def measure(assignment, names=None):
    spec, _ = load_spec(assignment)
    modules = import_modules(spec.modules, SOLUTIONS / assignment, timeout=120)
    calls = calls_of_checks(spec, modules, roots=[SOLUTIONS])
    source = (SOLUTIONS / assignment / solution_file(assignment)).read_text()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mistake in catalogue(assignment).values():
            if names and mistake.name not in names:
                continue
            row = measure_mistake(assignment, spec, calls, source, mistake, Path(tmp))
            print(f"  {'caught' if row['own_lost'] else 'MISSED':6} {'public' if row['public_message'] else '      '} "
                  f"{'hint' if row['hinted'] else '    '} cross={row['cross_charged']:g} {row['name']}", flush=True)
            rows.append(row)
    return rows


def summary(assignment, rows):
    caught = [r for r in rows if r["own_lost"] and r["public_message"]]
    lost = sum(r["own_lost"] + r["cross_charged"] for r in rows)
    cross = sum(r["cross_charged"] for r in rows)
    return (f"{assignment}: caught {len(caught)}/{len(rows)} ({100 * len(caught) / len(rows):.0f} %), "
            f"cross-charged {cross:g} of {lost:g} points lost ({100 * cross / max(lost, 1):.0f} %) "
            f"by {sum(1 for r in rows if r['cross_charged'])} mistakes, "
            f"hint shown {sum(r['hinted'] for r in rows)}/{len(rows)}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("assignments", nargs="*", default=ASSIGNMENTS)
    p.add_argument("--only", nargs="*", help="mistake names to measure (default: all)")
    p.add_argument("--json", metavar="PATH", help="also write every mistake's figures to PATH")
    args = p.parse_args(argv)
    results = {}
    for assignment in args.assignments:
        print(assignment, flush=True)
        results[assignment] = measure(assignment, args.only)
    for assignment, rows in results.items():
        print(summary(assignment, rows))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
