"""Run one source's sync: extract -> normalise -> validate -> publish, batch by batch.

The CLI (``leadership sync <source>``) and the sync DAGs call :func:`sync`. Each
extract is published in its own transaction with its bookmark, so an interrupted
sync resumes after the last published batch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from integrations.canvas import Canvas
from integrations.common.connection import ConnectionSettings, get_connection
from integrations.common.connector import Connector
from integrations.common.schema import Extract, ExtractError, StreamContract
from integrations.file_drop import FileDrop, drop_location
from integrations.ics import IcsFeeds
from integrations.msgraph import MsGraphCalendar
from integrations.qualtrics import Qualtrics
from integrations.redcap import Redcap
from integrations.workday import Workday
from leadership import references, warehouse
from leadership.collector import collector_paused
from leadership.config import drop_dir
from leadership.loading import BatchResult, publish
from leadership.normalise import Normalised, normalise
from leadership.validation import Validation, validate

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


class SyncError(RuntimeError):
    """A sync stopped; nothing of the failing batch was published. The message says why."""


class BatchHeld(SyncError):
    """Batch-level expectations held one or more batches: retrying will not help."""

    def __init__(self, message: str, held: list[BatchResult]) -> None:
        super().__init__(message)
        self.held = held


def _file_drop(feed: str) -> Callable[..., Connector]:
    def build(path: str | Path | None = None, location: str | None = None, **_: Any) -> Connector:
        where = drop_location(feed, default_root=drop_dir(), path=path, location=location)
        return FileDrop(feed, where)

    return build


def _from_connection(conn_id: str, factory: Callable[..., Connector]) -> Callable[..., Connector]:
    def build(**options: Any) -> Connector:
        return factory(get_connection(conn_id), **options)

    return build


def _msgraph_with_directory(conn: ConnectionSettings, **options: Any) -> Connector:
    """Graph needs mailboxes: the connection's extra, else the mentor directory in the marts."""
    mailboxes = options.pop("mailboxes", None)  # given by the caller: used as they are
    if mailboxes is None and not conn.extra.get("mailboxes"):
        mailboxes = mentor_mailboxes()
    return MsGraphCalendar.from_connection(conn, mailboxes=mailboxes, **options)


def mentor_mailboxes() -> dict[str, str] | None:
    """Mentor id -> email for every possible mentor (active faculty, PGY-2/3 residents).

    Read from ``marts.dim_physicians``; None until the HR sync and the warehouse build
    have run once (the Graph connector then says so).
    """
    with warehouse.transaction() as conn:
        exists = conn.exec_driver_sql("select to_regclass('marts.dim_physicians')").scalar()
        if not exists:
            return None
        rows = conn.exec_driver_sql(
            "select physician_id, email from marts.dim_physicians"
            " where is_active and email is not null and (current_role_code in"
            " ('attending', 'division_chief', 'vice_chair', 'chair')"
            " or (current_role_code = 'resident' and current_pgy_level in (2, 3)))"
        ).all()
    return dict(rows) or None


SOURCES: dict[str, Callable[..., Connector]] = {
    "hr_csv": _file_drop("hr"),
    "lms_csv": _file_drop("lms"),
    "calendar_csv": _file_drop("calendar"),
    "surveys_csv": _file_drop("surveys"),
    "canvas": _from_connection("canvas_default", Canvas.from_connection),
    "workday": _from_connection("workday_default", Workday.from_connection),
    "redcap": _from_connection("redcap_default", Redcap.from_connection),
    "qualtrics": _from_connection("qualtrics_default", Qualtrics.from_connection),
    "msgraph": _from_connection("msgraph_default", _msgraph_with_directory),
    "ics": _from_connection("ics_default", IcsFeeds.from_connection),
}


def source_names() -> list[str]:
    return sorted(SOURCES)


def build_connector(source: str, **options: Any) -> Connector:
    key = source.replace("-", "_")
    if key not in SOURCES:
        raise SyncError(f"unknown source {source!r}; known sources: {', '.join(source_names())}")
    return SOURCES[key](**options)


def load_bookmark(source: str, contract: StreamContract) -> dict[str, Any] | None:
    with warehouse.transaction() as conn:
        row = conn.exec_driver_sql(
            "select value from ops.bookmarks where source = %s and stream = %s",
            (source, contract.qualified_name),
        ).first()
    if row is None:
        return None
    value = row[0]
    return value if isinstance(value, dict) else json.loads(value)


def record_failure(source: str, stream: str | None, message: str, run_id: str | None) -> None:
    with warehouse.transaction() as conn:
        conn.exec_driver_sql(
            "insert into ops.sync_failures (source, stream, message, run_id)"
            " values (%s, %s, %s, %s)",
            (source, stream, message, run_id),
        )


@collector_paused()
def sync(
    source: str,
    *,
    streams: Iterable[str] | None = None,
    full_refresh: bool = False,
    run_id: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> list[BatchResult]:
    """Sync ``source`` (all its streams, or the named ones); return one result per batch."""
    say = progress or log.info
    # Connectors that look at the calendar (free slots of "this week") get the same day.
    connector = build_connector(source, **({"today": today} if today else {}), **options)
    warehouse.migrate()
    wanted = set(streams) if streams else None
    contracts = [
        c
        for c in connector.streams()
        if wanted is None or c.name in wanted or c.qualified_name in wanted
    ]
    if wanted and not contracts:
        known = ", ".join(c.name for c in connector.streams())
        raise SyncError(f"{source} has no stream {', '.join(sorted(wanted))}; its streams: {known}")
    today = today or date.today()
    # Extract everything first: a source that fails part-way publishes nothing.
    extracts: list[Extract] = []
    for contract in contracts:
        bookmark = None if full_refresh else load_bookmark(connector.source, contract)
        try:
            found = list(connector.extract(contract, bookmark, full_refresh=full_refresh))
        except ExtractError as exc:
            message = f"{connector.source} {contract.qualified_name}: {exc}"
            record_failure(connector.source, contract.qualified_name, str(exc), run_id)
            raise SyncError(message + "; nothing was published, the next run retries") from None
        if not found:
            say(f"{contract.qualified_name}: nothing new since {bookmark or 'the start'}")
        else:
            say(
                f"{contract.qualified_name}: extracted {sum(len(e.records) for e in found)} records"
            )
        extracts.extend(found)
    results = [
        validate_and_publish(connector.source, extract, today=today, run_id=run_id)
        for extract in extracts
    ]
    for result in results:
        say(result.summary())
    held = [r for r in results if r.status == "held"]
    if held:
        raise BatchHeld(held_message(held), held)
    return results


def validate_and_publish(
    source: str,
    extract: Extract,
    *,
    today: date,
    run_id: str | None = None,
    released_from: int | None = None,
    release_note: str | None = None,
    batch_checks: bool = True,
) -> BatchResult:
    """Normalise, validate and publish one extract as one batch."""
    started = datetime.now(UTC)
    contract = extract.contract
    if extract.problem:
        batch = Normalised(
            frame=pd.DataFrame(index=range(len(extract.records))),
            records=[dict(r) for r in extract.records],
        )
        checked = Validation(
            reasons={}, batch_failures=[extract.problem], suite=contract.qualified_name
        )
    else:
        batch = normalise(contract, extract.records)
        # a release re-checks a handful of rows: the row-count band would always trip
        snapshot = extract.window_start is None and batch_checks and released_from is None
        previous = previous_snapshot_rows(source, contract) if snapshot else None
        checked = validate(contract, batch, today=today, previous_rows=previous)
        extract.notes.extend(references.check(contract, batch, checked))
        if not batch_checks:
            checked.batch_failures.clear()
    _forget_fingerprints_if_quarantined(extract, checked)
    return publish(
        source,
        extract,
        batch,
        checked,
        run_id=run_id,
        started_at=started,
        released_from=released_from,
        release_note=release_note,
    )


def _forget_fingerprints_if_quarantined(extract: Extract, checked: Validation) -> None:
    """See ``Extract.fingerprints_key``: a batch that quarantines keeps no fingerprints."""
    key = extract.fingerprints_key
    if not key or not extract.bookmark or key not in extract.bookmark:
        return
    if checked.failed_rows or checked.batch_failures:
        extract.bookmark = {k: v for k, v in extract.bookmark.items() if k != key}
        extract.notes.append(
            "rows were quarantined or the batch held: the next sync sends every record "
            "again, not only those that changed"
        )


def previous_snapshot_rows(source: str, contract: StreamContract) -> int | None:
    """Rows in the last published full snapshot of this stream from this source."""
    with warehouse.transaction() as conn:
        row = conn.exec_driver_sql(
            "select received from ops.batches where source = %s and feed = %s and stream = %s"
            " and window_start is null and status = 'published' and released_from is null"
            " order by batch_id desc limit 1",
            (source, contract.feed, contract.name),
        ).first()
    return int(row[0]) if row else None


def held_message(held: list[BatchResult]) -> str:
    lines = [f"{len(held)} batch(es) held, nothing of them published:"]
    for result in held:
        lines.append(
            f"  batch {result.batch_id} ({result.stream}, {result.source_ref}): {result.message}"
        )
    first = held[0].batch_id
    lines.append(
        f"Inspect with `leadership quarantine show {first}`; once fixed upstream, send the "
        f"data again, or release with `leadership quarantine release {first}` (add "
        "`--accept-batch-checks` when the batch is right as it is)."
    )
    return "\n".join(lines)
