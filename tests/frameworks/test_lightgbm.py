"""tiffin.frameworks.lightgbm: boosters in LightGBM's text format, scikit-learn models rebuilt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks import picklable_model
from tiffin.models import Model

lgb = pytest.importorskip("lightgbm")
tl = pytest.importorskip("tiffin.frameworks.lightgbm")

ReImport = Callable[[Model], Model]
CountWarnings = Callable[[Callable[[], object]], int]
SMALL = {"n_estimators": 8, "num_leaves": 7, "min_child_samples": 5, "verbose": -1, "n_jobs": 1}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 4))
    labels = np.array(["setosa", "versicolor", "virginica"])
    return x, labels[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)]


@pytest.fixture(scope="module")
def classifier(data: tuple[np.ndarray, np.ndarray]) -> Any:
    return lgb.LGBMClassifier(**SMALL).fit(*data)


@pytest.fixture(scope="module")
def binary(data: tuple[np.ndarray, np.ndarray]) -> Any:
    x, y = data
    return lgb.LGBMClassifier(**SMALL).fit(x, np.where(y == "setosa", 3, 7))


@pytest.fixture(scope="module")
def regressor(data: tuple[np.ndarray, np.ndarray]) -> Any:
    x, _ = data
    return lgb.LGBMRegressor(**SMALL).fit(x, x[:, 0] - x[:, 2])


@pytest.fixture(scope="module")
def booster(data: tuple[np.ndarray, np.ndarray]) -> Any:
    x, y = data
    params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "num_threads": 1}
    return lgb.train(params, lgb.Dataset(x, label=(y == "setosa").astype(int)), 6)


def custom_objective(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared error, written by hand: LightGBM cannot store a Python objective."""
    return y_pred - y_true, np.ones_like(y_true)


@pytest.fixture(scope="module")
def custom(data: tuple[np.ndarray, np.ndarray]) -> Any:
    x, _ = data
    return lgb.LGBMRegressor(objective=custom_objective, **SMALL).fit(x, x[:, 1])


def test_a_booster_predicts_as_before(booster: Any, data: tuple[np.ndarray, np.ndarray]) -> None:
    tl.save_model("gbm", booster)
    loaded = tl.load_model("gbm")
    assert type(loaded) is lgb.Booster
    np.testing.assert_allclose(loaded.predict(data[0]), booster.predict(data[0]))


@pytest.mark.parametrize("fixture", ["classifier", "binary"])
def test_a_classifier_comes_back_with_its_classes_and_probabilities(
    request: pytest.FixtureRequest, fixture: str, data: tuple[np.ndarray, np.ndarray]
) -> None:
    classifier = request.getfixturevalue(fixture)
    model = tl.save_model("gbm", classifier)
    assert [name for name, _ in model.files()] == ["model.txt"]
    loaded = tl.load_model("gbm")
    x = data[0]
    assert type(loaded) is lgb.LGBMClassifier
    assert loaded.classes_.dtype == classifier.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, classifier.classes_)
    np.testing.assert_array_equal(loaded.predict(x), classifier.predict(x))
    np.testing.assert_allclose(loaded.predict_proba(x), classifier.predict_proba(x))
    assert loaded.get_params() == classifier.get_params()
    assert loaded.n_features_in_ == 4


def test_a_regressor_predicts_as_before(
    regressor: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    tl.save_model("gbm", regressor)
    loaded = tl.load_model("gbm")
    assert type(loaded) is lgb.LGBMRegressor
    np.testing.assert_allclose(loaded.predict(data[0]), regressor.predict(data[0]))


def test_scikit_learn_models_are_stored_as_text_with_their_state(classifier: Any) -> None:
    model = tl.save_model("gbm", classifier)
    assert [name for name, _ in model.files()] == ["model.txt"]
    assert model.options["class"] == "LGBMClassifier"
    assert model.options["classes"] == ["setosa", "versicolor", "virginica"]


@pytest.mark.parametrize("fixture", ["booster", "classifier", "regressor"])
def test_native_models_are_not_marked_as_pickle(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    assert not tl.save_model("gbm", request.getfixturevalue(fixture)).pickle_based


def test_a_model_with_a_custom_objective_falls_back_to_joblib(
    custom: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    model = tl.save_model("gbm", custom)
    assert model.pickle_based
    assert [name for name, _ in model.files()] == ["model.joblib"]
    np.testing.assert_allclose(tl.load_model("gbm").predict(data[0]), custom.predict(data[0]))


def test_a_model_that_does_not_rebuild_faithfully_falls_back_to_joblib(
    classifier: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(lightgbm: Any, state: dict[str, Any], booster: Any) -> Any:
        return lgb.LGBMClassifier()  # unfitted: predicting raises

    monkeypatch.setattr(tl, "_rebuild", broken)
    model = tl.save_model("gbm", classifier)
    assert model.options["format"] == "joblib"
    assert model.pickle_based


def test_an_imported_joblib_model_warns_once(
    custom: Any, reimport: ReImport, unsafe_warnings: CountWarnings
) -> None:
    model = reimport(tl.save_model("gbm", custom))
    assert unsafe_warnings(lambda: tl.load_model(model.tag)) == 1


def test_an_imported_native_model_loads_without_warning(
    classifier: Any, reimport: ReImport, unsafe_warnings: CountWarnings
) -> None:
    model = reimport(tl.save_model("gbm", classifier))
    assert unsafe_warnings(lambda: tl.load_model(model.tag)) == 0


@pytest.mark.parametrize(
    ("fixture", "methods"),
    [
        pytest.param("booster", ["predict"], id="booster"),
        pytest.param("classifier", ["predict", "predict_proba"], id="classifier"),
        pytest.param("regressor", ["predict"], id="regressor"),
    ],
)
def test_default_signatures_are_batchable_predict_methods(
    request: pytest.FixtureRequest, fixture: str, methods: list[str]
) -> None:
    model = tl.save_model("gbm", request.getfixturevalue(fixture))
    assert model.signatures == {key: {"batchable": True, "batch_dim": 0} for key in methods}


def test_an_unfitted_model_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"not fitted; call fit\(\)"):
        tl.save_model("gbm", lgb.LGBMRegressor())


def test_an_object_that_is_not_a_lightgbm_model_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"lightgbm\.Booster.*tiffin\.picklable_model"):
        tl.save_model("gbm", [1, 2, 3])


def test_get_refuses_a_model_of_another_framework(booster: Any) -> None:
    model = tl.save_model("gbm", booster)
    with pytest.raises(InvalidArgument, match=r"tiffin\.lightgbm\.load_model\(\)"):
        picklable_model.get(model.tag)


def test_load_options_are_refused(booster: Any) -> None:
    tl.save_model("gbm", booster)
    with pytest.raises(InvalidArgument, match=r"takes no options, got \['num_threads'\]"):
        tl.load_model("gbm", num_threads=2)
