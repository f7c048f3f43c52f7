"""What both clients share: argument binding, request encoding, response decoding, errors
and retry delays."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

from tiffin import exceptions
from tiffin.client import API
from tiffin.client._codec import decode, decode_lines, error_for, retry_delay

NPY = "application/x-npy"


def _api(*params: tuple[str, list[str]], output: list[str] | None = None) -> API:
    return API.from_schema(
        {
            "name": "f",
            "route": "/f",
            "methods": ["POST"],
            "input": {
                "params": [
                    {"name": name, "required": True, "io": {"media_types": media}}
                    for name, media in params
                ]
            },
            "output": {"media_types": output or ["application/json"], "stream": False},
        }
    )


def test_lone_array_for_an_array_parameter_is_npy() -> None:
    body, headers = _api(("x", [NPY])).encode({"x": np.arange(3)})
    assert headers["content-type"] == NPY
    np.testing.assert_array_equal(np.load(io.BytesIO(body)), [0, 1, 2])


def test_object_array_is_never_pickled_but_sent_as_json() -> None:
    body, headers = _api(("x", [NPY])).encode({"x": np.array(["a", None], dtype=object)})
    assert headers["content-type"] == "application/json"
    assert b"NUMPY" not in body


def test_array_for_a_json_parameter_is_json() -> None:
    _, headers = _api(("x", [])).encode({"x": np.arange(3)})
    assert headers["content-type"] == "application/json"


def test_several_arguments_are_a_json_object() -> None:
    body, headers = _api(("a", []), ("b", [])).encode({"a": 1, "b": [2]})
    assert headers["content-type"] == "application/json"
    assert body == b'{"a":1,"b":[2]}'


def test_array_results_are_asked_for_as_npy_with_json_as_fallback() -> None:
    _, headers = _api(("x", []), output=["application/json", NPY]).encode({"x": 1})
    assert headers["accept"] == f"{NPY}, application/json;q=0.5"


def test_positional_arguments_bind_in_parameter_order() -> None:
    assert _api(("a", []), ("b", [])).arguments((1,), {"b": 2}) == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        pytest.param(b'{"a":1}', "application/json", {"a": 1}, id="json"),
        pytest.param(b'{"a":1}', "application/problem+json", {"a": 1}, id="plus-json"),
        pytest.param(b"", "application/json", None, id="empty-json"),
        pytest.param(b"hello", "text/plain; charset=utf-8", "hello", id="text"),
        pytest.param(b"\x00\x01", "application/octet-stream", b"\x00\x01", id="bytes"),
    ],
)
def test_response_is_decoded_by_content_type(
    content: bytes, content_type: str, expected: Any
) -> None:
    assert decode(content, content_type) == expected


def test_npy_response_decodes_to_an_array_without_pickle() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.eye(2, dtype="float32"))
    result = decode(buffer.getvalue(), NPY)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, np.eye(2))


def test_error_body_type_picks_the_exception_class() -> None:
    body = {"error": {"type": "Timeout", "message": "slow", "request_id": "r1", "details": 1}}
    error = error_for(504, body)
    assert isinstance(error, exceptions.Timeout)
    assert (str(error), error.details, error.request_id) == ("slow", 1, "r1")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, exceptions.BadInput),
        (401, exceptions.Unauthorized),
        (404, exceptions.NotFound),
        (413, exceptions.PayloadTooLarge),
        (415, exceptions.UnsupportedMediaType),
        (429, exceptions.TooManyRequests),
        (503, exceptions.ServiceUnavailable),
        (504, exceptions.Timeout),
        (418, exceptions.TiffinError),
    ],
)
def test_unknown_error_type_falls_back_to_the_status(status: int, cls: type) -> None:
    body = {"error": {"type": "MLServiceError", "message": "m", "request_id": "r"}}
    assert type(error_for(status, body)) is cls


def test_error_type_naming_a_non_exception_is_not_trusted() -> None:
    body = {"error": {"type": "status_code_of", "message": "m", "request_id": "r"}}
    assert type(error_for(400, body)) is exceptions.BadInput


def test_non_json_error_body_keeps_its_text() -> None:
    error = error_for(502, "Bad Gateway from the proxy")
    assert type(error) is exceptions.TiffinError
    assert str(error) == "Bad Gateway from the proxy"


def test_error_item_in_ndjson_raises_it() -> None:
    lines = iter(['{"a":1}', "", '{"error":{"type":"BadInput","message":"m","request_id":"r"}}'])
    items = decode_lines(lines)
    assert next(items) == {"a": 1}
    with pytest.raises(exceptions.BadInput):
        next(items)


@pytest.mark.parametrize(
    ("status", "header", "attempt", "delay"),
    [
        pytest.param(503, "2", 0, 2.0, id="retry-after"),
        pytest.param(429, "0.5", 3, 0.5, id="429"),
        pytest.param(503, "3600", 0, 30.0, id="capped"),
        pytest.param(503, None, 0, 0.1, id="backoff-first"),
        pytest.param(503, None, 3, 0.8, id="backoff-later"),
        pytest.param(503, "Wed, 21 Oct 2015 07:28:00 GMT", 0, 1.0, id="http-date"),
        pytest.param(500, "2", 0, None, id="not-retryable"),
        pytest.param(400, None, 0, None, id="client-error"),
    ],
)
def test_retry_delay_honours_retry_after(
    status: int, header: str | None, attempt: int, delay: float | None
) -> None:
    assert retry_delay(status, header, attempt) == delay
