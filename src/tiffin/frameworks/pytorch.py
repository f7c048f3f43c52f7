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
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tiffin.exceptions import InvalidArgument, MissingDependency
from tiffin.frameworks._base import Framework
from tiffin.models import Model

if TYPE_CHECKING:
    import torch

__all__ = ["framework", "get", "load_model", "load_runner", "resolve_device", "save_model"]

_FILE = "model.pt"
_EXPORTED_FILE = "model.pt2"
_LOAD_OPTIONS: Mapping[str, Any] = {"device": "cpu"}


class PytorchFramework(Framework):
    name = "pytorch"
    package = "torch"
    distribution = "torch"
    extra = "pytorch"
    # The class default is the conservative one; each model's options carry its own flag
    # ("pickle"), False for TorchScript.
    pickle_based = True

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
