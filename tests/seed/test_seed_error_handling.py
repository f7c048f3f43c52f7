"""Seed chapter, "Error Handling": ErrorHandlingService and the custom exceptions sample.

The classes are the seed's text with ``bentoml`` replaced by ``tiffin``; the placeholders
(``self.model``, ``preprocess``'s body, ``self.load_model``) are filled with real objects and
marked ``# filled in``. ErrorHandlingService is at module level so that
``Server("ErrorHandlingService")`` (in test_seed_testing_validation.py) can import it.

Besides the seed's try/except style, which answers errors inside a 200 body, SPEC §5 says an
exception carrying an integer ``status_code`` that escapes an API becomes that HTTP status;
``RaisingService`` checks it with the seed's own exception classes.
"""

from typing import Any

import numpy as np
import pytest

import tiffin
from tiffin.exceptions import NotFound
from tiffin.io import JSON
from tiffin.testing import TestClient


# -- Exception Handling (the seed's sample) ---------------------------------------------------
@tiffin.service
class ErrorHandlingService:
    def __init__(self):  # filled in: the seed uses self.model without loading it
        try:
            self.model = tiffin.sklearn.load_model("my_model:latest")
        except NotFound:
            self.model = None

    @tiffin.api
    def predict_with_error_handling(self, input_data: JSON) -> JSON:
        """Prediction with comprehensive error handling"""
        try:
            # Validate input
            if not self.validate_input(input_data):
                return {"error": "Invalid input format", "status": 400}

            # Process data
            processed_data = self.preprocess(input_data)

            # Make prediction
            prediction = self.model.predict(processed_data)

            return {"prediction": prediction.tolist(), "status": 200}

        except ValueError as e:
            return {"error": f"Validation error: {str(e)}", "status": 400}  # noqa: RUF010
        except RuntimeError as e:
            return {"error": f"Runtime error: {str(e)}", "status": 500}  # noqa: RUF010
        except Exception as e:
            return {"error": f"Unexpected error: {str(e)}", "status": 500}  # noqa: RUF010

    def validate_input(self, data):
        """Input validation logic"""
        required_fields = ["features", "metadata"]
        if not all(field in data for field in required_fields):  # noqa: SIM103
            return False
        return True

    def preprocess(self, data):
        """Data preprocessing logic"""
        # Preprocessing code here
        processed_data = np.asarray(data["features"], dtype=float)  # filled in
        return processed_data


# -- Custom Exceptions (the seed's sample) ----------------------------------------------------
class MLServiceError(Exception):
    def __init__(self, message: str, status_code: int = 500):
        self.message = message
        self.status_code = status_code
        super().__init__(self.message)


class ModelNotFoundError(MLServiceError):
    def __init__(self, model_name: str):
        super().__init__(f"Model '{model_name}' not found", 404)


class InvalidInputError(MLServiceError):
    def __init__(self, details: str):
        super().__init__(f"Invalid input: {details}", 400)


@tiffin.service
class RobustService:
    @tiffin.api
    def predict(self, input_data: JSON) -> JSON:
        try:
            if "model_name" not in input_data:
                raise InvalidInputError("model_name is required")

            model = self.load_model(input_data["model_name"])
            if model is None:
                raise ModelNotFoundError(input_data["model_name"])

            prediction = model.predict(input_data["features"])
            return {"prediction": prediction.tolist()}

        except MLServiceError as e:
            return {"error": e.message, "status": e.status_code}
        except Exception as e:
            return {"error": f"Internal error: {str(e)}", "status": 500}  # noqa: RUF010

    def load_model(self, model_name: str):  # filled in: the seed calls it without defining it
        try:
            return tiffin.sklearn.load_model(model_name)
        except NotFound:
            return None


@tiffin.service
class RaisingService(RobustService):
    """RobustService without the try/except: the custom exceptions reach tiffin."""

    @tiffin.api
    def predict(self, input_data: JSON) -> JSON:
        if "model_name" not in input_data:
            raise InvalidInputError("model_name is required")
        model = self.load_model(input_data["model_name"])
        if model is None:
            raise ModelNotFoundError(input_data["model_name"])
        return {"prediction": model.predict(input_data["features"]).tolist()}


# -- tests ------------------------------------------------------------------------------------
@pytest.fixture
def features() -> list[list[float]]:
    return np.random.default_rng(3).random((4, 20)).tolist()


@pytest.fixture
def error_client(seed_models: dict[str, Any]) -> Any:
    with TestClient(ErrorHandlingService) as client:
        yield client


def test_missing_fields_answer_invalid_input_format(error_client: Any) -> None:
    """A body without "features" and "metadata" gets the seed's 400 in a 200 response."""
    response = error_client.post("/predict_with_error_handling", json={})

    assert response.status_code == 200
    assert response.json() == {"error": "Invalid input format", "status": 400}


def test_valid_input_gets_a_prediction(
    error_client: Any, seed_models: dict[str, Any], features: list[list[float]]
) -> None:
    """Features and metadata give the model's predictions with status 200."""
    body = {"features": features, "metadata": {"source": "test"}}

    response = error_client.post("/predict_with_error_handling", json=body)

    assert response.json() == {
        "prediction": seed_models["my_model"].predict(np.asarray(features)).tolist(),
        "status": 200,
    }


def test_a_value_error_from_the_model_is_a_validation_error(error_client: Any) -> None:
    """Rows with the wrong number of features make scikit-learn raise ValueError, which the
    seed's handler reports as a validation error with status 400."""
    body = {"features": [[1.0, 2.0]], "metadata": {}}

    data = error_client.post("/predict_with_error_handling", json=body).json()

    assert data["status"] == 400
    assert data["error"].startswith("Validation error: ")


def test_robust_service_reports_a_missing_model_name() -> None:
    """InvalidInputError caught by the seed's handler gives its message and 400."""
    with TestClient(RobustService) as client:
        response = client.post("/predict", json={"features": [[0.0] * 20]})

    assert response.status_code == 200
    assert response.json() == {"error": "Invalid input: model_name is required", "status": 400}


def test_robust_service_reports_an_unknown_model() -> None:
    """ModelNotFoundError caught by the seed's handler gives its message and 404."""
    with TestClient(RobustService) as client:
        response = client.post("/predict", json={"model_name": "nope", "features": [[0.0]]})

    assert response.json() == {"error": "Model 'nope' not found", "status": 404}


def test_robust_service_predicts_with_the_named_model(
    seed_models: dict[str, Any], features: list[list[float]]
) -> None:
    """A known model name and features give that model's predictions."""
    with TestClient(RobustService) as client:
        response = client.post("/predict", json={"model_name": "my_model", "features": features})

    assert response.json() == {"prediction": seed_models["my_model"].predict(features).tolist()}


@pytest.mark.parametrize(
    ("body", "status", "error_type", "message"),
    [
        pytest.param(
            {"features": [[0.0]]},
            400,
            "InvalidInputError",
            "Invalid input: model_name is required",
            id="invalid-input-400",
        ),
        pytest.param(
            {"model_name": "nope", "features": [[0.0]]},
            404,
            "ModelNotFoundError",
            "Model 'nope' not found",
            id="model-not-found-404",
        ),
    ],
)
def test_raised_custom_exceptions_become_their_http_status(
    body: dict[str, Any], status: int, error_type: str, message: str
) -> None:
    """An exception with an integer status_code that escapes an API is answered with that
    status and its message, in tiffin's error body."""
    with TestClient(RaisingService) as client:
        response = client.post("/predict", json=body)

    assert response.status_code == status
    error = response.json()["error"]
    assert (error["type"], error["message"]) == (error_type, message)
    assert error["request_id"] == response.headers["x-request-id"]
