"""ONNX integration: models stored as ``model.onnx``, never with pickle.

``save_model`` takes an ``onnx.ModelProto``, the bytes of one, or the path of an ``.onnx``
file; models over protobuf's 2 GiB limit keep their weights in ``model.onnx.data`` beside it.
The inputs' and outputs' names, element types and shapes are recorded in the model's
options.

``load_model(tag)`` returns the ``onnx.ModelProto``; ``load_session(tag, providers=None,
intra_op_num_threads=None, inter_op_num_threads=None)`` returns an
``onnxruntime.InferenceSession`` ready to ``run``. ``load_runner(tag, init_params=...)``
serves the model with :class:`OnnxRunnable`, whose docstring lists the init_params and how
inputs and outputs are passed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from tiffin.exceptions import BadInput, ConfigurationError, InvalidArgument, MissingDependency
from tiffin.frameworks._base import Framework
from tiffin.frameworks._runnable import ModelRunnable, check_whole_number
from tiffin.models import Model
from tiffin.models._tag import TagLike

__all__ = [
    "OnnxRunnable",
    "framework",
    "get",
    "load_model",
    "load_runner",
    "load_session",
    "save_model",
]

_FILE = "model.onnx"
_DATA_FILE = "model.onnx.data"
# Protobuf cannot serialise a message of 2 GiB or more; larger models keep their tensors in
# an external data file.
_MAX_INLINE_BYTES = 2**31 - 1
# Providers tried by default, in order, among those this onnxruntime build has.
_DEFAULT_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")
# onnxruntime's names of tensor element types -> numpy dtypes that inputs are cast to.
_INPUT_DTYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int8)": "int8",
    "tensor(int16)": "int16",
    "tensor(int32)": "int32",
    "tensor(int64)": "int64",
    "tensor(uint8)": "uint8",
    "tensor(uint16)": "uint16",
    "tensor(uint32)": "uint32",
    "tensor(uint64)": "uint64",
    "tensor(bool)": "bool",
}


class OnnxRunnable(ModelRunnable):
    """Serves an ONNX model with an ``onnxruntime.InferenceSession``.

    init_params, all optional:

    - ``providers``: execution providers in order of preference, as names or
      ``(name, options)`` pairs, e.g. ``["CUDAExecutionProvider", "CPUExecutionProvider"]``.
      By default CUDA when this onnxruntime build has it, then the CPU. A name onnxruntime
      does not know is refused by ``load_runner``; one this build lacks (CUDA without
      onnxruntime-gpu) fails the runner's start, listing the available ones.
    - ``intra_op_num_threads``: threads used inside one operator (0: onnxruntime chooses).
    - ``inter_op_num_threads``: threads running independent operators at once; above 1 it
      turns on onnxruntime's parallel execution mode, without which it has no effect.

    Every signature runs the whole graph (``run`` by default). Inputs are given in the
    model's input order (``runner.run(x)`` for a single input, ``runner.run(a, b)``), by
    name (``runner.run(a=..., b=...)``), or as one dict by name. Arrays and nested lists
    are cast to the dtype each input declares when that keeps their kind (float64 JSON
    numbers to a float32 input, for instance). A model with one output returns that array;
    one with several returns a tuple in the model's output order.
    """

    SUPPORTED_RESOURCES = ("cpu", "nvidia.com/gpu")
    SUPPORTS_CPU_MULTI_THREADING = True
    INIT_PARAMS = {
        "providers": 'execution providers in order, e.g. ["CUDAExecutionProvider"] '
        "(default: CUDA when available, then CPU)",
        "intra_op_num_threads": "threads inside one operator (0: onnxruntime chooses)",
        "inter_op_num_threads": "threads running independent operators at once",
    }

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        if params.get("providers") is not None:
            params["providers"] = _checked_providers(params["providers"])
        for name in ("intra_op_num_threads", "inter_op_num_threads"):
            check_whole_number(params, name, minimum=0, meaning="threads (0: onnxruntime chooses)")

    def load(self, framework: Any, stored: Model) -> Any:
        try:
            session = framework.load_session(
                stored,
                providers=self.params.get("providers"),
                intra_op_num_threads=self.params.get("intra_op_num_threads"),
                inter_op_num_threads=self.params.get("inter_op_num_threads"),
            )
        except InvalidArgument as exc:  # a provider this onnxruntime build does not have
            raise ConfigurationError(str(exc)) from exc
        self.inputs = {value.name: _INPUT_DTYPES.get(value.type) for value in session.get_inputs()}
        return session

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        outputs = self.model.run(None, self._feeds(args, kwargs))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def _feeds(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        names = list(self.inputs)
        if len(args) == 1 and isinstance(args[0], Mapping) and not kwargs:
            given = dict(args[0])
        else:
            if len(args) > len(names):
                raise BadInput(
                    f"This ONNX model takes {len(names)} input(s) ({', '.join(names)}), but "
                    f"the call passed {len(args)}; pass one array per input, in this order."
                )
            given = dict(zip(names[: len(args)], args, strict=True))
            twice = sorted(set(given) & set(kwargs))
            if twice:
                raise BadInput(f"Input(s) {', '.join(twice)} given by position and by name.")
            given.update(kwargs)
        unknown = sorted(set(given) - set(names))
        missing = [name for name in names if name not in given]
        if unknown or missing:
            wrong = f"unknown input(s) {', '.join(unknown)}" if unknown else ""
            absent = f"missing input(s) {', '.join(missing)}" if missing else ""
            raise BadInput(
                f"This ONNX model's inputs are {', '.join(names)}; the call has "
                f"{' and '.join(part for part in (wrong, absent) if part)}."
            )
        return {name: _as_input(given[name], self.inputs[name]) for name in names}


class OnnxFramework(Framework):
    name = "onnx"
    package = "onnx"
    distribution = "onnx"
    extra = "onnx"
    pickle_based = False
    runnable = OnnxRunnable

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
        inter_op_num_threads: int | None = None,
    ) -> Any:
        """An ``onnxruntime.InferenceSession`` for the model saved under ``tag``.

        Args:
            tag: the model's tag, or a ``Model``.
            providers: execution providers in order of preference, as names or
                ``(name, options)`` pairs; by default CUDA when this onnxruntime has it, then
                the CPU.
            intra_op_num_threads: threads used inside one operator (onnxruntime's default when
                None).
            inter_op_num_threads: threads running independent operators at once; above 1 it
                turns on onnxruntime's parallel execution mode.

        >>> session = tiffin.onnx.load_session("iris:latest")              # doctest: +SKIP
        >>> session.run(None, {"input": features})                         # doctest: +SKIP
        """
        self.require()
        ort = _onnxruntime()
        model = tag if isinstance(tag, Model) else self.get(tag)
        model.check()
        options = ort.SessionOptions()
        if intra_op_num_threads is not None:
            options.intra_op_num_threads = _threads("intra_op_num_threads", intra_op_num_threads)
        if inter_op_num_threads is not None:
            options.inter_op_num_threads = _threads("inter_op_num_threads", inter_op_num_threads)
            if inter_op_num_threads > 1:
                options.execution_mode = ort.ExecutionMode.ORT_PARALLEL
        return ort.InferenceSession(
            str(model.path / model.options.get("file", _FILE)),
            sess_options=options,
            providers=_providers(ort, providers),
        )


def _threads(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument(
            f"{name} must be a whole number >= 0 (0 lets onnxruntime choose), not {value!r}."
        )
    return value


def _checked_providers(providers: object) -> list[Any]:
    """``providers`` as a list of names and ``(name, options)`` pairs, each name known to
    onnxruntime when it is installed here (availability is checked when the runner starts)."""
    entries = [providers] if isinstance(providers, str) else providers
    if not isinstance(entries, (list, tuple)) or not entries:
        raise InvalidArgument(
            f"init_params['providers'] is a non-empty list of onnxruntime execution providers, "
            f'e.g. ["CUDAExecutionProvider", "CPUExecutionProvider"], not {providers!r}.'
        )
    checked = [_checked_provider(entry) for entry in entries]
    try:
        import onnxruntime
    except ImportError:  # checked when the runner starts, which needs onnxruntime anyway
        return checked
    known = onnxruntime.get_all_providers()
    for entry in checked:
        name = entry[0] if isinstance(entry, tuple) else entry
        if name not in known:
            raise InvalidArgument(
                f"init_params['providers'] names {name!r}, which is not an onnxruntime "
                f"execution provider; the ones available here are "
                f"{onnxruntime.get_available_providers()}."
            )
    return checked


def _checked_provider(entry: object) -> str | tuple[str, dict[str, Any]]:
    if isinstance(entry, str):
        return entry
    if (
        isinstance(entry, (list, tuple))
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], Mapping)
    ):
        return (entry[0], dict(entry[1]))
    raise InvalidArgument(
        f"Each entry of init_params['providers'] is a provider name or a (name, options) "
        f'pair, e.g. ("CUDAExecutionProvider", {{"device_id": 1}}), not {entry!r}.'
    )


def _as_input(value: Any, dtype: str | None) -> Any:
    """``value`` as an array of ``dtype`` when that keeps its kind, else as it was given."""
    import numpy as np

    if not isinstance(value, np.ndarray):
        if not isinstance(value, (list, tuple, int, float, bool, np.generic)):
            return value
        value = np.asarray(value)
    if dtype is not None and value.dtype != dtype and np.can_cast(value.dtype, dtype, "same_kind"):
        return value.astype(dtype)
    return value


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
