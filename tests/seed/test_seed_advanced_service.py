"""Seed chapter, "Advanced Service Creation": the AdvancedMLService sample runs on tiffin.

The service class below is the seed's text with ``bentoml`` replaced by ``tiffin``; it lives
at module level so that ``Server("AdvancedMLService")`` (in test_seed_testing_validation.py)
can import it in the server's subprocess. Its models come from the ``seed_models`` fixture.
"""

from typing import Any, Dict, List  # noqa: F401, UP035 - the seed's imports, kept as written

import numpy as np
import pytest

import tiffin
from tiffin.io import JSON, NumpyNdarray
from tiffin.testing import TestClient


# -- the seed's sample ------------------------------------------------------------------------
@tiffin.service(
    name="advanced-ml-service",
    version="1.0.0",
    description="Advanced ML service with multiple models and features",
)
class AdvancedMLService:
    def __init__(self):
        # Initialize models
        self.classifier = tiffin.sklearn.load_model("classifier:latest")
        self.regressor = tiffin.sklearn.load_model("regressor:latest")
        self.preprocessor = tiffin.sklearn.load_model("preprocessor:latest")

        # Initialize runners for better performance
        self.classifier_runner = tiffin.sklearn.load_runner("classifier:latest")
        self.regressor_runner = tiffin.sklearn.load_runner("regressor:latest")
        self.preprocessor_runner = tiffin.sklearn.load_runner("preprocessor:latest")

    @tiffin.api
    def classify(self, input_data: NumpyNdarray) -> JSON:
        """Classify input data"""
        # Preprocess data
        processed_data = self.preprocessor_runner.run(input_data)

        # Make prediction
        predictions = self.classifier_runner.run(processed_data)

        return {
            "predictions": predictions.tolist(),
            "confidence": np.max(predictions, axis=1).tolist(),
            "classes": np.argmax(predictions, axis=1).tolist(),
        }

    @tiffin.api
    def predict_regression(self, input_data: NumpyNdarray) -> JSON:
        """Regression prediction"""
        processed_data = self.preprocessor_runner.run(input_data)
        predictions = self.regressor_runner.run(processed_data)

        return {
            "predictions": predictions.tolist(),
            "mean_prediction": float(np.mean(predictions)),
            "std_prediction": float(np.std(predictions)),
        }

    @tiffin.api
    def batch_predict(self, input_data: NumpyNdarray, batch_size: int = 32) -> JSON:
        """Batch prediction with custom batch size"""
        results = []

        for i in range(0, len(input_data), batch_size):
            batch = input_data[i : i + batch_size]
            processed_batch = self.preprocessor_runner.run(batch)
            predictions = self.classifier_runner.run(processed_batch)

            results.extend(predictions.tolist())

        return {"batch_predictions": results}


# -- tests ------------------------------------------------------------------------------------
@pytest.fixture
def client(seed_models: dict[str, Any]) -> Any:
    with TestClient(AdvancedMLService) as client:
        yield client


@pytest.fixture
def rows() -> np.ndarray:
    return np.random.default_rng(1).random((10, 20))


def probabilities(seed_models: dict[str, Any], rows: np.ndarray) -> np.ndarray:
    scaled = seed_models["preprocessor"].transform(rows)
    return seed_models["classifier"].predict_proba(scaled)


def test_service_options_are_kept() -> None:
    """The decorator's name, version and description describe the service."""
    config = tiffin.services.definition_of(AdvancedMLService).config
    assert (config.name, config.version, config.description) == (
        "advanced-ml-service",
        "1.0.0",
        "Advanced ML service with multiple models and features",
    )


def test_classify_returns_probabilities_confidence_and_classes(
    client: Any, seed_models: dict[str, Any], rows: np.ndarray
) -> None:
    """classify preprocesses, then returns the classifier's probabilities, their maximum and
    the arg-max class of each row."""
    response = client.post("/classify", json={"input_data": rows.tolist()})

    assert response.status_code == 200
    expected = probabilities(seed_models, rows)
    data = response.json()
    np.testing.assert_allclose(data["predictions"], expected)
    np.testing.assert_allclose(data["confidence"], expected.max(axis=1))
    assert data["classes"] == expected.argmax(axis=1).tolist()


def test_predict_regression_returns_predictions_and_their_statistics(
    client: Any, seed_models: dict[str, Any], rows: np.ndarray
) -> None:
    """predict_regression returns the regressor's predictions with their mean and std."""
    response = client.post("/predict_regression", json={"input_data": rows.tolist()})

    assert response.status_code == 200
    expected = seed_models["regressor"].predict(seed_models["preprocessor"].transform(rows))
    data = response.json()
    np.testing.assert_allclose(data["predictions"], expected)
    assert data["mean_prediction"] == pytest.approx(expected.mean())
    assert data["std_prediction"] == pytest.approx(expected.std())


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="default-batch-size"),
        pytest.param({"batch_size": 7}, id="batch-size-7"),
    ],
)
def test_batch_predict_returns_one_prediction_per_row(
    client: Any, seed_models: dict[str, Any], body: dict[str, int]
) -> None:
    """batch_predict gives every row its probabilities, whatever the batch size."""
    rows = np.random.default_rng(2).random((75, 20))

    response = client.post("/batch_predict", json={"input_data": rows.tolist(), **body})

    assert response.status_code == 200
    np.testing.assert_allclose(
        response.json()["batch_predictions"], probabilities(seed_models, rows)
    )


def test_service_is_callable_in_process(seed_models: dict[str, Any], rows: np.ndarray) -> None:
    """The same class works without a server: AdvancedMLService().classify(rows)."""
    result = AdvancedMLService().classify(rows)

    assert result["classes"] == probabilities(seed_models, rows).argmax(axis=1).tolist()
