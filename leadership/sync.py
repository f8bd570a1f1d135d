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

from integrations.canvas import Canvas
from integrations.common.connection import get_connection
from integrations.common.connector import Connector
from integrations.common.schema import Extract, ExtractError, StreamContract
from integrations.file_drop import FileDrop, LocalFolder
from integrations.ics import IcsFeeds
from integrations.msgraph import MsGraphCalendar
from leadership import warehouse
from leadership.config import drop_dir
from leadership.loading import BatchResult, publish
from leadership.normalise import normalise
from leadership.validation import validate

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


class SyncError(RuntimeError):
    """A sync stopped; nothing of the failing batch was published. The message says why."""


def _file_drop(feed: str) -> Callable[..., Connector]:
    def build(path: str | Path | None = None, **_: Any) -> Connector:
        return FileDrop(feed, LocalFolder(Path(path) if path else drop_dir() / feed))

    return build


def _from_connection(conn_id: str, factory: Callable[..., Connector]) -> Callable[..., Connector]:
    def build(**options: Any) -> Connector:
        return factory(get_connection(conn_id), **options)

    return build


SOURCES: dict[str, Callable[..., Connector]] = {
    "hr_csv": _file_drop("hr"),
    "canvas": _from_connection("canvas_default", Canvas.from_connection),
    "msgraph": _from_connection("msgraph_default", MsGraphCalendar.from_connection),
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
    connector = build_connector(source, **options)
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
    results: list[BatchResult] = []
    for extract in extracts:
        started = datetime.now(UTC)
        batch = normalise(extract.contract, extract.records)
        checked = validate(extract.contract, batch, today=today)
        result = publish(
            connector.source, extract, batch, checked, run_id=run_id, started_at=started
        )
        results.append(result)
        say(result.summary())
    return results
