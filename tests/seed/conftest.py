"""The real objects behind the seed chapter's placeholders.

The chapter (``/work/shared/seed/000_c2409e8aedb315f5.txt``) loads models it never trains:
``preprocessor``, ``classifier``, ``regressor`` and ``my_model``. These fixtures train small
scikit-learn models on 20-feature data and save them in the test's own ``$TIFFIN_HOME``,
before any server starts, so that a ``Server`` subprocess (which inherits the environment)
finds them too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tiffin
from tiffin.services._secrets import secrets

FEATURES = 20


@pytest.fixture
def training_data() -> tuple[np.ndarray, np.ndarray]:
    """200 rows of 20 features and a binary target that depends on them."""
    rng = np.random.default_rng(0)
    x = rng.random((200, FEATURES))
    y = (x[:, 0] + x[:, 1] > 1.0).astype(int)
    return x, y


@pytest.fixture
def trained_model(training_data: tuple[np.ndarray, np.ndarray]) -> Any:
    """The seed's ``trained_model``: a fitted scikit-learn classifier."""
    from sklearn.linear_model import LogisticRegression

    x, y = training_data
    return LogisticRegression().fit(x, y)


@pytest.fixture
def seed_models(
    tiffin_home: Path, training_data: tuple[np.ndarray, np.ndarray], trained_model: Any
) -> dict[str, Any]:
    """Save the models AdvancedMLService loads (``preprocessor``, ``classifier``,
    ``regressor``) and ``my_model``; return the fitted objects by name.

    The classifier serves ``predict_proba``, so that ``classifier_runner.run(x)`` returns
    probabilities, as the seed's ``np.max(predictions, axis=1)`` expects.
    """
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x, y = training_data
    preprocessor = StandardScaler().fit(x)
    scaled = preprocessor.transform(x)
    classifier = LogisticRegression().fit(scaled, y)
    regressor = LinearRegression().fit(scaled, x @ np.arange(FEATURES))
    tiffin.sklearn.save_model("preprocessor", preprocessor)
    tiffin.sklearn.save_model(
        "classifier", classifier, signatures={"predict_proba": {"batchable": True}}
    )
    tiffin.sklearn.save_model("regressor", regressor)
    tiffin.sklearn.save_model("my_model", trained_model)
    return {
        "preprocessor": preprocessor,
        "classifier": classifier,
        "regressor": regressor,
        "my_model": trained_model,
    }


@pytest.fixture(autouse=True)
def _isolated_environment() -> Iterator[None]:
    """Services write ``os.environ`` (envs, secrets) and ``tiffin.secrets``; each test starts
    from the environment it was given and leaves nothing behind."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    secrets._values.clear()
