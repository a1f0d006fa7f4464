"""The course grader: per-exercise checks with partial credit, run through pytest.

Entry point: ``python -m grader`` (see :mod:`grader.cli`). Checks are declared with
:class:`grader.api.Assignment` in ``grader/checks/``.
"""
