"""BentoML 1.4 services (``@bentoml.service`` API) for the benchmark scenarios.

    BENCH_WORKERS=2 bentoml serve bentoml_service:IrisService --host 127.0.0.1 --port 3000

Batching is off in these scenarios. Should a batched variant be added: BentoML's adaptive
batching needs ``max_latency_ms`` around 1000 on a 2-core machine, or most requests are shed
with 503 "process is overloaded" (its default is 60000; the value that LESSONS.md measured).
"""

from __future__ import annotations

import os

import bench_models
import bentoml
import numpy as np

WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))


@bentoml.service(workers=WORKERS)
class IrisService:
    def __init__(self) -> None:
        self.model = bench_models.load_iris()

    @bentoml.api(route="/iris")
    def classify(self, input_data: np.ndarray) -> dict:
        return {"prediction": self.model.predict(input_data).tolist()}


@bentoml.service(workers=WORKERS)
class NoopService:
    @bentoml.api(route="/noop")
    async def noop(self) -> dict:
        return {"ok": True}


@bentoml.service(workers=WORKERS)
class MLPService:
    def __init__(self) -> None:
        self.model = bench_models.load_mlp()

    @bentoml.api(route="/mlp")
    def predict(self, input_data: np.ndarray) -> dict:
        import torch

        with torch.inference_mode():
            logits = self.model(torch.from_numpy(input_data.astype(np.float32, copy=False)))
        return {"prediction": logits.tolist()}
