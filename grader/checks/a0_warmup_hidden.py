"""Hidden checks for assignment 0. Descriptions are shown on failure: they reveal no inputs."""
import numpy as np

from grader.checks.a0_warmup import ASSIGNMENT, ESTIMATOR, INTEGRATOR, scalar_judge

check = ASSIGNMENT.check


@check("mc_estimate_loop", points=1, hidden=True, judge=scalar_judge)
def loop_other_integrand(mc):
    """loop estimate for another integrand and sample set"""
    samples = np.random.default_rng(11).uniform(-1.0, 2.0, size=77)
    return mc.mc_estimate_loop(np.exp, lambda x: 1.0 / 3.0, samples)


@check("mc_estimate_vectorized", points=1, hidden=True, judge=scalar_judge)
def vectorized_float32_samples(mc):
    """vectorised estimate on single-precision samples with a non-uniform density"""
    samples = np.random.default_rng(12).beta(2.0, 1.0, size=300).astype(np.float32)
    return mc.mc_estimate_vectorized(np.cos, lambda x: 2.0 * x, samples)


@check("integrate_uniform", points=1, hidden=True, judge=scalar_judge, replay=ESTIMATOR)
def uniform_negative_interval(mc):
    """uniform integration over an interval that is not [0, 1]"""
    return mc.integrate_uniform(np.exp, -1.0, 2.0, 321, np.random.default_rng(13))


@check("integrate_exponential", points=1, hidden=True, judge=scalar_judge, replay=ESTIMATOR)
def exponential_other_rate(mc):
    """exponential sampling with a rate other than 1"""
    return mc.integrate_exponential(lambda x: x * np.exp(-x), 0.5, 999, np.random.default_rng(14))


@check("rms_errors", points=1, hidden=True, rtol=1e-9, subject="errors", replay=INTEGRATOR)
def rms_errors_other_setup(mc):
    """RMS errors for another integrand, interval and list of sample sizes"""
    return mc.rms_errors(np.sin, 0.0, np.pi, 2.0, [5, 50], 7, np.random.default_rng(15))
