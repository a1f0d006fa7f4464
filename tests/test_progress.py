"""The training progress bar: steps, loss and time left, Trax's log kept, training unchanged."""
import re

import numpy as np
import pytest

from course.progress import training_progress
from course.trax_compat import tl, trax
from trax.supervised import training


def _train(steps, output_dir):
    """A tiny regression model trained ``steps`` steps from a fixed seed; returns the Loop."""
    def batches(seed):
        rng = np.random.default_rng(seed)
        while True:
            x = rng.standard_normal((8, 3)).astype(np.float32)
            yield x, x.sum(axis=1, keepdims=True), np.ones((8, 1), np.float32)

    model = tl.Serial(tl.Dense(1))
    task = training.TrainTask(batches(0), tl.L2Loss(), trax.optimizers.SGD(0.1),
                              n_steps_per_checkpoint=2)
    evaluation = training.EvalTask(batches(1), [tl.L2Loss()], n_eval_batches=1)
    loop = training.Loop(model, task, eval_tasks=[evaluation], output_dir=str(output_dir),
                         random_seed=0)
    loop.run(n_steps=steps)
    return loop


@pytest.mark.slow
def test_training_shows_a_bar_keeps_the_log_and_changes_nothing(tmp_path, capsys):
    plain = _train(4, tmp_path / "plain")
    plain_out = capsys.readouterr()
    with training_progress("fit"):
        shown = _train(4, tmp_path / "shown")
    out = capsys.readouterr()
    bar = out.err.replace("\r", "\n")
    final = [line for line in bar.splitlines() if line.startswith("fit: 100%")]
    assert final and "4/4" in final[-1] and re.search(r"loss=\d+\.\d{4}", final[-1]), bar
    assert re.search(r"<\d\d:\d\d", bar), "tqdm shows the time left"
    assert "Step      4: Ran 2 train steps" in out.out  # Trax's log, printed above the bar
    assert "Step      4: Ran 2 train steps" in plain_out.out and "fit:" not in plain_out.err
    for a, b in zip(trax.fastmath.tree_flatten(plain.model.weights),
                    trax.fastmath.tree_flatten(shown.model.weights)):
        np.testing.assert_array_equal(a, b)
    assert plain.history.get("train", "metrics/L2Loss") == shown.history.get("train", "metrics/L2Loss")
    assert training.Loop.run.__name__ == "run" and training._log.__name__ == "_log"  # restored
