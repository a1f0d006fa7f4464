"""Hidden checks for assignment 2. Descriptions are shown on failure: they reveal no inputs."""
import itertools

import numpy as np

from grader.api import Fail
from grader.checks.a2_ner import (ASSIGNMENT, MODEL_TOL, PREDICT_CALLS, against_brute_force,
                                  as_state_pair, batches, best_paths, brute_force_log_partition,
                                  brute_force_scores, crf_case, float32_loss_weights, forward,
                                  gmb_frame, lstm_inputs, run_small_training, scores_for,
                                  small_tagger, tag_log_probabilities, word_to_tag_model)
from grader.checks.common import as_arrays, equals, layer_names, shape_and_total

check = ASSIGNMENT.check


@check("group_sentences", points=1, hidden=True, subject="(sentences, tags)")
def group_other_frame(mod):
    """another table, with one-word sentences and repeated words"""
    rows = [("Sentence: 2", "a", "O"), ("Sentence: 1", "b", "B-geo"), (None, "a", "I-geo"),
            (None, "a", "O"), ("Sentence: 3", "c", "O"), (None, "d", "B-tim")]
    sentences, tags = mod.group_sentences(gmb_frame(rows))
    return [[list(s) for s in sentences], [list(t) for t in tags]]


@check("build_vocab", points=1, hidden=True, subject="vocab")
def vocab_other_sentences(mod):
    """other sentences, with punctuation and digits"""
    return dict(mod.build_vocab([["In", "2009", ",", "UN"], [",", "in", "the", "UN", "."]]))


@check("build_tag_map", points=1, hidden=True, subject="tag map")
def tag_map_many_tags(mod):
    """more tag types, repeated across sentences"""
    return dict(mod.build_tag_map([["B-tim", "O", "I-tim"], ["B-art", "I-art"], ["O", "B-nat", "B-art"]]))


@check("sentences_to_ids", points=1, hidden=True, subject="ids")
def ids_case_sensitive(mod):
    """words differing only in case from vocabulary words"""
    vocab = {"Paris": 0, "the": 1, "UNK": 2, "<PAD>": 3}
    return [list(map(int, s)) for s in mod.sentences_to_ids([["paris", "the", "The"], ["Paris"]], vocab)]


@check("tags_to_ids", points=1, hidden=True, subject="tag ids")
def tag_ids_other(mod):
    """another tag map and sequences"""
    tag_map = {"O": 0, "B-org": 1, "I-org": 2}
    return [list(map(int, t)) for t in mod.tags_to_ids([["I-org", "B-org"], ["O"]], tag_map)]


@check("data_generator", points=1, hidden=True, subject="batches")
def generator_other_batch_size(mod):
    """another batch size and pad id, over more than one epoch"""
    x = [[5, 6], [7], [8, 9, 10], [1]]
    y = [[1, 0], [0], [2, 2, 1], [1]]
    return [b for pair in batches(mod, 4, batch_size=3, x=x, y=y, pad=0) for b in pair]


@check("masked_batches", points=1, hidden=True, judge=float32_loss_weights)
def masked_other_pad(mod):
    """another pad id and several batches"""
    source = iter([(np.array([[3, 0]]), np.array([[1, 0]])), (np.array([[2, 2, 0]]), np.array([[0, 1, 0]]))])
    out = [as_arrays(b, 3, "X, Y, W") for b in mod.masked_batches(source, 0)]
    return {"batch": out, "dtype": str(out[0][2].dtype)}


@check("NER", points=1, hidden=True, subject="layers and output", **MODEL_TOL)
def ner_default_size(mod):
    """default d_model, another tag set"""
    tags = {"O": 0, "B-per": 1, "I-per": 2}
    model = small_tagger(mod, vocab_size=15, d_model=50, tags=tags, seed=4)
    return {"layers": layer_names(mod.NER(tags, 15)), "output": forward(model)}


@check("train_model", points=1, hidden=True, subject="steps run", timeout=300)
def train_other_steps(mod):
    """another number of training steps"""
    info = run_small_training(mod, train_steps=3, n_eval_batches=1, steps_per_checkpoint=3)
    return {k: info[k] for k in ("step", "loss")}


@check("evaluate_prediction", points=1, hidden=True, subject="accuracy")
def accuracy_from_ids(mod):
    """predicted ids (2-D) instead of scores, another pad id"""
    labels = np.array([[1, 1, 0, 0], [2, 0, 0, 0], [1, 2, 2, 0]])
    pred = np.array([[1, 2, 2, 1], [2, 1, 1, 1], [1, 2, 0, 0]])
    return mod.evaluate_prediction(pred, labels, 0)


@check("entity_f1", points=1, hidden=True, subject="entity scores")
def entity_f1_wrong_type(mod):
    """entities with the right span but the wrong type, and a missed entity"""
    tags = {"O": 0, "B-per": 1, "I-per": 2, "B-org": 3, "I-org": 4}
    labels = np.array([[1, 2, 0, 3, 4], [3, 0, 0, 9, 9]])
    pred = np.array([[3, 4, 0, 3, 4], [0, 0, 1, 1, 1]])
    return dict(mod.entity_f1(scores_for(pred, 5), labels, 9, tags))


@check("predict", points=1, replay=PREDICT_CALLS, hidden=True, judge=equals(["B-geo", "B-geo", "O"], "tags"))
def predict_word_list(mod):
    """a list of words (not a string), with unknown words"""
    vocab = {"in": 0, "Oslo": 1, "UNK": 2, "<PAD>": 3}
    tags = {"O": 0, "B-geo": 1}
    model = word_to_tag_model(vocab, {"in": "O", "Oslo": "B-geo", "UNK": "B-geo", "<PAD>": "O"}, tags)
    return list(mod.predict(["Bergen", "Oslo", "in"], model, vocab, tags))


@check("lstm_cell_forward", points=1, hidden=True, subject="(h_next, c_next)")
def lstm_other_sizes(mod):
    """other state and input sizes"""
    x, h, c, w = lstm_inputs(2, 5, seed=21)
    return as_state_pair(mod.lstm_cell_forward(x, h, c, w))


@check("BiLSTM_NER", points=1, hidden=True, judge=tag_log_probabilities((2, 6, 3), "BiLSTM_NER"))
def bilstm_other_sizes(mod):
    """another tag set and model size"""
    return shape_and_total(forward(small_tagger(mod, "BiLSTM_NER", 20, 7, {"O": 0, "B": 1, "I": 2}, 5)))


@check("crf_sequence_score", points=1, hidden=True, judge=against_brute_force(
    brute_force_scores, "path scores", rtol=1e-5, atol=1e-5))
def crf_score_other(mod):
    """other sizes and sentence lengths"""
    emissions, tags, mask, transitions = crf_case(3, 5, 4, [5, 1, 3], seed=31)
    result = np.asarray(mod.crf_sequence_score(emissions, tags, mask, transitions))
    return {"result": result, "inputs": [emissions, tags, mask, transitions]}


@check("crf_log_partition", points=1, hidden=True, judge=against_brute_force(
    brute_force_log_partition, "log Z", rtol=1e-5, atol=1e-5))
def crf_log_partition_other(mod):
    """other sizes and sentence lengths"""
    emissions, _, mask, transitions = crf_case(3, 5, 4, [5, 1, 3], seed=32)
    result = np.asarray(mod.crf_log_partition(emissions, mask, transitions))
    return {"result": result, "inputs": [emissions, mask, transitions]}


def _probabilities_sum_to_one(got, expected):
    total = float(np.exp(got).sum())
    if abs(total - 1.0) > 1e-4:
        raise Fail(f"exp(score - log Z) summed over every path of a sentence is {total:.6f}, not 1")


@check("crf_log_partition", points=1, hidden=True, judge=_probabilities_sum_to_one)
def crf_normalises(mod):
    """score - log Z defines a probability distribution over the tag paths"""
    emissions, _, mask, transitions = crf_case(1, 3, 3, [3], seed=33)
    paths = np.array(list(itertools.product(range(3), repeat=3)))
    log_z = float(np.asarray(mod.crf_log_partition(emissions, mask, transitions))[0])
    scores = brute_force_scores(np.repeat(emissions, len(paths), 0), paths,
                                np.repeat(mask, len(paths), 0), transitions)
    return np.array(scores) - log_z


@check("viterbi_decode", points=1, hidden=True, judge=best_paths)
def viterbi_other(mod):
    """other sizes and sentence lengths"""
    emissions, _, mask, transitions = crf_case(2, 5, 4, [2, 5], seed=34)
    paths = mod.viterbi_decode(emissions, mask, transitions)
    return {"result": [[int(t) for t in p] for p in paths], "inputs": [emissions, mask, transitions]}
