"""The two descriptions of a service: tiffin's ``/schema.json`` and OpenAPI 3.1 ``/docs.json``."""

from __future__ import annotations

from typing import Any

from tiffin._version import __version__
from tiffin.services import Endpoint, ServiceDefinition

__all__ = ["openapi_document", "service_schema"]

_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_ERRORS = {
    "400": "The request body or parameters are invalid.",
    "401": "A valid API key is required.",
    "413": "The request body is too large.",
    "415": "The Content-Type is not one this API reads.",
    "500": "The service failed; the body carries a request id for the logs.",
    "503": "The service is not ready or is at capacity; see Retry-After.",
    "504": "The request did not finish within the timeout.",
}


def service_schema(definition: ServiceDefinition) -> dict[str, Any]:
    """What clients need to call each API: routes, parameters, media types, JSON Schemas."""
    config = definition.config
    return {
        "name": config.name,
        "version": config.version,
        "description": config.description,
        "tiffin_version": __version__,
        "auth": config.auth is not None,
        "apis": [_api_schema(endpoint) for endpoint in definition.endpoints],
    }


def _api_schema(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "name": endpoint.name,
        "route": endpoint.route,
        "methods": list(endpoint.http_methods),
        "doc": endpoint.doc,
        "batchable": endpoint.config.batchable,
        "input": _standalone_schema(endpoint.input.describe()),
        "output": _standalone_schema(endpoint.output.describe()),
    }


def _standalone_schema(described: dict[str, Any]) -> dict[str, Any]:
    """Make ``described["schema"]`` a self-contained JSON Schema: every nested ``$defs``
    lifted to its root, where its ``#/$defs/...`` references point."""
    definitions: dict[str, Any] = {}
    schema = _rewrite(described["schema"], definitions, "#/$defs/")
    if definitions:
        schema["$defs"] = definitions
    return {**described, "schema": schema}


def openapi_document(definition: ServiceDefinition) -> dict[str, Any]:
    """An OpenAPI 3.1 document of the service's APIs and system endpoints."""
    config = definition.config
    components: dict[str, Any] = {"schemas": {"Error": _error_schema()}}
    paths: dict[str, Any] = {}
    for endpoint in definition.endpoints:
        operations = _operations(endpoint, components["schemas"], config.auth is not None)
        paths[endpoint.route] = operations
    paths.update(_system_paths())
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": config.name,
            "version": config.version or "0.0.0",
            "description": config.description or f"The {config.name} service, served by tiffin.",
        },
        "paths": paths,
        "components": components,
    }
    if config.auth is not None:
        components["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
    return document


def _operations(endpoint: Endpoint, schemas: dict[str, Any], auth: bool) -> dict[str, Any]:
    input_schema = _hoist(endpoint.input.json_schema(), schemas)
    output_schema = _hoist(endpoint.output.json_schema(), schemas)
    content: dict[str, Any] = {"application/json": {"schema": input_schema}}
    for media in endpoint.input.media_types[1:]:
        content[media] = {"schema": {"type": "string", "contentMediaType": media}}
    responses: dict[str, Any] = {
        "200": {
            "description": "The result.",
            "content": {media: {"schema": output_schema} for media in _output_media(endpoint)},
        }
    }
    responses.update(
        {
            status: _error_response(text)
            for status, text in _ERRORS.items()
            if auth or status != "401"
        }
    )
    doc = endpoint.doc or f"The {endpoint.name} API."
    operation: dict[str, Any] = {
        "operationId": endpoint.name,
        "summary": doc.splitlines()[0],
        "description": doc,
        "responses": responses,
    }
    if auth:
        operation["security"] = [{"bearer": []}, {"apiKey": []}]
    operations = {}
    for method in endpoint.http_methods:
        op = dict(operation, operationId=f"{endpoint.name}_{method.lower()}")
        if method == "POST" or method not in ("GET", "DELETE"):
            op["operationId"] = endpoint.name
            op["requestBody"] = {"required": bool(endpoint.input.required), "content": content}
        operations[method.lower()] = op
    return operations


def _output_media(endpoint: Endpoint) -> list[str]:
    if endpoint.output.is_stream:
        return ["application/x-ndjson", "text/event-stream"]
    return list(endpoint.output.media_types)


def _hoist(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Move ``$defs`` into ``components/schemas`` and point references there.

    In OpenAPI 3.1 a ``#/$defs/...`` reference resolves against the whole document, so
    definitions nested in an operation's schema would not be found. They may sit at any
    depth (a model parameter's schema nested in the by-name object), so all are moved.
    """
    hoisted: dict[str, Any] = _rewrite(schema, schemas, "#/components/schemas/")
    return hoisted


def _rewrite(node: Any, schemas: dict[str, Any], target: str) -> Any:
    """``node`` without its ``$defs`` (collected into ``schemas``), references to ``target``."""
    if isinstance(node, dict):
        for name, definition in node.get("$defs", {}).items():
            schemas[name] = _rewrite(definition, schemas, target)
        return {
            key: (
                value.replace("#/$defs/", target)
                if key == "$ref" and isinstance(value, str)
                else _rewrite(value, schemas, target)
            )
            for key, value in node.items()
            if key != "$defs"
        }
    if isinstance(node, list):
        return [_rewrite(item, schemas, target) for item in node]
    return node


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["type", "message", "request_id"],
                "properties": {
                    "type": {"type": "string"},
                    "message": {"type": "string"},
                    "request_id": {"type": "string"},
                    "details": {},
                },
            }
        },
    }


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def _system_paths() -> dict[str, Any]:
    def probe(summary: str, media: str = "application/json") -> dict[str, Any]:
        return {
            "get": {
                "operationId": summary.split()[0].lower().strip(":"),
                "summary": summary,
                "tags": ["system"],
                "responses": {"200": {"description": "OK", "content": {media: {"schema": {}}}}},
            }
        }

    return {
        "/livez": probe("Liveness: the worker's event loop answers."),
        "/readyz": probe("Readiness: every worker is up and every model loaded."),
        "/metrics": probe("Metrics: Prometheus text format.", "text/plain"),
    }
