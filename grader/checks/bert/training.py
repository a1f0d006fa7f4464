"""Public checks of Part C: ``pretraining_loss`` (with ``mlm_loss`` and ``nsp_loss``), the
accuracy metrics and ``train_model``."""
import tempfile

import numpy as np

from grader.api import Fail
from grader.checks.bert import check
from grader.checks.bert.model import D, V
from grader.checks.common import (equals, log_softmax, loop_summary, pads_ignored, with_stand_ins,
                                  trax_api)
from grader.compare import compare
from grader.memo import shared



def loss_inputs(seed=14):
    rng = np.random.default_rng(seed)
    mlm = log_softmax(rng.standard_normal((2, 3, 5)))
    nsp = log_softmax(rng.standard_normal((2, 2)))
    ids = np.array([[1, 4, 0], [2, 0, 0]])
    weights = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    labels = np.array([1, 0])
    return mlm, nsp, ids, weights, labels


def loss_answer(mlm, nsp, ids, weights, labels):
    """The loss written out (independently of the solution)."""
    nll = -np.take_along_axis(mlm, ids[..., None], -1)[..., 0]
    mlm_part = (nll * weights).sum() / (weights.sum() + 1e-5)
    nsp_part = -np.mean(nsp[np.arange(len(labels)), labels])
    return [mlm_part, nsp_part, mlm_part + nsp_part]


def _loss(got, expected):
    return compare(got["result"], loss_answer(*got["inputs"]), rtol=1e-5, atol=1e-6,
                   name="(mlm_loss, nsp_loss, pretraining_loss)")


def losses(mod, inputs):
    """The student's three losses on ``inputs`` = (mlm, nsp, ids, weights, labels), with the inputs
    (for :func:`_loss`)."""
    mlm, nsp, ids, weights, labels = inputs
    result = [float(mod.mlm_loss(mlm, ids, weights)), float(mod.nsp_loss(nsp, labels)),
              float(mod.pretraining_loss(mlm, nsp, ids, weights, labels))]
    return {"result": result, "inputs": list(inputs)}


@check("pretraining_loss", points=2, judge=_loss)
def loss_values(mod):
    """MLM = Σ w·nll / (Σ w + 1e-5), NSP = mean cross-entropy (label 1 = random), total = their sum"""
    return losses(mod, loss_inputs())


def confident_inputs():
    """Loss inputs in float32 of a confident model whose labels are its least likely classes:
    log-probabilities of the labels far below −100, where exp() underflows to 0."""
    rng = np.random.default_rng(17)
    mlm = log_softmax(80 * rng.standard_normal((2, 3, 5))).astype(np.float32)
    nsp = log_softmax(np.array([[60.0, -60.0], [-70.0, 70.0]])).astype(np.float32)
    weights = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
    return mlm, nsp, mlm.argmin(-1), weights, nsp.argmin(-1)


@check("pretraining_loss", points=1, judge=_loss)
def loss_confident_predictions(mod):
    """confident wrong predictions (label log-probabilities below −100, float32): the losses stay finite and exact"""
    return losses(mod, confident_inputs())


@check("pretraining_loss", points=1, judge=pads_ignored("MLM loss", rtol=1e-6))
def loss_ignores_padded_predictions(mod):
    """predictions at padded positions (weight 0) do not change the MLM loss"""
    mlm, nsp, ids, weights, labels = loss_inputs(15)
    changed = mlm.copy()
    changed[weights == 0] = np.log(1 / 5)
    return {"original": float(mod.mlm_loss(mlm, ids, weights)), "changed": float(mod.mlm_loss(changed, ids, weights))}


@check("pretraining_loss", points=1, judge=equals(0.0, "MLM loss of a batch without predictions"))
def loss_without_predictions(mod):
    """a batch whose masked_lm_weights are all 0 has MLM loss 0 (Σ w + 1e-5 in the denominator), not NaN"""
    mlm, nsp, ids, weights, labels = loss_inputs(16)
    return float(mod.mlm_loss(mlm, ids, np.zeros_like(weights)))


def _accuracies(got, expected):
    return compare(got, [2 / 3, 2 / 3], rtol=1e-4, name="(mlm_accuracy, nsp_accuracy)")


@check("accuracy_metrics", points=2, judge=_accuracies)
def accuracies(mod):
    """weighted MLM accuracy (2 of 3 real predictions right; pads ignored) and NSP accuracy (2 of 3)"""
    mlm = np.log(np.full((2, 3, 5), 0.1))
    for (b, p), k in {(0, 0): 1, (0, 1): 3, (0, 2): 0, (1, 0): 2, (1, 1): 4, (1, 2): 4}.items():
        mlm[b, p, k] = np.log(0.6)
    nsp = np.log(np.array([[0.3, 0.7], [0.2, 0.8], [0.9, 0.1]]))
    ids = np.array([[1, 4, 0], [2, 0, 0]])
    weights = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    return [float(mod.mlm_accuracy(mlm, ids, weights)), float(mod.nsp_accuracy(nsp, np.array([1, 0, 0])))]


@check("accuracy_metrics", points=1, subject="NSP accuracy with tied log-probabilities")
def nsp_accuracy_on_ties(mod):
    """NSP accuracy when both classes are equally likely: the prediction is argmax's (the first class)"""
    nsp = np.log(np.full((4, 2), 0.5))
    return float(mod.nsp_accuracy(nsp, np.array([0, 0, 1, 0])))


def stand_in_pretrainer():
    """A trainable stand-in for BERTPretrainer built by the checks (not the student's model):
    (ids, segments, mask, positions) → (mlm (batch, P, V), nsp (batch, 2)) log-probabilities
    from embeddings of the ids at the positions and of the first id."""
    api = trax_api()
    tl, jnp = api.tl, api.jnp
    model = tl.Serial(
        tl.Select([0, 3, 0], n_in=4),
        tl.Fn("AtPositions", lambda ids, pos: jnp.take_along_axis(ids, pos, axis=1)),
        tl.Parallel(tl.Serial(tl.Embedding(V, D), tl.Dense(V), tl.LogSoftmax()),
                    tl.Serial(tl.Embedding(V, D), tl.Fn("First", lambda x: x[:, 0]), tl.Dense(2),
                              tl.LogSoftmax())))
    return model


def counted_batches(reads, name):
    """The checks' own batches for train_model (not the student's feature_batches): one fixed
    batch in the order of FEATURES, forever; ``reads[name]`` counts the batches taken."""
    ids = np.array([[2, 5, 6, 3, 7, 3, 0]] * 2, np.int32)
    batch = (ids, np.zeros_like(ids), (ids > 0).astype(np.int32), np.array([[1, 2]] * 2, np.int32),
             np.array([[5, 6]] * 2, np.int32), np.ones((2, 2), np.float32), np.array([0, 1], np.int32))
    while True:
        reads[name] += 1
        yield batch


#: The config of the small training run that train_setup and train_uses_config share: each
#: hyper-parameter a check looks at differs from its default.
TRAIN_CONFIG = {"learning_rate": 0.003, "warmup_steps": 100, "n_eval_batches": 2,
                "steps_per_checkpoint": 2}


def loss_stand_ins():
    """Stand-ins for the loss and the metrics (exercises of their own) while train_model runs:
    scalars of the same arguments, not the real losses, so that train_model is graded alone."""
    jnp = trax_api().jnp

    def mlm_loss(log_probs, ids, weights):
        return -jnp.mean(log_probs)

    def nsp_loss(log_probs, labels):
        return -jnp.mean(log_probs)

    def pretraining_loss(mlm, nsp, ids, weights, labels):
        return mlm_loss(mlm, ids, weights) + nsp_loss(nsp, labels)

    def mlm_accuracy(log_probs, ids, weights):
        return jnp.mean(jnp.exp(log_probs))

    def nsp_accuracy(log_probs, labels):
        return jnp.mean(jnp.exp(log_probs))
    return {"mlm_loss": mlm_loss, "nsp_loss": nsp_loss, "pretraining_loss": pretraining_loss,
            "mlm_accuracy": mlm_accuracy, "nsp_accuracy": nsp_accuracy}


def trained_loop(mod, reads, train_steps, **config):
    """The Loop of the student's train_model after ``train_steps`` steps on the checks' own
    pretrainer, batches (``reads`` counts them) and loss functions, with ``BertConfig(**config)``."""
    with tempfile.TemporaryDirectory() as out, with_stand_ins(mod, loss_stand_ins()):
        return mod.train_model(stand_in_pretrainer(), counted_batches(reads, "train"),
                               counted_batches(reads, "eval"), train_steps=train_steps,
                               output_dir=out, config=mod.BertConfig(**config))


@shared
def run_small_training(mod, **config):
    """Plain facts (:func:`loop_summary`, the learning rate at steps 1 and 50, whether eval
    batches were read) of 2 steps of the student's train_model (:func:`trained_loop`) with
    ``BertConfig(**config)``; run once per submission (compilation dominates)."""
    reads = {"train": 0, "eval": 0}
    loop = trained_loop(mod, reads, 2, **config)
    summary = loop_summary(loop)
    summary["lr_at_step_1"] = float(loop._tasks[0].learning_rate(1))
    summary["lr_at_step_50"] = float(loop._tasks[0].learning_rate(50))
    summary["eval_batches_read"] = reads["eval"] > 0
    return summary


@check("train_model", points=1, subject="training setup", timeout=300)
def train_setup(mod):
    """2 steps on a tiny model: returns the Loop; PretrainingLoss, Adam, eval MLMLoss, NSPLoss, MLMAccuracy, NSPAccuracy on eval_batches"""
    info = run_small_training(mod, **TRAIN_CONFIG)
    return {k: info[k] for k in ("step", "loss", "optimizer", "metrics", "eval_batches_read")}


def _warmup(got, expected):
    if not got["lr_at_step_1"] < got["learning_rate"] * 0.1:
        raise Fail(f"learning rate at step 1 is {got['lr_at_step_1']:.2e}, expected a linear warm-up "
                   f"from 0 to config.learning_rate over config.warmup_steps (trax.lr.warmup)")
    # trax.lr.warmup rises over warmup_steps + 1 steps: 50/101 of the rate at step 50.
    if abs(got["lr_at_step_50"] - 0.5 * got["learning_rate"]) > 0.02 * got["learning_rate"]:
        raise Fail(f"learning rate at step 50 of a 100-step warm-up is {got['lr_at_step_50']:.2e}, "
                   f"expected half of config.learning_rate: warm up over config.warmup_steps")
    return (compare(got["n_eval_batches"], 2, name="n_eval_batches from the config")
            or compare(got.get("steps_per_checkpoint"), TRAIN_CONFIG["steps_per_checkpoint"],
                       name="steps between checkpoints (config.steps_per_checkpoint)"))


@check("train_model", points=1, judge=_warmup, timeout=300)
def train_uses_config(mod):
    """warm-up schedule, eval batches and checkpoint interval come from the config argument"""
    info = run_small_training(mod, **TRAIN_CONFIG)
    return {"lr_at_step_1": info["lr_at_step_1"], "lr_at_step_50": info["lr_at_step_50"],
            "learning_rate": TRAIN_CONFIG["learning_rate"],
            "n_eval_batches": info["n_eval_batches"],
            "steps_per_checkpoint": info["steps_per_checkpoint"]}
