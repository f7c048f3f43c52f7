"""tiffin: package machine-learning models and serve them as production HTTP services."""

from __future__ import annotations

from tiffin import exceptions
from tiffin._version import __version__

__all__ = [
    "__version__",
    "exceptions",
]
