"""The memo of shared student calls (grader/memo.py): one call per submission and arguments."""
import gc
import random
import types
import weakref

import numpy as np
import pytest

from grader.memo import shared
from grader.runner import seed_everything


def submission(name="student"):
    """A fresh student module whose ``work(x)`` counts its calls and draws a random number."""
    mod = types.ModuleType(name)
    mod.calls = 0

    def work(x):
        mod.calls += 1
        if x == "broken":
            raise ValueError("wrong shape")
        if x == "slow":
            raise KeyboardInterrupt  # stands for a time-out: a BaseException, not an Exception
        return {"x": x, "draw": float(np.random.rand())}
    mod.work = work
    return mod


@shared
def run_work(mod, x):
    return mod.work(x)


def test_one_call_per_submission_and_arguments():
    mod = submission()
    first = run_work(mod, 1)
    assert run_work(mod, 1) is first and mod.calls == 1
    run_work(mod, 2)
    assert mod.calls == 2


def test_submissions_never_share_a_result():
    a, b = submission("a"), submission("b")
    run_work(a, 1), run_work(b, 1)
    assert a.calls == b.calls == 1


def test_same_result_and_random_state_whoever_computed_it():
    mod = submission()
    random.random(), np.random.rand()  # a check that drew numbers before the shared call
    computed = run_work(mod, 1)
    after_miss = (random.random(), np.random.rand())
    hit = run_work(mod, 1)
    after_hit = (random.random(), np.random.rand())
    seed_everything()
    assert computed == hit == {"x": 1, "draw": np.random.rand()}
    assert after_miss == after_hit


def test_errors_are_raised_again_but_time_outs_are_not_stored():
    mod = submission()
    for _ in range(2):
        with pytest.raises(ValueError, match="wrong shape"):
            run_work(mod, "broken")
    assert mod.calls == 1
    for _ in range(2):
        with pytest.raises(KeyboardInterrupt):
            run_work(mod, "slow")
    assert mod.calls == 3


@shared
def run_first_module(mods, x):
    return mods.student.work(x)


def test_a_namespace_of_modules_is_one_submission():
    mod, other = submission(), submission("other")
    for _ in range(2):  # a namespace is built afresh for every check
        run_first_module(types.SimpleNamespace(student=mod, other=other), 1)
    assert mod.calls == 1


def test_the_memo_ends_with_the_module_even_when_it_holds_an_error():
    mod = submission()
    run_work(mod, 1)
    with pytest.raises(ValueError):
        run_work(mod, "broken")  # the stored error's traceback refers to the module
    alive = weakref.ref(mod)
    del mod
    gc.collect()
    assert alive() is None
