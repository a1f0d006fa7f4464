"""End-to-end parity of assignment 3's data pipeline (course tokenizer + reference solution)
with the original create_pretraining_data.py, replayed by the test oracle tests/bert_oracle.py:
the same instances and features for the same input files, vocab file and seed, with and
without whole-word masking."""
import collections
import random
import sys

import numpy as np
import pytest

import bert_oracle as original
from conftest import REPO
from course.wordpiece import Tokenizer
from data import fetch

sys.path.insert(0, str(REPO / "solutions" / "a3_bert"))
import bert  # noqa: E402

ODD_DOCUMENT = ("Straße, ﬁne Brand™ ½ x² wait… ＡＢＣ ΟΔΟΣ 5″ ab\x01cd a\u1680b.\r\n"
                "One line\x0cwith a form feed and\u2028a line separator inside.\n"
                "我爱北京天安门。今天天气很好。\n"
                "The unaffable settlement awoke " + "a" * 201 + " after the showers.\n")


def parity_vocab(texts, n_words=150):
    """A vocab file's lines in the published layout ([PAD] 0, [unused…], [UNK] 100, [CLS] 101,
    [SEP] 102, [MASK] 103) with a U+2028 line, the ``n_words`` most frequent words of
    ``texts``, every character alone and as a ``##`` continuation, a few suffixes, and one
    word twice (a later line wins its id, as in the original)."""
    counts = collections.Counter(w for text in texts for line in text.split("\n") for w in original.basic_tokens(line))
    words = [w for w, _ in counts.most_common(n_words)]
    chars = sorted({c for w in counts for c in w})
    return (["[PAD]"] + [f"[unused{i}]" for i in range(1, 100)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u2028"]
            + words + chars + ["##" + c for c in chars] + ["##ing", "##ed", "##s", "##ly", "##\u2028", words[0]])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """(input files, vocab file): BERT's sample text cut into three files in the middle of its
    documents, a file of odd characters with CRLF line ends, and a piece of WikiText-2."""
    root = tmp_path_factory.mktemp("parity")
    sample = fetch("bert-sample").read_text(encoding="utf-8")
    wiki = bert.pretraining_text(bert.wikitext_documents(fetch("wikitext-2-valid").read_text(encoding="utf-8")))
    wiki = wiki[:wiki.index("\n\n", 12_000)]
    lines = sample.split("\n")
    cuts = [0, 5, len(lines) // 2 + 1, len(lines)]
    parts = ["\n".join(lines[a:b]) + ("\n" if b < len(lines) else "") for a, b in zip(cuts, cuts[1:])]
    parts += [ODD_DOCUMENT.replace("\n", "\r\n"), "\n" + wiki]
    files = []
    for i, part in enumerate(parts):
        files.append(root / f"part{i}.txt")
        files[-1].write_bytes(part.encode("utf-8"))
    vocab_file = root / "vocab.txt"
    vocab_file.write_text("\n".join(parity_vocab(parts)) + "\n", encoding="utf-8")
    return files, vocab_file


def solution_run(files, tokenizer, seed, whole_word, settings):
    instances = bert.create_training_instances(files, tokenizer, *settings, random.Random(seed),
                                               do_whole_word_mask=whole_word)
    plain = [dict(tokens=i.tokens, segment_ids=i.segment_ids, is_random_next=i.is_random_next,
                  masked_lm_positions=i.masked_lm_positions, masked_lm_labels=i.masked_lm_labels)
             for i in instances]
    features = [{k: np.asarray(v).tolist() for k, v in bert.instance_to_features(i, tokenizer, settings[0],
                                                                                 settings[-1]).items()}
                for i in instances]
    return plain, features


@pytest.mark.parametrize("whole_word", [False, True], ids=["per-token", "whole-word"])
@pytest.mark.parametrize("seed", [0, 1, 2, 12345])
def test_instances_and_features_are_the_originals(corpus, seed, whole_word):
    files, vocab_file = corpus
    settings = (48, 2, 0.1, 0.15, 6)  # max_seq_length, dupe_factor, short_seq_prob, masked_lm_prob, max_predictions
    tokenizer, oracle = Tokenizer(vocab_file), original.FullTokenizer(vocab_file)
    instances, features = solution_run(files, tokenizer, seed, whole_word, settings)
    expected = original.training_instances(files, oracle, *settings, random.Random(seed), whole_word)
    assert len(instances) == len(expected) > 100
    for n, (got, want) in enumerate(zip(instances, expected)):
        assert got == want, f"instance {n}"
    for n, (got, want) in enumerate(zip(features, expected)):
        assert got == original.features(want, oracle, settings[0], settings[-1]), f"features {n}"
    if whole_word:  # the option changed something, and words are masked whole
        assert instances != solution_run(files, tokenizer, seed, False, settings)[0]
        for inst in instances:
            for p in inst["masked_lm_positions"]:
                if inst["masked_lm_labels"][inst["masked_lm_positions"].index(p)].startswith("##"):
                    assert p - 1 in inst["masked_lm_positions"] or inst["tokens"][p - 1] in ("[CLS]", "[SEP]")


def test_a_document_goes_on_across_input_files(tmp_path):
    """Two files, one sentence each and no blank line: one document of two sentences, so some
    instance pairs them as actual next (two one-sentence documents never would)."""
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "one", "two", "."]) + "\n")
    files = [tmp_path / "a.txt", tmp_path / "b.txt"]
    files[0].write_text("one .")  # no final newline either
    files[1].write_text("two .\n")
    tokenizer = Tokenizer(vocab)
    runs = [bert.create_training_instances(files, tokenizer, 16, 1, 0.0, 0.15, 2, random.Random(seed))
            for seed in range(10)]
    assert any(not inst.is_random_next for instances in runs for inst in instances)
    blank = tmp_path / "blank.txt"
    blank.write_text("\n")
    runs = [bert.create_training_instances([files[0], blank, files[1]], tokenizer, 16, 1, 0.0, 0.15, 2,
                                           random.Random(seed)) for seed in range(10)]
    assert all(inst.is_random_next for instances in runs for inst in instances)


def test_a_line_is_one_sentence_whatever_else_it_contains(tmp_path):
    """A form feed or U+2028 inside a line is whitespace, not a sentence boundary: a one-line
    document is one sentence, whose instances are all random next."""
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c"]) + "\n")
    runs = [bert.create_training_instances("a\x0cb\u2028c\n\nb\n", Tokenizer(vocab), 16, 1, 0.0, 0.15, 2,
                                           random.Random(seed)) for seed in range(10)]
    first = [inst for instances in runs for inst in instances if "a" in inst.tokens[:3] + inst.masked_lm_labels]
    assert first and all(inst.is_random_next for inst in first)
    assert bert.read_lines("a\x0cb\u2028c\n\nb\n") == ["a\x0cb\u2028c", "", "b"]


def test_whole_word_masking_draws_as_the_original():
    """Random token lists with ## pieces: the same output, positions and labels as the oracle
    for each seed, with and without whole-word masking."""
    pieces = ["un", "##aff", "##able", "cat", "##s", "the", "##ing", "a"]
    vocab_words = [f"v{i}" for i in range(30)]
    for seed in range(300):
        case = random.Random(seed)
        body = [case.choice(pieces) for _ in range(case.randint(1, 30))]
        cut = case.randint(0, len(body))
        tokens = ["[CLS]"] + body[:cut] + ["[SEP]"] + body[cut:] + ["[SEP]"]
        cap = case.randint(1, 6)
        for whole_word in (False, True):
            got = bert.create_masked_lm_predictions(list(tokens), 0.2, cap, vocab_words, random.Random(seed),
                                                    do_whole_word_mask=whole_word)
            want = original.masked_predictions(list(tokens), 0.2, cap, vocab_words, random.Random(seed), whole_word)
            assert [list(x) for x in got] == [list(x) for x in want], (seed, whole_word, tokens)
