"""A progress bar for Trax training: steps, loss and time left.

>>> from course.progress import training_progress
>>> with training_progress():
...     loop = train_model(...)        # any code that runs a trax ``training.Loop``

Inside the block every ``Loop.run(n_steps)`` shows a ``tqdm.auto`` bar of ``n_steps`` steps
with the latest training loss; tqdm estimates the time left. In JupyterLab (with ipywidgets)
the bar is a widget (Trax's own log lines, ``Step N: ...`` and the metrics at each
checkpoint, follow it as before), in a terminal a line of text (the log lines are printed
above it, not through it); ``loop.history`` keeps every metric. Nothing of the training itself changes: the same steps run in the same
order; the bar only reads the loss each step returns.
"""
import contextlib

from tqdm.auto import tqdm

from course.lazy import training


@contextlib.contextmanager
def training_progress(description="training"):
    """While the block runs, every Trax ``Loop.run`` shows a progress bar (see module doc)."""
    loop_class = training.Loop
    run, one_step, log = loop_class.run, loop_class._run_one_step, training._log
    bars = []

    def run_with_bar(loop, n_steps=1):
        with tqdm(total=n_steps, desc=description, unit="step", dynamic_ncols=True) as bar:
            bars.append(bar)
            try:
                return run(loop, n_steps)
            finally:
                bars.remove(bar)

    def step_with_bar(loop, task_index, task_changed):
        loss, stats = one_step(loop, task_index, task_changed)
        if bars:
            bars[-1].set_postfix(loss=f"{float(loss):.4f}", refresh=False)
            bars[-1].update(1)
        return loss, stats

    def log_above_bar(message, stdout=True):
        if bars and stdout:
            log(message, stdout=False)  # absl's log, as before
            bars[-1].write(message)      # printed above the bar instead of through it
        else:
            log(message, stdout=stdout)

    loop_class.run, loop_class._run_one_step, training._log = run_with_bar, step_with_bar, log_above_bar
    try:
        yield
    finally:
        loop_class.run, loop_class._run_one_step, training._log = run, one_step, log
