"""``leadership demo``: the simulated institution, the whole quarterly chain, through Airflow.

1. the warehouse (``WAREHOUSE_URL`` or the embedded PostgreSQL), migrated;
2. the synthetic institution: its HR file drop (with planted malformed rows and the
   demographics the equity audit reads) and local servers speaking Canvas, Microsoft
   Graph and REDCap, whose connections are handed to Airflow;
3. in Airflow (one ``dag.test()`` process): the sync DAGs, ``warehouse_build``
   (Cosmos), ``quarterly_matching`` and the quarterly reviews and exports;
4. a summary: batches (received = published + quarantined), mart row counts, the
   matching and readiness results, and the outbox listing.

Re-running it replays every file and every API (full refresh): ``raw`` and the marts
come out the same. This is the one module of ``leadership`` allowed to import
``simulator``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadership import warehouse
from leadership.config import local_dir
from leadership.exports.outbox import outbox_dir
from leadership.orchestration import QUARTERLY_DAGS

Say = Callable[[str], None]

# The sources the demo runs through Airflow (one per feed) and their DAGs.
SYNC_DAGS = ["hr_sync", "canvas_sync", "msgraph_sync", "redcap_sync"]


@dataclass
class DemoSummary:
    warehouse: str
    started_at: datetime
    quarter: str = ""
    batches: list[dict[str, Any]] = field(default_factory=list)
    marts: dict[str, int] = field(default_factory=dict)
    quarantine_samples: list[tuple[str, str]] = field(default_factory=list)
    matching: list[tuple[str, int, int]] = field(default_factory=list)
    readiness: dict[str, int] = field(default_factory=dict)
    outbox: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def totals(self) -> tuple[int, int, int]:
        return (
            sum(b["received"] for b in self.batches),
            sum(b["published"] for b in self.batches),
            sum(b["quarantined"] for b in self.batches),
        )


def demo_drop_dir() -> Path:
    return local_dir() / "demo" / "drops"


def run_demo(
    *, scale: str = "small", seed: int | None = None, through_airflow: bool = True, say: Say = print
) -> DemoSummary:
    from simulator.file_drops import write_feed_drop
    from simulator.institution import DEFAULT_SEED, generate
    from simulator.program import generate_program
    from simulator.servers import start_simulator

    clock = time.monotonic()
    steps = 5 if through_airflow else 4
    step = iter(range(1, steps + 1))
    started_at = datetime.now(UTC)

    say(f"[{next(step)}/{steps}] Warehouse")
    url = warehouse.warehouse_url()
    applied = warehouse.migrate(url)
    kind = "configured by WAREHOUSE_URL" if os.environ.get("WAREHOUSE_URL") else "embedded"
    say(f"    {warehouse.display_url(url)} ({kind}); {len(applied)} migration(s) applied")

    say(f"[{next(step)}/{steps}] Simulated institution")
    program = generate_program(generate(seed=seed or DEFAULT_SEED, scale=scale))
    inst = program.inst
    drop = write_feed_drop(program, "hr", demo_drop_dir() / "hr", plant_bad_rows=True)
    simulator = start_simulator(program, ["canvas", "msgraph", "redcap"])
    quarter = f"{inst.as_of.year}Q{(inst.as_of.month - 1) // 3 + 1}"
    say(
        f"    {len(inst.people)} physicians ({scale}, seed {inst.seed}, as of {inst.as_of}); "
        f"HR drop in {drop.folder} ({len(drop.planted)} planted bad rows); Canvas, Graph and "
        f"REDCap served at {', '.join(s.url for s in simulator.servers.values())}"
    )
    try:
        if through_airflow:
            _through_airflow(
                url, drop.folder, inst.as_of.isoformat(), quarter, simulator, step, steps, say
            )
        else:
            _without_airflow(drop.folder, inst.as_of, quarter, simulator, step, steps, say)
    finally:
        simulator.stop()

    summary = collect_summary(url, started_at, quarter)
    summary.seconds = time.monotonic() - clock
    say(render_summary(summary))
    return summary


def _previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - (q == 1)}Q{4 if q == 1 else q - 1}"


def _through_airflow(
    url: str,
    hr_folder: Path,
    as_of: str,
    quarter: str,
    simulator: Any,
    step: Any,
    steps: int,
    say: Say,
) -> None:
    from leadership import dbt, local_airflow

    say(f"[{next(step)}/{steps}] Airflow (local metadata, DAGs from dags/)")
    # Graph's connection names no mailboxes: the calendar sync reads the mentors from the
    # marts, as in production, so it runs after the first build. (Listed in the
    # connection, an institution's thousands of mailboxes would make the environment
    # variable too long for any task process to start with.)
    connections = simulator.connection_env(msgraph={"mailboxes": None})
    env = local_airflow.airflow_env({"WAREHOUSE_URL": url, **connections})
    local_airflow.ensure_metadata(env, say)
    dbt.parse()
    local_airflow.reserialize(env)
    say(f"    home {env['AIRFLOW_HOME']}")

    say(f"[{next(step)}/{steps}] The chain for {quarter}, in Airflow")
    # The platform's first run: the quarterly DAGs for the last two completed quarters,
    # each from its scheduled logical date (a backfill), so the trends have two points
    # and 2026Q3's matching keeps or replaces 2026Q2's pairs as it would in production.
    chain: list[local_airflow.ChainStep] = [
        ("hr_sync", {"path": str(hr_folder), "full_refresh": True}),
        ("canvas_sync", {"full_refresh": True}),
        ("redcap_sync", {"full_refresh": True}),
        ("warehouse_build", {"as_of_date": as_of}),
        ("msgraph_sync", {"full_refresh": True}),
        *[
            (dag_id, None, local_airflow.quarter_logical_date(reviewed))
            for reviewed in (_previous_quarter(quarter), quarter)
            for dag_id in QUARTERLY_DAGS
        ],
    ]
    local_airflow.run_chain(chain, env=env, say=say, log_name="demo-chain")


def _without_airflow(
    hr_folder: Path, as_of: Any, quarter: str, simulator: Any, step: Any, steps: int, say: Say
) -> None:
    from leadership.dbt import build_marts, rebuild_assignment_marts
    from leadership.exports.run import run_output
    from leadership.matching.quarterly import MatchingHistoryError, run_matching
    from leadership.orchestration import quarter_window
    from leadership.sync import sync

    say(f"[{next(step)}/{steps}] syncs (no Airflow)")
    for key, value in simulator.connection_env().items():
        os.environ[key] = value
    sync(
        "hr_csv", path=hr_folder, full_refresh=True, today=as_of, progress=lambda m: say(f"    {m}")
    )
    for source in ("canvas", "msgraph", "redcap"):
        sync(source, full_refresh=True, today=as_of, progress=lambda m: say(f"    {m}"))
    say(f"[{next(step)}/{steps}] the quarterly jobs for {_previous_quarter(quarter)} and {quarter}")
    for reviewed in (_previous_quarter(quarter), quarter):
        window = quarter_window({"params": {"quarter": reviewed}})
        build_marts(window.as_of)
        try:
            say(f"    {reviewed}: {run_matching(window.starting).lines()[0]}")
            rebuild_assignment_marts(window.as_of)
        except MatchingHistoryError as skipped:  # a re-run: history only moves forward
            say(f"    {reviewed}: matching skipped: {skipped}")
        for line in run_output("all", reviewed):
            say(f"    {line}")


def collect_summary(url: str, since: datetime, quarter: str) -> DemoSummary:
    summary = DemoSummary(warehouse=warehouse.display_url(url), started_at=since, quarter=quarter)
    with warehouse.transaction(url) as conn:
        rows = conn.exec_driver_sql(
            "select batch_id, source, feed || '__' || stream as stream, source_ref, received,"
            " published, quarantined, inserted, status from ops.batches"
            " where started_at >= %s order by batch_id",
            (since,),
        ).mappings()
        summary.batches = [dict(r) for r in rows]
        marts = conn.exec_driver_sql(
            "select table_name from information_schema.tables"
            " where table_schema = 'marts' order by table_name"
        ).scalars()
        for table in list(marts):
            summary.marts[table] = conn.exec_driver_sql(
                f'select count(*) from marts."{table}"'
            ).scalar_one()
        batch_ids = [b["batch_id"] for b in summary.batches if b["quarantined"]]
        for stream in sorted({b["stream"] for b in summary.batches if b["quarantined"]}):
            for reasons in conn.exec_driver_sql(
                f'select reasons from quarantine."{stream}" where _batch_id = any(%s)'
                " order by quarantine_id limit 3",
                (batch_ids,),
            ).scalars():
                summary.quarantine_samples.append((stream, "; ".join(reasons)))
        summary.matching = [
            (r[0], r[1], r[2])
            for r in conn.exec_driver_sql(
                "select tier, count(*) filter (where valid_to is null), count(distinct mentor_id)"
                " filter (where valid_to is null) from program.assignments group by tier"
                " order by tier"
            )
        ]
        if summary.marts.get("fct_readiness_scores") is not None:
            summary.readiness = dict(
                conn.exec_driver_sql(
                    "select case when is_flagged then 'flagged below 70' else readiness_status end,"
                    " count(*) from marts.fct_readiness_scores where quarter = %s group by 1",
                    (quarter,),
                ).all()
            )
    root = outbox_dir()
    if root.exists():
        summary.outbox = sorted(
            str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and quarter in str(p)
        )
    return summary


def render_summary(summary: DemoSummary) -> str:
    received, published, quarantined = summary.totals()
    lines = [
        "",
        f"Done in {summary.seconds:.0f}s. Warehouse: {summary.warehouse}",
        "",
        f"Batches ({len(summary.batches)}): received {received} = published {published}"
        f" + quarantined {quarantined}",
    ]
    for b in summary.batches:
        lines.append(
            f"  #{b['batch_id']:<4} {b['stream']:<31} {str(b['source_ref'])[:34]:<34}"
            f" {b['status']:<9} received {b['received']:>6}  published {b['published']:>6}"
            f" (new {b['inserted']:>5})  quarantined {b['quarantined']:>3}"
        )
    lines += ["", "Marts:"]
    lines += [f"  marts.{name:<36} {count:>7} rows" for name, count in summary.marts.items()]
    if summary.matching:
        lines += ["", "Mentor assignments in force:"]
        lines += [
            f"  {tier:<14} {pairs:>5} residents with {mentors:>4} mentors"
            for tier, pairs, mentors in summary.matching
        ]
    if summary.readiness:
        lines += ["", f"Leadership Readiness Score, {summary.quarter}:"]
        lines += [
            f"  {label:<20} {count:>5} residents" for label, count in summary.readiness.items()
        ]
    if summary.quarantine_samples:
        lines += ["", "Quarantined rows, for example:"]
        lines += [f"  {stream}: {reason}" for stream, reason in summary.quarantine_samples]
    if summary.outbox:
        lines += ["", f"Outbox ({outbox_dir()}), {summary.quarter}:"]
        lines += [f"  {name}" for name in summary.outbox[:25]]
        if len(summary.outbox) > 25:
            lines.append(f"  ... and {len(summary.outbox) - 25} more files")
    lines += [
        "",
        "Where to look next:",
        "  leadership status                      recent batches and their counts",
        "  leadership quarantine list             what waits in quarantine, and why",
        "  leadership warehouse psql              a psql shell on the warehouse",
        "    select * from marts.fct_readiness_scores;  select * from marts.fct_kpis;",
        "  leadership airflow standalone          Airflow's UI on http://localhost:8080",
        f"  logs: {local_dir() / 'logs'}",
    ]
    return "\n".join(lines)
