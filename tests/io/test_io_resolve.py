"""descriptor_for: annotations to descriptors."""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import pathlib
import typing
from typing import Annotated, Any, Optional, Union

import numpy as np
import numpy.typing as npt
import pydantic
import pytest

from tiffin.exceptions import ConfigurationError
from tiffin.io import (
    JSON,
    DType,
    File,
    Image,
    NumpyNdarray,
    PandasDataFrame,
    Shape,
    Text,
    descriptor_for,
)
from tiffin.io._base import Nullable
from tiffin.io._file import FilePath
from tiffin.io._stream import Stream
from tiffin.io._typed import TypedValue


class Model(pydantic.BaseModel):
    x: int


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        pytest.param(NumpyNdarray, NumpyNdarray(), id="descriptor-class"),
        pytest.param(NumpyNdarray(shape=(2,)), NumpyNdarray(shape=(2,)), id="descriptor-instance"),
        pytest.param(np.ndarray, NumpyNdarray(), id="ndarray"),
        pytest.param(npt.NDArray[np.float32], NumpyNdarray(dtype="float32"), id="NDArray"),
        pytest.param(
            Annotated[np.ndarray, Shape((-1, 4)), DType("float32")],
            NumpyNdarray(dtype="float32", shape=(-1, 4)),
            id="annotated-ndarray",
        ),
        pytest.param(Annotated[Any, JSON], JSON(), id="annotated-descriptor"),
        pytest.param(JSON, JSON(), id="JSON"),
        pytest.param(Any, JSON(), id="Any"),
        pytest.param(inspect.Parameter.empty, JSON(), id="unannotated"),
        pytest.param(str, Text(), id="str"),
        pytest.param(bytes, File(), id="bytes"),
        pytest.param(pathlib.Path, FilePath(), id="Path"),
        pytest.param(dict, TypedValue(dict), id="dict"),
        pytest.param(list, TypedValue(list), id="list"),
        pytest.param(int, TypedValue(int), id="int"),
        pytest.param(dict[str, float], TypedValue(dict[str, float]), id="generic"),
        pytest.param(Model, TypedValue(Model), id="pydantic"),
        pytest.param(Point, TypedValue(Point), id="dataclass"),
        pytest.param(Optional[int], TypedValue(Optional[int]), id="optional-int"),  # noqa: UP045 - typing forms on purpose
        pytest.param(Optional[np.ndarray], Nullable(NumpyNdarray()), id="optional-ndarray"),  # noqa: UP045 - typing forms on purpose
        pytest.param(Union[np.ndarray, None], Nullable(NumpyNdarray()), id="union-none"),  # noqa: UP007 - typing forms on purpose
    ],
)
def test_annotations_resolve_to_their_descriptor(annotation: Any, expected: Any) -> None:
    """Each annotation of the SPEC's table resolves to the descriptor that carries it."""
    assert descriptor_for(annotation) == expected


def test_pep604_optional_resolves() -> None:
    """``X | None`` works like ``Optional[X]``."""
    assert descriptor_for(np.ndarray | None) == Nullable(NumpyNdarray())


def test_optional_libraries_resolve_by_their_classes() -> None:
    """pandas.DataFrame, PIL images and torch tensors resolve to their descriptors."""
    pd = pytest.importorskip("pandas")
    pil = pytest.importorskip("PIL.Image")
    torch = pytest.importorskip("torch")
    assert descriptor_for(pd.DataFrame) == PandasDataFrame()
    assert descriptor_for(pil.Image) == Image()
    assert descriptor_for(torch.Tensor).kind == "tensor"
    annotated = descriptor_for(Annotated[torch.Tensor, Shape(2, 2)])
    assert annotated.describe()["shape"] == [2, 2]


@pytest.mark.parametrize(
    ("annotation", "is_async"),
    [
        pytest.param(typing.Iterator[str], False, id="Iterator"),
        pytest.param(collections.abc.Generator[str, None, None], False, id="Generator"),
        pytest.param(typing.AsyncIterator[str], True, id="AsyncIterator"),
        pytest.param(collections.abc.AsyncGenerator[str, None], True, id="AsyncGenerator"),
    ],
)
def test_generator_types_stream_their_items(annotation: Any, is_async: bool) -> None:
    """Generator and iterator types resolve to a stream of the item's descriptor."""
    assert descriptor_for(annotation) == Stream(Text(), is_async=is_async)


def test_bare_iterator_streams_json() -> None:
    """An unparameterised Iterator streams any JSON values."""
    assert descriptor_for(collections.abc.Iterator) == Stream(JSON())


@pytest.mark.parametrize(
    "annotation",
    [
        pytest.param(Annotated[int, Shape(2)], id="shape-on-int"),
        pytest.param("Undefined", id="string"),
        pytest.param(type("Opaque", (), {}), id="opaque-class"),
    ],
)
def test_unsupported_annotations_are_configuration_errors(annotation: Any) -> None:
    """Annotations tiffin cannot carry fail with a ConfigurationError that names a fix."""
    with pytest.raises(ConfigurationError):
        descriptor_for(annotation)


def test_pydantic_metadata_in_annotated_is_kept() -> None:
    """``Annotated[int, Field(gt=0)]`` keeps the constraint for validation."""
    descriptor = descriptor_for(Annotated[int, pydantic.Field(gt=0)])
    assert descriptor.from_json(1) == 1
    with pytest.raises(Exception, match="greater than 0"):
        descriptor.from_json(0)
