"""Any picklable Python object, stored with cloudpickle (or pickle when it is absent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks._base import Framework
from tiffin.models import Model

__all__ = ["framework", "get", "load_model", "load_runner", "save_model"]

_FILE = "model.pkl"


class PicklableModelFramework(Framework):
    name = "picklable_model"
    package = "pickle"
    distribution = "cloudpickle"
    extra = "all"
    pickle_based = True

    def default_signatures(self, model: Any) -> dict[str, Any]:
        for method in ("predict", "__call__"):
            if callable(getattr(model, method, None)):
                return {method: {"batchable": False}}
        raise InvalidArgument(
            f"{type(model).__name__} has neither predict() nor __call__(); pass signatures= "
            'naming the methods to serve, e.g. {"score": {"batchable": False}}.'
        )

    def save(self, model: Any, path: Path) -> dict[str, Any]:
        try:
            import cloudpickle as pickler
        except ImportError:
            import pickle as pickler
        with open(path / _FILE, "wb") as stream:
            pickler.dump(model, stream)
        return {"file": _FILE}

    def load(self, model: Model, **kwargs: Any) -> Any:
        import pickle

        if kwargs:
            raise InvalidArgument(
                f"tiffin.picklable_model.load_model takes no options, got {sorted(kwargs)}."
            )
        with open(model.file(model.options.get("file", _FILE)), "rb") as stream:
            return pickle.load(stream)


framework = PicklableModelFramework()
save_model = framework.save_model
load_model = framework.load_model
get = framework.get
load_runner = framework.load_runner
