"""The whole chain through Airflow for one quarter, then a backfill of two past quarters.

``leadership demo`` runs every sync DAG, ``warehouse_build`` (Cosmos), quarterly
matching and the quarterly reviews and exports for 2026Q3, each a real
``dag.test()`` run. ``leadership backfill`` then runs the quarterly DAGs for 2026Q1
and 2026Q2 from their scheduled logical dates (their data intervals name the
quarter), and re-running 2026Q2 must change nothing.

Cosmos renders only ``+dim_physicians`` here (LEADERSHIP_COSMOS_SELECT): each of its
tasks costs seconds under ``dag.test()``, and the quarterly DAGs build every mart
themselves before they read them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from leadership.orchestration import QUARTERLY_DAGS

pytestmark = pytest.mark.slow

SYNC_DAGS = ["hr_sync", "canvas_sync", "msgraph_sync", "redcap_sync", "warehouse_build"]
# What a re-run must leave exactly as it was (match_runs is a log of runs: it grows).
KEPT_SCHEMAS = ["raw", "marts", "quarantine"]
KEPT_TABLES = ["program.assignments", "program.notifications", "program.coaching_flags"]


def leadership(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("leadership")), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent hash of every table a re-run must not change."""
    out = {}
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
                " where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1",
                (KEPT_SCHEMAS,),
            )
        ]
        for table in [*tables, *KEPT_TABLES]:
            out[table] = conn.execute(
                "select count(*), coalesce(md5(string_agg(h, ',' order by h)), '')"
                f" from (select md5(t::text) as h from {table} t) rows"
            ).fetchone()
    return out


def outbox_files(outbox: Path) -> dict[str, str]:
    return {
        str(p.relative_to(outbox)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(outbox.rglob("*"))
        if p.is_file()
    }


def test_a_quarter_through_airflow_then_a_backfill_of_two_past_quarters(
    new_database, tmp_path: Path
) -> None:
    url = new_database()
    outbox = tmp_path / "outbox"
    env = {
        **os.environ,
        "WAREHOUSE_URL": url,
        "LEADERSHIP_HOME": str(tmp_path / "home"),
        "LEADERSHIP_OUTBOX": str(outbox),
        "LEADERSHIP_COSMOS_SELECT": "+dim_physicians",
    }

    demo = leadership(env, "demo")
    for dag_id in [*SYNC_DAGS, *QUARTERLY_DAGS]:
        assert f"  {dag_id}: success" in demo.stdout, dag_id
    assert "Batches (16)" in demo.stdout and "Where to look next" in demo.stdout

    with psycopg.connect(url) as conn:
        batches = conn.execute(
            "select received, published, quarantined, status from ops.batches"
        ).fetchall()
        matched = conn.execute(
            "select tier, count(*) from program.assignments"
            " where valid_from = '2026-07-01' and valid_to is null group by 1 order by 1"
        ).fetchall()
    assert len(batches) == 16 and {b[3] for b in batches} == {"published"}
    assert all(got == published + held for got, published, held, _ in batches)
    assert [tier for tier, _ in matched] == ["attending", "chair_sponsor", "peer"]
    assert all(count > 0 for _, count in matched)

    backfill = leadership(env, "backfill", "2026Q1", "2026Q2")
    assert backfill.stdout.count("quarterly_matching: success") == 2
    with psycopg.connect(url) as conn:
        built = {r[0].isoformat() for r in conn.execute("select as_of_date from ops.mart_builds")}
        scored = {
            r[0] for r in conn.execute("select distinct quarter from marts.fct_readiness_scores")
        }
        runs = conn.execute("select quarter from program.match_runs order by run_id").fetchall()
    assert {"2026-03-31", "2026-06-30", "2026-09-30"} <= built
    assert {"2026Q1", "2026Q2"} <= scored
    # 2026Q1's run would match for 2026Q2, before the demo's 2026Q3: skipped, history kept.
    assert [q for (q,) in runs] == ["2026Q3", "2026Q3"]

    before, files = fingerprint(url), outbox_files(outbox)
    again = leadership(env, "backfill", "2026Q2")
    assert "quarterly_matching: success" in again.stdout
    assert fingerprint(url) == before
    assert outbox_files(outbox) == files
