"""``/schema.json`` (tiffin's description of the APIs), ``/docs.json`` (OpenAPI 3.1), ``/docs``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
from openapi_spec_validator import validate

import tiffin
from tiffin.io import JSON, NumpyNdarray
from tiffin.testing import TestClient


class Node(pydantic.BaseModel):
    """A tree: its schema refers to itself, so pydantic emits ``$defs``."""

    name: str
    children: list[Node] = []


class Point(pydantic.BaseModel):
    x: float
    y: float


@tiffin.service(name="shapes", version="2.1", description="Geometry as a service.")
class Shapes:
    @tiffin.api
    def area(self, points: list[Point], scale: float = 1.0) -> float:
        """Area of a polygon.

        The points go round the polygon in order.
        """
        return 0.0

    @tiffin.api
    def count(self, tree: Node, depth: int = 0) -> int:
        return 1

    @tiffin.api(route="/v1/grid")
    def grid(self, cells: NumpyNdarray(shape=(-1, 2), dtype="float32")) -> NumpyNdarray:  # type: ignore[valid-type]
        return cells

    @tiffin.api
    def ping(self) -> JSON:
        return "pong"

    @tiffin.api
    def stream(self, n: int) -> Any:
        yield from range(n)


@pytest.fixture(scope="module")
def documents() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    with TestClient(Shapes) as client:
        yield client.get("/schema.json").json(), client.get("/docs.json").json()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _contains_key(node: Any, key: str) -> bool:
    if isinstance(node, dict):
        return key in node or any(_contains_key(value, key) for value in node.values())
    if isinstance(node, list):
        return any(_contains_key(item, key) for item in node)
    return False


def test_schema_describes_the_service(documents: Any) -> None:
    schema, _ = documents
    assert (schema["name"], schema["version"], schema["description"]) == (
        "shapes",
        "2.1",
        "Geometry as a service.",
    )
    assert schema["tiffin_version"] == tiffin.__version__
    assert schema["auth"] is False


def test_schema_lists_each_api_with_route_methods_and_doc(documents: Any) -> None:
    schema, _ = documents
    apis = {api["name"]: api for api in schema["apis"]}
    assert list(apis) == ["area", "count", "grid", "ping", "stream"]
    assert (apis["grid"]["route"], apis["grid"]["methods"]) == ("/v1/grid", ["POST"])
    assert apis["ping"]["methods"] == ["POST", "GET"]
    assert apis["area"]["doc"].startswith("Area of a polygon.")


def test_schema_lists_parameters_with_their_io(documents: Any) -> None:
    schema, _ = documents
    area = next(api for api in schema["apis"] if api["name"] == "area")
    params = {param["name"]: param["required"] for param in area["input"]["params"]}
    assert params == {"points": True, "scale": False}
    grid = next(api for api in schema["apis"] if api["name"] == "grid")
    (param,) = grid["input"]["params"]
    assert param["io"]["shape"] == [-1, 2]
    assert param["io"]["dtype"] == "float32"
    assert "application/x-npy" in grid["input"]["media_types"]
    assert "application/x-npy" in grid["output"]["media_types"]


def test_schema_marks_streaming_apis(documents: Any) -> None:
    schema, _ = documents
    flags = {api["name"]: api["output"]["stream"] for api in schema["apis"]}
    assert flags == {"area": False, "count": False, "grid": False, "ping": False, "stream": True}


def test_docs_json_is_valid_openapi_3_1(documents: Any) -> None:
    _, openapi = documents
    assert openapi["openapi"] == "3.1.0"
    validate(openapi)


def test_docs_json_has_every_api_and_the_system_endpoints(documents: Any) -> None:
    _, openapi = documents
    assert set(openapi["paths"]) == {
        "/area",
        "/count",
        "/v1/grid",
        "/ping",
        "/stream",
        "/livez",
        "/readyz",
        "/metrics",
    }
    assert set(openapi["paths"]["/ping"]) == {"post", "get"}
    assert openapi["info"] == {
        "title": "shapes",
        "version": "2.1",
        "description": "Geometry as a service.",
    }


def test_docs_json_operation_ids_are_unique(documents: Any) -> None:
    _, openapi = documents
    ids = [op["operationId"] for path in openapi["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))


def test_docs_json_documents_the_error_body(documents: Any) -> None:
    _, openapi = documents
    responses = openapi["paths"]["/area"]["post"]["responses"]
    assert {"200", "400", "413", "415", "500", "503", "504"} <= set(responses)
    assert "401" not in responses
    error = responses["400"]["content"]["application/json"]["schema"]
    assert _resolve(openapi, error["$ref"])["required"] == ["error"]


def test_pydantic_definitions_are_hoisted_into_components(documents: Any) -> None:
    _, openapi = documents
    schemas = openapi["components"]["schemas"]
    assert "Node" in schemas
    assert not _contains_key(openapi["paths"], "$defs")


def test_every_reference_in_docs_json_resolves(documents: Any) -> None:
    _, openapi = documents
    refs = set(_refs(openapi))
    assert "#/components/schemas/Node" in refs
    for ref in refs:
        _resolve(openapi, ref)


def test_input_only_model_references_resolve() -> None:
    @tiffin.service
    class Counter:
        @tiffin.api
        def count(self, tree: Node, depth: int = 0) -> int:
            return 1

    with TestClient(Counter) as client:
        openapi = client.get("/docs.json").json()
    assert "Node" in openapi["components"]["schemas"]
    for ref in _refs(openapi):
        _resolve(openapi, ref)


def test_docs_json_of_an_authenticated_service_declares_security() -> None:
    import os

    os.environ["API_KEY"] = "k"

    @tiffin.service(auth={"api_keys_secret": "api_key"})
    class Guarded:
        @tiffin.api
        def ping(self) -> str:
            return "pong"

    with TestClient(Guarded) as client:
        openapi = client.get("/docs.json").json()
    validate(openapi)
    assert set(openapi["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    operation = openapi["paths"]["/ping"]["post"]
    assert operation["security"] == [{"bearer": []}, {"apiKey": []}]
    assert "401" in operation["responses"]


def test_service_without_apis_has_a_valid_schema_and_openapi() -> None:
    @tiffin.service
    class Empty:
        pass

    with TestClient(Empty) as client:
        schema = client.get("/schema.json").json()
        openapi = client.get("/docs.json").json()
    assert schema["apis"] == []
    validate(openapi)


@pytest.mark.parametrize("path", ["/docs", "/"])
def test_docs_page_is_html_naming_the_service(path: str) -> None:
    with TestClient(Shapes) as client:
        response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "shapes" in response.text


def test_each_schema_json_input_schema_is_self_contained(documents: Any) -> None:
    """References in /schema.json resolve inside the API's own schema (its root $defs)."""
    import jsonschema

    schema_json, _ = documents
    (count,) = [api for api in schema_json["apis"] if api["name"] == "count"]
    schema = count["input"]["schema"]
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate({"tree": {"name": "root", "children": [{"name": "leaf"}]}})
    assert not validator.is_valid({"tree": {"name": "root", "children": [{"name": 3}]}})
