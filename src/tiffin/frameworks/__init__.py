"""Framework integrations and the registry that finds them by name.

Each built-in framework is one module here, named in ``FRAMEWORKS``; third-party packages
add theirs through the ``tiffin.frameworks`` entry-point group with the same
``"module:attr"`` form, so adding a framework is a one-file change.
"""

from __future__ import annotations

import importlib
import importlib.metadata

from tiffin.exceptions import NotFound
from tiffin.frameworks._base import Framework

__all__ = ["FRAMEWORKS", "Framework", "framework_for"]

FRAMEWORKS: dict[str, str] = {
    "lightgbm": "tiffin.frameworks.lightgbm:framework",
    "onnx": "tiffin.frameworks.onnx:framework",
    "picklable_model": "tiffin.frameworks.picklable_model:framework",
    "pytorch": "tiffin.frameworks.pytorch:framework",
    "sklearn": "tiffin.frameworks.sklearn:framework",
    "tensorflow": "tiffin.frameworks.tensorflow:framework",
    "xgboost": "tiffin.frameworks.xgboost:framework",
}

_ENTRY_POINT_GROUP = "tiffin.frameworks"


def framework_for(name: str) -> Framework:
    """The framework integration registered under ``name`` (as recorded in a manifest)."""
    target = FRAMEWORKS.get(name) or _entry_points().get(name)
    if target is None:
        known = ", ".join(sorted({*FRAMEWORKS, *_entry_points()}))
        raise NotFound(
            f'No framework integration named "{name}" is installed (known: {known}). '
            f'Install the package that provides it, registered in the "{_ENTRY_POINT_GROUP}" '
            "entry-point group."
        )
    module_name, _, attribute = target.partition(":")
    framework: Framework = getattr(importlib.import_module(module_name), attribute)
    return framework


def _entry_points() -> dict[str, str]:
    return {
        entry.name: entry.value
        for entry in importlib.metadata.entry_points(group=_ENTRY_POINT_GROUP)
    }
