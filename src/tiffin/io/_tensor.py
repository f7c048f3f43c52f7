"""``torch.Tensor`` parameters and results: as numpy arrays on the wire, tensors in Python.

torch is imported only when a tensor is decoded; annotations are recognised by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tiffin.exceptions import BadInput, ConfigurationError
from tiffin.io._base import IODescriptor
from tiffin.io._json import tensor_to_numpy
from tiffin.io._media import NPY
from tiffin.io._ndarray import NumpyNdarray, ShapeLike, write_npy
from tiffin.io._optional import require

__all__ = ["TorchTensor"]

# torch dtypes numpy lacks travel as the nearest numpy dtype and are converted after.
_CARRIERS = {"bfloat16": "float32"}


class TorchTensor(IODescriptor):
    """A ``torch.Tensor`` (CPU): nested lists in JSON, ``application/x-npy`` in binary.

    ``dtype`` is a torch dtype or its name (``"float32"``); ``shape`` works as for
    :class:`~tiffin.io.NumpyNdarray`.
    """

    __slots__ = ("_array", "_dtype_name")

    _kind = "tensor"
    _media_types = (NPY,)

    def __init__(self, dtype: Any = None, shape: ShapeLike | None = None) -> None:
        self._dtype_name = None if dtype is None else str(dtype).removeprefix("torch.")
        carrier = None
        if self._dtype_name is not None:
            carrier = _CARRIERS.get(self._dtype_name, self._dtype_name)
            if not hasattr(np, carrier):
                raise ConfigurationError(
                    f"dtype {dtype!r} is not a tensor dtype tiffin can carry; use a name such "
                    "as 'float32', 'int64' or 'bfloat16'."
                )
        self._array = NumpyNdarray(dtype=carrier, shape=shape)

    def from_json(self, value: Any) -> Any:
        return self._tensor(self._array.from_json(value))

    def from_bytes(self, body: bytes, content_type: str) -> Any:
        return self._tensor(self._array.from_bytes(body, content_type))

    def validate(self, value: Any) -> Any:
        if _is_tensor(value):
            value = tensor_to_numpy(value)
        return self._tensor(self._array.validate(value))

    def to_json(self, value: Any) -> Any:
        return tensor_to_numpy(value) if _is_tensor(value) else value

    def to_bytes(self, value: Any, media_type: str) -> bytes:
        return write_npy(np.asarray(tensor_to_numpy(value) if _is_tensor(value) else value))

    def json_schema(self) -> dict[str, Any]:
        schema = self._array.json_schema()
        if self._dtype_name is not None:
            schema["x-dtype"] = self._dtype_name
        return schema

    def _options(self) -> dict[str, Any]:
        return {"dtype": self._dtype_name, "shape": self._array._options()["shape"]}

    def _tensor(self, array: np.ndarray[Any, Any]) -> Any:
        torch = require("torch")
        if not array.flags.writeable:
            array = array.copy()  # torch warns on read-only buffers
        try:
            tensor = torch.from_numpy(array)
        except TypeError as exc:
            raise BadInput(
                f"expected numbers for a tensor, received {array.dtype}: {exc}"
            ) from None
        if self._dtype_name in _CARRIERS:
            tensor = tensor.to(getattr(torch, self._dtype_name))
        return tensor


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.partition(".")[0] == "torch" and hasattr(value, "detach")
