"""``tiffin.testing.Server`` without starting it: targets, ports and URLs. The real server is
exercised in ``tests/e2e``."""

from __future__ import annotations

import socket
import sys
import types
import warnings

import pytest

import tiffin
from tiffin.exceptions import InvalidArgument, ServiceUnavailable
from tiffin.testing import Server, free_port


@tiffin.service(name="resolvable")
class Resolvable:
    @tiffin.api
    def ping(self) -> str:
        return "pong"


def test_target_given_as_a_class_is_its_import_string() -> None:
    assert Server(Resolvable).target == f"{__name__}:Resolvable"


def test_target_given_as_module_and_class_is_kept() -> None:
    assert Server("some.module:Service").target == "some.module:Service"


def test_target_given_by_class_name_is_found_in_the_calling_module() -> None:
    assert Server("Resolvable").target == f"{__name__}:Resolvable"


def test_target_given_by_service_name_is_found_too() -> None:
    assert Server("resolvable").target == f"{__name__}:Resolvable"


def test_unknown_target_name_says_how_to_name_it() -> None:
    with pytest.raises(InvalidArgument, match='"module:NoSuchService"'):
        Server("NoSuchService")


def test_target_defined_in_a_function_is_refused_with_the_fix() -> None:
    @tiffin.service
    class InFunction:
        pass

    with pytest.raises(InvalidArgument, match="define it at module level"):
        Server(InFunction)


def test_port_is_free_unless_given() -> None:
    server = Server(Resolvable)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", server.port))
    assert Server(Resolvable, port=8123).url == "http://127.0.0.1:8123"


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))
    assert 0 < port < 65536


def test_requests_before_start_say_to_use_a_with_block() -> None:
    with pytest.raises(ServiceUnavailable, match="`with` block"):
        Server(Resolvable).get("/livez")


def test_stopping_a_server_that_never_started_is_harmless() -> None:
    assert Server(Resolvable).stop() is None


class _Touchy:
    """An object that warns when asked for its class, as some deprecated library objects do."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        warnings.warn("do not touch", FutureWarning, stacklevel=2)
        return object


def test_target_search_does_not_touch_other_modules_objects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("touchy_library")
    module.deprecated = _Touchy()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "touchy_library", module)
    with pytest.raises(InvalidArgument, match="NoSuchService"):
        Server("NoSuchService")
