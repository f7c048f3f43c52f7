"""The shared JSON codec (tiffin.io._json)."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import pathlib

import numpy as np
import orjson
import pydantic
import pytest

from tiffin.io import _json


def test_numpy_arrays_inside_dicts_serialise_natively() -> None:
    """A dict holding numpy arrays and scalars is written without converting it first."""
    value = {"predictions": np.array([[0.1, 0.9]]), "label": np.int64(1), "ok": np.bool_(True)}
    assert orjson.loads(_json.dumps(value)) == {"predictions": [[0.1, 0.9]], "label": 1, "ok": True}


def test_non_contiguous_arrays_serialise() -> None:
    """A transposed (non-contiguous) array is written with its values in logical order."""
    array = np.arange(6, dtype=np.int64).reshape(2, 3).T
    assert orjson.loads(_json.dumps(array)) == array.tolist()


def test_string_arrays_fall_back_to_lists() -> None:
    """Arrays of a dtype orjson does not write natively (strings) are written as lists."""
    assert _json.dumps({"labels": np.array(["a", "b"])}) == b'{"labels":["a","b"]}'


def test_integer_dict_keys_are_written_as_strings() -> None:
    """``{0: "setosa"}`` is valid output, written with string keys."""
    assert (
        _json.dumps({0: "setosa", np.int64(1): "versicolor"}) == b'{"0":"setosa","1":"versicolor"}'
    )


def test_datetime_subclasses_are_written_in_iso_format() -> None:
    """Subclasses of datetime (such as pandas.Timestamp) are written as ISO strings."""

    class Stamp(datetime.datetime):
        pass

    assert _json.dumps([Stamp(2024, 1, 2, 3, 4, 5)]) == b'["2024-01-02T03:04:05"]'


def test_bytes_are_written_as_base64() -> None:
    """Bytes become base64 text, the JSON form of files."""
    assert _json.dumps({"data": b"\x00\xff"}) == b'{"data":"AP8="}'


def test_pydantic_models_dataclasses_and_friends_serialise() -> None:
    """pydantic models, dataclasses, sets, decimals and paths all have a JSON form."""

    class Model(pydantic.BaseModel):
        score: float

    @dataclasses.dataclass
    class Point:
        x: np.float32

    value = {
        "model": Model(score=0.5),
        "point": Point(np.float32(1.5)),
        "tags": {"a"},
        "price": decimal.Decimal("1.10"),
        "path": pathlib.PurePosixPath("/tmp/x"),
    }
    assert orjson.loads(_json.dumps(value)) == {
        "model": {"score": 0.5},
        "point": {"x": 1.5},
        "tags": ["a"],
        "price": "1.10",
        "path": "/tmp/x",
    }


def test_values_without_a_json_form_raise_type_error() -> None:
    """An arbitrary object is a TypeError naming its type."""

    class Opaque:
        pass

    with pytest.raises(TypeError, match="Opaque"):
        _json.dumps({"x": Opaque()})


def test_loads_raises_a_value_error_with_position() -> None:
    """Malformed JSON raises JSONDecodeError, a ValueError carrying the position."""
    with pytest.raises(_json.JSONDecodeError) as caught:
        _json.loads(b'{"a": }')
    assert isinstance(caught.value, ValueError)
    assert caught.value.pos == 6
