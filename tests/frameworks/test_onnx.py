"""tiffin.frameworks.onnx: ONNX models, their recorded inputs and outputs, and sessions."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import InvalidArgument, MissingDependency
from tiffin.frameworks import picklable_model
from tiffin.models import Model

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
to = pytest.importorskip("tiffin.frameworks.onnx")

ReImport = Callable[[Model], Model]
CountWarnings = Callable[[Callable[[], object]], int]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5, 3.0], dtype=np.float32) + 0.25
    return x, y


def linear_model(weights: np.ndarray, bias: np.ndarray) -> Any:
    """A Gemm graph ``y = x @ weights + bias`` with a dynamic batch axis."""
    helper = onnx.helper
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "weights", "bias"], ["y"])],
        "linear",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["batch", weights.shape[0]])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["batch", weights.shape[1]])],
        [
            onnx.numpy_helper.from_array(weights, "weights"),
            onnx.numpy_helper.from_array(bias, "bias"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


@pytest.fixture(scope="module")
def regression(data: tuple[np.ndarray, np.ndarray]) -> Any:
    """A least-squares linear regression fitted on the data, as an ONNX graph."""
    x, y = data
    design = np.hstack([x, np.ones((len(x), 1), dtype=np.float32)])
    solution, *_ = np.linalg.lstsq(design, y, rcond=None)
    weights = solution[:4].reshape(4, 1).astype(np.float32)
    return linear_model(weights, solution[4:].astype(np.float32))


def run(session: Any, x: np.ndarray) -> np.ndarray:
    return session.run(None, {"x": x})[0]  # type: ignore[no-any-return]


def expected(model: Any, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return run(session, x)


def test_a_model_predicts_as_before_through_a_session(
    regression: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    x, y = data
    to.save_model("linear", regression)
    got = run(to.load_session("linear"), x)
    np.testing.assert_allclose(got, expected(regression, x), rtol=1e-6)
    np.testing.assert_allclose(got[:, 0], y, atol=1e-4)


def test_load_model_returns_the_same_model_proto(regression: Any) -> None:
    to.save_model("linear", regression)
    loaded = to.load_model("linear")
    assert isinstance(loaded, onnx.ModelProto)
    assert loaded.SerializeToString() == regression.SerializeToString()


@pytest.mark.parametrize("form", ["path", "str", "bytes"])
def test_a_model_may_be_given_as_a_file_or_bytes(
    regression: Any, data: tuple[np.ndarray, np.ndarray], tmp_path: Path, form: str
) -> None:
    file = tmp_path / "linear.onnx"
    onnx.save_model(regression, file)
    given = {"path": file, "str": str(file), "bytes": file.read_bytes()}[form]
    to.save_model("linear", given)
    x = data[0]
    np.testing.assert_allclose(run(to.load_session("linear"), x), expected(regression, x))


def test_inputs_and_outputs_are_recorded(regression: Any) -> None:
    options = to.save_model("linear", regression).options
    assert options["inputs"] == [
        {"name": "x", "type": "tensor", "dtype": "float32", "shape": ["batch", 4]}
    ]
    assert options["outputs"] == [
        {"name": "y", "type": "tensor", "dtype": "float32", "shape": ["batch", 1]}
    ]
    assert options["opset"] == {"ai.onnx": 17}


def test_a_converted_classifier_records_its_non_tensor_output() -> None:
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    classifier = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    converted = skl2onnx.to_onnx(classifier, x[:1], target_opset=17)
    outputs = to.save_model("clf", converted).options["outputs"]
    assert [(o["name"], o["type"]) for o in outputs] == [
        ("output_label", "tensor"),
        ("output_probability", "sequence"),
    ]
    labels = to.load_session("clf").run(["output_label"], {"X": x})[0]
    np.testing.assert_array_equal(labels, classifier.predict(x))


def test_a_model_over_the_inline_limit_keeps_its_weights_beside_it(
    monkeypatch: pytest.MonkeyPatch, data: tuple[np.ndarray, np.ndarray]
) -> None:
    rng = np.random.default_rng(1)
    model = linear_model(
        rng.normal(size=(4, 512)).astype(np.float32), np.zeros(512, dtype=np.float32)
    )
    before = [onnx.numpy_helper.to_array(tensor) for tensor in model.graph.initializer]
    monkeypatch.setattr(to, "_MAX_INLINE_BYTES", 1024)
    stored = to.save_model("wide", model)
    assert stored.options["external_data"]
    assert "model.onnx.data" in dict(stored.files())
    # The caller's proto keeps its weights.
    after = [onnx.numpy_helper.to_array(tensor) for tensor in model.graph.initializer]
    assert all(np.array_equal(a, b) for a, b in zip(after, before, strict=True))
    x = data[0]
    np.testing.assert_allclose(run(to.load_session("wide"), x), expected(model, x), rtol=1e-6)
    np.testing.assert_allclose(
        run(ort.InferenceSession(to.load_model("wide").SerializeToString()), x),
        expected(model, x),
        rtol=1e-6,
    )


def test_the_default_signature_is_a_batchable_run(regression: Any) -> None:
    model = to.save_model("linear", regression)
    assert model.signatures == {"run": {"batchable": True, "batch_dim": 0}}


def test_a_model_is_not_marked_as_pickle(regression: Any) -> None:
    assert not to.save_model("linear", regression).pickle_based


def test_an_imported_model_loads_without_warning(
    regression: Any, reimport: ReImport, unsafe_warnings: CountWarnings
) -> None:
    model = reimport(to.save_model("linear", regression))
    assert unsafe_warnings(lambda: to.load_session(model.tag)) == 0


def test_an_object_that_is_not_a_model_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"onnx\.ModelProto.*tiffin\.picklable_model"):
        to.save_model("linear", {"weights": [1, 2]})


def test_a_path_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="not a file"):
        to.save_model("linear", tmp_path / "missing.onnx")


def test_bytes_that_are_not_a_model_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="could not read an ONNX model"):
        to.save_model("linear", b"\xff\x00 not protobuf")


def test_get_refuses_a_model_of_another_framework(regression: Any) -> None:
    model = to.save_model("linear", regression)
    with pytest.raises(InvalidArgument, match=r"tiffin\.onnx\.load_model\(\)"):
        picklable_model.get(model.tag)


def test_load_model_takes_no_options_and_points_to_load_session(regression: Any) -> None:
    to.save_model("linear", regression)
    with pytest.raises(InvalidArgument, match=r"\['providers'\].*load_session"):
        to.load_model("linear", providers=["CPUExecutionProvider"])


def test_an_absent_provider_is_refused_listing_the_available_ones(regression: Any) -> None:
    to.save_model("linear", regression)
    with pytest.raises(InvalidArgument, match="CPUExecutionProvider"):
        to.load_session("linear", providers=["NoSuchExecutionProvider"])


def test_a_session_takes_providers_and_threads(regression: Any) -> None:
    to.save_model("linear", regression)
    session = to.load_session(
        "linear", providers=[("CPUExecutionProvider", {})], intra_op_num_threads=1
    )
    assert session.get_providers() == ["CPUExecutionProvider"]
    assert session.get_session_options().intra_op_num_threads == 1


def test_a_negative_thread_count_is_refused(regression: Any) -> None:
    to.save_model("linear", regression)
    with pytest.raises(InvalidArgument, match="intra_op_num_threads"):
        to.load_session("linear", intra_op_num_threads=-1)


def test_a_session_without_onnxruntime_names_the_install(
    regression: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    to.save_model("linear", regression)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(MissingDependency, match=r"pip install 'tiffin\[onnx\]'"):
        to.load_session("linear")
