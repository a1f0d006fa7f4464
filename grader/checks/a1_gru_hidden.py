"""Hidden checks for assignment 1. Descriptions are shown on failure: they reveal no inputs."""
import numpy as np

from grader.api import Fail
from grader.checks.a1_gru import (ASSIGNMENT, GENERATE_CALLS, TRAIN_CONFIG, as_pair, cell_inputs,
                                  first_batches, reference_gru, run_small_training, tanh_cell)
from grader.checks.common import frequencies_close, layer_names, log_softmax

check = ASSIGNMENT.check


@check("forward_V_RNN", points=1, hidden=True, subject="(h, h)")
def vanilla_other_sizes(mod):
    """vanilla step with other hidden and input sizes"""
    x, h, w = cell_inputs(6, 2, seed=21)
    return as_pair(mod.forward_V_RNN([x, h], w))


@check("forward_GRU", points=1, hidden=True, subject="(h, h)")
def gru_other_sizes(mod):
    """GRU step with other hidden and input sizes"""
    x, h, w = cell_inputs(2, 5, seed=22)
    return as_pair(mod.forward_GRU([x, h], w))


@check("scan", points=1, hidden=True, subject="(ys, h_T)")
def scan_other_cell(mod):
    """scan of a cell over another sequence"""
    rng = np.random.default_rng(23)
    w, h = rng.standard_normal((3, 6)), rng.standard_normal((3, 1))
    elems = np.random.default_rng(24).standard_normal((4, 3, 1))
    ys, h_t = mod.scan(tanh_cell, elems, w, h)
    return [list(ys), h_t]


@check("line_to_tensor", points=1, hidden=True, subject="tensor")
def tensor_unicode(mod):
    """characters outside ASCII"""
    return list(mod.line_to_tensor("çà ✓"))


@check("split_lines", points=1, hidden=True, subject="(train, eval)")
def split_other_text(mod):
    """another text and held-out size"""
    text = "\n".join(f"  Line {i} OF Text  " if i % 3 else "" for i in range(20))
    return [list(part) for part in mod.split_lines(text, n_eval=4)]


@check("data_generator", points=1, hidden=True, subject="batches")
def generator_other_shapes(mod):
    """another batch size and maximum length, without shuffling"""
    return first_batches(mod, 3, batch_size=3, max_length=8)


@check("GRULM", points=1, hidden=True, subject="layers")
def grulm_other_depth(mod):
    """layer structure for another depth and width"""
    return layer_names(mod.GRULM(vocab_size=30, d_model=6, n_layers=3))


def _history(got, expected):
    if got["step"] != 2 or not {"metrics/CrossEntropyLoss", "metrics/Accuracy"} <= set(got["eval"]):
        raise Fail("training must run n_steps and record both eval metrics")


@check("train_model", points=1, hidden=True, judge=_history, timeout=300)
def train_records_history(mod):
    """the loop runs n_steps and records evaluation metrics"""
    info = run_small_training(mod, **TRAIN_CONFIG)  # the public checks' run, shared
    return {"step": info["step"], "eval": info["eval_history"]}


@check("log_perplexity", points=1, hidden=True)
def log_perplexity_other_batch(mod):
    """another batch with a different amount of padding"""
    rng = np.random.default_rng(25)
    preds = log_softmax(rng.standard_normal((3, 4, 5)))
    target = np.array([[1, 0, 0, 0], [2, 3, 4, 1], [4, 4, 1, 0]])
    return mod.log_perplexity(preds, target)


@check("gumbel_sample", points=1, hidden=True,
       judge=frequencies_close("sampling frequencies at a temperature other than 1"))
def gumbel_temperature(mod):
    """temperature reshapes the distribution (samples follow softmax(log_probs / T))"""
    log_probs = np.log(np.array([0.2, 0.5, 0.3]))
    draws = np.array([int(np.asarray(mod.gumbel_sample(log_probs, 0.5))) for _ in range(4000)])
    target = np.exp(log_probs / 0.5) / np.exp(log_probs / 0.5).sum()
    return {"frequencies": np.bincount(draws, minlength=3) / len(draws), "target": target}


@check("generate", points=1, replay=GENERATE_CALLS, hidden=True, subject="generated text", timeout=300)
def generate_other_prefix(mod):
    """greedy text from another GRU and prefix"""
    return mod.generate(reference_gru(seed=9), "king ", 15, temperature=0.0)
