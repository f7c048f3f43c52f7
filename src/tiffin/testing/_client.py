"""``TestClient``: call a service in-process, over ASGI, with the server's behaviour."""

from __future__ import annotations

import time
from typing import Any

from starlette.testclient import TestClient as _StarletteClient

from tiffin.client import SyncHTTPClient
from tiffin.exceptions import ServiceUnavailable
from tiffin.server._app import ServiceApp, State
from tiffin.server._settings import ServeConfig
from tiffin.services import definition_of

__all__ = ["TestClient"]


class TestClient(_StarletteClient):
    """An httpx client wired to a service's ASGI app in this process; no sockets.

        with TestClient(IrisService) as client:
            response = client.post("/classify", json=[[5.1, 3.5, 1.4, 0.2]])
            client.api.classify([[5.1, 3.5, 1.4, 0.2]])

    Entering the block starts the service (``__init__``, runners, start-up hooks) and waits
    until it is ready; leaving it runs the shutdown hooks. ``config`` sets server options
    (timeouts, body limit) as ``tiffin serve`` would.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        service: Any,
        *,
        config: ServeConfig | None = None,
        instance: Any = None,
        ready_timeout: float = 60.0,
        raise_server_exceptions: bool = False,
    ) -> None:
        definition = definition_of(service)
        self.app_object = ServiceApp(
            definition, config or ServeConfig(target=definition.import_string), instance=instance
        )
        self.ready_timeout = ready_timeout
        super().__init__(self.app_object, raise_server_exceptions=raise_server_exceptions)
        self._api: SyncHTTPClient | None = None

    def __enter__(self) -> TestClient:
        super().__enter__()
        self._wait_started()
        return self

    def _wait_started(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while self.app_object.state is State.STARTING:
            if time.monotonic() > deadline:
                raise ServiceUnavailable(
                    f"The service did not start within {self.ready_timeout} s."
                )
            time.sleep(0.01)
        if self.app_object.state is State.FAILED:
            raise ServiceUnavailable(f"The service failed to start: {self.app_object.failure}")

    @property
    def api(self) -> SyncHTTPClient:
        """The service's APIs as methods, as :class:`~tiffin.SyncHTTPClient` offers them."""
        if self._api is None:
            self._api = SyncHTTPClient(str(self.base_url), transport=self._transport)
        return self._api
