"""BERT tokenisation as the original (google-research/bert ``tokenization.py``), support code
for the BERT assignment.

Basic tokenisation: control characters deleted, whitespace and every CJK character a word
boundary, lower-casing with ``str.lower`` and accents stripped (NFD, combining marks dropped),
every punctuation character its own word. Then WordPiece: each word split greedily into the
longest vocabulary pieces, continuations marked ``##``, ``[UNK]`` for a word that cannot be
split or is longer than 200 characters. Files are read as the original's TensorFlow reader
reads them (lines end at ``\\n`` only), so a vocab file's line number is the token's id.

The vocabulary is learnt from text with TensorFlow Text's WordPiece learner over the words of
this basic tokeniser and saved as a vocab file (one token per line).
"""
import collections
import hashlib
import os
import unicodedata
from pathlib import Path

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # [PAD] = 0 in a learnt vocab
REQUIRED_TOKENS = ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # the tokens the pipeline writes
UNK = "[UNK]"
MAX_WORD_CHARS = 200  # a longer word is [UNK], as in the original
VOCAB_RECIPE = "bert-basic-2"  # part of the vocab cache key: bump when the word counts change


# --- Lines, as the original reads its input and vocab files ---------------------------------

def split_lines(text):
    """The lines of a file's text as TensorFlow's ``GFile.readline`` gives them to the
    original: a line ends at ``\\n`` only (a form feed or U+2028 stays inside it), every
    ``\\r`` is dropped, and a final ``\\n`` does not start another line."""
    lines = text.replace("\r", "").split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def file_lines(path):
    """:func:`split_lines` of a UTF-8 file (a ``ValueError`` naming the file and the byte
    offset if it is not UTF-8)."""
    data = Path(path).read_bytes()
    try:
        return split_lines(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


# --- Basic tokenisation ---------------------------------------------------------------------

CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
              (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def is_cjk(char):
    """A CJK ideograph in the original's sense (the CJK Unified Ideographs blocks and their
    compatibility blocks; not Hangul, Hiragana or Katakana)."""
    return any(lo <= ord(char) <= hi for lo, hi in CJK_RANGES)


def is_punctuation(char):
    """Unicode punctuation (category P*) or any ASCII character that is not a letter, digit,
    space or control character (``$``, ``^``, ``` ` ``` … too)."""
    return (char.isascii() and char.isprintable() and not char.isalnum() and char != " "
            or unicodedata.category(char).startswith("P"))


def _cleaned(char):
    """Before lower-casing: control and format characters (but tab and line ends), NUL and
    U+FFFD are deleted, whitespace (category Zs, tab, line ends) becomes a space, a CJK
    character gets a space on each side."""
    category = unicodedata.category(char)
    if char in "\t\n\r" or category == "Zs":
        return " "
    if char in "\0\ufffd" or category in ("Cc", "Cf"):
        return None
    return f" {char} " if is_cjk(char) else char


def _split(char):
    """After lower-casing and NFD: combining marks (accents) are deleted, punctuation gets a
    space on each side."""
    if unicodedata.category(char) == "Mn":
        return None
    return f" {char} " if is_punctuation(char) else char


class _CharTable(dict):
    """A ``str.translate`` table that computes each character's replacement on first sight."""

    def __init__(self, rule):
        super().__init__()
        self._rule = rule

    def __missing__(self, code):
        self[code] = self._rule(chr(code))
        return self[code]


_CLEAN, _SPLIT = _CharTable(_cleaned), _CharTable(_split)


def normalize(text):
    """``text`` with the original's basic tokenisation applied, as space-separated words: the
    result's ``split()`` is the word list. Lower-casing happens after the clean-up, so a final
    sigma is final exactly where the original's whitespace-split word ends."""
    text = text.translate(_CLEAN).lower()
    return unicodedata.normalize("NFD", text).translate(_SPLIT)


def basic_tokenize(text):
    """The original ``BasicTokenizer(do_lower_case=True)``'s words of ``text``."""
    return normalize(text).split()


# --- WordPiece --------------------------------------------------------------------------------

def wordpiece(word, vocab):
    """Greedy longest-match-first pieces of one word: the longest prefix in ``vocab``, then the
    longest ``##``-prefixed continuation, and so on; ``[UNK]`` alone if some rest has no piece
    or the word has more than 200 characters."""
    if len(word) > MAX_WORD_CHARS:
        return [UNK]
    pieces, start = [], 0
    while start < len(word):
        prefix = "##" if start else ""
        end = next((end for end in range(len(word), start, -1) if prefix + word[start:end] in vocab), None)
        if end is None:
            return [UNK]
        pieces.append(prefix + word[start:end])
        start = end
    return pieces


class Tokenizer:
    """Text → WordPiece tokens → ids, from a vocab file: one token per line, id = line number,
    each line stripped of surrounding whitespace (the original's ``FullTokenizer`` with
    ``do_lower_case=True``). Works with the course's learnt vocabularies and with the published
    BERT ones (``[PAD]`` 0, ``[UNK]`` 100, ``[CLS]`` 101, ``[SEP]`` 102, ``[MASK]`` 103): the
    special tokens' ids are whatever lines they are on.

    Attributes: ``vocab`` (token → id; a token on several lines has the last one's id, as in the
    original), ``vocab_words`` (each distinct token once, in file order: the original's
    ``list(vocab.keys())``, from which random replacement words are drawn).
    """

    def __init__(self, vocab_file):
        self._id_tokens = [line.strip() for line in file_lines(vocab_file)]
        self.vocab = {token: i for i, token in enumerate(self._id_tokens)}
        self.vocab_words = list(self.vocab)
        missing = [t for t in REQUIRED_TOKENS if t not in self.vocab]
        if missing:
            raise ValueError(f"{vocab_file}: the vocabulary lacks the special tokens {missing}")
        self._pieces = {}  # word → its WordPieces, computed once

    def _word_pieces(self, word):
        if word not in self._pieces:
            self._pieces[word] = wordpiece(word, self.vocab)
        return self._pieces[word]

    def tokenize(self, text):
        """Tokens of one text (list of str)."""
        return [piece for word in basic_tokenize(text) for piece in self._word_pieces(word)]

    def tokenize_lines(self, lines):
        """Tokens of each line (a list of lists of str)."""
        return [self.tokenize(line) for line in lines]

    def convert_tokens_to_ids(self, tokens):
        unk = self.vocab[UNK]
        return [self.vocab.get(t, unk) for t in tokens]

    def convert_ids_to_tokens(self, ids):
        return [self._id_tokens[int(i)] for i in ids]


# --- Learning a vocabulary --------------------------------------------------------------------

def count_words(lines):
    """Counter of the basic tokeniser's words over ``lines``."""
    return collections.Counter(word for line in lines for word in basic_tokenize(line))


def learn_vocab(lines, vocab_size, path, lower_thresh=5):
    """Learn a WordPiece vocabulary of at most ``vocab_size`` tokens from ``lines`` (str) with
    TensorFlow Text's learner and write it to ``path``: the special tokens first ([PAD] = 0),
    then the learnt pieces. Returns the path."""
    from course.quiet import filtered_stderr
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise ValueError("learn_vocab: no text to learn a vocabulary from")
    with filtered_stderr():
        from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner
    vocab = learner.learn(count_words(lines), vocab_size, SPECIAL_TOKENS, lower_thresh=lower_thresh)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # never leave a half-written vocabulary behind
    return path


def cached_vocab(lines, vocab_size, cache_dir=None):
    """:func:`learn_vocab` once per (text, size, recipe), kept in the course cache directory."""
    from data.files import cache_dir as default_cache_dir
    key = "\n".join(lines) + f"\0{vocab_size}\0{VOCAB_RECIPE}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    path = Path(cache_dir or default_cache_dir()) / "vocab" / f"wordpiece-{vocab_size}-{digest}.txt"
    return path if path.is_file() else learn_vocab(lines, vocab_size, path)
