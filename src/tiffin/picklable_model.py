"""``tiffin.picklable_model``: save, load and serve any picklable Python object."""

from tiffin.frameworks.picklable_model import get, load_model, load_runner, save_model

__all__ = ["get", "load_model", "load_runner", "save_model"]
