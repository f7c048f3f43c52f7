"""``tiffin.lightgbm``: save, load and serve models with tiffin.frameworks.lightgbm."""

from tiffin.frameworks.lightgbm import get, load_model, load_runner, save_model

__all__ = ["get", "load_model", "load_runner", "save_model"]
