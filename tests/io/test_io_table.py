"""Every annotation of the SPEC's IO table, through ``InputSpec.bind`` and ``OutputSpec.render``.

Each case builds a one-parameter API from the annotation, sends the value in its JSON form
and in its binary form, and checks what the API receives; then renders it back.
"""

from __future__ import annotations

import base64
import io
import pathlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pytest

from tiffin.io import InputSpec, OutputSpec, Param, descriptor_for


@dataclass
class Case:
    annotation: Any
    json_value: Any
    body: bytes
    content_type: str
    check: Callable[[Any], None]


def ndarray_case() -> Case:
    buffer = io.BytesIO()
    np.save(buffer, np.array([[1.0, 2.0]]))

    def check(value: Any) -> None:
        np.testing.assert_array_equal(value, [[1.0, 2.0]])

    return Case(np.ndarray, [[1.0, 2.0]], buffer.getvalue(), "application/x-npy", check)


def dataframe_case() -> Case:
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"a": [1, 2]})
    sink = pa.BufferOutputStream()
    table = pa.Table.from_pandas(frame)
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)

    def check(value: Any) -> None:
        pd.testing.assert_frame_equal(value, frame)

    body = sink.getvalue().to_pybytes()
    return Case(
        pd.DataFrame, [{"a": 1}, {"a": 2}], body, "application/vnd.apache.arrow.stream", check
    )


def text_case() -> Case:
    def check(value: Any) -> None:
        assert value == "héllo"

    return Case(str, "héllo", "héllo".encode(), "text/plain; charset=utf-8", check)


def image_case() -> Case:
    pil = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    pil.new("RGB", (3, 2)).save(buffer, format="PNG")
    png = buffer.getvalue()

    def check(value: Any) -> None:
        assert isinstance(value, pil.Image)
        assert value.size == (3, 2)

    return Case(pil.Image, base64.b64encode(png).decode(), png, "image/png", check)


def bytes_case() -> Case:
    def check(value: Any) -> None:
        assert value == b"%PDF-1"

    return Case(bytes, base64.b64encode(b"%PDF-1").decode(), b"%PDF-1", "application/pdf", check)


def path_case() -> Case:
    def check(value: Any) -> None:
        assert isinstance(value, pathlib.Path)
        assert value.read_bytes() == b"\x00\x01"

    return Case(pathlib.Path, "AAE=", b"\x00\x01", "application/octet-stream", check)


def tensor_case() -> Case:
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    np.save(buffer, np.array([1.0, 2.0], dtype=np.float32))

    def check(value: Any) -> None:
        assert isinstance(value, torch.Tensor)
        assert value.tolist() == [1.0, 2.0]

    return Case(torch.Tensor, [1.0, 2.0], buffer.getvalue(), "application/x-npy", check)


CASES = [
    pytest.param(ndarray_case, id="ndarray"),
    pytest.param(dataframe_case, id="DataFrame"),
    pytest.param(text_case, id="str"),
    pytest.param(image_case, id="PIL.Image"),
    pytest.param(bytes_case, id="bytes"),
    pytest.param(path_case, id="Path"),
    pytest.param(tensor_case, id="torch.Tensor"),
]


def one_param_api(annotation: Any) -> InputSpec:
    return InputSpec([Param("x", descriptor_for(annotation))])


@pytest.mark.parametrize("make", CASES)
def test_values_bind_from_their_json_form(make: Callable[[], Case]) -> None:
    """The JSON form, by name, reaches the API as the annotated Python type."""
    case = make()
    kwargs = one_param_api(case.annotation).bind(orjson.dumps({"x": case.json_value}), None)
    case.check(kwargs["x"])


@pytest.mark.parametrize("make", CASES)
def test_values_bind_from_their_binary_form(make: Callable[[], Case]) -> None:
    """The binary form, as the whole body, reaches the API as the annotated Python type."""
    case = make()
    kwargs = one_param_api(case.annotation).bind(case.body, case.content_type)
    case.check(kwargs["x"])


@pytest.mark.parametrize("make", CASES)
def test_values_render_back_to_their_json_form(make: Callable[[], Case]) -> None:
    """A result of the annotated type renders as JSON that decodes to an equal value."""
    case = make()
    descriptor = descriptor_for(case.annotation)
    value = descriptor.from_json(case.json_value)
    body, content_type = OutputSpec(descriptor).render(value)
    assert content_type == "application/json"
    case.check(descriptor.from_json(orjson.loads(body)))
