"""tiffin.xgboost.load_runner: XgboostRunnable's init_params and conversions."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import ConfigurationError, InvalidArgument, ServiceUnavailable

pytest.importorskip("xgboost")
import xgboost as xgb

from tiffin.frameworks import xgboost as tx


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4))
    return x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)


@pytest.fixture(scope="module")
def classifier(data: tuple[np.ndarray, np.ndarray]) -> Any:
    return xgb.XGBClassifier(n_estimators=8, max_depth=3, n_jobs=1).fit(*data)


@pytest.fixture(scope="module")
def booster(data: tuple[np.ndarray, np.ndarray]) -> Any:
    x, y = data
    params = {"max_depth": 2, "objective": "binary:logistic", "nthread": 1}
    return xgb.train(params, xgb.DMatrix(x, label=(y > 0).astype(int)), num_boost_round=6)


def runnable(tag: Any, **params: Any) -> Any:
    """The runnable a runner with these init_params builds, to look at its model."""
    checked = tx.XgboostRunnable.validate_init_params({"tag": str(tag), **params})
    return tx.XgboostRunnable(**checked)


def generic(model: Any) -> dict[str, str]:
    booster = model if isinstance(model, xgb.Booster) else model.get_booster()
    params: dict[str, str] = json.loads(booster.save_config())["learner"]["generic_param"]
    return params


def no_gpu() -> bool:
    return not (xgb.build_info().get("USE_CUDA") and tx._cuda_device_count())


def test_a_booster_runner_takes_arrays_and_returns_its_predictions(
    booster: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    tx.save_model("gbm", booster)
    x = data[0]
    result = tx.load_runner("gbm").run(x)
    np.testing.assert_array_equal(result, booster.predict(xgb.DMatrix(x)))
    np.testing.assert_array_equal(tx.load_runner("gbm").run(x.tolist()), result)


def test_a_classifier_runner_serves_predict_and_predict_proba(
    classifier: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    tx.save_model("clf", classifier)
    runner, x = tx.load_runner("clf"), data[0]
    np.testing.assert_array_equal(runner.run(x), classifier.predict(x))
    np.testing.assert_array_equal(runner.predict_proba.run(x), classifier.predict_proba(x))


@pytest.mark.parametrize("key", ["n_jobs", "nthread"])
def test_the_thread_count_is_set_on_a_booster(booster: Any, key: str) -> None:
    model = tx.save_model("gbm", booster)
    assert generic(runnable(model.tag, **{key: 3}).model)["nthread"] == "3"


def test_the_thread_count_is_set_on_a_scikit_learn_model(classifier: Any) -> None:
    model = tx.save_model("clf", classifier)
    loaded = runnable(model.tag, n_jobs=2).model
    assert (loaded.n_jobs, generic(loaded)["nthread"]) == (2, "2")


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_a_device_this_machine_has_is_set_on_the_model(
    booster: Any, data: tuple[np.ndarray, np.ndarray], device: str
) -> None:
    model = tx.save_model("gbm", booster)
    expected = "cpu" if device == "cpu" or no_gpu() else "cuda"
    assert generic(runnable(model.tag, device=device).model)["device"].startswith(expected)
    result = tx.load_runner("gbm", {"device": device}).run(data[0])
    np.testing.assert_allclose(result, booster.predict(xgb.DMatrix(data[0])), rtol=1e-6)


@pytest.mark.skipif(not no_gpu(), reason="needs a machine without a usable GPU")
def test_an_absent_gpu_fails_at_start_naming_auto(booster: Any) -> None:
    tx.save_model("gbm", booster)
    runner = tx.load_runner("gbm", {"device": "cuda"})  # a GPU service imports on a CPU machine
    with pytest.raises(ServiceUnavailable, match='device="auto"') as raised:
        runner.init()
    assert isinstance(raised.value.__cause__, ConfigurationError)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"n_jobs": 0}, r"whole number of threads >= 1, or -1", id="zero"),
        pytest.param({"nthread": "4"}, r"whole number of threads", id="string"),
        pytest.param({"n_jobs": 2, "nthread": 4}, r"same setting and disagree", id="both"),
        pytest.param({"device": "tpu"}, r'"cpu", "cuda", "cuda:1" or "auto"', id="device"),
    ],
)
def test_bad_values_are_refused_by_load_runner(
    booster: Any, params: dict[str, Any], message: str
) -> None:
    tx.save_model("gbm", booster)
    with pytest.raises(InvalidArgument, match=message):
        tx.load_runner("gbm", params)


def test_unknown_init_params_are_refused_listing_the_valid_ones(booster: Any) -> None:
    tx.save_model("gbm", booster)
    with pytest.raises(InvalidArgument, match=r"'threads'.*valid ones are: 'n_jobs'"):
        tx.load_runner("gbm", {"threads": 2})
