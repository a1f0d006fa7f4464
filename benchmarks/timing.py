"""Timing helpers for the benchmarks: interleaved rounds so that ratios compare like with like."""
import statistics
import time


def rate(fn, n):
    """Calls per second of ``fn`` over ``n`` calls (``fn`` must block until its work is done)."""
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def interleaved_rates(contenders, n, rounds=3):
    """{name: median calls/s} for ``{name: fn}``, alternating the contenders round by round so
    machine noise hits all of them alike."""
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            samples[name].append(rate(fn, n))
    return {name: statistics.median(values) for name, values in samples.items()}


def seconds(fn):
    """Wall time of one call of ``fn`` and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result
