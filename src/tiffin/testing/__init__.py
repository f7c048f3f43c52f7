"""Testing tools: a real server in a subprocess, and an in-process client.

``Server`` starts ``tiffin serve`` on a free port and waits for readiness; ``TestClient``
runs the same ASGI app in this process, for fast unit tests.
"""

from __future__ import annotations

from tiffin.testing._client import TestClient
from tiffin.testing._server import Server, free_port

__all__ = ["Server", "TestClient", "free_port"]
