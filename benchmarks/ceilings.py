"""In-process ceilings: each model's own predict loop, no HTTP. ``python ceilings.py GROUP``
prints one JSON object; ``run.py`` runs each group in a fresh process."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "apps"))

import bench_models


def rate(function: Callable[[], Any], seconds: float = 1.0) -> float:
    """Calls per second of ``function`` over about ``seconds`` (after one warm-up call)."""
    function()
    count = 0
    started = time.perf_counter()
    end = started + seconds
    while True:
        for _ in range(5):
            function()
        count += 5
        now = time.perf_counter()
        if now >= end:
            return count / (now - started)


def iris() -> dict[str, float]:
    import numpy as np

    import tiffin

    model = bench_models.load_iris()
    row = np.asarray([bench_models.IRIS_ROW])
    runner = tiffin.sklearn.load_runner("bench-iris:latest")
    runner.init()
    try:
        return {
            "iris_predict_per_s": rate(lambda: model.predict(row)),
            "iris_runner_per_s": rate(lambda: runner.predict.run(row)),
        }
    finally:
        runner.shutdown()


def mlp() -> dict[str, float]:
    import torch

    model = bench_models.load_mlp()
    one = torch.randn(1, bench_models.MLP_SIZES[0])
    batch = torch.randn(64, bench_models.MLP_SIZES[0])

    def run(x: torch.Tensor) -> None:
        with torch.inference_mode():
            model(x)

    return {
        "mlp_one_row_per_s": rate(lambda: run(one)),
        "mlp_batch64_rows_per_s": 64 * rate(lambda: run(batch)),
        "torch_threads": torch.get_num_threads(),
    }


def payload() -> dict[str, float]:
    import numpy as np
    import orjson

    bodies = bench_models.work_dir() / "bodies"
    json_body = (bodies / "payload.json").read_bytes()
    npy_body = (bodies / "payload.npy").read_bytes()
    return {
        "payload_json_decode_per_s": rate(
            lambda: np.asarray(orjson.loads(json_body)["input_data"], dtype=np.float32), 2.0
        ),
        "payload_stdlib_json_decode_per_s": rate(
            lambda: np.asarray(json.loads(json_body)["input_data"], dtype=np.float32), 2.0
        ),
        "payload_npy_decode_per_s": rate(lambda: np.load(io.BytesIO(npy_body), allow_pickle=False)),
    }


if __name__ == "__main__":
    groups = {"iris": iris, "mlp": mlp, "payload": payload}
    print(json.dumps(groups[sys.argv[1]]()))
