"""Services: ``@tiffin.service``, ``@tiffin.api``, ``tiffin.depends`` and their configuration."""

from __future__ import annotations

from tiffin.services._api import APIConfig, APIMethod, api
from tiffin.services._config import ServiceConfig
from tiffin.services._depends import Dependency, depends
from tiffin.services._instance import create_instance
from tiffin.services._lifecycle import on_shutdown, on_startup
from tiffin.services._secrets import Secrets, secrets
from tiffin.services._service import (
    Endpoint,
    ServiceDefinition,
    definition_of,
    is_service,
    service,
)

__all__ = [
    "APIConfig",
    "APIMethod",
    "Dependency",
    "Endpoint",
    "Secrets",
    "ServiceConfig",
    "ServiceDefinition",
    "api",
    "create_instance",
    "definition_of",
    "depends",
    "is_service",
    "on_shutdown",
    "on_startup",
    "secrets",
    "service",
]
