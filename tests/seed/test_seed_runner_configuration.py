"""Seed chapter, "Runner Configuration": basic, GPU and distributed runners.

The samples are the seed's text with ``bentoml`` replaced by ``tiffin``. The framework
options they pass (SPEC §4 ``init_params``) are:

- scikit-learn: ``n_jobs`` set on the estimator, ``batch_size`` chunks large inputs,
  ``max_batch_size`` caps adaptive batches;
- PyTorch: ``device``/``device_id``/``precision``; an absent accelerator is an error naming
  ``device="auto"``, and ``device="auto"`` falls back to the CPU;
- TensorFlow: ``strategy="mirrored"`` over ``devices``, GPUs or logical CPUs.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import tiffin
from tiffin.exceptions import TiffinError


class CallSizeRecorder(BaseEstimator):
    """An estimator whose prediction for each row is the number of rows in its call, so a
    test sees how a runner chunked its input; it has ``n_jobs`` like many estimators."""

    def __init__(self, n_jobs: int | None = None) -> None:
        self.n_jobs = n_jobs

    def fit(self, x: Any, y: Any = None) -> "CallSizeRecorder":
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.full(len(x), len(x))

    def report_n_jobs(self) -> int | None:
        return self.n_jobs


# -- Basic Runners ----------------------------------------------------------------------------
@pytest.fixture
def my_model() -> Any:
    return tiffin.sklearn.save_model(
        "my_model",
        CallSizeRecorder(),
        signatures={"predict": {"batchable": True}, "report_n_jobs": {"batchable": False}},
    )


def basic_runners() -> tuple[Any, Any]:
    """The seed's sample; returns both runners it builds."""
    # Load model as runner
    runner = tiffin.sklearn.load_runner("my_model:latest")
    plain = runner

    # Runner configuration
    runner = tiffin.sklearn.load_runner(
        "my_model:latest",
        init_params={
            "n_jobs": 4,  # Parallel processing
            "batch_size": 32,  # Batch processing
            "max_batch_size": 128,  # Maximum batch size
        },
    )
    return plain, runner


def test_a_plain_runner_runs_the_whole_input_at_once(my_model: Any) -> None:
    """Without init_params, 100 rows go to the model in one call."""
    runner, _ = basic_runners()

    assert runner.run(np.zeros((100, 20))).tolist() == [100] * 100


def test_batch_size_chunks_large_inputs(my_model: Any) -> None:
    """With batch_size=32, 100 rows run as chunks of 32, 32, 32 and 4, re-joined in order."""
    _, runner = basic_runners()

    assert runner.run(np.zeros((100, 20))).tolist() == [32] * 96 + [4] * 4


def test_n_jobs_is_set_on_the_estimator(my_model: Any) -> None:
    """n_jobs=4 reaches the loaded estimator."""
    _, runner = basic_runners()

    assert runner.report_n_jobs.run() == 4


def test_max_batch_size_caps_adaptive_batches(my_model: Any) -> None:
    """max_batch_size=128 becomes the batching cap of the batchable method."""
    _, runner = basic_runners()

    assert runner.methods["predict"].max_batch_size == 128


def test_unknown_init_params_list_the_valid_ones(my_model: Any) -> None:
    """A misspelt option is an error that names the valid ones."""
    with pytest.raises(tiffin.exceptions.InvalidArgument, match="n_jobs") as caught:
        tiffin.sklearn.load_runner("my_model:latest", init_params={"n_job": 4})

    assert "'n_job'" in str(caught.value)


# -- Advanced Runner Configuration: GPU runner ------------------------------------------------
def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.fixture
def pytorch_model() -> Any:
    """pytorch_model:latest, a linear layer from 4 to 2 features."""
    import torch

    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(4, 2))
    tiffin.pytorch.save_model("pytorch_model", module)
    return module


def gpu_runner_sample() -> Any:
    """The seed's GPU runner."""
    # GPU runner configuration
    gpu_runner = tiffin.pytorch.load_runner(
        "pytorch_model:latest",
        init_params={
            "device": "cuda",  # Use GPU
            "device_id": 0,  # GPU device ID
            "precision": "fp16",  # Half precision
        },
    )
    return gpu_runner


def as_numpy(result: Any) -> np.ndarray:
    """A runner's output as a float32 numpy array, whether it returns tensors or arrays."""
    if hasattr(result, "detach"):
        result = result.detach().float().cpu().numpy()
    return np.asarray(result, dtype=np.float32)


@pytest.mark.slow
@pytest.mark.skipif("cuda_available()", reason="this machine has CUDA; see the test that uses it")
def test_gpu_runner_without_cuda_names_device_auto(pytorch_model: Any) -> None:
    """On a machine without CUDA, the seed's GPU runner is an error naming device="auto"."""
    import torch

    with pytest.raises(TiffinError, match='device="auto"'):
        gpu_runner = gpu_runner_sample()
        gpu_runner.run(torch.ones(3, 4))


@pytest.mark.slow
@pytest.mark.skipif("not cuda_available()", reason="needs a CUDA GPU")
def test_gpu_runner_runs_in_half_precision_on_cuda(pytorch_model: Any) -> None:
    """On a CUDA machine, the seed's GPU runner computes the model's output in fp16."""
    import torch

    rows = torch.rand(3, 4)

    result = gpu_runner_sample().run(rows)

    expected = pytorch_model(rows).detach().numpy()
    np.testing.assert_allclose(as_numpy(result), expected, atol=1e-2, rtol=1e-2)


@pytest.mark.slow
def test_device_auto_runs_without_an_accelerator(pytorch_model: Any) -> None:
    """device="auto" takes an accelerator when there is one, else the CPU, and runs."""
    import torch

    rows = torch.rand(3, 4)
    auto_runner = tiffin.pytorch.load_runner("pytorch_model:latest", init_params={"device": "auto"})

    result = auto_runner.run(rows)

    np.testing.assert_allclose(
        as_numpy(result), pytorch_model(rows).detach().numpy(), rtol=1e-5, atol=1e-6
    )


# -- Advanced Runner Configuration: distributed runner ----------------------------------------
def save_tf_model() -> Any:
    """tf_model:latest, a dense layer from 4 to 2 features."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    tiffin.tensorflow.save_model("tf_model", model)
    return model


def gpus_seen_by_tensorflow() -> int:
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))


@pytest.mark.slow
@pytest.mark.skipif("gpus_seen_by_tensorflow() >= 2", reason="this machine has two GPUs")
def test_distributed_runner_without_gpus_is_a_clear_error() -> None:
    """The seed's distributed runner asks for /gpu:0 and /gpu:1; without them the error
    is tiffin's, naming the missing device, not a TensorFlow traceback."""
    save_tf_model()

    with pytest.raises(TiffinError, match="/gpu:"):
        # Distributed runner
        distributed_runner = tiffin.tensorflow.load_runner(
            "tf_model:latest",
            init_params={
                "strategy": "mirrored",  # Multi-GPU strategy
                "devices": ["/gpu:0", "/gpu:1"],
            },
        )
        distributed_runner.run(np.ones((2, 4), dtype="float32"))


def mirrored_over_logical_cpus() -> None:
    """Run the seed's distributed runner over two logical CPUs; exit non-zero on a mismatch.

    TensorFlow accepts logical devices only before its runtime starts, so this runs in a
    fresh interpreter (see the test below).
    """
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    model = save_tf_model()
    rows = np.random.default_rng(0).random((16, 4)).astype("float32")

    distributed_runner = tiffin.tensorflow.load_runner(
        "tf_model:latest",
        init_params={"strategy": "mirrored", "devices": ["/cpu:0", "/cpu:1"]},
    )
    result = distributed_runner.run(rows)

    np.testing.assert_allclose(np.asarray(result), model.predict(rows, verbose=0), rtol=1e-5)


@pytest.mark.slow
def test_distributed_runner_over_logical_cpus_runs(tmp_path: Path) -> None:
    """With devices=["/cpu:0", "/cpu:1"] (two logical CPUs), a mirrored runner runs and
    matches the model."""
    module = Path(__file__).stem
    code = f"import {module}; {module}.mirrored_over_logical_cpus()"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}

    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240
    )

    assert done.returncode == 0, done.stderr[-3000:]
