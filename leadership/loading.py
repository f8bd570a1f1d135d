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

Speed: rows are encoded column by column in PostgreSQL's binary COPY format
(``leadership.copy_payload``: Arrow and numpy, only the md5 per row in Python) and sent
as one COPY in chunks, a writer thread sending one while the next is encoded; a
stream's first load, when raw holds none of its rows, goes
straight into the raw table (its indexes built after the COPY), and later loads
through a temporary table that keeps only changed versions (docs/benchmarks.md,
``leadership bench load``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from integrations.common.schema import Extract, StreamContract
from leadership.copy_payload import SIGNATURE, TRAILER, binary_rows
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
    payload_types = column_types(conn, table, names)
    cursor = raw_cursor(conn)
    # Chunk by chunk, handed to a writer thread: PostgreSQL reads one chunk while the
    # next is encoded and hashed, instead of waiting for the whole payload.
    with cursor.copy(
        f"copy {target} ({column_list}) from stdin (format binary)",
        writer=QueuedLibpqWriter(cursor),
    ) as copy:
        copy.write(SIGNATURE)
        for start in range(0, len(frame), COPY_CHUNK_ROWS):
            chunk = frame.iloc[start : start + COPY_CHUNK_ROWS]
            copy.write(binary_rows(chunk, types, payload_types, table))
        copy.write(TRAILER)
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


def column_types(conn: Any, table: str, names: list[str]) -> list[str]:
    """The catalog types of ``table``'s columns ``names``, in that order."""
    found = dict(
        conn.exec_driver_sql(
            "select attname, format_type(atttypid, atttypmod) from pg_attribute"
            " where attrelid = cast(%s as regclass) and attnum > 0 and not attisdropped",
            (table,),
        ).all()
    )
    return [found[name] for name in names]


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
