"""Seed chapter, "Model Management" > "Model Loading and Management".

The sample is the seed's text with ``bentoml`` replaced by ``tiffin``. It needs ``my_model``
saved with the explicit versions 1.0.0 and 2.0.0, which the ``versions`` fixture does.
"""

from typing import Any

import numpy as np
import pytest

import tiffin


@pytest.fixture
def versions(training_data: tuple[np.ndarray, np.ndarray]) -> dict[str, Any]:
    """my_model:1.0.0 and my_model:2.0.0 (saved in that order), two different classifiers."""
    from sklearn.linear_model import LogisticRegression

    x, y = training_data
    models = {
        "1.0.0": LogisticRegression(C=0.01).fit(x, y),
        "2.0.0": LogisticRegression().fit(x, y),
    }
    for version, model in models.items():
        tiffin.sklearn.save_model("my_model", model, version=version, metadata={"release": version})
    return models


def run_sample() -> tuple[Any, Any, Any, Any]:
    """The seed's sample; returns the three loaded models and ``model_info``."""
    # Load specific model version
    model_v1 = tiffin.sklearn.load_model("my_model:1.0.0")
    model_v2 = tiffin.sklearn.load_model("my_model:2.0.0")
    latest_model = tiffin.sklearn.load_model("my_model:latest")

    # List all model versions
    models = tiffin.models.list()
    for model in models:
        if model.name == "my_model":
            print(f"Version: {model.tag}, Created: {model.creation_time}")

    # Get model metadata
    model_info = tiffin.models.get("my_model:latest")
    print(f"Model info: {model_info.metadata}")
    return model_v1, model_v2, latest_model, model_info


def test_explicit_versions_load_their_own_model(versions: dict[str, Any]) -> None:
    """my_model:1.0.0 and my_model:2.0.0 load the two models saved under them."""
    model_v1, model_v2, _, _ = run_sample()

    np.testing.assert_array_equal(model_v1.coef_, versions["1.0.0"].coef_)
    np.testing.assert_array_equal(model_v2.coef_, versions["2.0.0"].coef_)


def test_latest_is_the_last_saved_version(versions: dict[str, Any]) -> None:
    """my_model:latest loads 2.0.0, the version saved last."""
    _, _, latest_model, model_info = run_sample()

    np.testing.assert_array_equal(latest_model.coef_, versions["2.0.0"].coef_)
    assert str(model_info.tag) == "my_model:2.0.0"


def test_listing_prints_every_version_newest_first(
    versions: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The loop prints one line per version, newest first, with its creation time."""
    run_sample()

    lines = capsys.readouterr().out.splitlines()
    created = {m.version: m.creation_time for m in tiffin.models.list("my_model")}
    assert lines[:2] == [
        f"Version: my_model:2.0.0, Created: {created['2.0.0']}",
        f"Version: my_model:1.0.0, Created: {created['1.0.0']}",
    ]


def test_model_info_prints_the_latest_metadata(
    versions: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The last line shows the metadata of the latest version."""
    run_sample()

    assert capsys.readouterr().out.splitlines()[-1] == "Model info: {'release': '2.0.0'}"


def test_listing_skips_other_models(
    versions: dict[str, Any], trained_model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """tiffin.models.list() returns every model; the sample's filter keeps my_model's."""
    tiffin.sklearn.save_model("other_model", trained_model)

    run_sample()

    assert {m.name for m in tiffin.models.list()} == {"my_model", "other_model"}
    assert "other_model" not in capsys.readouterr().out
