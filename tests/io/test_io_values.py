"""JSON values, typed values, text, files and images."""

from __future__ import annotations

import base64
import dataclasses
import gc
import io
import pathlib
from typing import Any, Optional

import jsonschema
import pydantic
import pytest

from tiffin.exceptions import BadInput, ConfigurationError
from tiffin.io import JSON, File, Image, Text
from tiffin.io._file import FilePath
from tiffin.io._media import OCTET, TEXT
from tiffin.io._typed import TypedValue


class Request(pydantic.BaseModel):
    model_name: str
    features: list[float]


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_bare_json_passes_any_value_through() -> None:
    """``JSON`` takes any JSON value unchanged."""
    value = {"model_name": "a", "nested": [1, None]}
    assert JSON().from_json(value) is value


def test_json_with_a_pydantic_model_gives_an_instance() -> None:
    """``JSON(pydantic_model=M)`` validates into an instance of M."""
    decoded = JSON(pydantic_model=Request).from_json({"model_name": "a", "features": [1, 2]})
    assert decoded == Request(model_name="a", features=[1.0, 2.0])


def test_model_validation_errors_name_the_field() -> None:
    """A model mismatch is a BadInput naming the field, with pydantic's errors as details."""
    with pytest.raises(BadInput, match="expected Request: field required at 'features'") as caught:
        JSON(pydantic_model=Request).from_json({"model_name": "a"})
    assert caught.value.details["errors"][0]["loc"] == ["features"]


def test_json_requires_a_model_class() -> None:
    """``pydantic_model`` must be a BaseModel subclass, checked when declared."""
    with pytest.raises(ConfigurationError, match="pydantic.BaseModel subclass"):
        JSON(pydantic_model=dict)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("annotation", "value", "expected"),
    [
        pytest.param(int, 3, 3, id="int"),
        pytest.param(float, 3, 3.0, id="int-as-float"),
        pytest.param(bool, True, True, id="bool"),
        pytest.param(list[float], [1, 2], [1.0, 2.0], id="list-of-float"),
        pytest.param(Optional[int], None, None, id="optional"),  # noqa: UP045 - typing forms on purpose
        pytest.param(Point, {"x": 1, "y": 2}, Point(1, 2), id="dataclass"),
    ],
)
def test_typed_values_validate_with_pydantic(annotation: Any, value: Any, expected: Any) -> None:
    """Scalars, generics and dataclasses are validated and converted."""
    assert TypedValue(annotation).from_json(value) == expected


@pytest.mark.parametrize(
    ("annotation", "value", "message"),
    [
        pytest.param(dict, [1], "expected an object, received an array", id="dict"),
        pytest.param(list, {}, "expected an array, received an object", id="list"),
        pytest.param(int, "x", "expected int: input should be a valid integer", id="int"),
    ],
)
def test_typed_value_mismatches_are_bad_input(annotation: Any, value: Any, message: str) -> None:
    """A value of the wrong type is a BadInput saying what was expected."""
    with pytest.raises(BadInput, match=message):
        TypedValue(annotation).from_json(value)


@pytest.mark.parametrize(
    ("annotation", "text", "expected"),
    [
        pytest.param(int, "32", 32, id="int"),
        pytest.param(bool, "true", True, id="bool"),
        pytest.param(list[int], "[1, 2]", [1, 2], id="json-list"),
        pytest.param(Optional[str], "007", "007", id="string-that-looks-like-json"),  # noqa: UP045 - typing forms on purpose
    ],
)
def test_typed_values_parse_from_text(annotation: Any, text: str, expected: Any) -> None:
    """Query and form values are parsed from text: JSON first, then the string itself."""
    assert TypedValue(annotation).from_text(text) == expected


def test_unsupported_types_fail_when_declared() -> None:
    """A type with no JSON form is a ConfigurationError when the descriptor is built."""

    class Opaque:
        pass

    with pytest.raises(ConfigurationError, match="cannot be received as JSON"):
        TypedValue(Opaque)


def test_model_schemas_stand_alone() -> None:
    """Nested model schemas are inlined, so the fragment embeds anywhere."""

    class Outer(pydantic.BaseModel):
        inner: Request

    schema = JSON(pydantic_model=Outer).json_schema()
    assert "$defs" not in schema
    assert schema["properties"]["inner"]["properties"]["features"]["type"] == "array"
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"inner": {"model_name": "a", "features": [1]}})
    assert not validator.is_valid({"inner": {"model_name": "a"}})


def test_recursive_model_schemas_keep_their_definitions() -> None:
    """A recursive model cannot be inlined; its schema keeps ``$defs``."""

    class Tree(pydantic.BaseModel):
        children: list[Tree] = []

    schema = JSON(pydantic_model=Tree).json_schema()
    assert jsonschema.Draft202012Validator(schema).is_valid({"children": [{"children": []}]})


# -- Text ---------------------------------------------------------------------------------


def test_text_takes_json_strings_only() -> None:
    """Text is a JSON string; a number is a BadInput."""
    assert Text().from_json("hello") == "hello"
    with pytest.raises(BadInput, match="expected a string, received a number"):
        Text().from_json(3)


def test_text_bodies_decode_with_their_charset() -> None:
    """A text/plain body is UTF-8 unless Content-Type names another charset."""
    assert Text().from_bytes("héllo".encode(), TEXT) == "héllo"
    assert Text().from_bytes("héllo".encode("latin-1"), "text/plain; charset=latin-1") == "héllo"


def test_text_bodies_that_do_not_decode_are_bad_input() -> None:
    """Bytes that are not valid in the charset are a BadInput naming it."""
    with pytest.raises(BadInput, match="not valid utf-8"):
        Text().from_bytes(b"\xff\xfe", TEXT)


def test_text_results_are_utf8_text_plain() -> None:
    """Text results written as text/plain say their charset."""
    assert Text().to_bytes("é", TEXT) == "é".encode()
    assert Text().output_media_type(TEXT) == "text/plain; charset=utf-8"


# -- File ---------------------------------------------------------------------------------


def test_files_are_base64_in_json() -> None:
    """A File is base64 text in JSON, and bytes in Python; data URLs are accepted."""
    assert File().from_json(base64.b64encode(b"\x00\x01").decode()) == b"\x00\x01"
    assert File().from_json("data:application/pdf;base64,AAE=") == b"\x00\x01"
    assert File().to_json(b"\x00\x01") == "AAE="


@pytest.mark.parametrize(
    "value",
    [pytest.param("not base64!", id="not-base64"), pytest.param(12, id="number")],
)
def test_files_that_are_not_base64_are_bad_input(value: object) -> None:
    """JSON for a file must be a base64 string."""
    with pytest.raises(BadInput, match="expected a base64 string"):
        File().from_json(value)


def test_file_bodies_of_any_type_are_accepted() -> None:
    """A binary body of any media type fills a File as bytes."""
    assert File().accepts("audio/wav")
    assert File().from_bytes(b"RIFF", "audio/wav") == b"RIFF"


def test_file_results_are_read_from_paths_and_file_objects(tmp_path: pathlib.Path) -> None:
    """A File result may be bytes, a path or a binary file object."""
    path = tmp_path / "out.bin"
    path.write_bytes(b"abc")
    assert File().to_bytes(path, OCTET) == b"abc"
    assert File().to_bytes(io.BytesIO(b"abc"), OCTET) == b"abc"


def test_file_results_use_the_declared_mime_type() -> None:
    """A File with a mime_type is sent as that type by default."""
    assert File(mime_type="application/pdf").output_media_type("*/*") == "application/pdf"
    assert File().output_media_type("*/*") == OCTET


def test_path_parameters_get_a_temporary_file_removed_with_the_path() -> None:
    """A pathlib.Path parameter receives a temporary file, deleted once the Path is dropped."""
    path = FilePath().from_bytes(b"data", OCTET)
    assert isinstance(path, pathlib.Path)
    assert path.read_bytes() == b"data"
    name = str(path)
    del path
    gc.collect()
    assert not pathlib.Path(name).exists()


# -- Image --------------------------------------------------------------------------------


def png(mode: str = "RGB", size: tuple[int, int] = (4, 3)) -> bytes:
    pil = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    pil.new(mode, size, color=0).save(buffer, format="PNG")
    return buffer.getvalue()


def test_images_decode_from_bytes_and_base64() -> None:
    """An image body or a base64 string becomes a loaded PIL image."""
    image = Image().from_bytes(png(), "image/png")
    assert image.size == (4, 3)
    assert Image().from_json(base64.b64encode(png()).decode()).size == (4, 3)


def test_image_mode_is_converted_when_declared() -> None:
    """``pil_mode`` converts received images."""
    assert Image(pil_mode="L").from_bytes(png("RGB"), "image/png").mode == "L"


def test_images_that_do_not_decode_are_bad_input() -> None:
    """Bytes Pillow cannot read are a BadInput."""
    with pytest.raises(BadInput, match="image could not be decoded"):
        Image().from_bytes(b"not an image", "image/png")


def test_image_results_are_written_in_the_negotiated_format() -> None:
    """An image result is PNG by default and JPEG when asked, converting RGBA for JPEG."""
    pil = pytest.importorskip("PIL.Image")
    image = pil.new("RGBA", (2, 2))
    assert Image().output_media_type("image/*") == "image/png"
    jpeg_type = Image().output_media_type("image/jpeg")
    body = Image().to_bytes(image, jpeg_type)
    assert pil.open(io.BytesIO(body)).format == "JPEG"
    assert pil.open(io.BytesIO(Image().to_bytes(image, "image/png"))).format == "PNG"


def test_image_json_results_are_base64_of_the_declared_format() -> None:
    """In JSON an image result is base64 of its ``mime_type`` format."""
    pil = pytest.importorskip("PIL.Image")
    encoded = Image(mime_type="image/jpeg").to_json(pil.new("RGB", (2, 2)))
    assert pil.open(io.BytesIO(base64.b64decode(encoded))).format == "JPEG"
