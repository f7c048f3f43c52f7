"""``tiffin.tensorflow``: save, load and serve models with tiffin.frameworks.tensorflow."""

from tiffin.frameworks.tensorflow import get, load_model, load_runner, save_model

__all__ = ["get", "load_model", "load_runner", "save_model"]
