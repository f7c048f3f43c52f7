"""API-key authentication: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``."""

from __future__ import annotations

import hmac

from tiffin.exceptions import Unauthorized
from tiffin.services._config import AuthConfig
from tiffin.services._secrets import secrets

__all__ = ["APIKeyCheck"]


class APIKeyCheck:
    """Checks a request's key against the keys in a secret (comma-separated), in constant
    time per key."""

    def __init__(self, config: AuthConfig) -> None:
        self.secret = config.api_keys_secret
        self._keys: list[bytes] | None = None

    def keys(self) -> list[bytes]:
        if self._keys is None:
            raw = secrets[self.secret]
            self._keys = [key.strip().encode() for key in raw.split(",") if key.strip()]
        return self._keys

    def check(self, key: str | None) -> None:
        if key is not None:
            given = key.encode()
            # Compare with every key, even after a match, so timing does not tell which.
            matches = [hmac.compare_digest(given, known) for known in self.keys()]
            if any(matches):
                return
        raise Unauthorized(
            "This API needs a valid API key: send it as 'Authorization: Bearer <key>' or "
            "'X-API-Key: <key>'."
        )
