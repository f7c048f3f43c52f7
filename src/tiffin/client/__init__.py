"""HTTP clients for tiffin services, built from the server's ``/schema.json``."""

from __future__ import annotations

from tiffin.client._codec import API
from tiffin.client._http import AsyncHTTPClient, SyncHTTPClient

__all__ = ["API", "AsyncHTTPClient", "SyncHTTPClient"]
