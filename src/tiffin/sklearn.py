"""``tiffin.sklearn``: save, load and serve models with tiffin.frameworks.sklearn."""

from tiffin.frameworks.sklearn import get, load_model, load_runner, save_model

__all__ = ["get", "load_model", "load_runner", "save_model"]
