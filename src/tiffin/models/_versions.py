"""Generated versions: short, unique, and sorted by creation time as plain strings.

A version is 16 characters of lowercase Crockford base32: 10 encode the creation time in
milliseconds (enough until the year 10889), 6 are random (30 bits). Within one process,
versions made in the same millisecond count upwards from the last, so they never tie; across
processes and machines the random part makes a collision a one-in-a-billion event, and the
store refuses to overwrite one anyway.
"""

from __future__ import annotations

import secrets
import threading
import time

__all__ = ["new_version"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_TIME_CHARS = 10
_RANDOM_CHARS = 6
_RANDOM_BITS = 5 * _RANDOM_CHARS

_lock = threading.Lock()
_last: tuple[int, int] = (0, 0)


def _encode(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_version(now_ms: int | None = None) -> tuple[str, int]:
    """Return a fresh version and the millisecond timestamp it encodes.

    The timestamp is what the store records as the creation time, so the order of versions
    and the order of creation times agree.
    """
    global _last
    with _lock:
        millis = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        last_millis, last_random = _last
        if millis <= last_millis and last_random + 1 < 2**_RANDOM_BITS:
            millis, random_part = last_millis, last_random + 1
        else:
            random_part = secrets.randbits(_RANDOM_BITS - 1)  # room to count up
        _last = (millis, random_part)
    return _encode(millis, _TIME_CHARS) + _encode(random_part, _RANDOM_CHARS), millis
