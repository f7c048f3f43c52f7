"""tiffin.frameworks.xgboost: boosters and scikit-learn API models in XGBoost's format."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks import picklable_model
from tiffin.models import Model

pytest.importorskip("xgboost")
import xgboost as xgb

from tiffin.frameworks import xgboost as tx

ReImport = Callable[[Model], Model]
CountWarnings = Callable[[Callable[[], object]], int]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4))
    classes = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    return x, classes


@pytest.fixture(scope="module")
def classifier(data: tuple[np.ndarray, np.ndarray]) -> Any:
    x, y = data
    return xgb.XGBClassifier(n_estimators=8, max_depth=3, n_jobs=1).fit(x, y)


@pytest.fixture(scope="module")
def regressor(data: tuple[np.ndarray, np.ndarray]) -> Any:
    x, _ = data
    return xgb.XGBRegressor(n_estimators=8, max_depth=3, n_jobs=1).fit(x, x[:, 0] - x[:, 2])


@pytest.fixture(scope="module")
def booster(data: tuple[np.ndarray, np.ndarray]) -> Any:
    x, y = data
    params = {"max_depth": 2, "objective": "binary:logistic", "nthread": 1}
    return xgb.train(params, xgb.DMatrix(x, label=(y > 0).astype(int)), num_boost_round=6)


def test_a_booster_predicts_as_before(booster: Any, data: tuple[np.ndarray, np.ndarray]) -> None:
    tx.save_model("gbm", booster)
    loaded = tx.load_model("gbm")
    assert type(loaded) is xgb.Booster
    matrix = xgb.DMatrix(data[0])
    np.testing.assert_allclose(loaded.predict(matrix), booster.predict(matrix))


def test_a_classifier_comes_back_with_its_classes_and_probabilities(
    classifier: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    tx.save_model("gbm", classifier)
    loaded = tx.load_model("gbm")
    x = data[0]
    assert type(loaded) is xgb.XGBClassifier
    np.testing.assert_array_equal(loaded.classes_, classifier.classes_)
    np.testing.assert_array_equal(loaded.predict(x), classifier.predict(x))
    np.testing.assert_allclose(loaded.predict_proba(x), classifier.predict_proba(x))


def test_a_regressor_predicts_as_before(
    regressor: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    tx.save_model("gbm", regressor)
    loaded = tx.load_model("gbm")
    assert type(loaded) is xgb.XGBRegressor
    np.testing.assert_allclose(loaded.predict(data[0]), regressor.predict(data[0]))


def test_a_subclass_is_recorded_and_loaded_as_its_xgboost_class(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    class MyClassifier(xgb.XGBClassifier):
        pass

    x, y = data
    model = tx.save_model("gbm", MyClassifier(n_estimators=2, n_jobs=1).fit(x, y))
    assert model.options["class"] == "XGBClassifier"
    assert type(tx.load_model("gbm")) is xgb.XGBClassifier


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
    model = tx.save_model("gbm", request.getfixturevalue(fixture))
    assert model.signatures == {key: {"batchable": True, "batch_dim": 0} for key in methods}


def test_models_are_stored_natively_not_as_pickle(classifier: Any) -> None:
    model = tx.save_model("gbm", classifier)
    assert not model.pickle_based
    assert [name for name, _ in model.files()] == ["model.ubj"]


def test_an_imported_model_loads_without_warning(
    classifier: Any, reimport: ReImport, unsafe_warnings: CountWarnings
) -> None:
    model = reimport(tx.save_model("gbm", classifier))
    assert unsafe_warnings(lambda: tx.load_model(model.tag)) == 0


def test_an_unfitted_model_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"not fitted; call fit\(\)"):
        tx.save_model("gbm", xgb.XGBClassifier())


def test_an_object_that_is_not_an_xgboost_model_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"xgboost\.Booster.*tiffin\.picklable_model"):
        tx.save_model("gbm", object())


def test_get_refuses_a_model_of_another_framework(classifier: Any) -> None:
    model = tx.save_model("gbm", classifier)
    with pytest.raises(InvalidArgument, match=r"tiffin\.xgboost\.load_model\(\)"):
        picklable_model.get(model.tag)


def test_load_options_are_refused(classifier: Any) -> None:
    tx.save_model("gbm", classifier)
    with pytest.raises(InvalidArgument, match=r"takes no options, got \['nthread'\]"):
        tx.load_model("gbm", nthread=2)
