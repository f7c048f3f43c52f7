"""``descriptor_for``: from a Python annotation to the descriptor that carries it.

Optional libraries are recognised by their classes' module and name, so resolving an
annotation never imports pandas, Pillow or torch: if the annotation is one of their classes,
the library is already loaded.
"""

from __future__ import annotations

import collections.abc
import inspect
import pathlib
import types
import typing
from typing import Annotated, Any, Union

import numpy as np

from tiffin.exceptions import ConfigurationError
from tiffin.io._base import IODescriptor, Nullable
from tiffin.io._dataframe import PandasDataFrame
from tiffin.io._file import File, FilePath
from tiffin.io._image import Image
from tiffin.io._ndarray import DType, NumpyNdarray, Shape
from tiffin.io._optional import is_type
from tiffin.io._stream import Stream
from tiffin.io._tensor import TorchTensor
from tiffin.io._text import Text
from tiffin.io._typed import JSON, TypedValue

__all__ = ["descriptor_for"]

_STREAMS = {
    collections.abc.Iterator: False,
    collections.abc.Generator: False,
    collections.abc.AsyncIterator: True,
    collections.abc.AsyncGenerator: True,
    collections.abc.AsyncIterable: True,
}
_UNIONS: tuple[Any, ...] = (Union, types.UnionType)
_EMPTY = inspect.Parameter.empty


def descriptor_for(annotation: Any, *, result: bool = False) -> IODescriptor:
    """The IO descriptor for a parameter or return annotation.

    Accepts tiffin.io descriptors (class or configured instance), ``numpy.ndarray`` (also
    ``NDArray[np.float32]`` and ``Annotated[np.ndarray, Shape(...), DType(...)]``),
    ``pandas.DataFrame``, ``PIL.Image.Image``, ``torch.Tensor``, ``bytes``, ``pathlib.Path``,
    ``str``, scalars, ``dict``/``list``/``Any`` and typing generics, pydantic models,
    dataclasses, ``Optional[X]``, and (for results) ``Iterator[X]``/``AsyncIterator[X]`` and
    generator types, which stream. A missing annotation means any JSON value.

    ``result=True`` resolves a return annotation: a result type pydantic cannot validate
    (a dataclass holding arrays, ``dict[str, np.ndarray]``) is still written by orjson, so it
    is accepted with an open schema. Otherwise raises ``ConfigurationError`` for annotations
    that cannot travel as JSON.
    """
    if isinstance(annotation, IODescriptor):
        return annotation
    if annotation is _EMPTY or annotation is Any:
        return JSON()
    if isinstance(annotation, type) and issubclass(annotation, IODescriptor):
        return _instantiate(annotation)
    if isinstance(annotation, (str, typing.ForwardRef)):
        raise ConfigurationError(
            f"The annotation {annotation!r} is an unresolved name; define or import it before "
            "the API is declared."
        )
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _annotated(annotation, result)
    if origin in _UNIONS:
        return _union(annotation, result)
    if origin in _STREAMS or (isinstance(annotation, type) and annotation in _STREAMS):
        return _stream(annotation, origin)
    return _plain(annotation, origin, result)


def _instantiate(cls: type[IODescriptor]) -> IODescriptor:
    try:
        return cls()
    except TypeError as exc:
        raise ConfigurationError(
            f"{cls.__name__} needs arguments to be used as an annotation ({exc}); write "
            f"{cls.__name__}(...) with them."
        ) from None


def _plain(annotation: Any, origin: Any, result: bool) -> IODescriptor:
    if annotation is np.ndarray or origin is np.ndarray:
        return NumpyNdarray(dtype=_ndarray_dtype(annotation))
    if annotation is bytes:
        return File()
    if annotation is str:
        return Text()
    if isinstance(annotation, type) and issubclass(annotation, pathlib.PurePath):
        return FilePath()
    if is_type(annotation, "pandas", "DataFrame"):
        return PandasDataFrame()
    if is_type(annotation, "PIL.Image", "Image"):
        return Image()
    if is_type(annotation, "torch", "Tensor"):
        return TorchTensor()
    return TypedValue(annotation, lenient=result)


def _ndarray_dtype(annotation: Any) -> Any:
    """The dtype of ``np.ndarray[Any, np.dtype[np.float32]]`` / ``NDArray[np.float32]``."""
    args = typing.get_args(annotation)
    if len(args) == 2:
        scalar = typing.get_args(args[1])
        if scalar and isinstance(scalar[0], type) and issubclass(scalar[0], np.generic):
            return scalar[0]
    return None


def _annotated(annotation: Any, result: bool) -> IODescriptor:
    base, *metadata = typing.get_args(annotation)
    for item in metadata:
        if isinstance(item, IODescriptor) or (
            isinstance(item, type) and issubclass(item, IODescriptor)
        ):
            return descriptor_for(item)
    shape = next((item.dims for item in metadata if isinstance(item, Shape)), None)
    dtype = next((item.dtype for item in metadata if isinstance(item, DType)), None)
    if shape is None and dtype is None:
        inner = descriptor_for(base, result=result)
        # Other metadata (pydantic's Field, constraints) is for pydantic to apply.
        return TypedValue(annotation, lenient=result) if isinstance(inner, TypedValue) else inner
    if is_type(base, "torch", "Tensor"):
        return TorchTensor(dtype=dtype, shape=shape)
    if base is np.ndarray or typing.get_origin(base) is np.ndarray:
        return NumpyNdarray(dtype=dtype if dtype is not None else _ndarray_dtype(base), shape=shape)
    raise ConfigurationError(
        f"Shape and DType apply to numpy arrays and torch tensors, not to {base!r}; write "
        "Annotated[np.ndarray, Shape(...), DType(...)]."
    )


def _union(annotation: Any, result: bool) -> IODescriptor:
    members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    nullable = len(members) < len(typing.get_args(annotation))
    if nullable and len(members) == 1:
        inner = descriptor_for(members[0], result=result)
        if not isinstance(inner, TypedValue):
            return Nullable(inner)
    return TypedValue(annotation, lenient=result)


def _stream(annotation: Any, origin: Any) -> IODescriptor:
    is_async = _STREAMS[origin if origin in _STREAMS else annotation]
    args = typing.get_args(annotation)
    item = descriptor_for(args[0], result=True) if args else JSON()
    return Stream(item, is_async=is_async)
