"""Stubs are generated from solutions: no drift, no solution code, no lost student work."""
import textwrap

import pytest

from conftest import REPO
from grader import stubs

SOLUTION = textwrap.dedent('''\
    def f(x):
        """Doc."""
        ### START CODE HERE ###
        # hint: square it
        y = x * x
        return y
        ### END CODE HERE ###


    def g():
        for i in range(3):
            ### START CODE HERE ###
            pass
            ### END CODE HERE ###
        return 1
    ''')


def test_committed_stubs_match_the_solutions():
    assert stubs.drifted(REPO / "solutions", REPO / "assignments") == [], \
        "assignments/ is out of date: run `./run python -m grader stubs`"


def test_every_solution_has_a_stub_and_regions():
    for src in (REPO / "solutions").glob("a*/*.py"):
        assert stubs.START in src.read_text(), src
        assert (REPO / "assignments" / src.relative_to(REPO / "solutions")).is_file()


def test_stub_removes_code_keeps_hints_and_compiles():
    stub = stubs.make_stub(SOLUTION, "x.py")
    assert "y = x * x" not in stub and "pass" not in stub
    assert "# hint: square it" in stub
    assert '    raise NotImplementedError("f")\n' in stub
    assert '        raise NotImplementedError("g")\n' in stub
    namespace = {}
    exec(compile(stub, "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](2)


def test_no_solution_code_line_survives_in_any_stub():
    for src in (REPO / "solutions").glob("a*/*.py"):
        lines = src.read_text().splitlines()
        stub = (REPO / "assignments" / src.relative_to(REPO / "solutions")).read_text()
        regions = stubs._regions(lines, src)
        inside = {i for start, end in regions for i in range(start + 1, end)}
        provided = {ln for i, ln in enumerate(lines) if i not in inside}  # code students get anyway
        for i in sorted(inside):
            line = lines[i]
            if line.strip() and not line.strip().startswith("#") and line not in provided:
                assert line not in stub.splitlines(), (src, line)


@pytest.mark.parametrize("bad, message", [
    ("### START CODE HERE ###\nx = 1\n", "is never closed"),
    ("x = 1\n### END CODE HERE ###\n", "END CODE HERE without a START"),
    ("### START CODE HERE ###\n### START CODE HERE ###\n", "inside the region"),
])
def test_malformed_markers_are_reported_with_file_and_line(bad, message):
    with pytest.raises(stubs.StubError, match=message) as err:
        stubs.make_stub(bad, "sol.py")
    assert "sol.py:" in str(err.value)


def test_write_refuses_to_overwrite_student_work(tmp_path):
    sol, asg = tmp_path / "solutions" / "a9_x", tmp_path / "assignments" / "a9_x"
    sol.mkdir(parents=True)
    (sol / "m.py").write_text(SOLUTION)
    stubs.write(sol.parent, asg.parent)
    generated = (asg / "m.py").read_text()
    assert stubs.drifted(sol.parent, asg.parent) == []
    worked = generated.replace('raise NotImplementedError("f")', "return x ** 2")
    (asg / "m.py").write_text(worked)
    (sol / "m.py").write_text(SOLUTION.replace("hint: square it", "hint: multiply"))
    with pytest.raises(stubs.StubError, match="--force"):
        stubs.write(sol.parent, asg.parent)
    assert (asg / "m.py").read_text() == worked  # nothing lost
    stubs.write(sol.parent, asg.parent, force=True)
    assert "hint: multiply" in (asg / "m.py").read_text()
