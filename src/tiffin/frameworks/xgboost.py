"""XGBoost integration: ``Booster`` and the scikit-learn API, in XGBoost's own format.

Models are stored as ``model.ubj`` (Universal Binary JSON, written by ``save_model``), never
with pickle. The estimator's class is recorded, so ``load_model`` gives back the same kind:
a ``Booster`` for a ``Booster``, an ``XGBClassifier`` for an ``XGBClassifier`` (with its
``classes_``), and so on. ``load_model`` takes no options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks._base import Framework
from tiffin.models import Model

__all__ = ["framework", "get", "load_model", "load_runner", "save_model"]

_FILE = "model.ubj"
_METHODS = ("predict", "predict_proba")


class XgboostFramework(Framework):
    name = "xgboost"
    package = "xgboost"
    distribution = "xgboost"
    extra = "xgboost"
    pickle_based = False

    def check_model(self, model: Any) -> None:
        import xgboost

        if isinstance(model, xgboost.XGBModel):
            if not model.__sklearn_is_fitted__():
                raise InvalidArgument(
                    f"This {type(model).__name__} is not fitted; call fit() before saving it."
                )
            return
        if not isinstance(model, xgboost.Booster):
            raise InvalidArgument(
                f"tiffin.xgboost.save_model expects an xgboost.Booster or a scikit-learn API "
                f"model (XGBClassifier, XGBRegressor, ...), not {type(model).__name__}; save "
                "other objects with tiffin.picklable_model."
            )

    def default_signatures(self, model: Any) -> dict[str, Any]:
        methods = [name for name in _METHODS if callable(getattr(model, name, None))]
        return {name: {"batchable": True, "batch_dim": 0} for name in methods}

    def save(self, model: Any, path: Path) -> dict[str, Any]:
        import xgboost

        model.save_model(path / _FILE)
        return {"file": _FILE, "class": _public_class(xgboost, type(model)), "pickle": False}

    def load(self, model: Model, **kwargs: Any) -> Any:
        import xgboost

        if kwargs:
            raise InvalidArgument(
                f"tiffin.xgboost.load_model takes no options, got {sorted(kwargs)}."
            )
        options = model.options
        path = model.file(options.get("file", _FILE))
        cls = _xgboost_class(xgboost, options.get("class", "Booster"))
        if cls is xgboost.Booster:
            return xgboost.Booster(model_file=path)
        estimator = cls()
        estimator.load_model(path)
        return estimator


def _public_class(module: Any, cls: type) -> str:
    """The name of the nearest class in ``cls``'s MRO that ``module`` exports.

    A user's subclass of ``XGBClassifier`` is recorded, and loaded, as ``XGBClassifier``:
    the store never names a class outside the framework to import.
    """
    for klass in cls.__mro__:
        name: str = klass.__name__
        if getattr(module, name, None) is klass:
            return name
    raise InvalidArgument(f"{cls.__name__} is not an {module.__name__} model class.")


def _xgboost_class(xgboost: Any, name: str) -> Any:
    cls = getattr(xgboost, name, None)
    if not (isinstance(cls, type) and issubclass(cls, (xgboost.Booster, xgboost.XGBModel))):
        raise InvalidArgument(
            f'The stored model names the class "{name}", which this xgboost '
            f"({xgboost.__version__}) does not have; install the xgboost version it was saved "
            "with."
        )
    return cls


framework = XgboostFramework()
save_model = framework.save_model
load_model = framework.load_model
get = framework.get
load_runner = framework.load_runner
