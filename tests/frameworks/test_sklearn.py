"""tiffin.frameworks.sklearn: estimators and pipelines stored with joblib."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks import picklable_model
from tiffin.models import Model

pytest.importorskip("sklearn")
ts = pytest.importorskip("tiffin.frameworks.sklearn")

ReImport = Callable[[Model], Model]
CountWarnings = Callable[[Callable[[], object]], int]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(90, 4))
    return x, np.array(["a", "b", "c"])[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)]


@pytest.fixture(scope="module")
def pipeline(data: tuple[np.ndarray, np.ndarray]) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression()).fit(*data)


def test_a_pipeline_predicts_as_before(pipeline: Any, data: tuple[np.ndarray, np.ndarray]) -> None:
    ts.save_model("iris", pipeline)
    loaded = ts.load_model("iris")
    x = data[0]
    np.testing.assert_array_equal(loaded.predict(x), pipeline.predict(x))
    np.testing.assert_allclose(loaded.predict_proba(x), pipeline.predict_proba(x))


def test_a_classifier_serves_predict_and_its_probability_methods(pipeline: Any) -> None:
    model = ts.save_model("iris", pipeline)
    assert list(model.signatures) == [
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ]
    assert model.signatures["predict"] == {"batchable": True, "batch_dim": 0}


def test_a_transformer_serves_transform(data: tuple[np.ndarray, np.ndarray]) -> None:
    from sklearn.decomposition import PCA

    model = ts.save_model("pca", PCA(n_components=2).fit(data[0]))
    assert list(model.signatures) == ["transform"]
    np.testing.assert_allclose(
        ts.load_model("pca").transform(data[0]), PCA(n_components=2).fit_transform(data[0])
    )


def test_a_model_is_marked_as_pickle(pipeline: Any) -> None:
    assert ts.save_model("iris", pipeline).pickle_based


def test_an_imported_model_warns_once(
    pipeline: Any, reimport: ReImport, unsafe_warnings: CountWarnings
) -> None:
    model = reimport(ts.save_model("iris", pipeline))
    assert unsafe_warnings(lambda: ts.load_model(model.tag)) == 1


def test_a_locally_saved_model_loads_without_warning(
    pipeline: Any, unsafe_warnings: CountWarnings
) -> None:
    model = ts.save_model("iris", pipeline)
    assert unsafe_warnings(lambda: ts.load_model(model.tag)) == 0


def test_an_object_that_is_not_an_estimator_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"scikit-learn estimator.*tiffin\.picklable_model"):
        ts.save_model("iris", {"coef": [1.0]})


def test_get_refuses_a_model_of_another_framework(pipeline: Any) -> None:
    model = ts.save_model("iris", pipeline)
    with pytest.raises(InvalidArgument, match=r"tiffin\.sklearn\.load_model\(\)"):
        picklable_model.get(model.tag)


def test_load_options_are_refused(pipeline: Any) -> None:
    ts.save_model("iris", pipeline)
    with pytest.raises(InvalidArgument, match=r"takes no options, got \['n_jobs'\]"):
        ts.load_model("iris", n_jobs=2)
