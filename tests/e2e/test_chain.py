"""The whole chain through Airflow: syncs, the build, and two past quarters backfilled.

``leadership demo`` runs every sync DAG and ``warehouse_build`` (Cosmos), then every
quarterly DAG (matching, reviews, exports) for 2026Q2 and 2026Q3 from their
scheduled logical dates, as a backfill does (their data intervals name the quarter),
each a real ``dag.test()`` run. ``leadership backfill 2026Q3`` must then change
nothing (a backfill before the last matched quarter skipping matching is covered in
tests/dbt/test_matching_run.py).

Cosmos renders only ``+dim_physicians`` here (LEADERSHIP_COSMOS_SELECT): each of its
tasks costs seconds under ``dag.test()``, and the quarterly DAGs build every mart
themselves before they read them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg
import pytest

from leadership.orchestration import QUARTERLY_DAGS
from simulator.hr_drop import write_next_day_hr_drop

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


def test_the_chain_backfills_two_quarters_and_a_rerun_changes_nothing(
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
    for dag_id in SYNC_DAGS:
        assert f"  {dag_id}: success" in demo.stdout, dag_id
    for dag_id in QUARTERLY_DAGS:
        assert demo.stdout.count(f"  {dag_id}: success") == 2, dag_id
    assert "Batches (16)" in demo.stdout and "Where to look next" in demo.stdout

    with psycopg.connect(url) as conn:
        batches = conn.execute(
            "select received, published, quarantined, status from ops.batches"
        ).fetchall()
        runs = [r[0] for r in conn.execute("select quarter from program.match_runs order by 1")]
        in_force = conn.execute(
            "select tier, count(*) from program.assignments where valid_to is null"
            " group by 1 order by 1"
        ).fetchall()
        built = {r[0].isoformat() for r in conn.execute("select as_of_date from ops.mart_builds")}
        scored = {r[0] for r in conn.execute("select quarter from marts.fct_readiness_scores")}
        running = conn.execute("select run_id from ops.full_builds_running").fetchall()
    # the Cosmos builds noted as running (quarterly tasks wait for them) recorded their end
    assert running == []
    # for issue 4: every batch of the run adds up
    assert len(batches) == 16 and {b[3] for b in batches} == {"published"}
    assert all(got == published + held for got, published, held, _ in batches)
    assert runs == ["2026Q3", "2026Q4"]  # each reviewed quarter matches the one starting
    assert [tier for tier, _ in in_force] == ["attending", "chair_sponsor", "peer"]
    assert all(count > 0 for _, count in in_force)
    assert {"2026-06-30", "2026-09-30"} <= built
    assert {"2026Q2", "2026Q3"} <= scored

    before, files = fingerprint(url), outbox_files(outbox)
    again = leadership(env, "backfill", "2026Q3")
    assert "quarterly_matching: success" in again.stdout
    assert fingerprint(url) == before
    assert outbox_files(outbox) == files

    # warehouse_build with the whole project rendered: the marts were last built in full
    # as of 2026-09-30 and nothing changed since, so it goes the refresh way (which finds
    # nothing to build), and none of Cosmos' tasks runs
    whole = {k: v for k, v in env.items() if k != "LEADERSHIP_COSMOS_SELECT"}
    leadership(whole, "airflow", "--", "dags", "reserialize")
    test_build = ["airflow", "--", "dags", "test", "warehouse_build"]
    test_build += ["-c", '{"as_of_date": "2026-09-30"}']
    run = leadership(whole, *test_build)
    out = run.stdout + run.stderr
    assert "starting task_id=refresh" in out and "starting task_id=dbt." not in out
    assert "the marts already describe 2026-09-30; nothing arrived since" in out
    assert fingerprint(url) == before

    # the next day 1% of the workers have a new email address: the same way again, now
    # building what the changed stream reaches and keeping what comes out as it was
    hr = tmp_path / "home" / "demo" / "drops" / "hr"
    changed = write_next_day_hr_drop(hr, date(2026, 10, 1))
    leadership(whole, "sync", "hr-csv", "--path", str(hr))
    run = leadership(whole, *test_build)
    out = run.stdout + run.stderr
    assert "starting task_id=refresh" in out and "starting task_id=dbt." not in out
    with psycopg.connect(url) as conn:
        refreshed = conn.execute(
            "select refreshed from ops.mart_builds order by build_id desc limit 1"
        ).fetchone()
        outcomes = dict(
            conn.execute("select outcome, count(*) from ops.refresh_models group by 1").fetchall()
        )
        updated = conn.execute(
            "select count(*) from marts.dim_physicians where email like '%.updated@%'"
        ).fetchone()
    assert refreshed == ("source:hr.workers+",)
    assert outcomes.get("changed", 0) >= 1 and outcomes.get("kept", 0) >= 1
    assert updated == (changed,)
