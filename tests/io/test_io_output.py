"""Rendering results (OutputSpec): negotiation, binary forms and streams."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson
import pytest

from tiffin.exceptions import ConfigurationError, TiffinError
from tiffin.io import JSON, NumpyNdarray, OutputSpec, Text, descriptor_for


def classify(self: Any) -> JSON: ...


def array_result(self: Any) -> np.ndarray: ...


def test_results_are_json_by_default() -> None:
    """Without Accept (or with */*), results are JSON with numpy values inside."""
    spec = OutputSpec.from_function(classify)
    value = {"predictions": np.array([0, 2]), "confidence": np.float32(0.5)}
    for accept in (None, "*/*", "application/json"):
        body, content_type = spec.render(value, accept)
        assert content_type == "application/json"
        assert orjson.loads(body) == {"predictions": [0, 2], "confidence": 0.5}


def test_arrays_are_npy_when_asked() -> None:
    """``Accept: application/x-npy`` gets an .npy body for an array result."""
    body, content_type = OutputSpec.from_function(array_result).render(
        np.eye(2), "application/x-npy"
    )
    assert content_type == "application/x-npy"
    np.testing.assert_array_equal(np.load(io.BytesIO(body)), np.eye(2))


def test_unavailable_binary_forms_fall_back_to_json() -> None:
    """Asking for a form the result lacks gets JSON, not a 406."""
    body, content_type = OutputSpec.from_function(classify).render([1], "application/x-npy")
    assert (body, content_type) == (b"[1]", "application/json")


def test_frames_are_arrow_when_asked() -> None:
    """``Accept: application/vnd.apache.arrow.stream`` gets Arrow for a frame result."""
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")

    spec = OutputSpec(descriptor_for(pd.DataFrame))
    value = pd.DataFrame({"a": [1, 2]})
    body, content_type = spec.render(value, "application/vnd.apache.arrow.stream")
    assert content_type == "application/vnd.apache.arrow.stream"
    assert pa.ipc.open_stream(body).read_all().to_pandas().equals(value)
    assert orjson.loads(spec.render(value)[0]) == [{"a": 1}, {"a": 2}]


def test_images_are_written_in_the_accepted_image_type() -> None:
    """An image result is sent as the image type Accept names."""
    pil = pytest.importorskip("PIL.Image")

    body, content_type = OutputSpec(descriptor_for(pil.Image)).render(
        pil.new("RGB", (2, 2)), "image/jpeg"
    )
    assert content_type == "image/jpeg"
    assert pil.open(io.BytesIO(body)).format == "JPEG"


def test_text_results_are_json_strings_or_plain_text() -> None:
    """A str result is a JSON string by default and plain text when asked."""

    def say(self: Any) -> str: ...

    spec = OutputSpec.from_function(say)
    assert spec.render("hi") == (b'"hi"', "application/json")
    assert spec.render("hi", "text/plain") == (b"hi", "text/plain; charset=utf-8")


def test_unserialisable_results_are_server_errors() -> None:
    """A result with no JSON form is a 500 that says what to return instead."""
    with pytest.raises(TiffinError, match="cannot be written as JSON") as caught:
        OutputSpec.from_function(classify).render({"x": object()})
    assert caught.value.status_code == 500


@dataclasses.dataclass
class Scored:
    scores: np.ndarray


def test_results_pydantic_cannot_validate_are_still_written() -> None:
    """A result type holding arrays (which pydantic cannot validate) is written by orjson."""

    def score(self: Any) -> Scored: ...

    spec = OutputSpec.from_function(score)
    assert spec.render(Scored(np.arange(4)[::2])) == (b'{"scores":[0,2]}', "application/json")
    assert spec.json_schema() == {}


def test_missing_return_annotations_mean_json() -> None:
    """An unannotated API returns JSON."""

    def f(self): ...  # type: ignore[no-untyped-def]

    assert OutputSpec.from_function(f).render({"a": 1}) == (b'{"a":1}', "application/json")


# -- streams ------------------------------------------------------------------------------


def test_generator_functions_stream() -> None:
    """A generator function's result streams, whatever its annotation."""

    def tokens(self: Any) -> Iterator[str]:
        yield "a"

    def rows(self: Any) -> JSON:  # type: ignore[misc]
        yield {"a": 1}

    assert OutputSpec.from_function(tokens).is_stream
    assert OutputSpec.from_function(rows).is_stream
    assert not OutputSpec.from_function(classify).is_stream


def test_streams_are_ndjson_unless_sse_is_asked_for() -> None:
    """Streams default to NDJSON; ``Accept: text/event-stream`` gets SSE."""

    def rows(self: Any) -> Iterator[dict[str, Any]]: ...

    spec = OutputSpec.from_function(rows)
    assert spec.stream_media_type(None) == "application/x-ndjson"
    assert spec.stream_media_type("*/*") == "application/x-ndjson"
    assert spec.stream_media_type("text/event-stream") == "text/event-stream"
    item = {"p": np.array([1])}
    assert spec.render_chunk(item, "application/x-ndjson") == b'{"p":[1]}\n'
    assert spec.render_chunk(item, "text/event-stream") == b'data: {"p":[1]}\n\n'


def test_text_streams_can_be_plain_text() -> None:
    """A stream of strings may be sent as raw text chunks."""

    def tokens(self: Any) -> Iterator[Text]: ...

    spec = OutputSpec.from_function(tokens)
    media = spec.stream_media_type("text/plain")
    assert media == "text/plain; charset=utf-8"
    assert spec.render_chunk("héllo ", media) == "héllo ".encode()


def test_stream_items_use_the_item_descriptor() -> None:
    """Items of a stream of arrays are written as lists."""

    def arrays(self: Any) -> Iterator[NumpyNdarray]: ...

    spec = OutputSpec.from_function(arrays)
    assert spec.render_chunk(np.arange(3)[::2], "application/x-ndjson") == b"[0,2]\n"


def test_rendering_a_stream_as_one_body_is_an_error() -> None:
    """Streams are rendered chunk by chunk; ``render`` refuses them."""

    def rows(self: Any) -> Iterator[int]: ...

    with pytest.raises(ConfigurationError, match="render_chunk"):
        OutputSpec.from_function(rows).render(iter([1]))


def test_describe_tells_clients_about_streams() -> None:
    """``describe`` says whether a result streams and in which media types."""

    def rows(self: Any) -> Iterator[int]: ...

    described = OutputSpec.from_function(rows).describe()
    assert described["stream"] is True
    assert described["media_types"] == ["application/x-ndjson", "text/event-stream"]
