"""Plain data: what crosses from the student side of a check to the judge side.

Plain data is None, bool, int, float, str, numpy arrays, and lists / dicts of them.
:func:`to_plain` converts what student code returns (JAX arrays, numpy scalars,
tuples) and :func:`dumps` / :func:`loads` store it as JSON (arrays keep dtype and shape).
"""
import json
import math

import numpy as np


def to_plain(value):
    """Convert ``value`` to plain data; unknown objects become a short description string."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "__array__") and hasattr(value, "shape") and hasattr(value, "dtype"):
        return np.asarray(value)  # JAX / TF arrays
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return f"<object of type {type(value).__name__}>"


def _encode(value):
    if isinstance(value, np.ndarray):
        values = value.tolist()
        if value.dtype.kind in "fc" and not np.isfinite(value).all():
            values = _encode(values)  # inf / NaN entries as {"__float__": ...}
        return {"__ndarray__": values, "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    return value


def _decode(value):
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.array(_decode(value["__ndarray__"]), dtype=value["dtype"]).reshape(value["shape"])
        if "__float__" in value:
            return float(value["__float__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(value, compact=False):
    """JSON text for plain data (stable key order; one entry per line unless ``compact``)."""
    layout = dict(separators=(",", ":")) if compact else dict(indent=1)
    return json.dumps(_encode(to_plain(value)), sort_keys=True, allow_nan=False, **layout) + "\n"


def loads(text):
    """Plain data back from :func:`dumps` output."""
    return _decode(json.loads(text))
