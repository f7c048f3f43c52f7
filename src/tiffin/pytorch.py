"""``tiffin.pytorch``: save, load and serve models with tiffin.frameworks.pytorch."""

from tiffin.frameworks.pytorch import get, load_model, load_runner, save_model

__all__ = ["get", "load_model", "load_runner", "save_model"]
