"""Seed chapter, "Model Management" > "Model Versioning": saving with metadata and labels.

The sample is the seed's text with ``bentoml`` replaced by ``tiffin``; ``trained_model`` is a
fitted scikit-learn classifier (the conftest fixture).
"""

from typing import Any

import pytest

import tiffin

METADATA = {
    "accuracy": 0.95,
    "dataset": "customer_data_v2",
    "training_date": "2024-01-15",
    "framework": "scikit-learn",
    "version": "2.1.0",
}
LABELS = {"owner": "ml-team", "project": "customer-churn", "environment": "production"}


def run_sample(trained_model: Any) -> Any:
    """The seed's sample; returns its ``model``."""
    # Save model with metadata
    model = tiffin.sklearn.save_model(
        "my_model",
        trained_model,
        metadata={
            "accuracy": 0.95,
            "dataset": "customer_data_v2",
            "training_date": "2024-01-15",
            "framework": "scikit-learn",
            "version": "2.1.0",
        },
        labels={"owner": "ml-team", "project": "customer-churn", "environment": "production"},
    )

    print(f"Model saved: {model.tag}")
    return model


def test_sample_prints_the_saved_tag(
    trained_model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample prints "Model saved: my_model:<generated version>"."""
    model = run_sample(trained_model)

    assert capsys.readouterr().out == f"Model saved: my_model:{model.version}\n"
    assert model.name == "my_model"


def test_metadata_and_labels_are_stored(trained_model: Any) -> None:
    """Metadata (including keys named "framework" and "version") and labels read back as
    given, from the store, not only from the returned object."""
    model = run_sample(trained_model)

    stored = tiffin.models.get(model.tag)
    assert (stored.metadata, stored.labels) == (METADATA, LABELS)


def test_the_model_records_its_framework(trained_model: Any) -> None:
    """A user's "framework" metadata does not replace the framework tiffin records."""
    model = run_sample(trained_model)

    assert tiffin.models.get(model.tag).framework == "sklearn"


def test_each_save_is_a_new_version(trained_model: Any) -> None:
    """Saving again under the same name adds a version, which becomes the latest."""
    first, second = run_sample(trained_model), run_sample(trained_model)

    assert first.version != second.version
    assert tiffin.models.get("my_model:latest").tag == second.tag


def test_labels_select_models(trained_model: Any) -> None:
    """tiffin.models.list(labels=...) finds the model by its labels."""
    model = run_sample(trained_model)

    found = tiffin.models.list(labels={"project": "customer-churn"})
    assert [m.tag for m in found] == [model.tag]
