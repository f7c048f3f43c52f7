"""Types on the wire: IO descriptors, the body binding rule and result rendering.

An API's parameters and result are declared with annotations; :func:`descriptor_for` maps
each annotation to an :class:`IODescriptor`, which converts values to and from JSON and a
binary form:

- ``NumpyNdarray``, ``numpy.ndarray``, ``Annotated[np.ndarray, Shape(...), DType(...)]``:
  nested lists; ``application/x-npy``.
- ``PandasDataFrame``, ``pandas.DataFrame``: records or ``{"columns", "data"}``;
  ``application/vnd.apache.arrow.stream``.
- ``JSON``, ``dict``, ``list``, ``Any``, scalars, pydantic models, dataclasses: JSON.
- ``Text``, ``str``: a JSON string; ``text/plain``.
- ``Image``, ``PIL.Image.Image``: base64; ``image/*`` or a multipart file.
- ``File``, ``pathlib.Path``, ``bytes``: base64; any binary body or a multipart file.
- ``torch.Tensor``: nested lists; ``application/x-npy``.
- ``Iterator[X]``, ``AsyncIterator[X]`` and generators (results only): streamed as NDJSON or SSE.

:class:`InputSpec` applies the body binding rule to requests and :class:`OutputSpec`
renders results. Optional libraries (pandas, pyarrow, Pillow, torch, python-multipart) are
imported only when a value of theirs is decoded or encoded.
"""

from __future__ import annotations

from tiffin.io._base import IODescriptor
from tiffin.io._binding import InputSpec, Param
from tiffin.io._dataframe import PandasDataFrame
from tiffin.io._file import File
from tiffin.io._image import Image
from tiffin.io._ndarray import DType, NumpyNdarray, Shape
from tiffin.io._output import OutputSpec
from tiffin.io._resolve import descriptor_for
from tiffin.io._text import Text
from tiffin.io._typed import JSON

__all__ = [
    "JSON",
    "DType",
    "File",
    "IODescriptor",
    "Image",
    "InputSpec",
    "NumpyNdarray",
    "OutputSpec",
    "PandasDataFrame",
    "Param",
    "Shape",
    "Text",
    "descriptor_for",
]
