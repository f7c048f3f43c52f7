"""Optional packages, imported when first needed, failing with the ``pip install`` to run."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

from tiffin.exceptions import MissingDependency

__all__ = ["is_instance", "is_type", "require"]

# The extra that installs each optional package.
_EXTRAS = {
    "pandas": "io",
    "pyarrow": "io",
    "PIL": "io",
    "python_multipart": "io",
    "multipart": "io",
    "torch": "pytorch",
}


def require(module: str) -> ModuleType:
    """Import ``module`` (e.g. ``"pyarrow.ipc"``), or explain how to install it."""
    loaded = sys.modules.get(module)
    if loaded is not None:
        return loaded
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.partition(".")[0]
        extra = _EXTRAS.get(top, "io")
        raise MissingDependency(
            f"tiffin needs the {top!r} package for this type, and it is not installed: "
            f"run `pip install 'tiffin[{extra}]'`."
        ) from exc


def is_type(annotation: Any, module: str, qualname: str) -> bool:
    """Whether ``annotation`` is ``module.qualname`` or a subclass, without importing it.

    If ``module`` was never imported, no object can be an instance of its classes.
    """
    if not isinstance(annotation, type) or module not in sys.modules:
        return False
    target: Any = sys.modules[module]
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return isinstance(target, type) and issubclass(annotation, target)


def is_instance(value: Any, module: str, qualname: str) -> bool:
    """Whether ``value`` is an instance of ``module.qualname``, without importing it."""
    return is_type(type(value), module, qualname)
