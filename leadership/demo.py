"""``leadership demo``: the simulated institution, end to end, through Airflow.

Writes the synthetic institution's HR drop (with a few planted malformed rows),
then runs the ``hr_sync`` and ``warehouse_build`` DAGs with a local Airflow, and
prints what happened: batches, rows published and quarantined, mart row counts,
and where to look next. Re-running it replays every file (``full_refresh``) and
must leave ``raw`` and the marts exactly as they were.

This is the one module of ``leadership`` allowed to import ``simulator``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadership import warehouse
from leadership.config import local_dir

Say = Callable[[str], None]


@dataclass
class DemoSummary:
    warehouse: str
    started_at: datetime
    batches: list[dict[str, Any]] = field(default_factory=list)
    marts: dict[str, int] = field(default_factory=dict)
    quarantine_samples: list[tuple[str, str]] = field(default_factory=list)
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
    from simulator.hr_drop import write_hr_drop
    from simulator.institution import DEFAULT_SEED, generate

    clock = time.monotonic()
    steps = 5 if through_airflow else 4
    step = iter(range(1, steps + 1))
    started_at = datetime.now(UTC)

    say(f"[{next(step)}/{steps}] Warehouse")
    url = warehouse.warehouse_url()
    applied = warehouse.migrate(url)
    kind = "configured by WAREHOUSE_URL" if _configured() else "embedded, under .local/pgdata"
    say(f"    {warehouse.display_url(url)} ({kind}); {len(applied)} migration(s) applied")

    say(f"[{next(step)}/{steps}] Simulated institution")
    inst = generate(seed=seed or DEFAULT_SEED, scale=scale)
    drop = write_hr_drop(inst, demo_drop_dir() / "hr", plant_bad_rows=True)
    say(
        f"    {len(inst.people)} physicians ({scale}, seed {inst.seed}, as of {inst.as_of}); "
        f"{len(drop.files)} HR files in {drop.folder} with {len(drop.planted)} planted bad rows"
    )
    as_of = inst.as_of.isoformat()

    if through_airflow:
        _through_airflow(url, drop.folder, as_of, step, steps, say)
    else:
        _without_airflow(drop.folder, as_of, step, steps, say)

    summary = collect_summary(url, started_at)
    summary.seconds = time.monotonic() - clock
    say(render_summary(summary))
    return summary


def _configured() -> bool:
    import os

    return bool(os.environ.get("WAREHOUSE_URL"))


def _through_airflow(
    url: str, hr_folder: Path, as_of: str, step: Any, steps: int, say: Say
) -> None:
    from leadership import dbt, local_airflow

    say(f"[{next(step)}/{steps}] Airflow (local metadata, DAGs from dags/)")
    env = local_airflow.airflow_env({"WAREHOUSE_URL": url})
    local_airflow.ensure_metadata(env, say)
    dbt.parse()
    local_airflow.reserialize(env)
    say(f"    home {env['AIRFLOW_HOME']}")

    say(f"[{next(step)}/{steps}] hr_sync: validate and publish the HR drop")
    result = local_airflow.dags_test(
        "hr_sync", conf={"path": str(hr_folder), "full_refresh": True}, env=env, say=say
    )
    say(f"    {result.state} in {result.seconds:.0f}s (log {result.log_path})")

    say(f"[{next(step)}/{steps}] warehouse_build: dbt staging -> marts (Cosmos)")
    result = local_airflow.dags_test(
        "warehouse_build", conf={"as_of_date": as_of}, env=env, say=say
    )
    say(f"    {result.state} in {result.seconds:.0f}s (log {result.log_path})")


def _without_airflow(hr_folder: Path, as_of: str, step: Any, steps: int, say: Say) -> None:
    from leadership.dbt import run_dbt
    from leadership.sync import sync

    say(f"[{next(step)}/{steps}] sync hr_csv (no Airflow)")
    sync("hr_csv", path=hr_folder, full_refresh=True, progress=lambda m: say(f"    {m}"))
    say(f"[{next(step)}/{steps}] dbt build")
    run_dbt(["build"], dbt_vars={"as_of_date": as_of}, progress=lambda m: say(f"    {m}"))


def collect_summary(url: str, since: datetime) -> DemoSummary:
    summary = DemoSummary(warehouse=warehouse.display_url(url), started_at=since)
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
            f"  #{b['batch_id']:<4} {b['stream']:<18} {b['source_ref']:<28} {b['status']:<9}"
            f" received {b['received']:>5}  published {b['published']:>5}"
            f" (new {b['inserted']:>4})  quarantined {b['quarantined']:>3}"
        )
    lines += ["", "Marts:"]
    lines += [f"  marts.{name:<28} {count:>7} rows" for name, count in summary.marts.items()]
    if summary.quarantine_samples:
        lines += ["", "Quarantined rows, for example:"]
        lines += [f"  {stream}: {reason}" for stream, reason in summary.quarantine_samples]
    lines += [
        "",
        "Where to look next:",
        "  leadership status                      recent batches and their counts",
        "  leadership warehouse psql              a psql shell on the warehouse",
        "    select * from marts.dim_physicians;  select * from quarantine.hr__workers;",
        "  leadership airflow standalone          Airflow's UI on http://localhost:8080",
        f"  logs: {local_dir() / 'logs'}",
    ]
    return "\n".join(lines)
