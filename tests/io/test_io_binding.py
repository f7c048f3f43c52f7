"""The body binding rule and request decoding (InputSpec)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import numpy as np
import pytest

from tiffin.exceptions import BadInput, ConfigurationError, UnsupportedMediaType
from tiffin.io import JSON, File, Image, InputSpec, NumpyNdarray, Param, Text


class Service:
    def classify(self, input_data: NumpyNdarray) -> JSON: ...

    def batch_predict(self, input_data: NumpyNdarray, batch_size: int = 32) -> JSON: ...

    def predict(self, input_data: JSON) -> JSON: ...

    def health(self) -> JSON: ...

    def pair(self, left: str, right: str, scale: float = 1.0) -> JSON: ...

    def options(self, limit: int = 10, prefix: str = "") -> JSON: ...

    def shaped(self, x: NumpyNdarray(dtype="float32", shape=(-1, 4))) -> JSON: ...  # type: ignore[valid-type]

    def detect(self, image: Image, threshold: float = 0.5) -> JSON: ...

    def upload(self, data: File) -> JSON: ...


def spec(method: Any) -> InputSpec:
    return InputSpec.from_function(method)


def multipart(files: dict[str, Any], data: dict[str, str] | None = None) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://test", files=files, data=data)
    return request.read(), request.headers["content-type"]


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


# -- the rule -----------------------------------------------------------------------------


def test_an_object_of_parameter_names_binds_by_name() -> None:
    """``{"input_data": [[...]]}`` fills input_data with an array."""
    kwargs = spec(Service.classify).bind(
        b'{"input_data": [[5.1, 3.5, 1.4, 0.2]]}', "application/json"
    )
    assert list(kwargs) == ["input_data"]
    np.testing.assert_array_equal(kwargs["input_data"], [[5.1, 3.5, 1.4, 0.2]])


def test_optional_parameters_may_be_given_or_left_out() -> None:
    """Parameters with defaults bind by name when given and are absent otherwise."""
    batch = spec(Service.batch_predict)
    assert batch.bind(b'{"input_data": [1], "batch_size": 8}')["batch_size"] == 8
    assert "batch_size" not in batch.bind(b'{"input_data": [1]}')


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"{}", {}, id="empty-object"),
        pytest.param(b"", {}, id="empty-body"),
        pytest.param(b'{"model_name": "x"}', {"model_name": "x"}, id="other-keys"),
        pytest.param(b"[1, 2]", [1, 2], id="array"),
        pytest.param(b'{"input_data": 5}', 5, id="own-name-binds-by-name"),
    ],
)
def test_a_single_required_parameter_receives_the_whole_body(body: bytes, expected: Any) -> None:
    """Bodies that do not bind by name arrive whole in the single required parameter."""
    assert spec(Service.predict).bind(body, "application/json") == {"input_data": expected}


@pytest.mark.parametrize("body", [b"", b"{}", b"null"])
def test_an_api_without_parameters_takes_an_empty_body(body: bytes) -> None:
    """An empty body, ``{}`` and ``null`` all call a parameterless API with no arguments."""
    assert spec(Service.health).bind(body, "application/json") == {}


def test_an_api_without_parameters_refuses_fields() -> None:
    """Fields sent to a parameterless API are a BadInput naming them."""
    with pytest.raises(
        BadInput, match='This API takes no input, and the body holds the fields "x"'
    ):
        spec(Service.health).bind(b'{"x": 1}')


def test_missing_and_unknown_fields_are_named() -> None:
    """With several required parameters, a mismatch names the missing and unknown fields."""
    with pytest.raises(BadInput) as caught:
        spec(Service.pair).bind(b'{"left": "a", "rigth": "b"}')
    assert caught.value.message == (
        'The body does not match this API: missing required field "right"; unknown field '
        '"rigth". Send an object with the fields "left" (required), "right" (required), '
        '"scale" (optional).'
    )
    assert caught.value.details["missing"] == ["right"]
    assert caught.value.details["unknown"] == ["rigth"]


def test_a_non_object_body_for_several_parameters_is_refused() -> None:
    """An array cannot fill two parameters; the error shows the object form."""
    with pytest.raises(BadInput, match="must be an object with the fields"):
        spec(Service.pair).bind(b"[1, 2]")


def test_whole_body_failures_explain_both_readings() -> None:
    """When neither reading works, the error names the missing field and the value's problem."""
    with pytest.raises(BadInput) as caught:
        spec(Service.batch_predict).bind(b'{"batch_size": 3}')
    message = caught.value.message
    assert 'missing required field "input_data"' in message
    assert "expected an array (nested JSON lists), received an object" in message


def test_decoding_errors_name_the_parameter() -> None:
    """A shape error says which parameter it is about, in the message and details."""
    with pytest.raises(BadInput) as caught:
        spec(Service.shaped).bind(b'{"x": [[1, 2, 3]]}')
    assert caught.value.message == (
        'Parameter "x": expected an array of shape (any, 4), received shape (1, 3).'
    )
    assert caught.value.details["field"] == "x"


def test_malformed_json_is_bad_input_with_its_position() -> None:
    """Bad JSON is a 400 that says where parsing failed."""
    with pytest.raises(BadInput) as caught:
        spec(Service.classify).bind(b'{"input_data": [1, 2', "application/json")
    assert "not valid JSON" in caught.value.message
    assert caught.value.details == {"line": 1, "column": 21, "position": 20}
    assert caught.value.status_code == 400


def test_a_missing_content_type_means_json() -> None:
    """Without Content-Type, the body is read as JSON."""
    assert spec(Service.predict).bind(b'{"input_data": 1}', None) == {"input_data": 1}


def test_json_suffix_types_are_json() -> None:
    """``application/<x>+json`` and charset parameters are read as JSON."""
    for content_type in ("application/vnd.api+json", "application/json; charset=utf-8"):
        assert spec(Service.predict).bind(b"1", content_type) == {"input_data": 1}


# -- binary bodies ------------------------------------------------------------------------


def test_an_npy_body_binds_to_the_single_required_parameter() -> None:
    """A .npy body fills the single required parameter, defaults left to the function."""
    kwargs = spec(Service.batch_predict).bind(npy(np.eye(2)), "application/x-npy")
    np.testing.assert_array_equal(kwargs["input_data"], np.eye(2))


def test_a_text_body_binds_to_a_text_parameter() -> None:
    """A text/plain body fills a single Text parameter."""

    def summarize(text: Text) -> Text: ...

    assert spec(summarize).bind("héllo".encode(), "text/plain; charset=utf-8") == {"text": "héllo"}


def test_a_binary_body_for_several_required_parameters_is_unsupported() -> None:
    """A binary body cannot fill several parameters; the 415 names JSON and multipart."""
    with pytest.raises(UnsupportedMediaType, match="send a JSON object .* or multipart") as caught:
        spec(Service.pair).bind(b"abc", "text/plain")
    assert caught.value.status_code == 415


def test_an_unsupported_content_type_names_the_accepted_ones() -> None:
    """A Content-Type the parameter cannot read is a 415 listing what the API reads."""
    with pytest.raises(UnsupportedMediaType) as caught:
        spec(Service.classify).bind(b"<xml/>", "application/xml")
    assert caught.value.message == (
        "This API does not read application/xml bodies; it reads application/json, "
        "multipart/form-data, application/x-www-form-urlencoded, application/x-npy."
    )


def test_a_json_parameter_has_no_binary_form() -> None:
    """A JSON-typed parameter takes JSON only."""
    with pytest.raises(UnsupportedMediaType):
        spec(Service.predict).bind(b"abc", "application/octet-stream")


def test_file_parameters_take_bodies_of_any_type() -> None:
    """A File parameter receives any binary body as bytes."""
    assert spec(Service.upload).bind(b"%PDF", "application/pdf") == {"data": b"%PDF"}


# -- forms --------------------------------------------------------------------------------


def test_multipart_parts_bind_by_name() -> None:
    """A file part and a text field fill the parameters they are named after."""
    pil = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    pil.new("RGB", (3, 2)).save(buffer, format="PNG")
    body, content_type = multipart(
        {"image": ("cat.png", buffer.getvalue(), "image/png")}, {"threshold": "0.9"}
    )
    kwargs = spec(Service.detect).bind(body, content_type)
    assert kwargs["image"].size == (3, 2)
    assert kwargs["threshold"] == 0.9


def test_a_single_multipart_part_fills_the_single_required_parameter() -> None:
    """``curl -F file=@x`` works whatever the part is called."""
    body, content_type = multipart({"file": ("x.bin", b"\x00\x01", "application/octet-stream")})
    assert spec(Service.upload).bind(body, content_type) == {"data": b"\x00\x01"}


def test_multipart_npy_and_json_parts_decode_by_their_type() -> None:
    """An .npy file part and a JSON part decode with the parameter's descriptor."""
    body, content_type = multipart(
        {
            "input_data": ("x.npy", npy(np.ones(2)), "application/x-npy"),
            "batch_size": ("b.json", b"4", "application/json"),
        }
    )
    kwargs = spec(Service.batch_predict).bind(body, content_type)
    np.testing.assert_array_equal(kwargs["input_data"], [1, 1])
    assert kwargs["batch_size"] == 4


def test_multipart_text_fields_are_parsed_as_json_text() -> None:
    """A text field for an array parameter is read as JSON text."""
    body, content_type = multipart({}, {"input_data": "[[1, 2]]"})
    kwargs = spec(Service.classify).bind(body, content_type)
    np.testing.assert_array_equal(kwargs["input_data"], [[1, 2]])


def test_multipart_with_unknown_parts_is_refused() -> None:
    """Parts that match no parameter are named in the error."""
    body, content_type = multipart({}, {"left": "a", "other": "b"})
    with pytest.raises(BadInput, match='unknown field "other"'):
        spec(Service.pair).bind(body, content_type)


def test_multipart_part_of_a_type_the_parameter_cannot_read_is_refused() -> None:
    """A file part of the wrong type names the types the parameter reads."""
    body, content_type = multipart({"input_data": ("x.xml", b"<a/>", "application/xml")})
    with pytest.raises(BadInput, match='Parameter "input_data": a part of type application/xml'):
        spec(Service.classify).bind(body, content_type)


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        pytest.param(b"--x\r\n", "multipart/form-data", "no boundary", id="no-boundary"),
        pytest.param(
            b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1',
            "multipart/form-data; boundary=x",
            "ends before its closing boundary",
            id="truncated",
        ),
    ],
)
def test_malformed_multipart_is_bad_input(body: bytes, content_type: str, message: str) -> None:
    """Broken multipart bodies are a 400 saying what is wrong."""
    with pytest.raises(BadInput, match=message):
        spec(Service.options).bind(body, content_type)


def test_urlencoded_forms_bind_by_name() -> None:
    """An urlencoded form fills parameters from text."""
    kwargs = spec(Service.options).bind(b"limit=5&prefix=ab", "application/x-www-form-urlencoded")
    assert kwargs == {"limit": 5, "prefix": "ab"}


def test_json_sent_as_a_form_binds_as_json() -> None:
    """`curl -d '{...}'` labels a JSON body as a form; it binds as the JSON it is."""
    kwargs = spec(Service.options).bind(b' {"limit": 5}', "application/x-www-form-urlencoded")
    assert kwargs == {"limit": 5}


# -- query strings ------------------------------------------------------------------------


def test_query_parameters_bind_when_the_body_is_empty() -> None:
    """A GET's query string fills parameters, values parsed by their types."""
    assert spec(Service.options).bind(b"", None, {"limit": "3"}) == {"limit": 3}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(b"limit=3&prefix=a%20b", id="asgi-bytes"),
        pytest.param("limit=3&prefix=a%20b", id="str"),
        pytest.param({"limit": "3", "prefix": "a b"}, id="mapping"),
    ],
)
def test_raw_query_strings_are_parsed(query: Any) -> None:
    """The query may be ASGI's raw ``query_string``, a string, or a mapping."""
    assert spec(Service.options).bind(b"", None, query) == {"limit": 3, "prefix": "a b"}


def test_repeated_query_parameters_are_refused() -> None:
    """A parameter given twice in the query string is a BadInput."""
    with pytest.raises(BadInput, match="repeats a field"):
        spec(Service.options).bind(b"", None, b"limit=1&limit=2")


def test_unknown_query_parameters_are_refused() -> None:
    """A query parameter the API does not take is named in the error."""
    with pytest.raises(
        BadInput, match='The query string does not match this API: unknown field "x"'
    ):
        spec(Service.options).bind_query({"x": "1"})


def test_query_values_of_the_wrong_type_name_the_parameter() -> None:
    """A query value that does not parse names its parameter."""
    with pytest.raises(BadInput, match='Parameter "limit": expected int'):
        spec(Service.options).bind_query({"limit": "many"})


# -- building specs -----------------------------------------------------------------------


def test_self_is_skipped_and_defaults_recorded() -> None:
    """A method's spec lists its parameters after self, with defaults."""
    params = spec(Service.batch_predict).params
    assert params == (
        Param("input_data", NumpyNdarray()),
        Param("batch_size", params[1].descriptor, 32),
    )
    assert params[0].required
    assert not params[1].required


def test_parameters_defaulting_to_none_accept_null() -> None:
    """``n: int = None`` and ``x: NumpyNdarray = None`` take ``null``, as ``Optional`` would."""

    def f(  # implicit Optional on purpose: users write it
        self: Any,
        n: int = None,  # type: ignore[assignment]  # noqa: RUF013
        x: NumpyNdarray = None,
    ) -> None: ...

    assert spec(f).bind(b'{"n": null, "x": null}') == {"n": None, "x": None}
    assert spec(f).bind(b'{"n": 2}') == {"n": 2}


def test_string_annotations_with_descriptor_instances_resolve() -> None:
    """``from __future__ import annotations`` works with configured descriptors."""
    namespace: dict[str, Any] = {}
    exec(
        "from __future__ import annotations\n"
        "from tiffin.io import NumpyNdarray\n"
        "def f(self, x: NumpyNdarray(shape=(-1, 2))) -> None: ...\n",
        namespace,
    )
    assert spec(namespace["f"]).params[0].descriptor == NumpyNdarray(shape=(-1, 2))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("def f(self, *args): ...", "variadic positional", id="args"),
        pytest.param("def f(self, **kwargs): ...", "variadic keyword", id="kwargs"),
        pytest.param("def f(x, /): ...", "positional-only", id="positional-only"),
        pytest.param("def f(self, x: Missing): ...", "cannot be evaluated", id="undefined-name"),
    ],
)
def test_unusable_signatures_are_configuration_errors(source: str, message: str) -> None:
    """Signatures that cannot be bound from a request fail when the spec is built."""
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    with pytest.raises(ConfigurationError, match=message):
        spec(namespace["f"])


def test_generator_parameters_are_refused() -> None:
    """Streams are results only."""

    def f(self: Any, x: Iterator[int]) -> None: ...

    with pytest.raises(ConfigurationError, match="streams are results only"):
        spec(f)


# -- in-process calls ---------------------------------------------------------------------


def test_validate_call_converts_and_checks_arguments() -> None:
    """In-process arguments (positional or keyword) are checked like HTTP input."""
    kwargs = spec(Service.shaped).validate_call([[[1, 2, 3, 4]]], {})
    assert kwargs["x"].dtype == np.float32
    with pytest.raises(BadInput, match='Parameter "x": expected an array of shape'):
        spec(Service.shaped).validate_call([], {"x": [[1, 2]]})


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        pytest.param((1, 2, 3, 4), {}, "takes 3 arguments", id="too-many"),
        pytest.param(("a",), {"left": "b"}, "multiple values", id="duplicate"),
        pytest.param((), {"left": "a", "up": "b"}, "unexpected keyword", id="unknown"),
        pytest.param(("a",), {}, "missing required arguments: right", id="missing"),
    ],
)
def test_validate_call_checks_arity_like_python(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    """Wrong in-process calls are TypeErrors, as Python itself would raise."""
    with pytest.raises(TypeError, match=message):
        spec(Service.pair).validate_call(args, kwargs)


# -- schema -------------------------------------------------------------------------------


def test_request_schema_accepts_both_readings_for_a_single_parameter() -> None:
    """The body schema accepts the by-name object and the bare value, and refuses others."""
    schema = spec(Service.shaped).json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"x": [[1, 2, 3, 4]]})
    assert validator.is_valid([[1, 2, 3, 4]])
    assert not validator.is_valid({"x": [[1, 2]]})


def test_request_schema_lists_required_fields_and_defaults() -> None:
    """For several parameters the schema is an object with required fields and defaults."""
    schema = spec(Service.pair).json_schema()
    assert schema["required"] == ["left", "right"]
    assert schema["properties"]["scale"] == {"type": "number", "default": 1.0}
    assert schema["additionalProperties"] is False


def test_describe_lists_parameters_for_clients() -> None:
    """``describe`` gives clients each parameter's kind, requiredness and binary forms."""
    described = spec(Service.batch_predict).describe()
    assert described["params"][0] == {
        "name": "input_data",
        "required": True,
        "io": {
            "kind": "ndarray",
            "dtype": None,
            "shape": None,
            "media_types": ["application/x-npy"],
        },
    }
    assert described["params"][1]["default"] == 32
    assert "application/x-npy" in described["media_types"]
