"""ONNX integration: models stored as ``model.onnx``, never with pickle.

``save_model`` takes an ``onnx.ModelProto``, the bytes of one, or the path of an ``.onnx``
file; models over protobuf's 2 GiB limit keep their weights in ``model.onnx.data`` beside it.
The inputs' and outputs' names, element types and shapes are recorded in the model's
options.

``load_model(tag)`` returns the ``onnx.ModelProto``; ``load_session(tag, providers=None,
intra_op_num_threads=None)`` returns an ``onnxruntime.InferenceSession`` ready to ``run``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from tiffin.exceptions import InvalidArgument, MissingDependency
from tiffin.frameworks._base import Framework
from tiffin.models import Model
from tiffin.models._tag import TagLike

__all__ = ["framework", "get", "load_model", "load_runner", "load_session", "save_model"]

_FILE = "model.onnx"
_DATA_FILE = "model.onnx.data"
# Protobuf cannot serialise a message of 2 GiB or more; larger models keep their tensors in
# an external data file.
_MAX_INLINE_BYTES = 2**31 - 1
# Providers tried by default, in order, among those this onnxruntime build has.
_DEFAULT_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")


class OnnxFramework(Framework):
    name = "onnx"
    package = "onnx"
    distribution = "onnx"
    extra = "onnx"
    pickle_based = False

    def check_model(self, model: Any) -> None:
        import onnx

        if isinstance(model, (onnx.ModelProto, bytes, bytearray)):
            return
        if isinstance(model, (str, os.PathLike)):
            if not Path(model).is_file():
                raise InvalidArgument(
                    f"tiffin.onnx.save_model got the path {str(model)!r}, which is not a file; "
                    "pass the path of an existing .onnx file, or an onnx.ModelProto."
                )
            return
        raise InvalidArgument(
            f"tiffin.onnx.save_model expects an onnx.ModelProto, its bytes or the path of an "
            f".onnx file, not {type(model).__name__}; save other objects with "
            "tiffin.picklable_model."
        )

    def default_signatures(self, model: Any) -> dict[str, Any]:
        return {"run": {"batchable": True, "batch_dim": 0}}

    def save(self, model: Any, path: Path) -> dict[str, Any]:
        import onnx

        proto = _as_proto(model)
        external = proto.ByteSize() > _MAX_INLINE_BYTES
        if external:
            onnx.save_model(proto, path / _FILE, save_as_external_data=True, location=_DATA_FILE)
            # Saving moved the tensors out of the caller's proto; put them back.
            onnx.load_external_data_for_model(proto, str(path))
        else:
            onnx.save_model(proto, path / _FILE)
        return {
            "file": _FILE,
            "external_data": external,
            "ir_version": proto.ir_version,
            "opset": {entry.domain or "ai.onnx": entry.version for entry in proto.opset_import},
            "producer": f"{proto.producer_name} {proto.producer_version}".strip(),
            "inputs": _describe(proto.graph.input, {init.name for init in proto.graph.initializer}),
            "outputs": _describe(proto.graph.output, set()),
            "pickle": False,
        }

    def load(self, model: Model, **kwargs: Any) -> Any:
        import onnx

        if kwargs:
            raise InvalidArgument(
                f"tiffin.onnx.load_model takes no options, got {sorted(kwargs)}; for an "
                "inference session with providers or threads, use tiffin.onnx.load_session()."
            )
        return onnx.load_model(str(model.file(model.options.get("file", _FILE))))

    def load_session(
        self,
        tag: TagLike | Model,
        *,
        providers: Sequence[str | tuple[str, Mapping[str, Any]]] | None = None,
        intra_op_num_threads: int | None = None,
    ) -> Any:
        """An ``onnxruntime.InferenceSession`` for the model saved under ``tag``.

        Args:
            tag: the model's tag, or a ``Model``.
            providers: execution providers in order of preference, as names or
                ``(name, options)`` pairs; by default CUDA when this onnxruntime has it, then
                the CPU.
            intra_op_num_threads: threads used inside one operator (onnxruntime's default when
                None).

        >>> session = tiffin.onnx.load_session("iris:latest")              # doctest: +SKIP
        >>> session.run(None, {"input": features})                         # doctest: +SKIP
        """
        self.require()
        ort = _onnxruntime()
        model = tag if isinstance(tag, Model) else self.get(tag)
        model.check()
        options = ort.SessionOptions()
        if intra_op_num_threads is not None:
            if not isinstance(intra_op_num_threads, int) or intra_op_num_threads < 0:
                raise InvalidArgument(
                    f"intra_op_num_threads must be a whole number >= 0 (0 lets onnxruntime "
                    f"choose), not {intra_op_num_threads!r}."
                )
            options.intra_op_num_threads = intra_op_num_threads
        return ort.InferenceSession(
            str(model.path / model.options.get("file", _FILE)),
            sess_options=options,
            providers=_providers(ort, providers),
        )


def _as_proto(model: Any) -> Any:
    import onnx

    if isinstance(model, onnx.ModelProto):
        return model
    try:
        if isinstance(model, (bytes, bytearray)):
            return onnx.load_model_from_string(bytes(model))
        return onnx.load_model(os.fspath(model))
    except Exception as exc:  # protobuf's DecodeError and onnx's own errors alike
        raise InvalidArgument(
            f"tiffin.onnx.save_model could not read an ONNX model from what it was given "
            f"({exc}); pass an onnx.ModelProto or the path of a valid .onnx file."
        ) from exc


def _describe(values: Iterable[Any], skip: set[str]) -> list[dict[str, Any]]:
    """Name, kind, element type and shape of graph inputs or outputs (None: unknown)."""
    described = []
    for value in values:
        if value.name in skip:  # older exporters list initialisers among the inputs
            continue
        kind = value.type.WhichOneof("value") or "unknown"
        entry: dict[str, Any] = {"name": value.name, "type": kind.removesuffix("_type")}
        if kind == "tensor_type":
            tensor = value.type.tensor_type
            entry["dtype"] = _dtype_name(tensor.elem_type)
            entry["shape"] = _shape(tensor) if tensor.HasField("shape") else None
        described.append(entry)
    return described


def _dtype_name(elem_type: int) -> str:
    import onnx

    try:
        return str(onnx.helper.tensor_dtype_to_np_dtype(elem_type).name)
    except (KeyError, ValueError, TypeError):  # no numpy equivalent (bfloat16, float8, ...)
        return str(onnx.TensorProto.DataType.Name(elem_type)).lower()


def _shape(tensor: Any) -> list[int | str | None]:
    return [
        dim.dim_value if dim.HasField("dim_value") else (dim.dim_param or None)
        for dim in tensor.shape.dim
    ]


def _onnxruntime() -> ModuleType:
    try:
        import onnxruntime
    except ImportError as exc:
        raise MissingDependency(
            "tiffin.onnx.load_session needs the onnxruntime package, which is not installed: "
            "run pip install 'tiffin[onnx]'."
        ) from exc
    module: ModuleType = onnxruntime
    return module


def _providers(ort: ModuleType, providers: Sequence[Any] | None) -> list[Any]:
    available = list(ort.get_available_providers())
    if providers is None:
        return [name for name in _DEFAULT_PROVIDERS if name in available]
    if isinstance(providers, str):
        providers = [providers]
    for provider in providers:
        name = provider[0] if isinstance(provider, tuple) else provider
        if name not in available:
            raise InvalidArgument(
                f"The onnxruntime execution provider {name!r} is not available here; "
                f"the available ones are {available}. Install the onnxruntime build that "
                "has it (e.g. onnxruntime-gpu) or choose among these."
            )
    return list(providers)


framework = OnnxFramework()
save_model = framework.save_model
load_model = framework.load_model
load_session = framework.load_session
get = framework.get
load_runner = framework.load_runner
