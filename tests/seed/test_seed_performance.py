"""Seed chapter, "Performance Optimization": batch processing and caching.

The service classes are the seed's text with ``bentoml`` replaced by ``tiffin``; the
placeholders (``self.runner``, ``self.model``, ``self.preprocess_data``) are filled with the
chapter's real models and marked ``# filled in``.
"""

import ast
import hashlib
from functools import lru_cache
from typing import Any

import numpy as np
import pytest

import tiffin
from tiffin.io import JSON, NumpyNdarray
from tiffin.testing import TestClient


# -- Batch Processing (the seed's sample) -----------------------------------------------------
@tiffin.service
class BatchProcessingService:
    def __init__(self):  # filled in: the seed uses self.runner without creating it
        self.runner = tiffin.sklearn.load_runner("regressor:latest")

    @tiffin.api
    def predict_batch(self, input_data: NumpyNdarray) -> JSON:
        """Optimized batch prediction"""
        batch_size = 32

        if len(input_data) <= batch_size:
            # Single batch
            predictions = self.runner.run(input_data)
            return {"predictions": predictions.tolist()}

        # Multiple batches
        predictions = []
        for i in range(0, len(input_data), batch_size):
            batch = input_data[i : i + batch_size]
            batch_predictions = self.runner.run(batch)
            predictions.extend(batch_predictions.tolist())

        return {"predictions": predictions}

    @tiffin.api
    def predict_streaming(self, input_data: NumpyNdarray) -> JSON:
        """Streaming prediction for large datasets"""

        def prediction_generator():
            batch_size = 16
            for i in range(0, len(input_data), batch_size):
                batch = input_data[i : i + batch_size]
                predictions = self.runner.run(batch)
                yield predictions.tolist()

        all_predictions = []
        for batch_predictions in prediction_generator():
            all_predictions.extend(batch_predictions)

        return {"predictions": all_predictions}


# -- Caching (the seed's sample) --------------------------------------------------------------
@tiffin.service
class CachedService:
    def __init__(self):
        self.cache = {}
        self.cache_size = 1000
        # filled in: the seed uses these without creating them
        self.preprocessor = tiffin.sklearn.load_model("preprocessor:latest")
        self.model = tiffin.sklearn.load_model("regressor:latest")

    @lru_cache(maxsize=128)  # noqa: B019 - the seed's text
    def cached_preprocessing(self, data_hash: str, data: str):
        """Cache preprocessing results"""
        # Expensive preprocessing logic
        return self.preprocess_data(data)

    def preprocess_data(self, data: str):  # filled in: the seed calls it without defining it
        """Scale the "features" of ``data``, the ``str()`` of a request body."""
        return self.preprocessor.transform(np.asarray(ast.literal_eval(data)["features"]))

    def get_data_hash(self, data):
        """Generate hash for data caching"""
        data_str = str(data)
        return hashlib.md5(data_str.encode()).hexdigest()

    @tiffin.api
    def predict_with_cache(self, input_data: JSON) -> JSON:
        data_hash = self.get_data_hash(input_data)

        # Check cache
        if data_hash in self.cache:
            return self.cache[data_hash]

        # Process and cache
        processed_data = self.cached_preprocessing(data_hash, str(input_data))
        prediction = self.model.predict(processed_data)

        result = {"prediction": prediction.tolist()}

        # Cache result
        if len(self.cache) < self.cache_size:
            self.cache[data_hash] = result

        return result


# -- tests: batch processing ------------------------------------------------------------------
@pytest.fixture
def batch_client(seed_models: dict[str, Any]) -> Any:
    with TestClient(BatchProcessingService) as client:
        yield client


def regression(seed_models: dict[str, Any], rows: np.ndarray) -> np.ndarray:
    return seed_models["regressor"].predict(rows)


@pytest.mark.parametrize(
    "count",
    [
        pytest.param(1, id="one-row"),
        pytest.param(32, id="one-batch"),
        pytest.param(33, id="two-batches"),
        pytest.param(100, id="four-batches"),
    ],
)
def test_predict_batch_predicts_every_row_in_order(
    batch_client: Any, seed_models: dict[str, Any], count: int
) -> None:
    """predict_batch returns one prediction per row, in order, whether the input fits in
    one batch of 32 or is split into several."""
    rows = np.random.default_rng(count).random((count, 20))

    response = batch_client.post("/predict_batch", json={"input_data": rows.tolist()})

    assert response.status_code == 200
    np.testing.assert_allclose(response.json()["predictions"], regression(seed_models, rows))


@pytest.mark.parametrize("count", [pytest.param(16, id="one-chunk"), pytest.param(50, id="four")])
def test_predict_streaming_joins_the_chunks_in_order(
    batch_client: Any, seed_models: dict[str, Any], count: int
) -> None:
    """predict_streaming runs chunks of 16 rows and returns all predictions in order."""
    rows = np.random.default_rng(count).random((count, 20))

    response = batch_client.post("/predict_streaming", json={"input_data": rows.tolist()})

    np.testing.assert_allclose(response.json()["predictions"], regression(seed_models, rows))


# -- tests: caching ---------------------------------------------------------------------------
@pytest.fixture
def body() -> dict[str, Any]:
    return {"features": np.random.default_rng(5).random((3, 20)).tolist()}


def expected_prediction(seed_models: dict[str, Any], body: dict[str, Any]) -> list[float]:
    scaled = seed_models["preprocessor"].transform(np.asarray(body["features"]))
    return seed_models["regressor"].predict(scaled).tolist()


def test_predict_with_cache_predicts(seed_models: dict[str, Any], body: dict[str, Any]) -> None:
    """The first call preprocesses and predicts."""
    with TestClient(CachedService) as client:
        response = client.post("/predict_with_cache", json={"input_data": body})

    assert response.status_code == 200
    np.testing.assert_allclose(
        response.json()["prediction"], expected_prediction(seed_models, body)
    )


def test_a_repeated_request_is_answered_from_the_cache(
    seed_models: dict[str, Any], body: dict[str, Any]
) -> None:
    """The same input again is answered from the service's cache without predicting."""
    service = CachedService()
    with TestClient(CachedService, instance=service) as client:
        first = client.post("/predict_with_cache", json={"input_data": body}).json()
        service.model = None  # a second prediction would now fail
        second = client.post("/predict_with_cache", json={"input_data": body}).json()

    assert second == first
    assert list(service.cache) == [hashlib.md5(str(body).encode()).hexdigest()]


def test_different_inputs_are_cached_apart(seed_models: dict[str, Any]) -> None:
    """Each distinct input gets its own prediction and cache entry."""
    bodies = [{"features": [[float(i)] * 20]} for i in range(3)]
    service = CachedService()

    results = [service.predict_with_cache(body) for body in bodies]

    assert [r["prediction"] for r in results] == [
        expected_prediction(seed_models, body) for body in bodies
    ]
    assert len(service.cache) == 3
