"""Benchmark for assignment 3 (BERT pretraining). Prints its figures; not part of the tests.

    ./run python -m benchmarks.a3_bert [--cpu-minutes 15] [--data-dir DIR]

Data: WikiText-2's validation split is the pretraining text, its test split the held-out text
(the training split is not among the course's files); both converted to the original
format (sentence per line, blank line between articles).

1. The data pipeline's instances/s (tokenise + create_training_instances + features) vs the
   train step's consumption (batch_size x steps/s), side by side (target >= 5x).
2. Pretrains the reference BERTPretrainer for a budget of process CPU time and prints held-out
   MLM accuracy / loss and NSP accuracy / loss (targets: MLM accuracy >= 0.25, NSP >= 0.75).
"""
import argparse
import dataclasses
import itertools
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "solutions" / "a3_bert"))

import bert  # noqa: E402  (the reference solution)
from course.trax_compat import trax  # noqa: E402
from course.trax_utils import copy_weights, jit_forward  # noqa: E402
from course.wordpiece import Tokenizer, cached_vocab, split_lines  # noqa: E402
from data import fetch  # noqa: E402


def features_of(text, tokenizer, config, dupe_factor, seed):
    instances = bert.create_training_instances(
        text, tokenizer, config.max_seq_length, dupe_factor, config.short_seq_prob,
        config.masked_lm_prob, config.max_predictions_per_seq, random.Random(seed))
    return [bert.instance_to_features(i, tokenizer, config.max_seq_length,
                                      config.max_predictions_per_seq) for i in instances]


def evaluate(model, features, config, vocab_size):
    """Held-out MLM and NSP loss and accuracy of ``model``'s weights in eval mode, each
    feature exactly once (the last incomplete batch dropped)."""
    eval_model = bert.BERTPretrainer(vocab_size, config.d_model, config.n_layers, config.n_heads,
                                     config.d_ff, config.max_seq_length, config.dropout, mode="eval")
    batches = bert.feature_batches(features, config.batch_size, shuffle=False)
    first = next(batches)
    copy_weights(model, eval_model, tuple(trax.shapes.signature(a) for a in first[:4]))
    forward = jit_forward(eval_model)
    sums, n_batches = np.zeros(4), len(features) // config.batch_size
    for ids, seg, mask, pos, lm_ids, lm_w, nsp_labels in itertools.chain(
            [first], itertools.islice(batches, n_batches - 1)):
        mlm, nsp = forward((ids, seg, mask, pos))
        sums += [float(bert.mlm_loss(mlm, lm_ids, lm_w)), float(bert.mlm_accuracy(mlm, lm_ids, lm_w)),
                 float(bert.nsp_loss(nsp, nsp_labels)), float(bert.nsp_accuracy(nsp, nsp_labels))]
    return dict(zip(["mlm_loss", "mlm_accuracy", "nsp_loss", "nsp_accuracy"], sums / n_batches))


def with_overrides(config, assignments):
    """``config`` with ``NAME=VALUE`` overrides (values converted to the field's type)."""
    changes = {}
    for item in assignments:
        name, _, value = item.partition("=")
        if not hasattr(config, name):
            raise SystemExit(f"--set {item}: BertConfig has no field {name!r}")
        changes[name] = type(getattr(config, name))(value)
    return dataclasses.replace(config, **changes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-minutes", type=float, default=15.0, help="pretraining budget")
    parser.add_argument("--data-dir", help="directory with wikitext-2/valid.txt and test.txt")
    parser.add_argument("--held-out-articles", type=int, metavar="K",
                        help="pretrain on the validation split and all but the last K articles of "
                             "the test split, hold out those K (default: hold out the whole test split)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a BertConfig field, e.g. --set max_seq_length=64")
    args = parser.parse_args(argv)
    if args.data_dir:
        os.environ["COURSE_DATA_DIR"] = str(Path(args.data_dir).resolve())
    config = with_overrides(bert.CONFIG, args.set)
    print(f"config: {config}")

    train_docs = bert.wikitext_documents(fetch("wikitext-2-valid").read_text(encoding="utf-8"))
    held_docs = bert.wikitext_documents(fetch("wikitext-2-test").read_text(encoding="utf-8"))
    if args.held_out_articles:
        train_docs, held_docs = (train_docs + held_docs[:-args.held_out_articles],
                                 held_docs[-args.held_out_articles:])
    train_text, held_text = bert.pretraining_text(train_docs), bert.pretraining_text(held_docs)
    start = time.perf_counter()
    tokenizer = Tokenizer(cached_vocab(split_lines(train_text), config.vocab_size))
    print(f"data: {len(train_docs)} training articles ({sum(map(len, train_docs)):,} sentences), "
          f"{len(held_docs)} held-out articles; WordPiece vocabulary {len(tokenizer.vocab_words):,} "
          f"tokens ({time.perf_counter() - start:.1f} s, cached after the first run)")

    start = time.perf_counter()
    train_features = features_of(train_text, tokenizer, config, config.dupe_factor, seed=0)
    pipeline_seconds = time.perf_counter() - start
    held_features = features_of(held_text, tokenizer, config, 1, seed=1)
    pipeline_rate = len(train_features) / pipeline_seconds
    print(f"pipeline: {len(train_features):,} training instances (dupe_factor {config.dupe_factor}) "
          f"in {pipeline_seconds:.1f} s = {pipeline_rate:,.0f} instances/s; {len(held_features):,} "
          f"held-out instances; random next: "
          f"{np.mean([int(f['next_sentence_labels']) for f in train_features]):.3f}")

    vocab_size = len(tokenizer.vocab_words)
    model = bert.BERTPretrainer(vocab_size, config.d_model, config.n_layers, config.n_heads,
                                config.d_ff, config.max_seq_length, config.dropout)
    train_batches = bert.feature_batches(train_features, config.batch_size, rng=random.Random(0))
    eval_batches = bert.feature_batches(held_features, config.batch_size, rng=random.Random(1))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    loop = bert.train_model(model, train_batches, eval_batches, train_steps=config.steps_per_checkpoint,
                            output_dir=tempfile.mkdtemp(), config=config)
    t0 = time.perf_counter()
    loop.run(config.steps_per_checkpoint)  # compiled: time a whole checkpoint period
    step_rate = config.steps_per_checkpoint / (time.perf_counter() - t0)
    consumed = step_rate * config.batch_size
    print(f"\n[1] pipeline {pipeline_rate:,.0f} instances/s vs training consuming {consumed:,.0f} "
          f"instances/s ({step_rate:.2f} steps/s x batch {config.batch_size}): ratio "
          f"{pipeline_rate / consumed:.0f}x (target >= 5x)", flush=True)

    while time.process_time() - cpu0 < args.cpu_minutes * 60 - 60:
        loop.run(config.steps_per_checkpoint)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    held = evaluate(model, held_features, config, vocab_size)
    print(f"\n[2] pretrained {loop.step} steps in {cpu / 60:.1f} CPU-min ({wall / 60:.1f} min wall); "
          f"held-out: MLM accuracy {held['mlm_accuracy']:.4f} loss {held['mlm_loss']:.3f}, NSP "
          f"accuracy {held['nsp_accuracy']:.4f} loss {held['nsp_loss']:.3f} "
          f"(targets: MLM accuracy >= 0.25, NSP accuracy >= 0.75)")


if __name__ == "__main__":
    main()
