"""``tiffin.keras``: another name for ``tiffin.tensorflow`` (Keras models)."""

from tiffin.frameworks.tensorflow import get, load_model, load_runner, save_model

__all__ = ["get", "load_model", "load_runner", "save_model"]
