"""Compare a student's result with the expected one and say what differs in one or two lines.

Used by every check. Accepts numpy/JAX arrays, lists, numbers, strings, dicts.
Returns None when they match, else a message naming shape, dtype, NaN/inf,
the first mismatching index and the largest differences.
"""
import numpy as np

from grader.plain import to_plain

_KIND_NAMES = {"b": "bool", "i": "integer", "u": "integer", "f": "floating", "c": "complex"}


def _fmt(x):
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    return repr(x.item() if isinstance(x, np.generic) else x)


def _index(idx):
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _as_array(value):
    try:
        arr = np.asarray(value)
    except Exception:  # ragged lists and the like
        return None
    return arr if arr.dtype.kind in "biufc" else None


def _kind(dtype):
    return _KIND_NAMES.get(np.dtype(dtype).kind, str(dtype))


def compare_arrays(got, expected, name="result", rtol=1e-6, atol=1e-8, exact_dtype=False):
    """Message describing how array ``got`` differs from ``expected``, or None."""
    exp = np.asarray(expected)
    arr = _as_array(to_plain(got))
    if arr is None:
        return f"{name}: expected a numeric array of shape {exp.shape}, got {_describe(got)}"
    if arr.shape != exp.shape:
        return f"{name}: shape: expected {exp.shape}, got {arr.shape}"
    if exact_dtype and arr.dtype != exp.dtype:
        return f"{name}: dtype: expected {exp.dtype}, got {arr.dtype}"
    if _kind(arr.dtype) != _kind(exp.dtype) and not (
            {_kind(arr.dtype), _kind(exp.dtype)} <= {"integer", "floating"} and exp.dtype.kind == "f"):
        return f"{name}: dtype: expected {_kind(exp.dtype)} ({exp.dtype}), got {arr.dtype}"
    if arr.dtype.kind in "fc":
        bad = ~np.isfinite(arr) & np.isfinite(exp)
        if bad.any():
            first = np.argwhere(bad)[0]
            kind = "NaN" if np.isnan(arr[tuple(first)]) else "inf"
            return (f"{name}: contains {kind} at {_index(first)} ({int(bad.sum())} non-finite "
                    f"of {arr.size}) where {_fmt(exp[tuple(first)])} was expected")
    if exp.dtype.kind in "fc" or arr.dtype.kind in "fc":
        close = np.isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    else:
        close = arr == exp
    if close.all():
        return None
    first = tuple(np.argwhere(~close)[0])
    where = f" at {_index(first)}" if exp.ndim else ""
    msg = (f"{name}: values differ{where}: expected {_fmt(exp[first])}, got {_fmt(arr[first])}")
    if exp.ndim:
        msg += f" ({int((~close).sum())} of {exp.size} entries differ)"
    if arr.dtype.kind in "iufc" and exp.dtype.kind in "iufc":
        diff = np.abs(arr.astype(np.float64) - exp.astype(np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = diff / np.abs(exp.astype(np.float64))
        msg += f"; max abs diff {np.nanmax(diff):.3g}, max rel diff {np.nanmax(rel):.3g}"
    return msg


def _describe(value):
    value = to_plain(value)
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, dict)):
        return f"{type(value).__name__} of length {len(value)}"
    if isinstance(value, str) and value.startswith("<object"):
        return value[1:-1]
    return f"{type(value).__name__} {_fmt(value)}"


def _shorten(text, limit=300):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _is_numeric(value):
    return isinstance(value, (int, float, np.ndarray, np.generic)) and not isinstance(value, bool)


def compare(got, expected, name="result", rtol=1e-6, atol=1e-8, exact_dtype=False):
    """Recursive comparison of plain data; returns None or the first difference found."""
    got, expected = to_plain(got), to_plain(expected)
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{name}: expected a dict with keys {sorted(expected)}, got {_describe(got)}"
        missing = sorted(set(expected) - set(got))
        if missing:
            return f"{name}: missing keys {missing}"
        for key in expected:
            msg = compare(got[key], expected[key], f"{name}[{key!r}]", rtol, atol, exact_dtype)
            if msg:
                return msg
        return None
    if isinstance(expected, list) and expected and all(isinstance(e, str) for e in expected):
        if got != expected:
            return _shorten(f"{name}: expected {expected}, got {got}")
        return None
    if isinstance(expected, list) and _as_array(expected) is None:
        if not isinstance(got, (list, np.ndarray)):
            return f"{name}: expected a list of length {len(expected)}, got {_describe(got)}"
        if len(got) != len(expected):
            return f"{name}: length: expected {len(expected)}, got {len(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            msg = compare(g, e, f"{name}[{i}]", rtol, atol, exact_dtype)
            if msg:
                return msg
        return None
    if _is_numeric(expected) or (isinstance(expected, list) and _as_array(expected) is not None):
        if isinstance(got, bool) or isinstance(got, str) or got is None:
            return f"{name}: expected a number or array, got {_describe(got)}"
        return compare_arrays(got, expected, name, rtol, atol, exact_dtype)
    if type(got) is not type(expected) or got != expected:
        return f"{name}: expected {_fmt(expected)}, got {_describe(got) if type(got) is not type(expected) else _fmt(got)}"
    return None
