"""Turn a GradedRun into the per-exercise table students read and Gradescope's results.json."""
import json
import shutil
import textwrap
from pathlib import Path

from grader.results import AssignmentResult

PASSED, PUBLIC_PASSED = "passed", "public checks passed"


def only_public_ran(results):
    """True when no hidden check ran (``--public-only``, or a student bundle without them)."""
    return not any(r.hidden for r in results)


def exercise_rows(spec, results, verbose=False, selected=None):
    """[(exercise, points, max_points, status)] in the assignment's exercise order, only the
    ``selected`` exercises when given. The status is the first failing check's message and
    how many more fail, or with ``verbose`` every failing check's message, one per line."""
    public_only = only_public_ran(results)
    graded = AssignmentResult(spec, results)
    rows = []
    for name, (points, max_points) in graded.exercise_scores().items():
        if selected is not None and name not in selected:
            continue
        own = graded.of_exercise(name)
        failing = [r for r in own if not r.passed]
        if not own:
            status = "no checks ran"
        elif not failing:
            status = PUBLIC_PASSED if public_only else PASSED
        else:
            messages = list(dict.fromkeys(r.message for r in failing))  # unique, in order
            status = messages[0]
            if verbose:
                status = "\n".join(messages)
            elif len(messages) > 1:
                status += f"  (+{len(messages) - 1} more failing check{'s' * (len(messages) > 2)})"
        rows.append((name, points, max_points, status))
    return rows


def _fmt_points(x):
    return f"{x:g}"


def render(graded, source_label, width=None, verbose=False):
    """The score table for all graded assignments, as text (``verbose``: every failing
    check's message, not only the first)."""
    width = width or max(80, min(140, shutil.get_terminal_size((100, 20)).columns))
    selected = graded.selected_exercises
    lines = []
    for name, (spec, results) in graded.items():
        rows = exercise_rows(spec, results, verbose, selected)
        got, most = graded[name].score
        lines.append(f"{spec.title}  [{name}, {source_label}]")
        name_w = max([len("exercise")] + [len(r[0]) for r in rows])
        lines.append(f"  {'exercise':<{name_w}}  {'points':>6}  {'max':>4}  status")
        indent = 2 + name_w + 2 + 6 + 2 + 4 + 2
        for ex, pts, mx, status in rows:
            wrapped = [w for line in status.split("\n")
                       for w in textwrap.wrap(line, max(30, width - indent))] or [""]
            lines.append(f"  {ex:<{name_w}}  {_fmt_points(pts):>6}  {_fmt_points(mx):>4}  {wrapped[0]}")
            lines.extend(" " * indent + w for w in wrapped[1:])
        lines.append(f"  {'total':<{name_w}}  {_fmt_points(got):>6}  {_fmt_points(most):>4}")
        lines.append("")
    total = graded.score
    if graded.interrupted:
        lines.append(f"Score: {_fmt_points(total.points)} on the checks that ran; grading was "
                     "interrupted before the others ran, so this is no final score.")
        return "\n".join(lines)
    lines.append(f"Score: {_fmt_points(total.points)} / {_fmt_points(total.max_points)} "
                 f"({total.percent:.0f}%)")
    if only_public_ran(graded.results):
        lines.append("Only public checks ran; hidden checks are run when your work is graded.")
    if selected is not None:
        lines.append(_subset_line(graded, selected))
    return "\n".join(lines)


def _subset_line(graded, selected):
    """One line saying that only some exercises were graded, and how to grade them all."""
    every = [ex for spec, _ in graded.values() for ex in spec.exercises]
    names = " ".join(graded)
    return (f"Graded {sum(ex in selected for ex in every)} of {len(every)} exercises, as asked; "
            f"`./run grade {names}` grades them all.")


def results_json(graded):
    """A dict in Gradescope's results.json format (one test per check)."""
    tests, number = [], 0
    for a_index, (name, (spec, results)) in enumerate(graded.items()):
        order = {ex: i for i, ex in enumerate(spec.exercises)}
        for r in sorted(results, key=lambda r: order.get(r.exercise, 0)):
            number += 1
            tests.append({
                "name": f"{name} · {r.exercise} · {r.description}",
                "number": f"{a_index}.{order.get(r.exercise, 0) + 1}.{number}",
                "score": r.points,
                "max_score": r.max_points,
                "status": "passed" if r.passed else "failed",
                "output": r.message or ("passed" if r.passed else ""),
                "visibility": "after_published" if r.hidden else "visible",
                "execution_time": round(r.seconds, 3),
            })
    total = graded.score
    return {
        "score": total.points,
        "max_score": total.max_points,
        "execution_time": round(sum(t["execution_time"] for t in tests), 3),
        "output": ("Grading was interrupted before every check ran." if graded.interrupted
                   else "All checks ran." if any(t["visibility"] != "visible" for t in tests)
                   else "Only public checks ran."),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def write_results_json(graded, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(results_json(graded), indent=1, ensure_ascii=False))
    tmp.replace(path)
