"""PyTorch integration: TorchScript modules, ``torch.export`` programs and eager modules.

Each kind is stored in the most code-free format PyTorch offers for it:

- ``torch.jit.ScriptModule`` (scripted or traced): ``torch.jit.save``, loaded by TorchScript's
  own restricted unpickler; not marked as pickle.
- ``torch.export.ExportedProgram``: ``torch.export.save`` (a ``.pt2`` archive). Its loader
  falls back to full unpickling for weights it cannot read otherwise, so it is marked as
  pickle.
- any other ``torch.nn.Module`` (eager): the whole module with ``torch.save``, through
  cloudpickle when it is installed (classes defined in ``__main__`` or a notebook are then
  stored by value), loaded with ``weights_only=False``. Loading runs code: it is marked as
  pickle, and the module's class must be importable where it is loaded.

``load_model(tag, device="cpu")`` returns the module on ``device`` (``"cpu"``, ``"cuda"``,
``"cuda:1"``, ``"mps"`` or ``"auto"``) in eval mode; an ``ExportedProgram`` comes back as
one, to be called through its ``.module()``.

``load_runner(tag, init_params=...)`` serves the module with :class:`PytorchRunnable`; its
docstring lists the init_params (device, precision, torch.compile, replicas).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tiffin.exceptions import ConfigurationError, InvalidArgument, MissingDependency
from tiffin.frameworks._base import Framework
from tiffin.frameworks._runnable import ModelRunnable, check_whole_number
from tiffin.models import Model

if TYPE_CHECKING:
    import torch

__all__ = [
    "PytorchRunnable",
    "framework",
    "get",
    "load_model",
    "load_runner",
    "resolve_device",
    "save_model",
]

_FILE = "model.pt"
_EXPORTED_FILE = "model.pt2"
_LOAD_OPTIONS: Mapping[str, Any] = {"device": "cpu"}
# Device strings a runner accepts, checked without importing torch.
_DEVICE = re.compile(r"cpu|mps|auto|cuda(?::\d+)?")
_DEVICE_CHOICES = '"cpu", "cuda", "cuda:1", "mps" or "auto"'
_PRECISIONS = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}
_COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


class _Replica(NamedTuple):
    """One copy of the module, on its device, with the dtype floating inputs are cast to."""

    module: Any
    device: torch.device
    dtype: torch.dtype | None


class PytorchRunnable(ModelRunnable):
    """Serves a PyTorch module (eager, TorchScript or ``torch.export``) saved in the store.

    init_params, all optional:

    - ``device``: where the module runs: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``, or
      ``"auto"`` (the default: CUDA when present, else Apple MPS, else the CPU).
    - ``device_id``: the CUDA device's index; with ``device="cuda"`` (implied when alone) it
      means ``"cuda:<device_id>"``, with ``device="auto"`` it picks that GPU when there is one.
    - ``devices``: several devices, e.g. ``["cuda:0", "cuda:1"]``: one replica of the module
      per device, calls spread over them in turn. The runner then runs as many calls at once
      as there are replicas (its ``workers``) unless told otherwise. Instead of ``device``.
    - ``precision``: ``"fp32"``, ``"fp16"`` or ``"bf16"``: the module's floating parameters
      are cast to it, and so are floating inputs. On the CPU prefer ``"bf16"``: ``"fp16"``
      runs there only for the operations PyTorch implements in half precision, and an
      operation it lacks is an error that says so.
    - ``compile``: ``True``, or a ``torch.compile`` mode such as ``"reduce-overhead"``, to
      compile the module with ``torch.compile``. Off by default: compiling happens on the
      first calls (seconds) and needs a C++ compiler on the CPU; a failure is an error that
      names this option.
    - ``threads``: the CPU threads PyTorch uses (``torch.set_num_threads``); this setting is
      global to the process.

    Without ``precision``, floating inputs are cast to the dtype of the module's parameters
    (JSON numbers arrive as float64). Inputs: numpy arrays, nested lists of numbers and
    tensors become tensors on the replica's device; tuples and dicts are converted item by
    item; anything else is passed as it is. Calls run under ``torch.inference_mode()`` and
    tensors in the result come back as numpy arrays (float16/bfloat16 as float32, since numpy
    has no bfloat16), inside the same tuples, lists and dicts.

    Devices are checked when the runner starts, not by ``load_runner``, so that a service
    meant for a GPU machine can still be imported where there is none: asking for an absent
    accelerator makes the start fail with a message naming ``device="auto"``.
    """

    SUPPORTED_RESOURCES = ("cpu", "nvidia.com/gpu")
    SUPPORTS_CPU_MULTI_THREADING = True
    INIT_PARAMS = {
        "device": 'where the module runs: "auto" (default), "cpu", "cuda", "cuda:1" or "mps"',
        "device_id": 'the CUDA device index, with device="cuda"',
        "devices": 'one replica per device, calls spread in turn, e.g. ["cuda:0", "cuda:1"]',
        "precision": '"fp32", "fp16" or "bf16", for the module and floating inputs',
        "compile": 'True, or a mode such as "reduce-overhead", to apply torch.compile',
        "threads": "CPU threads of PyTorch in this process, via torch.set_num_threads",
    }

    @classmethod
    def default_workers(cls, params: Mapping[str, Any]) -> int | None:
        """One call at a time per replica: with ``devices``, every replica can run at once."""
        devices = params.get("devices")
        if isinstance(devices, (list, tuple)) and len(devices) > 1:
            return len(devices)
        return None

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        _check_device_params(params)
        precision = params.get("precision")
        if precision is not None and precision not in _PRECISIONS:
            raise InvalidArgument(
                f"init_params['precision'] is one of {', '.join(map(repr, _PRECISIONS))}, not "
                f"{precision!r}."
            )
        compile_ = params.get("compile")
        if (
            compile_ is not None
            and not isinstance(compile_, bool)
            and compile_ not in _COMPILE_MODES
        ):
            raise InvalidArgument(
                f"init_params['compile'] is True, False or a torch.compile mode "
                f"({', '.join(map(repr, _COMPILE_MODES))}), not {compile_!r}."
            )
        check_whole_number(params, "threads", minimum=1, meaning="CPU threads")

    def load(self, framework: Any, stored: Model) -> Any:
        import torch

        threads = self.params.get("threads")
        if threads is not None:
            torch.set_num_threads(threads)
        self.replicas = [self._replica(framework, stored, d) for d in _requested(self.params)]
        self._turn = itertools.count()
        return self.replicas[0].module

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        import torch

        replica = self.replicas[next(self._turn) % len(self.replicas)]
        function = replica.module if method == "__call__" else getattr(replica.module, method)
        convert = _converter(replica)
        with torch.inference_mode():
            try:
                result = function(*convert(args), **convert(kwargs))
            except Exception as exc:
                explained = self._explained(exc, replica)
                if explained is exc:
                    raise
                raise explained from exc
            return _to_numpy(result)

    def _replica(self, framework: Any, stored: Model, requested: str) -> _Replica:
        import torch

        try:
            device = resolve_device(requested)
        except InvalidArgument as exc:
            raise ConfigurationError(str(exc)) from exc
        module = framework.load_model(stored, device=str(device))
        if isinstance(module, torch.export.ExportedProgram):
            module = module.module()  # already in inference form: eval() is not supported
        precision = self.params.get("precision")
        if precision is not None:
            module = module.to(getattr(torch, _PRECISIONS[precision]))
        dtype = _floating_dtype(module)
        if self.params.get("compile"):
            module = _compiled(module, self.params["compile"])
        return _Replica(module, device, dtype)

    def _explained(self, exc: Exception, replica: _Replica) -> Exception:
        """``exc`` with what to change, when an init parameter is its likely cause."""
        if self.params.get("compile") and _is_compile_error(exc):
            return ConfigurationError(
                f"torch.compile could not compile this model ({type(exc).__name__}: {exc}). "
                "Serve it without init_params['compile'], or fix what the message names."
            )
        if (
            self.params.get("precision") == "fp16"
            and replica.device.type == "cpu"
            and isinstance(exc, (RuntimeError, NotImplementedError))
            and "Half" in str(exc)
        ):
            return ConfigurationError(
                f'precision="fp16" is not supported on the CPU by an operation of this model '
                f'({exc}); use precision="bf16" on the CPU, or run on a GPU.'
            )
        return exc


class PytorchFramework(Framework):
    name = "pytorch"
    package = "torch"
    distribution = "torch"
    extra = "pytorch"
    # The class default is the conservative one; each model's options carry its own flag
    # ("pickle"), False for TorchScript.
    pickle_based = True
    runnable = PytorchRunnable

    def check_model(self, model: Any) -> None:
        import torch

        if not isinstance(model, (torch.nn.Module, torch.export.ExportedProgram)):
            raise InvalidArgument(
                f"tiffin.pytorch.save_model expects a torch.nn.Module, a TorchScript module "
                f"(torch.jit.script/trace) or a torch.export.ExportedProgram, not "
                f"{type(model).__name__}; save other objects with tiffin.picklable_model."
            )

    def default_signatures(self, model: Any) -> dict[str, Any]:
        return {"__call__": {"batchable": True, "batch_dim": 0}}

    def save(self, model: Any, path: Path) -> dict[str, Any]:
        import torch

        if isinstance(model, torch.jit.ScriptModule):
            torch.jit.save(model, str(path / _FILE))
            return {"format": "torchscript", "file": _FILE, "pickle": False}
        if isinstance(model, torch.export.ExportedProgram):
            torch.export.save(model, path / _EXPORTED_FILE)
            return {"format": "exported_program", "file": _EXPORTED_FILE, "pickle": True}
        torch.save(model, path / _FILE, pickle_module=_pickler())
        cls = type(model)
        return {
            "format": "eager",
            "file": _FILE,
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "pickle": True,
        }

    def unpickles(self, model: Model) -> bool:
        return bool(model.options.get("format", "eager") != "torchscript")

    def load(self, model: Model, **kwargs: Any) -> Any:
        """Load the module onto ``device`` (``"cpu"``, ``"cuda:1"``, ``"auto"``, ...)."""
        import torch

        options = _load_options(kwargs)
        device = resolve_device(options["device"])
        stored = model.options
        kind = stored.get("format", "eager")
        path = model.file(stored.get("file", _FILE))
        if kind == "torchscript":
            script = torch.jit.load(str(path), map_location=device)  # type: ignore[no-untyped-call]
            return script.eval()
        if kind == "exported_program":
            from torch.export.passes import move_to_device_pass

            program = torch.export.load(path)
            if device.type != "cpu":
                program = move_to_device_pass(program, device)
            return program
        try:
            module = torch.load(path, map_location=device, weights_only=False)
        except (AttributeError, ImportError) as exc:  # what unpickling a missing class raises
            raise MissingDependency(
                f'Model "{model.tag}" is an eager PyTorch module of class '
                f"{stored.get('class', 'unknown')}, which could not be imported ({exc}). Make "
                "the module that defines it importable before loading, or save the model as "
                "TorchScript (torch.jit.script) or with torch.export, which need no class."
            ) from exc
        return module.eval()


def resolve_device(device: Any) -> torch.device:
    """The ``torch.device`` for ``device``, checking that the machine has it.

    ``"auto"`` picks CUDA, then Apple MPS, then the CPU. Asking for an accelerator that is
    absent is an ``InvalidArgument`` that names ``device="auto"``.
    """
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InvalidArgument(
            f'device={device!r} is not a torch device; use "cpu", "cuda", "cuda:1", "mps" or '
            '"auto".'
        ) from exc
    if chosen.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (chosen.index or 0) >= count:
            raise InvalidArgument(
                f'device="{chosen}" is not available: this machine has {count} CUDA '
                'device(s). Use device="auto" to take an accelerator only when one is present, '
                'or device="cpu".'
            )
    if chosen.type == "mps" and not torch.backends.mps.is_available():
        raise InvalidArgument(
            'device="mps" is not available on this machine. Use device="auto" to take an '
            'accelerator only when one is present, or device="cpu".'
        )
    return chosen


def _check_device_params(params: dict[str, Any]) -> None:
    """Check ``device``, ``device_id`` and ``devices`` (as strings: torch is not imported)."""
    if params.get("device") is not None:
        params["device"] = _checked_device(params["device"], "init_params['device']")
    check_whole_number(params, "device_id", minimum=0, meaning="the CUDA device index")
    device, device_id = params.get("device"), params.get("device_id")
    if device_id is not None and device is not None:
        if device in ("cpu", "mps"):
            raise InvalidArgument(
                f'init_params["device_id"] picks a CUDA device, but device={device!r}; use '
                'device="cuda" (or "auto") with device_id, or drop device_id.'
            )
        if device.startswith("cuda:") and device != f"cuda:{device_id}":
            raise InvalidArgument(
                f"init_params device={device!r} and device_id={device_id} disagree; give one "
                f'of them, e.g. device="cuda", device_id={device_id}.'
            )
    devices = params.get("devices")
    if devices is None:
        return
    if device is not None or device_id is not None:
        raise InvalidArgument(
            "init_params['devices'] replaces device and device_id; give either devices (one "
            "replica per device) or device/device_id (one replica)."
        )
    if isinstance(devices, str) or not isinstance(devices, (list, tuple)) or not devices:
        raise InvalidArgument(
            f'init_params["devices"] is a non-empty list of devices, e.g. ["cuda:0", "cuda:1"], '
            f"not {devices!r}."
        )
    checked = [_checked_device(entry, "an entry of init_params['devices']") for entry in devices]
    if "auto" in checked:
        raise InvalidArgument(
            'init_params["devices"] lists concrete devices such as "cuda:0" or "cpu"; for a '
            'single replica wherever an accelerator is, use device="auto" instead.'
        )
    params["devices"] = checked


def _checked_device(value: object, what: str) -> str:
    # A torch.device is accepted by its name, e.g. torch.device("cuda", 1) -> "cuda:1".
    text = str(value) if type(value).__module__ == "torch" else value
    if isinstance(text, str) and _DEVICE.fullmatch(text):
        return text
    raise InvalidArgument(f"{what} is {_DEVICE_CHOICES}, not {value!r}.")


def _requested(params: Mapping[str, Any]) -> list[str]:
    """The device of each replica, as asked (``"auto"`` still to resolve)."""
    if params.get("devices"):
        return list(params["devices"])
    device, device_id = params.get("device"), params.get("device_id")
    if device_id is None:
        return [device or "auto"]
    if device == "auto":
        import torch

        return [f"cuda:{device_id}" if torch.cuda.is_available() else "auto"]
    return [f"cuda:{device_id}"]


def _floating_dtype(module: Any) -> torch.dtype | None:
    """The dtype of the module's first floating parameter or buffer, if it has one."""
    import torch

    tensors = itertools.chain(module.parameters(), module.buffers())
    return next((t.dtype for t in tensors if torch.is_floating_point(t)), None)


def _compiled(module: Any, mode: str | bool) -> Any:
    import torch

    if isinstance(module, torch.jit.ScriptModule):
        raise ConfigurationError(
            "init_params['compile'] applies torch.compile, which does not take TorchScript "
            "modules; drop compile, or save the eager module (or a torch.export program)."
        )
    return torch.compile(module, mode=mode if isinstance(mode, str) else None)


def _converter(replica: _Replica) -> Callable[[Any], Any]:
    """A function that turns a call's inputs into tensors on ``replica``'s device."""
    import numpy as np
    import torch

    def tensor(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            result = value
        elif isinstance(value, np.ndarray):
            # from_numpy shares memory but warns on read-only arrays (decoded request
            # bodies often are); those are copied.
            result = torch.from_numpy(value) if value.flags.writeable else torch.tensor(value)
        else:
            return value
        if replica.dtype is not None and result.is_floating_point():
            return result.to(device=replica.device, dtype=replica.dtype)
        return result.to(device=replica.device)

    def convert(value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(convert(item) for item in value)
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, (list, np.generic)):
            try:
                array = np.asarray(value)
            except ValueError:  # ragged: not a tensor
                return value
            return tensor(array) if array.dtype.kind in "biuf" else value
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufc":  # strings, objects: for the module to handle
                return value
            if any(stride < 0 for stride in value.strides):  # torch refuses negative strides
                value = np.ascontiguousarray(value)
        return tensor(value)

    return convert


def _is_compile_error(exc: Exception) -> bool:
    from torch._dynamo.exc import TorchDynamoException

    return isinstance(exc, TorchDynamoException)


def _to_numpy(value: Any) -> Any:
    """``value`` with every tensor replaced by a numpy array, in the same containers."""
    import torch

    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.dtype in (torch.float16, torch.bfloat16):
            value = value.float()
        return value.cpu().numpy()
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*(_to_numpy(item) for item in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_to_numpy(item) for item in value)
    if isinstance(value, Mapping):
        return {key: _to_numpy(item) for key, item in value.items()}
    return value


def _load_options(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(kwargs) - set(_LOAD_OPTIONS))
    if unknown:
        raise InvalidArgument(
            f"tiffin.pytorch.load_model got unknown options {unknown}; the options are "
            f"{sorted(_LOAD_OPTIONS)}."
        )
    return {**_LOAD_OPTIONS, **kwargs}


def _pickler() -> Any:
    try:
        import cloudpickle
    except ImportError:
        import pickle

        return pickle
    return cloudpickle


framework = PytorchFramework()
save_model = framework.save_model
load_model = framework.load_model
get = framework.get
load_runner = framework.load_runner
