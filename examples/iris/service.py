"""The demo service: classify iris flowers with the model ``train.py`` saved."""

from __future__ import annotations

import numpy as np

import tiffin
from tiffin.io import JSON, NumpyNdarray

CLASSES = ["setosa", "versicolor", "virginica"]


@tiffin.service(name="iris", version="1.0.0", description="Classifies iris flowers.")
class IrisClassifier:
    runner = tiffin.sklearn.load_runner("iris:latest")

    @tiffin.api
    def classify(self, input_data: NumpyNdarray(dtype="float64", shape=(-1, 4))) -> JSON:  # type: ignore[valid-type]
        """Class and confidence for each row of four measurements (cm)."""
        probabilities = self.runner.predict_proba.run(input_data)
        best = np.argmax(probabilities, axis=1)
        return {
            "classes": [CLASSES[index] for index in best],
            "confidence": np.max(probabilities, axis=1),
        }
