"""The result of a graded run: check results grouped by assignment, with their scores.

Every score the report, the gradebook, the command line and the notebooks show is summed
here (:meth:`Score.of`), from the CheckResults of :mod:`grader.runner`.
"""
from typing import NamedTuple


class Score(NamedTuple):
    """Points earned out of the maximum."""
    points: float
    max_points: float

    @classmethod
    def of(cls, results):
        """The score of some CheckResults."""
        return cls(sum(r.points for r in results), sum(r.max_points for r in results))

    @property
    def percent(self):
        return 100.0 * self.points / self.max_points if self.max_points else 0.0


class AssignmentResult(NamedTuple):
    """One assignment's spec and the results of its checks that ran (unpacks as a pair)."""
    spec: object
    results: list

    def of_exercise(self, exercise):
        """The results of ``exercise``'s checks."""
        return [r for r in self.results if r.exercise == exercise]

    def exercise_scores(self):
        """{exercise: Score} in the assignment's exercise order."""
        return {ex: Score.of(self.of_exercise(ex)) for ex in self.spec.exercises}

    @property
    def score(self):
        return Score.of(self.results)


class GradedRun(dict):
    """{assignment name: AssignmentResult} in course order, with the run's total score.
    ``interrupted``: grading was stopped (Ctrl-C, the autograder's deadline) before every
    check ran, so the results hold only the checks that did. ``selected_exercises``: the
    exercises the run was asked to grade (a set), or None when it graded them all."""

    interrupted = False
    selected_exercises = None

    @classmethod
    def collect(cls, specs, results):
        """Group CheckResults by the assignment each carries; ``specs`` maps name → spec."""
        run = cls((name, AssignmentResult(spec, [])) for name, spec in specs.items())
        for result in results:
            run[result.assignment].results.append(result)
        return run

    @property
    def results(self):
        """Every CheckResult of the run."""
        return [r for graded in self.values() for r in graded.results]

    @property
    def score(self):
        return Score.of(self.results)
