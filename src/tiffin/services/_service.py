"""``@tiffin.service``: collect a class's APIs and configuration into a service definition.

The decorator returns the class itself, so ``MyService()`` and ``svc.classify(x)`` work
in-process; the definition lives in ``MyService.__tiffin_service__`` and is what the server,
the clients and the build read.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, overload

from tiffin.exceptions import InvalidArgument, TiffinError
from tiffin.io import InputSpec, OutputSpec
from tiffin.services._api import APIMethod
from tiffin.services._config import ServiceConfig
from tiffin.services._depends import Dependency
from tiffin.services._lifecycle import HOOK_ATTRIBUTE

__all__ = ["Endpoint", "ServiceDefinition", "definition_of", "is_service", "service"]

C = TypeVar("C", bound=type)
_ATTRIBUTE = "__tiffin_service__"


@dataclasses.dataclass(frozen=True, eq=False)
class Endpoint:
    """One API of a service, with its resolved types."""

    api: APIMethod[Any]
    attribute: str
    input: InputSpec
    output: OutputSpec
    is_async: bool
    is_stream: bool
    http_methods: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.api.name

    @property
    def route(self) -> str:
        return self.api.route

    @property
    def config(self) -> Any:
        return self.api.config

    @property
    def doc(self) -> str | None:
        return inspect.getdoc(self.api.func)


@dataclasses.dataclass(frozen=True, eq=False)
class ServiceDefinition:
    """Everything tiffin knows about a service class; free of IO."""

    cls: type
    config: ServiceConfig
    endpoints: tuple[Endpoint, ...]
    startup_hooks: tuple[str, ...]
    shutdown_hooks: tuple[str, ...]
    dependencies: Mapping[str, Dependency[Any]]

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def import_string(self) -> str:
        """``module:QualName``, how a worker process imports the class."""
        return f"{self.cls.__module__}:{self.cls.__qualname__}"

    def endpoint(self, name: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        known = ", ".join(endpoint.name for endpoint in self.endpoints) or "none"
        raise InvalidArgument(f"Service {self.name} has no API {name!r}; its APIs are: {known}.")


@overload
def service(cls: C, /) -> C: ...
@overload
def service(
    *,
    name: str | None = None,
    version: str | None = None,
    description: str | None = None,
    resources: Mapping[str, Any] | None = None,
    workers: int | str = 1,
    timeout: float = 60,
    threads: int | None = None,
    envs: Sequence[Mapping[str, str]] | None = None,
    secrets: Sequence[str] | None = None,
    traffic: Mapping[str, Any] | None = None,
    cache: Mapping[str, Any] | bool | None = None,
    auth: Mapping[str, Any] | None = None,
) -> Callable[[C], C]: ...
def service(cls: Any = None, /, *, name: str | None = None, **options: Any) -> Any:
    """Declare a class as a tiffin service, bare (``@tiffin.service``) or with options.

    Args:
        name: the service's name; the class name by default.
        version, description: shown in schemas, OpenAPI and built artifacts.
        resources: per worker, Kubernetes quantities: ``{"cpu": "2", "memory": "4Gi",
            "gpu": 1, "gpu_memory": "8Gi"}``.
        workers: API worker processes, a number or ``"cpu_count"``.
        timeout: seconds per request before the client gets 504.
        threads: threads that run synchronous APIs in each worker.
        envs: ``[{"name": ..., "value": ...}]`` set before ``__init__`` unless already set;
            an entry without a value is required.
        secrets: names of secrets required at start-up, read from ``$NAME`` or
            ``$TIFFIN_SECRETS_DIR/name``; available as ``tiffin.secrets[name]``.
        traffic: ``{"max_concurrency": N, "max_queue": M}``; beyond them, 503.
        cache: response cache, ``True`` or ``{"max_entries": 1000, "ttl": 300}``.
        auth: ``{"api_keys_secret": "api_key"}`` requires an API key on every API.

    Options are checked now, when the decorator runs.
    """
    defaults: dict[str, Any] = {
        "version": None,
        "description": None,
        "resources": None,
        "workers": 1,
        "timeout": 60,
        "threads": None,
        "envs": None,
        "secrets": None,
        "traffic": None,
        "cache": None,
        "auth": None,
    }
    unknown = set(options) - set(defaults)
    if unknown:
        raise TypeError(
            f"@tiffin.service got unknown options {sorted(unknown)}; the options are: "
            f"name, {', '.join(defaults)}."
        )

    def decorate(target: C) -> C:
        if isinstance(target, str):
            raise TypeError(
                f"@tiffin.service takes options by keyword: write @tiffin.service(name={target!r})."
            )
        if not isinstance(target, type):
            raise TypeError(f"@tiffin.service decorates a class, not {target!r}.")
        config = ServiceConfig.parse(name or target.__name__, **{**defaults, **options})
        setattr(target, _ATTRIBUTE, _define(target, config))
        return target

    return decorate if cls is None else decorate(cls)


def is_service(obj: object) -> bool:
    """Whether ``obj`` is a service class or an instance of one."""
    cls = obj if isinstance(obj, type) else type(obj)
    return isinstance(cls.__dict__.get(_ATTRIBUTE), ServiceDefinition)


def definition_of(obj: object) -> ServiceDefinition:
    """The definition of a service class (or instance)."""
    cls = obj if isinstance(obj, type) else type(obj)
    definition = cls.__dict__.get(_ATTRIBUTE)
    if not isinstance(definition, ServiceDefinition):
        raise InvalidArgument(
            f"{cls.__qualname__} is not a tiffin service: decorate the class with @tiffin.service."
        )
    return definition


def _define(cls: type, config: ServiceConfig) -> ServiceDefinition:
    endpoints: list[Endpoint] = []
    hooks: dict[str, list[str]] = {"startup": [], "shutdown": []}
    dependencies: dict[str, Dependency[Any]] = {}
    for attribute, value in _members(cls):
        if isinstance(value, APIMethod):
            endpoints.append(_endpoint(cls, attribute, value))
        elif isinstance(value, Dependency):
            dependencies[attribute] = value
        elif callable(value) and getattr(value, HOOK_ATTRIBUTE, None) in hooks:
            hooks[getattr(value, HOOK_ATTRIBUTE)].append(attribute)
    _check_unique(cls, endpoints)
    return ServiceDefinition(
        cls=cls,
        config=config,
        endpoints=tuple(endpoints),
        startup_hooks=tuple(hooks["startup"]),
        shutdown_hooks=tuple(hooks["shutdown"]),
        dependencies=dependencies,
    )


def _members(cls: type) -> list[tuple[str, Any]]:
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__[:-1]):
        members.update(vars(klass))
    return list(members.items())


def _endpoint(cls: type, attribute: str, method: APIMethod[Any]) -> Endpoint:
    func = method.func
    try:
        input_spec, output_spec = InputSpec.from_function(func), OutputSpec.from_function(func)
    except (TiffinError, NameError, TypeError) as exc:
        if func.__qualname__ in str(exc):  # io's messages already name the method
            raise
        raise type(exc)(f"{cls.__qualname__}.{attribute}: {exc}") from exc
    parameters = list(inspect.signature(func).parameters.values())[1:]
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise InvalidArgument(
                f"{cls.__qualname__}.{attribute} takes *{parameter.name}; API parameters are "
                "named, so list them one by one."
            )
    required = [p for p in parameters if p.default is inspect.Parameter.empty]
    configured = method.config.method
    methods = (
        (configured.upper(),) if configured else ("POST", "GET") if not required else ("POST",)
    )
    return Endpoint(
        api=method,
        attribute=attribute,
        input=input_spec,
        output=output_spec,
        is_async=inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func),
        is_stream=output_spec.is_stream,
        http_methods=methods,
    )


def _check_unique(cls: type, endpoints: list[Endpoint]) -> None:
    for key in ("name", "route"):
        seen: dict[str, str] = {}
        for endpoint in endpoints:
            value = getattr(endpoint, key)
            if value in seen:
                raise InvalidArgument(
                    f"{cls.__qualname__}.{endpoint.attribute} and {seen[value]} have the same "
                    f"API {key} {value!r}; give one of them another {key}= in @tiffin.api."
                )
            seen[value] = f"{cls.__qualname__}.{endpoint.attribute}"
