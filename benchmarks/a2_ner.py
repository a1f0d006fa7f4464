"""Benchmark for assignment 2 (LSTM NER on GMB). Prints its figures; not part of the tests.

    ./run python -m benchmarks.a2_ner [--cpu-minutes 9] [--data-dir DIR] [--only lstm,bilstm,crf]

0. Loading the full GMB file (read, group, split, vocabulary, ids): seconds.
1. Generator batches/s vs the train step's consumption (target >= 20x), measured side by side.
2. Trains each tagger (reference LSTM, BiLSTM, BiLSTM-CRF) on the training split for a budget
   of process CPU time; every 500 steps the validation entity F1 is computed and the best
   weights kept; prints test token accuracy (non-pad) and entity precision/recall/F1 at
   those weights. Targets for the LSTM: accuracy >= 0.958, entity F1 >= 0.80.
"""
import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "solutions" / "a2_ner"))

import ner  # noqa: E402  (the reference solution)
from benchmarks.timing import interleaved_rates  # noqa: E402
from course.trax_compat import tl  # noqa: E402

CHUNK = 500  # train steps between validation checks


def batches(data, split, config, shuffle):
    x, y = getattr(data, split)
    return ner.masked_batches(ner.data_generator(config.batch_size, x, y, data.pad, shuffle), data.pad)


def scores(model, data, split, transitions=None):
    pred, labels = ner.tag_corpus(model, *getattr(data, split), data.pad, transitions=transitions)
    return {"accuracy": ner.evaluate_prediction(pred, labels, data.pad),
            **ner.entity_f1(pred, labels, data.pad, data.tag_map)}


def train_with_budget(name, model, data, config, cpu_minutes, crf=False):
    """Train in chunks until the CPU budget is spent; keep the weights with the best
    validation F1 (``model`` ends with them). Returns a dict of what happened."""
    loss = ner.CRFLoss(len(data.tag_map)) if crf else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    loop = ner.train_model(model, batches(data, "train", config, True),
                           batches(data, "valid", config, False), train_steps=CHUNK,
                           output_dir=tempfile.mkdtemp(), config=config, loss_layer=loss)
    best = None
    while True:
        transitions = np.asarray(loss.weights) if crf else None
        valid = scores(model, data, "valid", transitions)
        if best is None or valid["f1"] > best["valid"]["f1"]:
            best = {"valid": valid, "step": loop.step, "weights": model.weights,
                    "transitions": transitions}
        print(f"    {name} step {loop.step}: valid acc {valid['accuracy']:.4f} F1 {valid['f1']:.4f} "
              f"({(time.process_time() - cpu0) / 60:.1f} CPU-min)", flush=True)
        if time.process_time() - cpu0 > cpu_minutes * 60 - 60:  # leave room for a last chunk
            break
        loop.run(CHUNK)
    model.weights = best["weights"]
    return {**best, "steps": loop.step, "cpu": time.process_time() - cpu0,
            "wall": time.perf_counter() - wall0}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-minutes", type=float, default=9.0, help="training budget per tagger")
    parser.add_argument("--data-dir", help="directory with gmb-ner/ner_dataset.csv")
    parser.add_argument("--only", default="lstm,bilstm,crf")
    args = parser.parse_args(argv)
    if args.data_dir:
        os.environ["COURSE_DATA_DIR"] = str(Path(args.data_dir).resolve())
    config = ner.CONFIG
    random.seed(0)

    start = time.perf_counter()
    data = ner.load_gmb(config=config)
    print(f"[0] loaded GMB in {time.perf_counter() - start:.1f} s: "
          f"{len(data.train[0]):,} / {len(data.valid[0]):,} / {len(data.test[0]):,} sentences "
          f"(train / valid / test, contiguous {config.split}); vocabulary {len(data.vocab):,} "
          f"(min count {config.min_word_count}); {len(data.tag_map)} tags")
    print(f"config: {config}")

    # [1] generator vs train step, interleaved on a warm (compiled) loop.
    model = ner.NER(data.tag_map, len(data.vocab), config.d_model)
    loop = ner.train_model(model, batches(data, "train", config, True),
                           batches(data, "valid", config, False), train_steps=300,
                           output_dir=tempfile.mkdtemp(), config=config)  # compiles most lengths
    gen = batches(data, "train", config, True)
    rates = interleaved_rates({"generator": lambda: next(gen), "train step": lambda: loop.run(1)},
                              n=50, rounds=3)
    print(f"[1] generator {rates['generator']:.0f} batches/s vs train step "
          f"{rates['train step']:.1f} steps/s (batch {config.batch_size}): ratio "
          f"{rates['generator'] / rates['train step']:.0f}x (target >= 20x)")

    taggers = {"lstm": ("LSTM", ner.NER, False), "bilstm": ("BiLSTM", ner.BiLSTM_NER, False),
               "crf": ("BiLSTM-CRF", ner.BiLSTM_NER, True)}
    print(f"[2] training budget {args.cpu_minutes} CPU-minutes per tagger")
    for key in args.only.split(","):
        name, build, crf = taggers[key]
        model = build(data.tag_map, len(data.vocab), config.d_model)
        run = train_with_budget(name, model, data, config, args.cpu_minutes, crf)
        test = scores(model, data, "test", run["transitions"])
        print(f"    {name}: {run['steps']} steps in {run['cpu'] / 60:.1f} CPU-min "
              f"({run['wall'] / 60:.1f} min wall); best validation F1 {run['valid']['f1']:.4f} "
              f"at step {run['step']}\n"
              f"    {name} TEST: token accuracy {test['accuracy']:.4f}, entity precision "
              f"{test['precision']:.4f} recall {test['recall']:.4f} F1 {test['f1']:.4f}", flush=True)
    print("targets (LSTM): token accuracy >= 0.958, entity F1 >= 0.80")


if __name__ == "__main__":
    main()
