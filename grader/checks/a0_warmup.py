"""Public checks for assignment 0 (Monte-Carlo integration)."""
import numpy as np

from grader.api import Assignment, Fail
from grader.compare import compare

ASSIGNMENT = Assignment(
    "a0_warmup", module="montecarlo", title="Warm-up: Monte-Carlo integration",
    exercises=["mc_estimate_loop", "mc_estimate_vectorized", "integrate_uniform",
               "integrate_exponential", "rms_errors", "convergence_slope"])
check = ASSIGNMENT.check
#: What each exercise's checks take from the reference instead of the student's other
#: exercises (grader/replay.py): integrate_* estimate with mc_estimate_vectorized,
#: rms_errors repeats integrate_uniform, the simulated slope needs rms_errors.
ESTIMATOR, INTEGRATOR, ERRORS = ["mc_estimate_vectorized"], ["integrate_uniform"], ["rms_errors"]


def square(x):
    return x ** 2


def unit_density(x):
    return np.ones_like(x) if np.ndim(x) else 1.0


def unit_samples(n=200, seed=0):
    return np.random.default_rng(seed).uniform(0.0, 1.0, size=n)


def scalar_judge(got, expected):
    """The result must be one number (a Python or NumPy scalar), then equal the expectation."""
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        raise Fail(f"expected a single float, got {type(got).__name__}"
                   f"{' of shape ' + str(np.shape(got)) if hasattr(got, 'shape') else ''}")
    return compare(got, expected, rtol=1e-9)


# --- mc_estimate_loop -------------------------------------------------------------------

@check("mc_estimate_loop", points=2, judge=scalar_judge)
def loop_square_uniform(mc):
    """estimate of ∫_0^1 x² dx from 200 uniform samples (true value 1/3)"""
    return mc.mc_estimate_loop(square, unit_density, unit_samples())


@check("mc_estimate_loop", points=1, judge=scalar_judge)
def loop_divides_by_density(mc):
    """estimate with a non-uniform density p(x) = 2x (each term must be h(x) / p(x))"""
    samples = np.sqrt(unit_samples(50, seed=3))  # X = sqrt(U) has density 2x on [0, 1]
    return mc.mc_estimate_loop(square, lambda x: 2.0 * x, samples)


# --- mc_estimate_vectorized -------------------------------------------------------------

@check("mc_estimate_vectorized", points=1, judge=scalar_judge)
def vectorized_square_uniform(mc):
    """estimate of ∫_0^1 x² dx from 200 uniform samples"""
    return mc.mc_estimate_vectorized(square, unit_density, unit_samples())


def _agree(got, expected):
    return compare(got["vectorized"], got["loop"], name="vectorised estimate vs loop estimate",
                   rtol=1e-9)


@check("mc_estimate_vectorized", points=1, judge=_agree, replay=["mc_estimate_loop"])
def vectorized_matches_loop(mc):
    """loop and vectorised versions give the same estimate on the same samples"""
    samples = unit_samples(100, seed=5)
    return {"loop": mc.mc_estimate_loop(np.sin, unit_density, samples),
            "vectorized": mc.mc_estimate_vectorized(np.sin, unit_density, samples)}


@check("mc_estimate_vectorized", points=1, judge=scalar_judge)
def vectorized_divides_by_density(mc):
    """estimate with a non-uniform density p(x) = 2x (each term must be h(x) / p(x))"""
    samples = np.sqrt(unit_samples(50, seed=3))  # X = sqrt(U) has density 2x on [0, 1]
    return mc.mc_estimate_vectorized(square, lambda x: 2.0 * x, samples)


def _one_call(got, expected):
    if got["h_calls"] != 1 or got["p_calls"] != 1:
        raise Fail(f"h was called {got['h_calls']} times and p {got['p_calls']} times for "
                   f"{got['n']} samples; call each once on the whole array (no Python loop)")


@check("mc_estimate_vectorized", points=1, judge=_one_call)
def vectorized_is_vectorized(mc):
    """h and p are each evaluated once, on the whole sample array"""
    calls = {"h": 0, "p": 0}

    def h(x):
        calls["h"] += 1
        return square(x)

    def p(x):
        calls["p"] += 1
        return unit_density(x)

    mc.mc_estimate_vectorized(h, p, unit_samples(100))
    return {"h_calls": calls["h"], "p_calls": calls["p"], "n": 100}


# --- integrate_uniform ------------------------------------------------------------------

@check("integrate_uniform", points=1, judge=scalar_judge, replay=ESTIMATOR)
def uniform_unit_interval(mc):
    """∫_0^1 x² dx with n = 1,000 and rng = default_rng(1)"""
    return mc.integrate_uniform(square, 0.0, 1.0, 1000, np.random.default_rng(1))


@check("integrate_uniform", points=1, judge=scalar_judge, replay=ESTIMATOR)
def uniform_wider_interval(mc):
    """∫_2^5 x dx with n = 500 and rng = default_rng(2) (density must be 1 / (b - a))"""
    return mc.integrate_uniform(lambda x: x, 2.0, 5.0, 500, np.random.default_rng(2))


# --- integrate_exponential --------------------------------------------------------------

@check("integrate_exponential", points=1, judge=scalar_judge, replay=ESTIMATOR)
def exponential_gaussian_tail(mc):
    """∫_0^∞ exp(-x²/2) dx with rate 1, n = 2,000, rng = default_rng(3)"""
    return mc.integrate_exponential(lambda x: np.exp(-x ** 2 / 2), 1.0, 2000,
                                    np.random.default_rng(3))


@check("integrate_exponential", points=1, judge=scalar_judge, replay=ESTIMATOR)
def exponential_rate_two(mc):
    """∫_0^∞ exp(-x) dx with rate 2 (not the default-looking 1), n = 1,000, rng = default_rng(7)"""
    return mc.integrate_exponential(lambda x: np.exp(-x), 2.0, 1000, np.random.default_rng(7))


# --- rms_errors -------------------------------------------------------------------------

@check("rms_errors", points=2, rtol=1e-9, subject="errors", exact_dtype=True, replay=INTEGRATOR)
def rms_errors_three_sizes(mc):
    """RMS errors (float64 array) for ∫_0^1 x² dx, ns = [10, 100, 1000], 20 repeats, rng = default_rng(4)"""
    return mc.rms_errors(square, 0.0, 1.0, 1 / 3, [10, 100, 1000], 20, np.random.default_rng(4))


# --- convergence_slope ------------------------------------------------------------------

@check("convergence_slope", points=1, judge=scalar_judge)
def slope_of_exact_power_law(mc):
    """slope for errors that follow 0.3 · n^-0.5 exactly (answer: -0.5)"""
    ns = np.array([10, 100, 1000, 10000])
    return mc.convergence_slope(ns, 0.3 * ns ** -0.5)


def _near_half(got, expected):
    if not isinstance(got, (int, float)) or not abs(got + 0.5) < 0.15:
        raise Fail(f"fitted slope {got!r} is not within 0.15 of -0.5 on errors that fall like "
                   "n^-0.5: fit log(errors) against log(ns)")


@check("convergence_slope", points=1, judge=_near_half, replay=ERRORS)
def slope_from_simulation(mc):
    """slope fitted to simulated RMS errors of uniform integration (within 0.15 of -0.5)"""
    ns = [100, 400, 1600, 6400]
    errors = mc.rms_errors(square, 0.0, 1.0, 1 / 3, ns, 40, np.random.default_rng(6))
    return mc.convergence_slope(ns, errors)
