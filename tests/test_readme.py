"""Figures the README states come from the code that computes them."""
import re

from conftest import REPO


def test_log_perplexity_figures_are_those_of_the_benchmark(course_data):
    """README's "Coming from the DeepLearning.AI course": this course's log_perplexity and the
    per-line average on one batch, as benchmarks/log_perplexity_definitions.py computes them."""
    course_data("tinyshakespeare")
    from benchmarks.log_perplexity_definitions import both_definitions
    ours, per_line = both_definitions()
    section = REPO.joinpath("README.md").read_text().split("## Coming from the DeepLearning.AI course")[1]
    stated = re.search(r"\*\*([\d.]+)\*\* nats/char here, \*\*([\d.]+)\*\* per line first", section)
    assert stated, "the section states both figures"
    assert stated.groups() == (f"{ours:.3f}", f"{per_line:.3f}")
    assert ours != per_line
