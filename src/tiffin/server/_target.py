"""Finding the service a ``tiffin serve TARGET`` names."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from tiffin.exceptions import InvalidArgument, NotFound
from tiffin.services import ServiceDefinition, definition_of, is_service

__all__ = ["load_service"]


def load_service(target: str) -> ServiceDefinition:
    """The service named by ``target``: ``module:Service``, ``path/to/file.py:Service``, or a
    module holding exactly one service."""
    module_name, _, attribute = target.partition(":")
    if not module_name:
        raise InvalidArgument(
            f'Service target "{target}" is invalid: write "module:Service", e.g. '
            '"service:IrisClassifier" or "src/app.py:IrisClassifier".'
        )
    module = _import(module_name)
    if attribute:
        return definition_of(_attribute(module, attribute, target))
    services = [
        value for value in vars(module).values() if isinstance(value, type) and is_service(value)
    ]
    if len(services) != 1:
        found = ", ".join(sorted(cls.__name__ for cls in services)) or "none"
        raise InvalidArgument(
            f'Module "{module_name}" defines {len(services)} services ({found}); name one: '
            f'"{module_name}:<Service>".'
        )
    return definition_of(services[0])


def _import(name: str) -> Any:
    if name.endswith(".py") or "/" in name:
        return _import_file(Path(name))
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")  # like `python -m`: modules in the current folder are found
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name.split(".")[0] and exc.name != name:
            raise
        raise NotFound(
            f'Cannot import the service module "{name}": run from the folder that holds it, '
            "or add that folder to PYTHONPATH."
        ) from exc


def _import_file(path: Path) -> Any:
    if not path.is_file():
        raise NotFound(f'Service file "{path}" does not exist.')
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(path.stem)


def _attribute(module: Any, attribute: str, target: str) -> Any:
    value = module
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            services = [n for n, v in vars(module).items() if isinstance(v, type) and is_service(v)]
            hint = f" Services there: {', '.join(sorted(services))}." if services else ""
            raise NotFound(
                f'"{target}": {module.__name__} has no attribute {part!r}.{hint}'
            ) from None
    return value
