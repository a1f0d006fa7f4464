"""Public checks of Part A, instances and batches: ``create_instances_from_document``,
``create_training_instances``, ``instance_to_features`` and ``feature_batches``."""
import random
import tempfile
from pathlib import Path

import numpy as np

from grader.api import Fail
from grader.checks.bert import check
from grader.checks.bert.masking import VOCAB_WORDS
from grader.checks.common import (drawn_rng, equals, reproducible, under_other_global_seeds,
                                  with_stand_ins)

#: The student functions of other exercises that an exercise's checks call: replayed (the
#: reference's recorded results stand in for them), except in the statistical checks, which
#: make too many calls to record and declare them as dependencies.
INSTANCES_CALL = ["get_tokens_and_segments", "truncate_seq_pair", "create_masked_lm_predictions"]
TRAINING_INSTANCES_CALL = ["create_instances_from_document"]
PAIR_STATISTICS_CALL = ["get_tokens_and_segments", "truncate_seq_pair"]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def corpus(n_docs=3, n_sentences=6, words=4):
    """Documents of sentences whose tokens name their place: 'd1s2w0' = document 1,
    sentence 2, word 0."""
    return [[[f"d{d}s{s}w{w}" for w in range(words)] for s in range(n_sentences)] for d in range(n_docs)]


def as_plain(instances):
    return [{"tokens": list(i.tokens), "segment_ids": list(i.segment_ids),
             "is_random_next": bool(i.is_random_next), "positions": list(i.masked_lm_positions),
             "labels": list(i.masked_lm_labels)} for i in instances]


@check("create_instances_from_document", points=2, replay=INSTANCES_CALL, subject="instances")
def instances_with_seed(mod):
    """instances of document 0 of a 3-document corpus, max_seq_length 20, random.Random(3)"""
    return as_plain(mod.create_instances_from_document(corpus(), 0, 20, 0.1, 0.15, 5, VOCAB_WORDS,
                                                       random.Random(3)))


def unmasked(instance):
    """The instance's tokens with the masked positions restored to their labels."""
    tokens = list(instance.tokens)
    for p, label in zip(instance.masked_lm_positions, instance.masked_lm_labels):
        tokens[p] = label
    return tokens


def sentence_of(token):
    """The sentence number in a corpus token: 'd1s2w0' → 2."""
    return int(token.split("s")[1].split("w")[0])


def no_masking(tokens, masked_lm_prob, max_predictions_per_seq, vocab_words, rng,
               do_whole_word_mask=False):
    """Stand-in for the student's create_masked_lm_predictions in :func:`pair_statistics`,
    which looks at pairs, not masks: it predicts nothing (and draws nothing)."""
    return list(tokens), [], []


def instances_of_documents(mod, docs, draws, max_seq_length, rng):
    """The instances of ``draws`` documents of ``docs`` drawn with ``rng``, made by the student's
    create_instances_from_document with :func:`no_masking` in place of their masking:
    ``[(document index, instance)]``."""
    with with_stand_ins(mod, {"create_masked_lm_predictions": no_masking}):
        return [(index, inst) for index in (rng.randint(0, len(docs) - 1) for _ in range(draws))
                for inst in mod.create_instances_from_document(docs, index, max_seq_length, 0.1,
                                                               0.15, 5, VOCAB_WORDS, rng)]


def pair_statistics(mod, draws=300, max_seq_length=30):
    docs = corpus(n_docs=5, n_sentences=8)
    stats = {"random": 0, "n": 0, "random_from_same_doc": 0, "actual_not_following": 0,
             "too_long": 0, "bad_segments": 0, "no_pair": 0}
    for index, inst in instances_of_documents(mod, docs, draws, max_seq_length, drawn_rng()):
        tokens = unmasked(inst)
        stats["n"] += 1
        if tokens.count("[SEP]") != 2 or tokens[-1] != "[SEP]" or tokens.index("[SEP]") < 2 \
                or tokens.index("[SEP]") == len(tokens) - 2:
            stats["no_pair"] += 1  # not [CLS] A [SEP] B [SEP] with A and B non-empty
            continue
        sep = tokens.index("[SEP]")
        a, b = tokens[1:sep], tokens[sep + 1:-1]
        stats["too_long"] += len(tokens) > max_seq_length
        stats["bad_segments"] += list(inst.segment_ids) != [0] * (sep + 1) + [1] * (len(b) + 1)
        same_doc = all(t.startswith(f"d{index}s") for t in b)
        if inst.is_random_next:
            stats["random"] += 1
            stats["random_from_same_doc"] += same_doc
        else:
            follows = sentence_of(b[0]) == sentence_of(a[-1]) + 1  # truncation may trim words
            stats["actual_not_following"] += not (same_doc and follows)
    return stats


#: Random-next share over 300 documents: the reference gives 0.645 on average with a standard
#: deviation of 0.016 (200 re-seeded runs of about 750 instances each); the band is that mean
#: ± 5.5 sigma, so a correct solution leaves it with probability < 1e-7, while always-actual
#: (0.29) and always-random (1.0) are far outside.
RANDOM_NEXT_BAND = (0.555, 0.735)
#: The same for the hidden check (200 documents, max_seq_length 50): mean 0.572, standard
#: deviation 0.027 over 150 re-seeded runs; always-actual gives 0.14.
RANDOM_NEXT_BAND_LONG = (0.42, 0.72)


def sound_pairs(band):
    """Judge for :func:`pair_statistics`: lengths, segments, random B from another document,
    actual B following A, and the random-next share within ``band``."""
    return lambda got, expected: _sound_pairs(got, band)


def _sound_pairs(got, band):
    if got["no_pair"]:
        raise Fail(f"{got['no_pair']} of {got['n']} instances are not [CLS] A [SEP] B [SEP] with "
                   "non-empty A and B")
    if got["too_long"]:
        raise Fail(f"{got['too_long']} instances are longer than max_seq_length")
    if got["bad_segments"]:
        raise Fail(f"{got['bad_segments']} instances have segment ids other than 0 for [CLS] A [SEP] "
                   "and 1 for B [SEP]")
    if got["random_from_same_doc"]:
        raise Fail(f"{got['random_from_same_doc']} random-next instances took B from the same "
                   "document: draw another document")
    if got["actual_not_following"]:
        raise Fail(f"{got['actual_not_following']} actual-next instances have a B that does not "
                   "start with the sentence right after A in the same document")
    share = got["random"] / got["n"]
    if not band[0] <= share <= band[1]:
        raise Fail(f"{share:.2f} of the instances are random-next; expected between {band[0]} and "
                   f"{band[1]} (half of the chunks of 2+ sentences, and every chunk of a single sentence)")




@check("create_instances_from_document", points=2, depends_on=PAIR_STATISTICS_CALL,
       judge=sound_pairs(RANDOM_NEXT_BAND))
def instance_pairs(mod):
    """over 300 documents: lengths, segment ids, random B from another document (half of the chunks of 2+ sentences), actual B follows A"""
    return pair_statistics(mod)


@check("create_instances_from_document", points=1, replay=INSTANCES_CALL, subject="instances")
def instances_other_settings(mod):
    """short_seq_prob 0.9, masked_lm_prob 0.3, at most 3 predictions (none the default): document 1 of a 4-document corpus, max_seq_length 24, random.Random(21)"""
    return as_plain(mod.create_instances_from_document(corpus(4, 9, 3), 1, 24, 0.9, 0.3, 3, VOCAB_WORDS,
                                                       random.Random(21)))


@check("create_instances_from_document", points=1, replay=INSTANCES_CALL,
       judge=reproducible("runs of create_instances_from_document", "random.Random(3)"))
def instances_with_rng(mod):
    """every draw comes from the rng argument, which is also passed down: the same rng seed gives the same instances"""
    return {"runs": under_other_global_seeds(lambda: as_plain(mod.create_instances_from_document(
        corpus(), 0, 20, 0.1, 0.15, 5, VOCAB_WORDS, random.Random(3))))}


def piece_corpus(n_docs=3, n_sentences=5):
    """Documents whose sentences have words of several pieces: 'd1s2', '##a', '##b', 'w'."""
    return [[[f"d{d}s{s}", "##a", "##b", "w"] for s in range(n_sentences)] for d in range(n_docs)]


@check("create_instances_from_document", points=1, replay=INSTANCES_CALL, subject="instances")
def instances_whole_word(mod):
    """do_whole_word_mask=True passed on to the masking: document 0 of a corpus of 3-piece words, random.Random(10)"""
    return as_plain(mod.create_instances_from_document(piece_corpus(), 0, 20, 0.1, 0.3, 6, VOCAB_WORDS,
                                                       random.Random(10), do_whole_word_mask=True))


class WhitespaceTokenizer:
    """A stand-in tokenizer: lower-cased whitespace words; ids from a fixed word list."""

    def __init__(self, words):
        self.vocab_words = SPECIAL + list(words)
        self.vocab = {w: i for i, w in enumerate(self.vocab_words)}

    def tokenize_lines(self, lines):
        return [line.lower().split() for line in lines]

    def tokenize(self, text):
        return text.lower().split()

    def convert_tokens_to_ids(self, tokens):
        return [self.vocab.get(t, 1) for t in tokens]


TEXT = ("the cat sat on the mat .\nit was a sunny day .\nthen it rained .\n\n\n  \n"
        "a second document begins here .\nhere it has two lines .\n\n"
        "finally the third one is short .\n\n")
WORDS = sorted(set(TEXT.lower().split()))


def first_words(instances):
    """The first word of each instance's A segment (which document and sentence it starts at)."""
    return [unmasked(i)[1] for i in instances]


@check("create_training_instances", points=1, replay=TRAINING_INSTANCES_CALL, subject="instances")
def training_instances_with_seed(mod):
    """instances of a 3-document text (extra blank lines), whitespace tokenizer, dupe_factor 2, random.Random(5)"""
    return as_plain(mod.create_training_instances(TEXT, WhitespaceTokenizer(WORDS), 16, 2, 0.1, 0.15, 3,
                                                  random.Random(5)))


def _documents(got, expected):
    if got["empty_instances"]:
        raise Fail("an instance has an empty A or B segment: drop empty documents and skip lines "
                   "without tokens")
    if got["starts"] != ["a", "finally", "the"]:
        raise Fail(f"instances should start at the first sentence of each of the 3 documents "
                   f"('the', 'a', 'finally'); they start at {got['starts']}: a blank line starts a "
                   "new document")
    if got["single_sentence_document"] != [1, 2, 3]:
        raise Fail(f"the one-sentence document gave {got['single_sentence_document']} instances with "
                   "dupe_factor 1, 2, 3: each pass creates instances from every document once")


@check("create_training_instances", points=1, replay=TRAINING_INSTANCES_CALL, judge=_documents)
def training_instances_documents(mod):
    """blank lines split documents, empty documents are dropped, dupe_factor passes over every document"""
    tokenizer = WhitespaceTokenizer(WORDS)
    runs = {dupe: mod.create_training_instances(TEXT, tokenizer, 64, dupe, 0.0, 0.15, 3, random.Random(6 + dupe))
            for dupe in (1, 2, 3)}
    starts = sorted(set(first_words(runs[1])) & {"the", "a", "finally"})
    empty = sum(unmasked(inst)[1] == "[SEP]" or unmasked(inst)[-2:] == ["[SEP]", "[SEP]"]
                for instances in runs.values() for inst in instances)
    return {"starts": starts, "empty_instances": int(empty),
            "single_sentence_document": [first_words(runs[d]).count("finally") for d in (1, 2, 3)]}


CHINESE = "我爱北京。\n北京是中国的首都。\n\n今天天气很好。\n我们去公园。\n"


def chinese_tokenizer(directory):
    """The course's real tokenizer with a small vocabulary of the text's characters, its
    vocabulary file written in ``directory``."""
    from course.wordpiece import SPECIAL_TOKENS, Tokenizer
    chars = sorted({c for c in CHINESE if not c.isspace()})
    path = Path(directory) / "vocab.txt"
    path.write_text("\n".join(SPECIAL_TOKENS + chars) + "\n", encoding="utf-8")
    return Tokenizer(path), chars


def _chinese(got, expected):
    if got["non_characters"]:
        raise Fail(f"tokens other than single Chinese characters or special tokens: {got['non_characters'][:5]}")
    if got["n_instances"] < 2:
        raise Fail(f"expected instances from both documents, got {got['n_instances']}")


@check("create_training_instances", points=1, replay=TRAINING_INSTANCES_CALL, judge=_chinese, timeout=300)
def chinese_documents(mod):
    """a two-document Chinese text with the course tokenizer: every token is one character"""
    with tempfile.TemporaryDirectory() as directory:
        tokenizer, chars = chinese_tokenizer(directory)
        instances = mod.create_training_instances(CHINESE, tokenizer, 32, 1, 0.0, 0.15, 5,
                                                  random.Random(8))
    tokens = {t for inst in instances for t in unmasked(inst)}
    return {"non_characters": sorted(tokens - set(chars) - set(SPECIAL)), "n_instances": len(instances)}


PIECE_TEXT = ("the un ##aff ##able cat sat .\nit ran ##ing far ##ther .\n\n"
              "a mat ##s and ##ing line here .\nsome ##thing big ##ger .\n")


@check("create_training_instances", points=1, replay=TRAINING_INSTANCES_CALL, subject="instances")
def training_instances_whole_word(mod):
    """do_whole_word_mask=True passed on: a 2-document text with ## pieces, whitespace tokenizer, random.Random(11)"""
    tokenizer = WhitespaceTokenizer(sorted(set(PIECE_TEXT.split())))
    return as_plain(mod.create_training_instances(PIECE_TEXT, tokenizer, 16, 2, 0.1, 0.3, 4, random.Random(11),
                                                  do_whole_word_mask=True))


def small_instance(mod, is_random_next=True):
    return mod.TrainingInstance(tokens=["[CLS]", "the", "[MASK]", "[SEP]", "sat", "[SEP]"],
                                segment_ids=[0, 0, 0, 0, 1, 1], is_random_next=is_random_next,
                                masked_lm_positions=[2, 4], masked_lm_labels=["cat", "sat"])


FEATURE_TOKENIZER = WhitespaceTokenizer(["the", "cat", "sat"])  # ids: the 5, cat 6, sat 7


def plain_features(features):
    return {k: np.asarray(v).tolist() for k, v in features.items()}


@check("instance_to_features", points=2, judge=equals({
    "input_ids": [2, 5, 4, 3, 7, 3, 0, 0], "input_mask": [1, 1, 1, 1, 1, 1, 0, 0],
    "segment_ids": [0, 0, 0, 0, 1, 1, 0, 0], "masked_lm_positions": [2, 4, 0],
    "masked_lm_ids": [6, 7, 0], "masked_lm_weights": [1.0, 1.0, 0.0], "next_sentence_labels": 1},
    "features"))
def features_of_small_instance(mod):
    """a random-next instance, max_seq_length 8, max_predictions 3: ids, mask, segments, zero padding, weights, label 1"""
    return plain_features(mod.instance_to_features(small_instance(mod), FEATURE_TOKENIZER, 8, 3))


def _dtypes(got, expected):
    wanted = {"input_ids": "int32", "input_mask": "int32", "segment_ids": "int32",
              "masked_lm_positions": "int32", "masked_lm_ids": "int32",
              "masked_lm_weights": "float32", "next_sentence_labels": "int32"}
    wrong = {k: v for k, v in got["dtypes"].items() if wanted.get(k) != v}
    if wrong or set(got["dtypes"]) != set(wanted):
        raise Fail(f"feature dtypes: expected {wanted}, got {got['dtypes']}")
    if got["label"] != 0:
        raise Fail(f"next_sentence_labels of an actual-next pair must be 0, got {got['label']}")


@check("instance_to_features", points=1, judge=_dtypes)
def features_dtypes_and_label(mod):
    """int32 ids/masks/positions, float32 weights; an actual-next pair has label 0"""
    f = mod.instance_to_features(small_instance(mod, is_random_next=False), FEATURE_TOKENIZER, 8, 3)
    return {"dtypes": {k: str(np.asarray(v).dtype) for k, v in f.items()},
            "label": int(np.asarray(f["next_sentence_labels"]))}


def toy_features(n, seq=6, preds=2):
    return [{"input_ids": np.full(seq, i, np.int32), "segment_ids": np.zeros(seq, np.int32),
             "input_mask": np.ones(seq, np.int32), "masked_lm_positions": np.zeros(preds, np.int32),
             "masked_lm_ids": np.full(preds, i, np.int32), "masked_lm_weights": np.ones(preds, np.float32),
             "next_sentence_labels": np.int32(i % 2)} for i in range(n)]


@check("feature_batches", points=1, judge=equals(
    {"shapes": [[2, 6], [2, 6], [2, 6], [2, 2], [2, 2], [2, 2], [2]], "rows": [[0, 1], [2, 3], [0, 1]]},
    "batches"))
def batches_in_order(mod):
    """without shuffling: tuples in FEATURES order, (batch, ...) shapes; 5 features in batches of 2 → [0,1], [2,3], then again [0,1]"""
    gen = mod.feature_batches(toy_features(5), 2, shuffle=False)
    batches = [next(gen) for _ in range(3)]
    return {"shapes": [list(np.shape(a)) for a in batches[0]],
            "rows": [np.asarray(b[0])[:, 0].tolist() for b in batches]}


def _passes(got, expected):
    if got["changed"]:
        raise Fail("feature_batches reordered the list of features passed to it: shuffle a list of indices")
    reproducible("runs of feature_batches", "random.Random(0)")(got, expected)
    passes = got["runs"][0]
    if any(sorted(p) != list(range(6)) for p in passes):
        raise Fail(f"each pass must hold every feature once, got passes {passes}")
    if len({str(p) for p in passes}) < 2:
        raise Fail("every pass has the same order: reshuffle at the start of every pass")


@check("feature_batches", points=1, judge=_passes)
def batches_reshuffled_with_rng(mod):
    """with shuffle: each pass a new order drawn from rng, the same for the same seed; the list passed in keeps its order"""
    features = toy_features(6)
    def run():
        gen = mod.feature_batches(features, 2, shuffle=True, rng=random.Random(0))
        rows = [int(i) for _ in range(12) for i in np.asarray(next(gen)[0])[:, 0]]
        return [rows[k:k + 6] for k in range(0, 24, 6)]
    before = [int(f["input_ids"][0]) for f in features]
    runs = under_other_global_seeds(run)
    return {"runs": runs, "changed": [int(f["input_ids"][0]) for f in features] != before}
