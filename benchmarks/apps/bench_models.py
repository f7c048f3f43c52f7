"""The models every framework serves, built once and loaded from the same files.

- iris: scikit-learn ``LogisticRegression`` fitted on the iris data set (fixed split), saved
  with joblib as ``iris.joblib``.
- mlp: a PyTorch MLP 512 -> 2048 -> 2048 -> 10 (ReLU) with ``torch.manual_seed(0)``; its
  ``state_dict`` is saved as ``mlp.pt`` and loaded with ``weights_only=True``.

``BENCH_WORK_DIR`` names the folder that holds ``models/`` (the harness sets it for every
server it starts). This module imports only the standard library at import time, so every
peer's virtual environment can import it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

IRIS_ROW = [5.1, 3.5, 1.4, 0.2]
MLP_SIZES = (512, 2048, 2048, 10)
PAYLOAD_SHAPE = (1000, 512)
SEED = 0


def work_dir() -> Path:
    default = Path(__file__).resolve().parent.parent / ".work"
    return Path(os.environ.get("BENCH_WORK_DIR", default))


def models_dir() -> Path:
    return work_dir() / "models"


def mlp_class() -> Any:
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            a, b, c, d = MLP_SIZES
            self.layers = nn.Sequential(
                nn.Linear(a, b), nn.ReLU(), nn.Linear(b, c), nn.ReLU(), nn.Linear(c, d)
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.layers(x)

    return MLP


def load_iris() -> Any:
    import joblib

    return joblib.load(models_dir() / "iris.joblib")


def load_mlp() -> Any:
    """The MLP in eval mode, weights from ``mlp.pt``."""
    import torch

    model = mlp_class()()
    state = torch.load(models_dir() / "mlp.pt", map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval()


def build(directory: Path) -> dict[str, Any]:
    """Train/initialise both models and save them under ``directory``; returns their objects."""
    import joblib
    import torch
    from sklearn.datasets import load_iris as iris_data
    from sklearn.linear_model import LogisticRegression

    directory.mkdir(parents=True, exist_ok=True)
    features, labels = iris_data(return_X_y=True)
    iris = LogisticRegression(max_iter=1000).fit(features, labels)
    joblib.dump(iris, directory / "iris.joblib")
    torch.manual_seed(SEED)
    mlp = mlp_class()().eval()
    torch.save(mlp.state_dict(), directory / "mlp.pt")
    return {"iris": iris, "mlp": mlp}
