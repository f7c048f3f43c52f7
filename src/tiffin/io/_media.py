"""Media types: parsing ``Content-Type`` and negotiating ``Accept``, with per-header caches.

Headers repeat from request to request, so each distinct header string is parsed once and
the result kept in a small bounded cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

__all__ = [
    "ARROW",
    "JSON",
    "MULTIPART",
    "NDJSON",
    "NPY",
    "OCTET",
    "SSE",
    "TEXT",
    "URLENCODED",
    "matches",
    "media_type_of",
    "negotiate",
    "parameters_of",
]

JSON = "application/json"
NPY = "application/x-npy"
ARROW = "application/vnd.apache.arrow.stream"
OCTET = "application/octet-stream"
TEXT = "text/plain"
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
NDJSON = "application/x-ndjson"
SSE = "text/event-stream"

_V = TypeVar("_V")
_CACHE_SIZE = 256
_media_types: dict[str, str] = {}
_accepts: dict[str, tuple[str, ...]] = {}


def media_type_of(content_type: str | None) -> str | None:
    """The bare, lower-case media type of a ``Content-Type`` header (``None`` when absent)."""
    if not content_type:
        return None
    cached = _media_types.get(content_type)
    if cached is None:
        cached = content_type.partition(";")[0].strip().lower()
        _remember(_media_types, content_type, cached)
    return cached or None


def parameters_of(content_type: str) -> dict[str, str]:
    """The parameters of a ``Content-Type`` header, names lower-cased, quotes removed."""
    parameters = {}
    for item in content_type.split(";")[1:]:
        name, _, value = item.partition("=")
        parameters[name.strip().lower()] = value.strip().strip('"')
    return parameters


def matches(media_range: str, media_type: str) -> bool:
    """Whether ``media_type`` falls in ``media_range`` (``*/*``, ``image/*`` or exact)."""
    if media_range == "*/*" or media_range == media_type:
        return True
    if media_range.endswith("/*"):
        return media_type.startswith(media_range[:-1])
    return False


def negotiate(accept: str | None, offers: Sequence[str]) -> str:
    """The first of ``offers`` the ``Accept`` header prefers; ``offers[0]`` when none fits.

    ``offers`` may hold ranges such as ``image/*``; an ``Accept`` entry ``image/jpeg`` then
    picks ``image/jpeg`` itself. Entries with ``q=0`` are ignored, never refused: serving the
    default beats answering 406.
    """
    if not accept:
        return offers[0]
    for wanted in _accept_ranges(accept):
        for offer in offers:
            if matches(wanted, offer):
                return offer
            if offer.endswith("/*") and matches(offer, wanted):
                return wanted
    return offers[0]


def _accept_ranges(accept: str) -> tuple[str, ...]:
    ranges = _accepts.get(accept)
    if ranges is None:
        ranges = _parse_accept(accept)
        _remember(_accepts, accept, ranges)
    return ranges


def _parse_accept(accept: str) -> tuple[str, ...]:
    weighted = []
    for position, item in enumerate(accept.split(",")):
        media_range, *parameters = item.split(";")
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media_range = media_range.strip().lower()
        if media_range and quality > 0:
            weighted.append((-quality, position, media_range))
    return tuple(media_range for _, _, media_range in sorted(weighted))


def _remember(cache: dict[str, _V], key: str, value: _V) -> None:
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[key] = value
