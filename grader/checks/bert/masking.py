"""Public checks of Part A, pairs and masking: ``get_tokens_and_segments``,
``truncate_seq_pair`` and ``create_masked_lm_predictions`` (with and without whole-word masking)."""
import random

from grader.api import Fail
from grader.checks.bert import check
from grader.checks.common import (arguments_unchanged, changed_arguments, drawn_rng, equals,
                                  reproducible, under_other_global_seeds)

VOCAB_WORDS = [f"v{i}" for i in range(100)]  # disjoint from the checks' tokens: random replacements show


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


@check("get_tokens_and_segments", points=1, subject="(tokens, segment_ids)")
def empty_b_layout(mod):
    """an empty B (a list, not None) still closes with its own [SEP] in segment 1"""
    return [list(x) for x in mod.get_tokens_and_segments(["x", "y"], [])]


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


@check("truncate_seq_pair", points=1, judge=reproducible("truncations", "random.Random(7)"))
def truncates_with_rng(mod):
    """the sides are drawn from the rng argument: the same rng seed gives the same truncation"""
    def run():
        a, b = list(range(20)), list(range(100, 110))
        mod.truncate_seq_pair(a, b, 12, random.Random(7))
        return [a, b]
    return {"runs": under_other_global_seeds(run)}


TOKENS = ["[CLS]"] + [f"w{i}" for i in range(18)] + ["[SEP]"] + [f"u{i}" for i in range(20)] + ["[SEP]"]


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


@check("create_masked_lm_predictions", points=1, judge=predictions_laid_out(12))
def masking_other_probability(mod):
    """masked_lm_prob 0.3 (not the default 0.15): round(41 * 0.3) = 12 predictions"""
    return masking_statistics(mod, TOKENS, 0.3, 20, draws=300)


@check("create_masked_lm_predictions", points=1, judge=predictions_laid_out(1))
def masking_at_least_one(mod):
    """at least one prediction: a 10-token pair with masked_lm_prob 0.04 (round(0.4) = 0) gets max(1, 0) = 1"""
    return masking_statistics(mod, SHORT, 0.04, 20, draws=50)


@check("create_masked_lm_predictions", points=1, judge=reproducible("maskings", "random.Random(1)"))
def masking_with_rng(mod):
    """every choice is drawn from the rng argument: the same rng seed gives the same masking (20 predictions of a 41-token pair)"""
    def run():
        out = mod.create_masked_lm_predictions(list(TOKENS), 0.5, 20, VOCAB_WORDS, random.Random(1))
        return [list(x) for x in out]
    return {"runs": under_other_global_seeds(run)}


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
