"""Measure the grader's feedback on plausible mistakes, graded the student's way. Prints a table.

    ./run python -m benchmarks.feedback_precision [ASSIGNMENT ...] [--json PATH]
    ./run python -m benchmarks.feedback_precision ASSIGNMENT --mutants PATH   # a set of your own

Each mistake (by default the catalogue, ``grader/mistakes/<assignment>.py``; with ``--mutants``
a JSON list of ``{name, exercise, edits: [[old, new], ...]}``, e.g. a held-out set written
without reading the grader) is one small edit of the reference solution. Its submission is
graded by :func:`grader.session.grade` — public and hidden checks, messages and hints as the
student reads them — and the table reports, per assignment:

* **caught**: the mistake loses points on its own exercise; **public**: a public check of its
  exercise fails, so the student sees it before grading;
* **passed→hidden**: every public check of its exercise passes but a hidden one fails (the
  student reads "passed" until grading);
* **hinted**: a message of its exercise names a likely cause (share of the caught ones);
  **precise**: the cause named is its own (catalogue only: a held-out mistake has no
  catalogued hint, so its hints are listed for reading, ``--show-hints``);
* **cross-charged**: mistakes that lose points on *other* exercises, and those points.

Only exercises whose checks call the edited functions can lose points, so each mistake grades
its own exercise and those (:mod:`grader.tracing` records the calls on the reference once).
It quotes the solutions, so the student bundle leaves it out.
"""
import argparse
import json
import re
import tempfile
from pathlib import Path

from grader.expectations import calls_of_checks
from grader.hints import shown_causes
from grader.mistakes import (Mistake, MistakeError, catalogue, exercise_functions, solution_file,
                            write_mutant)
from grader.registry import REPO, load_spec
from grader.runner import import_modules
from grader.session import grade
from grader.tracing import edited_definitions

SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = ["a0_warmup", "a1_gru", "a2_ner", "a3_bert"]


def reading_exercises(spec, calls, definitions):
    """Exercises with a check that calls any of ``definitions`` on the reference solution."""
    return {c.exercise for c in spec.checks() if set(calls[c.id]) & set(definitions)}


def load_mutants(path, assignment):
    """Mistakes from a JSON list of ``{name, exercise, edits, ...}`` (they carry no hint).
    ``exercise`` may name any student function: a helper (``nsp_loss``) counts for the graded
    exercise it belongs to (``pretraining_loss``, see ``grader.mistakes.exercise_functions``)."""
    spec, _ = load_spec(assignment)
    owner = {fn: ex for ex in spec.exercises for fn in exercise_functions(assignment, ex)}
    entries = json.loads(Path(path).read_text())
    return [Mistake(e["name"], owner.get(e["exercise"], e["exercise"]), "",
                    tuple(tuple(edit) for edit in e["edits"]))
            for e in entries]


def measure_mistake(assignment, spec, calls, source, mistake, workdir):
    """One mistake's figures (see the module docstring)."""
    sub = write_mutant(assignment, mistake, SOLUTIONS, workdir / re.sub(r"\W", "_", mistake.name)[:40])
    edited = edited_definitions(source, mistake.edits)
    exercises = reading_exercises(spec, calls, edited) | {mistake.exercise}
    results = grade(sub, [assignment], exercises=sorted(exercises))[assignment][1]
    own = [r for r in results if r.exercise == mistake.exercise]
    others = [r for r in results if r.exercise != mistake.exercise]
    failing = [r for r in own if not r.passed]
    causes = shown_causes(r.message for r in failing)
    return {"name": mistake.name, "exercise": mistake.exercise,
            "own_lost": sum(r.max_points - r.points for r in own),
            "public_message": any(not r.hidden for r in failing),
            "hidden_only": bool(failing) and all(r.hidden for r in failing),
            "causes": causes, "hinted": bool(causes),
            "own_hint_shown": bool(mistake.hint) and mistake.hint in causes,
            "cross_charged": sum(r.max_points - r.points for r in others),
            "cross_charged_exercises": sorted({r.exercise for r in others if not r.passed}),
            "messages": [r.message for r in failing]}


def measure(assignment, mistakes):
    """Rows of figures for ``mistakes`` of ``assignment`` (an edit that no longer applies is
    reported and left out)."""
    spec, _ = load_spec(assignment)
    modules = import_modules(spec.modules, SOLUTIONS / assignment, timeout=600)
    calls = calls_of_checks(spec, modules, roots=[SOLUTIONS])
    source = (SOLUTIONS / assignment / solution_file(assignment)).read_text()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mistake in mistakes:
            try:
                row = measure_mistake(assignment, spec, calls, source, mistake, Path(tmp))
            except (MistakeError, ValueError) as exc:
                print(f"  SKIPPED {mistake.name}: {exc}", flush=True)
                continue
            print(f"  {'caught' if row['own_lost'] else 'MISSED':6} {'public' if row['public_message'] else '      '} "
                  f"{'hint' if row['hinted'] else '    '} cross={row['cross_charged']:g} {row['name']}", flush=True)
            rows.append(row)
    return rows


def percent(part, whole):
    return f"{100 * part / whole:.0f} %" if whole else "-"


def figures(rows, catalogued):
    """The table's figures for one assignment's rows."""
    caught = [r for r in rows if r["own_lost"]]
    hinted = [r for r in caught if r["hinted"]]
    cross = [r for r in caught if r["cross_charged"]]
    return {"mistakes": len(rows), "caught": len(caught),
            "public": sum(r["public_message"] for r in caught),
            "passed_then_hidden": sum(r["hidden_only"] for r in caught),
            "hinted": len(hinted),
            "precise": sum(r["own_hint_shown"] for r in hinted) if catalogued else None,
            "cross_charged": len(cross), "cross_points": sum(r["cross_charged"] for r in rows)}


COLUMNS = ["assignment", "mistakes", "caught", "public", "passed→hidden", "hinted", "precise",
           "cross-charged"]


def table_row(name, f):
    return [name, str(f["mistakes"]),
            f"{f['caught']} ({percent(f['caught'], f['mistakes'])})",
            f"{f['public']} ({percent(f['public'], f['mistakes'])})",
            f"{f['passed_then_hidden']} ({percent(f['passed_then_hidden'], f['caught'])})",
            f"{f['hinted']} ({percent(f['hinted'], f['caught'])})",
            "-" if f["precise"] is None else f"{f['precise']}/{f['hinted']} ({percent(f['precise'], f['hinted'])})",
            f"{f['cross_charged']} ({percent(f['cross_charged'], f['caught'])}), {f['cross_points']:g} pts"]


def table(per_assignment, catalogued):
    """Markdown table: one row per assignment and a total."""
    rows = [table_row(a, figures(r, catalogued)) for a, r in per_assignment.items()]
    everything = [r for rs in per_assignment.values() for r in rs]
    if len(per_assignment) > 1:
        rows.append(table_row("all", figures(everything, catalogued)))
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("assignments", nargs="*", default=ASSIGNMENTS)
    p.add_argument("--only", nargs="*", help="mistake names to measure (default: all)")
    p.add_argument("--mutants", metavar="PATH",
                   help="JSON list of mistakes of one assignment to measure instead of the catalogue")
    p.add_argument("--show-hints", action="store_true", help="print every hint shown, with its mistake")
    p.add_argument("--json", metavar="PATH", help="also write every mistake's figures to PATH")
    args = p.parse_args(argv)
    if args.mutants and len(args.assignments) != 1:
        p.error("--mutants needs exactly one assignment")
    results = {}
    for assignment in args.assignments:
        print(assignment, flush=True)
        mistakes = load_mutants(args.mutants, assignment) if args.mutants else list(catalogue(assignment).values())
        mistakes = [m for m in mistakes if not args.only or m.name in args.only]
        results[assignment] = measure(assignment, mistakes)
    print(table(results, catalogued=not args.mutants))
    if args.show_hints:
        for assignment, rows in results.items():
            for r in rows:
                if r["causes"]:
                    print(f"{assignment} · {r['name']}: {'; or '.join(r['causes'])}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
