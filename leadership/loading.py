"""The publish path: one validated batch in one transaction.

In a single transaction: the ``ops.batches`` row, the accepted rows COPY'd into
``raw.<feed>__<stream>``, the failing rows into ``quarantine.<feed>__<stream>``
with every reason, and the stream's bookmark. A crash leaves nothing half-written
and never moves a bookmark past data that was not saved.

Raw keeps versions: a row is written only when its content differs from the
version of the same key that was current at the extract's ``_as_of`` time
(``_record_hash``, computed by PostgreSQL from the typed values). Re-running a
window, or replaying every window with ``--full-refresh``, therefore publishes
nothing new and leaves raw as it was. dbt staging picks the latest version per key.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from integrations.common.schema import Extract, StreamContract
from leadership.normalise import Normalised
from leadership.tables import quarantine_table, raw_table
from leadership.validation import Validation
from leadership.warehouse import raw_cursor, transaction

log = logging.getLogger(__name__)


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


def _python_values(series: pd.Series, column_type: str = "string") -> list[Any]:
    """A typed column as Python values for COPY (None for missing; JSON as text)."""
    if column_type == "json":
        return [None if v is None else json.dumps(v, sort_keys=True) for v in series.astype(object)]
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            values = [v.to_pydatetime() if not pd.isna(v) else None for v in series]
        else:
            values = [v.date() if not pd.isna(v) else None for v in series]
        return values
    return [None if _missing(v) else v for v in series.astype(object)]


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


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
    column_list = ", ".join(_q(n) for n in names)
    temp = f"_incoming_{contract.qualified_name}"
    conn.exec_driver_sql(
        f"create temp table {temp} on commit drop as"
        f" select {column_list} from {raw_table(contract)} with no data"
    )
    frame = batch.frame.loc[accepted, names]
    types = {c.name: c.type for c in contract.columns}
    columns = [_python_values(frame[name], types.get(name, "string")) for name in names]
    cursor = raw_cursor(conn)
    with cursor.copy(f"copy {temp} ({column_list}) from stdin") as copy:
        for row in zip(*columns, strict=True):
            copy.write_row(row)
    hash_expr = "md5(row(" + ", ".join(f"t.{_q(n)}" for n in names) + ")::text)"
    key_match = " and ".join(f"r.{_q(k)} = t.{_q(k)}" for k in contract.primary_key)
    table = raw_table(contract)
    inserted = conn.exec_driver_sql(
        f"insert into {table}"
        f" ({column_list}, _batch_id, _extracted_at, _as_of, _record_hash, _source_system)"
        f" select {', '.join('t.' + _q(n) for n in names)}, %(batch)s, %(extracted)s, %(as_of)s,"
        f" h._record_hash, %(source)s"
        f" from {temp} t cross join lateral (select {hash_expr} as _record_hash) h"
        f" where h._record_hash is distinct from ("
        f"   select r._record_hash from {table} r where {key_match} and r._as_of <= %(as_of)s"
        f"   order by r._as_of desc, r._batch_id desc limit 1)",
        {"batch": batch_id, "extracted": extracted_at, "as_of": as_of, "source": source},
    ).rowcount
    return int(inserted)


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
