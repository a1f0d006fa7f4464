"""Helpers shared by the assignments' checks: builders of inputs and models, and judges.

Trax is imported on first use (:func:`trax_api`), so that loading a check module, e.g. to
list an assignment's exercises, stays fast.
"""
import contextlib
import importlib
import random

import numpy as np

from grader.api import Fail
from grader.compare import compare


def equals(answer, subject):
    """Judge for checks whose right answer is known by construction (not taken from the
    reference solution, so a wrong reference cannot make a wrong answer pass)."""
    return lambda got, expected: compare(got, answer, name=subject)


def log_softmax(logits):
    """Log-probabilities over the last axis of ``logits`` (NumPy, any shape)."""
    return logits - np.log(np.exp(logits).sum(-1, keepdims=True))


def shape_and_total(log_probs):
    """Plain facts to judge log-probabilities: their shape and exp summed over the last axis."""
    return {"shape": list(np.shape(log_probs)), "total_prob": np.exp(log_probs).sum(-1)}


def log_probabilities(shape, what, over, axes=""):
    """Judge for :func:`shape_and_total`: ``what``'s output has ``shape`` (its axes named by
    ``axes``) and exp of it sums to 1 over the last axis (which holds ``over``)."""
    def judge(got, expected):
        if got["shape"] != list(shape):
            raise Fail(f"{what} output shape: expected {tuple(shape)}{' = ' + axes if axes else ''}, "
                       f"got {tuple(got['shape'])}")
        return compare(got["total_prob"], np.ones(shape[:-1]), rtol=1e-4,
                       name=f"sum of exp({what} output) over {over}")
    return judge


def pads_ignored(what, hint="", rtol=1e-6, atol=1e-8):
    """Judge for ``{"original": …, "changed": …}``, a result computed before and after changing
    the input at padded positions: the two must be equal. ``hint`` says what to fix."""
    def judge(got, expected):
        verdict = compare(got["changed"], got["original"], rtol=rtol, atol=atol,
                          name=f"{what} after changing the input at padded positions")
        return f"{verdict}: {hint}" if verdict and hint else verdict
    return judge


def trax_api():
    """:mod:`course.trax_compat` (with its ``jax``, ``tl`` and ``trax``), imported on first use."""
    return importlib.import_module("course.trax_compat")


def layer_names(model):
    """Names of a Serial model's top-level layers."""
    return [layer.name for layer in model.sublayers]


def initialised(layer, inputs, seed=0):
    """``layer`` initialised for ``inputs`` (an array, or a tuple of arrays for a layer with
    several inputs) with weights drawn from the fixed key ``seed``."""
    jax, trax = trax_api().jax, trax_api().trax
    layer.init(tuple(trax.shapes.signature(x) for x in inputs) if isinstance(inputs, tuple)
               else trax.shapes.signature(inputs), rng=jax.random.PRNGKey(seed))
    return layer


def random_weights(layer, seed, scale=1.0):
    """``layer`` (initialised) with every weight replaced by a N(0, scale²) float32 draw, in a
    fixed order from ``seed``: larger than Trax's initialisers, so every part visibly acts."""
    rng = np.random.default_rng(seed)
    layer.weights = trax_api().jax.tree.map(
        lambda w: rng.standard_normal(np.shape(w)).astype(np.float32) * scale, layer.weights)
    return layer


def scaled_weights(layer, factor):
    """``layer`` (initialised) with every weight multiplied by ``factor``."""
    layer.weights = trax_api().jax.tree.map(lambda w: np.asarray(w) * factor, layer.weights)
    return layer


def weight_shapes(layer):
    """Shapes of all of ``layer``'s weight arrays, in order."""
    return [np.shape(w) for w in trax_api().jax.tree.leaves(layer.weights)]


def lookup_model(table):
    """A stand-in model built in Trax: token id i → LogSoftmax(table[i]) (an Embedding whose
    weights are ``table``, (n_ids, n_outputs)); independent of the students' models."""
    tl = trax_api().tl
    model = initialised(tl.Serial(tl.Embedding(*np.shape(table)), tl.LogSoftmax()),
                        np.zeros((1, 1), np.int32))
    model.weights = (np.asarray(table, np.float32), ())
    return model


def outputs(layer, inputs):
    """An initialised layer's outputs on ``inputs`` through its compiled forward pass, as NumPy
    (a list of arrays for a layer with several outputs)."""
    out = importlib.import_module("course.trax_utils").jit_forward(layer)(inputs)
    return [np.asarray(o) for o in out] if isinstance(out, tuple) else np.asarray(out)


def loop_summary(loop):
    """Plain facts about a ``training.Loop`` after a short run: steps, loss, optimizer and
    its settings, eval metrics, eval batches, checkpoint interval, and which eval metrics reached the history."""
    task, eval_task = loop._tasks[0], loop._eval_tasks[0]
    return {"step": int(loop.step), "loss": task.loss_layer.name,
            "optimizer": type(task.optimizer).__name__,
            "learning_rate": float(task.optimizer.opt_params["learning_rate"]),
            "clip_grad_norm": task.optimizer._clip_grad_norm,
            "metrics": list(eval_task.metric_names),
            "n_eval_batches": int(eval_task.n_eval_batches),
            "steps_per_checkpoint": int(task.n_steps_per_checkpoint),
            "eval_history": sorted(loop.history.metrics_for_mode("eval"))}


def drawn_rng():
    """A ``random.Random`` seeded from Python's global ``random``, which the runner seeds before
    every check: statistical checks draw from it, so that a test can re-seed them all
    (``tests/test_statistical_checks.py``)."""
    return random.Random(random.getrandbits(64))


def seeded_epochs(make_generator, read_item, n_items, n_epochs=4):
    """Items of ``n_epochs`` epochs of a shuffling generator after ``random.seed(0)``, twice:
    ``{"epochs": [[item, …] per epoch], "again": same from a second run}``. ``read_item``
    turns one yielded batch into the item (the generator must have batch size 1)."""
    def epochs():
        random.seed(0)
        gen = make_generator()
        items = [read_item(next(gen)) for _ in range(n_epochs * n_items)]
        return [items[i:i + n_items] for i in range(0, len(items), n_items)]
    return {"epochs": epochs(), "again": epochs()}


def under_other_global_seeds(call):
    """``[call(), call()]``, the first after seeding Python's ``random`` and NumPy's global
    generator with 1, the second with 2: a function that draws only from the seeded
    ``random.Random`` it is given returns the same both times."""
    runs = []
    for seed in (1, 2):
        random.seed(seed)
        np.random.seed(seed)
        runs.append(call())
    return runs


def reproducible(what, seed_call):
    """Judge for ``{"runs": under_other_global_seeds(...)}``: the two runs are equal. ``what``
    names the result, ``seed_call`` how the rng was made (e.g. ``random.Random(7)``)."""
    def judge(got, expected):
        if got["runs"][0] != got["runs"][1]:
            raise Fail(f"two {what} with {seed_call} differed when Python's random and NumPy's "
                       "global generator were seeded differently: draw only from the rng argument "
                       "(rng.random(), rng.randint, rng.shuffle), never from random or np.random")
    return judge


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


def frequencies_close(what, atol=0.035, hint=""):
    """Judge: observed frequencies ``got["frequencies"]`` within ``atol`` of ``got["target"]``.

    Sized so that a correct sampler fails with probability < 1e-4: over n = 4,000 draws a
    frequency p has standard deviation sqrt(p(1-p)/n) <= 0.0079, so 0.035 is 4.4 sigma or
    more (two-sided normal tail < 1e-5 per outcome)."""
    def judge(got, expected):
        verdict = compare(got["frequencies"], got["target"], atol=atol, rtol=0, name=what)
        return f"{verdict}: {hint}" if verdict and hint else verdict
    return judge


def as_arrays(item, arity, what):
    """A generator's item as a list of ``arity`` NumPy arrays, or a Fail saying what came."""
    if not isinstance(item, tuple) or len(item) != arity:
        raise Fail(f"each batch must be a tuple of {arity} arrays ({what}), got "
                   f"{type(item).__name__}" + (f" of length {len(item)}" if isinstance(item, tuple) else ""))
    return [np.asarray(a) for a in item]


def _same(now, before):
    """Whether an argument still equals its copy taken before the call."""
    if hasattr(before, "equals"):  # pandas
        return before.equals(now)
    if isinstance(before, np.ndarray):
        return isinstance(now, np.ndarray) and np.array_equal(now, before)
    return now == before


def changed_arguments(arguments, call):
    """Run ``call()`` and return ``{"changed": [names of arguments it changed in place]}``;
    ``arguments`` maps names to the (mutable) values ``call`` receives."""
    import copy
    before = {name: copy.deepcopy(value) for name, value in arguments.items()}
    call()
    return {"changed": [name for name, value in arguments.items() if not _same(value, before[name])]}


def arguments_unchanged(function, advice="build new ones instead"):
    """Judge for :func:`changed_arguments`: ``function`` must leave its arguments as they were."""
    def judge(got, expected):
        if got["changed"]:
            raise Fail(f"{function} changed the {', '.join(got['changed'])} passed to it in place: "
                       f"the caller's data must stay as it was ({advice})")
    return judge


def nested_lists(value, what, depth=2):
    """``value`` as lists nested ``depth`` deep (e.g. a list of sentences, each a list of ids),
    or a Fail saying what came instead."""
    if depth == 0:
        return value
    if not isinstance(value, (list, tuple)):
        raise Fail(f"expected {what}, got {type(value).__name__}")
    if depth > 1 and value and not all(isinstance(v, (list, tuple, np.ndarray)) for v in value):
        raise Fail(f"expected {what}, got a list of {type(value[0]).__name__}s")
    return [nested_lists(list(v) if isinstance(v, np.ndarray) else v, what, depth - 1) for v in value]


# --- Stand-ins for a student's collaborators -------------------------------------------------
# A check of a function that builds on the student's other exercises (e.g. a model made of the
# student's layers) runs it with the checks' own stand-ins in their place, so that the check
# grades that function alone: a mistake in a collaborator costs points only in its own exercise.
# The stand-ins have the collaborators' signatures and shapes but are deliberately other
# computations (they must not show how to write the exercises), and the same stand-ins are used
# when `expect` records the reference's result.

@contextlib.contextmanager
def with_stand_ins(module, stand_ins):
    """Inside the block, ``module``'s attributes named in ``stand_ins`` are replaced by them
    (restored afterwards): the student's functions that call them get the stand-ins."""
    missing = object()
    saved = {name: getattr(module, name, missing) for name in stand_ins}
    for name, stand_in in stand_ins.items():
        setattr(module, name, stand_in)
    try:
        yield module
    finally:
        for name, value in saved.items():
            if value is missing:
                delattr(module, name)
            else:
                setattr(module, name, value)


def stand_in_embeddings(vocab_size, d_model, max_len, n_segments=2, dropout=0.1, mode="train"):
    """``(ids, segments)`` → ``(vectors (batch, L, d_model), token table (vocab_size, d_model))``:
    token, segment and position vectors from N(0, 1) tables summed, then dropout."""
    tl = trax_api().tl
    normal = tl.RandomNormalInitializer(1.0)

    def look_up(table, by_segment, by_position, ids, segments):
        return table[ids] + by_segment[segments] + by_position[:ids.shape[1]], table
    layers = tl.Serial(
        tl.Weights(normal, (max_len, d_model)), tl.Weights(normal, (n_segments, d_model)),
        tl.Weights(normal, (vocab_size, d_model)),
        tl.Fn("StandInLookUp", look_up, n_out=2),
        tl.Dropout(rate=dropout, mode=mode))
    return layers


def stand_in_encoder_block(d_model, d_ff, n_heads, dropout=0.1, mode="train"):
    """``(x, attention mask)`` → ``(x, attention mask)``: masked self-attention, then a ReLU
    feed-forward layer, each added to its input, then dropout (no LayerNorm)."""
    tl = trax_api().tl
    layers = tl.Serial(
        tl.Residual(tl.Attention(d_model, n_heads=n_heads, dropout=dropout, mode=mode)),
        tl.Residual(tl.Serial(tl.Dense(d_ff), tl.Relu(), tl.Dense(d_model))),
        tl.Dropout(rate=dropout, mode=mode))
    return layers


def stand_in_pooler(d_model):
    """(batch, L, d_model) → (batch, d_model): a Dense layer on the first vector."""
    tl = trax_api().tl
    pooler = tl.Serial(tl.Fn("StandInFirst", lambda x: x[:, 0]), tl.Dense(d_model))
    return pooler


def stand_in_nsp_head():
    """(batch, d) → (batch, 2) log-probabilities: a softmax over the first two values."""
    api = trax_api()
    return api.tl.Fn("StandInNSP", lambda x: api.jax.nn.log_softmax(x[:, :2]))


def stand_in_mlm_head(vocab_size, d_model):
    """``(x (batch, L, d), table (vocab_size, d), positions (batch, P))`` → (batch, P,
    vocab_size) log-probabilities: the vectors at the positions times the table, softmaxed."""
    api = trax_api()
    jnp = api.jnp

    def log_probs(x, table, positions):
        return api.jax.nn.log_softmax(jnp.take_along_axis(x, positions[..., None], axis=1) @ table.T)
    return api.tl.Fn("StandInMLM", log_probs)
