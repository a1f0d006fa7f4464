"""Hidden checks for assignment 3. Descriptions are shown on failure: they reveal no inputs."""
import random

import numpy as np

from grader.api import Fail
from grader.checks.bert import ASSIGNMENT, MODEL_TOL
from grader.checks.bert.instances import (INSTANCES_CALL, PAIR_STATISTICS_CALL,
                                          RANDOM_NEXT_BAND_LONG, TRAINING_INSTANCES_CALL,
                                          WhitespaceTokenizer, as_plain, corpus, pair_statistics,
                                          plain_features, small_instance, sound_pairs, toy_features)
from grader.checks.bert.masking import (VOCAB_WORDS, WORD_TOKENS, masking_statistics,
                                        predictions_laid_out, truncated, whole_word_statistics,
                                        whole_words_laid_out)
from grader.checks.bert.model import X, pretrainer, run
from grader.checks.bert.training import trained_loop
from grader.checks.common import log_probabilities, log_softmax, shape_and_total

check = ASSIGNMENT.check


@check("get_tokens_and_segments", points=1, hidden=True, subject="(tokens, segment_ids)")
def longer_pair(mod):
    """longer segments"""
    return [list(x) for x in mod.get_tokens_and_segments(list("abcd"), list("efg"))]


@check("truncate_seq_pair", points=1, hidden=True, subject="(A, B)")
def truncation_with_seed(mod):
    """another pair and budget, with a seeded rng"""
    return truncated(mod, range(12), range(100, 107), 10, seed=11)


TOKENS_SHORT = ["[CLS]", "a", "b", "[SEP]", "c", "[SEP]"]
TOKENS_LONG = ["[CLS]"] + [f"w{i}" for i in range(100)] + ["[SEP]"] + [f"u{i}" for i in range(60)] + ["[SEP]"]


@check("create_masked_lm_predictions", points=1, hidden=True, judge=predictions_laid_out(1))
def masking_short_sequence(mod):
    """a very short sequence still gets at least one prediction"""
    return masking_statistics(mod, TOKENS_SHORT, 0.15, 20, draws=500)


@check("create_masked_lm_predictions", points=1, hidden=True, judge=predictions_laid_out(20))
def masking_capped(mod):
    """a long sequence: the number of predictions is capped by max_predictions_per_seq"""
    return masking_statistics(mod, TOKENS_LONG, 0.15, 20, draws=500)


TOKENS_PIECES = (["[CLS]", "##x", "one", "##y", "##z", "##w", "two"] + ["[SEP]", "##v", "three", "##u"]
                 + [f"t{i}" for i in range(12)] + ["[SEP]"])


@check("create_masked_lm_predictions", points=1, hidden=True, subject="(output_tokens, positions, labels)")
def masking_whole_words_other(mod):
    """whole-word masking on another sequence and seed"""
    out = mod.create_masked_lm_predictions(list(TOKENS_PIECES), 0.2, 3, VOCAB_WORDS, random.Random(41),
                                           do_whole_word_mask=True)
    return [list(x) for x in out]


@check("create_masked_lm_predictions", points=1, hidden=True, judge=whole_words_laid_out)
def masking_whole_words_small_budget(mod):
    """whole-word masking with a budget smaller than some words"""
    return whole_word_statistics(mod, WORD_TOKENS, 0.15, 2)


@check("create_instances_from_document", points=1, replay=INSTANCES_CALL, hidden=True, subject="instances")
def instances_other_document(mod):
    """another document of another corpus, with short sequences likely"""
    return as_plain(mod.create_instances_from_document(corpus(4, 9, 3), 2, 16, 0.5, 0.2, 4,
                                                       VOCAB_WORDS, random.Random(31)))


@check("create_instances_from_document", points=1, depends_on=PAIR_STATISTICS_CALL, hidden=True,
       judge=sound_pairs(RANDOM_NEXT_BAND_LONG))
def instance_pairs_long(mod):
    """pair statistics with a longer maximum length"""
    return pair_statistics(mod, draws=200, max_seq_length=50)


@check("create_training_instances", points=1, replay=TRAINING_INSTANCES_CALL, hidden=True, subject="instances")
def training_instances_other(mod):
    """another text and settings"""
    text = "one two three .\nfour five .\n\nsix seven .\neight nine ten .\neleven .\n"
    tokenizer = WhitespaceTokenizer(sorted(set(text.split())))
    return as_plain(mod.create_training_instances(text, tokenizer, 12, 3, 0.2, 0.2, 2, random.Random(32)))


@check("create_training_instances", points=1, replay=TRAINING_INSTANCES_CALL, hidden=True, subject="instances")
def training_instances_whole_word_other(mod):
    """whole-word masking with another text and settings"""
    text = "alpha ##beta ##gamma delta .\nepsilon ##zeta eta .\n\ntheta ##iota kappa .\nlambda ##mu ##nu .\n"
    tokenizer = WhitespaceTokenizer(sorted(set(text.split())))
    return as_plain(mod.create_training_instances(text, tokenizer, 14, 3, 0.2, 0.25, 3, random.Random(42),
                                                  do_whole_word_mask=True))


@check("instance_to_features", points=1, hidden=True, subject="features")
def features_other_sizes(mod):
    """other padded sizes"""
    return plain_features(mod.instance_to_features(small_instance(mod, False), WhitespaceTokenizer(["the", "cat", "sat"]), 10, 4))


def _shuffled_passes(got, expected):
    passes = got["passes"]
    if any(sorted(p) != list(range(6)) for p in passes):
        raise Fail("with shuffle=True each pass must use every feature once")
    if len({tuple(p) for p in passes}) < 2:
        raise Fail("the order must be reshuffled on every pass")


@check("feature_batches", points=1, hidden=True, judge=_shuffled_passes)
def batches_shuffled(mod):
    """with shuffling: each pass is a new permutation of the features"""
    gen = mod.feature_batches(toy_features(6), 3, shuffle=True, rng=random.Random(33))
    rows = [np.asarray(next(gen)[0])[:, 0].tolist() for _ in range(8)]
    return {"passes": [rows[i] + rows[i + 1] for i in range(0, 8, 2)]}


@check("BertEmbeddings", points=1, hidden=True, subject="embeddings", **MODEL_TOL)
def embeddings_other(mod):
    """eval-mode embeddings at initialisation, another batch"""
    ids = np.array([[2, 8, 3, 9, 3]], np.int32)
    seg = np.array([[0, 0, 0, 1, 1]], np.int32)
    return run(mod.BertEmbeddings(12, 6, 8, dropout=0.2, mode="eval"), (ids, seg), seed=34)[0]


@check("EncoderBlock", points=1, hidden=True, subject="(x, mask)", **MODEL_TOL)
def encoder_other(mod):
    """another size and number of heads, full mask"""
    x = np.random.default_rng(35).standard_normal((1, 4, 12)).astype(np.float32)
    mask = np.ones((1, 1, 1, 4), bool)
    out = run(mod.EncoderBlock(12, 20, 3, dropout=0.0, mode="eval"), (x, mask), seed=35)
    return [out[0], out[1].astype(np.int32)]


@check("Pooler", points=1, hidden=True, subject="pooled", **MODEL_TOL)
def pooler_other(mod):
    """another batch"""
    return run(mod.Pooler(8), X[::-1].copy(), seed=36)


@check("NSPHead", points=1, hidden=True, judge=log_probabilities((3, 2), "NSPHead", "the 2 classes"))
def nsp_head_other(mod):
    """another batch size"""
    return shape_and_total(run(mod.NSPHead(), np.ones((3, 5), np.float32), seed=37))


@check("MLMHead", points=1, hidden=True, subject="MLM log-probabilities", **MODEL_TOL)
def mlm_head_other(mod):
    """other sizes and positions"""
    rng = np.random.default_rng(38)
    x = rng.standard_normal((1, 5, 6)).astype(np.float32)
    table = rng.standard_normal((9, 6)).astype(np.float32)
    return run(mod.MLMHead(9, 6), (x, table, np.array([[4, 0, 2]], np.int32)), seed=38)


@check("BERTPretrainer", points=1, hidden=True, subject="(mlm, nsp)", **MODEL_TOL)
def pretrainer_one_layer(mod):
    """another depth and batch"""
    ids = np.array([[2, 9, 3, 10, 3, 0, 0, 0]], np.int32)
    batch = (ids, np.array([[0, 0, 0, 1, 1, 0, 0, 0]], np.int32), (ids > 0).astype(np.int32),
             np.array([[1, 3]], np.int32))
    return run(pretrainer(mod, n_layers=1, n_heads=1, d_ff=8, max_len=8), batch, seed=39)


@check("pretraining_loss", points=1, hidden=True, subject="(mlm, nsp, total)", rtol=1e-5, atol=1e-6)
def loss_other(mod):
    """another batch"""
    rng = np.random.default_rng(40)
    mlm = log_softmax(rng.standard_normal((3, 2, 4)))
    nsp = np.log(np.array([[0.9, 0.1], [0.4, 0.6], [0.5, 0.5]]))
    ids, weights, labels = np.array([[3, 1], [0, 0], [2, 0]]), np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]), np.array([0, 1, 1])
    return [float(mod.mlm_loss(mlm, ids, weights)), float(mod.nsp_loss(nsp, labels)),
            float(mod.pretraining_loss(mlm, nsp, ids, weights, labels))]


@check("accuracy_metrics", points=1, hidden=True, subject="(mlm_accuracy, nsp_accuracy)", rtol=1e-4)
def accuracies_other(mod):
    """another batch"""
    rng = np.random.default_rng(41)
    mlm, nsp = np.log(rng.dirichlet(np.ones(4), (3, 2))), np.log(rng.dirichlet(np.ones(2), 3))
    ids, weights = np.array([[3, 1], [0, 0], [2, 0]]), np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    return [float(mod.mlm_accuracy(mlm, ids, weights)), float(mod.nsp_accuracy(nsp, np.array([0, 1, 1])))]


@check("train_model", points=1, hidden=True, subject="steps", timeout=300)
def train_other_steps(mod):
    """another number of steps"""
    loop = trained_loop(mod, {"train": 0, "eval": 0}, 3, n_eval_batches=1, steps_per_checkpoint=3)
    return int(loop.step)
