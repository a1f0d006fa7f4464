"""Public checks for assignment 3 (BERT pretraining)."""
import random
import tempfile
from pathlib import Path

import numpy as np

from grader.api import Assignment, Fail
from grader.checks.common import (arguments_unchanged, changed_arguments, equals, initialised,
                                  layer_names, log_probabilities, log_softmax, loop_summary,
                                  outputs, pads_ignored, random_weights, scaled_weights,
                                  shape_and_total, trax_api, weight_shapes, drawn_rng)
from grader.compare import compare
from grader.memo import shared

ASSIGNMENT = Assignment(
    "a3_bert", module="bert", title="BERT pretraining",
    exercises=["get_tokens_and_segments", "truncate_seq_pair", "create_masked_lm_predictions",
               "create_instances_from_document", "create_training_instances",
               "instance_to_features", "feature_batches", "BertEmbeddings", "EncoderBlock",
               "Pooler", "NSPHead", "MLMHead", "BERTPretrainer", "pretraining_loss",
               "accuracy_metrics", "train_model"])
check = ASSIGNMENT.check
MODEL_TOL = dict(rtol=1e-4, atol=1e-5)
#: The student functions (of other exercises) that an exercise's checks call, declared on them.
INSTANCES_CALL = ["get_tokens_and_segments", "truncate_seq_pair", "create_masked_lm_predictions"]
TRAINING_INSTANCES_CALL = ["create_instances_from_document", *INSTANCES_CALL]
PRETRAINER_CALLS = ["BertEmbeddings", "EncoderBlock", "Pooler", "NSPHead", "MLMHead"]
TRAINING_CALLS = ["pretraining_loss", "accuracy_metrics"]  # through the loss and metric layers
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def within(what, lower, upper):
    """Judge: every named statistic in ``got`` lies in its [lower, upper] band."""
    def judge(got, expected):
        for name, value in got.items():
            lo, hi = lower[name], upper[name]
            if not lo <= value <= hi:
                raise Fail(f"{what}: {name} = {value:.3f}, expected between {lo} and {hi}")
    return judge


# --- Part A: pretraining data ------------------------------------------------------------

@check("get_tokens_and_segments", points=1, judge=equals(
    [["[CLS]", "a", "b", "[SEP]", "c", "[SEP]"], [0, 0, 0, 0, 1, 1]], "(tokens, segment_ids)"))
def pair_layout(mod):
    """A = [a, b], B = [c]: [CLS] a b [SEP] c [SEP], segments 0 0 0 0 1 1 (B's [SEP] is segment 1)"""
    return [list(x) for x in mod.get_tokens_and_segments(["a", "b"], ["c"])]


@check("get_tokens_and_segments", points=1, judge=equals([["[CLS]", "x", "[SEP]"], [0, 0, 0]],
                                                          "(tokens, segment_ids)"))
def single_layout(mod):
    """A only: [CLS] x [SEP], all segment 0"""
    return [list(x) for x in mod.get_tokens_and_segments(["x"])]


@check("get_tokens_and_segments", points=1,
       judge=arguments_unchanged("get_tokens_and_segments", "build a new list of tokens"))
def layout_leaves_tokens_alone(mod):
    """the token lists A and B passed in are left unchanged"""
    a, b = ["a", "b"], ["c"]
    return changed_arguments({"tokens_a": a, "tokens_b": b}, lambda: mod.get_tokens_and_segments(a, b))


def truncated(mod, a, b, max_num_tokens, seed=0):
    tokens_a, tokens_b = list(a), list(b)
    returned = mod.truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, random.Random(seed))
    if returned is not None and returned != (tokens_a, tokens_b):
        raise Fail("truncate_seq_pair must shorten the lists in place (it returns nothing)")
    return [tokens_a, tokens_b]


@check("truncate_seq_pair", points=1, judge=equals([6, 3], "lengths of (A, B) after truncation"))
def truncates_the_longer(mod):
    """A of 9 and B of 3 tokens to 9 in all: only A, the longer, is shortened (to 6)"""
    return [len(t) for t in truncated(mod, range(9), range(100, 103), 9)]


@check("truncate_seq_pair", points=1, judge=equals([5, 4], "lengths of (A, B) after truncation"))
def truncates_b_on_ties(mod):
    """A and B of 5 tokens to 9 in all: on a tie B is shortened"""
    return [len(t) for t in truncated(mod, range(5), range(100, 105), 9)]


@check("truncate_seq_pair", points=1, judge=within("truncation side over 2,000 pairs",
                                                    {"front": 0.45}, {"front": 0.55}))
def truncates_both_ends(mod):
    """the removed token comes from the front about half of the time (rng.random() < 0.5)"""
    rng, front = drawn_rng(), 0
    for _ in range(2000):
        a, b = list(range(10)), []
        mod.truncate_seq_pair(a, b, 9, rng)
        front += a[0] == 1
    return {"front": front / 2000}


def _same_runs(got, expected):
    if got["runs"][0] != got["runs"][1]:
        raise Fail("two truncations with random.Random(7) differed when Python's global random was "
                   "seeded differently: draw from the rng argument (rng.random()), not from random")


@check("truncate_seq_pair", points=1, judge=_same_runs)
def truncates_with_rng(mod):
    """the sides are drawn from the rng argument: the same rng seed gives the same truncation"""
    def run(global_seed):
        random.seed(global_seed)
        a, b = list(range(20)), list(range(100, 110))
        mod.truncate_seq_pair(a, b, 12, random.Random(7))
        return [a, b]
    return {"runs": [run(1), run(2)]}


TOKENS = ["[CLS]"] + [f"w{i}" for i in range(18)] + ["[SEP]"] + [f"u{i}" for i in range(20)] + ["[SEP]"]
VOCAB_WORDS = [f"v{i}" for i in range(100)]  # disjoint from TOKENS: random replacements show


@check("create_masked_lm_predictions", points=1, subject="(output_tokens, positions, labels)")
def masking_with_seed(mod):
    """a 41-token pair, masked_lm_prob 0.15, max 20 predictions, random.Random(1)"""
    out = mod.create_masked_lm_predictions(list(TOKENS), 0.15, 20, VOCAB_WORDS, random.Random(1))
    return [list(x) for x in out]


def masking_statistics(mod, tokens, prob, max_predictions, draws=3000):
    rng = drawn_rng()
    counts = {"mask": 0, "kept": 0, "random": 0}
    layout = {"counts": set(), "special_masked": 0, "unsorted": 0, "bad_labels": 0, "other_changed": 0}
    for _ in range(draws):
        out, positions, labels = mod.create_masked_lm_predictions(list(tokens), prob, max_predictions,
                                                                  VOCAB_WORDS, rng)
        layout["counts"].add(len(positions))
        layout["special_masked"] += any(tokens[p] in ("[CLS]", "[SEP]") for p in positions)
        layout["unsorted"] += list(positions) != sorted(positions)
        layout["bad_labels"] += list(labels) != [tokens[p] for p in positions]
        layout["other_changed"] += any(out[i] != tokens[i] for i in range(len(tokens)) if i not in positions)
        for p in positions:
            kind = "mask" if out[p] == "[MASK]" else "kept" if out[p] == tokens[p] else "random"
            counts[kind] += 1
    total = sum(counts.values()) or 1
    layout["counts"] = sorted(layout["counts"])
    return {"shares": {k: v / total for k, v in counts.items()}, **layout}


def predictions_laid_out(number):
    """Judge for :func:`masking_statistics`: ``number`` predictions each time, never [CLS] or
    [SEP], positions sorted, labels the original tokens, no other token changed."""
    def judge(got, expected):
        if got["special_masked"]:
            raise Fail(f"[CLS] or [SEP] was chosen for prediction in {got['special_masked']} of 3,000 "
                       "draws: they are never candidates")
        if got["counts"] != [number]:
            raise Fail(f"number of predictions: expected always {number} = min(max_predictions_per_seq, "
                       f"max(1, round(len(tokens) * masked_lm_prob))), got {got['counts']}")
        if got["unsorted"]:
            raise Fail("masked_lm_positions must be sorted in increasing order")
        if got["bad_labels"]:
            raise Fail("masked_lm_labels must be the original tokens at the positions (before replacement)")
        if got["other_changed"]:
            raise Fail("a token that was not chosen for prediction was changed")
    return judge


@check("create_masked_lm_predictions", points=1, judge=predictions_laid_out(6))
def masking_layout(mod):
    """over 3,000 draws: never [CLS]/[SEP], always round(41 * 0.15) = 6 predictions, positions sorted, labels = originals"""
    return masking_statistics(mod, TOKENS, 0.15, 20)


@check("create_masked_lm_predictions", points=1, judge=predictions_laid_out(4))
def masking_cap(mod):
    """max_predictions_per_seq = 4 caps the number of predictions (round(41 * 0.15) = 6 would be more)"""
    return masking_statistics(mod, TOKENS, 0.15, 4, draws=500)


SHORT = ["[CLS]", "a", "b", "c", "[SEP]", "d", "e", "f", "g", "[SEP]"]


@check("create_masked_lm_predictions", points=1, judge=predictions_laid_out(2))
def masking_counts_all_tokens(mod):
    """the number of predictions counts every token, [CLS] and [SEP] included: round(10 * 0.15) = 2 of a 10-token pair"""
    return masking_statistics(mod, SHORT, 0.15, 20, draws=50)


@check("create_masked_lm_predictions", points=1,
       judge=arguments_unchanged("create_masked_lm_predictions", "corrupt a copy: list(tokens)"))
def masking_leaves_tokens_alone(mod):
    """the token list passed in is left unchanged (the corrupted tokens are a new list)"""
    tokens = list(TOKENS)
    return changed_arguments({"tokens": tokens}, lambda: mod.create_masked_lm_predictions(
        tokens, 0.15, 20, VOCAB_WORDS, random.Random(1)))


def _shares(got, expected):
    wanted = {"mask": 0.8, "kept": 0.1, "random": 0.1}
    for kind, share in got["shares"].items():
        if abs(share - wanted[kind]) > 0.02:
            raise Fail(f"of the chosen tokens, {share:.3f} were {kind} (expected {wanted[kind]}: 80 % "
                       "[MASK], 10 % unchanged, 10 % a random vocabulary word)")


@check("create_masked_lm_predictions", points=1, judge=_shares)
def masking_80_10_10(mod):
    """over 3,000 draws: 80 % of chosen tokens become [MASK], 10 % stay, 10 % become a random word"""
    return masking_statistics(mod, TOKENS, 0.15, 20)


# Whole-word masking (do_whole_word_mask) --------------------------------------------------

WORD_TOKENS = (["[CLS]"] + "the un ##aff ##able cat ##s sat on a mat ##s and ##ing ran ##ing far".split()
               + ["[SEP]"] + "some ##thing big ##ger hap ##pen ##ed to them".split() + ["[SEP]"])


def words_of(tokens):
    """The words' positions: a ``##`` piece belongs to the word before it ([CLS]/[SEP] are no words)."""
    positions = [p for p, t in enumerate(tokens) if t not in ("[CLS]", "[SEP]")]
    words = []
    for k, p in enumerate(positions):
        if k == 0 or not tokens[p].startswith("##"):
            words.append([])
        words[-1].append(p)
    return words


@check("create_masked_lm_predictions", points=1, subject="(output_tokens, positions, labels)")
def masking_whole_words_with_seed(mod):
    """do_whole_word_mask=True on a 28-token pair with ## pieces, max 20 predictions, random.Random(9)"""
    out = mod.create_masked_lm_predictions(list(WORD_TOKENS), 0.15, 20, VOCAB_WORDS, random.Random(9),
                                           do_whole_word_mask=True)
    return [list(x) for x in out]


def whole_word_statistics(mod, tokens, prob, max_predictions, draws=2000):
    """Counts over ``draws`` whole-word maskings of ``tokens``: draws choosing [CLS]/[SEP], part
    of a word, more than the budget, wrong labels; chosen two-piece words, and those whose
    pieces came out one [MASK] and one not."""
    rng = random.Random(12)
    budget = min(max_predictions, max(1, round(len(tokens) * prob)))
    stats = {"budget": budget, "partial": 0, "over_budget": 0, "special": 0, "bad_labels": 0,
             "words_of_2": 0, "mixed_mask": 0}
    for _ in range(draws):
        out, positions, labels = mod.create_masked_lm_predictions(list(tokens), prob, max_predictions,
                                                                  VOCAB_WORDS, rng, do_whole_word_mask=True)
        chosen = set(positions)
        stats["special"] += any(tokens[p] in ("[CLS]", "[SEP]") for p in chosen)
        stats["over_budget"] += len(positions) > budget
        stats["bad_labels"] += list(labels) != [tokens[p] for p in positions]
        for word in words_of(tokens):
            taken = chosen.intersection(word)
            stats["partial"] += 0 < len(taken) < len(word)
            if len(taken) == len(word) == 2:
                stats["words_of_2"] += 1
                stats["mixed_mask"] += len({out[p] == "[MASK]" for p in word}) == 2
    return stats


def whole_words_laid_out(got, expected):
    """Judge for :func:`whole_word_statistics`: words chosen whole, within the budget, labels
    the originals, and the 80/10/10 draw made for each piece (about 0.32 of two-piece words mixed)."""
    if got["special"]:
        raise Fail(f"[CLS] or [SEP] was chosen in {got['special']} of 2,000 draws: they are never candidates")
    if got["partial"]:
        raise Fail(f"with do_whole_word_mask, {got['partial']} times only some pieces of a word were chosen: "
                   "a token starting with ## joins the previous candidate, and a word is chosen whole")
    if got["over_budget"]:
        raise Fail(f"{got['over_budget']} of 2,000 draws chose more than num_to_predict = {got['budget']} "
                   "positions: skip a word that does not fit in the positions left")
    if got["bad_labels"]:
        raise Fail("masked_lm_labels must be the original tokens at the positions (before replacement)")
    share = got["mixed_mask"] / max(1, got["words_of_2"])
    if not 0.2 <= share <= 0.45:
        raise Fail(f"of the chosen two-piece words, {share:.2f} had one piece [MASK] and the other not "
                   "(expected about 0.32): the 80/10/10 draw is made for each piece of a word")


@check("create_masked_lm_predictions", points=1, judge=whole_words_laid_out)
def masking_whole_words(mod):
    """over 2,000 draws with do_whole_word_mask=True: words whole, never over the budget, 80/10/10 per piece"""
    return whole_word_statistics(mod, WORD_TOKENS, 0.15, 20)


def corpus(n_docs=3, n_sentences=6, words=4):
    """Documents of sentences whose tokens name their place: 'd1s2w0' = document 1,
    sentence 2, word 0."""
    return [[[f"d{d}s{s}w{w}" for w in range(words)] for s in range(n_sentences)] for d in range(n_docs)]


def as_plain(instances):
    return [{"tokens": list(i.tokens), "segment_ids": list(i.segment_ids),
             "is_random_next": bool(i.is_random_next), "positions": list(i.masked_lm_positions),
             "labels": list(i.masked_lm_labels)} for i in instances]


@check("create_instances_from_document", points=2, depends_on=INSTANCES_CALL, subject="instances")
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


def pair_statistics(mod, draws=300, max_seq_length=30):
    docs = corpus(n_docs=5, n_sentences=8)
    rng = drawn_rng()
    stats = {"random": 0, "n": 0, "random_from_same_doc": 0, "actual_not_following": 0,
             "too_long": 0, "bad_segments": 0, "no_pair": 0}
    for _ in range(draws):
        index = rng.randint(0, len(docs) - 1)
        for inst in mod.create_instances_from_document(docs, index, max_seq_length, 0.1, 0.15, 5,
                                                       VOCAB_WORDS, rng):
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




@check("create_instances_from_document", points=2, depends_on=INSTANCES_CALL, judge=sound_pairs(RANDOM_NEXT_BAND))
def instance_pairs(mod):
    """over 300 documents: lengths, segment ids, random B from another document (half of the chunks of 2+ sentences), actual B follows A"""
    return pair_statistics(mod)


def piece_corpus(n_docs=3, n_sentences=5):
    """Documents whose sentences have words of several pieces: 'd1s2', '##a', '##b', 'w'."""
    return [[[f"d{d}s{s}", "##a", "##b", "w"] for s in range(n_sentences)] for d in range(n_docs)]


@check("create_instances_from_document", points=1, depends_on=INSTANCES_CALL, subject="instances")
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


@check("create_training_instances", points=1, depends_on=TRAINING_INSTANCES_CALL, subject="instances")
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


@check("create_training_instances", points=1, depends_on=TRAINING_INSTANCES_CALL, judge=_documents)
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


@check("create_training_instances", points=1, depends_on=TRAINING_INSTANCES_CALL, judge=_chinese, timeout=300)
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


@check("create_training_instances", points=1, depends_on=TRAINING_INSTANCES_CALL, subject="instances")
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
    if got["runs"][0] != got["runs"][1]:
        raise Fail("two runs with random.Random(0) gave different batches when Python's global random "
                   "was seeded differently: shuffle with the rng argument")
    passes = got["runs"][0]
    if any(sorted(p) != list(range(6)) for p in passes):
        raise Fail(f"each pass must hold every feature once, got passes {passes}")
    if len({str(p) for p in passes}) < 2:
        raise Fail("every pass has the same order: reshuffle at the start of every pass")


@check("feature_batches", points=1, judge=_passes)
def batches_reshuffled_with_rng(mod):
    """with shuffle: each pass a new order drawn from rng, the same for the same seed; the list passed in keeps its order"""
    features = toy_features(6)
    def run(global_seed):
        random.seed(global_seed)
        gen = mod.feature_batches(features, 2, shuffle=True, rng=random.Random(0))
        rows = [int(i) for _ in range(12) for i in np.asarray(next(gen)[0])[:, 0]]
        return [rows[k:k + 6] for k in range(0, 24, 6)]
    before = [int(f["input_ids"][0]) for f in features]
    runs = [run(1), run(2)]
    return {"runs": runs, "changed": [int(f["input_ids"][0]) for f in features] != before}


# --- Part B: the model ----------------------------------------------------------------------

V, D, L = 23, 8, 7
IDS = np.array([[2, 5, 6, 4, 9, 3, 0], [2, 7, 3, 11, 12, 3, 0]], np.int32)
SEG = np.array([[0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1, 0]], np.int32)
MASK = (IDS > 0).astype(np.int32)
POS = np.array([[2, 4], [1, 0]], np.int32)


def run(layer, inputs, seed=0):
    """Outputs of ``layer`` initialised from ``seed`` for ``inputs``."""
    return outputs(initialised(layer, inputs, seed), inputs)


def embeddings(mod, mode="eval", dropout=0.1):
    return mod.BertEmbeddings(V, D, 16, dropout=dropout, mode=mode)


def _table_passed_on(got, expected):
    if got["shapes"] != [[2, L, D], [V, D]]:
        raise Fail(f"outputs: expected (embeddings (2, {L}, {D}), token table ({V}, {D})), got shapes {got['shapes']}")
    return compare(got["table"], got["weights0"], name="second output vs the token table weights")


@check("BertEmbeddings", points=1, judge=_table_passed_on)
def embeddings_outputs(mod):
    """outputs (embeddings (batch, L, d_model), token table) — the table is passed on for the tied MLM output"""
    layer = initialised(embeddings(mod), (IDS, SEG))
    x, table = outputs(layer, (IDS, SEG))
    return {"shapes": [list(np.shape(x)), list(np.shape(table))], "table": table,
            "weights0": np.asarray(layer.weights[0])}


@check("BertEmbeddings", points=1, subject="embeddings", **MODEL_TOL)
def embeddings_eval_values(mod):
    """eval-mode embeddings for a fixed batch and fixed weights (token + segment + position, LayerNorm)"""
    layer = random_weights(initialised(embeddings(mod), (IDS, SEG)), seed=0)
    return outputs(layer, (IDS, SEG))[0]


def _dropout(got, expected):
    if got["eval_zeros"] > 0:
        raise Fail("in mode='eval' some embeddings are exactly 0: dropout must be off outside training")
    if not 0.3 <= got["train_zero_share"] <= 0.7:
        raise Fail(f"in mode='train' with dropout 0.5, {got['train_zero_share']:.2f} of the values are 0 "
                   "(expected about half)")


@check("BertEmbeddings", points=1, judge=_dropout)
def embeddings_dropout(mod):
    """dropout (rate 0.5 here) zeroes about half of the values in mode='train' and none in mode='eval'"""
    train = run(embeddings(mod, "train", 0.5), (IDS, SEG))[0]
    evaluated = run(embeddings(mod, "eval", 0.5), (IDS, SEG))[0]
    return {"train_zero_share": float(np.mean(train == 0)), "eval_zeros": int(np.sum(evaluated == 0))}


def _rescaled(got, expected):
    if got["kept_ratio"] is None or abs(got["kept_ratio"] - 2.0) > 1e-3:
        raise Fail(f"with dropout 0.5 the kept values are {got['kept_ratio']} times their eval-mode values, "
                   "expected 2 = 1 / (1 - rate): divide the kept values by (1 - rate)")
    if not got["masks_differ"]:
        raise Fail("two layers initialised with different seeds drop the same positions: draw the "
                   "dropout mask from self.rng, not from a fixed key")


@check("BertEmbeddings", points=1, judge=_rescaled, timeout=300)
def embeddings_dropout_rescales(mod):
    """train-mode dropout keeps the expected value (kept values scaled by 1 / (1 - rate)) and draws its mask from the layer's rng"""
    layer = initialised(embeddings(mod, "train", 0.5), (IDS, SEG), seed=0)
    evaluated = outputs(random_weights(initialised(embeddings(mod, "eval", 0.5), (IDS, SEG), seed=0), 0), (IDS, SEG))[0]
    train = outputs(random_weights(layer, 0), (IDS, SEG))[0]
    kept = train != 0
    ratio = float(np.median(train[kept] / evaluated[kept])) if kept.any() else None
    other = outputs(random_weights(initialised(embeddings(mod, "train", 0.5), (IDS, SEG), seed=1), 0), (IDS, SEG))[0]
    return {"kept_ratio": ratio, "masks_differ": bool(np.any((other == 0) != (train == 0)))}


def block(mod, mode="eval"):
    return mod.EncoderBlock(D, 16, 2, dropout=0.1, mode=mode)


def attention_mask(mask=MASK):
    return (mask > 0)[:, None, None, :]


X = np.random.default_rng(1).standard_normal((2, L, D)).astype(np.float32)


@check("EncoderBlock", points=1, subject="layers")
def encoder_layers(mod):
    """EncoderBlock layers: Residual(attention), LayerNorm, Residual(feed-forward), LayerNorm (post-LayerNorm)"""
    return layer_names(block(mod))


@check("EncoderBlock", points=1, subject="Dropout layers in train mode")
def encoder_dropouts(mod):
    """in mode='train' both sub-layers end with a dropout (the attention has its own too); in mode='eval' none drops"""
    from course.trax_utils import find_layers
    def modes(mode):
        return [layer._mode for layer in find_layers(block(mod, mode), lambda l: l.name == "Dropout")]
    return {"train": modes("train"), "eval": modes("eval")}


@check("EncoderBlock", points=1, subject="(x, mask)", **MODEL_TOL)
def encoder_values(mod):
    """eval-mode output for fixed vectors, mask and weights; the mask is passed on"""
    out = run(block(mod), (X, attention_mask()), seed=2)
    return [out[0], out[1].astype(np.int32)]


@check("EncoderBlock", points=1, judge=pads_ignored(
    "outputs at real positions", rtol=0, atol=1e-5, hint="pass the mask to the attention"))
def encoder_ignores_padded_keys(mod):
    """attention ignores padded keys: changing padded positions leaves real positions' outputs unchanged"""
    layer = initialised(block(mod), (X, attention_mask()), seed=3)
    changed = X.copy()
    changed[MASK == 0] = 5.0
    a, b = outputs(layer, (X, attention_mask()))[0], outputs(layer, (changed, attention_mask()))[0]
    return {"original": a[MASK > 0], "changed": b[MASK > 0]}


@check("Pooler", points=1, subject="pooled", **MODEL_TOL)
def pooler_values(mod):
    """pooled (batch, d_model) vector for fixed inputs and weights"""
    return run(mod.Pooler(D), X, seed=4)


def _first_token_tanh(got, expected):
    if got["changed_by_other_positions"] > 0:
        raise Fail("the pooled vector changed when positions other than [CLS] changed: pool the first vector only")
    if got["max_abs"] >= 1.0 or got["min"] >= 0:
        raise Fail(f"pooled values range {got['min']:.2f} … {got['max_abs']:.2f} in absolute value: "
                   "apply tanh after the Dense layer")


@check("Pooler", points=1, judge=_first_token_tanh)
def pooler_uses_cls_and_tanh(mod):
    """uses the [CLS] (first) vector only, through Dense and tanh (values in (-1, 1))"""
    layer = scaled_weights(initialised(mod.Pooler(D), X, seed=5), 3)
    changed = X.copy()
    changed[:, 1:] += 3.0
    a, b = outputs(layer, X), outputs(layer, changed)
    return {"changed_by_other_positions": float(np.abs(a - b).max()), "max_abs": float(np.abs(a).max()),
            "min": float(a.min())}


@check("NSPHead", points=1, judge=log_probabilities((2, 2), "NSPHead", "the 2 classes"))
def nsp_head_log_probs(mod):
    """(batch, d_model) → (batch, 2) log-probabilities"""
    return shape_and_total(run(mod.NSPHead(), X[:, 0], seed=6))


def _tied(got, expected):
    if got["weight_shapes"] != [[V]]:
        raise Fail(f"TiedOutput's weights: expected only a bias of shape ({V},), got shapes {got['weight_shapes']}")
    return compare(got["logits"], got["answer"], rtol=1e-5, atol=1e-5, name="logits = h · tableᵀ + bias")


@check("MLMHead", points=1, judge=_tied)
def tied_output(mod):
    """TiedOutput: logits = h · token_tableᵀ + bias, its only weight the bias (vocab,)"""
    rng = np.random.default_rng(7)
    h, table = rng.standard_normal((2, 3, D)).astype(np.float32), rng.standard_normal((V, D)).astype(np.float32)
    layer = initialised(mod.TiedOutput(V), (h, table))
    bias = rng.standard_normal(V).astype(np.float32)
    layer.weights = bias
    return {"weight_shapes": [list(shape) for shape in weight_shapes(layer)],
            "logits": outputs(layer, (h, table)), "answer": h @ table.T + bias}


def mlm_inputs():
    table = np.random.default_rng(8).standard_normal((V, D)).astype(np.float32)
    return (X, table, POS)


@check("MLMHead", points=1, judge=log_probabilities((2, 2, V), "MLMHead", "the vocabulary"))
def mlm_head_log_probs(mod):
    """(x, table, positions (batch, P)) → (batch, P, vocab) log-probabilities"""
    return shape_and_total(run(mod.MLMHead(V, D), mlm_inputs(), seed=9))


@check("MLMHead", points=1, subject="MLM log-probabilities", **MODEL_TOL)
def mlm_head_values(mod):
    """values for fixed vectors, table, positions and weights (gather, Dense, Gelu, LayerNorm, tied output)"""
    return run(mod.MLMHead(V, D), mlm_inputs(), seed=10)


def _gathers(got, expected):
    if got["changed_by_unused"] > 1e-6:
        raise Fail("the output changed when vectors at positions that are not predicted changed: "
                   "gather the masked positions first")
    if got["changed_by_used"] < 1e-6:
        raise Fail("the output did not change when the vector at a predicted position changed")


@check("MLMHead", points=1, judge=_gathers)
def mlm_head_gathers(mod):
    """only the vectors at masked_lm_positions matter"""
    layer = initialised(mod.MLMHead(V, D), mlm_inputs(), seed=11)
    x, table, pos = mlm_inputs()
    base = outputs(layer, (x, table, pos))
    unused, used = x.copy(), x.copy()
    unused[0, 6] += 3.0  # position 6 is not predicted in row 0
    used[0, 2] += 3.0
    return {"changed_by_unused": float(np.abs(outputs(layer, (unused, table, pos)) - base).max()),
            "changed_by_used": float(np.abs(outputs(layer, (used, table, pos)) - base).max())}


def pretrainer(mod, mode="eval", dropout=0.1):
    return mod.BERTPretrainer(V, d_model=D, n_layers=2, n_heads=2, d_ff=16, max_len=16,
                              dropout=dropout, mode=mode)


BATCH = (IDS, SEG, MASK, POS)


def _outputs(got, expected):
    if got["shapes"] != [[2, 2, V], [2, 2]]:
        raise Fail(f"outputs: expected (mlm (2, 2, {V}), nsp (2, 2)), got shapes {got['shapes']}")
    return compare(got["totals"], [np.ones((2, 2)), np.ones(2)], rtol=1e-4,
                   name="sums of exp(outputs) (log-probabilities)")


@check("BERTPretrainer", points=1, depends_on=PRETRAINER_CALLS, judge=_outputs)
def pretrainer_outputs(mod):
    """(ids, segments, mask, positions) → (mlm (batch, P, vocab), nsp (batch, 2)) log-probabilities"""
    mlm, nsp = run(pretrainer(mod), BATCH)
    return {"shapes": [list(mlm.shape), list(nsp.shape)],
            "totals": [np.exp(mlm).sum(-1), np.exp(nsp).sum(-1)]}


def _one_table(got, expected):
    if got["tables"] != 1:
        raise Fail(f"the model has {got['tables']} weight arrays of shape (vocab, d_model) = ({V}, {D}); "
                   "the MLM output must reuse the token embedding table (tied), not hold its own")


@check("BERTPretrainer", points=1, depends_on=PRETRAINER_CALLS, judge=_one_table)
def pretrainer_tied(mod):
    """one (vocab, d_model) table serves the input embedding and the MLM output (tied weights)"""
    model = initialised(pretrainer(mod), BATCH)
    return {"tables": sum(s in [(V, D), (D, V)] for s in weight_shapes(model))}


@check("BERTPretrainer", points=1, depends_on=PRETRAINER_CALLS, judge=pads_ignored(
    "outputs", rtol=0, atol=1e-5, hint="the attention must ignore padded keys (input_mask 0)"))
def pretrainer_ignores_pads(mod):
    """changing the tokens at padded positions (input_mask 0) does not change the outputs"""
    model = initialised(pretrainer(mod), BATCH, seed=12)
    changed = IDS.copy()
    changed[MASK == 0] = 17
    return {"original": outputs(model, BATCH), "changed": outputs(model, (changed, SEG, MASK, POS))}


@check("BERTPretrainer", points=1, depends_on=PRETRAINER_CALLS, subject="(mlm, nsp)", **MODEL_TOL)
def pretrainer_values(mod):
    """eval-mode outputs for a fixed batch and fixed initial weights"""
    return run(pretrainer(mod), BATCH, seed=13)


@check("BERTPretrainer", points=1, depends_on=PRETRAINER_CALLS, timeout=300, judge=pads_ignored(
    "outputs in mode='train' with dropout=0", rtol=0, atol=1e-5,
    hint="pass the dropout argument on to the embeddings and every encoder block"))
def pretrainer_passes_dropout_on(mod):
    """with dropout=0 the train-mode outputs equal the eval-mode outputs (the dropout argument reaches every layer)"""
    return {"original": run(pretrainer(mod, "eval", 0.0), BATCH, seed=13),
            "changed": run(pretrainer(mod, "train", 0.0), BATCH, seed=13)}


# --- Part C: loss, metrics, training --------------------------------------------------------

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


@check("pretraining_loss", points=2, judge=_loss)
def loss_values(mod):
    """MLM = Σ w·nll / (Σ w + 1e-5), NSP = mean cross-entropy (label 1 = random), total = their sum"""
    mlm, nsp, ids, weights, labels = loss_inputs()
    result = [float(mod.mlm_loss(mlm, ids, weights)), float(mod.nsp_loss(nsp, labels)),
              float(mod.pretraining_loss(mlm, nsp, ids, weights, labels))]
    return {"result": result, "inputs": [mlm, nsp, ids, weights, labels]}


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


@shared
def run_small_training(mod, **config):
    """Plain facts (:func:`loop_summary`, the learning rate at steps 1 and 50, whether eval
    batches were read) of 2 steps of the student's train_model on the checks' own pretrainer and
    batches with ``BertConfig(**config)``; run once per submission (compilation dominates)."""
    reads = {"train": 0, "eval": 0}
    with tempfile.TemporaryDirectory() as out:
        loop = mod.train_model(stand_in_pretrainer(), counted_batches(reads, "train"),
                               counted_batches(reads, "eval"), train_steps=2, output_dir=out,
                               config=mod.BertConfig(**config))
    summary = loop_summary(loop)
    summary["lr_at_step_1"] = float(loop._tasks[0].learning_rate(1))
    summary["lr_at_step_50"] = float(loop._tasks[0].learning_rate(50))
    summary["eval_batches_read"] = reads["eval"] > 0
    return summary


@check("train_model", points=1, depends_on=TRAINING_CALLS, subject="training setup", timeout=300)
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
    return compare(got["n_eval_batches"], 2, name="n_eval_batches from the config")


@check("train_model", points=1, depends_on=TRAINING_CALLS, judge=_warmup, timeout=300)
def train_uses_config(mod):
    """warm-up schedule and eval batches come from the config argument"""
    info = run_small_training(mod, **TRAIN_CONFIG)
    return {"lr_at_step_1": info["lr_at_step_1"], "lr_at_step_50": info["lr_at_step_50"],
            "learning_rate": TRAIN_CONFIG["learning_rate"],
            "n_eval_batches": info["n_eval_batches"]}
