"""Public checks for assignment 2 (LSTM named-entity recognition)."""
import itertools
import tempfile

import numpy as np
import pandas as pd

from grader.api import Assignment, Fail
from grader.checks.common import (arguments_unchanged, as_arrays, changed_arguments, equals,
                                  initialised, layer_names, log_probabilities, lookup_model,
                                  loop_summary, nested_lists, outputs, pads_ignored,
                                  reshuffled_each_epoch, seeded_epochs, shape_and_total, trax_api)
from grader.compare import compare
from grader.memo import shared

ASSIGNMENT = Assignment(
    "a2_ner", module="ner", title="LSTM named-entity recognition on GMB",
    exercises=["group_sentences", "build_vocab", "build_tag_map", "sentences_to_ids",
               "tags_to_ids", "data_generator", "masked_batches", "NER", "train_model",
               "evaluate_prediction", "entity_f1", "predict", "lstm_cell_forward",
               "BiLSTM_NER", "crf_sequence_score", "crf_log_partition", "viterbi_decode"])
check = ASSIGNMENT.check
MODEL_TOL = dict(rtol=1e-4, atol=1e-5)
PREDICT_CALLS = ["sentences_to_ids"]  # predict converts words with it: its checks replay the reference's


# --- Part A: data --------------------------------------------------------------------------

def gmb_frame(rows):
    """A GMB-like table from (sentence id or None, word, tag) rows, as ``read_gmb`` gives it."""
    return pd.DataFrame({"Sentence #": [s if s else np.nan for s, _, _ in rows],
                         "Word": [w for _, w, _ in rows], "POS": ["NN"] * len(rows),
                         "Tag": [t for _, _, t in rows]})


FRAME_ROWS = [("Sentence: 10", "Peter", "B-per"), (None, "visited", "O"), (None, "Paris", "B-geo"),
              ("Sentence: 9", "Rain", "O"), (None, "fell", "O"),
              ("Sentence: 11", "UN", "B-org")]


@check("group_sentences", points=2, judge=equals(
    [[["Peter", "visited", "Paris"], ["Rain", "fell"], ["UN"]],
     [["B-per", "O", "B-geo"], ["O", "O"], ["B-org"]]], "(sentences, tags)"))
def group_small_frame(mod):
    """3 sentences whose id is on the first row only, in file order (ids 10, 9, 11)"""
    sentences, tags = mod.group_sentences(gmb_frame(FRAME_ROWS))
    return [[list(s) for s in sentences], [list(t) for t in tags]]


@check("group_sentences", points=1, judge=arguments_unchanged("group_sentences", "forward-fill into a new Series"))
def group_leaves_table_alone(mod):
    """the DataFrame passed in is left unchanged"""
    frame = gmb_frame(FRAME_ROWS)
    return changed_arguments({"DataFrame": frame}, lambda: mod.group_sentences(frame))


@check("build_vocab", points=1, judge=equals(
    {"The": 0, "cat": 1, "sat": 2, "the": 3, "UNK": 4, "<PAD>": 5}, "vocab"))
def vocab_sorted_with_specials(mod):
    """words sorted (case kept) get ids 0…, then UNK, then <PAD> last"""
    return dict(mod.build_vocab([["the", "cat"], ["The", "cat", "sat"]]))


@check("build_vocab", points=1, judge=equals({"cat": 0, "the": 1, "UNK": 2, "<PAD>": 3}, "vocab"))
def vocab_min_count(mod):
    """min_count=2 keeps only words seen at least twice"""
    return dict(mod.build_vocab([["the", "cat"], ["The", "cat", "sat", "the"]], min_count=2))


@check("build_vocab", points=1, judge=equals({"the": 0, "UNK": 1, "<PAD>": 2}, "vocab"))
def vocab_counts_occurrences(mod):
    """min_count counts occurrences: a word said twice in one sentence is seen twice (min_count=2)"""
    return dict(mod.build_vocab([["the", "the", "cat"]], min_count=2))


@check("build_tag_map", points=1, judge=equals({"O": 0, "B-geo": 1, "B-per": 2, "I-per": 3}, "tag map"))
def tag_map_o_first(mod):
    """'O' is 0, the other tags follow sorted"""
    return dict(mod.build_tag_map([["B-per", "I-per", "O"], ["O", "B-geo"]]))


VOCAB = {"Peter": 0, "Paris": 1, "visited": 2, "UNK": 3, "<PAD>": 4}
TAGS = {"O": 0, "B-geo": 1, "B-per": 2, "I-per": 3}


@check("sentences_to_ids", points=1, judge=equals([[0, 2, 1], [3, 2, 3]], "ids"))
def ids_with_unknown_words(mod):
    """known words to their ids, unknown words to vocab['UNK']"""
    ids = mod.sentences_to_ids([["Peter", "visited", "Paris"], ["Anna", "visited", "Rome"]], VOCAB)
    return [list(map(int, s)) for s in nested_lists(ids, "a list of sentences, each a list of ids")]


@check("sentences_to_ids", points=1, judge=arguments_unchanged("sentences_to_ids", "build new lists of ids"))
def ids_leave_sentences_alone(mod):
    """the sentences passed in are left unchanged (new lists of ids are returned)"""
    sentences = [["Peter", "visited", "Paris"], ["Anna", "visited", "Rome"]]
    return changed_arguments({"sentences": sentences}, lambda: mod.sentences_to_ids(sentences, VOCAB))


@check("tags_to_ids", points=1, judge=equals([[2, 0, 1], [2, 3, 0]], "tag ids"))
def tag_ids(mod):
    """tags to their ids in the tag map"""
    ids = mod.tags_to_ids([["B-per", "O", "B-geo"], ["B-per", "I-per", "O"]], TAGS)
    return [list(map(int, t)) for t in nested_lists(ids, "a list of sentences, each a list of tag ids")]


# --- Part B: batches -------------------------------------------------------------------------

X = [[1, 2, 3], [4, 5], [6], [7, 8, 9, 10], [11]]
Y = [[0, 1, 0], [1, 1], [0], [1, 0, 0, 1], [1]]
P = 99  # pad id of the fixtures


def copies(x=X, y=Y):
    """Fresh copies of the sentence and tag lists: a generator that edits its arguments in place
    must not change the fixtures other checks read."""
    return [list(s) for s in x], [list(t) for t in y]


def batches(mod, n, batch_size=2, x=X, y=Y, pad=P):
    gen = mod.data_generator(batch_size, *copies(x, y), pad, shuffle=False)
    return [as_arrays(next(gen), 2, "X, Y") for _ in range(n)]


@check("data_generator", points=1, judge=equals(
    [np.array([[1, 2, 3], [4, 5, P]]), np.array([[0, 1, 0], [1, 1, P]])], "first batch (X, Y)"))
def generator_first_batch(mod):
    """first batch (batch_size 2, no shuffle): sentences 0 and 1, padded with pad in X and Y"""
    return batches(mod, 1)[0]


@check("data_generator", points=1, judge=equals([[2, 3], [2, 4], [2, 3]], "shapes of batches 1-3"))
def generator_pads_to_batch_max(mod):
    """each batch is as wide as its own longest sentence (not the longest of all sentences)"""
    return [list(X_.shape) for X_, _ in batches(mod, 3)]


@check("data_generator", points=1, judge=equals(
    [np.array([[11, P, P], [1, 2, 3]]), np.array([[1, P, P], [0, 1, 0]])], "third batch (X, Y)"))
def generator_wraps_around(mod):
    """after the last sentence the generator continues from the first (third batch)"""
    return batches(mod, 3)[2]


@check("data_generator", points=1, judge=reshuffled_each_epoch([str(s) for s in X]))
def generator_reshuffles_each_epoch(mod):
    """with shuffle=True each epoch is a new permutation of the sentences, reproducible under a seed"""
    return seeded_epochs(lambda: mod.data_generator(1, *copies(), P, shuffle=True),
                         lambda batch: str([int(i) for i in batch[0][0] if i != P]), len(X))


@check("data_generator", points=1, judge=arguments_unchanged("data_generator", "shuffle a list of indices"))
def generator_leaves_data_alone(mod):
    """with shuffle=True the lists x and y passed in keep their order"""
    x, y = copies()
    gen = mod.data_generator(2, x, y, P, shuffle=True)
    return changed_arguments({"x": x, "y": y}, lambda: [next(gen) for _ in range(6)])


def float32_loss_weights(got, expected):
    """Judge: the batches equal the expected ones and the weights are float32."""
    if got["dtype"] != "float32":
        raise Fail(f"weights dtype: expected float32 (what Trax's loss layers use), got {got['dtype']}")
    return compare(got["batch"], expected["batch"], name="(X, Y, W)")


@check("masked_batches", points=2, judge=float32_loss_weights)
def masked_first_batch(mod):
    """(X, Y) → (X, Y, W) with W float32, 0.0 where Y is the pad id and 1.0 elsewhere"""
    source = iter([(np.array([[1, 2, 3], [4, 5, P]]), np.array([[0, 1, 0], [1, 1, P]]))])
    batch = as_arrays(next(iter(mod.masked_batches(source, P))), 3, "X, Y, W")
    return {"batch": batch, "dtype": str(batch[2].dtype)}


# --- Part C: model and training --------------------------------------------------------------

TAG_MAP5 = {"O": 0, "B-geo": 1, "B-per": 2, "I-per": 3, "B-org": 4}
TOKENS = np.array([[3, 5, 7, 2, 11, 11], [4, 4, 9, 11, 11, 11]], np.int32)  # 11 = pad


def small_tagger(mod, build="NER", vocab_size=12, d_model=6, tags=TAG_MAP5, seed=0):
    """A tagger from the student's constructor, initialised with a fixed key."""
    return initialised(getattr(mod, build)(tags, vocab_size, d_model), TOKENS, seed)


def forward(model, tokens=TOKENS):
    return outputs(model, tokens)


@check("NER", points=1, subject="layers")
def ner_layers(mod):
    """NER(5 tags, vocab 12, d_model 6) layers: Embedding, LSTM, Dense(len(tags)), LogSoftmax"""
    return layer_names(mod.NER(TAG_MAP5, 12, 6))


def tag_log_probabilities(shape, what):
    """Judge: ``what`` outputs (batch, length, n_tags) log-probabilities of this ``shape``."""
    return log_probabilities(shape, what, "the tags", axes="(batch, length, number of tags)")


@check("NER", points=1, judge=tag_log_probabilities((2, 6, 5), "NER"))
def ner_outputs_log_probabilities(mod):
    """output (batch, length, n_tags) log-probabilities: exp sums to 1 over the tags (LogSoftmax last)"""
    return shape_and_total(forward(small_tagger(mod)))


@check("NER", points=1, subject="log-probabilities", **MODEL_TOL)
def ner_output(mod):
    """output for a fixed (2, 6) batch and fixed initial weights"""
    return forward(small_tagger(mod))


def counted_batches(reads, name):
    """The checks' own (X, Y, W) batches for train_model (not the student's generators), the
    same batch forever; ``reads[name]`` counts the batches taken."""
    X_ = np.array([[1, 2, 3], [4, 5, 0]], np.int32)
    Y_ = np.array([[0, 1, 0], [1, 1, 0]], np.int32)
    W_ = np.array([[1, 1, 1], [1, 1, 0]], np.float32)
    while True:
        reads[name] += 1
        yield X_, Y_, W_


def tiny_tagger():
    """A trainable stand-in tagger built by the checks (not the student's NER)."""
    tl = trax_api().tl
    model = tl.Serial(tl.Embedding(100, 4), tl.Dense(len(TAG_MAP5)), tl.LogSoftmax())
    return model


#: The config of the small training run that train_setup and train_uses_config share: each
#: hyper-parameter a check looks at differs from its default.
TRAIN_CONFIG = {"learning_rate": 0.003, "n_eval_batches": 2, "steps_per_checkpoint": 2}


@shared
def run_small_training(mod, train_steps=2, other_loss=False, **config):
    """Plain facts (:func:`loop_summary`) of ``train_steps`` steps of the student's train_model
    on the checks' own tagger and batches with ``NERConfig(**config)`` (and Trax's
    WeightedCategoryCrossEntropy as ``loss_layer`` when ``other_loss``), and whether eval batches
    were read; run once per submission and arguments (compilation dominates)."""
    reads = {"train": 0, "eval": 0}
    kwargs = {"loss_layer": trax_api().tl.WeightedCategoryCrossEntropy()} if other_loss else {}
    with tempfile.TemporaryDirectory() as out:
        loop = mod.train_model(tiny_tagger(), counted_batches(reads, "train"), counted_batches(reads, "eval"),
                               train_steps=train_steps, output_dir=out,
                               config=mod.NERConfig(**config), **kwargs)
    return {**loop_summary(loop), "eval_batches_read": reads["eval"] > 0}


@check("train_model", points=1, subject="training setup", timeout=300)
def train_setup(mod):
    """2 steps on a tiny model: returns the Loop; CrossEntropyLoss, Adam, eval metrics CrossEntropyLoss + Accuracy on eval_generator's batches"""
    info = run_small_training(mod, **TRAIN_CONFIG)
    return {k: info[k] for k in ("step", "loss", "optimizer", "metrics", "eval_history",
                                 "eval_batches_read")}


@check("train_model", points=1, subject="hyper-parameters", timeout=300)
def train_uses_config(mod):
    """learning rate, eval batches and checkpoint interval come from the config argument"""
    info = run_small_training(mod, **TRAIN_CONFIG)
    return {k: info[k] for k in ("learning_rate", "n_eval_batches", "steps_per_checkpoint")}


@check("train_model", points=1, subject="training setup", timeout=300)
def train_with_other_loss(mod):
    """a loss layer passed as loss_layer is the one trained (the CRF extension needs this)"""
    info = run_small_training(mod, other_loss=True, n_eval_batches=1, steps_per_checkpoint=2)
    return {k: info[k] for k in ("step", "loss", "optimizer")}


# --- Part D: evaluation and prediction ------------------------------------------------------

def scores_for(ids, n_tags=4):
    """Log-probability-like scores (batch, length, n_tags) whose argmax is ``ids``."""
    ids = np.asarray(ids)
    scores = np.full(ids.shape + (n_tags,), -3.0)
    np.put_along_axis(scores, np.clip(ids, 0, n_tags - 1)[..., None], -0.1, axis=-1)
    return scores


LABELS = np.array([[2, 3, 0, 1], [0, 1, P, P]])  # tags of TAGS; P = pad
PRED = np.array([[2, 0, 0, 1], [0, 1, 2, 2]])  # wrong at one real position, junk on the pads


@check("evaluate_prediction", points=2, judge=equals(5 / 6, "accuracy"))
def accuracy_ignores_pads(mod):
    """accuracy of (2, 4, 4) scores vs labels: 5 of the 6 real positions right, pads not counted"""
    return mod.evaluate_prediction(scores_for(PRED), LABELS, P)


@check("entity_f1", points=2, judge=equals({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3},
                                           "entity scores"))
def entity_f1_partial_span(mod):
    """a person predicted with half its span is wrong; two places right; pads ignored: P = R = F1 = 2/3"""
    return dict(mod.entity_f1(scores_for(PRED), LABELS, P, TAGS))


@check("entity_f1", points=1, judge=equals({"precision": 1.0, "recall": 1.0, "f1": 1.0}, "entity scores"))
def entity_f1_perfect(mod):
    """labels as predictions (pads hold the pad id) give 1.0 everywhere"""
    return dict(mod.entity_f1(scores_for(LABELS), LABELS, P, TAGS))


@check("entity_f1", points=1, judge=equals({"precision": 1.0, "recall": 0.5, "f1": 2 / 3},
                                           "entity scores"))
def entity_f1_missed_entity(mod):
    """a missed entity lowers recall, not precision: P = 1, R = 1/2, F1 = 2/3"""
    labels = np.array([[2, 0, 1]])
    return dict(mod.entity_f1(scores_for(np.array([[2, 0, 0]])), labels, P, TAGS))


@check("entity_f1", points=1, judge=equals({"precision": 1.0, "recall": 1.0, "f1": 1.0}, "entity scores"))
def entity_f1_per_sentence(mod):
    """entities end at the end of their sentence: a person at the end of one sentence and one at the start of the next are two"""
    labels = np.array([[0, 2], [2, 0]])  # O B-per | B-per O
    pred = np.array([[0, 2], [3, 0]])  # O B-per | I-per O: the I-per starts a new entity
    return dict(mod.entity_f1(scores_for(pred), labels, P, TAGS))


def word_to_tag_model(vocab, tag_of_word, tag_map):
    """A stand-in tagger, built in Trax independently of NER: each word id's output is a
    fixed tag."""
    table = np.full((len(vocab), len(tag_map)), -10.0, np.float32)
    for word, i in vocab.items():
        table[i, tag_map[tag_of_word[word]]] = 10.0
    return lookup_model(table)


PREDICT_TAGS = {"Peter": "B-per", "Paris": "B-geo", "visited": "O", "UNK": "I-per", "<PAD>": "O"}


@check("predict", points=2, replay=PREDICT_CALLS, judge=equals(["B-per", "O", "I-per", "B-geo"], "tags"))
def predict_with_unknown_word(mod):
    """'Peter visited Rome Paris' with a model that tags each word id with a fixed tag (Rome is UNK)"""
    model = word_to_tag_model(VOCAB, PREDICT_TAGS, TAGS)
    return list(mod.predict("Peter visited Rome Paris", model, VOCAB, TAGS))


@check("predict", points=1, replay=PREDICT_CALLS, judge=equals(["B-per", "O", "B-geo"], "tags"))
def predict_splits_on_whitespace(mod):
    """a string with extra spaces and a tab is split on whitespace"""
    model = word_to_tag_model(VOCAB, PREDICT_TAGS, TAGS)
    return list(mod.predict("  Peter  visited\tParis ", model, VOCAB, TAGS))


@check("predict", points=1, replay=PREDICT_CALLS, judge=equals(["B-per", "O", "B-geo"], "tags"))
def predict_list_of_words(mod):
    """a sentence given as a list of words is tagged as it is (no splitting)"""
    model = word_to_tag_model(VOCAB, PREDICT_TAGS, TAGS)
    return list(mod.predict(["Peter", "visited", "Paris"], model, VOCAB, TAGS))


# --- Part E: the LSTM cell -----------------------------------------------------------------

def lstm_inputs(n_h, n_x, seed):
    rng = np.random.default_rng(seed)
    x, h, c = rng.standard_normal((n_x, 1)), rng.standard_normal((n_h, 1)), rng.standard_normal((n_h, 1))
    weights = [rng.standard_normal((n_h, n_h + n_x)) for _ in range(4)]
    weights += [rng.standard_normal((n_h, 1)) for _ in range(4)]
    return x, h, c, weights


def as_state_pair(result):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Fail(f"expected a pair (h_next, c_next), got {type(result).__name__}")
    return [np.asarray(r) for r in result]


@check("lstm_cell_forward", points=2, subject="(h_next, c_next)")
def lstm_step(mod):
    """one step with n_h = 4, n_x = 3 (textbook gates, weights acting on [h; x])"""
    x, h, c, w = lstm_inputs(4, 3, seed=1)
    return as_state_pair(mod.lstm_cell_forward(x, h, c, w))


@check("lstm_cell_forward", points=1, judge=arguments_unchanged("lstm_cell_forward", "compute new arrays"))
def lstm_leaves_state_alone(mod):
    """the input, hidden state and cell state passed in are left unchanged"""
    x, h, c, w = lstm_inputs(4, 3, seed=1)
    return changed_arguments({"x": x, "h": h, "c": c}, lambda: mod.lstm_cell_forward(x, h, c, w))


def trax_lstm_cell(n_h, n_x, seed):
    """A tl.LSTMCell with weights from a fixed key, an input and a state; the cell's output."""
    x = np.linspace(-1, 1, n_x, dtype=np.float32)[None]
    state = np.linspace(0.8, -0.6, 2 * n_h, dtype=np.float32)[None]  # [c, h]
    cell = initialised(trax_api().tl.LSTMCell(n_h), (x, state), seed)
    h_new, state_new = cell((x, state))
    return cell, x, state, [np.asarray(h_new).T, np.asarray(state_new)[:, :n_h].T]


def _matches_trax(got, expected):
    return compare(got["ours"], got["trax"], rtol=1e-5, atol=1e-5, name="(h_next, c_next) vs tl.LSTMCell")


@check("lstm_cell_forward", points=1, judge=_matches_trax)
def lstm_matches_trax_cell(mod):
    """equals Trax's tl.LSTMCell once its weights are mapped (lstm_weights_from_trax), to 1e-5"""
    n_h, n_x = 5, 3
    cell, x, state, trax_out = trax_lstm_cell(n_h, n_x, seed=3)
    w = mod.lstm_weights_from_trax(cell.weights, n_x)
    c, h = state[:, :n_h].T.astype(np.float64), state[:, n_h:].T.astype(np.float64)
    ours = as_state_pair(mod.lstm_cell_forward(x.T.astype(np.float64), h, c, w))
    return {"ours": ours, "trax": trax_out}


# --- Part F: BiLSTM and CRF ------------------------------------------------------------------

@check("BiLSTM_NER", points=1, subject="layers")
def bilstm_layers(mod):
    """BiLSTM_NER layers: Embedding, Branch (forward LSTM; reversed LSTM), Concatenate, Dense, LogSoftmax"""
    return layer_names(mod.BiLSTM_NER(TAG_MAP5, 12, 6))


@check("BiLSTM_NER", points=1, judge=tag_log_probabilities((2, 6, 5), "BiLSTM_NER"))
def bilstm_outputs_log_probabilities(mod):
    """output (batch, length, n_tags) log-probabilities (exp sums to 1 over the tags)"""
    return shape_and_total(forward(small_tagger(mod, "BiLSTM_NER")))


def _sees_both_sides(got, expected):
    if got["first_after_last_changed"] < 1e-6:
        raise Fail("changing the last word left the first position's output unchanged: the "
                   "backward direction is missing (reverse, LSTM, reverse back)")
    if got["last_after_first_changed"] < 1e-6:
        raise Fail("changing the first word left the last position's output unchanged: the "
                   "forward LSTM is missing")


@check("BiLSTM_NER", points=1, judge=_sees_both_sides)
def bilstm_sees_both_sides(mod):
    """each position's output depends on the words before it and after it"""
    model = small_tagger(mod, "BiLSTM_NER")
    base = forward(model)
    last, first = TOKENS.copy(), TOKENS.copy()
    last[:, -1], first[:, 0] = 1, 1
    return {"first_after_last_changed": float(np.abs(forward(model, last) - base)[:, 0].max()),
            "last_after_first_changed": float(np.abs(forward(model, first) - base)[:, -1].max())}


@check("BiLSTM_NER", points=1, subject="log-probabilities", **MODEL_TOL)
def bilstm_output(mod):
    """output for a fixed (2, 6) batch and fixed initial weights"""
    return forward(small_tagger(mod, "BiLSTM_NER"))


def crf_case(batch, length, n_tags, lengths, seed):
    """Random emissions and transitions, a 0/1 mask with the given sentence lengths, random
    tags with the pad id 99 on the padded positions."""
    rng = np.random.default_rng(seed)
    emissions = rng.standard_normal((batch, length, n_tags)).astype(np.float32)
    transitions = rng.standard_normal((n_tags, n_tags)).astype(np.float32)
    mask = (np.arange(length)[None] < np.array(lengths)[:, None]).astype(np.float32)
    tags = np.where(mask > 0, rng.integers(0, n_tags, (batch, length)), 99)
    return emissions, tags, mask, transitions


def path_score(emission, path, transitions):
    """Brute-force score of one tag path (NumPy, written independently of the solution)."""
    return (sum(float(emission[t, k]) for t, k in enumerate(path))
            + sum(float(transitions[a, b]) for a, b in zip(path, path[1:])))


def brute_force_scores(emissions, tags, mask, transitions):
    return [path_score(e, list(t[:int(m.sum())]), transitions) for e, t, m in zip(emissions, tags, mask)]


def brute_force_log_partition(emissions, mask, transitions):
    out = []
    for e, m in zip(emissions, mask):
        paths = itertools.product(range(transitions.shape[0]), repeat=int(m.sum()))
        out.append(float(np.logaddexp.reduce([path_score(e, p, transitions) for p in paths])))
    return out


def brute_force_viterbi(emissions, mask, transitions):
    out = []
    for e, m in zip(emissions, mask):
        paths = list(itertools.product(range(transitions.shape[0]), repeat=int(m.sum())))
        out.append(list(max(paths, key=lambda p: path_score(e, p, transitions))))
    return out


def against_brute_force(oracle, what, **tol):
    """Judge: the student's result equals ``oracle`` applied to the check's own inputs."""
    def judge(got, expected):
        return compare(got["result"], oracle(*got["inputs"]), name=what, **tol)
    return judge


@check("crf_sequence_score", points=2, judge=against_brute_force(
    brute_force_scores, "path scores (brute force)", rtol=1e-5, atol=1e-5))
def crf_score_small(mod):
    """scores of 2 tag paths (lengths 4 and 2, pad id 99 on pads): emissions + transitions, real positions only"""
    emissions, tags, mask, transitions = crf_case(2, 4, 3, [4, 2], seed=1)
    result = np.asarray(mod.crf_sequence_score(emissions, tags, mask, transitions))
    return {"result": result, "inputs": [emissions, tags, mask, transitions]}


@check("crf_log_partition", points=2, judge=against_brute_force(
    brute_force_log_partition, "log Z (brute force over all tag paths)", rtol=1e-5, atol=1e-5))
def crf_log_partition_small(mod):
    """log Z of 2 sentences (lengths 4 and 2, 3 tags) equals the log-sum-exp over every tag path"""
    emissions, _, mask, transitions = crf_case(2, 4, 3, [4, 2], seed=2)
    result = np.asarray(mod.crf_log_partition(emissions, mask, transitions))
    return {"result": result, "inputs": [emissions, mask, transitions]}


@check("crf_log_partition", points=1, judge=pads_ignored("log Z", rtol=1e-6, atol=1e-6))
def crf_log_partition_ignores_pads(mod):
    """emissions at padded positions do not change log Z"""
    emissions, _, mask, transitions = crf_case(2, 5, 3, [5, 2], seed=3)
    changed = np.where(mask[..., None] > 0, emissions, 7.0).astype(np.float32)
    return {"original": np.asarray(mod.crf_log_partition(emissions, mask, transitions)),
            "changed": np.asarray(mod.crf_log_partition(changed, mask, transitions))}


@check("crf_log_partition", points=1, judge=against_brute_force(
    brute_force_log_partition, "log Z with large scores (brute force)", rtol=1e-5, atol=1e-3))
def crf_log_partition_large_scores(mod):
    """log Z stays finite and exact when scores are large (emissions and transitions × 60: exp() of them overflows float32)"""
    emissions, _, mask, transitions = crf_case(2, 4, 3, [4, 3], seed=7)
    emissions, transitions = emissions * 60.0, transitions * 60.0
    result = np.asarray(mod.crf_log_partition(emissions, mask, transitions))
    return {"result": result, "inputs": [emissions, mask, transitions]}


@check("crf_sequence_score", points=1, judge=against_brute_force(
    brute_force_scores, "path scores under jax.jit", rtol=1e-5, atol=1e-5))
def crf_score_under_jit(mod):
    """works under jax.jit, as training with CRFLoss needs (jnp on the inputs, not np)"""
    emissions, tags, mask, transitions = crf_case(2, 4, 3, [4, 2], seed=5)
    result = np.asarray(trax_api().jax.jit(mod.crf_sequence_score)(emissions, tags, mask, transitions))
    return {"result": result, "inputs": [emissions, tags, mask, transitions]}


@check("crf_log_partition", points=1, judge=against_brute_force(
    brute_force_log_partition, "log Z under jax.jit", rtol=1e-5, atol=1e-5))
def crf_log_partition_under_jit(mod):
    """works under jax.jit, as training with CRFLoss needs (jnp / jax.nn on the inputs, not np)"""
    emissions, _, mask, transitions = crf_case(2, 4, 3, [4, 2], seed=6)
    result = np.asarray(trax_api().jax.jit(mod.crf_log_partition)(emissions, mask, transitions))
    return {"result": result, "inputs": [emissions, mask, transitions]}


def best_paths(got, expected):
    """Judge: the paths have the sentence lengths and equal the brute-force best paths."""
    lengths = [len(p) for p in got["result"]]
    wanted = [int(m.sum()) for m in got["inputs"][1]]
    if lengths != wanted:
        raise Fail(f"path lengths: expected the sentence lengths {wanted}, got {lengths}")
    return compare(got["result"], brute_force_viterbi(*got["inputs"]), name="best paths (brute force)")


@check("viterbi_decode", points=2, judge=best_paths)
def viterbi_small(mod):
    """best paths of 3 sentences (lengths 4, 1, 3; 3 tags) equal the brute-force argmax over all paths"""
    emissions, _, mask, transitions = crf_case(3, 4, 3, [4, 1, 3], seed=4)
    paths = mod.viterbi_decode(emissions, mask, transitions)
    return {"result": [[int(t) for t in p] for p in paths], "inputs": [emissions, mask, transitions]}


@check("viterbi_decode", points=1, judge=equals([[0, 1, 0]], "best path"))
def viterbi_uses_transitions(mod):
    """transitions can overrule the per-position argmax (tag 0 → 1 → 0 where each position prefers 0)"""
    emissions = np.array([[[1.0, 0.0], [1.0, 0.9], [1.0, 0.0]]], np.float32)
    transitions = np.array([[-1.0, 0.0], [0.0, -1.0]], np.float32)
    return [[int(t) for t in p] for p in mod.viterbi_decode(emissions, np.ones((1, 3)), transitions)]
