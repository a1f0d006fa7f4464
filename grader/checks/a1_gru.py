"""Public checks for assignment 1 (GRU character language model)."""
import tempfile

import numpy as np

from grader.api import Assignment, Fail
from grader.checks.common import (arguments_unchanged, as_arrays, changed_arguments, equals,
                                  frequencies_close, initialised, layer_names,
                                  log_probabilities, log_softmax, lookup_model, loop_summary,
                                  outputs, pads_ignored, random_weights, reshuffled_each_epoch,
                                  seeded_epochs, shape_and_total, trax_api)
from grader.compare import compare
from grader.memo import shared

ASSIGNMENT = Assignment(
    "a1_gru", module="gru_lm", title="GRU character language model on Shakespeare",
    exercises=["forward_V_RNN", "forward_GRU", "scan", "line_to_tensor", "split_lines",
               "data_generator", "GRULM", "train_model", "log_perplexity", "gumbel_sample",
               "generate"])
check = ASSIGNMENT.check
MODEL_TOL = dict(rtol=1e-4, atol=1e-5)
#: The student functions of other exercises generate calls: its checks replay the reference's.
GENERATE_CALLS = ["line_to_tensor", "gumbel_sample"]


def cell_inputs(h_dim, emb, seed):
    """Column-vector input, state and the six weights of a cell, from a fixed seed."""
    rng = np.random.default_rng(seed)
    x, h = rng.standard_normal((emb, 1)), rng.standard_normal((h_dim, 1))
    ws = [rng.standard_normal((h_dim, h_dim + emb)) for _ in range(3)]
    bs = [rng.standard_normal((h_dim, 1)) for _ in range(3)]
    return x, h, ws + bs


def as_pair(result):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Fail(f"expected a pair (h, h), got {type(result).__name__}")
    return list(result)


# --- Part A ------------------------------------------------------------------------------

@check("forward_V_RNN", points=2, subject="(h, h)")
def vanilla_step(mod):
    """one step with h_dim = 4, emb = 3 (h = sigmoid(w1·[h; x] + b1), returned as (h, h))"""
    x, h, w = cell_inputs(4, 3, seed=1)
    return as_pair(mod.forward_V_RNN([x, h], w))


@check("forward_GRU", points=2, subject="(h, h)")
def gru_step(mod):
    """one GRU step with h_dim = 4, emb = 3: gates u, r, candidate c, h = u*c + (1-u)*h"""
    x, h, w = cell_inputs(4, 3, seed=2)
    return as_pair(mod.forward_GRU([x, h], w))


@check("forward_GRU", points=1, judge=arguments_unchanged("forward_GRU", "compute a new state array"))
def gru_leaves_inputs_alone(mod):
    """the input x and the state h passed in are left unchanged"""
    x, h, w = cell_inputs(4, 3, seed=2)
    return changed_arguments({"input x": x, "state h": h}, lambda: mod.forward_GRU([x, h], w))


def gru_cell_weights(emb, h_dim, seed):
    """Weights in the layout of an initialised ``tl.GRUCell(h_dim)`` for inputs of width
    ``emb``: ``(W1 (emb+h, 2h), B1 (2h,), W2 (emb+h, h), B2 (h,))`` in float32. Drawn with
    NumPy (biases far from zero, unlike Trax's initialiser) so that this NumPy exercise is
    graded without importing Trax; the reference mapping is tested against Trax's own cell
    in tests/test_a1_solution.py."""
    rng = np.random.default_rng(seed)
    shapes = [(emb + h_dim, 2 * h_dim), (2 * h_dim,), (emb + h_dim, h_dim), (h_dim,)]
    return tuple(rng.normal(0.0, 0.5, shape).astype(np.float32) for shape in shapes)


@check("forward_GRU", points=1, subject="h", rtol=1e-5, atol=1e-6)
def gru_matches_trax_cell(mod):
    """equals Trax's tl.GRUCell once its weights are mapped (gru_weights_from_trax)"""
    emb, h_dim = 3, 5
    x = np.linspace(-1, 1, emb, dtype=np.float32)[None]
    s = np.linspace(0.5, -0.5, h_dim, dtype=np.float32)[None]
    w = mod.gru_weights_from_trax(gru_cell_weights(emb, h_dim, seed=3), emb)
    return mod.forward_GRU([x.T.astype(np.float64), s.T.astype(np.float64)], w)[0]


def tanh_cell(inputs, weights):
    """A cell owned by the checks (not one of the exercises): state tanh(w · [h; x]); its output
    differs from its state (state + 1), so a scan that returns the wrong one shows."""
    x, h = inputs
    h = np.tanh(np.dot(weights, np.concatenate([h, x])))
    return h + 1.0, h


@check("scan", points=1, subject="(ys, h_T)")
def scan_cell(mod):
    """scan of a tanh cell over 5 steps (list of 5 outputs and the final state)"""
    rng = np.random.default_rng(4)
    w, h = rng.standard_normal((3, 5)), rng.standard_normal((3, 1))
    elems = np.random.default_rng(5).standard_normal((5, 2, 1))
    ys, h_t = mod.scan(tanh_cell, elems, w, h)
    return [list(ys), h_t]


def _threads_state(got, expected):
    answer = [[11.0, 13.0, 16.0], 16.0]  # 10 + 1, then + 2, then + 3
    if got != answer:
        restarted = got[0] == [11.0, 12.0, 13.0]  # every step began from the initial state 10
        raise Fail(f"with a cell that adds its input to the state, scan returned outputs "
                   f"{got[0]} and final state {got[1]}, expected {answer[0]} and {answer[1]}"
                   + (": each step started from the initial state; pass each step's new state "
                      "to the next step" if restarted else ""))


@check("scan", points=1, judge=_threads_state)
def scan_threads_state(mod):
    """the state returned by each step is passed to the next step"""
    def add(inputs, weights):
        x, h = inputs
        return h + x, h + x
    ys, h_t = mod.scan(add, [1, 2, 3], None, 10)
    return [[float(np.squeeze(y)) for y in ys], float(np.squeeze(h_t))]


# --- Part B ------------------------------------------------------------------------------

@check("line_to_tensor", points=1, judge=equals([97, 98, 99, 1], "tensor"))
def tensor_of_abc(mod):
    """'abc' → [97, 98, 99, 1] (code points, then EOS)"""
    return list(mod.line_to_tensor("abc"))


@check("line_to_tensor", points=1, judge=equals([104, 105, 7], "tensor"))
def tensor_custom_eos(mod):
    """the EOS_int argument is used: line_to_tensor('hi', EOS_int=7)"""
    return list(mod.line_to_tensor("hi", EOS_int=7))


@check("line_to_tensor", points=1, judge=equals([233, 10003, 1], "tensor"))
def tensor_per_character(mod):
    """'é✓' → [233, 10003, 1]: one code point per character, not one id per UTF-8 byte"""
    return list(mod.line_to_tensor("é✓"))


@check("line_to_tensor", points=1, judge=equals([1], "tensor"))
def tensor_of_empty_line(mod):
    """'' → [1]: an empty line is just EOS (length len(line) + 1)"""
    return list(mod.line_to_tensor(""))


SPLIT_TEXT = "First Citizen:\n  Before we proceed  \n\n\nALL:\nSpeak, speak.\n \nYou are all resolved?\n"


@check("split_lines", points=1, subject="(train, eval)")
def split_small_text(mod):
    """strip, drop empty lines, lower-case, last n_eval lines held out (n_eval = 2)"""
    return [list(part) for part in mod.split_lines(SPLIT_TEXT, n_eval=2)]


LINES = ["to be", "or not", "to be, that is the question", "whether", "tis nobler",
         "in the mind", "to suffer", "the slings and arrows"]


def shouted(line):
    """The checks' own line_to_tensor (so that a data_generator check never runs the student's):
    code points of the upper-cased line, then EOS."""
    return [ord(c) for c in line.upper()] + [1]


def first_batches(mod, n, **kwargs):
    gen = mod.data_generator(kwargs.pop("batch_size", 2), kwargs.pop("max_length", 10),
                             list(kwargs.pop("lines", LINES)), line_to_tensor=shouted,
                             shuffle=kwargs.pop("shuffle", False))
    return [as_arrays(next(gen), 3, "batch, batch, mask") for _ in range(n)]


@check("data_generator", points=1, subject="first batch", exact_dtype=False)
def generator_first_batch(mod):
    """first batch without shuffling: lines converted by the line_to_tensor argument, padded with 0 to max_length, mask 1 on characters and EOS"""
    return first_batches(mod, 1)[0]


def _rows_as_text(got):
    return ["".join(chr(c) for c in row if c > 1) for batch in got for row in batch[0]]


def _filtered(got, expected):
    rows = _rows_as_text(got)
    long_rows = [r for r in rows if len(r) >= 10]
    if long_rows:
        raise Fail(f"lines of length >= max_length must be skipped, got {long_rows[0]!r}")
    return compare(rows, _rows_as_text(expected), name="lines in the first 3 batches")


@check("data_generator", points=1, judge=_filtered)
def generator_skips_long_lines(mod):
    """lines with len(line) >= max_length are skipped (max_length = 10)"""
    return first_batches(mod, 3)


def _wraps(got, expected):
    return compare(_rows_as_text(got), _rows_as_text(expected), name="lines of batches 1-5")


@check("data_generator", points=1, judge=_wraps)
def generator_wraps_around(mod):
    """after the last line the generator starts again from the first (no shuffle)"""
    return first_batches(mod, 5)


@check("data_generator", points=1, judge=reshuffled_each_epoch([l for l in LINES if len(l) < 40]))
def generator_reshuffles_each_epoch(mod):
    """with shuffle=True each epoch is a new permutation of the lines, reproducible under a seed"""
    return seeded_epochs(lambda: mod.data_generator(1, 40, list(LINES), line_to_tensor=shouted, shuffle=True),
                         lambda batch: "".join(chr(c) for c in batch[0][0] if c > 1).lower(), len(LINES))


@check("data_generator", points=1, judge=arguments_unchanged("data_generator", "shuffle a list of indices"))
def generator_leaves_lines_alone(mod):
    """with shuffle=True the list of lines passed in keeps its order"""
    lines = list(LINES)
    gen = mod.data_generator(2, 40, lines, line_to_tensor=shouted, shuffle=True)
    return changed_arguments({"data_lines": lines}, lambda: [next(gen) for _ in range(8)])


# --- Part C ------------------------------------------------------------------------------

#: Scale of the random weights of the GRU models: Trax's default GRU init is too small for the
#: recurrent state to change every output visibly.
GRU_WEIGHT_SCALE = 1.5


def small_lm(mod, mode="eval"):
    """GRULM(20, 8, 2) initialised for (2, 7) batches (one character in predict mode), with
    random weights."""
    model = mod.GRULM(vocab_size=20, d_model=8, n_layers=2, mode=mode)
    shape = (1, 1) if mode == "predict" else (2, 7)
    return random_weights(initialised(model, np.zeros(shape, np.int32)), 0, GRU_WEIGHT_SCALE)


@check("GRULM", points=1, subject="layers")
def grulm_layers(mod):
    """GRULM(20, 8, 2) layers: ShiftRight, Embedding, 2 × GRU, Dense(vocab), LogSoftmax"""
    return layer_names(mod.GRULM(vocab_size=20, d_model=8, n_layers=2))


@check("GRULM", points=1, judge=equals(3, "number of GRU layers"))
def grulm_depth(mod):
    """GRULM(20, 8, n_layers=3) stacks 3 GRU layers"""
    return sum(name.startswith("GRU") for name in layer_names(mod.GRULM(vocab_size=20, d_model=8, n_layers=3)))


TOKENS = np.array([[3, 5, 7, 2, 1, 0, 0], [4, 4, 9, 1, 0, 0, 0]], np.int32)


@check("GRULM", points=1, subject="log-probabilities", **MODEL_TOL)
def grulm_output(mod):
    """eval-mode output for a fixed (2, 7) batch and fixed initial weights"""
    return outputs(small_lm(mod), TOKENS)


@check("GRULM", points=1, judge=log_probabilities((2, 7, 20), "GRULM", "the vocabulary"))
def grulm_outputs_log_probabilities(mod):
    """outputs are log-probabilities: exp sums to 1 over the vocabulary (LogSoftmax last)"""
    return shape_and_total(outputs(small_lm(mod), TOKENS))


@check("GRULM", points=1, subject="predict-mode steps", **MODEL_TOL)
def grulm_predict_mode(mod):
    """in mode='predict' it takes one character per call and carries the GRU state between calls"""
    model = small_lm(mod, mode="predict")  # outputs() carries the model's state between calls
    return [outputs(model, np.array([[c]], np.int32)) for c in (0, 5, 5, 9)]


def fixed_batches(batch_size, max_length, lines, read=None):
    """The checks' own data generator for train_model (not the student's data_generator): the
    same (batch, batch, mask) forever, with the first character of ``lines`` in each row, so
    train and eval data differ; ``read`` (a list) records the lines each call received."""
    if read is not None:
        read.append((list(lines), batch_size, max_length))
    batch = np.zeros((batch_size, max_length), np.int32)
    batch[:, 0], batch[:, 1] = ord(lines[0][0]), 1
    while True:
        yield batch, batch, (batch != 0).astype(np.int32)


def tiny_lm():
    """A trainable stand-in language model built by the checks (not the student's GRULM)."""
    tl = trax_api().tl
    model = tl.Serial(tl.ShiftRight(), tl.Embedding(256, 8), tl.Dense(256), tl.LogSoftmax())
    return model


#: The config of the one small training run every train_model check judges: each
#: hyper-parameter a check looks at differs from its default.
TRAIN_CONFIG = {"learning_rate": 0.003, "clip_grad_norm": 0.5, "n_eval_batches": 2,
                "steps_per_checkpoint": 2}


@shared
def run_small_training(mod, **config):
    """Plain facts (:func:`loop_summary`) of 2 steps of the student's train_model on the checks'
    own model and data with ``GRUConfig(**config)``, and which lines each generator call read;
    run once per submission and shared by the train_model checks (compilation dominates)."""
    read = []
    with tempfile.TemporaryDirectory() as out:
        loop = mod.train_model(tiny_lm(), lambda *args: fixed_batches(*args, read=read), LINES,
                               LINES[4:], batch_size=2, max_length=16, n_steps=2, output_dir=out,
                               config=mod.GRUConfig(**config))
    eval_reads = ["eval_lines" if lines == LINES[4:] else "lines" if lines == LINES else "other"
                  for lines, _, _ in read]
    shapes = [[int(size), int(length)] for _, size, length in read]
    return {**loop_summary(loop), "generators_read": eval_reads, "batch_shapes": shapes}


@check("train_model", points=1, subject="training setup", timeout=300)
def train_setup(mod):
    """2 steps on a tiny model: returns the Loop; CrossEntropyLoss, Adam, eval metrics CrossEntropyLoss + Accuracy on batches of eval_lines"""
    info = run_small_training(mod, **TRAIN_CONFIG)
    return {k: info[k] for k in ("step", "loss", "optimizer", "metrics", "generators_read")}


@check("train_model", points=1, judge=equals([[2, 16], [2, 16]], "(batch_size, max_length) asked of each generator"),
       timeout=300)
def train_batches_from_arguments(mod):
    """the generators are asked for batches of the batch_size and max_length arguments (2 and 16), not the config's"""
    return run_small_training(mod, **TRAIN_CONFIG)["batch_shapes"]


@check("train_model", points=1, subject="hyper-parameters", timeout=300)
def train_uses_config(mod):
    """learning rate, gradient clipping, eval batches and checkpoint interval come from the config argument"""
    info = run_small_training(mod, **TRAIN_CONFIG)
    return {k: info[k] for k in ("learning_rate", "clip_grad_norm", "n_eval_batches",
                                 "steps_per_checkpoint")}


def lm_batch(seed):
    rng = np.random.default_rng(seed)
    preds = log_softmax(rng.standard_normal((2, 6, 11)))
    target = np.array([[3, 4, 5, 1, 0, 0], [7, 1, 0, 0, 0, 0]])
    return preds, target


@check("log_perplexity", points=1, rtol=1e-6)
def log_perplexity_value(mod):
    """mean negative log-likelihood per character of a (2, 6, 11) batch with padding"""
    return mod.log_perplexity(*lm_batch(6))


@check("log_perplexity", points=1, judge=pads_ignored("log_perplexity", rtol=1e-9))
def log_perplexity_ignores_padding(mod):
    """predictions at padded positions (target 0) do not change the result"""
    preds, target = lm_batch(7)
    changed = preds.copy()
    changed[target == 0] = np.log(1.0 / 11)
    return {"original": mod.log_perplexity(preds, target),
            "changed": mod.log_perplexity(changed, target)}


@check("log_perplexity", points=1, rtol=1e-9)
def log_perplexity_unlikely_characters(mod):
    """characters the model finds very unlikely (log-probabilities near -800) give a finite, exact result"""
    preds, target = lm_batch(8)
    preds = preds * 400.0  # still ordered like log-probabilities; exp() of them underflows to 0
    return mod.log_perplexity(preds, target)


# --- Part D ------------------------------------------------------------------------------

LOG_PROBS = np.log(np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]]))


@check("gumbel_sample", points=1, subject="samples")
def gumbel_greedy(mod):
    """temperature 0 is greedy: the argmax of each of 200 rows (no noise may remain)"""
    logits = np.random.default_rng(9).standard_normal((200, 5))
    return np.asarray(mod.gumbel_sample(log_softmax(logits), 0.0))


@check("gumbel_sample", points=1, judge=frequencies_close("sampling frequencies over 4,000 draws"))
def gumbel_follows_distribution(mod):
    """at temperature 1, ids are drawn with their probabilities (within 0.035 over 4,000 draws)"""
    draws = np.array([int(np.asarray(mod.gumbel_sample(LOG_PROBS[0], 1.0))) for _ in range(4000)])
    return {"frequencies": np.bincount(draws, minlength=3) / len(draws),
            "target": np.exp(LOG_PROBS[0])}


@check("gumbel_sample", points=1,
       judge=frequencies_close("frequencies over the 4,000 rows of one batch (the same distribution in every row)"))
def gumbel_rows_independent(mod):
    """each row of a batch gets its own noise: 4,000 equal rows sampled in one call follow the distribution"""
    draws = np.asarray(mod.gumbel_sample(np.tile(LOG_PROBS[0], (4000, 1)), 1.0)).reshape(-1)
    return {"frequencies": np.bincount(draws.astype(int), minlength=3)[:3] / len(draws),
            "target": np.exp(LOG_PROBS[0])}


@check("gumbel_sample", points=1,
       judge=frequencies_close("sampling frequencies at temperature 2 over 4,000 draws"))
def gumbel_high_temperature(mod):
    """at temperature 2, ids follow softmax(log_probs / 2), flatter than the distribution (within 0.035)"""
    draws = np.array([int(np.asarray(mod.gumbel_sample(LOG_PROBS[1], 2.0))) for _ in range(4000)])
    target = np.exp(LOG_PROBS[1] / 2.0) / np.exp(LOG_PROBS[1] / 2.0).sum()
    return {"frequencies": np.bincount(draws, minlength=3) / len(draws), "target": target}


def _reproducible(got, expected):
    if got[0] != got[1]:
        raise Fail("two runs after np.random.seed(0) drew different samples: draw u with "
                   "np.random (the generator the course seeds), not a generator of your own")


@check("gumbel_sample", points=1, judge=_reproducible)
def gumbel_reproducible(mod):
    """the noise comes from np.random: the same seed gives the same samples"""
    runs = []
    for _ in range(2):
        np.random.seed(0)
        runs.append([int(v) for v in np.asarray(mod.gumbel_sample(np.tile(LOG_PROBS[0], (50, 1)), 1.0))])
    return runs


def chain_model():
    """A predict-mode stand-in whose next character is fixed: 0→'x', 'a'→'b'→'c'→EOS,
    'p'→'q'→'p'… (never ends). Built directly in Trax so it does not depend on GRULM."""
    logits = np.full((128, 128), -20.0, np.float32)
    successor = {0: ord("x"), ord("a"): ord("b"), ord("b"): ord("c"), ord("c"): 1,
                 ord("p"): ord("q"), ord("q"): ord("p"), ord("x"): ord("a")}
    for src, dst in successor.items():
        logits[src, dst] = 20.0
    return lookup_model(logits)


@check("generate", points=1, replay=GENERATE_CALLS, judge=equals("bc", "generated text"))
def generate_stops_at_eos(mod):
    """greedy continuation of 'a' by a model that spells 'b', 'c', then EOS: returns 'bc'"""
    return mod.generate(chain_model(), "a", 10, temperature=0.0)


@check("generate", points=1, replay=GENERATE_CALLS, judge=equals(7, "length of generated text"))
def generate_respects_num_chars(mod):
    """returns at most num_chars characters (7) when EOS never comes"""
    return len(mod.generate(chain_model(), "p", 7, temperature=0.0))


def reference_gru(seed, vocab=128, d_model=16):
    """A small predict-mode GRU language model built in Trax (independent of GRULM), with
    weights drawn large enough that the carried state changes every prediction."""
    tl = trax_api().tl
    model = tl.Serial(tl.ShiftRight(mode="predict"), tl.Embedding(vocab, d_model),
                      tl.GRU(d_model, mode="predict"), tl.Dense(vocab), tl.LogSoftmax())
    return random_weights(initialised(model, np.zeros((1, 1), np.int32), seed), seed,
                          GRU_WEIGHT_SCALE)


@check("generate", points=2, replay=GENERATE_CALLS, subject="generated text", timeout=300)
def generate_with_gru_state(mod):
    """greedy text from a small GRU in predict mode: the GRU state carries the prefix"""
    return mod.generate(reference_gru(seed=8), "the ", 20, temperature=0.0)


def coin_model():
    """A predict-mode stand-in over ids 0-3 whose next id is 2 or 3, equally likely, whatever
    came before (EOS, id 1, practically never)."""
    table = np.full((4, 4), -20.0, np.float32)
    table[:, 2:] = 0.0
    return lookup_model(table)


def _both_sampled(got, expected):
    # 150 fair draws: the share of id 3 has sd 0.041, so 0.5 ± 0.2 (4.9 sd) fails a correct
    # generate with probability < 1e-6.
    share = got.count(chr(3)) / max(len(got), 1)
    if len(got) != 150 or not 0.3 < share < 0.7:
        raise Fail(f"at temperature 1, of two equally likely characters the second came {share:.0%} "
                   f"of the time in {len(got)} characters (expected 150, about half each): pass the "
                   "temperature argument on to gumbel_sample")


@check("generate", points=1, replay=GENERATE_CALLS, judge=_both_sampled)
def generate_samples_at_temperature(mod):
    """at temperature 1 it samples: from a model with two equally likely next characters, 150 characters use both about equally"""
    return mod.generate(coin_model(), chr(2), 150, temperature=1.0)


def _same_text_twice(got, expected):
    if got[0] != got[1]:
        raise Fail(f"two calls on the same model gave {got[0]!r}, then {got[1]!r}: reset the GRU "
                   "state at the start of each call, or one text continues the previous one")
    return compare(got, expected, name="texts of two calls")


@check("generate", points=1, replay=GENERATE_CALLS, judge=_same_text_twice, timeout=300)
def generate_resets_state(mod):
    """two calls on the same model give the same greedy text: each call starts from an empty GRU state"""
    model = reference_gru(seed=8)
    return [mod.generate(model, "the ", 8, temperature=0.0) for _ in range(2)]
