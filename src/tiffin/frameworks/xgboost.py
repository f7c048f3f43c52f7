"""XGBoost integration: ``Booster`` and the scikit-learn API, in XGBoost's own format.

Models are stored as ``model.ubj`` (Universal Binary JSON, written by ``save_model``), never
with pickle. The estimator's class is recorded, so ``load_model`` gives back the same kind:
a ``Booster`` for a ``Booster``, an ``XGBClassifier`` for an ``XGBClassifier`` (with its
``classes_``), and so on. ``load_model`` takes no options. ``load_runner(tag,
init_params=...)`` serves the model with :class:`XgboostRunnable`, whose docstring lists the
init_params.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tiffin.exceptions import ConfigurationError, InvalidArgument
from tiffin.frameworks._base import Framework
from tiffin.frameworks._runnable import ModelRunnable, check_threads
from tiffin.models import Model

__all__ = ["XgboostRunnable", "framework", "get", "load_model", "load_runner", "save_model"]

_FILE = "model.ubj"
_METHODS = ("predict", "predict_proba")
_DEVICE = re.compile(r"cpu|auto|(?:cuda|gpu)(?::(\d+))?")
_DEVICE_CHOICES = '"cpu", "cuda", "cuda:1" or "auto"'


class XgboostRunnable(ModelRunnable):
    """Serves an XGBoost ``Booster`` or scikit-learn API model.

    init_params, all optional:

    - ``n_jobs`` (or XGBoost's own name, ``nthread``): CPU threads of the model, a whole
      number >= 1, or -1 for all of them.
    - ``device``: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, or ``"auto"`` (CUDA when this machine
      has a GPU, else the CPU). By default the model keeps XGBoost's default, the CPU. It is
      checked when the runner starts: asking for an absent GPU makes the start fail with a
      message naming ``device="auto"`` (XGBoost itself would fall back to the CPU with a
      warning).

    Inputs are numpy arrays (nested lists are converted), pandas frames or a ``DMatrix``;
    a ``Booster``'s methods receive a ``DMatrix`` built from them. Results are numpy arrays.
    """

    SUPPORTED_RESOURCES = ("cpu", "nvidia.com/gpu")
    SUPPORTS_CPU_MULTI_THREADING = True
    INIT_PARAMS = {
        "n_jobs": "CPU threads of the model (-1: all)",
        "nthread": "the same as n_jobs, by XGBoost's name",
        "device": f"where the model predicts: {_DEVICE_CHOICES}",
    }

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        check_threads(params, "n_jobs", "nthread")
        device = params.get("device")
        if device is not None and not (isinstance(device, str) and _DEVICE.fullmatch(device)):
            raise InvalidArgument(f"init_params['device'] is {_DEVICE_CHOICES}, not {device!r}.")

    def load(self, framework: Any, stored: Model) -> Any:
        import xgboost

        model = framework.load_model(stored)
        settings: dict[str, Any] = {}
        threads = self.params.get("n_jobs", self.params.get("nthread"))
        if threads is not None:
            settings["nthread"] = threads
        if self.params.get("device") is not None:
            settings["device"] = _resolved_device(xgboost, self.params["device"])
        if isinstance(model, xgboost.Booster) and settings:
            model.set_param(settings)
        elif settings:
            if "nthread" in settings:
                settings["n_jobs"] = settings.pop("nthread")
            model.set_params(**settings)
        return model

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        import xgboost

        inputs = [_as_array(value) for value in args]
        booster = isinstance(self.model, xgboost.Booster)
        if booster and inputs and not isinstance(inputs[0], xgboost.DMatrix):
            inputs[0] = xgboost.DMatrix(inputs[0])
        return getattr(self.model, method)(*inputs, **kwargs)


class XgboostFramework(Framework):
    name = "xgboost"
    package = "xgboost"
    distribution = "xgboost"
    extra = "xgboost"
    pickle_based = False
    runnable = XgboostRunnable

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


def _resolved_device(xgboost: Any, device: str) -> str:
    """``device`` as XGBoost names it, checking that this machine has it."""
    match = _DEVICE.fullmatch(device)
    assert match is not None  # checked by check_params
    gpus = _cuda_device_count() if xgboost.build_info().get("USE_CUDA") else 0
    if device == "auto":
        return "cuda" if gpus else "cpu"
    if device == "cpu":
        return device
    index = int(match.group(1) or 0)
    if index >= gpus:
        raise ConfigurationError(
            f'device="{device}" is not available: this machine has {gpus} CUDA device(s) '
            f'that this xgboost ({xgboost.__version__}) can use. Use device="auto" to take a '
            'GPU only when one is present, or device="cpu".'
        )
    return f"cuda:{index}"


def _cuda_device_count() -> int:
    """How many CUDA devices the driver shows this process (0 without a driver).

    Asks the CUDA driver itself, so that it needs no framework with CUDA support, and
    honours ``CUDA_VISIBLE_DEVICES`` as the frameworks do.
    """
    import ctypes

    for name in ("libcuda.so.1", "libcuda.so", "nvcuda.dll"):
        try:
            driver = ctypes.CDLL(name)
        except OSError:
            continue
        count = ctypes.c_int(0)
        if driver.cuInit(0) != 0 or driver.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return count.value
    return 0


def _as_array(value: Any) -> Any:
    """Nested lists as a numpy array; anything else as it is."""
    if isinstance(value, (list, tuple)):
        import numpy as np

        return np.asarray(value)
    return value


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
