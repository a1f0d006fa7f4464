"""Write the student stubs in ``assignments/`` from the reference code in ``solutions/``.

In a solution, each student region sits between two marker lines::

    ### START CODE HERE ###
    # hints (comment lines) are kept for the student
    <solution code: removed>
    ### END CODE HERE ###

The stub keeps the markers and the hint comments and replaces the code with
``raise NotImplementedError(...)``. Everything outside regions is copied as is, so a
stub imports cleanly. ``tests/test_stubs.py`` fails when ``assignments/`` drifts.
"""
import re
from pathlib import Path

START, END = "### START CODE HERE ###", "### END CODE HERE ###"
HEADER = ("# Student version, generated from solutions/{rel} by `python -m grader stubs`.\n"
          "# Write your code between the START/END CODE HERE markers, then run the grader.\n")
_DEF = re.compile(r"^(\s*)def (\w+)\(")


class StubError(ValueError):
    """A solution file has malformed markers, or a stub holds work that would be lost."""


def _regions(lines, path):
    """[(start_index, end_index)] of marker pairs; raises StubError on bad nesting."""
    regions, start = [], None
    for i, line in enumerate(lines):
        if line.strip() == START:
            if start is not None:
                raise StubError(f"{path}:{i + 1}: START CODE HERE inside the region opened at line {start + 1}")
            start = i
        elif line.strip() == END:
            if start is None:
                raise StubError(f"{path}:{i + 1}: END CODE HERE without a START")
            regions.append((start, i))
            start = None
    if start is not None:
        raise StubError(f"{path}:{start + 1}: START CODE HERE is never closed")
    return regions


def _function_name(lines, index):
    indent = len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        m = _DEF.match(line)
        if m and len(m.group(1)) < indent:
            return m.group(2)
    return "this part"


def make_stub(source, rel="?"):
    """Stub text for the solution text ``source``."""
    lines = source.splitlines(keepends=True)
    out, last = [HEADER.format(rel=rel)], 0
    for start, end in _regions(lines, rel):
        out.extend(lines[last:start + 1])
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        out.extend(ln for ln in lines[start + 1:end] if ln.strip().startswith("#"))
        out.append(f'{indent}raise NotImplementedError("{_function_name(lines, start)}")\n')
        out.append(lines[end])
        last = end + 1
    out.extend(lines[last:])
    return "".join(out)


def holds_student_code(text, path="?"):
    """True when a stub's regions contain anything but hint comments and the raise line."""
    lines = text.splitlines()
    for start, end in _regions(lines, path):
        for line in lines[start + 1:end]:
            s = line.strip()
            if s and not s.startswith("#") and not s.startswith("raise NotImplementedError("):
                return True
    return False


def plan(solutions, assignments):
    """{stub path: text} for every solution module (``*.py`` in each assignment folder)."""
    solutions, assignments = Path(solutions), Path(assignments)
    result = {}
    for src in sorted(solutions.glob("a*/*.py")):
        rel = src.relative_to(solutions)
        result[assignments / rel] = make_stub(src.read_text(), rel.as_posix())
    return result


def drifted(solutions, assignments):
    """Stub paths whose committed text differs from what :func:`plan` generates."""
    return [p for p, text in plan(solutions, assignments).items()
            if not p.is_file() or p.read_text() != text]


def write(solutions, assignments, force=False):
    """Write every stub; refuse (before writing anything) to overwrite student work."""
    stubs = plan(solutions, assignments)
    if not force:
        worked = [p for p in stubs if p.is_file() and stubs[p] != p.read_text()
                  and holds_student_code(p.read_text(), p)]
        if worked:
            raise StubError("these files hold code in their START/END regions and would be "
                            f"overwritten: {', '.join(map(str, worked))}; use --force to replace them")
    for path, text in stubs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return list(stubs)
