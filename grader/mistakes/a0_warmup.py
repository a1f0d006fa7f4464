"""Known mistakes of assignment 0 (Monte-Carlo integration), as edits of
``solutions/a0_warmup/montecarlo.py``."""
from grader.mistakes import mistake as m

FILENAME = "montecarlo.py"
LOOP_TERM = "        total += h(x) / p(x)"
LOOP_MEAN = "    return float(total / len(samples))"
VECTOR = "    return float(np.mean(h(samples) / p(samples)))"
UNIFORM_DRAW = "    samples = rng.uniform(a, b, size=n)"
UNIFORM_DENSITY = "np.full_like(x, 1.0 / (b - a))"
EXP_DRAW = "    samples = rng.exponential(1.0 / rate, size=n)"
EXP_DENSITY = "lambda x: rate * np.exp(-rate * x)"
RMS = "        errors.append(np.sqrt(np.mean((estimates - true_value) ** 2)))"
FIT = "    slope, _intercept = np.polyfit(np.log(ns), np.log(errors), deg=1)"

MISTAKES = [
    # --- mc_estimate_loop ---
    m("loop: density ignored", "mc_estimate_loop",
      "each term is h(x) / p(x): divide by the density the samples came from",
      (LOOP_TERM, "        total += h(x)")),
    m("loop: multiplies by the density", "mc_estimate_loop",
      "divide h(x) by the density p(x), do not multiply",
      (LOOP_TERM, "        total += h(x) * p(x)")),
    m("loop: divides by n - 1", "mc_estimate_loop",
      "average over the n samples: divide by n, not n - 1",
      (LOOP_MEAN, "    return float(total / (len(samples) - 1))")),
    m("loop: returns the sum", "mc_estimate_loop",
      "return the mean of the terms, not their sum",
      (LOOP_MEAN, "    return float(total)")),
    # --- mc_estimate_vectorized ---
    m("vectorized: multiplies by the density", "mc_estimate_vectorized",
      "divide h(samples) by the density p(samples), do not multiply",
      (VECTOR, "    return float(np.mean(h(samples) * p(samples)))")),
    m("vectorized: ratio of means", "mc_estimate_vectorized",
      "average the ratios h(x) / p(x), not divide the mean of h by the mean of p",
      (VECTOR, "    return float(np.mean(h(samples)) / np.mean(p(samples)))")),
    m("vectorized: returns an array", "mc_estimate_vectorized",
      "return one float (float(...)), not an array",
      (VECTOR, "    return np.mean(h(samples) / p(samples), keepdims=True)")),
    m("vectorized: loops over the samples", "mc_estimate_vectorized",
      "call h and p once each on the whole array, not once per sample",
      (VECTOR, "    return float(np.mean([h(x) / p(x) for x in samples]))")),
    # --- integrate_uniform ---
    m("uniform: density 1", "integrate_uniform",
      "the uniform density on [a, b] is 1 / (b - a), not 1",
      (UNIFORM_DENSITY, "np.ones_like(x)")),
    m("uniform: density b - a", "integrate_uniform",
      "the uniform density on [a, b] is 1 / (b - a), not b - a",
      (UNIFORM_DENSITY, "np.full_like(x, b - a)")),
    m("uniform: samples on [0, 1]", "integrate_uniform",
      "draw the samples on [a, b]: rng.uniform(a, b, size=n)",
      (UNIFORM_DRAW, "    samples = rng.uniform(0.0, 1.0, size=n)")),
    m("uniform: global NumPy generator", "integrate_uniform",
      "draw with the rng argument (rng.uniform), not np.random: results must be reproducible",
      (UNIFORM_DRAW, "    samples = np.random.uniform(a, b, size=n)")),
    # --- integrate_exponential ---
    m("exponential: rate passed as scale", "integrate_exponential",
      "NumPy's exponential takes the scale 1 / rate, not the rate",
      (EXP_DRAW, "    samples = rng.exponential(rate, size=n)")),
    m("exponential: density without the rate factor", "integrate_exponential",
      "the exponential density is rate · exp(-rate · x): keep the factor rate",
      (EXP_DENSITY, "lambda x: np.exp(-rate * x)")),
    m("exponential: global NumPy generator", "integrate_exponential",
      "draw with the rng argument (rng.exponential), not np.random: results must be reproducible",
      (EXP_DRAW, "    samples = np.random.exponential(1.0 / rate, size=n)")),
    # --- rms_errors ---
    m("rms: no square root", "rms_errors",
      "take the square root of the mean squared error",
      (RMS, "        errors.append(np.mean((estimates - true_value) ** 2))")),
    m("rms: mean absolute error", "rms_errors",
      "root-mean-square is sqrt(mean(error²)), not mean(|error|)",
      (RMS, "        errors.append(np.mean(np.abs(estimates - true_value)))")),
    m("rms: error of the averaged estimate", "rms_errors",
      "average the squared errors of the single estimates, not the error of their average",
      (RMS, "        errors.append(np.abs(np.mean(estimates) - true_value))")),
    m("rms: a new generator for each size", "rms_errors",
      "draw every run from the rng argument; do not create generators of your own",
      ("        estimates = np.array([integrate_uniform(h, a, b, n, rng) for _ in range(n_repeats)])",
       "        fresh = np.random.default_rng(n)\n"
       "        estimates = np.array([integrate_uniform(h, a, b, n, fresh) for _ in range(n_repeats)])")),
    m("rms: single-precision result", "rms_errors",
      "return a float64 array, as the docstring says",
      ("    return np.array(errors, dtype=np.float64)", "    return np.array(errors, dtype=np.float32)")),
    # --- convergence_slope ---
    m("slope: no logarithms", "convergence_slope",
      "fit log(errors) against log(ns), not the raw values",
      (FIT, "    slope, _intercept = np.polyfit(ns, errors, deg=1)")),
    m("slope: returns the intercept", "convergence_slope",
      "np.polyfit returns [slope, intercept]: the slope comes first",
      (FIT, "    _intercept, slope = np.polyfit(np.log(ns), np.log(errors), deg=1)")),
    m("slope: axes swapped", "convergence_slope",
      "fit log(errors) as a function of log(ns) (x = log n), not the reverse",
      (FIT, "    slope, _intercept = np.polyfit(np.log(errors), np.log(ns), deg=1)")),
]
