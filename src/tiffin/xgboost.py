"""``tiffin.xgboost``: save, load and serve models with tiffin.frameworks.xgboost."""

from tiffin.frameworks.xgboost import get, load_model, load_runner, save_model

__all__ = ["get", "load_model", "load_runner", "save_model"]
