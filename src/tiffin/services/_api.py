"""``@tiffin.api``: mark a service method as an HTTP API."""

from __future__ import annotations

import dataclasses
import inspect
import re
import types
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from tiffin.exceptions import InvalidArgument

__all__ = ["APIConfig", "APIMethod", "api"]

F = TypeVar("F", bound=Callable[..., Any])
_ROUTE = re.compile(r"/[-_.~a-zA-Z0-9/]*")
_HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
_RESERVED_ROUTES = {
    "/livez",
    "/readyz",
    "/healthz",
    "/metrics",
    "/schema.json",
    "/docs.json",
    "/docs",
}


@dataclasses.dataclass(frozen=True)
class APIConfig:
    """The options of one API, checked when the decorator runs."""

    route: str | None = None
    name: str | None = None
    batchable: bool = False
    batch_dim: int = 0
    max_batch_size: int | None = None
    max_latency_ms: float | None = None
    timeout: float | None = None
    cache: bool = False
    method: str | None = None

    def __post_init__(self) -> None:
        if self.route is not None:
            _check_route(self.route)
        if self.name is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.name):
            raise InvalidArgument(
                f"API name {self.name!r} is invalid: use a Python identifier (it becomes a "
                "client method)."
            )
        if not isinstance(self.batchable, bool):
            raise InvalidArgument("batchable is True or False.")
        if not isinstance(self.batch_dim, int) or isinstance(self.batch_dim, bool):
            raise InvalidArgument(f"batch_dim is an integer axis, not {self.batch_dim!r}.")
        _check_positive(self.max_batch_size, "max_batch_size", integer=True)
        _check_positive(self.max_latency_ms, "max_latency_ms")
        _check_positive(self.timeout, "timeout")
        if not isinstance(self.cache, bool):
            raise InvalidArgument("cache is True or False on @tiffin.api.")
        if self.method is not None and self.method.upper() not in _HTTP_METHODS:
            raise InvalidArgument(
                f"method {self.method!r} is not an HTTP method; use one of "
                f"{', '.join(sorted(_HTTP_METHODS))}."
            )
        if not self.batchable and (self.max_batch_size or self.max_latency_ms):
            raise InvalidArgument(
                "max_batch_size and max_latency_ms apply to batchable APIs: add batchable=True."
            )


class APIMethod(Generic[F]):
    """A service method marked with ``@tiffin.api``.

    It behaves like the plain method when called on an instance (``svc.classify(x)``), and
    holds the API's configuration for the server.
    """

    def __init__(self, func: F, config: APIConfig) -> None:
        if not inspect.isfunction(func):
            raise InvalidArgument(
                f"@tiffin.api decorates a function defined in a class, not {func!r}."
            )
        self.func = func
        self.config = config
        self.attribute = func.__name__
        self.__doc__ = func.__doc__
        self.__wrapped__ = func

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = name

    @property
    def name(self) -> str:
        return self.config.name or self.attribute

    @property
    def route(self) -> str:
        return self.config.route or f"/{self.name}"

    @overload
    def __get__(self, instance: None, owner: type) -> APIMethod[F]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> F: ...
    def __get__(self, instance: object | None, owner: type) -> Any:
        if instance is None:
            return self
        return types.MethodType(self.func, instance)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<tiffin API {self.name} {self.route}>"


@overload
def api(func: F, /) -> F: ...
@overload
def api(
    *,
    route: str | None = None,
    name: str | None = None,
    batchable: bool = False,
    batch_dim: int = 0,
    max_batch_size: int | None = None,
    max_latency_ms: float | None = None,
    timeout: float | None = None,
    cache: bool = False,
    method: str | None = None,
) -> Callable[[F], F]: ...
def api(func: Any = None, /, **options: Any) -> Any:
    """Expose a service method as an API, bare (``@tiffin.api``) or with options.

    Args:
        route: the URL path; ``/<method name>`` by default.
        name: the API's name in schemas and clients; the method name by default.
        batchable: the method takes a batch (stacked on ``batch_dim``) and returns one;
            concurrent requests are batched together, up to ``max_batch_size`` rows,
            waiting at most ``max_latency_ms``.
        timeout: seconds before the client gets 504; the service's ``timeout`` by default.
        cache: cache responses of this deterministic API.
        method: the HTTP method; POST, plus GET for APIs without required parameters.
    """
    if isinstance(func, str):
        raise InvalidArgument(
            f"@tiffin.api takes options by keyword: write @tiffin.api(route={func!r})."
        )
    config = APIConfig(**options)
    if func is None:
        return lambda function: APIMethod(function, config)
    return APIMethod(func, config)


def _check_route(route: object) -> None:
    if not isinstance(route, str) or not _ROUTE.fullmatch(route) or "//" in route:
        raise InvalidArgument(
            f"route {route!r} is invalid: a route starts with '/' and uses letters, digits, "
            "'-', '_', '.', '~' and '/', e.g. \"/v1/classify\"."
        )
    if route in _RESERVED_ROUTES or route.startswith("/v2/"):
        raise InvalidArgument(
            f"route {route!r} is reserved for tiffin's system endpoints; choose another."
        )


def _check_positive(value: object, what: str, *, integer: bool = False) -> None:
    if value is None:
        return
    kinds = (int,) if integer else (int, float)
    if not isinstance(value, kinds) or isinstance(value, bool) or value <= 0:
        kind = "a whole number" if integer else "a number"
        raise InvalidArgument(f"{what} is {kind} > 0, not {value!r}.")
