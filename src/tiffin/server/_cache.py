"""The response cache: per worker, LRU with a time to live.

The key hashes the API, the request's Content-Type and Accept, the canonical body (JSON
re-serialised with sorted keys) and the versions of the models the service runs, so a new
model version never serves an old answer.
"""

from __future__ import annotations

import collections
import hashlib
import time
from collections.abc import Callable

import orjson

__all__ = ["CachedResponse", "ResponseCache", "cache_key"]

CachedResponse = tuple[bytes, str]


class ResponseCache:
    """At most ``max_entries`` responses, each kept ``ttl`` seconds."""

    def __init__(
        self, max_entries: int, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._clock = clock
        self._entries: collections.OrderedDict[bytes, tuple[float, CachedResponse]] = (
            collections.OrderedDict()
        )

    def get(self, key: bytes) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, response = entry
        if expires <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return response

    def put(self, key: bytes, response: CachedResponse) -> None:
        self._entries[key] = (self._clock() + self.ttl, response)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def cache_key(
    api: str,
    content_type: str | None,
    accept: str | None,
    body: bytes,
    models: str,
    query: bytes = b"",
) -> bytes:
    """The cache key of a request; JSON bodies that differ only in key order or spacing match."""
    if content_type is None or "json" in content_type:
        try:
            body = orjson.dumps(orjson.loads(body or b"null"), option=orjson.OPT_SORT_KEYS)
        except orjson.JSONDecodeError:
            pass  # binding will refuse it; it is never stored
    digest = hashlib.blake2b(digest_size=20)
    for part in (api, content_type or "", accept or "", models):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(query)
    digest.update(b"\0")
    digest.update(body)
    return digest.digest()
