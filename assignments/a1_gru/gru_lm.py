# Student version, generated from solutions/a1_gru/gru_lm.py by `python -m grader stubs`.
# Write your code between the START/END CODE HERE markers, then run the grader.
"""Assignment 1 — a character-level GRU language model on Shakespeare.

Part A  recurrent cells in NumPy: the maths a GRU layer hides.
Part B  data: characters to integers, padded batches with a mask.
Part C  the Trax model, its training loop, and perplexity.
Part D  generating text one character at a time.

Fill in the code between ``### START CODE HERE ###`` and ``### END CODE HERE ###``;
grade with ``./run grade a1_gru``.
"""
import random
from dataclasses import dataclass

import numpy as np

from course.lazy import tl, training, trax  # Trax loads on first use: Parts A-B run without it
from course.numpy_utils import columns_from_trax_kernel, sigmoid
from course.trax_utils import copy_weights, int_signature, jit_forward, reset_state

EOS_INT = 1  # end-of-sentence id; 0 is padding


# ======================================================================================
# Part A — recurrent cells in NumPy
# ======================================================================================

def forward_V_RNN(inputs, weights):
    """One step of a vanilla RNN cell.

    Args:
        inputs: ``[x, h_t]``, column vectors of shapes (emb, 1) and (h_dim, 1).
        weights: ``[w1, w2, w3, b1, b2, b3]``; each ``wN`` is (h_dim, h_dim + emb) and each
            ``bN`` is (h_dim, 1). The vanilla cell uses only ``w1`` and ``b1``.

    Returns:
        ``(h, h)``: the new hidden state, shape (h_dim, 1), as output and as next state,
        where h = sigmoid(w1 · [h_t; x] + b1) — hidden state first, then the input.
    """
    x, h_t = inputs
    wh, _, _, bh, _, _ = weights
    ### START CODE HERE ###
    raise NotImplementedError("forward_V_RNN")
    ### END CODE HERE ###
    return h_t, h_t


def forward_GRU(inputs, weights):
    """One step of a GRU cell (same argument layout as :func:`forward_V_RNN`).

    update gate     u = sigmoid(w1 · [h; x] + b1)
    relevance gate  r = sigmoid(w2 · [h; x] + b2)
    candidate       c = tanh(w3 · [r * h; x] + b3)
    new state       h = u * c + (1 - u) * h

    Returns:
        ``(h, h)`` with h of shape (h_dim, 1).
    """
    x, h_t = inputs
    wu, wr, wc, bu, br, bc = weights
    ### START CODE HERE ###
    raise NotImplementedError("forward_GRU")
    ### END CODE HERE ###
    return h_t, h_t


def scan(fn, elems, weights, h_0):
    """Apply the cell ``fn`` along a sequence, threading the hidden state.

    Args:
        fn: a cell such as :func:`forward_GRU`, called as ``fn([x, h], weights)``.
        elems: array of shape (T, emb, 1): the inputs, one column vector per step.
        weights: the cell's weights.
        h_0: initial hidden state, shape (h_dim, 1).

    Returns:
        ``(ys, h_T)``: the list of the T outputs (each (h_dim, 1)) and the final state.
    """
    h_t = h_0
    ys = []
    ### START CODE HERE ###
    raise NotImplementedError("scan")
    ### END CODE HERE ###
    return ys, h_t


def gru_weights_from_trax(trax_weights, emb):
    """Map a ``tl.GRUCell``'s weights to ``[w1, w2, w3, b1, b2, b3]`` of :func:`forward_GRU`.

    Trax concatenates ``[x; h]`` (we use ``[h; x]``), stores kernels as (in, out), fuses
    the two gates into one kernel, and updates ``h' = u*h + (1-u)*c``; our update gate is
    therefore Trax's ``1 - u`` = sigmoid(-z), i.e. its weights and bias negated.
    """
    W1, B1, W2, B2 = (np.asarray(w, dtype=np.float64) for w in trax_weights)
    h_dim = W2.shape[1]
    w_u, w_r = W1[:, :h_dim], W1[:, h_dim:]
    b_u, b_r = B1[:h_dim], B1[h_dim:]
    return [-columns_from_trax_kernel(w_u, emb), columns_from_trax_kernel(w_r, emb),
            columns_from_trax_kernel(W2, emb), -b_u[:, None], b_r[:, None], B2[:, None]]


# ======================================================================================
# Part B — data
# ======================================================================================

def line_to_tensor(line, EOS_int=EOS_INT):
    """Characters of ``line`` as their unicode code points, followed by ``EOS_int``.

    Returns:
        list of ints, length len(line) + 1.
    """
    ### START CODE HERE ###
    raise NotImplementedError("line_to_tensor")
    ### END CODE HERE ###
    return tensor


def split_lines(text, n_eval=1000):
    """Normalise a text and split it into training and held-out lines.

    Normalisation: split on newlines, strip surrounding whitespace, drop empty lines,
    lower-case. The held-out set is the *last* ``n_eval`` lines (a contiguous tail of
    the text, so no held-out line has a training neighbour from the same speech).

    Returns:
        ``(train_lines, eval_lines)``, two lists of str.
    """
    ### START CODE HERE ###
    raise NotImplementedError("split_lines")
    ### END CODE HERE ###


def load_shakespeare(n_eval=1000, data_dir=None):
    """Tiny Shakespeare (fetched and verified by the data layer), split by :func:`split_lines`."""
    from data import fetch
    text = fetch("tinyshakespeare", data_dir=data_dir).read_text(encoding="utf-8")
    return split_lines(text, n_eval)


def data_generator(batch_size, max_length, data_lines, line_to_tensor=line_to_tensor, shuffle=True):
    """Infinite generator of padded batches for language modelling.

    Keeps only lines with ``len(line) < max_length`` (so line + EOS fits), converts each
    with ``line_to_tensor``, right-pads with 0 to ``max_length``. When ``shuffle``, the
    line order is shuffled with Python's ``random`` at the start and every time the
    generator wraps around the data.

    Yields:
        ``(batch, batch, mask)``: int arrays of shape (batch_size, max_length); the
        input and the target are the same array (the model shifts its input right);
        ``mask`` is 1 on real characters (including EOS) and 0 on padding.
    """
    ### START CODE HERE ###
    raise NotImplementedError("data_generator")
    ### END CODE HERE ###


# ======================================================================================
# Part C — model, training, perplexity
# ======================================================================================

@dataclass(frozen=True)
class GRUConfig:
    """Every hyper-parameter of the model and its training, in one place."""
    vocab_size: int = 256
    d_model: int = 512
    n_layers: int = 2
    batch_size: int = 32
    max_length: int = 64
    learning_rate: float = 0.002
    clip_grad_norm: float = 1.0
    n_eval_batches: int = 4
    steps_per_checkpoint: int = 100


CONFIG = GRUConfig()


def GRULM(vocab_size=CONFIG.vocab_size, d_model=CONFIG.d_model, n_layers=CONFIG.n_layers,
          mode="train"):
    """Character language model.

    Layers: ShiftRight(mode) → Embedding(vocab_size, d_model) → n_layers × GRU(d_model, mode)
    → Dense(vocab_size) → LogSoftmax. Input (batch, length) ints; output
    (batch, length, vocab_size) log-probabilities of the next character.
    """
    ### START CODE HERE ###
    raise NotImplementedError("GRULM")
    ### END CODE HERE ###


def train_model(model, data_generator, lines, eval_lines, batch_size=CONFIG.batch_size,
                max_length=CONFIG.max_length, n_steps=1, output_dir="model/", config=CONFIG):
    """Train ``model`` with Trax's Loop.

    TrainTask: CrossEntropyLoss, Adam(config.learning_rate, clip_grad_norm=config.clip_grad_norm),
    a checkpoint every config.steps_per_checkpoint steps. EvalTask: CrossEntropyLoss and
    Accuracy over config.n_eval_batches batches. Runs ``n_steps`` steps.

    Returns:
        the ``training.Loop`` (its ``history`` holds the losses).
    """
    ### START CODE HERE ###
    raise NotImplementedError("train_model")
    ### END CODE HERE ###


def log_perplexity(preds, target):
    """Mean negative log-likelihood per character, padding (target 0) excluded.

    Args:
        preds: log-probabilities, shape (batch, length, vocab).
        target: int array (batch, length); 0 marks padding.

    Returns:
        float, in nats per character; perplexity is ``exp`` of it.
    """
    ### START CODE HERE ###
    raise NotImplementedError("log_perplexity")
    ### END CODE HERE ###


def evaluate(model, lines, batch_size=32, max_length=64):
    """Held-out log-perplexity of ``model`` (in eval mode) over every line of ``lines``
    that fits, each exactly once, with the jitted forward pass. Returns nats per character."""
    kept = [line for line in lines if len(line) < max_length]
    forward = jit_forward(model)
    total_nll, total_chars = 0.0, 0
    for start in range(0, len(kept), batch_size):
        chunk = kept[start:start + batch_size]
        chunk = chunk + [""] * (batch_size - len(chunk))  # fixed shape; empty lines add nothing
        batch = np.zeros((batch_size, max_length), np.int32)
        for row, text in enumerate(chunk):
            if text:
                tensor = line_to_tensor(text)
                batch[row, :len(tensor)] = tensor
        n = int((batch != 0).sum())
        total_nll += log_perplexity(forward(batch), batch) * n
        total_chars += n
    return total_nll / total_chars


# ======================================================================================
# Part D — generation
# ======================================================================================

def gumbel_sample(log_probs, temperature=1.0):
    """Sample ids from log-probabilities with the Gumbel-max trick.

    argmax(log_probs + temperature · g) with g = -log(-log(u)), u ~ Uniform(0, 1) drawn
    with ``np.random``; temperature 0 is greedy decoding, higher is more random.

    Args:
        log_probs: array (..., vocab).
    Returns:
        int array of shape log_probs.shape[:-1].
    """
    ### START CODE HERE ###
    raise NotImplementedError("gumbel_sample")
    ### END CODE HERE ###


def greedy_sample(log_probs):
    """The most likely id: :func:`gumbel_sample` at temperature 0."""
    return gumbel_sample(log_probs, temperature=0.0)


def predict_model(trained, config=CONFIG):
    """The same architecture in ``mode='predict'`` (batch 1, one character per call),
    carrying ``trained``'s weights."""
    model = GRULM(config.vocab_size, config.d_model, config.n_layers, mode="predict")
    return copy_weights(trained, model, int_signature((1, 1)))


def generate(model, prefix, num_chars, temperature=1.0):
    """Continue ``prefix`` with up to ``num_chars`` characters, stopping at EOS.

    ``model`` is a GRULM in ``mode='predict'`` with trained weights (see
    :func:`predict_model`). Each call feeds one character and keeps the GRU state, so each
    new character costs one step. Feed 0 first (the start symbol the shifted training
    input begins with), then the prefix's characters, then each sampled character.

    Returns:
        str: the generated continuation (without the prefix and without EOS).
    """
    ### START CODE HERE ###
    raise NotImplementedError("generate")
    ### END CODE HERE ###
