"""Assignment 0 — Monte-Carlo integration (warm-up).

We estimate an integral  I = ∫ h(x) dx  by rewriting it as an expectation under a
density p that we can sample from:

    I = ∫ h(x) dx = ∫ (h(x) / p(x)) p(x) dx = E_p[ f(X) ],   f = h / p.

Averaging f over n independent samples X_1..X_n ~ p gives an unbiased estimate whose
error shrinks like 1 / sqrt(n). You will write the estimator twice (a Python loop, then
vectorised NumPy), use it with a uniform density and with another density, and measure
how the error falls with n.

Fill in the code between ``### START CODE HERE ###`` and ``### END CODE HERE ###``,
then run the grader:  ./run grade a0_warmup
"""
import numpy as np


def mc_estimate_loop(h, p, samples):
    """Monte-Carlo estimate of ∫ h(x) dx from samples of density p, with a Python loop.

    Args:
        h: function of one float, the integrand.
        p: function of one float, the density the samples were drawn from.
        samples: 1-D array of shape (n,), samples X_i ~ p.

    Returns:
        float: the mean of h(X_i) / p(X_i) over the n samples.
    """
    ### START CODE HERE ###
    # Accumulate f(x) = h(x) / p(x) over the samples, then divide by their number.
    total = 0.0
    for x in samples:
        total += h(x) / p(x)
    return float(total / len(samples))
    ### END CODE HERE ###


def mc_estimate_vectorized(h, p, samples):
    """The same estimate as :func:`mc_estimate_loop`, without a Python loop.

    ``h`` and ``p`` accept arrays here (they are applied element-wise).

    Args:
        samples: array of shape (n,).

    Returns:
        float: mean of h(samples) / p(samples).
    """
    ### START CODE HERE ###
    # One NumPy expression: evaluate h and p on the whole array at once.
    return float(np.mean(h(samples) / p(samples)))
    ### END CODE HERE ###


def integrate_uniform(h, a, b, n, rng):
    """Estimate ∫_a^b h(x) dx with n samples from the uniform density on [a, b].

    Args:
        h: vectorised integrand.
        a, b: floats, a < b.
        n: int, number of samples.
        rng: ``numpy.random.Generator``; draw the samples with ``rng.uniform(a, b, size=n)``
            (one call, so results are reproducible).

    Returns:
        float: the estimate.
    """
    ### START CODE HERE ###
    # The uniform density on [a, b] is 1 / (b - a) everywhere on the interval.
    samples = rng.uniform(a, b, size=n)
    return mc_estimate_vectorized(h, lambda x: np.full_like(x, 1.0 / (b - a)), samples)
    ### END CODE HERE ###


def integrate_exponential(h, rate, n, rng):
    """Estimate ∫_0^∞ h(x) dx with n samples from the exponential density with ``rate``.

    The exponential density is p(x) = rate · exp(-rate · x) for x ≥ 0. Draw the samples
    with ``rng.exponential(1 / rate, size=n)`` (NumPy takes the *scale* = 1 / rate).

    Returns:
        float: the estimate.
    """
    ### START CODE HERE ###
    samples = rng.exponential(1.0 / rate, size=n)
    return mc_estimate_vectorized(h, lambda x: rate * np.exp(-rate * x), samples)
    ### END CODE HERE ###


def rms_errors(h, a, b, true_value, ns, n_repeats, rng):
    """Root-mean-square error of :func:`integrate_uniform` for each sample size in ``ns``.

    For each n in ``ns`` (in order), run ``integrate_uniform(h, a, b, n, rng)``
    ``n_repeats`` times with the same ``rng`` and compute
    sqrt(mean((estimate - true_value) ** 2)).

    Returns:
        ndarray of shape (len(ns),), float64.
    """
    ### START CODE HERE ###
    errors = []
    for n in ns:
        estimates = np.array([integrate_uniform(h, a, b, n, rng) for _ in range(n_repeats)])
        errors.append(np.sqrt(np.mean((estimates - true_value) ** 2)))
    return np.array(errors, dtype=np.float64)
    ### END CODE HERE ###


def convergence_slope(ns, errors):
    """Slope of log(error) against log(n), fitted by least squares.

    Monte-Carlo error falls like n ** -0.5, so the slope should be close to -0.5.

    Args:
        ns: sequence of sample sizes, shape (k,).
        errors: RMS errors for those sizes, shape (k,).

    Returns:
        float: the fitted slope.
    """
    ### START CODE HERE ###
    slope, _intercept = np.polyfit(np.log(ns), np.log(errors), deg=1)
    return float(slope)
    ### END CODE HERE ###
