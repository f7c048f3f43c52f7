"""The hand-written FastAPI baseline, as a user would write it: pydantic request models,
dict responses, models loaded at import.

Two apps with the same routes: ``app_def`` (plain ``def`` endpoints, run on Starlette's
thread pool) and ``app_async`` (``async def`` endpoints, run on the event loop); their
throughput differs by ~1.6x on this machine, so tiffin is compared with both.
``BENCH_SCENARIO`` (iris, noop, mlp, payload) chooses which model is loaded, so start-up
time and memory are those of serving that one model.

    uvicorn fastapi_app:app_async --host 127.0.0.1 --port 8000 --workers 2
"""

from __future__ import annotations

import io
import os

import bench_models
import numpy as np
from fastapi import FastAPI, Request
from pydantic import BaseModel

SCENARIO = os.environ.get("BENCH_SCENARIO", "iris")
IRIS = bench_models.load_iris() if SCENARIO == "iris" else None
MLP = bench_models.load_mlp() if SCENARIO == "mlp" else None


class Rows(BaseModel):
    input_data: list[list[float]]


def _iris(rows: Rows) -> dict:
    return {"prediction": IRIS.predict(np.asarray(rows.input_data)).tolist()}


def _mlp(rows: Rows) -> dict:
    import torch

    with torch.inference_mode():
        logits = MLP(torch.tensor(rows.input_data, dtype=torch.float32))
    return {"prediction": logits.tolist()}


def _summary(array: np.ndarray) -> dict:
    return {"shape": list(array.shape), "checksum": float(array.sum(dtype=np.float64))}


app_def = FastAPI()
app_async = FastAPI()


@app_def.get("/health")
@app_async.get("/health")
async def health() -> dict:
    return {"ok": True}


@app_def.post("/iris")
def iris_def(rows: Rows) -> dict:
    return _iris(rows)


@app_async.post("/iris")
async def iris_async(rows: Rows) -> dict:
    return _iris(rows)


@app_def.post("/noop")
def noop_def() -> dict:
    return {"ok": True}


@app_async.post("/noop")
async def noop_async() -> dict:
    return {"ok": True}


@app_def.post("/mlp")
def mlp_def(rows: Rows) -> dict:
    return _mlp(rows)


@app_async.post("/mlp")
async def mlp_async(rows: Rows) -> dict:
    return _mlp(rows)


@app_def.post("/payload")
def payload_def(rows: Rows) -> dict:
    return _summary(np.asarray(rows.input_data, dtype=np.float32))


@app_async.post("/payload")
async def payload_async(rows: Rows) -> dict:
    return _summary(np.asarray(rows.input_data, dtype=np.float32))


@app_def.post("/payload_npy")
@app_async.post("/payload_npy")
async def payload_npy(request: Request) -> dict:
    return _summary(np.load(io.BytesIO(await request.body()), allow_pickle=False))
