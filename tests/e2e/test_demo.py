"""`leadership demo` through Airflow, twice: the second run changes nothing in raw or the marts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.slow


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent hash of every raw and mart table."""
    out = {}
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('raw', 'marts') and table_type = 'BASE TABLE'"
            " order by 1"
        ).fetchall()
        for (table,) in tables:
            out[table] = conn.execute(
                f"select count(*), coalesce(md5(string_agg(h, ',' order by h)), '')"
                f" from (select md5(t::text) as h from {table} t) rows"
            ).fetchone()
    return out


def run_demo(url: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WAREHOUSE_URL": url, "LEADERSHIP_HOME": str(home)}
    return subprocess.run(
        [str(Path(sys.executable).with_name("leadership")), "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_demo_runs_through_airflow_and_is_idempotent(make_database, tmp_path: Path) -> None:
    url = make_database()

    first = run_demo(url, tmp_path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    after_first = fingerprint(url)
    second = run_demo(url, tmp_path)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]

    assert fingerprint(url) == after_first
    assert after_first["marts.dim_physicians"][0] == 284
    assert after_first["raw.hr__workers"][0] > 0 and after_first["raw.hr__job_history"][0] > 0

    for output in (first.stdout, second.stdout):
        assert "task sync_hr_csv" in output and "task dbt.dim_physicians_model_build" in output
        assert "Batches (4): received 1548 = published 1538 + quarantined 10" in output
        assert "marts.dim_physicians" in output and "Where to look next" in output
    assert "(new    0)" in second.stdout

    with psycopg.connect(url) as conn:
        batches = conn.execute(
            "select received, published, quarantined, run_id from ops.batches"
        ).fetchall()
    assert len(batches) == 8
    assert all(r == p + q for r, p, q, _ in batches)
    assert all(run_id and run_id.startswith("manual__") for *_, run_id in batches)
