"""Every error is ``{"error": {"type", "message", "request_id", "details"}}`` with the right
status; bad input is a 4xx, never a 500; unexpected failures show no internals."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

import tiffin
from tiffin.exceptions import NotFound
from tiffin.io import JSON, NumpyNdarray
from tiffin.server import ServeConfig
from tiffin.testing import TestClient


class MLServiceError(Exception):
    """The seed's custom exception: a message and an integer ``status_code``."""

    def __init__(self, message: str, status_code: int = 500) -> None:
        self.message = message
        self.status_code = status_code
        super().__init__(self.message)


class ModelNotFoundError(MLServiceError):
    def __init__(self, model_name: str) -> None:
        super().__init__(f"Model '{model_name}' not found", 404)


class CodedError(Exception):
    error_code = 422


@tiffin.service
class Faulty:
    @tiffin.api
    def matrix(self, rows: NumpyNdarray(shape=(-1, 3), dtype="float32")) -> JSON:  # type: ignore[valid-type]
        return {"rows": len(rows)}

    @tiffin.api
    def pair(self, a: int, b: str) -> JSON:
        return {"a": a, "b": b}

    @tiffin.api
    def missing_model(self, name: str) -> JSON:
        raise ModelNotFoundError(name)

    @tiffin.api
    def coded(self) -> JSON:
        raise CodedError("cannot process this entity")

    @tiffin.api
    def not_found(self) -> JSON:
        raise NotFound("No such user: 42.", details={"user": 42})

    @tiffin.api
    def crash(self) -> JSON:
        raise RuntimeError("internal detail: db at 10.0.0.7")

    @tiffin.api
    async def crash_async(self) -> JSON:
        raise KeyError("internal-key")

    @tiffin.api
    def out_of_range_status(self) -> JSON:
        raise MLServiceError("weird status", status_code=200)


def _error(response: httpx.Response, status: int, error_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert (
        {"type", "message", "request_id"}
        <= set(error)
        <= {
            "type",
            "message",
            "request_id",
            "details",
        }
    )
    assert error["type"] == error_type
    assert error["request_id"] == response.headers["x-request-id"]
    assert isinstance(error["message"], str)
    assert error["message"]
    return error  # type: ignore[no-any-return]


@pytest.fixture
def client() -> Any:
    with TestClient(Faulty) as client:
        yield client


def test_malformed_json_is_400_with_the_position(client: TestClient) -> None:
    response = client.post(
        "/pair", content=b'{"a": 1,', headers={"content-type": "application/json"}
    )
    error = _error(response, 400, "BadInput")
    assert "not valid JSON" in error["message"]
    assert "line" in error["details"]


def test_wrong_shape_is_400_with_the_expected_and_received_shape(client: TestClient) -> None:
    error = _error(client.post("/matrix", json=[[1, 2]]), 400, "BadInput")
    assert error["details"]["expected_shape"] == [-1, 3]
    assert error["details"]["received_shape"] == [1, 2]


def test_wrong_dtype_is_400_naming_the_expected_dtype(client: TestClient) -> None:
    error = _error(client.post("/matrix", json=[["a", "b", "c"]]), 400, "BadInput")
    assert "float32" in error["message"]


def test_wrong_shape_in_binary_npy_is_400(client: TestClient) -> None:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 2), dtype="float32"))
    response = client.post(
        "/matrix", content=buffer.getvalue(), headers={"content-type": "application/x-npy"}
    )
    _error(response, 400, "BadInput")


def test_missing_field_is_400_naming_it(client: TestClient) -> None:
    error = _error(client.post("/pair", json={"a": 1}), 400, "BadInput")
    assert '"b"' in error["message"]
    assert error["details"]["missing"] == ["b"]


def test_unknown_content_type_is_415_naming_what_to_send(client: TestClient) -> None:
    response = client.post("/pair", content=b"a=1", headers={"content-type": "application/xml"})
    error = _error(response, 415, "UnsupportedMediaType")
    assert "application/xml" in error["message"]
    assert "send a JSON object" in error["message"]


def test_unknown_content_type_for_an_array_is_415_listing_the_accepted_ones(
    client: TestClient,
) -> None:
    response = client.post("/matrix", content=b"1", headers={"content-type": "application/xml"})
    error = _error(response, 415, "UnsupportedMediaType")
    assert "application/x-npy" in error["details"]["accepted"]


def test_body_over_the_limit_is_413_naming_the_flag() -> None:
    with TestClient(Faulty, config=ServeConfig(target="x:y", max_body_size=64)) as client:
        response = client.post("/pair", json={"a": 1, "b": "x" * 100})
    error = _error(response, 413, "PayloadTooLarge")
    assert "--max-body-size" in error["message"]
    assert error["details"] == {"limit": 64}


def test_chunked_body_over_the_limit_is_413() -> None:
    def chunks() -> Any:
        for _ in range(10):
            yield b"x" * 20

    with TestClient(Faulty, config=ServeConfig(target="x:y", max_body_size=64)) as client:
        response = client.post("/pair", content=chunks())
    _error(response, 413, "PayloadTooLarge")


def test_body_at_the_limit_is_accepted() -> None:
    body = b'{"a": 1, "b": "xy"}'
    config = ServeConfig(target="x:y", max_body_size=len(body))
    with TestClient(Faulty, config=config) as client:
        response = client.post("/pair", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200


def test_tiffin_error_in_user_code_keeps_its_status_and_details(client: TestClient) -> None:
    error = _error(client.post("/not_found"), 404, "NotFound")
    assert error["message"] == "No such user: 42."
    assert error["details"] == {"user": 42}


def test_user_exception_with_status_code_keeps_that_status_and_message(
    client: TestClient,
) -> None:
    error = _error(client.post("/missing_model", json="iris"), 404, "ModelNotFoundError")
    assert error["message"] == "Model 'iris' not found"


def test_user_exception_with_error_code_keeps_that_status(client: TestClient) -> None:
    error = _error(client.post("/coded"), 422, "CodedError")
    assert error["message"] == "cannot process this entity"


def test_user_exception_with_a_non_error_status_code_is_a_500(client: TestClient) -> None:
    error = _error(client.post("/out_of_range_status"), 500, "InternalServerError")
    assert "weird status" not in error["message"]


@pytest.mark.parametrize("route", ["/crash", "/crash_async"])
def test_unexpected_exception_is_a_generic_500_with_the_request_id(
    client: TestClient, route: str
) -> None:
    response = client.post(route)
    error = _error(response, 500, "InternalServerError")
    assert error["request_id"] in error["message"]
    assert "details" not in error
    for leak in ("Traceback", "RuntimeError", "KeyError", "10.0.0.7", "internal", 'File "'):
        assert leak not in response.text


def test_unexpected_exception_is_logged_with_its_traceback_under_the_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post("/crash")
    request_id = response.json()["error"]["request_id"]
    (record,) = [r for r in caplog.records if request_id in r.getMessage()]
    assert record.levelname == "ERROR"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


_JSON = "application/json"


@pytest.mark.parametrize(
    ("route", "body", "content_type"),
    [
        pytest.param("/pair", b"\xff\xfe", _JSON, id="binary-json"),
        pytest.param("/pair", b"[1, 2", _JSON, id="truncated"),
        pytest.param("/pair", b"null", _JSON, id="null"),
        pytest.param("/pair", b"[]", _JSON, id="empty-list"),
        pytest.param("/pair", b'{"a": "x", "b": "y"}', _JSON, id="wrong-type"),
        pytest.param("/pair", b'{"a": 1, "b": "x", "c": 3}', _JSON, id="extra-field"),
        pytest.param("/pair", b'{"a": [1, 2], "b": "x"}', _JSON, id="list-for-int"),
        pytest.param("/pair", b"", _JSON, id="empty"),
        pytest.param("/pair", b"a=x", "application/x-www-form-urlencoded", id="form"),
        pytest.param("/pair", b"--x--", "multipart/form-data", id="multipart-no-boundary"),
        pytest.param("/matrix", b"[[1, 2, 3], [4, 5]]", _JSON, id="ragged"),
        pytest.param("/matrix", b'{"rows": "abc"}', _JSON, id="string-array"),
        pytest.param("/matrix", b"[[1e400, 0, 0]]", _JSON, id="overflow"),
        pytest.param("/matrix", b"\x93NUMPY garbage", "application/x-npy", id="bad-npy"),
        pytest.param("/matrix", b"x", "image/png", id="image-for-array"),
        pytest.param("/missing_model", b'{"name": {"nested": true}}', _JSON, id="object-for-str"),
    ],
)
def test_bad_input_is_a_4xx_never_a_500(
    client: TestClient, route: str, body: bytes, content_type: str
) -> None:
    response = client.post(route, content=body, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()["error"]) >= {"type", "message", "request_id"}
