"""Building a service instance: environment, secrets, ``__init__`` and start-up hooks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import os
from typing import Any

from tiffin.exceptions import ConfigurationError
from tiffin.services._config import ServiceConfig
from tiffin.services._secrets import secrets

__all__ = ["apply_environment", "create_instance", "run_hooks"]


def apply_environment(config: ServiceConfig) -> None:
    """Set ``envs`` (unless already set) and load ``secrets``; fail naming what is missing."""
    missing = []
    for env in config.envs:
        if env.value is not None:
            os.environ.setdefault(env.name, env.value)
        elif env.name not in os.environ:
            missing.append(env.name)
    if missing:
        raise ConfigurationError(
            f"Service {config.name} needs the environment variable(s) "
            f"{', '.join(missing)}, which are not set: export them before starting it."
        )
    secrets.load(config.secrets)


def create_instance(definition: Any) -> Any:
    """Apply the environment, build the service and run its start-up hooks (in this thread)."""
    apply_environment(definition.config)
    instance = definition.cls()
    for name in definition.startup_hooks:
        _call_blocking(getattr(instance, name))
    return instance


async def run_hooks(instance: Any, names: tuple[str, ...]) -> None:
    """Run hooks from an event loop: async ones awaited, sync ones in a thread."""
    for name in names:
        hook = getattr(instance, name)
        if inspect.iscoroutinefunction(hook):
            await hook()
        else:
            await asyncio.get_running_loop().run_in_executor(None, hook)


def _call_blocking(hook: Any) -> None:
    if not inspect.iscoroutinefunction(hook):
        hook()
        return
    # A fresh loop in its own thread works whether or not this thread runs a loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, hook()).result()
