"""tiffin.tensorflow.load_runner: TensorflowRunnable's devices and the mirrored strategy.

Importing Keras takes seconds, so these tests share one tiny model. Logical CPUs can only be
made before TensorFlow starts in a process, so the test that mirrors over them runs in a
fresh Python process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import ConfigurationError, InvalidArgument, ServiceUnavailable

pytestmark = pytest.mark.slow

pytest.importorskip("keras")
import keras  # noqa: E402

from tiffin.frameworks import tensorflow as ttf  # noqa: E402


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(7, 4)).astype("float32")


@pytest.fixture(scope="module")
def network() -> Any:
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])


@pytest.fixture
def saved(network: Any) -> str:
    return str(ttf.save_model("dense", network).tag)


def gpus() -> int:
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))


@pytest.mark.parametrize("method", ["__call__", "predict"])
def test_a_runner_returns_what_the_model_computes(
    network: Any, saved: str, x: np.ndarray, method: str
) -> None:
    result = ttf.load_runner(saved).handle(method).run(x)
    assert isinstance(result, np.ndarray)
    np.testing.assert_allclose(result, np.asarray(network(x, training=False)), rtol=1e-6)


def test_nested_lists_are_accepted_as_input(network: Any, saved: str, x: np.ndarray) -> None:
    result = ttf.load_runner(saved).run(x.tolist())
    np.testing.assert_allclose(result, np.asarray(network(x, training=False)), rtol=1e-6)


@pytest.mark.parametrize("device", ["auto", "/cpu:0", "CPU:0"])
def test_a_device_this_machine_has_runs_the_model(
    network: Any, saved: str, x: np.ndarray, device: str
) -> None:
    result = ttf.load_runner(saved, {"device": device}).run(x)
    np.testing.assert_allclose(result, np.asarray(network(x, training=False)), rtol=1e-6)


def test_mirrored_without_devices_uses_what_the_machine_has(
    network: Any, saved: str, x: np.ndarray
) -> None:
    result = ttf.load_runner(saved, {"strategy": "mirrored"}).run(x)
    np.testing.assert_allclose(result, np.asarray(network(x, training=False)), rtol=1e-6)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"strategy": "mirrored", "devices": ["/gpu:0", "/gpu:1"]}, id="seed"),
        pytest.param({"device": "/gpu:0"}, id="one-gpu"),
    ],
)
def test_absent_gpus_fail_at_start_listing_the_visible_devices(
    saved: str, x: np.ndarray, params: dict[str, Any]
) -> None:
    if gpus() >= 2:
        pytest.skip("needs a machine with fewer than two GPUs")
    runner = ttf.load_runner(saved, params)  # a GPU service still imports on a CPU machine
    with pytest.raises(ServiceUnavailable, match=r'sees .*/cpu:0.*device="auto".*logical CPUs'):
        runner.run(x)


def test_an_absent_gpu_is_a_configuration_error(saved: str) -> None:
    params = ttf.TensorflowRunnable.validate_init_params({"tag": saved, "devices": ["/gpu:7"]})
    with pytest.raises(ConfigurationError, match="/gpu:7, which TensorFlow does not see"):
        ttf.TensorflowRunnable(**params)


def test_logical_cpus_cannot_be_made_once_tensorflow_runs(saved: str, x: np.ndarray) -> None:
    keras.ops.ones(1)  # TensorFlow has started in this process
    runner = ttf.load_runner(saved, {"devices": ["/cpu:0", "/cpu:1", "/cpu:2", "/cpu:3"]})
    with pytest.raises(ServiceUnavailable, match=r"before it starts.*runner\.init\(\)"):
        runner.run(x)


def test_mirrored_over_logical_cpus_runs_in_a_fresh_process(
    network: Any, saved: str, x: np.ndarray, tmp_path: Path
) -> None:
    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(
        f"""
        import numpy as np
        from tiffin.frameworks import tensorflow as ttf

        x = np.load({str(tmp_path / "x.npy")!r})
        params = {{"strategy": "mirrored", "devices": ["/cpu:0", "/cpu:1"]}}
        runner = ttf.load_runner({saved!r}, params)
        np.save({str(tmp_path / "out.npy")!r}, runner.run(x))
        np.save({str(tmp_path / "one.npy")!r}, runner.run(x[:1]))
        checked = ttf.TensorflowRunnable.validate_init_params({{"tag": {saved!r}, **params}})
        print("replicas", ttf.TensorflowRunnable(**checked).strategy.num_replicas_in_sync)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "replicas 2" in done.stdout
    expected = np.asarray(network(x, training=False))
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "one.npy"), expected[:1], rtol=1e-6)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"strategy": "multi_worker"}, r"is 'mirrored'", id="strategy"),
        pytest.param({"device": "/tpu:0"}, r'such as "/gpu:0"', id="device"),
        pytest.param({"devices": []}, r"non-empty list", id="no-devices"),
        pytest.param({"devices": "/gpu:0"}, r'for one device use device="/gpu:0"', id="string"),
        pytest.param({"devices": ["/cpu:0", "cpu:0"]}, r"lists a device twice", id="twice"),
        pytest.param({"devices": ["/cpu:0"], "device": "/cpu:0"}, r"either device", id="both"),
    ],
)
def test_bad_values_are_refused_by_load_runner(
    saved: str, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        ttf.load_runner(saved, params)


def test_unknown_init_params_are_refused_listing_the_valid_ones(saved: str) -> None:
    with pytest.raises(
        InvalidArgument, match=r"'gpus'.*valid ones are: 'device' .*'devices' .*'strategy'"
    ):
        ttf.load_runner(saved, {"gpus": 2})
