"""The JSON codec every layer shares: orjson, with numpy (and friends) serialised natively.

``dumps`` writes numpy arrays and scalars inside any structure without converting them first
(orjson's ``OPT_SERIALIZE_NUMPY``); what orjson cannot write by itself (non-contiguous arrays,
unusual dtypes, pandas and pydantic objects, tensors, bytes, decimals, sets) goes through
:func:`default`. Integer dict keys (``{0: "setosa"}``) are written as strings.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import decimal
import pathlib
import sys
from typing import Any

import numpy as np
import orjson

__all__ = ["JSONDecodeError", "default", "dumps", "loads", "tensor_to_numpy"]

OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS

JSONDecodeError = orjson.JSONDecodeError


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse a JSON document; raises :data:`JSONDecodeError` (a ``ValueError``) on bad input."""
    return orjson.loads(data)


def dumps(obj: Any) -> bytes:
    """Serialise ``obj`` to JSON bytes; raises ``TypeError`` for values with no JSON form."""
    try:
        return orjson.dumps(obj, default=default, option=OPTIONS)
    except TypeError as exc:
        if "Dict key" not in str(exc):
            raise
    # orjson refuses numpy scalars as keys ({np.int64(0): "setosa"}): the slow path
    # rewrites keys, paid only by results that need it.
    return orjson.dumps(_plain_keys(obj), default=default, option=OPTIONS)


def _plain_keys(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            key.item() if isinstance(key, np.generic) else key: _plain_keys(value)
            for key, value in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [_plain_keys(item) for item in obj]
    return obj


def default(obj: Any) -> Any:
    """Turn a value orjson cannot write into one it can; orjson calls this as ``default=``."""
    if isinstance(obj, np.ndarray):
        # A C-contiguous array of a supported dtype never reaches here; a non-contiguous one
        # is made contiguous once (orjson calls us again only if the dtype is unsupported).
        if obj.flags.c_contiguous or obj.dtype.kind in "OUSVMmc":
            return obj.tolist()
        return np.ascontiguousarray(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (datetime.datetime, datetime.date, datetime.time)):
        return obj.isoformat()  # subclasses, e.g. pandas.Timestamp
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return base64.b64encode(obj).decode("ascii")
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    if isinstance(obj, (decimal.Decimal, pathlib.PurePath)):
        return str(obj)
    return _default_foreign(obj)


def _default_foreign(obj: Any) -> Any:
    """Objects of optional libraries, recognised without importing them."""
    model_dump = getattr(obj, "model_dump", None)
    if model_dump is not None and "pydantic" in sys.modules:
        return model_dump(mode="json")
    module = type(obj).__module__.partition(".")[0]
    if module == "pandas":
        if hasattr(obj, "to_dict") and hasattr(obj, "columns"):
            return obj.to_dict(orient="records")
        if hasattr(obj, "to_numpy"):
            return obj.to_numpy()
    if module == "torch" and hasattr(obj, "detach"):
        return tensor_to_numpy(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if hasattr(obj, "__array__"):
        return np.asarray(obj)
    raise TypeError(f"Type is not JSON serializable: {type(obj).__qualname__}")


def tensor_to_numpy(tensor: Any) -> Any:
    """A torch tensor's values as a numpy array (moved to the CPU, bfloat16 widened)."""
    tensor = tensor.detach().cpu()
    if str(tensor.dtype) == "torch.bfloat16":  # numpy has no bfloat16
        tensor = tensor.float()
    return tensor.numpy()
