"""``tiffin.onnx``: save, load and serve models with tiffin.frameworks.onnx."""

from tiffin.frameworks.onnx import get, load_model, load_runner, load_session, save_model

__all__ = ["get", "load_model", "load_runner", "load_session", "save_model"]
