"""The publish path: one validated batch in one transaction.

In a single transaction: the ``ops.batches`` row, the accepted rows COPY'd into
``raw.<feed>__<stream>``, the failing rows into ``quarantine.<feed>__<stream>``
with every reason, and the stream's bookmark. A crash leaves nothing half-written
and never moves a bookmark past data that was not saved. A batch that changed its raw
table by more than a tenth also refreshes the table's planner statistics there, so the
dbt build that follows is planned on them.

Raw keeps versions: a row is written only when its content differs from the
version of the same key that was current at the extract's ``_as_of`` time
(``_record_hash``: md5 of the row's canonical text, one text form per contract type,
so the same values hash the same whichever source sent them). Re-running a window,
or replaying every window with ``--full-refresh``, therefore publishes nothing new
and leaves raw as it was. dbt staging picks the latest version per key.

Speed: rows are serialised column by column (each distinct date or timestamp
formatted once; joining, quoting and the CSV written by Arrow in C++, only the md5
per row in Python) and sent as one CSV COPY in chunks, a writer thread sending one while
the next is formatted; a stream's first load, when raw holds none of its rows, goes
straight into the raw table (its indexes built after the COPY), and later loads
through a temporary table that keeps only changed versions (docs/benchmarks.md,
``leadership bench load``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from pyarrow import csv as pa_csv

from integrations.common.schema import Extract, StreamContract
from leadership.normalise import Normalised
from leadership.tables import quarantine_table, raw_index_ddl, raw_indexes, raw_table
from leadership.validation import Validation
from leadership.warehouse import raw_cursor, transaction

log = logging.getLogger(__name__)

COPY_CHUNK_ROWS = 50_000
# A raw table whose rows grew by more than this share since the planner's statistics were
# taken is analysed in the publishing transaction (autovacuum's default threshold).
STALE_STATISTICS = 0.1


@dataclass
class BatchResult:
    batch_id: int
    source: str
    stream: str
    source_ref: str
    received: int
    published: int
    quarantined: int
    inserted: int
    status: str
    message: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.stream} {self.source_ref}: batch {self.batch_id} {self.status}, "
            f"received {self.received}, published {self.published} "
            f"({self.inserted} new versions), quarantined {self.quarantined}"
        )
        return text + (f" ({self.message})" if self.message else "")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _canonical_arrow(series: pd.Series, column_type: str) -> pa.Array:
    """A typed column's canonical text in Arrow (null for missing).

    Text and whole numbers go to Arrow without a Python object per value (Arrow's cast
    writes an integer as ``str(int)`` does); the other types through ``_canonical_text``.
    """
    if column_type == "string":
        return pa.array(series, type=pa.string(), from_pandas=True)
    if column_type == "integer" and pd.api.types.is_integer_dtype(series.dtype):
        return pc.cast(pa.array(series, type=pa.int64(), from_pandas=True), pa.string())
    return pa.array(_canonical_text(series, column_type), type=pa.string())


def _canonical_text(series: pd.Series, column_type: str) -> pd.Series:
    """A typed column as text (None for missing): what COPY reads and what is hashed."""
    present = series.notna().to_numpy(dtype=bool)
    out = pd.Series([None] * len(series), index=series.index, dtype=object)
    if not present.any():
        return out
    values = series[present]
    if column_type == "json":
        out[present] = [json.dumps(v, sort_keys=True) for v in values]
        return out
    # Dates, timestamps and codes repeat: format each distinct value once.
    codes, uniques = pd.factorize(values)
    if column_type == "date":
        formatted = uniques.strftime("%Y-%m-%d")
    elif column_type == "timestamp":
        formatted = uniques.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    elif column_type == "boolean":
        formatted = ["true" if v else "false" for v in uniques]
    elif column_type == "integer":
        formatted = [str(int(v)) for v in uniques]
    else:
        formatted = [repr(float(v)) for v in uniques]
    out[present] = np.asarray(formatted, dtype=object)[codes]
    return out


def publish(
    source: str,
    extract: Extract,
    batch: Normalised,
    validation: Validation,
    *,
    run_id: str | None = None,
    started_at: datetime | None = None,
    extracted_at: datetime | None = None,
    released_from: int | None = None,
    release_note: str | None = None,
) -> BatchResult:
    """Write one batch (accepted rows, quarantined rows, batch row, bookmark) atomically.

    ``released_from``: the batch whose quarantined rows this batch re-validates
    (``leadership quarantine release``); those rows are marked released in the same
    transaction.
    """
    contract = extract.contract
    started_at = started_at or datetime.now(UTC)
    extracted_at = extracted_at or started_at
    received = len(batch.records)
    held = bool(validation.batch_failures)
    failed_rows = set(range(received)) if held else validation.failed_rows
    accepted = [i for i in range(received) if i not in failed_rows]
    status = "held" if held else "published"
    notes = list(extract.notes)
    if batch.extra_columns:
        notes.append(
            f"schema drift: unknown columns kept in _extra: {', '.join(batch.extra_columns)}"
        )
    if batch.missing_columns:
        notes.append(
            f"schema drift: columns missing from the source: {', '.join(batch.missing_columns)}"
        )
    message = "; ".join([*validation.batch_failures, *notes])

    with transaction() as conn:
        batch_id = conn.exec_driver_sql(
            "insert into ops.batches (source, feed, stream, source_ref, window_start, window_end,"
            " received, published, quarantined, status, message, run_id, started_at,"
            " released_from, release_note)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " returning batch_id",
            (
                source,
                contract.feed,
                contract.name,
                extract.source_ref,
                extract.window_start,
                extract.window_end,
                received,
                len(accepted),
                len(failed_rows),
                status,
                message or None,
                run_id,
                started_at,
                released_from,
                release_note,
            ),
        ).scalar_one()
        _record_outcomes(conn, batch_id, validation)
        if released_from is not None:
            conn.exec_driver_sql(
                f"update {quarantine_table(contract)} set released_at = now(),"
                " released_batch_id = %s where _batch_id = %s and released_at is null",
                (batch_id, released_from),
            )
        inserted = 0
        if accepted:
            as_of = extract.window_end or extracted_at
            inserted = _copy_accepted(
                conn, contract, batch, accepted, batch_id, extracted_at, as_of, source
            )
            if inserted:
                _refresh_statistics(conn, raw_table(contract), inserted)
        if failed_rows:
            hold_reason = ["batch held: " + "; ".join(validation.batch_failures)] if held else []
            _copy_quarantined(
                conn, contract, batch, validation, sorted(failed_rows), batch_id, hold_reason
            )
        if extract.bookmark is not None:
            conn.exec_driver_sql(
                "insert into ops.bookmarks (source, stream, value, batch_id, updated_at)"
                " values (%s, %s, %s, %s, now())"
                " on conflict (source, stream) do update set value = excluded.value,"
                " batch_id = excluded.batch_id, updated_at = excluded.updated_at",
                (source, contract.qualified_name, json.dumps(extract.bookmark), batch_id),
            )
        conn.exec_driver_sql(
            "update ops.batches set inserted = %s, finished_at = clock_timestamp()"
            " where batch_id = %s",
            (inserted, batch_id),
        )
    result = BatchResult(
        batch_id=batch_id,
        source=source,
        stream=contract.qualified_name,
        source_ref=extract.source_ref,
        received=received,
        published=len(accepted),
        quarantined=len(failed_rows),
        inserted=inserted,
        status=status,
        message=message,
        notes=notes,
    )
    log.info(result.summary())
    return result


def _record_outcomes(conn: Any, batch_id: int, validation: Validation) -> None:
    if not validation.outcomes:
        return
    cursor = raw_cursor(conn)
    with cursor.copy(
        "copy ops.validation_results (batch_id, suite, expectation, column_name, level,"
        " success, unexpected_count, detail) from stdin"
    ) as copy:
        for o in validation.outcomes:
            copy.write_row(
                (
                    batch_id,
                    validation.suite,
                    o.expectation,
                    o.column,
                    o.level,
                    o.success,
                    o.unexpected_count,
                    o.detail or None,
                )
            )


def _copy_accepted(
    conn: Any,
    contract: StreamContract,
    batch: Normalised,
    accepted: list[int],
    batch_id: int,
    extracted_at: datetime,
    as_of: datetime,
    source: str,
) -> int:
    names = [*contract.column_names, "_extra"]
    types = {c.name: c.type for c in contract.columns}
    frame = batch.frame.loc[accepted, names]
    hashed = [*names, "_record_hash"]
    names = list(hashed)
    table = raw_table(contract)
    # A stream's first load has nothing to compare with: straight into raw.
    first_load = conn.exec_driver_sql(f"select not exists (select from {table})").scalar_one()
    meta = {"_batch_id": batch_id, "_extracted_at": extracted_at, "_as_of": as_of}
    meta["_source_system"] = source
    if first_load:
        target = table
        # Building the indexes once after the load beats maintaining them row by row.
        for index in raw_indexes(contract):
            conn.exec_driver_sql(f"drop index if exists {index}")
        # The batch's columns are the same on every row: column defaults for the length of
        # this transaction (which holds the table's lock since the indexes were dropped),
        # instead of two timestamps and two more fields per row for PostgreSQL to parse.
        _batch_defaults(conn, table, meta, set_them=True)
    else:
        target = f"_incoming_{contract.qualified_name}"
        conn.exec_driver_sql(
            f"create temp table {target} on commit drop as"
            f" select {', '.join(_q(n) for n in names)} from {table} with no data"
        )
    column_list = ", ".join(_q(n) for n in names)
    cursor = raw_cursor(conn)
    # Chunk by chunk, handed to a writer thread: PostgreSQL reads one chunk while the
    # next is formatted and hashed, instead of waiting for the whole payload.
    with cursor.copy(
        f"copy {target} ({column_list}) from stdin (format csv)",
        writer=QueuedLibpqWriter(cursor),
    ) as copy:
        for start in range(0, len(frame), COPY_CHUNK_ROWS):
            chunk = frame.iloc[start : start + COPY_CHUNK_ROWS]
            copy.write(csv_payload(chunk, types))
    if first_load:
        _batch_defaults(conn, table, meta, set_them=False)
        for statement in raw_index_ddl(contract):
            conn.exec_driver_sql(statement)
        return len(accepted)
    column_list = ", ".join(_q(n) for n in hashed)
    key_match = " and ".join(f"r.{_q(k)} = t.{_q(k)}" for k in contract.primary_key)
    inserted = conn.exec_driver_sql(
        f"insert into {table} ({column_list}, {', '.join(meta)})"
        f" select {', '.join('t.' + _q(n) for n in hashed)},"
        f" %(_batch_id)s, %(_extracted_at)s, %(_as_of)s, %(_source_system)s"
        f" from {target} t"
        f" where t._record_hash is distinct from ("
        f"   select r._record_hash from {table} r where {key_match} and r._as_of <= %(_as_of)s"
        f"   order by r._as_of desc, r._batch_id desc limit 1)",
        meta,
    ).rowcount
    return int(inserted)


def _refresh_statistics(conn: Any, table: str, inserted: int) -> None:
    """ANALYZE ``table`` when this batch changed it by more than STALE_STATISTICS.

    dbt builds right after a sync: without statistics PostgreSQL guesses the staging
    views' sizes and joins them with nested loops that re-read one side per row of the
    other (minutes at network scale). Autovacuum would analyse later, if it runs at all.
    """
    estimated = conn.exec_driver_sql(
        "select reltuples from pg_class where oid = cast(%s as regclass)", (table,)
    ).scalar_one()
    if estimated < 0 or inserted > STALE_STATISTICS * estimated:
        conn.exec_driver_sql(f"analyze {table}")


def _batch_defaults(conn: Any, table: str, meta: dict[str, Any], *, set_them: bool) -> None:
    """Set (or drop again) the batch's values as the raw table's column defaults."""
    cursor = raw_cursor(conn)
    for name, value in meta.items():
        default = sql.SQL("set default {}").format(sql.Literal(value)) if set_them else None
        cursor.execute(
            sql.SQL("alter table {} alter column {} {}").format(
                sql.SQL(table), sql.Identifier(name), default or sql.SQL("drop default")
            )
        )


def csv_payload(frame: pd.DataFrame, types: dict[str, str]) -> bytes:
    """CSV for COPY: the frame's columns as canonical text and their record hash."""
    text = [_canonical_arrow(frame[name], types.get(name, "string")) for name in frame.columns]
    canonical = pc.binary_join_element_wise(*[pc.fill_null(t, "\\N") for t in text], "\x1f")
    hashes = [hashlib.md5(row.encode()).hexdigest() for row in canonical.to_pylist()]
    text.append(pa.array(hashes, type=pa.string()))
    # Arrow writes a missing value as an empty unquoted field, which COPY reads as NULL,
    # and quotes every text value; normalising already made every blank value missing.
    payload = pa.BufferOutputStream()
    pa_csv.write_csv(
        pa.Table.from_arrays(text, names=[f"c{i}" for i in range(len(text))]),
        payload,
        pa_csv.WriteOptions(include_header=False, quoting_style="all_valid"),
    )
    return payload.getvalue().to_pybytes()


def _storable(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL: keep it visible as the six characters ``\\u0000``."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _copy_quarantined(
    conn: Any,
    contract: StreamContract,
    batch: Normalised,
    validation: Validation,
    rows: list[int],
    batch_id: int,
    hold_reason: list[str],
) -> None:
    cursor = raw_cursor(conn)
    with cursor.copy(
        f"copy {quarantine_table(contract)} (_batch_id, row_number, record, reasons) from stdin"
    ) as copy:
        for row in rows:
            reasons = hold_reason + validation.reasons.get(row, [])
            copy.write_row(
                (
                    batch_id,
                    row + 1,
                    json.dumps(_storable(batch.records[row]), default=str, ensure_ascii=False),
                    json.dumps(reasons, ensure_ascii=False),
                )
            )
