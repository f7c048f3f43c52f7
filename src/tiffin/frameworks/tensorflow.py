"""TensorFlow / Keras 3 integration: models stored in Keras' native ``.keras`` format.

The ``.keras`` archive holds the architecture as JSON and the weights as HDF5, and loads
without unpickling. It is loaded with ``safe_mode=True``, which refuses to deserialise
Python code (``Lambda`` layers); pass ``safe_mode=False`` only for models you trust.

``load_model(tag, compile=True, safe_mode=True, custom_objects=None)`` returns the
``keras.Model``. Custom layers registered with ``keras.saving.register_keras_serializable``
are found when their module is imported; others can be passed as ``custom_objects``, here or
when saving (those given to ``save_model`` are used on every load).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks._base import Framework
from tiffin.models import Model

__all__ = ["framework", "get", "load_model", "load_runner", "save_model"]

_FILE = "model.keras"
_LOAD_OPTIONS: Mapping[str, Any] = {"compile": True, "safe_mode": True, "custom_objects": None}
# TensorFlow ships under several distribution names; the first one installed is recorded.
_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel")


class TensorflowFramework(Framework):
    name = "tensorflow"
    # Keras 3 reads and writes .keras files on any backend; TensorFlow is the default one.
    package = "keras"
    distribution = "tensorflow"
    extra = "tensorflow"
    pickle_based = False

    def check_model(self, model: Any) -> None:
        import keras

        if not isinstance(model, keras.Model):
            raise InvalidArgument(
                f"tiffin.tensorflow.save_model expects a Keras 3 model (keras.Model, "
                f"keras.Sequential or a functional model), not {type(model).__name__}; save "
                "other objects with tiffin.picklable_model."
            )

    def default_signatures(self, model: Any) -> dict[str, Any]:
        return {
            "__call__": {"batchable": True, "batch_dim": 0},
            "predict": {"batchable": True, "batch_dim": 0},
        }

    def save(self, model: Any, path: Path) -> dict[str, Any]:
        import keras

        model.save(path / _FILE)
        return {
            "file": _FILE,
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
            "pickle": False,
        }

    def load(self, model: Model, **kwargs: Any) -> Any:
        import keras

        unknown = sorted(set(kwargs) - set(_LOAD_OPTIONS))
        if unknown:
            raise InvalidArgument(
                f"tiffin.tensorflow.load_model got unknown options {unknown}; the options are "
                f"{sorted(_LOAD_OPTIONS)}."
            )
        options = {**_LOAD_OPTIONS, **kwargs}
        custom_objects = {**model.custom_objects, **(options["custom_objects"] or {})}
        return keras.models.load_model(
            model.file(model.options.get("file", _FILE)),
            custom_objects=custom_objects or None,
            compile=options["compile"],
            safe_mode=options["safe_mode"],
        )

    def framework_version(self) -> str | None:
        for distribution in _DISTRIBUTIONS:
            try:
                return importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                continue
        return None


framework = TensorflowFramework()
save_model = framework.save_model
load_model = framework.load_model
get = framework.get
load_runner = framework.load_runner
