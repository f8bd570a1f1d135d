"""Normalise an extract to its contract: one typed column per contract column.

Values arrive as the source said them (CSV strings, JSON scalars). Each column is
cast with vectorised pandas operations; a value that does not fit its type
becomes missing in the typed frame and leaves a reason on its row, so the row is
quarantined with the original value quoted. Keys the contract does not know are
kept (``_extra``) and reported as schema drift, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from integrations.common.schema import OVERFLOW_KEY, Column, StreamContract

_DATE = r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:?\d{2})?$"
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
MAX_REASON_VALUE = 60
MAX_TEXT_LENGTH = 10_000  # longer text is a broken export or an attack, never a name


@dataclass
class Normalised:
    """A typed frame (index = row number in the extract) and what normalising found."""

    frame: pd.DataFrame
    records: list[dict[str, Any]]
    reasons: dict[int, list[str]] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    cast_failed: set[tuple[int, str]] = field(default_factory=set)

    def add_reason(self, row: int, reason: str) -> None:
        self.reasons.setdefault(row, []).append(reason)


def quote_value(value: Any) -> str:
    """A value as it may appear in a reason: repr, shortened."""
    text = repr(value)
    return text if len(text) <= MAX_REASON_VALUE else text[: MAX_REASON_VALUE - 3] + "..."


def _as_text(values: list[Any]) -> pa.StringArray:
    """Strings, stripped, with '' and None as missing, in Arrow.

    The stripping and the checks on text run in Arrow's C++ kernels; only values that
    are not already text (JSON numbers, booleans) go through Python one by one.
    """
    try:
        raw = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        raw = pa.array(
            [
                (v if isinstance(v, str) else _scalar_text(v)) if _present_scalar(v) else None
                for v in values
            ],
            type=pa.string(),
            from_pandas=True,
        )
    stripped = pc.utf8_trim_whitespace(raw)
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)


def _present_scalar(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    return not (isinstance(value, float) and np.isnan(value))


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _objects(arrow: pa.Array) -> pd.Series:
    """An Arrow column as Python objects (None for missing), for pandas' parsers."""
    return pd.Series(arrow.to_numpy(zero_copy_only=False), dtype=object)


def _by_distinct_value(arrow: pa.StringArray, parse: Any) -> pd.Series:
    """``parse`` (object Series -> Series) applied once per distinct text, then spread.

    Dates and timestamps repeat (every item of a survey response carries its time), so
    parsing the distinct values and taking them back by position does a fraction of the
    work, with the same result as parsing every value.
    """
    encoded = pc.dictionary_encode(arrow)
    parsed = parse(_objects(encoded.dictionary))
    positions = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return pd.Series(parsed.array.take(positions, allow_fill=True))


def _cast(column: Column, arrow: pa.StringArray) -> tuple[pd.Series, np.ndarray, str]:
    """(typed values, mask of values that failed to cast, what was expected)."""
    present = pc.is_valid(arrow).to_numpy(zero_copy_only=False)
    if column.type == "string":
        # Kept in Arrow (pandas' Arrow-backed strings): no Python object per value, and
        # the publish path hands the same buffers to its COPY payload.
        too_long = pc.greater(pc.utf8_length(arrow), MAX_TEXT_LENGTH)
        nul = pc.match_substring(arrow, "\x00")
        bad_arrow = pc.fill_null(pc.or_(too_long, nul), False)
        if pc.any(bad_arrow).as_py():
            arrow = pc.if_else(bad_arrow, pa.scalar(None, pa.string()), arrow)
        return (
            pd.Series(pd.arrays.ArrowStringArray(arrow)),
            bad_arrow.to_numpy(zero_copy_only=False),
            f"text of at most {MAX_TEXT_LENGTH:,} characters, no NUL",
        )
    if column.type == "integer":
        try:
            # Arrow parses plain whole numbers in C++ (what pandas would give them);
            # anything else ("+5", "1.0", "1e3", a word) takes pandas' path below.
            whole = pc.cast(arrow, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            values = pc.fill_null(whole, 0).to_numpy(zero_copy_only=False)
            typed = pd.Series(pd.arrays.IntegerArray(values, ~present))
            return typed, np.zeros(len(arrow), dtype=bool), "a whole number"
    if column.type == "date":
        typed = _by_distinct_value(
            arrow,
            lambda text: pd.to_datetime(
                text.str.extract(_DATE, expand=False), format="%Y-%m-%d", errors="coerce"
            ),
        )
        return typed, present & typed.isna().to_numpy(), "a date (YYYY-MM-DD)"
    if column.type == "timestamp":
        typed = _by_distinct_value(
            arrow, lambda text: pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        )
        return typed, present & typed.isna().to_numpy(), "an ISO 8601 timestamp"
    text = _objects(arrow)
    if column.type in ("integer", "number"):
        numbers = pd.to_numeric(text, errors="coerce")
        if column.type == "integer":
            integral = numbers.notna() & (np.floor(numbers) == numbers)
            typed = numbers.where(integral).astype("Int64")
            return typed, present & ~integral.to_numpy(), "a whole number"
        return numbers.astype("Float64"), present & numbers.isna().to_numpy(), "a number"
    if column.type == "boolean":
        lowered = text.str.lower() if present.any() else text
        typed = lowered.map(lambda v: True if v in _TRUE else False if v in _FALSE else None)
        return typed.astype("boolean"), present & typed.isna().to_numpy(), "true or false"
    if column.type == "json":

        def parse(v: Any) -> Any:
            try:
                return json.loads(v) if isinstance(v, str) else v
            except ValueError:
                return _INVALID

        typed = text.map(parse, na_action="ignore")
        failed = typed.map(lambda v: v is _INVALID).to_numpy(dtype=bool)
        return typed.where(~failed, None), present & failed, "valid JSON"
    raise ValueError(f"column {column.name} has unknown type {column.type}")


_INVALID = object()


def normalise(contract: StreamContract, records: Sequence[Mapping[str, Any]]) -> Normalised:
    """Cast ``records`` to the contract's types; every cast failure becomes a reason."""
    # Read, never written: a connector's dicts are kept as they are, other mappings copied.
    rows = [r if type(r) is dict else dict(r) for r in records]
    index = pd.RangeIndex(len(rows))
    columns = _columns(rows)
    seen = list(columns)
    known = set(contract.column_names)
    result = Normalised(
        frame=pd.DataFrame(index=index),
        records=rows,
        extra_columns=[c for c in seen if c not in known and not str(c).startswith("_")],
        # An empty batch (nothing changed since the bookmark) says nothing about columns.
        missing_columns=[c for c in contract.column_names if c not in seen] if rows else [],
    )
    for column in contract.columns:
        if column.name not in columns:
            result.frame[column.name] = pd.Series([None] * len(rows), index=index, dtype=object)
            continue
        typed, failed, expected = _cast(column, _as_text(columns[column.name]))
        typed.index = index
        result.frame[column.name] = typed
        for row in np.flatnonzero(failed):
            value = rows[row].get(column.name)
            result.add_reason(int(row), f"{column.name}: {quote_value(value)} is not {expected}")
            result.cast_failed.add((int(row), column.name))
    if OVERFLOW_KEY in columns:
        for row, overflow in enumerate(columns[OVERFLOW_KEY]):
            if isinstance(overflow, list) and overflow:
                result.add_reason(
                    int(row), f"row has {len(overflow)} more value(s) than the header has columns"
                )
    if result.extra_columns:
        extras = result.extra_columns
        kept = [{k: r[k] for k in extras if k in r and _present(r[k])} for r in rows]
        result.frame["_extra"] = pd.Series(
            [json.dumps(k, sort_keys=True, default=str) if k else None for k in kept],
            index=index,
            dtype=object,
        )
    else:
        result.frame["_extra"] = None
    return result


def _columns(rows: list[dict[str, Any]]) -> dict[str, Sequence[Any]]:
    """The rows' values column by column, keys in first-seen order (missing: None).

    Rows of one export nearly always share their keys: then each column is picked
    in C (``itemgetter``); otherwise gathered with ``dict.get``.
    """
    first = list(rows[0]) if rows else []
    if set(map(len, rows)) <= {len(first)}:
        try:
            return {key: list(map(itemgetter(key), rows)) for key in first}
        except KeyError:
            pass
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return {key: [row.get(key) for row in rows] for key in keys}


def _present(value: Any) -> bool:
    return _present_scalar(value) and not (isinstance(value, str) and value == "")
