"""The provided tokenizer (course/wordpiece.py) against the original BERT's tokenization.py:
a table of the characters where TensorFlow Text differs, a sweep over Unicode against the
test oracle (tests/bert_oracle.py), vocab files numbered by their ``\\n`` lines, published
vocab layouts."""
import unicodedata

import pytest

import bert_oracle as original
from course.wordpiece import Tokenizer, basic_tokenize, file_lines, split_lines

# input → the original BasicTokenizer(do_lower_case=True)'s words (TF Text's differ on most)
TABLE = [
    ("Straße", ["straße"]),  # str.lower keeps ß (case folding would give "ss")
    ("ﬁne ﬂow", ["ﬁne", "ﬂow"]),  # ligatures have no canonical decomposition
    ("Brand™", ["brand™"]),  # a symbol (So), not punctuation: stays in the word
    ("½ x² ³", ["½", "x²", "³"]),  # no compatibility folding
    ("wait…", ["wait", "…"]),  # … is one punctuation character
    ("ＡＢＣ ｄｅｆ", ["ａｂｃ", "ｄｅｆ"]),  # full-width letters are lower-cased, not folded to ASCII
    ("ΟΔΟΣ ΟΔΟΣ. ΟΔΟΣΟ", ["οδος", "οδος", ".", "οδοσο"]),  # final sigma where a word ends
    ("5″ 3′", ["5", "″", "3", "′"]),  # ″ stays one character
    ("ab\x01cd a\u200bb a\ufffdb a\x00b", ["abcd", "ab", "ab", "ab"]),  # controls, format chars deleted
    ("a\u1680b a\u2028b a\u2029b a\u3000b a\u00a0b a\tb", ["a", "b"] * 6),  # whitespace
    ("Café İstanbul naïve", ["cafe", "istanbul", "naive"]),  # accents stripped after lower-casing
    ("我爱ab北京", ["我", "爱", "ab", "北", "京"]),  # CJK ideographs one each
    # Hangul and kana are not split; NFD takes Hangul apart into jamo and the voicing mark off が
    ("한국어 ひらがな", [unicodedata.normalize("NFD", "한국어"), "ひらかな"]),
    ("$5^2` x@y", ["$", "5", "^", "2", "`", "x", "@", "y"]),  # all ASCII non-alphanumerics
    ("don't-stop", ["don", "'", "t", "-", "stop"]),
]


@pytest.mark.parametrize("text,words", TABLE, ids=[t for t, _ in TABLE])
def test_basic_tokenizer_matches_the_original_on_the_table(text, words):
    assert original.basic_tokens(text) == words  # the oracle agrees with the table
    assert basic_tokenize(text) == words


def sample_code_points(step=97):
    """Every assigned code point outside the large uniform blocks (CJK ideographs, Hangul
    syllables, Tangut, private use…), plus every ``step``-th one inside them."""
    for cp in range(0x110000):
        char = chr(cp)
        category = unicodedata.category(char)
        if category in ("Cs", "Cn"):
            continue
        uniform = category == "Co" or unicodedata.name(char, "").startswith(
            ("CJK UNIFIED", "HANGUL SYLLABLE", "TANGUT", "YI SYLLABLE", "CJK COMPATIBILITY IDEOGRAPH"))
        if not uniform or cp % step == 0:
            yield char


def test_basic_tokenizer_matches_the_original_on_every_kind_of_character():
    """Each character between letters and after a capital sigma (its context decides σ/ς)."""
    wrong = [(hex(ord(c)), basic_tokenize(s), original.basic_tokens(s))
             for c in sample_code_points() for s in (f"Ab{c}cd", f"ΑΣ{c}")
             if basic_tokenize(s) != original.basic_tokens(s)]
    assert not wrong, wrong[:10]


def write_vocab(path, tokens, newline="\n"):
    path.write_bytes(newline.join(tokens).encode("utf-8") + newline.encode())
    return path


def test_vocab_ids_are_newline_numbered_lines(tmp_path):
    """A U+2028 (or form feed, or U+0085) line is one token: ``cat`` on the 7th line is id 6."""
    path = write_vocab(tmp_path / "vocab.txt", ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u2028", "cat"])
    assert Tokenizer(path).vocab["cat"] == 6 == original.load_vocab(path)["cat"]
    odd = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "x\x0cy", "\x85", "##\u2028", "do\rg", "cat"]
    for newline in ("\n", "\r\n"):
        path = write_vocab(tmp_path / "odd.txt", odd, newline)
        tokenizer = Tokenizer(path)
        assert tokenizer.vocab == original.load_vocab(path)
        assert tokenizer.vocab["cat"] == 9 and tokenizer.vocab["dog"] == 8  # \r is dropped as TF's reader does
        assert tokenizer.vocab_words == list(original.load_vocab(path))


def test_lines_end_at_newline_only(tmp_path):
    text = "a\x0cb\u2028c\x85d\r\ne\n\nf"
    assert split_lines(text) == ["a\x0cb\u2028c\x85d", "e", "", "f"]
    (tmp_path / "in.txt").write_bytes(text.encode("utf-8"))
    assert file_lines(tmp_path / "in.txt") == [line.rstrip("\n") for line in original.gfile_lines(tmp_path / "in.txt")]
    assert split_lines("a\n") == ["a"] and split_lines("a\n\n") == ["a", ""] and split_lines("") == []
    (tmp_path / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt: not UTF-8 text \(invalid continuation byte at byte 3\)"):
        file_lines(tmp_path / "latin1.txt")


def published_layout(words):
    """A vocab in the published BERT layout: [PAD] 0, [unused1..99], [UNK] 100, [CLS] 101,
    [SEP] 102, [MASK] 103, then a U+2028 line (as Google's Chinese vocab has) and ``words``."""
    return (["[PAD]"] + [f"[unused{i}]" for i in range(1, 100)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
            + ["\u2028"] + list(words) + ["##\u2028"])


def test_published_vocab_layout_takes_its_ids_from_the_file(tmp_path):
    words = ["the", "cat", "un", "##aff", "##able", "我"]
    path = write_vocab(tmp_path / "vocab.txt", published_layout(words))
    tokenizer = Tokenizer(path)
    assert [tokenizer.vocab[t] for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]] == [0, 100, 101, 102, 103]
    assert tokenizer.vocab["the"] == 105 and tokenizer.vocab["我"] == 110
    assert tokenizer.tokenize("The unaffable cat, 我!") == ["the", "un", "##aff", "##able", "cat", "[UNK]",
                                                            "我", "[UNK]"]
    assert tokenizer.convert_tokens_to_ids(["[CLS]", "cat", "dog", "[SEP]"]) == [101, 106, 100, 102]
    assert tokenizer.convert_ids_to_tokens([101, 106, 103]) == ["[CLS]", "cat", "[MASK]"]


def test_vocab_without_the_special_tokens_is_refused(tmp_path):
    path = write_vocab(tmp_path / "vocab.txt", ["[PAD]", "[UNK]", "[CLS]", "a"])
    with pytest.raises(ValueError, match=r"special tokens \['\[SEP\]', '\[MASK\]'\]"):
        Tokenizer(path)


def test_wordpiece_matches_the_original_including_the_200_character_limit(tmp_path):
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "##a", "un", "##aff", "##able", "##affable",
             "ｄｅｆ"]
    path = write_vocab(tmp_path / "vocab.txt", vocab)
    tokenizer, oracle = Tokenizer(path), original.FullTokenizer(path)
    texts = ["a" * 150, "a" * 200, "a" * 201, "unaffable unaff unb", "ＤＥＦ", "ΟΔΟΣ", "a" * 60 + "é" * 60]
    for text in texts:
        assert tokenizer.tokenize(text) == oracle.tokenize(text), text
    assert tokenizer.tokenize("a" * 200) == ["a"] + ["##a"] * 199  # TF Text: [UNK] beyond 100 bytes
    assert tokenizer.tokenize("a" * 201) == ["[UNK]"]
    assert tokenizer.tokenize("unaffable") == ["un", "##affable"]  # the longest piece first
