"""Inspect and release quarantined rows and held batches (``leadership quarantine ...``).

A data engineer lists what waits in quarantine, reads the rows with their reasons,
and, once the cause is fixed (a missing HR record has arrived, a suite was
corrected, a batch that looked odd is confirmed right), releases a batch: its
unreleased rows go through validation again as a new batch. Rows that still fail
are quarantined again under the new batch, with the new reasons; nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from integrations.common.schema import Extract
from integrations.contracts import CONTRACTS, get_contract
from leadership import warehouse
from leadership.loading import BatchResult
from leadership.tables import quarantine_table


class QuarantineError(RuntimeError):
    """A quarantine command cannot proceed; the message says why."""


@dataclass
class Waiting:
    batch_id: int
    source: str
    stream: str
    source_ref: str
    status: str
    waiting: int
    first_reason: str


def _union_of_quarantines() -> str:
    parts = [
        f"select _batch_id, '{name}' as stream, count(*) as waiting,"
        f" min(reasons->>0) as first_reason from {quarantine_table(contract)}"
        " where released_at is null group by _batch_id"
        for name, contract in CONTRACTS.items()
    ]
    return " union all ".join(parts)


def waiting(limit: int = 50) -> list[Waiting]:
    """Batches with rows still in quarantine, newest first."""
    with warehouse.transaction() as conn:
        rows = conn.exec_driver_sql(
            f"select b.batch_id, b.source, q.stream, coalesce(b.source_ref, ''), b.status,"
            f" q.waiting, q.first_reason from ({_union_of_quarantines()}) q"
            " join ops.batches b on b.batch_id = q._batch_id"
            " order by b.batch_id desc limit %s",
            (limit,),
        ).all()
    return [Waiting(*row) for row in rows]


def batch(batch_id: int) -> dict[str, Any]:
    with warehouse.transaction() as conn:
        row = (
            conn.exec_driver_sql("select * from ops.batches where batch_id = %s", (batch_id,))
            .mappings()
            .first()
        )
    if row is None:
        raise QuarantineError(f"no batch {batch_id}; `leadership quarantine list` shows them")
    return dict(row)


def rows(batch_id: int, *, limit: int | None = None, unreleased_only: bool = True) -> list[dict]:
    info = batch(batch_id)
    contract = get_contract(f"{info['feed']}__{info['stream']}")
    query = (
        f"select quarantine_id, row_number, record, reasons, released_at, released_batch_id"
        f" from {quarantine_table(contract)} where _batch_id = %s"
        + (" and released_at is null" if unreleased_only else "")
        + " order by row_number"
        + (f" limit {int(limit)}" if limit else "")
    )
    with warehouse.transaction() as conn:
        return [dict(r) for r in conn.exec_driver_sql(query, (batch_id,)).mappings()]


def release(
    batch_id: int,
    *,
    accept_batch_checks: bool = False,
    note: str | None = None,
    today: date | None = None,
) -> BatchResult:
    """Validate a batch's unreleased quarantined rows again and publish what passes."""
    from leadership.sync import validate_and_publish

    info = batch(batch_id)
    contract = get_contract(f"{info['feed']}__{info['stream']}")
    waiting_rows = rows(batch_id)
    if not waiting_rows:
        raise QuarantineError(f"batch {batch_id} has no rows waiting in quarantine")
    extract = Extract(
        contract=contract,
        records=[r["record"] for r in waiting_rows],
        source_ref=f"release of batch {batch_id}",
        bookmark=None,
        window_start=info["window_start"],
        window_end=info["window_end"],
    )
    why = note or ("batch checks accepted by a person" if accept_batch_checks else None)
    result = validate_and_publish(
        info["source"],
        extract,
        today=today or date.today(),
        released_from=batch_id,
        release_note=why,
        batch_checks=not accept_batch_checks,
    )
    if info["status"] == "held":
        with warehouse.transaction() as conn:
            conn.exec_driver_sql(
                "update ops.batches set status = 'released' where batch_id = %s", (batch_id,)
            )
    return result


def build_docs() -> Path:
    """Build Great Expectations' Data Docs (under .local/gx/data_docs) and return the index."""
    from leadership.validation import context

    ctx = context()
    ctx.build_data_docs()
    sites = ctx.get_docs_sites_urls()
    url = sites[0]["site_url"] if sites else ""
    return Path(url.removeprefix("file://")) if url else Path()
