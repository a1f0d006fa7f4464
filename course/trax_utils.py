"""Small Trax helpers shared by the assignments: jitted forward passes and weight copies.

Calling a Trax layer directly runs it op by op (~100x slower than compiled); the course
evaluates and samples through :func:`jit_forward` instead.
"""
import numpy as np

from course.lazy import jax, trax  # imported on first use


def jit_forward(model):
    """A compiled ``model(x)`` that keeps ``model.state`` up to date (e.g. an RNN's carry
    in ``mode='predict'``). Returns ``forward(x) -> output``. The compiled function is kept
    on the model, so calling this again (e.g. once per generated text) does not recompile."""
    pure = getattr(model, "_course_jitted_pure_fn", None)
    if pure is None:
        pure = model._course_jitted_pure_fn = jax.jit(model.pure_fn)

    def forward(x):
        out, model.state = pure(x, model.weights, model.state, model.rng)
        return out

    return forward


def copy_weights(source, target, input_signature):
    """Initialise ``target`` (e.g. the same architecture in predict mode) with ``source``'s
    weights. ``input_signature`` is a ``trax.shapes.ShapeDtype`` for ``target``'s input."""
    target.init(input_signature)
    target.weights = source.weights
    return target


def reset_state(model, input_signature):
    """Give ``model`` a fresh initial state (e.g. an empty RNN carry) and keep its weights.
    (``model.init`` alone would also draw new random weights.)"""
    weights = model.weights
    model.init(input_signature)
    model.weights = weights
    return model


def int_signature(shape):
    """ShapeDtype of an int32 token batch of ``shape``."""
    return trax.shapes.ShapeDtype(tuple(shape), np.int32)


def find_layers(model, match):
    """Every layer inside ``model`` (depth first, in order) for which ``match(layer)`` is true,
    e.g. to look at the weights of a Transformer's attention layers."""
    found = [model] if match(model) else []
    for sub in model.sublayers:
        found.extend(find_layers(sub, match))
    return found
