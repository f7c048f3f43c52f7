"""tiffin services for the benchmark scenarios, written as the README teaches.

Models come from the tiffin store under ``$TIFFIN_HOME`` (the harness points it at
``benchmarks/.work/tiffin_home`` and saves there the same fitted objects the peers load from
``benchmarks/.work/models``). ``tiffin serve tiffin_app:IrisService --workers N``.
"""

from __future__ import annotations

import numpy as np

import tiffin
from tiffin.io import JSON, NumpyNdarray


@tiffin.service
class IrisService:
    """The README's service: a synchronous API calling a scikit-learn runner."""

    def __init__(self) -> None:
        self.runner = tiffin.sklearn.load_runner("bench-iris:latest")

    @tiffin.api(route="/iris")
    def classify(self, input_data: NumpyNdarray) -> JSON:
        return {"prediction": self.runner.predict.run(input_data)}


@tiffin.service
class IrisAsyncService:
    """The same model from an ``async def`` API: the call runs on the event loop."""

    def __init__(self) -> None:
        self.runner = tiffin.sklearn.load_runner("bench-iris:latest")

    @tiffin.api(route="/iris")
    async def classify(self, input_data: NumpyNdarray) -> JSON:
        return {"prediction": self.runner.predict.run(input_data)}


@tiffin.service
class NoopService:
    """tiffin's floor: reads and binds the (tiny) JSON body, returns a constant."""

    @tiffin.api(route="/noop")
    async def noop(self) -> JSON:
        return {"ok": True}


@tiffin.service
class MLPService:
    """The PyTorch MLP, one row per request, batching off."""

    def __init__(self) -> None:
        self.runner = tiffin.pytorch.load_runner("bench-mlp:latest")

    @tiffin.api(route="/mlp")
    def predict(self, input_data: NumpyNdarray) -> JSON:
        # The runner casts to the module's dtype, runs under inference_mode, returns numpy.
        return {"prediction": self.runner.run(input_data)}


@tiffin.service
class PayloadService:
    """A large array in (JSON or ``.npy`` by Content-Type), a small summary out."""

    @tiffin.api(route="/payload")
    def summarise(self, input_data: NumpyNdarray) -> JSON:
        return {"shape": input_data.shape, "checksum": float(input_data.sum(dtype=np.float64))}
