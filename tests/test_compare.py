"""The array/plain-data comparison used by every check, and the plain-data JSON codec."""
import math

import jax.numpy as jnp
import numpy as np
import pytest

from grader import plain
from grader.compare import compare


def test_equal_values_match_across_array_types():
    assert compare(jnp.array([1.0, 2.0]), np.array([1.0, 2.0])) is None
    assert compare([1.0, 2.0], np.array([1.0, 2.0])) is None
    assert compare(np.float32(0.1), 0.1, rtol=1e-6) is None


def test_first_mismatch_index_and_differences_are_reported():
    exp = np.zeros((2, 3))
    got = exp.copy()
    got[1, 2] = 0.5
    got[1, 1] = 0.25
    msg = compare(got, exp, name="h")
    assert msg.startswith("h: values differ at [1, 1]: expected 0, got 0.25")
    assert "2 of 6 entries differ" in msg and "max abs diff 0.5" in msg


def test_shape_and_dtype_mismatches():
    assert compare(np.zeros((3, 1)), np.zeros(3)) == "result: shape: expected (3,), got (3, 1)"
    assert "dtype: expected integer" in compare(np.array([1.0, 2.0]), np.array([1, 2]))
    assert compare(np.array([1, 2]), np.array([1.0, 2.0])) is None  # ints where floats are fine
    assert "dtype: expected int32, got int64" in compare(
        np.array([1, 2], np.int64), np.array([1, 2], np.int32), exact_dtype=True)


def test_nan_and_inf_are_named_with_their_place():
    assert "contains NaN at [1]" in compare(np.array([0.0, np.nan]), np.array([0.0, 1.0]))
    assert "contains inf at [0]" in compare(np.array([np.inf, 1.0]), np.array([0.0, 1.0]))
    assert compare(np.array([np.nan]), np.array([np.nan])) is None


def test_non_arrays_and_containers():
    assert "expected a number or array, got str" in compare("abc", 1.0)
    assert "got object of type object" in compare(object(), 1.0)
    assert compare({"a": [1, 2]}, {"a": [1, 3]}).startswith("result['a']: values differ at [1]")
    assert compare({"a": 1}, {"a": 1, "b": 2}) == "result: missing keys ['b']"
    assert compare([[1, 2], [3]], [[1, 2], [3, 4]]).startswith("result: expected a numeric array")
    assert compare("B-per", "B-per") is None
    assert compare("B-geo", "B-per") == "result: expected 'B-per', got 'B-geo'"


def test_plain_round_trip_keeps_dtype_shape_and_special_floats():
    value = {"i": np.arange(6, dtype=np.int32).reshape(2, 3), "f": np.float32(0.5),
             "nan": float("nan"), "list": [1, "x", None, True], "jax": jnp.ones((2,))}
    back = plain.loads(plain.dumps(value))
    assert back["i"].dtype == np.int32 and back["i"].shape == (2, 3)
    assert np.array_equal(back["i"], value["i"])
    assert back["f"] == 0.5 and math.isnan(back["nan"])
    assert back["list"] == [1, "x", None, True]
    assert isinstance(back["jax"], np.ndarray) and back["jax"].tolist() == [1.0, 1.0]


def test_to_plain_describes_unknown_objects():
    assert plain.to_plain((x for x in [])) == "<object of type generator>"
    assert plain.to_plain((1, 2)) == [1, 2]


def test_lists_of_names_are_shown_whole():
    msg = compare(["ShiftRight", "Embedding_20_8", "Dense_20"],
                  ["ShiftRight", "Embedding_20_8", "GRU_8", "Dense_20"], name="layers")
    assert msg == ("layers: expected ['ShiftRight', 'Embedding_20_8', 'GRU_8', 'Dense_20'], "
                   "got ['ShiftRight', 'Embedding_20_8', 'Dense_20']")
