"""Seed chapter, "Testing and Validation": the chapter's own four tests, as written.

The test functions below are the seed's text with ``bentoml`` replaced by ``tiffin``; the
only additions are the slow/e2e marks on those that start real servers.
``Server("AdvancedMLService")`` finds the class imported here. The tests need the chapter's
models, which the autouse fixture saves in the test's ``$TIFFIN_HOME`` before each test, so
the server subprocess inherits them.
"""

from typing import Any

import numpy as np
import pytest
from test_seed_advanced_service import AdvancedMLService  # noqa: F401 - Server() finds it
from test_seed_error_handling import ErrorHandlingService  # noqa: F401 - Server() finds it

import tiffin
from tiffin.testing import Server


@pytest.fixture(autouse=True)
def models(seed_models: dict[str, Any]) -> None:
    """The seed's tests take no fixtures: they rely on models being in the store."""


# -- Unit Testing -----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.e2e
def test_service_prediction():
    """Test service prediction endpoint"""
    with Server("AdvancedMLService") as server:
        # Test data
        test_data = np.random.rand(10, 20)

        # Make request
        response = server.post("/classify", json={"input_data": test_data.tolist()})

        # Assertions
        assert response.status_code == 200
        data = response.json()
        assert "predictions" in data
        assert len(data["predictions"]) == len(test_data)


@pytest.mark.slow
@pytest.mark.e2e
def test_batch_processing():
    """Test batch processing functionality"""
    with Server("AdvancedMLService") as server:
        # Large dataset
        test_data = np.random.rand(100, 20)

        response = server.post("/batch_predict", json={"input_data": test_data.tolist()})

        assert response.status_code == 200
        data = response.json()
        assert len(data["batch_predictions"]) == len(test_data)


# -- Integration Testing ----------------------------------------------------------------------
def test_model_loading():
    """Test model loading and runner initialization"""
    runner = tiffin.sklearn.load_runner("my_model:latest")

    # Test runner
    test_input = np.random.rand(5, 20)
    predictions = runner.run(test_input)

    assert predictions.shape[0] == test_input.shape[0]


@pytest.mark.slow
@pytest.mark.e2e
def test_error_handling():
    """Test error handling in service"""
    with Server("ErrorHandlingService") as server:
        # Test invalid input
        response = server.post("/predict_with_error_handling", json={})

        assert response.status_code == 200
        data = response.json()
        assert "error" in data
        assert data["status"] == 400
