"""tiffin: package machine-learning models and serve them as production HTTP services.

    import tiffin
    from tiffin.io import NumpyNdarray, JSON

    @tiffin.service
    class Iris:
        runner = tiffin.sklearn.load_runner("iris:latest")

        @tiffin.api
        def classify(self, input_data: NumpyNdarray) -> JSON:
            return {"classes": self.runner.run(input_data)}

Everything is loaded on first use, so ``import tiffin`` stays fast and imports no ML
framework; framework modules (``tiffin.sklearn``, ``tiffin.pytorch``, ...) import theirs
only when they save or load a model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tiffin import exceptions
from tiffin._version import __version__

if TYPE_CHECKING:
    from tiffin import (
        client,
        io,
        keras,
        lightgbm,
        models,
        onnx,
        picklable_model,
        pytorch,
        sklearn,
        tensorflow,
        testing,
        xgboost,
    )
    from tiffin.client import AsyncHTTPClient, SyncHTTPClient
    from tiffin.models import Tag
    from tiffin.runners import Runnable, Runner
    from tiffin.server import serve
    from tiffin.services import (
        api,
        depends,
        on_shutdown,
        on_startup,
        secrets,
        service,
    )

__all__ = [
    "AsyncHTTPClient",
    "Runnable",
    "Runner",
    "SyncHTTPClient",
    "Tag",
    "__version__",
    "api",
    "client",
    "depends",
    "exceptions",
    "io",
    "keras",
    "lightgbm",
    "models",
    "on_shutdown",
    "on_startup",
    "onnx",
    "picklable_model",
    "pytorch",
    "secrets",
    "serve",
    "service",
    "sklearn",
    "tensorflow",
    "testing",
    "xgboost",
]

# name -> "module:attribute", or "module" for a submodule.
_LAZY = {
    "AsyncHTTPClient": "tiffin.client:AsyncHTTPClient",
    "Runnable": "tiffin.runners:Runnable",
    "Runner": "tiffin.runners:Runner",
    "SyncHTTPClient": "tiffin.client:SyncHTTPClient",
    "Tag": "tiffin.models:Tag",
    "api": "tiffin.services:api",
    "depends": "tiffin.services:depends",
    "on_shutdown": "tiffin.services:on_shutdown",
    "on_startup": "tiffin.services:on_startup",
    "secrets": "tiffin.services:secrets",
    "serve": "tiffin.server:serve",
    "service": "tiffin.services:service",
    **{
        module: f"tiffin.{module}"
        for module in (
            "client",
            "io",
            "keras",
            "lightgbm",
            "models",
            "onnx",
            "picklable_model",
            "pytorch",
            "sklearn",
            "tensorflow",
            "testing",
            "xgboost",
        )
    },
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'tiffin' has no attribute {name!r}")
    module_name, _, attribute = target.partition(":")
    value = importlib.import_module(module_name)
    if attribute:
        value = getattr(value, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
