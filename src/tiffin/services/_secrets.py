"""Secrets: required at start-up, read from the environment or a secrets folder, never shown."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from tiffin.exceptions import ConfigurationError

__all__ = ["SECRETS_DIR_VARIABLE", "Secrets", "env_name", "secrets"]

SECRETS_DIR_VARIABLE = "TIFFIN_SECRETS_DIR"
_MIN_REDACTED = 8


def env_name(secret: str) -> str:
    """The environment variable that holds a secret: ``api_key`` -> ``API_KEY``."""
    return secret.upper().replace("-", "_").replace(".", "_")


class Secrets(Mapping[str, str]):
    """The loaded secrets, as ``tiffin.secrets["api_key"]``.

    Values never appear in ``repr``, ``str`` or error messages.
    """

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def load(self, names: Iterable[str]) -> None:
        """Read every named secret; fail naming each missing one and how to give it."""
        directory = os.environ.get(SECRETS_DIR_VARIABLE)
        missing = []
        for name in names:
            value = _read(name, directory)
            if value is None:
                missing.append(name)
            else:
                self._values[name] = value
                os.environ.setdefault(env_name(name), value)
        if missing:
            raise ConfigurationError(_missing_message(missing, directory))

    def values_for_redaction(self) -> list[str]:
        """Values to scrub from log lines and error messages.

        tiffin itself never logs a secret; this catches user code that does. Values shorter
        than 8 characters are left out: replacing every "k" would garble every message and
        point at the key.
        """
        return [value for value in self._values.values() if len(value) >= _MIN_REDACTED]

    def __getitem__(self, name: str) -> str:
        try:
            return self._values[name]
        except KeyError:
            raise KeyError(
                f"Secret {name!r} is not loaded: declare it with "
                f"@tiffin.service(secrets=[{name!r}])."
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"<Secrets {sorted(self._values)} (values hidden)>"


def _read(name: str, directory: str | None) -> str | None:
    value = os.environ.get(env_name(name))
    if value:
        return value
    if directory:
        path = Path(directory) / name
        if path.is_file():
            return path.read_text(encoding="utf-8").rstrip("\r\n")
    return None


def _missing_message(missing: list[str], directory: str | None) -> str:
    folder = directory or f"${SECRETS_DIR_VARIABLE}"
    lines = [f"The service needs {len(missing)} secret(s) that are not set:"]
    lines += [
        f"  - {name}: set ${env_name(name)}, or write it to {folder}/{name}" for name in missing
    ]
    return "\n".join(lines)


secrets = Secrets()
