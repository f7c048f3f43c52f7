"""Service configuration: parsed and checked once, when ``@tiffin.service`` runs."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from tiffin.exceptions import InvalidArgument

__all__ = [
    "AuthConfig",
    "CacheConfig",
    "EnvVar",
    "Resources",
    "ServiceConfig",
    "TrafficConfig",
    "parse_quantity",
]

_QUANTITY = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?P<suffix>[a-zA-Z]*)")
_SUFFIXES = {
    "": 1,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECRET_NAME = re.compile(r"[a-z0-9]([-_.a-z0-9]*[a-z0-9])?")


def parse_quantity(value: object, what: str) -> float:
    """A Kubernetes quantity (``"500m"``, ``"4Gi"``, ``2``) as a plain number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _QUANTITY.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or match["suffix"] not in _SUFFIXES:
        raise InvalidArgument(
            f"resources[{what!r}] is {value!r}, which is not a Kubernetes quantity: write a "
            'number or a string such as "2", "500m", "512Mi" or "4Gi".'
        )
    return float(match["number"]) * _SUFFIXES[match["suffix"]]


@dataclasses.dataclass(frozen=True)
class Resources:
    """What one worker needs. ``spec`` keeps the user's strings for Kubernetes manifests."""

    cpu: float | None = None
    memory: float | None = None
    gpu: int = 0
    gpu_memory: float | None = None
    spec: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def parse(cls, value: Mapping[str, Any] | None) -> Resources:
        if value is None:
            return cls()
        if not isinstance(value, Mapping):
            raise InvalidArgument('resources must be a dict such as {"cpu": "2", "memory": "4Gi"}.')
        unknown = set(value) - {"cpu", "memory", "gpu", "gpu_memory"}
        if unknown:
            raise InvalidArgument(
                f"resources has unknown keys {sorted(unknown)}; the keys are cpu, memory, gpu "
                "and gpu_memory."
            )
        quantities = {key: parse_quantity(item, key) for key, item in value.items()}
        gpu = quantities.get("gpu", 0.0)
        if gpu != int(gpu):
            raise InvalidArgument(f'resources["gpu"] is a whole number of GPUs, not {gpu}.')
        return cls(
            cpu=quantities.get("cpu"),
            memory=quantities.get("memory"),
            gpu=int(gpu),
            gpu_memory=quantities.get("gpu_memory"),
            spec={key: str(item) for key, item in value.items()},
        )


@dataclasses.dataclass(frozen=True)
class EnvVar:
    """An environment variable set before the service starts; no value means required."""

    name: str
    value: str | None = None

    @classmethod
    def parse(cls, entry: object) -> EnvVar:
        if not isinstance(entry, Mapping) or "name" not in entry or set(entry) - {"name", "value"}:
            raise InvalidArgument(
                f'Each envs entry is a dict {{"name": ..., "value": ...}}, not {entry!r}.'
            )
        name, value = entry["name"], entry.get("value")
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            raise InvalidArgument(
                f"Environment variable name {name!r} is invalid: use letters, digits and "
                "underscores, not starting with a digit."
            )
        if value is not None and not isinstance(value, str):
            raise InvalidArgument(
                f"Environment variable {name} has a {type(value).__name__} value; values are "
                f"strings (write {str(value)!r})."
            )
        return cls(name, value)


@dataclasses.dataclass(frozen=True)
class TrafficConfig:
    """Concurrency limits: beyond ``max_concurrency`` in flight and ``max_queue`` waiting,
    requests are answered 503 with ``Retry-After`` at once."""

    max_concurrency: int | None = None
    max_queue: int = 0

    @classmethod
    def parse(cls, value: Mapping[str, Any] | None) -> TrafficConfig:
        if value is None:
            return cls()
        if not isinstance(value, Mapping) or set(value) - {"max_concurrency", "max_queue"}:
            raise InvalidArgument(
                'traffic is a dict with "max_concurrency" and "max_queue", e.g. '
                '{"max_concurrency": 32, "max_queue": 64}.'
            )
        concurrency = value.get("max_concurrency")
        if concurrency is not None:
            _positive_int(concurrency, 'traffic["max_concurrency"]')
        queue = value.get("max_queue", 0)
        _positive_int(queue, 'traffic["max_queue"]', allow_zero=True)
        if concurrency is None and "max_queue" in value:
            raise InvalidArgument(
                'traffic["max_queue"] needs traffic["max_concurrency"]: the queue holds '
                "requests waiting for a free slot."
            )
        return cls(concurrency, queue)


@dataclasses.dataclass(frozen=True)
class CacheConfig:
    """Response cache: per-worker LRU, or a shared Redis ``backend``."""

    max_entries: int = 1000
    ttl: float = 300.0
    backend: str | None = None

    @classmethod
    def parse(cls, value: Mapping[str, Any] | bool | None) -> CacheConfig | None:
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if not isinstance(value, Mapping) or set(value) - {"max_entries", "ttl", "backend"}:
            raise InvalidArgument(
                'cache is True or a dict with "max_entries", "ttl" and "backend", e.g. '
                '{"max_entries": 1000, "ttl": 300}.'
            )
        max_entries = _positive_int(value.get("max_entries", 1000), 'cache["max_entries"]')
        ttl = value.get("ttl", 300.0)
        if not isinstance(ttl, (int, float)) or isinstance(ttl, bool) or ttl <= 0:
            raise InvalidArgument(f'cache["ttl"] is a number of seconds > 0, not {ttl!r}.')
        backend = value.get("backend")
        if backend is not None:
            raise InvalidArgument(
                f'cache["backend"] {backend!r} is not available in this version of tiffin: '
                "leave it out for the per-worker cache."
            )
        return cls(max_entries, float(ttl), backend)


@dataclasses.dataclass(frozen=True)
class AuthConfig:
    """API-key authentication: keys come from the secret ``api_keys_secret``."""

    api_keys_secret: str

    @classmethod
    def parse(cls, value: Mapping[str, Any] | None) -> AuthConfig | None:
        if value is None:
            return None
        if not isinstance(value, Mapping) or set(value) != {"api_keys_secret"}:
            raise InvalidArgument(
                'auth is a dict {"api_keys_secret": "<secret name>"}; the secret holds one or '
                "more API keys separated by commas."
            )
        return cls(_secret_name(value["api_keys_secret"]))


@dataclasses.dataclass(frozen=True)
class ServiceConfig:
    """Everything ``@tiffin.service`` accepts, checked."""

    name: str
    version: str | None = None
    description: str | None = None
    resources: Resources = dataclasses.field(default_factory=Resources)
    workers: int | Literal["cpu_count"] = 1
    timeout: float = 60.0
    threads: int | None = None
    envs: tuple[EnvVar, ...] = ()
    secrets: tuple[str, ...] = ()
    traffic: TrafficConfig = dataclasses.field(default_factory=TrafficConfig)
    cache: CacheConfig | None = None
    auth: AuthConfig | None = None

    @classmethod
    def parse(cls, name: str, **options: Any) -> ServiceConfig:
        return cls(
            name=_service_name(name),
            version=_optional_str(options["version"], "version"),
            description=_optional_str(options["description"], "description"),
            resources=Resources.parse(options["resources"]),
            workers=_workers(options["workers"]),
            timeout=_timeout(options["timeout"], "timeout"),
            threads=_threads(options["threads"]),
            envs=_envs(options["envs"]),
            secrets=_secrets(options["secrets"], options["auth"]),
            traffic=TrafficConfig.parse(options["traffic"]),
            cache=CacheConfig.parse(options["cache"]),
            auth=AuthConfig.parse(options["auth"]),
        )


def _positive_int(value: object, what: str, *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise InvalidArgument(f"{what} is a whole number >= {low}, not {value!r}.")
    return value


def _service_name(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(
        r"[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?", value
    ):
        raise InvalidArgument(
            f"Service name {value!r} is invalid: use 1 to 63 letters, digits, '-', '_' or "
            "'.', starting and ending with a letter or digit."
        )
    return value


def _optional_str(value: object, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidArgument(f"{what} is a string, not {type(value).__name__}.")
    return value


def _workers(value: object) -> int | Literal["cpu_count"]:
    if value == "cpu_count":
        return "cpu_count"
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return _positive_int(value, 'workers (a number or "cpu_count")')


def _timeout(value: object, what: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise InvalidArgument(f"{what} is a number of seconds > 0, not {value!r}.")
    return float(value)


def _threads(value: object) -> int | None:
    return None if value is None else _positive_int(value, "threads")


def _envs(value: Sequence[Any] | None) -> tuple[EnvVar, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
        raise InvalidArgument('envs is a list such as [{"name": "LOG_LEVEL", "value": "INFO"}].')
    return tuple(EnvVar.parse(entry) for entry in value)


def _secret_name(value: object) -> str:
    if not isinstance(value, str) or not _SECRET_NAME.fullmatch(value):
        raise InvalidArgument(
            f"Secret name {value!r} is invalid: use lowercase letters, digits, '-', '_' and "
            "'.', e.g. \"api_key\"."
        )
    return value


def _secrets(value: Sequence[Any] | None, auth: Mapping[str, Any] | None) -> tuple[str, ...]:
    if value is None:
        value = []
    if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
        raise InvalidArgument('secrets is a list of names, e.g. ["api_key", "db_password"].')
    names = [_secret_name(name) for name in value]
    if isinstance(auth, Mapping) and isinstance(auth.get("api_keys_secret"), str):
        names.append(auth["api_keys_secret"])
    return tuple(dict.fromkeys(names))
