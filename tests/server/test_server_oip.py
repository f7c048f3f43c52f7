"""The Open Inference Protocol (KServe v2) over a service's runners, with a real sklearn model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tiffin
from tiffin.io import NumpyNdarray
from tiffin.testing import TestClient

pytest.importorskip("sklearn")


@pytest.fixture
def client() -> Iterator[TestClient]:
    from sklearn.linear_model import LogisticRegression

    features = np.array([[0.0, 0.0], [0.1, 0.2], [1.0, 1.0], [0.9, 0.8]])
    model = tiffin.sklearn.save_model(
        "parity", LogisticRegression().fit(features, [0, 0, 1, 1]), version="v1"
    )

    @tiffin.service
    class Classifier:
        runner = tiffin.sklearn.load_runner(str(model.tag), name="parity")

        @tiffin.api
        def classify(self, x: NumpyNdarray) -> NumpyNdarray:
            return self.runner.run(x)

    with TestClient(Classifier) as client:
        yield client


def _infer(client: TestClient, model: str, inputs: list[dict[str, Any]], **extra: Any) -> Any:
    return client.post(f"/v2/models/{model}/infer", json={"inputs": inputs, **extra})


def test_v2_live_and_ready(client: TestClient) -> None:
    live, ready = client.get("/v2/health/live"), client.get("/v2/health/ready")
    assert (live.status_code, live.json()) == (200, {"live": True})
    assert (ready.status_code, ready.json()) == (200, {"ready": True})


def test_v2_server_metadata_names_tiffin(client: TestClient) -> None:
    assert client.get("/v2").json()["name"] == "tiffin"


def test_v2_model_metadata_names_the_runner_and_version(client: TestClient) -> None:
    response = client.get("/v2/models/parity")
    assert response.status_code == 200
    assert response.json()["name"] == "parity"
    assert response.json()["versions"] == ["v1"]


def test_v2_model_ready(client: TestClient) -> None:
    response = client.get("/v2/models/parity/ready")
    assert (response.status_code, response.json()) == (200, {"name": "parity", "ready": True})


def test_v2_infer_runs_the_model(client: TestClient) -> None:
    response = _infer(
        client,
        "parity",
        [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [0, 0, 1, 1]}],
        id="req-7",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["model_name"] == "parity"
    assert body["id"] == "req-7"
    (output,) = body["outputs"]
    assert (output["shape"], output["datatype"], output["data"]) == ([2], "INT64", [0, 1])


def test_v2_infer_gives_the_same_answer_as_the_api(client: TestClient) -> None:
    rows = [[0.05, 0.1], [0.95, 0.9]]
    api = client.post("/classify", json=rows).json()
    flat = [value for row in rows for value in row]
    oip = _infer(
        client, "parity", [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": flat}]
    )
    assert oip.json()["outputs"][0]["data"] == api


@pytest.mark.parametrize(
    ("tensor", "fragment"),
    [
        pytest.param({"shape": [1, 2], "datatype": "STRING", "data": [1]}, "use one", id="dtype"),
        pytest.param({"shape": [3, 2], "datatype": "FP32", "data": [1, 2]}, "not fit", id="shape"),
        pytest.param(
            {"shape": [1, 2], "datatype": "FP32", "data": ["a", "b"]}, "not fit", id="data"
        ),
        pytest.param({"shape": [1, 2], "datatype": "FP32"}, "needs name, shape", id="no-data"),
    ],
)
def test_v2_infer_with_a_bad_tensor_is_400(
    client: TestClient, tensor: dict[str, Any], fragment: str
) -> None:
    response = _infer(client, "parity", [{"name": "x", **tensor}])
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body", [b"not json", b'{"outputs": []}', b"[1, 2]"], ids=["text", "no-inputs", "list"]
)
def test_v2_infer_with_a_malformed_request_is_400(client: TestClient, body: bytes) -> None:
    response = client.post("/v2/models/parity/infer", content=body)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/models/unknown"),
        ("GET", "/v2/models/unknown/ready"),
        ("POST", "/v2/models/unknown/infer"),
    ],
)
def test_v2_unknown_model_is_404_listing_the_models(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path, json={"inputs": []})
    assert response.status_code == 404
    assert "the models are: parity" in response.json()["error"]["message"]


def test_v2_infer_answers_post_only(client: TestClient) -> None:
    assert client.get("/v2/models/parity/infer").status_code == 405


def test_v2_unknown_path_is_404(client: TestClient) -> None:
    assert client.get("/v2/models/parity/explain").status_code == 404


def test_v2_infer_with_inputs_the_model_refuses_is_400(client: TestClient) -> None:
    response = _infer(
        client, "parity", [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [0, 0, 1]}]
    )
    assert response.status_code == 400
    assert "refused the inputs" in response.json()["error"]["message"]
