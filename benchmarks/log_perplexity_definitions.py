"""Two definitions of log-perplexity on one batch (README, "Coming from the DeepLearning.AI course").

    ./run python -m benchmarks.log_perplexity_definitions [--data-dir DIR]

This course's ``log_perplexity`` (solutions/a1_gru) is the mean negative log-likelihood over all
real characters of a batch. The DeepLearning.AI course's ``test_model`` averaged each line first
and then the lines, so a short line weighs as much as a long one. Both are computed on the first
batch (32 lines, max_length 64, file order) of the held-out lines of tiny Shakespeare, scored by
a character unigram model of the training lines (add-one smoothing): no training needed, and the
per-character losses vary as a language model's do.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "solutions" / "a1_gru"))

import gru_lm as g  # noqa: E402  (the reference solution)

BATCH_SIZE, MAX_LENGTH, VOCAB = 32, 64, 256


def unigram_log_probs(lines):
    """Log-probabilities (VOCAB,) of each character code (EOS included) over ``lines``."""
    counts = np.ones(VOCAB)
    for line in lines:
        np.add.at(counts, g.line_to_tensor(line), 1)
    return np.log(counts / counts.sum())


def per_line_log_perplexity(preds, target):
    """The DeepLearning.AI course's definition: each line's mean NLL over its real characters,
    then the mean over lines. preds (batch, length, vocab), target (batch, length), 0 = pad."""
    log_p = np.take_along_axis(np.asarray(preds), np.asarray(target)[..., None], axis=-1)[..., 0]
    real = (np.asarray(target) != 0).astype(np.float64)
    return float(np.mean(-np.sum(log_p * real, axis=1) / np.sum(real, axis=1)))


def both_definitions(data_dir=None):
    """(this course's log_perplexity, the per-line one) on the first held-out batch."""
    train_lines, eval_lines = g.load_shakespeare(data_dir=data_dir)
    batch, _, _ = next(g.data_generator(BATCH_SIZE, MAX_LENGTH, eval_lines, shuffle=False))
    preds = np.broadcast_to(unigram_log_probs(train_lines), batch.shape + (VOCAB,))
    return g.log_perplexity(preds, batch), per_line_log_perplexity(preds, batch)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="directory with tinyshakespeare/input.txt")
    args = parser.parse_args()
    ours, per_line = both_definitions(args.data_dir)
    print(f"log_perplexity (mean over all real characters): {ours:.3f} nats/char")
    print(f"per line first, then over lines (DeepLearning.AI's test_model): {per_line:.3f} nats/char")


if __name__ == "__main__":
    main()
