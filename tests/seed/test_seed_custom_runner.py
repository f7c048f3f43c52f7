"""Seed chapter, "Runner Configuration" > "Custom Runner": a Runnable of one's own.

The sample is the seed's text with ``bentoml`` replaced by ``tiffin``; its placeholder
``load_custom_model`` is a real loader of a small linear model stored as a ``.npz`` file, and
``"path/to/model"`` is such a file in the test's temporary folder.
"""

from pathlib import Path
from typing import Any, Dict  # noqa: UP035 - the seed's imports, kept as written

import numpy as np
import pytest

import tiffin
from tiffin import Runnable, Runner


class LinearModel:
    """The custom model: ``predict(x) = x @ weights + bias``."""

    def __init__(self, weights: np.ndarray, bias: float) -> None:
        self.weights, self.bias = weights, bias

    def predict(self, rows: Any) -> np.ndarray:
        return np.asarray(rows, dtype=float) @ self.weights + self.bias


def load_custom_model(model_path: str) -> LinearModel:
    """Load a LinearModel saved with ``np.savez(path, weights=..., bias=...)``."""
    with np.load(model_path) as stored:
        return LinearModel(stored["weights"], float(stored["bias"]))


# -- the seed's sample ------------------------------------------------------------------------
class CustomRunner(Runnable):
    def __init__(self, model_path: str):
        self.model = self.load_model(model_path)

    def load_model(self, model_path: str):
        # Custom model loading logic
        return load_custom_model(model_path)

    @tiffin.Runnable.method
    def predict(self, input_data: Any) -> Dict[str, Any]:  # noqa: UP006 - the seed's text
        # Custom prediction logic
        result = self.model.predict(input_data)
        return {"prediction": result, "confidence": 0.95}


# -- tests ------------------------------------------------------------------------------------
WEIGHTS = np.array([1.0, -2.0, 0.5])
BIAS = 3.0


@pytest.fixture
def model_path(tmp_path: Path) -> str:
    """A custom model file: the seed's "path/to/model"."""
    path = tmp_path / "model.npz"
    np.savez(path, weights=WEIGHTS, bias=BIAS)
    return str(path)


@pytest.fixture
def rows() -> np.ndarray:
    return np.random.default_rng(4).random((5, 3))


def test_runner_of_an_instance_runs_the_custom_model(model_path: str, rows: np.ndarray) -> None:
    """Runner(CustomRunner(path)).run(x) returns the seed's dict of prediction and confidence."""
    # Create custom runner
    custom_runner = CustomRunner(model_path)
    runner = Runner(custom_runner)

    result = runner.run(rows)

    np.testing.assert_allclose(result["prediction"], rows @ WEIGHTS + BIAS)
    assert result["confidence"] == 0.95


def test_the_method_is_reachable_by_name(model_path: str, rows: np.ndarray) -> None:
    """runner.predict.run(x) calls the same method as runner.run(x)."""
    runner = Runner(CustomRunner(model_path))

    np.testing.assert_allclose(runner.predict.run(rows)["prediction"], rows @ WEIGHTS + BIAS)


async def call_async(runner: Runner, rows: np.ndarray) -> Any:
    return await runner.predict.async_run(rows)


def test_async_run_gives_the_same_result(model_path: str, rows: np.ndarray) -> None:
    """await runner.predict.async_run(x) returns what run(x) returns."""
    import asyncio

    runner = Runner(CustomRunner(model_path))

    result = asyncio.run(call_async(runner, rows))

    np.testing.assert_allclose(result["prediction"], rows @ WEIGHTS + BIAS)


def test_runner_of_the_class_builds_it_from_init_params(model_path: str, rows: np.ndarray) -> None:
    """Runner(CustomRunner, init_params={"model_path": ...}) builds the runnable itself."""
    runner = Runner(CustomRunner, init_params={"model_path": model_path})

    np.testing.assert_allclose(runner.run(rows)["prediction"], rows @ WEIGHTS + BIAS)


def test_a_missing_init_param_is_named() -> None:
    """Building the class without model_path is an error that names it."""
    with pytest.raises(tiffin.exceptions.InvalidArgument, match="model_path"):
        Runner(CustomRunner)


def test_a_custom_runner_serves_an_api(model_path: str, rows: np.ndarray) -> None:
    """A service can hold the custom runner and serve its predictions over HTTP."""
    from tiffin.io import JSON, NumpyNdarray
    from tiffin.testing import TestClient

    @tiffin.service
    class CustomModelService:
        def __init__(self) -> None:
            self.runner = Runner(CustomRunner(model_path))

        @tiffin.api
        def predict(self, input_data: NumpyNdarray) -> JSON:
            return self.runner.run(input_data)

    with TestClient(CustomModelService) as client:
        response = client.post("/predict", json={"input_data": rows.tolist()})

    assert response.status_code == 200
    np.testing.assert_allclose(response.json()["prediction"], rows @ WEIGHTS + BIAS)
