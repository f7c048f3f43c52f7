"""tiffin.pytorch.load_runner: PytorchRunnable's init_params, devices and conversions."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import ConfigurationError, InvalidArgument, ServiceUnavailable

pytest.importorskip("torch")
import torch

from tiffin.frameworks import pytorch as tp

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")


class Counter(torch.nn.Module):
    """Adds how many times this copy of the module has been called: replicas count apart."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return x * 0 + self.calls


class Heads(torch.nn.Module):
    """Returns a dict holding a tensor and a tuple of tensors."""

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        return {"sum": x.sum(dim=1), "halves": (x[:, :2], x[:, 2:])}


class Encoder(torch.nn.Linear):
    """A module with a method besides forward."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        result: torch.Tensor = self(x) * 2
        return result


@pytest.fixture(scope="module")
def net() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2)
    ).eval()


@pytest.fixture
def x() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(6, 4)).astype(np.float32)


@pytest.fixture
def saved(net: torch.nn.Module) -> str:
    return str(tp.save_model("mlp", net).tag)


@pytest.fixture
def threads() -> Iterator[int]:
    """The number of torch CPU threads before the test, restored after it."""
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def native(module: torch.nn.Module, x: np.ndarray, dtype: torch.dtype = torch.float32) -> Any:
    with torch.inference_mode():
        return module.to(dtype)(torch.from_numpy(x).to(dtype)).float().numpy()


def test_a_runner_returns_what_the_module_returns(
    net: torch.nn.Module, saved: str, x: np.ndarray
) -> None:
    result = tp.load_runner(saved).run(x)
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, native(net, x))


@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(lambda x: x.tolist(), id="nested-list"),
        pytest.param(torch.from_numpy, id="tensor"),
        pytest.param(lambda x: x.astype(np.float64), id="float64-array"),
        pytest.param(lambda x: np.frombuffer(x.tobytes(), np.float32).reshape(x.shape), id="ro"),
        pytest.param(lambda x: np.flip(np.flip(x, 0).copy(), 0), id="negative-strides"),
    ],
)
def test_inputs_become_tensors_of_the_module_dtype(
    net: torch.nn.Module, saved: str, x: np.ndarray, convert: Any
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = tp.load_runner(saved).run(convert(x))
    np.testing.assert_allclose(result, native(net, x), rtol=1e-6)


def test_tensors_inside_dicts_and_tuples_come_back_as_numpy(x: np.ndarray) -> None:
    tp.save_model("heads", Heads())
    result = tp.load_runner("heads").run(x)
    assert set(result) == {"sum", "halves"}
    np.testing.assert_allclose(result["sum"], x.sum(axis=1), rtol=1e-6)
    assert isinstance(result["halves"], tuple)
    np.testing.assert_array_equal(np.concatenate(result["halves"], axis=1), x)


def test_a_signature_other_than_call_runs_that_method(x: np.ndarray) -> None:
    torch.manual_seed(0)
    encoder = Encoder(4, 3)
    tp.save_model("encoder", encoder, signatures={"encode": {"batchable": True}})
    result = tp.load_runner("encoder").encode.run(x)
    with torch.inference_mode():
        np.testing.assert_allclose(result, encoder.encode(torch.from_numpy(x)).numpy())


@pytest.mark.parametrize("kind", ["torchscript", "exported_program"])
def test_code_free_formats_run_too(net: torch.nn.Module, x: np.ndarray, kind: str) -> None:
    example = torch.from_numpy(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is deprecated
        traced = torch.jit.trace(net, example)  # type: ignore[no-untyped-call]
        model = traced if kind == "torchscript" else None
    model = model if model is not None else torch.export.export(net, (example,))
    tp.save_model("mlp", model)
    np.testing.assert_allclose(tp.load_runner("mlp").run(x), native(net, x), rtol=1e-6)


def test_device_auto_runs_on_a_device_this_machine_has(
    net: torch.nn.Module, saved: str, x: np.ndarray
) -> None:
    result = tp.load_runner(saved, {"device": "auto"}).run(x)
    np.testing.assert_allclose(result, native(net, x), rtol=1e-4, atol=1e-5)


@NO_CUDA
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"device": "cuda"}, id="cuda"),
        pytest.param({"device": "cuda:1"}, id="cuda-1"),
        pytest.param({"device_id": 0}, id="device-id"),
        pytest.param({"device": "cuda", "device_id": 0, "precision": "fp16"}, id="seed"),
        pytest.param({"devices": ["cpu", "cuda:0"]}, id="devices"),
    ],
)
def test_an_absent_gpu_fails_at_start_naming_auto(
    saved: str, x: np.ndarray, params: dict[str, Any]
) -> None:
    runner = tp.load_runner(saved, params)  # a GPU service still imports on a CPU machine
    with pytest.raises(ServiceUnavailable, match='device="auto"') as raised:
        runner.run(x)
    assert isinstance(raised.value.__cause__, ConfigurationError)


@NO_CUDA
def test_device_auto_with_a_device_id_falls_back_to_the_cpu(
    net: torch.nn.Module, saved: str, x: np.ndarray
) -> None:
    result = tp.load_runner(saved, {"device": "auto", "device_id": 1}).run(x)
    np.testing.assert_array_equal(result, native(net, x))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"device": "gpu"}, r"is \"cpu\", \"cuda\"", id="device"),
        pytest.param({"device_id": -1}, r"whole number >= 0", id="negative-id"),
        pytest.param({"device_id": "0"}, r"whole number >= 0", id="string-id"),
        pytest.param({"device": "cpu", "device_id": 0}, r'use device="cuda"', id="id-on-cpu"),
        pytest.param({"device": "cuda:0", "device_id": 1}, r"disagree", id="id-mismatch"),
        pytest.param({"devices": []}, r"non-empty list", id="no-devices"),
        pytest.param({"devices": "cuda:0"}, r"non-empty list", id="devices-string"),
        pytest.param({"devices": ["cuda:0", "tpu"]}, r"an entry of", id="bad-entry"),
        pytest.param({"devices": ["auto", "auto"]}, r'use device="auto"', id="auto-entry"),
        pytest.param({"devices": ["cpu"], "device": "cpu"}, r"either devices", id="both"),
        pytest.param({"precision": "int8"}, r"'fp32', 'fp16', 'bf16'", id="precision"),
        pytest.param({"compile": "fast"}, r"True, False or a torch.compile mode", id="compile"),
        pytest.param({"threads": 0}, r"whole number >= 1", id="threads"),
    ],
)
def test_bad_values_are_refused_by_load_runner(
    saved: str, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        tp.load_runner(saved, params)


def test_unknown_init_params_are_refused_listing_the_valid_ones(saved: str) -> None:
    with pytest.raises(InvalidArgument, match=r"'n_jobs'.*valid ones are: 'device'.*'precision'"):
        tp.load_runner(saved, {"n_jobs": 2})


def test_a_torch_device_is_accepted_by_its_name(saved: str) -> None:
    runner = tp.load_runner(saved, {"device": torch.device("cpu")})
    assert runner.init_params["device"] == "cpu"


@pytest.mark.parametrize(
    ("precision", "dtype"), [("bf16", torch.bfloat16), ("fp16", torch.float16)]
)
def test_a_reduced_precision_computes_in_it_and_returns_float32(
    net: torch.nn.Module, x: np.ndarray, precision: str, dtype: torch.dtype
) -> None:
    tp.save_model("mlp", net)
    result = tp.load_runner("mlp", {"device": "cpu", "precision": precision}).run(x)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, native(net, x, dtype))
    assert not np.array_equal(result, native(net, x))


def test_precision_fp32_casts_a_double_module(net: torch.nn.Module, x: np.ndarray) -> None:
    tp.save_model("mlp", net.double())
    try:
        result = tp.load_runner("mlp", {"precision": "fp32"}).run(x)
    finally:
        net.float()
    np.testing.assert_array_equal(result, native(net, x))


def test_without_precision_inputs_follow_the_module_dtype(x: np.ndarray) -> None:
    torch.manual_seed(0)
    double = torch.nn.Linear(4, 2).double()
    tp.save_model("double", double)
    result = tp.load_runner("double").run(x)  # float32 in; the module takes float64
    assert result.dtype == np.float64


def test_threads_sets_the_torch_cpu_threads(saved: str, threads: int) -> None:
    wanted = 1 if threads > 1 else 2
    tp.load_runner(saved, {"threads": wanted}).init()
    assert torch.get_num_threads() == wanted


@pytest.mark.slow
def test_compile_runs_the_compiled_module(net: torch.nn.Module, saved: str, x: np.ndarray) -> None:
    result = tp.load_runner(saved, {"compile": True}).run(x)
    np.testing.assert_allclose(result, native(net, x), rtol=1e-5, atol=1e-6)


def test_compile_refuses_a_torchscript_module_at_start(net: torch.nn.Module, x: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is deprecated
        tp.save_model("mlp", torch.jit.script(net))
    runner = tp.load_runner("mlp", {"compile": True})
    with pytest.raises(ServiceUnavailable, match=r"does not take TorchScript.*drop compile"):
        runner.init()


def test_devices_keep_one_replica_each_and_take_calls_in_turn(x: np.ndarray) -> None:
    tp.save_model("counter", Counter())
    runner = tp.load_runner("counter", {"devices": ["cpu", "cpu"]})
    counts = [int(runner.run(x)[0, 0]) for _ in range(4)]
    assert counts == [1, 1, 2, 2]


def test_devices_give_the_runner_one_worker_per_replica(saved: str) -> None:
    assert tp.load_runner(saved, {"devices": ["cpu", "cpu", "cpu"]}).workers == 3
    assert tp.load_runner(saved, {"devices": ["cpu", "cpu"]}, workers=1).workers == 1


def test_async_run_returns_the_module_result(
    net: torch.nn.Module, saved: str, x: np.ndarray
) -> None:
    runner = tp.load_runner(saved, {"devices": ["cpu", "cpu"]})

    async def main() -> list[Any]:
        return list(await asyncio.gather(*(runner.async_run(x) for _ in range(4))))

    for result in asyncio.run(main()):
        np.testing.assert_array_equal(result, native(net, x))
