"""``envs`` and ``secrets``: set and read before ``__init__``, missing ones named at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import tiffin
from tiffin.exceptions import ConfigurationError, ServiceUnavailable
from tiffin.services import create_instance, definition_of
from tiffin.services._instance import apply_environment
from tiffin.testing import TestClient


def _service(**options: Any) -> type:
    seen: dict[str, str | None] = {}

    @tiffin.service(**options)
    class Configured:
        def __init__(self) -> None:
            for name in ("TIFFIN_TEST_LEVEL", "API_KEY", "DB_PASSWORD"):
                seen[name] = os.environ.get(name)

        @tiffin.api
        def ping(self) -> str:
            return "pong"

    Configured.seen = seen  # type: ignore[attr-defined]
    return Configured


def test_env_with_a_value_is_set_before_init() -> None:
    os.environ.pop("TIFFIN_TEST_LEVEL", None)
    cls = _service(envs=[{"name": "TIFFIN_TEST_LEVEL", "value": "DEBUG"}])
    create_instance(definition_of(cls))
    assert cls.seen["TIFFIN_TEST_LEVEL"] == "DEBUG"  # type: ignore[attr-defined]


def test_env_already_set_is_kept() -> None:
    os.environ["TIFFIN_TEST_LEVEL"] = "WARNING"
    cls = _service(envs=[{"name": "TIFFIN_TEST_LEVEL", "value": "DEBUG"}])
    create_instance(definition_of(cls))
    assert cls.seen["TIFFIN_TEST_LEVEL"] == "WARNING"  # type: ignore[attr-defined]


def test_missing_required_env_is_a_startup_error_naming_it() -> None:
    os.environ.pop("TIFFIN_TEST_REQUIRED", None)
    cls = _service(envs=[{"name": "TIFFIN_TEST_REQUIRED"}])
    with pytest.raises(ConfigurationError, match="TIFFIN_TEST_REQUIRED.*export"):
        apply_environment(definition_of(cls).config)


def test_missing_required_env_stops_the_test_client_naming_it() -> None:
    os.environ.pop("TIFFIN_TEST_REQUIRED", None)
    cls = _service(envs=[{"name": "TIFFIN_TEST_REQUIRED"}])
    with pytest.raises(ServiceUnavailable, match="TIFFIN_TEST_REQUIRED"), TestClient(cls):
        pass


def test_secret_is_read_from_its_environment_variable() -> None:
    os.environ["API_KEY"] = "from-env"
    apply_environment(definition_of(_service(secrets=["api_key"])).config)
    assert tiffin.secrets["api_key"] == "from-env"


def test_secret_is_read_from_the_secrets_folder_without_the_trailing_newline(
    tmp_path: Path,
) -> None:
    os.environ.pop("API_KEY", None)
    (tmp_path / "api_key").write_text("from-file\n")
    os.environ["TIFFIN_SECRETS_DIR"] = str(tmp_path)
    apply_environment(definition_of(_service(secrets=["api_key"])).config)
    assert tiffin.secrets["api_key"] == "from-file"


def test_secret_from_a_file_is_also_exported_to_the_environment_before_init(
    tmp_path: Path,
) -> None:
    os.environ.pop("DB_PASSWORD", None)
    (tmp_path / "db-password").write_text("hunter2")
    os.environ["TIFFIN_SECRETS_DIR"] = str(tmp_path)
    cls = _service(secrets=["db-password"])
    create_instance(definition_of(cls))
    assert cls.seen["DB_PASSWORD"] == "hunter2"  # type: ignore[attr-defined]


def test_environment_variable_wins_over_the_secrets_folder(tmp_path: Path) -> None:
    (tmp_path / "api_key").write_text("from-file")
    os.environ.update({"TIFFIN_SECRETS_DIR": str(tmp_path), "API_KEY": "from-env"})
    apply_environment(definition_of(_service(secrets=["api_key"])).config)
    assert tiffin.secrets["api_key"] == "from-env"


def test_missing_secrets_fail_startup_naming_each_and_both_ways_to_give_it() -> None:
    for name in ("API_KEY", "DB_PASSWORD", "TIFFIN_SECRETS_DIR"):
        os.environ.pop(name, None)
    cls = _service(secrets=["api_key", "db-password"])
    with pytest.raises(ConfigurationError) as caught:
        apply_environment(definition_of(cls).config)
    message = str(caught.value)
    assert "2 secret(s)" in message
    assert "$API_KEY" in message
    assert "$TIFFIN_SECRETS_DIR/api_key" in message
    assert "$DB_PASSWORD" in message
    assert "$TIFFIN_SECRETS_DIR/db-password" in message


def test_missing_secret_message_names_the_configured_secrets_folder(tmp_path: Path) -> None:
    os.environ.pop("API_KEY", None)
    os.environ["TIFFIN_SECRETS_DIR"] = str(tmp_path)
    with pytest.raises(ConfigurationError, match=f"{tmp_path}/api_key"):
        apply_environment(definition_of(_service(secrets=["api_key"])).config)


def test_an_empty_secret_counts_as_missing() -> None:
    os.environ["API_KEY"] = ""
    os.environ.pop("TIFFIN_SECRETS_DIR", None)
    with pytest.raises(ConfigurationError, match="api_key"):
        apply_environment(definition_of(_service(secrets=["api_key"])).config)


def test_unknown_secret_lookup_names_the_fix() -> None:
    with pytest.raises(KeyError, match=r"secrets=\['nope'\]"):
        tiffin.secrets["nope"]


def test_secrets_repr_shows_names_but_not_values() -> None:
    os.environ["API_KEY"] = "do-not-print-me"
    apply_environment(definition_of(_service(secrets=["api_key"])).config)
    assert "api_key" in repr(tiffin.secrets)
    assert "do-not-print-me" not in repr(tiffin.secrets)
    assert "do-not-print-me" not in str(tiffin.secrets)


def test_secrets_are_a_read_only_mapping() -> None:
    os.environ["API_KEY"] = "k"
    apply_environment(definition_of(_service(secrets=["api_key"])).config)
    assert dict(tiffin.secrets) == {"api_key": "k"}
    with pytest.raises(TypeError):
        tiffin.secrets["api_key"] = "other"  # type: ignore[index]
