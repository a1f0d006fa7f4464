"""Benchmark: the course tokenizer (``course.wordpiece``, the original BERT's rules) against
TensorFlow Text's ``BertTokenizer`` on the same vocab file. Prints its figures; not a test.

    ./run python -m benchmarks.a3_tokenizer [--repeats 3]

On WikiText-2's validation split (the assignment's pretraining text, one sentence per line):
tokens/s of each, measured side by side in one process (best of ``--repeats`` runs), and how
many lines they tokenize differently, with examples.
"""
import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "solutions" / "a3_bert"))

import bert  # noqa: E402  (the reference solution: WikiText in the original's format)
from course.wordpiece import Tokenizer, cached_vocab, split_lines  # noqa: E402
from data import fetch  # noqa: E402


def tf_text_tokenizer(vocab_file):
    """``lines → list of lists of tokens`` with TensorFlow Text's BertTokenizer (one call)."""
    from course.quiet import filtered_stderr
    with filtered_stderr():
        import tensorflow as tf
        import tensorflow_text as tf_text
    tokenizer = tf_text.BertTokenizer(str(vocab_file), lower_case=True, token_out_type=tf.string)

    def tokenize_lines(lines):
        pieces = tokenizer.tokenize(list(lines)).merge_dims(-2, -1)
        return [[p.decode("utf-8") for p in row] for row in pieces.to_list()]
    return tokenize_lines


def best_time(function, lines, repeats):
    """(result, best wall seconds) of ``function(lines)`` over ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(lines)
        best = min(best, time.perf_counter() - start)
    return result, best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--vocab-size", type=int, default=bert.CONFIG.vocab_size)
    args = parser.parse_args(argv)

    documents = bert.wikitext_documents(fetch("wikitext-2-valid").read_text(encoding="utf-8"))
    lines = split_lines(bert.pretraining_text(documents))
    vocab_file = cached_vocab(lines, args.vocab_size)
    course = Tokenizer(vocab_file)
    tf_text = tf_text_tokenizer(vocab_file)
    tf_text(lines[:10])  # build the graph before timing
    ours, ours_s = best_time(lambda ls: Tokenizer(vocab_file).tokenize_lines(ls), lines, args.repeats)
    theirs, theirs_s = best_time(tf_text, lines, args.repeats)
    n_tokens = sum(map(len, ours))
    print(f"{len(lines):,} lines, {n_tokens:,} tokens, vocabulary {len(course.vocab_words):,}")
    print(f"course tokenizer (fresh, cold word cache): {n_tokens / ours_s:,.0f} tokens/s ({ours_s:.2f} s)")
    print(f"TensorFlow Text BertTokenizer:            {sum(map(len, theirs)) / theirs_s:,.0f} tokens/s "
          f"({theirs_s:.2f} s); ratio course/TF Text {theirs_s / ours_s:.2f}x")
    differing = [(line, a, b) for line, a, b in zip(lines, ours, theirs) if a != b]
    print(f"lines tokenized differently: {len(differing)} of {len(lines):,}")
    for line, a, b in differing[:5]:
        at = next(i for i, (x, y) in enumerate(zip(a + [None], b + [None])) if x != y)
        print(f"  {line[:60]!r}…: course {a[at:at + 4]} vs TF Text {b[at:at + 4]}")


if __name__ == "__main__":
    main()
