"""Runners: run a model's methods in this process or in worker processes, optionally batched.

The public face is :class:`Runnable` (what to run), :class:`Runner` (runs it),
:class:`MethodHandle` (``runner.predict``), :class:`MethodConfig` (how one method is called)
and :func:`find_runners` (every runner a service holds). Importing this package imports no ML
framework.
"""

from __future__ import annotations

from tiffin.runners._find import find_runners
from tiffin.runners._handle import MethodHandle
from tiffin.runners._runnable import MethodConfig, Runnable
from tiffin.runners._runner import Runner

__all__ = [
    "MethodConfig",
    "MethodHandle",
    "Runnable",
    "Runner",
    "find_runners",
]
