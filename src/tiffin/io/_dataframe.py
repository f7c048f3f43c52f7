"""``pandas.DataFrame`` parameters and results: JSON records or split form, Arrow IPC binary.

pandas and pyarrow are imported only when a frame is decoded or encoded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from tiffin.exceptions import BadInput, ConfigurationError
from tiffin.io._base import IODescriptor, json_kind
from tiffin.io._media import ARROW
from tiffin.io._optional import is_instance, require

__all__ = ["PandasDataFrame"]

Orient = Literal["records", "split"]


class PandasDataFrame(IODescriptor):
    """A ``pandas.DataFrame``: JSON records or ``{"columns", "data"}``, or an Arrow IPC stream.

    Both JSON forms are accepted; results are written as ``orient`` (records by default).
    ``columns``, when declared, must all be present and come in that order (other columns
    are dropped). ``dtype`` (one dtype, or one per column) is applied with ``astype``.

    Example::

        def score(self, frame: PandasDataFrame(columns=["age", "income"])) -> JSON: ...
    """

    __slots__ = ("_columns", "_dtype", "_orient")

    _kind = "dataframe"
    _media_types = (ARROW,)

    def __init__(
        self,
        orient: Orient = "records",
        columns: Sequence[str] | None = None,
        dtype: str | Mapping[str, str] | None = None,
    ) -> None:
        if orient not in ("records", "split"):
            raise ConfigurationError(
                f"orient={orient!r} is not supported; use 'records' or 'split'."
            )
        self._orient = orient
        self._columns = None if columns is None else tuple(str(column) for column in columns)
        self._dtype = dtype if dtype is None or isinstance(dtype, str) else dict(dtype)

    def from_json(self, value: Any) -> Any:
        pandas = require("pandas")
        if isinstance(value, list):
            if not all(isinstance(row, dict) for row in value):
                raise self._form_error("an array whose items are not all objects")
            frame = pandas.DataFrame.from_records(value, columns=self._columns_for(value))
        elif isinstance(value, dict) and "columns" in value and "data" in value:
            frame = self._from_split(pandas, value)
        else:
            raise self._form_error(json_kind(value))
        return self._conform(frame)

    def from_bytes(self, body: bytes, content_type: str) -> Any:
        pyarrow = require("pyarrow")
        require("pyarrow.ipc")
        try:
            table = pyarrow.ipc.open_stream(body).read_all()
        except (pyarrow.ArrowInvalid, OSError) as exc:
            raise BadInput(
                f"the body is not an Arrow IPC stream ({exc}); write it with "
                "pyarrow.ipc.new_stream.",
                details={"reason": str(exc)},
            ) from None
        return self._conform(table.to_pandas())

    def to_json(self, value: Any) -> Any:
        if not is_instance(value, "pandas", "DataFrame"):
            return value
        if self._orient == "split":
            return value.to_dict(orient="split", index=False)
        return value.to_dict(orient="records")

    def to_bytes(self, value: Any, media_type: str) -> bytes:
        pyarrow = require("pyarrow")
        require("pyarrow.ipc")
        table = pyarrow.Table.from_pandas(self.validate(value))
        sink = pyarrow.BufferOutputStream()
        with pyarrow.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return sink.getvalue().to_pybytes()  # type: ignore[no-any-return]

    def validate(self, value: Any) -> Any:
        if is_instance(value, "pandas", "DataFrame"):
            return self._conform(value)
        return self.from_json(value)

    def json_schema(self) -> dict[str, Any]:
        row: dict[str, Any] = {"type": "object"}
        if self._columns is not None:
            row["properties"] = {column: {} for column in self._columns}
            row["required"] = list(self._columns)
        split = {
            "type": "object",
            "properties": {
                "columns": {"type": "array", "items": {"type": "string"}},
                "data": {"type": "array", "items": {"type": "array"}},
                "index": {"type": "array"},
            },
            "required": ["columns", "data"],
        }
        records = {"type": "array", "items": row}
        return {"anyOf": [records, split], "x-orient": self._orient}

    def _options(self) -> dict[str, Any]:
        columns = None if self._columns is None else list(self._columns)
        return {"orient": self._orient, "columns": columns, "dtype": self._dtype}

    def _columns_for(self, records: list[Any]) -> list[str] | None:
        # An empty list of records still has the declared columns.
        return list(self._columns) if not records and self._columns is not None else None

    def _from_split(self, pandas: Any, value: dict[str, Any]) -> Any:
        try:
            return pandas.DataFrame(
                value["data"], columns=value["columns"], index=value.get("index")
            )
        except (ValueError, TypeError) as exc:
            raise BadInput(
                f"the split-form frame does not fit together: {exc}. Send "
                '{"columns": [names...], "data": [[row values...], ...]} with one value per '
                "column.",
                details={"reason": str(exc)},
            ) from None

    def _conform(self, frame: Any) -> Any:
        if self._columns is not None:
            missing = [column for column in self._columns if column not in frame.columns]
            if missing:
                raise BadInput(
                    f"expected the columns {list(self._columns)}, but {missing} are missing.",
                    details={"expected_columns": list(self._columns), "missing_columns": missing},
                )
            if list(frame.columns) != list(self._columns):
                frame = frame[list(self._columns)]
        if self._dtype is not None:
            try:
                frame = frame.astype(self._dtype)
            except (ValueError, TypeError, KeyError) as exc:
                raise BadInput(
                    f"expected columns of dtype {self._dtype}, received values that do not "
                    f"convert: {exc}.",
                    details={"expected_dtype": self._dtype},
                ) from None
        return frame

    def _form_error(self, received: str) -> BadInput:
        return BadInput(
            f"expected a data frame as a list of records ([{{column: value}}, ...]) or as "
            f'{{"columns": [...], "data": [[...]]}}, received {received}.',
            details={"expected": "records or split", "received": received},
        )
