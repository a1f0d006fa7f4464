"""Helpers shared by the assignments' checks."""
import numpy as np

from grader.api import Fail
from grader.compare import compare


def equals(answer, subject):
    """Judge for checks whose right answer is known by construction (not taken from the
    reference solution, so a wrong reference cannot make a wrong answer pass)."""
    return lambda got, expected: compare(got, answer, name=subject)


def layer_names(model):
    """Names of a Serial model's top-level layers."""
    return [layer.name for layer in model.sublayers]


def initialised(layer, inputs, seed=0):
    """``layer`` initialised for ``inputs`` (an array, or a tuple of arrays for a layer with
    several inputs) with weights drawn from the fixed key ``seed``."""
    from course.trax_compat import jax, trax
    layer.init(tuple(trax.shapes.signature(x) for x in inputs) if isinstance(inputs, tuple)
               else trax.shapes.signature(inputs), rng=jax.random.PRNGKey(seed))
    return layer


def outputs(layer, inputs):
    """An initialised layer's outputs on ``inputs`` through its compiled forward pass, as NumPy
    (a list of arrays for a layer with several outputs)."""
    from course.trax_utils import jit_forward
    out = jit_forward(layer)(inputs)
    return [np.asarray(o) for o in out] if isinstance(out, tuple) else np.asarray(out)


def loop_summary(loop):
    """Plain facts about a ``training.Loop`` after a short run: steps, loss, optimizer and
    its settings, eval metrics, eval batches, and which eval metrics reached the history."""
    task, eval_task = loop._tasks[0], loop._eval_tasks[0]
    return {"step": int(loop.step), "loss": task.loss_layer.name,
            "optimizer": type(task.optimizer).__name__,
            "learning_rate": float(task.optimizer.opt_params["learning_rate"]),
            "clip_grad_norm": task.optimizer._clip_grad_norm,
            "metrics": list(eval_task.metric_names),
            "n_eval_batches": int(eval_task.n_eval_batches),
            "eval_history": sorted(loop.history.metrics_for_mode("eval"))}


def seeded_epochs(make_generator, read_item, n_items, n_epochs=4):
    """Items of ``n_epochs`` epochs of a shuffling generator after ``random.seed(0)``, twice:
    ``{"epochs": [[item, …] per epoch], "again": same from a second run}``. ``read_item``
    turns one yielded batch into the item (the generator must have batch size 1)."""
    import random

    def epochs():
        random.seed(0)
        gen = make_generator()
        items = [read_item(next(gen)) for _ in range(n_epochs * n_items)]
        return [items[i:i + n_items] for i in range(0, len(items), n_items)]
    return {"epochs": epochs(), "again": epochs()}


def reshuffled_each_epoch(all_items):
    """Judge for :func:`seeded_epochs`: every epoch holds each of ``all_items`` once, the order
    changes between epochs, and the same seed gives the same order (Python's ``random``)."""
    def judge(got, expected):
        epochs = got["epochs"]
        if sorted(map(str, epochs[0])) != sorted(map(str, all_items)):
            raise Fail("with shuffle=True an epoch must contain every item exactly once")
        if len({str(e) for e in epochs}) < 2:
            raise Fail("the order repeats identically every epoch: reshuffle each time the "
                       "generator wraps around")
        if got["again"] != epochs:
            raise Fail("two runs after random.seed(0) differ: shuffle with Python's random module")
    return judge


def frequencies_close(what, atol=0.03):
    """Judge: observed frequencies ``got["frequencies"]`` within ``atol`` of ``got["target"]``."""
    def judge(got, expected):
        return compare(got["frequencies"], got["target"], atol=atol, rtol=0, name=what)
    return judge


def as_arrays(item, arity, what):
    """A generator's item as a list of ``arity`` NumPy arrays, or a Fail saying what came."""
    if not isinstance(item, tuple) or len(item) != arity:
        raise Fail(f"each batch must be a tuple of {arity} arrays ({what}), got "
                   f"{type(item).__name__}" + (f" of length {len(item)}" if isinstance(item, tuple) else ""))
    return [np.asarray(a) for a in item]
