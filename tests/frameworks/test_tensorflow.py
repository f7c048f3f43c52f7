"""tiffin.frameworks.tensorflow: Keras 3 models in the native .keras format.

Importing Keras takes seconds, so these tests share one small trained model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks import picklable_model
from tiffin.models import Model

pytestmark = pytest.mark.slow

pytest.importorskip("keras")
import keras  # noqa: E402

from tiffin.frameworks import tensorflow as ttf  # noqa: E402

ReImport = Callable[[Model], Model]
CountWarnings = Callable[[Callable[[], object]], int]


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(32, 4)).astype("float32")


@pytest.fixture(scope="module")
def network(x: np.ndarray) -> Any:
    """A small MLP with dropout, trained for one epoch."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x[:, :2] * 2, epochs=1, verbose=0)
    return model


def test_a_model_predicts_as_before_through_call_and_predict(network: Any, x: np.ndarray) -> None:
    ttf.save_model("mlp", network)
    loaded = ttf.load_model("mlp")
    assert isinstance(loaded, keras.Model)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(network(x)), rtol=1e-6)
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), network.predict(x, verbose=0), rtol=1e-6
    )


def test_default_signatures_are_batchable_call_and_predict(network: Any) -> None:
    model = ttf.save_model("mlp", network)
    batchable = {"batchable": True, "batch_dim": 0}
    assert model.signatures == {"__call__": batchable, "predict": batchable}


def test_the_model_is_stored_natively_with_versions_recorded(network: Any) -> None:
    model = ttf.save_model("mlp", network)
    assert not model.pickle_based
    assert [name for name, _ in model.files()] == ["model.keras"]
    assert model.options["keras_version"] == keras.__version__
    assert model.framework_version is not None


def test_an_imported_model_loads_without_warning(
    network: Any, reimport: ReImport, unsafe_warnings: CountWarnings
) -> None:
    model = reimport(ttf.save_model("mlp", network))
    assert unsafe_warnings(lambda: ttf.load_model(model.tag, compile=False)) == 0


def test_python_code_in_a_model_is_refused_unless_safe_mode_is_off(x: np.ndarray) -> None:
    inputs = keras.Input((4,))
    doubled = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    ttf.save_model("lambda", doubled)
    with pytest.raises(ValueError, match="safe_mode"):
        ttf.load_model("lambda")
    loaded = ttf.load_model("lambda", safe_mode=False)
    np.testing.assert_allclose(np.asarray(loaded(x)), x * 2)


def test_custom_objects_given_when_saving_are_used_when_loading(x: np.ndarray) -> None:
    class Scale(keras.layers.Layer):  # type: ignore[misc]
        def call(self, inputs: Any) -> Any:
            return inputs * 3

    inputs = keras.Input((4,))
    model = keras.Model(inputs, Scale()(inputs))
    ttf.save_model("scaled", model, custom_objects={"Scale": Scale})
    loaded = ttf.load_model("scaled")
    np.testing.assert_allclose(np.asarray(loaded(x)), x * 3)


def test_an_object_that_is_not_a_keras_model_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"keras\.Model.*tiffin\.picklable_model"):
        ttf.save_model("mlp", keras.layers.Dense(3))


def test_get_refuses_a_model_of_another_framework(network: Any) -> None:
    model = ttf.save_model("mlp", network)
    with pytest.raises(InvalidArgument, match=r"tiffin\.tensorflow\.load_model\(\)"):
        picklable_model.get(model.tag)


def test_unknown_load_options_are_refused_listing_the_valid_ones(network: Any) -> None:
    ttf.save_model("mlp", network)
    with pytest.raises(InvalidArgument, match=r"\['device'\].*'compile', 'custom_objects'"):
        ttf.load_model("mlp", device="gpu")
