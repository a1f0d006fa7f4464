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
    h_t = sigmoid(np.dot(wh, np.concatenate([h_t, x])) + bh)
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
    u = sigmoid(np.dot(wu, np.concatenate([h_t, x])) + bu)
    r = sigmoid(np.dot(wr, np.concatenate([h_t, x])) + br)
    c = np.tanh(np.dot(wc, np.concatenate([r * h_t, x])) + bc)
    h_t = u * c + (1 - u) * h_t
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
    for x in elems:
        y, h_t = fn([x, h_t], weights)
        ys.append(y)
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
    tensor = [ord(c) for c in line]
    tensor.append(EOS_int)
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
    lines = [line.strip().lower() for line in text.split("\n")]
    lines = [line for line in lines if line]
    return lines[:-n_eval], lines[-n_eval:]
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
    order = list(range(len(data_lines)))
    if shuffle:
        random.shuffle(order)
    index, current = 0, []
    while True:
        if index >= len(order):
            index = 0
            if shuffle:
                random.shuffle(order)
        line = data_lines[order[index]]
        index += 1
        if len(line) < max_length:
            current.append(line)
        if len(current) == batch_size:
            batch = np.zeros((batch_size, max_length), dtype=np.int32)
            for row, text in enumerate(current):
                tensor = line_to_tensor(text)
                batch[row, :len(tensor)] = tensor
            mask = (batch != 0).astype(np.int32)
            yield batch, batch, mask
            current = []
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
    return tl.Serial(
        tl.ShiftRight(mode=mode),
        tl.Embedding(vocab_size, d_model),
        [tl.GRU(d_model, mode=mode) for _ in range(n_layers)],
        tl.Dense(vocab_size),
        tl.LogSoftmax(),
    )
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
    train_batches = data_generator(batch_size, max_length, lines)
    eval_batches = data_generator(batch_size, max_length, eval_lines)
    train_task = training.TrainTask(
        labeled_data=train_batches,
        loss_layer=tl.CrossEntropyLoss(),
        optimizer=trax.optimizers.Adam(config.learning_rate, clip_grad_norm=config.clip_grad_norm),
        n_steps_per_checkpoint=config.steps_per_checkpoint,
    )
    eval_task = training.EvalTask(
        labeled_data=eval_batches,
        metrics=[tl.CrossEntropyLoss(), tl.Accuracy()],
        n_eval_batches=config.n_eval_batches,
    )
    loop = training.Loop(model, train_task, eval_tasks=[eval_task], output_dir=output_dir)
    loop.run(n_steps=n_steps)
    return loop
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
    preds, target = np.asarray(preds), np.asarray(target)
    log_p = np.take_along_axis(preds, target[..., None], axis=-1)[..., 0]
    non_pad = (target != 0).astype(np.float64)
    return float(-np.sum(log_p * non_pad) / np.sum(non_pad))
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
    u = np.random.uniform(low=1e-6, high=1.0 - 1e-6, size=np.shape(log_probs))
    g = -np.log(-np.log(u))
    return np.argmax(np.asarray(log_probs) + g * temperature, axis=-1)
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
    reset_state(model, int_signature((1, 1)))  # empty GRU state, same weights
    step = jit_forward(model)
    log_probs = step(np.zeros((1, 1), np.int32))
    for char_id in line_to_tensor(prefix)[:-1]:
        log_probs = step(np.array([[char_id]], np.int32))
    generated = []
    for _ in range(num_chars):
        next_id = int(gumbel_sample(log_probs[0, -1], temperature))
        if next_id == EOS_INT:
            break
        generated.append(chr(next_id))
        log_probs = step(np.array([[next_id]], np.int32))
    return "".join(generated)
    ### END CODE HERE ###
