"""What the publish path sends PostgreSQL for a batch's rows: their record hashes, and
the rows themselves in PostgreSQL's binary COPY format.

The record hash is the md5 of a row's canonical text (one text form per contract type,
so the same values hash the same whichever source sent them); raw's versioning compares
it, so its definition never changes (``tests/unit/test_record_hash.py``).

The rows go in binary, not as CSV: PostgreSQL then parses no text (no quotes, no
timestamps, no numbers), and reading a batch took the server about half the time
(docs/benchmarks.md, ``leadership bench load``). Every field is built column by column
with Arrow and numpy, no Python object per value; only the md5 is a call per row.
Values are encoded by the type the target column has in the catalog, so a table whose
column type drifted from its contract fails with a message that names it, before any
row is sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# PostgreSQL's binary COPY: signature, flags (none), header extension length (none) ...
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
# ... and the field count -1 after the last row.
TRAILER = b"\xff\xff"
_MISSING = pa.scalar(b"\xff\xff\xff\xff", pa.binary())  # a NULL field: length -1
_JSONB_VERSION = pa.scalar(b"\x01", pa.binary())
_POSTGRES_EPOCH_DAYS = 10_957  # 2000-01-01, PostgreSQL's day 0, in days since 1970
_POSTGRES_EPOCH_US = _POSTGRES_EPOCH_DAYS * 86_400 * 1_000_000
# The catalog's names (format_type) of the types the binary encoding writes.
FIXED_WIDTH = {
    "bigint": ">i8",
    "double precision": ">f8",
    "date": ">i4",
    "timestamp with time zone": ">i8",
    "boolean": ">u1",
}
TEXT_LIKE = {"text", "jsonb"}


class ColumnTypeMismatch(ValueError):
    """A raw table's column does not have the type its contract gives it."""


def canonical_texts(frame: pd.DataFrame, types: dict[str, str]) -> list[pa.Array]:
    """Each column's canonical text in Arrow (null for missing), in the frame's order."""
    return [_canonical_arrow(frame[name], types.get(name, "string")) for name in frame.columns]


def record_hashes(texts: Sequence[pa.Array]) -> pa.Array:
    """md5 (hex) of each row's canonical texts joined by the unit separator, ``\\N`` for
    missing."""
    canonical = pc.binary_join_element_wise(*[pc.fill_null(t, "\\N") for t in texts], "\x1f")
    return pa.array(
        [hashlib.md5(row).hexdigest() for row in canonical.cast(pa.binary()).to_pylist()],
        type=pa.string(),
    )


def binary_rows(
    frame: pd.DataFrame, types: dict[str, str], column_types: Sequence[str], table: str
) -> pa.Buffer:
    """The frame's rows, their record hash as a last column, in binary COPY format
    (without SIGNATURE and TRAILER).

    ``column_types``: the target columns' catalog types, the frame's columns then the
    hash's.
    """
    texts = canonical_texts(frame, types)
    hashes = record_hashes(texts)
    names = [*frame.columns, "_record_hash"]
    fields = [
        _field(frame.get(name), text, column_type, table, name)
        for name, text, column_type in zip(names, [*texts, hashes], column_types, strict=True)
    ]
    field_count = pa.scalar(len(fields).to_bytes(2, "big"), pa.binary())
    rows = pc.binary_join_element_wise(field_count, *fields, pa.scalar(b"", pa.binary()))
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
    start, end = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    return rows.buffers()[2][start:end]


def _field(
    series: pd.Series | None, text: pa.Array, column_type: str, table: str, name: str
) -> pa.Array:
    """One column's fields: each value's length (4 bytes, -1 for NULL), then its bytes."""
    if column_type in TEXT_LIKE:
        body = text.cast(pa.binary())
        if column_type == "jsonb":  # jsonb's binary form: a version byte, then the text
            body = pc.binary_join_element_wise(_JSONB_VERSION, body, pa.scalar(b"", pa.binary()))
        lengths = pc.fill_null(pc.binary_length(body), -1).to_numpy(zero_copy_only=False)
        empty = pa.scalar(b"", pa.binary())
        return pc.binary_join_element_wise(
            _fixed(lengths.astype(">i4")), pc.fill_null(body, empty), empty
        )
    encoding = FIXED_WIDTH.get(column_type)
    values, missing = _numbers(series, column_type) if encoding else (None, None)
    if values is None or missing is None or encoding is None:
        given = "no typed values" if series is None else f"values of dtype {series.dtype}"
        raise ColumnTypeMismatch(
            f"{table}.{name} is {column_type} in the warehouse but its contract sends "
            f"{given}: alter the column to the contract's type (see "
            "integrations/contracts) or restore the contract's type"
        )
    width = np.dtype(encoding).itemsize
    record = np.empty(len(values), dtype=[("length", ">i4"), ("value", encoding)])
    record["length"] = width
    record["value"] = values
    fields = _fixed(record)
    return pc.if_else(pa.array(missing), _MISSING, fields) if missing.any() else fields


def _fixed(items: np.ndarray) -> pa.Array:
    """A numpy array's items, each as its bytes, as an Arrow binary array."""
    width = items.dtype.itemsize
    buffers = [None, pa.py_buffer(items.tobytes())]
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(items), buffers).cast(
        pa.binary()
    )


def _numbers(
    series: pd.Series | None, column_type: str
) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """The column's values as PostgreSQL's binary form counts them, and its missing mask;
    (None, None) when the column's values are not of that type."""
    if series is None:
        return None, None
    missing = series.isna().to_numpy(dtype=bool)
    if missing.all():  # a column the source did not send: untyped, all NULL
        return np.zeros(len(series), dtype=np.int64), missing
    dtype = series.dtype
    if column_type == "bigint" and pd.api.types.is_integer_dtype(dtype):
        return series.to_numpy(dtype=np.int64, na_value=0), missing
    if (
        column_type == "double precision"
        and pd.api.types.is_numeric_dtype(dtype)
        and not (pd.api.types.is_bool_dtype(dtype))
    ):
        return series.to_numpy(dtype=np.float64, na_value=0.0), missing
    if column_type == "boolean" and pd.api.types.is_bool_dtype(dtype):
        return series.to_numpy(dtype=np.uint8, na_value=0), missing
    if column_type == "date" and isinstance(dtype, np.dtype) and dtype.kind == "M":
        days = series.to_numpy(dtype="datetime64[D]", na_value=np.datetime64(0, "D"))
        return days.astype(np.int64) - _POSTGRES_EPOCH_DAYS, missing
    if column_type == "timestamp with time zone" and isinstance(dtype, pd.DatetimeTZDtype):
        micros = (
            series.dt.tz_convert("UTC")
            .dt.tz_localize(None)
            .to_numpy(dtype="datetime64[us]", na_value=np.datetime64(0, "us"))
        )
        return micros.astype(np.int64) - _POSTGRES_EPOCH_US, missing
    return None, None


def _canonical_arrow(series: pd.Series, column_type: str) -> pa.Array:
    """A typed column's canonical text in Arrow (null for missing).

    Text and whole numbers go to Arrow without a Python object per value (Arrow's cast
    writes an integer as ``str(int)`` does). Dates, timestamps and codes repeat: each
    distinct value is formatted once and taken back by position.
    """
    if column_type == "string":
        return pa.array(series, type=pa.string(), from_pandas=True)
    if column_type == "integer" and pd.api.types.is_integer_dtype(series.dtype):
        return pc.cast(pa.array(series, type=pa.int64(), from_pandas=True), pa.string())
    if column_type == "json":
        return pa.array(
            [None if _missing(v) else json.dumps(v, sort_keys=True) for v in series],
            type=pa.string(),
        )
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if len(uniques) == 0:  # all missing (perhaps a column the source did not send)
        return pa.nulls(len(series), type=pa.string())
    if column_type == "date":
        formatted = list(uniques.strftime("%Y-%m-%d"))
    elif column_type == "timestamp":
        formatted = list(uniques.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    elif column_type == "boolean":
        formatted = ["true" if v else "false" for v in uniques]
    elif column_type == "integer":
        formatted = [str(int(v)) for v in uniques]
    else:
        formatted = [repr(float(v)) for v in uniques]
    positions = pa.array(codes, type=pa.int64(), mask=codes < 0)
    return pa.array(formatted, type=pa.string()).take(positions)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
