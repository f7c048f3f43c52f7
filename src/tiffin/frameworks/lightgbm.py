"""LightGBM integration: ``Booster`` and the scikit-learn API, in LightGBM's text format.

The trees are stored as ``model.txt`` (``Booster.save_model``), which loads without running
code. A scikit-learn API model (``LGBMClassifier``, ``LGBMRegressor``, ``LGBMRanker``) is
rebuilt around that booster from what is recorded beside it: its class, parameters, classes
and feature count. The rebuilt model is checked against the original when saving; a model
that cannot be rebuilt faithfully (a custom objective, classes that are not plain strings or
numbers) is stored with joblib instead and marked as pickle.

``load_model`` takes no options and gives back the kind that was saved. ``load_runner(tag,
init_params=...)`` serves the model with :class:`LightgbmRunnable`, whose docstring lists
the init_params.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks._base import Framework
from tiffin.frameworks._runnable import ModelRunnable, check_threads
from tiffin.models import Model

__all__ = ["LightgbmRunnable", "framework", "get", "load_model", "load_runner", "save_model"]

_FILE = "model.txt"
_PICKLE_FILE = "model.joblib"
_METHODS = ("predict", "predict_proba")
# Element kinds of ``classes_`` that survive a trip through JSON with their dtype.
_PLAIN_KINDS = frozenset("biufU")
_PROBE_ROWS = 32


class LightgbmRunnable(ModelRunnable):
    """Serves a LightGBM ``Booster`` or scikit-learn API model.

    init_params, optional:

    - ``n_jobs`` (or LightGBM's own name, ``num_threads``): CPU threads used to predict, a
      whole number >= 1, or -1 for all of them. It is set on a scikit-learn API model, and
      passed to every ``predict`` of a ``Booster``.

    Inputs are numpy arrays (nested lists are converted) or pandas frames; results are numpy
    arrays.
    """

    SUPPORTS_CPU_MULTI_THREADING = True
    INIT_PARAMS = {
        "n_jobs": "CPU threads used to predict (-1: all)",
        "num_threads": "the same as n_jobs, by LightGBM's name",
    }

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        check_threads(params, "n_jobs", "num_threads")

    def load(self, framework: Any, stored: Model) -> Any:
        import lightgbm

        model = framework.load_model(stored)
        threads = self.params.get("n_jobs", self.params.get("num_threads"))
        self.predict_params: dict[str, Any] = {}
        if threads is not None:
            if isinstance(model, lightgbm.Booster):
                # A Booster's predict takes LightGBM's parameters, where 0 means all CPUs.
                self.predict_params["num_threads"] = max(threads, 0)
            else:
                model.set_params(n_jobs=threads)
        return model

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        inputs = [
            np.asarray(value) if isinstance(value, (list, tuple)) else value for value in args
        ]
        extra = self.predict_params if method == "predict" else {}
        return getattr(self.model, method)(*inputs, **{**extra, **kwargs})


class LightgbmFramework(Framework):
    name = "lightgbm"
    package = "lightgbm"
    distribution = "lightgbm"
    extra = "lightgbm"
    # The class default is the conservative one; each model's options carry its own flag
    # ("pickle"), True only for scikit-learn API models that fell back to joblib.
    pickle_based = True
    runnable = LightgbmRunnable

    def check_model(self, model: Any) -> None:
        import lightgbm

        if isinstance(model, lightgbm.LGBMModel):
            if not model.__sklearn_is_fitted__():
                raise InvalidArgument(
                    f"This {type(model).__name__} is not fitted; call fit() before saving it."
                )
            return
        if not isinstance(model, lightgbm.Booster):
            raise InvalidArgument(
                f"tiffin.lightgbm.save_model expects a lightgbm.Booster or a scikit-learn API "
                f"model (LGBMClassifier, LGBMRegressor, ...), not {type(model).__name__}; save "
                "other objects with tiffin.picklable_model."
            )

    def default_signatures(self, model: Any) -> dict[str, Any]:
        methods = [name for name in _METHODS if callable(getattr(model, name, None))]
        return {name: {"batchable": True, "batch_dim": 0} for name in methods}

    def save(self, model: Any, path: Path) -> dict[str, Any]:
        import lightgbm

        if isinstance(model, lightgbm.Booster):
            model.save_model(path / _FILE)
            return {"file": _FILE, "class": "Booster", "pickle": False}
        state = _estimator_state(lightgbm, model)
        if state is not None:
            model.booster_.save_model(path / _FILE)
            if _rebuilds_faithfully(lightgbm, model, state, path / _FILE):
                return {"file": _FILE, **state, "pickle": False}
            (path / _FILE).unlink()
        return _save_pickle(model, path)

    def unpickles(self, model: Model) -> bool:
        return model.options.get("format") == "joblib"

    def load(self, model: Model, **kwargs: Any) -> Any:
        import lightgbm

        if kwargs:
            raise InvalidArgument(
                f"tiffin.lightgbm.load_model takes no options, got {sorted(kwargs)}."
            )
        options = model.options
        if options.get("format") == "joblib":
            return _load_pickle(model.file(options["file"]))
        booster = lightgbm.Booster(model_file=model.file(options.get("file", _FILE)))
        if options.get("class", "Booster") == "Booster":
            return booster
        return _rebuild(lightgbm, options, booster)


def _estimator_state(lightgbm: Any, model: Any) -> dict[str, Any] | None:
    """What rebuilds ``model`` around its booster, as JSON; None when JSON cannot hold it."""
    cls = _public_class(lightgbm, type(model))
    if cls is None or callable(model.objective_):
        return None
    state: dict[str, Any] = {
        "class": cls,
        "params": model.get_params(),
        "objective": model.objective_,
        "n_features_in": int(model.n_features_in_),
        "fitted_with_feature_names": bool(getattr(model, "_fitted_with_feature_names", False)),
        "best_iteration": int(model.best_iteration_),
        "best_score": model.best_score_,
    }
    if isinstance(model, lightgbm.LGBMClassifier):
        classes = np.asarray(model.classes_)
        if classes.dtype.kind not in _PLAIN_KINDS:
            return None
        state["classes"] = classes.tolist()
        state["classes_dtype"] = classes.dtype.str
    try:
        restored: dict[str, Any] = json.loads(json.dumps(state))
    except (TypeError, ValueError):  # a parameter JSON cannot hold, e.g. a callable
        return None
    # JSON turns tuples into lists and integer keys into strings: such a model is not
    # rebuilt as it was.
    return restored if restored == state else None


def _rebuild(lightgbm: Any, state: dict[str, Any], booster: Any) -> Any:
    """A fitted scikit-learn API model around ``booster``, as ``fit`` would have left it.

    This sets the attributes ``fit`` sets in LightGBM 4; ``save`` checks the result against
    the original, so a LightGBM whose internals moved falls back to joblib rather than
    storing a model that predicts differently.
    """
    cls = getattr(lightgbm, state["class"], None)
    if not (isinstance(cls, type) and issubclass(cls, lightgbm.LGBMModel)):
        raise InvalidArgument(
            f'The stored model names the class "{state["class"]}", which this lightgbm '
            f"({lightgbm.__version__}) does not have; install the lightgbm version it was "
            "saved with."
        )
    estimator = cls(**state["params"])
    estimator._Booster = booster
    estimator._objective = state["objective"]
    estimator._n_features = booster.num_feature()
    estimator._n_features_in = state["n_features_in"]
    estimator._fitted_with_feature_names = state["fitted_with_feature_names"]
    estimator._best_iteration = state["best_iteration"]
    estimator._best_score = state["best_score"]
    if "classes" in state:
        from lightgbm.compat import _LGBMLabelEncoder

        classes = np.asarray(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        estimator._le = _LGBMLabelEncoder().fit(classes)
        estimator._classes = estimator._le.classes_
        estimator._n_classes = len(classes)
        estimator._class_map = dict(zip(classes.tolist(), range(len(classes)), strict=True))
    estimator.fitted_ = True
    return estimator


def _rebuilds_faithfully(lightgbm: Any, original: Any, state: dict[str, Any], file: Path) -> bool:
    """Whether the model rebuilt from ``file`` and ``state`` answers a random probe, and
    reports its classes, exactly as ``original`` does."""
    probe = np.random.default_rng(0).normal(size=(_PROBE_ROWS, original.n_features_in_))
    try:
        rebuilt = _rebuild(lightgbm, state, lightgbm.Booster(model_file=file))
        for method in _METHODS:
            if hasattr(original, method):
                expected, got = getattr(original, method)(probe), getattr(rebuilt, method)(probe)
                if not np.array_equal(expected, got):
                    return False
        if hasattr(original, "classes_"):
            expected, got = np.asarray(original.classes_), np.asarray(rebuilt.classes_)
            return expected.dtype == got.dtype and bool(np.array_equal(expected, got))
    except Exception:  # a rebuild that fails in any way is not faithful
        return False
    return True


def _save_pickle(model: Any, path: Path) -> dict[str, Any]:
    import joblib

    joblib.dump(model, path / _PICKLE_FILE)
    return {"format": "joblib", "file": _PICKLE_FILE, "class": type(model).__name__, "pickle": True}


def _load_pickle(path: Path) -> Any:
    import joblib

    return joblib.load(path)


def _public_class(module: Any, cls: type) -> str | None:
    for klass in cls.__mro__:
        name: str = klass.__name__
        if getattr(module, name, None) is klass:
            return name
    return None


framework = LightgbmFramework()
save_model = framework.save_model
load_model = framework.load_model
get = framework.get
load_runner = framework.load_runner
