"""``tiffin.depends``: use another service's APIs from a service.

Without a server, the other service is built in this process (once) and its APIs are plain
method calls. When ``tiffin serve`` runs the other service in its own processes, it sets
``TIFFIN_DEPENDENCY_URL_<NAME>`` and the dependency becomes an HTTP client with the same
methods.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any, Generic, TypeVar, overload

__all__ = ["Dependency", "dependency_url_variable", "depends"]

T = TypeVar("T")
_instances: dict[type, Any] = {}
_lock = threading.Lock()


def dependency_url_variable(service_name: str) -> str:
    """The variable that points a dependency at a running server: ``TIFFIN_DEPENDENCY_URL_X``."""
    return "TIFFIN_DEPENDENCY_URL_" + re.sub(r"[^A-Za-z0-9]", "_", service_name).upper()


class Dependency(Generic[T]):
    """A class attribute giving access to another service; see :func:`depends`."""

    def __init__(self, target: type[T]) -> None:
        from tiffin.services._service import definition_of

        self.target = target
        self.definition = definition_of(target)
        self.attribute = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = name

    @overload
    def __get__(self, instance: None, owner: type) -> Dependency[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> Any:
        if instance is None:
            return self
        return self.resolve()

    def resolve(self) -> Any:
        """The HTTP client for a served dependency, or its in-process instance."""
        url = os.environ.get(dependency_url_variable(self.definition.name))
        if url:
            return _client(url)
        with _lock:
            if self.target not in _instances:
                from tiffin.services._instance import create_instance

                _instances[self.target] = create_instance(self.definition)
            return _instances[self.target]

    def __repr__(self) -> str:
        return f"tiffin.depends({self.target.__qualname__})"


_clients: dict[str, Any] = {}


def _client(url: str) -> Any:
    with _lock:
        if url not in _clients:
            from tiffin.client import SyncHTTPClient

            _clients[url] = SyncHTTPClient(url)
        return _clients[url]


def depends(target: type[T]) -> T:
    """Declare that a service uses ``target``, another service, as ``self.<attribute>``.

    @tiffin.service
    class Pipeline:
        embedder = tiffin.depends(Embedder)

        @tiffin.api
        def search(self, text: str) -> list[str]:
            return self.index.query(self.embedder.embed(text))
    """
    return Dependency(target)  # type: ignore[return-value]
