"""tiffin.onnx.load_runner: OnnxRunnable's init_params and how inputs and outputs pass."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import BadInput, ConfigurationError, InvalidArgument, ServiceUnavailable

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
to = pytest.importorskip("tiffin.frameworks.onnx")

FLOAT = 1  # onnx.TensorProto.FLOAT


def graph(nodes: list[Any], inputs: list[str], outputs: list[str], init: list[Any]) -> Any:
    helper = onnx.helper
    model = helper.make_model(
        helper.make_graph(
            nodes,
            "graph",
            [helper.make_tensor_value_info(name, FLOAT, ["batch", 3]) for name in inputs],
            [helper.make_tensor_value_info(name, FLOAT, None) for name in outputs],
            init,
        ),
        opset_imports=[helper.make_opsetid("", 17)],
    )
    model.ir_version = 8
    return model


@pytest.fixture(scope="module")
def linear() -> Any:
    """``y = x @ w + b`` with one input and one output."""
    rng = np.random.default_rng(0)
    init = [
        onnx.numpy_helper.from_array(rng.normal(size=(3, 2)).astype(np.float32), "w"),
        onnx.numpy_helper.from_array(rng.normal(size=(2,)).astype(np.float32), "b"),
    ]
    return graph([onnx.helper.make_node("Gemm", ["x", "w", "b"], ["y"])], ["x"], ["y"], init)


@pytest.fixture(scope="module")
def two_by_two() -> Any:
    """Inputs ``a``, ``b``; outputs ``sum = a + b`` and ``product = a * b``."""
    nodes = [
        onnx.helper.make_node("Add", ["a", "b"], ["sum"]),
        onnx.helper.make_node("Mul", ["a", "b"], ["product"]),
    ]
    return graph(nodes, ["a", "b"], ["sum", "product"], [])


@pytest.fixture
def x() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)


def native(model: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)  # type: ignore[no-any-return]


def runnable(tag: str, **params: Any) -> Any:
    """The runnable a runner with these init_params builds, to look at its session."""
    return to.OnnxRunnable(**to.OnnxRunnable.validate_init_params({"tag": tag, **params}))


def test_run_with_one_array_returns_the_single_output(linear: Any, x: np.ndarray) -> None:
    to.save_model("linear", linear)
    result = to.load_runner("linear").run(x)
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, native(linear, {"x": x})[0])


@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(lambda x: x.astype(np.float64), id="float64"),
        pytest.param(lambda x: x.tolist(), id="nested-list"),
    ],
)
def test_inputs_are_cast_to_the_declared_dtype(linear: Any, x: np.ndarray, convert: Any) -> None:
    to.save_model("linear", linear)
    result = to.load_runner("linear").run(convert(x))
    np.testing.assert_array_equal(result, native(linear, {"x": x})[0])


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        pytest.param(("A", "B"), {}, id="positional"),
        pytest.param((), {"b": "B", "a": "A"}, id="keywords"),
        pytest.param(("A",), {"b": "B"}, id="mixed"),
        pytest.param(({"a": "A", "b": "B"},), {}, id="dict"),
    ],
)
def test_several_inputs_in_order_or_by_name_give_a_tuple_of_outputs(
    two_by_two: Any, x: np.ndarray, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    to.save_model("pair", two_by_two)
    arrays = {"A": x, "B": x * 3}

    def real(value: Any) -> Any:
        return (
            {k: arrays[v] for k, v in value.items()} if isinstance(value, dict) else arrays[value]
        )

    result = to.load_runner("pair").run(*map(real, args), **real(kwargs))
    assert isinstance(result, tuple)
    expected = native(two_by_two, {"a": x, "b": x * 3})
    for got, want in zip(result, expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        pytest.param((1, 2, 3), {}, r"takes 2 input\(s\) \(a, b\).*passed 3", id="too-many"),
        pytest.param((1,), {}, r"inputs are a, b; the call has missing input\(s\) b", id="missing"),
        pytest.param((1, 2), {"c": 3}, r"unknown input\(s\) c", id="unknown"),
        pytest.param((1,), {"a": 2, "b": 3}, r"a given by position and by name", id="twice"),
    ],
)
def test_inputs_that_do_not_match_the_model_are_refused_naming_its_inputs(
    two_by_two: Any, args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    to.save_model("pair", two_by_two)
    with pytest.raises(BadInput, match=message):
        to.load_runner("pair").run(*args, **kwargs)


def test_the_default_providers_are_the_available_ones_in_preference_order(linear: Any) -> None:
    tag = str(to.save_model("linear", linear).tag)
    preferred = [
        p
        for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
        if p in ort.get_available_providers()
    ]
    assert runnable(tag).model.get_providers() == preferred


@pytest.mark.parametrize(
    "providers",
    [
        pytest.param(["CPUExecutionProvider"], id="list"),
        pytest.param("CPUExecutionProvider", id="string"),
        pytest.param([("CPUExecutionProvider", {})], id="with-options"),
    ],
)
def test_providers_are_given_to_the_session(linear: Any, x: np.ndarray, providers: Any) -> None:
    tag = str(to.save_model("linear", linear).tag)
    assert runnable(tag, providers=providers).model.get_providers() == ["CPUExecutionProvider"]
    result = to.load_runner(tag, {"providers": providers}).run(x)
    np.testing.assert_array_equal(result, native(linear, {"x": x})[0])


def test_thread_counts_are_set_on_the_session(linear: Any) -> None:
    tag = str(to.save_model("linear", linear).tag)
    session = runnable(tag, intra_op_num_threads=2, inter_op_num_threads=3).model
    options = session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (2, 3)
    assert options.execution_mode == ort.ExecutionMode.ORT_PARALLEL


@pytest.mark.skipif(
    "CUDAExecutionProvider" in ort.get_available_providers(), reason="needs a CPU-only build"
)
def test_an_unavailable_provider_fails_at_start_listing_the_available_ones(
    linear: Any, x: np.ndarray
) -> None:
    to.save_model("linear", linear)
    runner = to.load_runner("linear", {"providers": ["CUDAExecutionProvider"]})
    with pytest.raises(
        ServiceUnavailable, match=r"'CUDAExecutionProvider'.*'CPUExecutionProvider'"
    ):
        runner.run(x)
    assert isinstance(runner.info()["error"], str)


def test_an_unavailable_provider_is_a_configuration_error(linear: Any) -> None:
    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("needs a CPU-only build")
    tag = str(to.save_model("linear", linear).tag)
    with pytest.raises(ConfigurationError, match="available ones are"):
        runnable(tag, providers=["CUDAExecutionProvider"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param(
            {"providers": "CUDAProvider"}, r"'CUDAProvider'.*not an onnxruntime", id="typo"
        ),
        pytest.param({"providers": []}, r"non-empty list", id="empty"),
        pytest.param(
            {"providers": [3]}, r"a provider name or a \(name, options\) pair", id="entry"
        ),
        pytest.param({"intra_op_num_threads": -1}, r"whole number >= 0", id="intra"),
        pytest.param({"inter_op_num_threads": "2"}, r"whole number >= 0", id="inter"),
    ],
)
def test_bad_values_are_refused_by_load_runner(
    linear: Any, params: dict[str, Any], message: str
) -> None:
    to.save_model("linear", linear)
    with pytest.raises(InvalidArgument, match=message):
        to.load_runner("linear", params)


def test_unknown_init_params_are_refused_listing_the_valid_ones(linear: Any) -> None:
    to.save_model("linear", linear)
    with pytest.raises(InvalidArgument, match=r"'device'.*valid ones are: 'providers'"):
        to.load_runner("linear", {"device": "cuda"})
