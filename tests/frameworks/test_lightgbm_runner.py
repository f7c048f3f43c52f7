"""tiffin.lightgbm.load_runner: LightgbmRunnable's init_params and conversions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import InvalidArgument

lgb = pytest.importorskip("lightgbm")
tl = pytest.importorskip("tiffin.frameworks.lightgbm")

SMALL = {"n_estimators": 8, "num_leaves": 7, "min_child_samples": 5, "verbose": -1, "n_jobs": 1}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 4))
    return x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)


@pytest.fixture(scope="module")
def classifier(data: tuple[np.ndarray, np.ndarray]) -> Any:
    return lgb.LGBMClassifier(**SMALL).fit(*data)


@pytest.fixture(scope="module")
def booster(data: tuple[np.ndarray, np.ndarray]) -> Any:
    x, y = data
    params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "num_threads": 1}
    return lgb.train(params, lgb.Dataset(x, label=(y > 0).astype(int)), 6)


def runnable(tag: Any, **params: Any) -> Any:
    """The runnable a runner with these init_params builds, to look at its model."""
    checked = tl.LightgbmRunnable.validate_init_params({"tag": str(tag), **params})
    return tl.LightgbmRunnable(**checked)


def test_a_booster_runner_returns_its_predictions(
    booster: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    tl.save_model("gbm", booster)
    x = data[0]
    np.testing.assert_array_equal(tl.load_runner("gbm").run(x), booster.predict(x))
    np.testing.assert_array_equal(tl.load_runner("gbm").run(x.tolist()), booster.predict(x))


def test_a_classifier_runner_serves_predict_and_predict_proba(
    classifier: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    tl.save_model("clf", classifier)
    runner, x = tl.load_runner("clf"), data[0]
    np.testing.assert_array_equal(runner.run(x), classifier.predict(x))
    np.testing.assert_array_equal(runner.predict_proba.run(x), classifier.predict_proba(x))


@pytest.mark.parametrize("key", ["n_jobs", "num_threads"])
def test_the_thread_count_is_set_on_a_scikit_learn_model(classifier: Any, key: str) -> None:
    model = tl.save_model("clf", classifier)
    assert runnable(model.tag, **{key: 2}).model.n_jobs == 2


def test_the_thread_count_is_passed_to_each_booster_predict(
    booster: Any, data: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    tl.save_model("gbm", booster)
    seen: list[Any] = []
    original = lgb.Booster.predict

    def predict(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("num_threads"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(lgb.Booster, "predict", predict)
    result = tl.load_runner("gbm", {"n_jobs": 2}).run(data[0])
    assert seen == [2]
    np.testing.assert_array_equal(result, booster.predict(data[0]))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"n_jobs": 0}, r"whole number of threads >= 1, or -1", id="zero"),
        pytest.param({"num_threads": 1.5}, r"whole number of threads", id="float"),
        pytest.param({"n_jobs": 2, "num_threads": 4}, r"same setting and disagree", id="both"),
    ],
)
def test_bad_values_are_refused_by_load_runner(
    booster: Any, params: dict[str, Any], message: str
) -> None:
    tl.save_model("gbm", booster)
    with pytest.raises(InvalidArgument, match=message):
        tl.load_runner("gbm", params)


def test_unknown_init_params_are_refused_listing_the_valid_ones(booster: Any) -> None:
    tl.save_model("gbm", booster)
    with pytest.raises(InvalidArgument, match=r"'device'.*valid ones are: 'n_jobs'"):
        tl.load_runner("gbm", {"device": "cuda"})
