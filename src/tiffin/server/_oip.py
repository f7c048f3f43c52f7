"""The Open Inference Protocol (KServe v2) over every runner of the service.

Clients written for Triton and KServe call ``/v2/models/{runner}/infer`` with
``{"inputs": [{"name", "shape", "datatype", "data"}]}``; each input becomes a numpy array and
the runner's default method runs on them in order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tiffin.exceptions import BadInput, MethodNotAllowed, NotFound
from tiffin.io._json import dumps, loads
from tiffin.runners import Runner

if TYPE_CHECKING:
    from tiffin.server._app import ASGIApp, Receive, Scope, Send, ServiceApp

__all__ = ["oip_route"]

_DTYPES = {
    "BOOL": "bool",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "FP16": "float16",
    "FP32": "float32",
    "FP64": "float64",
}
_NAMES = {np.dtype(dtype): name for name, dtype in _DTYPES.items()}
_JSON = b"application/json"


def oip_route(app: ServiceApp, path: str) -> ASGIApp | None:
    parts = path.strip("/").split("/")
    if parts[:2] == ["v2", "health"] and len(parts) == 3 and parts[2] in ("live", "ready"):
        return _handler(app, "GET", _health, parts[2])
    if parts == ["v2"]:
        return _handler(app, "GET", _server_metadata, "")
    if len(parts) >= 3 and parts[1] == "models":
        name, rest = parts[2], parts[3:]
        if rest == []:
            return _handler(app, "GET", _model_metadata, name)
        if rest == ["ready"]:
            return _handler(app, "GET", _model_ready, name)
        if rest == ["infer"]:
            return _handler(app, "POST", _infer, name)
    return None


def _handler(app: ServiceApp, method: str, action: Any, argument: str) -> ASGIApp:
    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        from tiffin.server._app import Request, read_body

        request = Request(scope)
        try:
            if scope["method"] != method:
                raise MethodNotAllowed(f"{scope['path']} answers {method}, not {scope['method']}.")
            body = b""
            if method == "POST":
                app.check_ready()
                if app.auth is not None:  # inference runs the model: an API like the others
                    app.auth.check(request.api_key)
                body = await read_body(receive, app.config.max_body_size, request.content_length)
            status, document = await action(app, argument, body)
        except Exception as exc:
            await app.respond_error(send, exc, request)
            return
        await app.respond(send, status, dumps(document), _JSON, request.request_id)

    return endpoint


async def _health(app: ServiceApp, which: str, body: bytes) -> tuple[int, dict[str, Any]]:
    if which == "live":
        return 200, {"live": True}
    from tiffin.server._system import readiness

    ready = (await readiness(app))["ready"]
    return (200 if ready else 503), {"ready": ready}


async def _server_metadata(app: ServiceApp, _: str, body: bytes) -> tuple[int, dict[str, Any]]:
    from tiffin._version import __version__

    return 200, {"name": "tiffin", "version": __version__, "extensions": []}


def _runner(app: ServiceApp, name: str) -> Runner:
    for runner in app.runners:
        if runner.name == name:
            return runner
    known = ", ".join(runner.name for runner in app.runners) or "none"
    raise NotFound(f"No model named {name!r} is served here; the models are: {known}.")


def _version(runner: Runner) -> str | None:
    tag = runner.init_params.get("tag")
    return str(tag).partition(":")[2] or None if tag else None


async def _model_metadata(app: ServiceApp, name: str, body: bytes) -> tuple[int, dict[str, Any]]:
    runner = _runner(app, name)
    version = _version(runner)
    return 200, {
        "name": runner.name,
        "versions": [version] if version else [],
        "platform": f"tiffin_{runner.runnable_class.__name__}",
        "inputs": [],
        "outputs": [],
    }


async def _model_ready(app: ServiceApp, name: str, body: bytes) -> tuple[int, dict[str, Any]]:
    runner = _runner(app, name)
    return (200 if runner.ready else 503), {"name": runner.name, "ready": runner.ready}


async def _infer(app: ServiceApp, name: str, body: bytes) -> tuple[int, dict[str, Any]]:
    runner = _runner(app, name)
    request = _parse(body)
    arrays = [_array(tensor, index) for index, tensor in enumerate(request["inputs"])]
    result = await _run(app, runner, arrays)
    outputs = result if isinstance(result, (tuple, list)) else [result]
    response: dict[str, Any] = {
        "model_name": runner.name,
        "outputs": [_tensor(np.asarray(output), index) for index, output in enumerate(outputs)],
    }
    if "id" in request:
        response["id"] = request["id"]
    return 200, response


async def _run(app: ServiceApp, runner: Runner, arrays: list[Any]) -> Any:
    """Run the model as an API request would: admitted by the traffic gate, under the
    service's deadline. The inputs are all the client's, so the model refusing them is a 400."""
    from tiffin.server._app import deadline

    if app.gate is not None:
        await app.gate.acquire(f"/v2/models/{runner.name}")
    try:
        return await deadline(runner.async_run(*arrays), app.timeout, f"/v2/models/{runner.name}")
    except (ValueError, TypeError) as exc:
        raise BadInput(f"Model {runner.name!r} refused the inputs: {exc}") from exc
    finally:
        if app.gate is not None:
            app.gate.release()


def _parse(body: bytes) -> dict[str, Any]:
    try:
        request = loads(body)
    except ValueError as exc:
        raise BadInput(f"The inference request is not valid JSON: {exc}.") from None
    if not isinstance(request, dict) or not isinstance(request.get("inputs"), list):
        raise BadInput(
            'An inference request is {"inputs": [{"name", "shape", "datatype", "data"}, ...]}.'
        )
    return request


def _array(tensor: Any, index: int) -> np.ndarray[Any, Any]:
    if not isinstance(tensor, dict) or not {"shape", "datatype", "data"} <= tensor.keys():
        raise BadInput(f"inputs[{index}] needs name, shape, datatype and data.")
    dtype = _DTYPES.get(str(tensor["datatype"]).upper())
    if dtype is None:
        raise BadInput(
            f"inputs[{index}] has datatype {tensor['datatype']!r}; use one of {', '.join(_DTYPES)}."
        )
    try:
        array: np.ndarray[Any, Any] = np.asarray(tensor["data"], dtype=dtype)
        return array.reshape(tensor["shape"])  # type: ignore[no-any-return]
    except (ValueError, TypeError) as exc:
        raise BadInput(
            f"inputs[{index}] data does not fit shape {tensor['shape']}: {exc}."
        ) from None


def _tensor(array: np.ndarray[Any, Any], index: int) -> dict[str, Any]:
    datatype = _NAMES.get(array.dtype)
    if datatype is None:
        array, datatype = array.astype(str), "BYTES"
    return {
        "name": f"output-{index}",
        "shape": list(array.shape),
        "datatype": datatype,
        "data": array.ravel().tolist(),
    }
