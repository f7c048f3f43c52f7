"""pandas data frames on the wire: JSON records/split forms and Arrow IPC streams."""

from __future__ import annotations

import pytest

from tiffin.exceptions import BadInput
from tiffin.io import PandasDataFrame
from tiffin.io._media import ARROW

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")


def frame() -> pd.DataFrame:
    return pd.DataFrame({"age": [30, 40], "income": [1.5, 2.5], "city": ["a", "b"]})


def test_records_decode_to_a_frame() -> None:
    """A list of records becomes a DataFrame with one column per key."""
    decoded = PandasDataFrame().from_json(frame().to_dict(orient="records"))
    pd.testing.assert_frame_equal(decoded, frame())


def test_split_form_decodes_to_a_frame() -> None:
    """``{"columns", "data"}`` becomes a DataFrame too."""
    value = {"columns": ["age", "income", "city"], "data": [[30, 1.5, "a"], [40, 2.5, "b"]]}
    pd.testing.assert_frame_equal(PandasDataFrame().from_json(value), frame())


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"age": [1]}, id="columns-dict"),
        pytest.param([1, 2], id="not-records"),
        pytest.param("x", id="string"),
    ],
)
def test_other_json_forms_are_refused_naming_both_forms(value: object) -> None:
    """Anything else is a BadInput that shows the records and split forms."""
    with pytest.raises(BadInput, match=r"list of records .* or as \{\"columns\""):
        PandasDataFrame().from_json(value)


def test_split_form_with_wrong_row_lengths_is_refused() -> None:
    """A split form whose rows do not fit its columns is a BadInput."""
    with pytest.raises(BadInput, match="split-form frame does not fit together"):
        PandasDataFrame().from_json({"columns": ["a", "b"], "data": [[1, 2, 3]]})


def test_declared_columns_are_required_and_ordered() -> None:
    """Declared columns must be present; the frame comes in their order, extras dropped."""
    descriptor = PandasDataFrame(columns=["income", "age"])
    decoded = descriptor.from_json(frame().to_dict(orient="records"))
    assert list(decoded.columns) == ["income", "age"]
    with pytest.raises(BadInput, match=r"\['age'\] are missing") as caught:
        descriptor.from_json([{"income": 1.0}])
    assert caught.value.details["missing_columns"] == ["age"]


def test_declared_dtype_is_applied_and_enforced() -> None:
    """``dtype`` converts columns, and values that do not convert are a BadInput."""
    descriptor = PandasDataFrame(dtype={"age": "float32"})
    assert descriptor.from_json([{"age": 1}])["age"].dtype == "float32"
    with pytest.raises(BadInput, match="do not convert"):
        descriptor.from_json([{"age": "old"}])


def test_arrow_stream_round_trips() -> None:
    """A frame written as an Arrow IPC stream reads back equal."""
    descriptor = PandasDataFrame()
    body = descriptor.to_bytes(frame(), ARROW)
    pd.testing.assert_frame_equal(descriptor.from_bytes(body, ARROW), frame())


def test_arrow_body_is_read_by_pyarrow_itself() -> None:
    """The binary form is a standard Arrow IPC stream any Arrow client reads."""
    body = PandasDataFrame().to_bytes(frame(), ARROW)
    table = pa.ipc.open_stream(body).read_all()
    assert table.column_names == ["age", "income", "city"]


def test_malformed_arrow_is_bad_input() -> None:
    """A body that is not an Arrow stream is a BadInput, not a crash."""
    with pytest.raises(BadInput, match="not an Arrow IPC stream"):
        PandasDataFrame().from_bytes(b"\x00" * 16, ARROW)


def test_results_are_records_by_default_or_split() -> None:
    """Results are written as records unless the descriptor asks for the split form."""
    assert PandasDataFrame().to_json(frame())[0] == {"age": 30, "income": 1.5, "city": "a"}
    split = PandasDataFrame(orient="split").to_json(frame())
    assert split == {
        "columns": ["age", "income", "city"],
        "data": [[30, 1.5, "a"], [40, 2.5, "b"]],
    }


def test_validate_accepts_frames_and_records() -> None:
    """In-process calls may pass a DataFrame or records; both are checked."""
    descriptor = PandasDataFrame(columns=["age"])
    assert list(descriptor.validate(frame()).columns) == ["age"]
    assert list(descriptor.validate([{"age": 1}]).columns) == ["age"]
