"""BERT-style tokenisation with TensorFlow Text (support code for the BERT assignment).

Basic tokenisation as in the original BERT: lower-casing, accent stripping, splitting on
whitespace and punctuation, and every CJK character its own token; then WordPiece: each
word split greedily into the longest vocabulary pieces, continuations marked ``##``, and
``[UNK]`` for a word that cannot be split. The vocabulary is learnt from text with
``tensorflow_text``'s WordPiece learner and saved as a vocab file (one token per line).
"""
import collections
import hashlib
import os
from pathlib import Path

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # [PAD] = 0


def _tf():
    """TensorFlow and TensorFlow Text, imported without their start-up noise."""
    from course.quiet import filtered_stderr
    with filtered_stderr():
        import tensorflow as tf
        import tensorflow_text as tf_text
    return tf, tf_text


def count_words(lines):
    """Counter of the basic tokeniser's words (lower-cased, accents stripped, punctuation and
    CJK characters split) over ``lines``, counted in batches of 1,000 lines."""
    _tf()
    from tensorflow_text.python.ops.bert_tokenizer import BasicTokenizer
    basic = BasicTokenizer(lower_case=True)
    counts = collections.Counter()
    for start in range(0, len(lines), 1000):
        words = basic.tokenize(lines[start:start + 1000]).flat_values.numpy()
        counts.update(w.decode("utf-8") for w in words)
    return counts


def learn_vocab(lines, vocab_size, path, lower_thresh=5):
    """Learn a WordPiece vocabulary of at most ``vocab_size`` tokens from ``lines`` (str) with
    TensorFlow Text's learner and write it to ``path``: the special tokens first ([PAD] = 0),
    then the learnt pieces. Returns the path."""
    from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise ValueError("learn_vocab: no text to learn a vocabulary from")
    vocab = learner.learn(count_words(lines), vocab_size, SPECIAL_TOKENS, lower_thresh=lower_thresh)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # never leave a half-written vocabulary behind
    return path


def cached_vocab(lines, vocab_size, cache_dir=None):
    """:func:`learn_vocab` once per (text, size), kept in the course cache directory."""
    from data.files import cache_dir as default_cache_dir
    digest = hashlib.sha256(("\n".join(lines) + f"\0{vocab_size}").encode("utf-8")).hexdigest()[:16]
    path = Path(cache_dir or default_cache_dir()) / "vocab" / f"wordpiece-{vocab_size}-{digest}.txt"
    return path if path.is_file() else learn_vocab(lines, vocab_size, path)


class Tokenizer:
    """Text → WordPiece tokens → ids, from a vocab file (one token per line, id = line number)."""

    def __init__(self, vocab_file):
        tf, tf_text = _tf()
        self.vocab_words = Path(vocab_file).read_text(encoding="utf-8").splitlines()
        missing = [t for t in SPECIAL_TOKENS if t not in self.vocab_words]
        if missing:
            raise ValueError(f"{vocab_file}: the vocabulary lacks the special tokens {missing}")
        self.vocab = {token: i for i, token in enumerate(self.vocab_words)}
        self._tokenizer = tf_text.BertTokenizer(str(vocab_file), lower_case=True,
                                                token_out_type=tf.string, unknown_token="[UNK]")

    def tokenize_lines(self, lines):
        """Tokens of each line (a list of lists of str); one TensorFlow call for all lines."""
        if not lines:
            return []
        pieces = self._tokenizer.tokenize(list(lines)).merge_dims(-2, -1)
        return [[p.decode("utf-8") for p in row] for row in pieces.to_list()]

    def tokenize(self, text):
        """Tokens of one text (list of str)."""
        return self.tokenize_lines([text])[0]

    def convert_tokens_to_ids(self, tokens):
        unk = self.vocab["[UNK]"]
        return [self.vocab.get(t, unk) for t in tokens]

    def convert_ids_to_tokens(self, ids):
        return [self.vocab_words[int(i)] for i in ids]
