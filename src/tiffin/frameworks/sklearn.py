"""scikit-learn integration: estimators and pipelines, stored with joblib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks._base import Framework
from tiffin.frameworks._runnable import ModelRunnable
from tiffin.models import Model

__all__ = ["framework", "get", "load_model", "load_runner", "save_model"]

_FILE = "model.joblib"
# The methods a runner exposes by default, in order of preference for the default method.
_METHODS = ("predict", "transform", "predict_proba", "predict_log_proba", "decision_function")


class SklearnRunnable(ModelRunnable):
    """Serves a scikit-learn model; ``n_jobs`` is set on the estimator, and inputs with more
    rows than ``batch_size`` run in chunks of that size."""

    INIT_PARAMS = {
        "n_jobs": "parallel jobs of the estimator",
        "batch_size": "rows per chunk for large inputs",
        "max_batch_size": "rows per adaptive batch",
    }

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        n_jobs = params.get("n_jobs")
        if n_jobs is not None and (not isinstance(n_jobs, int) or isinstance(n_jobs, bool)):
            raise InvalidArgument(
                f"init_params['n_jobs'] is a whole number or None, not {n_jobs!r}."
            )
        batch_size = params.get("batch_size")
        if batch_size is not None and (
            not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1
        ):
            raise InvalidArgument(
                f"init_params['batch_size'] is a whole number of rows >= 1, not {batch_size!r}."
            )

    def load(self, framework: Any, stored: Model) -> Any:
        model = framework.load_model(stored)
        if "n_jobs" in self.params:
            keys = [key for key in model.get_params() if key.split("__")[-1] == "n_jobs"]
            model.set_params(**dict.fromkeys(keys, self.params["n_jobs"]))
        return model

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        function = getattr(self.model, method)
        size = self.params.get("batch_size")
        if size is None or len(args) != 1 or kwargs or len(args[0]) <= size:
            return function(*args, **kwargs)
        import numpy as np

        rows = args[0]
        return np.concatenate([function(rows[i : i + size]) for i in range(0, len(rows), size)])


class SklearnFramework(Framework):
    name = "sklearn"
    package = "sklearn"
    distribution = "scikit-learn"
    extra = "sklearn"
    pickle_based = True  # scikit-learn has no code-free format; joblib pickles
    runnable = SklearnRunnable

    def check_model(self, model: Any) -> None:
        if not (hasattr(model, "fit") and hasattr(model, "get_params")):
            raise InvalidArgument(
                f"tiffin.sklearn.save_model expects a scikit-learn estimator or pipeline, not "
                f"{type(model).__name__}; save other objects with tiffin.picklable_model."
            )

    def default_signatures(self, model: Any) -> dict[str, Any]:
        methods = [name for name in _METHODS if callable(getattr(model, name, None))]
        if not methods:
            raise InvalidArgument(
                f"{type(model).__name__} has none of {', '.join(_METHODS)}; pass signatures= "
                'naming the methods to serve, e.g. {"score_samples": {"batchable": True}}.'
            )
        return {name: {"batchable": True, "batch_dim": 0} for name in methods}

    def save(self, model: Any, path: Path) -> dict[str, Any]:
        import joblib

        joblib.dump(model, path / _FILE)
        return {"file": _FILE}

    def load(self, model: Model, **kwargs: Any) -> Any:
        import joblib

        if kwargs:
            raise InvalidArgument(
                f"tiffin.sklearn.load_model takes no options, got {sorted(kwargs)}."
            )
        return joblib.load(model.file(model.options.get("file", _FILE)))


framework = SklearnFramework()
save_model = framework.save_model
load_model = framework.load_model
get = framework.get
load_runner = framework.load_runner
