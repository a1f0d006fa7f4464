"""One expensive student call, judged by several checks: a memo of student calls.

Some student calls are expensive (building and training a model: compilation, a ``Loop``)
and several checks judge different facts of the same result. A helper decorated with
:func:`shared` runs once per submission and argument list; every other check that calls
it with the same arguments gets the stored result — or the same exception again::

    @shared
    def small_training(mod, learning_rate):
        "Plain facts of a 2-step run of the student's train_model."
        return loop_summary(mod.train_model(..., config=mod.Config(learning_rate)))

    @A.check("train_model")
    def train_steps(mod):
        return small_training(mod, 0.003)["step"]

    @A.check("train_model")
    def train_optimizer(mod):
        return small_training(mod, 0.003)["optimizer"]

Rules that keep the memo invisible to grading:

* **Keyed by the student module object.** Every grading imports the submission's modules
  afresh, so two submissions (or two gradings of one) never share a result; the memo lives
  as long as the module (weak reference) and no longer.
* **Same result whatever ran first.** The helper runs with the check seeds freshly set, and
  the seeds are set again after every call, hit or miss; so a check sees the same result and
  the same random state after the call whether it computed it or another check did, and
  grading one exercise alone gives the same points as grading all of them.
* **Exceptions are shared, time-outs are not.** An error (including ``NotImplementedError``)
  is raised again in every check that shares the call; a check that runs out of time stores
  nothing, so the next check tries again under its own limit.
* **Return plain data** (or objects the checks only read): the result is shared, so a check
  must not change it, and plain data keeps memory small.
* Arguments must be hashable (numbers, strings, tuples) and part of the key; the student
  module is the first argument.
* The memo is kept on the student module (attribute ``__grader_memo__``) and freed with it.
"""
import functools

from grader.runner import seed_everything

#: Attribute of a student module holding its memo: {(helper, args, kwargs): (raised?, value)}.
#: On the module itself, the memo (and an error's traceback, which refers to the module)
#: is freed with the module.
MEMO_ATTRIBUTE = "__grader_memo__"


def _owner(mod):
    """The module object that identifies one submission: ``mod`` itself, or the first module
    of an assignment with several (the checks get them together in a namespace)."""
    return mod if hasattr(mod, "__spec__") else next(iter(vars(mod).values()))


def shared(helper):
    """Decorator: ``helper(mod, *args, **kwargs)`` runs once per submission and arguments."""
    @functools.wraps(helper)
    def call(mod, *args, **kwargs):
        memo = vars(_owner(mod)).setdefault(MEMO_ATTRIBUTE, {})
        key = (helper.__module__, helper.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in memo:
            seed_everything()
            try:
                memo[key] = (False, helper(mod, *args, **kwargs))
            except Exception as exc:  # the student's error, for every check that shares it
                memo[key] = (True, exc)
        seed_everything()
        raised, value = memo[key]
        if raised:
            raise value
        return value
    return call
