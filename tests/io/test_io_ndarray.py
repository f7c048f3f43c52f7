"""numpy arrays on the wire: NumpyNdarray, Shape, DType and the .npy codec."""

from __future__ import annotations

import io
from typing import Any

import jsonschema
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tiffin.exceptions import BadInput, ConfigurationError
from tiffin.io import DType, NumpyNdarray, Shape
from tiffin.io._media import NPY


def npy(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_nested_lists_become_an_array() -> None:
    """JSON nested lists decode to an ndarray with numpy's inferred dtype."""
    array = NumpyNdarray().from_json([[5.1, 3.5], [1.4, 0.2]])
    assert isinstance(array, np.ndarray)
    assert array.dtype == np.float64
    np.testing.assert_array_equal(array, [[5.1, 3.5], [1.4, 0.2]])


def test_wrong_shape_names_expected_and_received_shape() -> None:
    """A shape mismatch is a BadInput naming both shapes, in the message and the details."""
    with pytest.raises(BadInput) as caught:
        NumpyNdarray(shape=(-1, 4)).from_json([[1, 2, 3]])
    assert caught.value.message == ("expected an array of shape (any, 4), received shape (1, 3).")
    assert caught.value.details == {"expected_shape": [-1, 4], "received_shape": [1, 3]}


def test_wrong_number_of_dimensions_is_refused() -> None:
    """An array with a different number of axes does not fit the declared shape."""
    with pytest.raises(BadInput, match=r"shape \(any, 4\), received shape \(4,\)"):
        NumpyNdarray(shape=(None, 4)).from_json([1, 2, 3, 4])


def test_any_size_axes_accept_any_length() -> None:
    """-1 and None match any size along their axis."""
    descriptor = NumpyNdarray(shape=(-1, None, 2))
    assert descriptor.from_json([[[1, 2]] * 3] * 5).shape == (5, 3, 2)


def test_declared_dtype_converts_integers_to_floats() -> None:
    """JSON integers become the declared float dtype."""
    array = NumpyNdarray(dtype="float32").from_json([[1, 2]])
    assert array.dtype == np.float32


def test_floats_for_an_integer_dtype_are_refused() -> None:
    """Floats are never silently truncated into an integer dtype."""
    with pytest.raises(BadInput) as caught:
        NumpyNdarray(dtype="int64").from_json([1.5])
    assert "expected dtype int64, received values of dtype float64" in caught.value.message
    assert caught.value.details == {"expected_dtype": "int64", "received_dtype": "float64"}


def test_strings_for_a_numeric_dtype_are_refused() -> None:
    """Strings are not parsed into numbers, even when they look like numbers."""
    with pytest.raises(BadInput, match="expected dtype float32, received values of dtype str"):
        NumpyNdarray(dtype="float32").from_json([["1.5"]])


def test_integers_narrow_into_small_dtypes_within_range() -> None:
    """Pixel values as JSON integers fill a uint8 array."""
    array = NumpyNdarray(dtype="uint8").from_json([0, 128, 255])
    assert array.dtype == np.uint8


def test_integers_out_of_the_dtype_range_are_refused() -> None:
    """Values that would wrap around in the declared dtype are refused, naming the range."""
    with pytest.raises(BadInput, match=r"from -1 to 256, outside its range \[0, 255\]"):
        NumpyNdarray(dtype="uint8").from_json([-1, 256])


def test_ragged_lists_are_refused() -> None:
    """Lists of unequal lengths do not form an array."""
    with pytest.raises(BadInput, match="do not form one"):
        NumpyNdarray().from_json([[1, 2], [3]])


def test_mixed_values_without_a_dtype_are_refused() -> None:
    """Values that only fit an object array (numbers and null) are refused."""
    with pytest.raises(BadInput, match="no single dtype"):
        NumpyNdarray().from_json([1, None])


def test_a_json_object_is_not_an_array() -> None:
    """A JSON object in place of an array names what was received."""
    with pytest.raises(BadInput, match="expected an array .*, received an object"):
        NumpyNdarray().from_json({"a": 1})


def test_scalar_shape_accepts_a_bare_number() -> None:
    """A declared shape of () takes a JSON number."""
    assert NumpyNdarray(shape=()).from_json(3.5).shape == ()


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.uint16, np.bool_]),
        # Nested lists cannot carry a zero-length inner axis, so every axis has a size.
        shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
        elements={"allow_nan": False, "allow_infinity": False},
    )
)
def test_arrays_round_trip_through_json_and_npy(array: np.ndarray) -> None:
    """An array written as JSON lists or as .npy reads back equal, in the declared dtype."""
    descriptor = NumpyNdarray(dtype=array.dtype, shape=array.shape)
    from_json = descriptor.from_json(array.tolist())
    from_npy = descriptor.from_bytes(descriptor.to_bytes(array, NPY), NPY)
    for decoded in (from_json, from_npy):
        assert decoded.dtype == array.dtype
        np.testing.assert_array_equal(decoded, array)


@given(
    declared=st.lists(st.sampled_from([-1, 1, 2, 3]), min_size=1, max_size=3),
    actual=st.lists(st.integers(1, 3), min_size=1, max_size=3),
)
def test_shape_enforcement_matches_the_declaration(declared: list[int], actual: list[int]) -> None:
    """An array passes exactly when it has the declared rank and every fixed size matches."""
    descriptor = NumpyNdarray(shape=declared)
    fits = len(declared) == len(actual) and all(
        d in (-1, a) for d, a in zip(declared, actual, strict=False)
    )
    array = np.zeros(actual)
    if fits:
        assert descriptor.validate(array).shape == tuple(actual)
    else:
        with pytest.raises(BadInput, match="expected an array of shape"):
            descriptor.validate(array)


def test_npy_body_decodes_with_declared_checks() -> None:
    """A .npy body is checked against the declared shape like JSON input."""
    with pytest.raises(BadInput, match=r"shape \(any, 4\), received shape \(2, 3\)"):
        NumpyNdarray(shape=(-1, 4)).from_bytes(npy(np.zeros((2, 3))), NPY)


def test_npy_body_arrays_are_writable() -> None:
    """Arrays decoded from .npy can be modified in place by the API."""
    array = NumpyNdarray().from_bytes(npy(np.zeros(3)), NPY)
    array += 1
    np.testing.assert_array_equal(array, [1, 1, 1])


def test_npy_with_pickled_objects_is_refused() -> None:
    """An object array (which needs pickle) is refused and never unpickled."""
    body = npy(np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(BadInput, match="Python objects, which would need pickle"):
        NumpyNdarray().from_bytes(body, NPY)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not npy at all", id="garbage"),
        pytest.param(npy(np.zeros(100))[:-10], id="truncated"),
    ],
)
def test_malformed_npy_is_bad_input(body: bytes) -> None:
    """A body that is not a whole .npy document is a BadInput."""
    with pytest.raises(BadInput, match=r"not a usable \.npy array"):
        NumpyNdarray().from_bytes(body, NPY)


def test_writing_an_object_array_as_npy_is_refused() -> None:
    """Results of object dtype have no .npy form; the error says to ask for JSON."""
    with pytest.raises(Exception, match="cannot be written as .npy"):
        NumpyNdarray().to_bytes(np.array([object()]), NPY)


def test_validate_converts_lists_for_in_process_calls() -> None:
    """In-process calls with lists get arrays, checked like HTTP input."""
    descriptor = NumpyNdarray(dtype="float32", shape=(-1, 2))
    assert descriptor.validate([[1, 2]]).dtype == np.float32
    with pytest.raises(BadInput):
        descriptor.validate(np.zeros((1, 3)))


def test_shape_and_dtype_markers_normalise() -> None:
    """Shape takes a tuple or separate sizes (None for any); DType takes any dtype-like."""
    assert Shape((-1, 4)) == Shape(None, 4)
    assert Shape(-1, 4).dims == (-1, 4)
    assert DType(np.float32) == DType("float32")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Shape((-2, 4)), id="negative-size"),
        pytest.param(lambda: Shape(("a",)), id="non-integer"),
        pytest.param(lambda: DType("not-a-dtype"), id="unknown-dtype"),
        pytest.param(lambda: NumpyNdarray(dtype=object), id="object-dtype"),
    ],
)
def test_invalid_declarations_fail_when_declared(make: Any) -> None:
    """Bad shapes and dtypes fail at declaration time with a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        make()


def test_json_schema_describes_nested_lists_of_the_shape() -> None:
    """The schema accepts arrays of the declared shape and item type, and nothing else."""
    schema = NumpyNdarray(dtype="int64", shape=(-1, 2)).json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid([[1, 2], [3, 4]])
    assert not validator.is_valid([[1, 2, 3]])
    assert not validator.is_valid([[1.5, 2]])


def test_descriptors_are_values() -> None:
    """Descriptors with equal configuration are equal and hash alike; repr shows the config."""
    first, second = NumpyNdarray("float32", (-1, 4)), NumpyNdarray(np.float32, [None, 4])
    assert first == second
    assert hash(first) == hash(second)
    assert repr(first) == "NumpyNdarray(dtype='float32', shape=[-1, 4])"
    assert first != NumpyNdarray()
