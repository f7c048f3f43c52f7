"""numpy arrays: ``NumpyNdarray``, the ``Shape`` and ``DType`` markers, and the ``.npy`` codec.

JSON carries arrays as nested lists; the binary form is numpy's ``.npy`` format, always read
with ``allow_pickle=False`` so no request can make the server unpickle anything.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from tiffin.exceptions import BadInput, ConfigurationError, TiffinError
from tiffin.io._base import IODescriptor, json_kind
from tiffin.io._media import NPY

__all__ = [
    "DType",
    "NumpyNdarray",
    "Shape",
    "check_shape",
    "convert_dtype",
    "read_npy",
    "write_npy",
]

ShapeLike = Sequence["int | None"]

# Kinds of values each target kind accepts: int -> float is fine, float -> int is not.
_CASTABLE = {
    "b": "b",
    "i": "biu",
    "u": "biu",
    "f": "biuf",
    "c": "biufc",
    "U": "U",
    "S": "SU",
    "M": "UM",
    "m": "im",
}


class Shape:
    """``Annotated`` marker for an array's shape: ``Shape((-1, 4))`` or ``Shape(-1, 4)``.

    ``-1`` or ``None`` stands for any size along that axis.
    """

    __slots__ = ("dims",)

    def __init__(self, *dims: int | ShapeLike | None) -> None:
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        self.dims = normalize_shape(dims)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shape) and other.dims == self.dims

    def __hash__(self) -> int:
        return hash(self.dims)

    def __repr__(self) -> str:
        return f"Shape({self.dims!r})"


class DType:
    """``Annotated`` marker for an array's dtype: ``DType("float32")``."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: DTypeLike) -> None:
        self.dtype = normalize_dtype(dtype)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DType) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __repr__(self) -> str:
        return f"DType({str(self.dtype)!r})"


class NumpyNdarray(IODescriptor):
    """A ``numpy.ndarray``: nested lists in JSON, ``application/x-npy`` in binary.

    ``dtype`` and ``shape`` (``-1``/``None`` for any size) are enforced when declared: values
    convert to ``dtype`` where no information is lost in kind (ints to floats, not floats to
    ints), and a mismatch is a 400 naming the expected and received dtype or shape.

    Example::

        def classify(self, input_data: NumpyNdarray(dtype="float32", shape=(-1, 4))) -> JSON:
            ...
    """

    __slots__ = ("_dtype", "_shape")

    _kind = "ndarray"
    _media_types = (NPY,)

    def __init__(self, dtype: DTypeLike | None = None, shape: ShapeLike | None = None) -> None:
        self._dtype = None if dtype is None else normalize_dtype(dtype)
        self._shape = None if shape is None else normalize_shape(shape)

    @property
    def dtype(self) -> np.dtype[Any] | None:
        """The declared dtype, or ``None`` for any."""
        return self._dtype

    @property
    def shape(self) -> tuple[int, ...] | None:
        """The declared shape (``-1`` for any size along an axis), or ``None`` for any."""
        return self._shape

    def from_json(self, value: Any) -> np.ndarray[Any, Any]:
        if type(value) is not list and self._shape != ():
            raise BadInput(
                f"expected an array (nested JSON lists), received {json_kind(value)}.",
                details={"expected": "array", "received": json_kind(value)},
            )
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise BadInput(
                "expected an array (nested JSON lists of equal lengths), received lists that "
                f"do not form one: {exc}",
                details={"expected": "array"},
            ) from None
        return self.check(array)

    def check(self, array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Enforce the declared dtype and shape on ``array``; returns it, maybe converted."""
        if self._dtype is not None:
            if array.dtype != self._dtype:
                array = convert_dtype(array, self._dtype)
        elif array.dtype.kind in "OV":
            raise BadInput(
                "expected an array of numbers, booleans or strings, received mixed values "
                "that form no single dtype; declare a dtype or send uniform values.",
                details={"received_dtype": "object"},
            )
        if self._shape is not None:
            check_shape(self._shape, array.shape)
        return array

    def to_json(self, value: Any) -> Any:
        return value

    def from_bytes(self, body: bytes, content_type: str) -> np.ndarray[Any, Any]:
        return self.check(read_npy(body))

    def to_bytes(self, value: Any, media_type: str) -> bytes:
        return write_npy(np.asarray(value))

    def validate(self, value: Any) -> np.ndarray[Any, Any]:
        if isinstance(value, np.ndarray):
            return self.check(value)
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise BadInput(f"expected an array, received {type(value).__name__}: {exc}") from None
        return self.check(array)

    def json_schema(self) -> dict[str, Any]:
        return array_schema(self._dtype, self._shape)

    def _options(self) -> dict[str, Any]:
        return {
            "dtype": None if self._dtype is None else str(self._dtype),
            "shape": None if self._shape is None else list(self._shape),
        }


def normalize_shape(shape: ShapeLike) -> tuple[int, ...]:
    """A declared shape as a tuple of ints, ``-1`` for any size."""
    dims = []
    for dim in shape:
        if dim is None:
            dim = -1
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < -1:
            raise ConfigurationError(
                f"Shape {tuple(shape)!r} is invalid: each size must be an integer >= 0, "
                "or -1 / None for any size."
            )
        dims.append(int(dim))
    return tuple(dims)


def normalize_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    """A declared dtype as a ``numpy.dtype``; object dtypes are refused (they need pickle)."""
    try:
        result = np.dtype(dtype)
    except TypeError as exc:
        raise ConfigurationError(
            f"dtype {dtype!r} is not a numpy dtype ({exc}); use a name such as 'float32'."
        ) from None
    if result.kind in "OV":
        raise ConfigurationError(
            f"dtype {dtype!r} cannot travel on the wire; use a numeric, boolean or string dtype."
        )
    return result


def check_shape(expected: tuple[int, ...], received: tuple[int, ...]) -> None:
    """Raise ``BadInput`` unless ``received`` fits ``expected`` (``-1`` matches any size)."""
    if len(expected) == len(received):
        for want, got in zip(expected, received, strict=True):
            if want != got and want != -1:
                break
        else:
            return
    raise BadInput(
        f"expected an array of shape {format_shape(expected)}, received shape "
        f"{format_shape(received)}.",
        details={"expected_shape": list(expected), "received_shape": list(received)},
    )


def format_shape(shape: tuple[int, ...]) -> str:
    """``(-1, 4)`` reads as ``(any, 4)`` in messages."""
    dims = ["any" if dim == -1 else str(dim) for dim in shape]
    return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"


def convert_dtype(array: np.ndarray[Any, Any], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """``array`` as ``dtype``, or ``BadInput`` when that would change the kind of value.

    Integer narrowing (int64 JSON numbers into uint8) is checked against the target's range.
    """
    source = array.dtype
    if not array.size:  # [] parses as float64 and holds nothing to lose
        return array.astype(dtype)
    if source.kind not in _CASTABLE.get(dtype.kind, dtype.kind):
        raise _dtype_error(dtype, source)
    if dtype.kind in "iu" and not np.can_cast(source, dtype, "safe"):
        info = np.iinfo(dtype)
        if array.min() < info.min or array.max() > info.max:
            raise BadInput(
                f"expected dtype {dtype}, received values from {array.min()} to {array.max()}, "
                f"outside its range [{info.min}, {info.max}].",
                details={"expected_dtype": str(dtype), "received_dtype": str(source)},
            )
    try:
        return array.astype(dtype, copy=False)
    except (ValueError, TypeError):
        raise _dtype_error(dtype, source) from None


def _dtype_error(expected: np.dtype[Any], received: np.dtype[Any]) -> BadInput:
    return BadInput(
        f"expected dtype {expected}, received values of dtype {_dtype_name(received)}, which "
        f"do not convert to it; send {_kind_name(expected)}.",
        details={"expected_dtype": str(expected), "received_dtype": _dtype_name(received)},
    )


def _dtype_name(dtype: np.dtype[Any]) -> str:
    return {"U": "str", "S": "bytes", "O": "object"}.get(dtype.kind, str(dtype))


def _kind_name(dtype: np.dtype[Any]) -> str:
    names = {"b": "booleans", "i": "integers", "u": "non-negative integers", "f": "numbers"}
    return names.get(dtype.kind, f"values of dtype {dtype}")


_JSON_TYPES = {"b": "boolean", "i": "integer", "u": "integer", "f": "number", "U": "string"}


def array_schema(dtype: np.dtype[Any] | None, shape: tuple[int, ...] | None) -> dict[str, Any]:
    """JSON Schema of nested lists with the given dtype and shape."""
    item: dict[str, Any] = {}
    if dtype is not None and dtype.kind in _JSON_TYPES:
        item = {"type": _JSON_TYPES[dtype.kind]}
        if dtype.kind == "u":
            item["minimum"] = 0
    schema: dict[str, Any] = {"type": "array"}
    if shape is not None:
        schema = item
        for dim in reversed(shape):
            schema = {"type": "array", "items": schema}
            if dim != -1:
                schema["minItems"] = schema["maxItems"] = dim
        schema["x-shape"] = list(shape)
    elif item:
        schema["description"] = f"An array of {item['type']}s as nested lists."
    if dtype is not None:
        schema["x-dtype"] = str(dtype)
    return schema


def read_npy(body: bytes) -> np.ndarray[Any, Any]:
    """Decode a ``.npy`` document, never unpickling: object arrays are refused."""
    try:
        array: np.ndarray[Any, Any] = np.lib.format.read_array(io.BytesIO(body), allow_pickle=False)
        return array
    except ValueError as exc:
        reason = (
            "it holds Python objects, which would need pickle; send a numeric or string array"
            if "allow_pickle" in str(exc)
            else f"{exc}; write it with numpy.save"
        )
        raise BadInput(
            f"the body is not a usable .npy array: {reason}.", details={"reason": str(exc)}
        ) from None


def write_npy(array: np.ndarray[Any, Any]) -> bytes:
    """Encode ``array`` as ``.npy``; arrays of Python objects have no such form."""
    buffer = io.BytesIO()
    try:
        np.lib.format.write_array(buffer, array, allow_pickle=False)
    except ValueError as exc:
        raise TiffinError(
            f"An array of dtype {array.dtype} cannot be written as .npy ({exc}); return a "
            "numeric or string array, or ask for JSON."
        ) from None
    return buffer.getvalue()
