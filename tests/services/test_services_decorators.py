"""``@tiffin.service`` and ``@tiffin.api``: definitions, and options checked when they run."""

from __future__ import annotations

import socket
from typing import Any

import pytest

import tiffin
from tiffin.exceptions import ConfigurationError, InvalidArgument
from tiffin.io import JSON
from tiffin.services import APIMethod, definition_of, is_service
from tiffin.services._config import parse_quantity


def _plain_class() -> type:
    class Plain:
        @tiffin.api
        def ping(self) -> str:
            return "pong"

    return Plain


# -- @tiffin.service ---------------------------------------------------------------------


def test_bare_service_decorator_names_the_service_after_the_class() -> None:
    @tiffin.service
    class Greeter:
        @tiffin.api
        def greet(self, name: str) -> str:
            return f"hi {name}"

    definition = definition_of(Greeter)
    assert definition.name == "Greeter"
    assert [endpoint.name for endpoint in definition.endpoints] == ["greet"]


def test_service_decorator_with_arguments_records_them() -> None:
    @tiffin.service(name="greeter", version="1.2", description="Says hi.", timeout=5, threads=8)
    class Greeter:
        pass

    config = definition_of(Greeter).config
    assert (config.name, config.version, config.description) == ("greeter", "1.2", "Says hi.")
    assert (config.timeout, config.threads) == (5.0, 8)


def test_service_decorator_returns_the_class_itself() -> None:
    cls = _plain_class()
    assert tiffin.service(cls) is cls
    assert cls().ping() == "pong"


def test_service_without_apis_is_valid() -> None:
    @tiffin.service
    class Empty:
        pass

    assert definition_of(Empty).endpoints == ()
    assert is_service(Empty)
    assert is_service(Empty())


def test_class_without_decorator_is_not_a_service_and_the_error_names_the_fix() -> None:
    with pytest.raises(InvalidArgument, match=r"decorate the class with @tiffin.service"):
        definition_of(_plain_class())


def test_service_decorator_refuses_a_function() -> None:
    def not_a_class() -> None:
        pass

    with pytest.raises(TypeError, match="decorates a class"):
        tiffin.service(not_a_class)


def test_service_decorator_given_a_string_says_to_use_name() -> None:
    with pytest.raises(TypeError, match=r"name="):
        tiffin.service("my-service")  # type: ignore[call-overload]


def test_unknown_service_option_is_refused_listing_the_valid_ones() -> None:
    with pytest.raises(TypeError, match=r"unknown options \['replicas'\].*workers"):
        tiffin.service(replicas=2)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("options", "fix"),
    [
        pytest.param({"name": "my service"}, "letters, digits", id="name-space"),
        pytest.param({"name": "-leading"}, "starting and ending", id="name-dash"),
        pytest.param({"name": "x" * 64}, "1 to 63", id="name-long"),
        pytest.param({"version": 3}, "string", id="version-int"),
        pytest.param({"description": ["x"]}, "string", id="description-list"),
        pytest.param({"resources": ["cpu"]}, '{"cpu": "2"', id="resources-list"),
        pytest.param({"resources": {"cpus": 1}}, "the keys are cpu", id="resources-key"),
        pytest.param({"resources": {"cpu": "two"}}, '"500m"', id="cpu-word"),
        pytest.param({"resources": {"memory": "4GB"}}, '"4Gi"', id="memory-suffix"),
        pytest.param({"resources": {"cpu": -1}}, "Kubernetes quantity", id="cpu-negative"),
        pytest.param({"resources": {"gpu": 1.5}}, "whole number of GPUs", id="gpu-fraction"),
        pytest.param({"workers": 0}, '"cpu_count"', id="workers-zero"),
        pytest.param({"workers": "all"}, '"cpu_count"', id="workers-word"),
        pytest.param({"workers": True}, '"cpu_count"', id="workers-bool"),
        pytest.param({"timeout": 0}, "seconds > 0", id="timeout-zero"),
        pytest.param({"timeout": "60"}, "seconds > 0", id="timeout-string"),
        pytest.param({"threads": 0}, ">= 1", id="threads-zero"),
        pytest.param({"envs": {"A": "1"}}, '[{"name": "LOG_LEVEL"', id="envs-dict"),
        pytest.param({"envs": [{"value": "1"}]}, '{"name": ..., "value": ...}', id="env-noname"),
        pytest.param({"envs": [{"name": "A", "val": "1"}]}, '"value"', id="env-key"),
        pytest.param({"envs": [{"name": "1A"}]}, "not starting with a digit", id="env-name"),
        pytest.param({"envs": [{"name": "A", "value": 1}]}, "write '1'", id="env-int"),
        pytest.param({"secrets": "api_key"}, '["api_key"', id="secrets-string"),
        pytest.param({"secrets": ["API_KEY"]}, "lowercase", id="secret-upper"),
        pytest.param({"traffic": {"max_concurrency": 0}}, ">= 1", id="traffic-zero"),
        pytest.param({"traffic": {"max_queue": -1, "max_concurrency": 1}}, ">= 0", id="queue-neg"),
        pytest.param({"traffic": {"max_queue": 4}}, 'needs traffic["max_concurrency"]', id="queue"),
        pytest.param({"traffic": {"limit": 4}}, '"max_concurrency": 32', id="traffic-key"),
        pytest.param({"cache": 3}, '"max_entries": 1000', id="cache-int"),
        pytest.param({"cache": {"ttl": 0}}, "seconds > 0", id="cache-ttl"),
        pytest.param({"cache": {"max_entries": 0}}, ">= 1", id="cache-entries"),
        pytest.param({"cache": {"backend": "memcached://x"}}, "leave it out", id="cache-backend"),
        pytest.param({"auth": {"keys": "k"}}, '{"api_keys_secret"', id="auth-key"),
        pytest.param({"auth": {"api_keys_secret": "Bad Name"}}, "lowercase", id="auth-secret"),
    ],
)
def test_invalid_service_option_fails_at_decoration_naming_the_fix(
    options: dict[str, Any], fix: str
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        tiffin.service(**options)(_plain_class())
    assert fix in str(caught.value)


@pytest.mark.parametrize(
    ("quantity", "value"),
    [
        pytest.param("500m", 0.5, id="millicores"),
        pytest.param("2", 2.0, id="string-number"),
        pytest.param(2, 2.0, id="int"),
        pytest.param(0.25, 0.25, id="float"),
        pytest.param("1.5", 1.5, id="decimal"),
        pytest.param("4Gi", 4 * 2**30, id="gibibytes"),
        pytest.param("512Mi", 512 * 2**20, id="mebibytes"),
        pytest.param("1G", 1e9, id="gigabytes"),
        pytest.param(" 8Ki ", 8 * 2**10, id="spaces"),
    ],
)
def test_kubernetes_quantity_parses_to_a_number(quantity: object, value: float) -> None:
    assert parse_quantity(quantity, "memory") == value


def test_resources_keep_the_user_spelling_for_manifests() -> None:
    @tiffin.service(resources={"cpu": "500m", "memory": "4Gi", "gpu": 1, "gpu_memory": "8Gi"})
    class Big:
        pass

    resources = definition_of(Big).config.resources
    assert (resources.cpu, resources.memory, resources.gpu) == (0.5, 4 * 2**30, 1)
    assert resources.gpu_memory == 8 * 2**30
    assert resources.spec == {"cpu": "500m", "memory": "4Gi", "gpu": "1", "gpu_memory": "8Gi"}


@pytest.mark.parametrize(
    ("workers", "expected"),
    [
        pytest.param("cpu_count", "cpu_count", id="cpu_count"),
        pytest.param(3, 3, id="int"),
        pytest.param("2", 2, id="digits"),
    ],
)
def test_workers_accepts_a_count_or_cpu_count(workers: object, expected: object) -> None:
    assert definition_of(tiffin.service(workers=workers)(_plain_class())).config.workers == expected


def test_auth_secret_is_added_to_the_required_secrets() -> None:
    cls = tiffin.service(secrets=["db"], auth={"api_keys_secret": "api_key"})(_plain_class())
    assert definition_of(cls).config.secrets == ("db", "api_key")


def test_envs_without_value_are_required() -> None:
    cls = tiffin.service(envs=[{"name": "A", "value": "1"}, {"name": "B"}])(_plain_class())
    envs = definition_of(cls).config.envs
    assert [(env.name, env.value) for env in envs] == [("A", "1"), ("B", None)]


def test_cache_true_means_the_default_cache() -> None:
    config = definition_of(tiffin.service(cache=True)(_plain_class())).config
    assert config.cache is not None
    assert (config.cache.max_entries, config.cache.ttl) == (1000, 300.0)


# -- @tiffin.api --------------------------------------------------------------------------


def test_bare_api_keeps_the_method_callable_in_process() -> None:
    @tiffin.service
    class Calc:
        @tiffin.api
        def add(self, a: int, b: int) -> int:
            return a + b

    assert isinstance(Calc.__dict__["add"], APIMethod)
    assert Calc().add(2, 3) == 5


def test_api_route_defaults_to_the_method_name() -> None:
    @tiffin.service
    class Calc:
        @tiffin.api
        def add(self, a: int) -> int:
            return a

    assert definition_of(Calc).endpoint("add").route == "/add"


def test_api_name_sets_the_default_route() -> None:
    @tiffin.service
    class Calc:
        @tiffin.api(name="plus")
        def add(self, a: int) -> int:
            return a

    endpoint = definition_of(Calc).endpoint("plus")
    assert (endpoint.attribute, endpoint.route) == ("add", "/plus")


def test_api_with_arguments_records_its_options() -> None:
    @tiffin.service
    class Calc:
        @tiffin.api(route="/v1/add", timeout=2, method="put")
        def add(self, a: int) -> int:
            return a

    endpoint = definition_of(Calc).endpoint("add")
    assert (endpoint.route, endpoint.config.timeout, endpoint.http_methods) == (
        "/v1/add",
        2,
        ("PUT",),
    )


def test_api_without_required_parameters_also_answers_get() -> None:
    @tiffin.service
    class Calc:
        @tiffin.api
        def zero(self, scale: int = 1) -> int:
            return 0

        @tiffin.api
        def double(self, a: int) -> int:
            return 2 * a

    definition = definition_of(Calc)
    assert definition.endpoint("zero").http_methods == ("POST", "GET")
    assert definition.endpoint("double").http_methods == ("POST",)


@pytest.mark.parametrize(
    ("options", "fix"),
    [
        pytest.param({"route": "classify"}, "starts with '/'", id="route-slash"),
        pytest.param({"route": "/a b"}, '"/v1/classify"', id="route-space"),
        pytest.param({"route": "/a//b"}, '"/v1/classify"', id="route-double"),
        pytest.param({"name": "my-api"}, "Python identifier", id="name"),
        pytest.param({"batchable": "yes"}, "True or False", id="batchable"),
        pytest.param({"batch_dim": 0.5}, "integer axis", id="batch_dim"),
        pytest.param({"batchable": True, "max_batch_size": 0}, "> 0", id="max_batch_size"),
        pytest.param({"batchable": True, "max_latency_ms": -1}, "> 0", id="max_latency_ms"),
        pytest.param({"max_batch_size": 8}, "add batchable=True", id="batch-unbatchable"),
        pytest.param({"timeout": 0}, "> 0", id="timeout"),
        pytest.param({"cache": 1}, "True or False", id="cache"),
        pytest.param({"method": "FETCH"}, "GET, PATCH, POST", id="method"),
    ],
)
def test_invalid_api_option_fails_at_decoration_naming_the_fix(
    options: dict[str, Any], fix: str
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        tiffin.api(**options)
    assert fix in str(caught.value)


def test_unknown_api_option_is_refused() -> None:
    with pytest.raises(TypeError, match="path"):
        tiffin.api(path="/x")  # type: ignore[call-overload]


def test_api_given_a_route_positionally_says_to_use_route() -> None:
    with pytest.raises(InvalidArgument, match=r"route=.?/classify"):
        tiffin.api("/classify")  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "route",
    ["/livez", "/readyz", "/healthz", "/metrics", "/schema.json", "/docs.json", "/docs", "/v2/x"],
)
def test_reserved_route_is_refused(route: str) -> None:
    with pytest.raises(InvalidArgument, match="reserved for tiffin's system endpoints"):
        tiffin.api(route=route)


def test_duplicate_route_is_refused_naming_both_methods() -> None:
    with pytest.raises(InvalidArgument, match=r"Twice.two and .*Twice.one have the same API route"):

        @tiffin.service
        class Twice:
            @tiffin.api(route="/same")
            def one(self) -> int:
                return 1

            @tiffin.api(route="/same")
            def two(self) -> int:
                return 2


def test_duplicate_api_name_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="same API name 'same'.*another name="):

        @tiffin.service
        class Twice:
            @tiffin.api(name="same", route="/one")
            def one(self) -> int:
                return 1

            @tiffin.api(name="same", route="/two")
            def two(self) -> int:
                return 2


def test_unsupported_annotation_fails_at_decoration_naming_the_method() -> None:
    with pytest.raises(ConfigurationError, match=r"Odd\.connect.*Use a JSON type"):

        @tiffin.service
        class Odd:
            @tiffin.api
            def connect(self, sock: socket.socket) -> JSON:
                return {}


def test_api_with_var_args_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"Star.many.*variadic"):

        @tiffin.service
        class Star:
            @tiffin.api
            def many(self, *rows: int) -> int:
                return 0


def test_api_decorates_functions_only() -> None:
    with pytest.raises(InvalidArgument, match="decorates a function"):
        tiffin.api(staticmethod(lambda: 1))  # type: ignore[call-overload]


def test_lifecycle_hook_decorators_refuse_non_callables() -> None:
    with pytest.raises(TypeError, match="on_startup decorates a method"):
        tiffin.on_startup(3)  # type: ignore[type-var]


def test_definition_lists_hooks_and_dependencies() -> None:
    @tiffin.service
    class Inner:
        pass

    @tiffin.service
    class Outer:
        inner = tiffin.depends(Inner)

        @tiffin.on_startup
        def warm(self) -> None:
            pass

        @tiffin.on_shutdown
        async def cool(self) -> None:
            pass

    definition = definition_of(Outer)
    assert (definition.startup_hooks, definition.shutdown_hooks) == (("warm",), ("cool",))
    assert list(definition.dependencies) == ["inner"]


def test_endpoint_lookup_of_an_unknown_api_lists_the_known_ones() -> None:
    definition = definition_of(tiffin.service(_plain_class()))
    with pytest.raises(InvalidArgument, match="its APIs are: ping"):
        definition.endpoint("pong")


def test_import_string_points_at_the_class() -> None:
    definition = definition_of(tiffin.service(_plain_class()))
    assert definition.import_string == f"{__name__}:_plain_class.<locals>.Plain"


def test_annotation_error_names_the_method_once() -> None:
    with pytest.raises(ConfigurationError) as caught:

        @tiffin.service
        class Odd:
            @tiffin.api
            def connect(self, sock: socket.socket) -> JSON:
                return {}

    assert str(caught.value).count("Odd.connect") == 1
