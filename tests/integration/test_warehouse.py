"""The warehouse: ordered idempotent migrations, schemas, roles, the embedded server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from leadership import warehouse

SCHEMAS = {"raw", "quarantine", "ops", "program", "staging", "intermediate", "marts", "restricted"}


def test_migrations_create_the_schemas_and_run_once(warehouse_url: str, sql) -> None:
    schemas = {r[0] for r in sql("select schema_name from information_schema.schemata")}
    assert schemas >= SCHEMAS
    applied = [r[0] for r in sql("select version from ops.schema_migrations order by version")]
    assert applied == [p.name[:4] for p in warehouse.migrations()]

    assert warehouse.migrate(warehouse_url) == []  # a second run applies nothing

    tables = {
        r[0]
        for r in sql(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('ops', 'raw', 'quarantine')"
        )
    }
    assert {
        "ops.batches",
        "ops.bookmarks",
        "raw.hr__workers",
        "raw.hr__job_history",
        "quarantine.hr__workers",
        "quarantine.hr__job_history",
    } <= tables


def test_migrate_brings_an_earlier_raw_tables_indexes_up_to_date(warehouse_url: str, sql) -> None:
    # an earlier release indexed rows by batch with a b-tree
    sql(
        "drop index raw.hr__workers__batch_brin;"
        " create index hr__workers__batch_idx on raw.hr__workers (_batch_id);"
        " update ops.stream_tables set contracts_fingerprint = 'an earlier release'"
    )
    warehouse.migrate(warehouse_url)
    indexes = dict(
        sql(
            "select indexname, indexdef from pg_indexes"
            " where schemaname = 'raw' and tablename = 'hr__workers'"
        )
    )
    assert set(indexes) == {"hr__workers__key_idx", "hr__workers__batch_brin"}
    assert "USING brin (_batch_id)" in indexes["hr__workers__batch_brin"]


def test_migrate_alters_stream_tables_only_when_the_contracts_changed_or_one_is_missing(
    warehouse_url: str, sql
) -> None:
    from leadership.tables import ensure_stream_tables

    with warehouse.transaction(warehouse_url) as conn:
        assert ensure_stream_tables(conn) is False  # as migrate left them
    sql("drop table raw.calendar__free_slots")
    with warehouse.transaction(warehouse_url) as conn:
        assert ensure_stream_tables(conn) is True
    assert sql("select to_regclass('raw.calendar__free_slots') is not null") == [(True,)]
    with warehouse.transaction(warehouse_url) as conn:
        assert ensure_stream_tables(conn) is False
    assert sql("select count(*) from ops.stream_tables") == [(1,)]


def test_migration_files_are_numbered_in_order() -> None:
    names = [p.name for p in warehouse.migrations()]
    assert names == sorted(names)
    assert [n[:4] for n in names] == [f"{i:04d}" for i in range(1, len(names) + 1)]


def test_a_batch_that_does_not_add_up_is_refused(warehouse_url: str, sql) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        sql(
            "insert into ops.batches (source, feed, stream, received, published, quarantined,"
            " status, started_at) values ('x', 'hr', 'workers', 10, 8, 1, 'published', now())"
        )


def test_bi_reader_reads_marts_only(warehouse_url: str, sql) -> None:
    sql("create table marts.example (n int); insert into marts.example values (1)")

    def as_reader(query: str):
        with psycopg.connect(warehouse_url) as conn:
            conn.execute("set role bi_reader")
            return conn.execute(query).fetchall()

    assert as_reader("select n from marts.example") == [(1,)]
    for table in ("raw.hr__workers", "quarantine.hr__workers", "ops.batches"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_reader(f"select * from {table}")


def test_display_url_hides_the_password() -> None:
    shown = warehouse.display_url("postgresql://etl:s3cret@db.example.org:6543/lpp")
    assert "s3cret" not in shown
    assert shown == "postgresql://etl:***@db.example.org:6543/lpp"


def test_unreachable_warehouse_says_what_to_do() -> None:
    with pytest.raises(
        warehouse.WarehouseError, match=r"cannot reach the warehouse.*WAREHOUSE_URL"
    ):
        warehouse.ensure_database("postgresql://nobody:pw@127.0.0.1:1/lpp?connect_timeout=2")


def test_embedded_warehouse_starts_when_no_url_is_set(tmp_path: Path) -> None:
    """With WAREHOUSE_URL unset, the CLI starts pgserver under LEADERSHIP_HOME and migrates."""
    env = {k: v for k, v in os.environ.items() if k != "WAREHOUSE_URL"}
    env["LEADERSHIP_HOME"] = str(tmp_path)
    leadership = str(Path(sys.executable).with_name("leadership"))
    try:
        migrated = subprocess.run(
            [leadership, "warehouse", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stderr
        assert "migration(s) applied" in migrated.stdout
        url = subprocess.run(
            [leadership, "warehouse", "url"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        assert str(tmp_path / "pgdata") in url
        assert (tmp_path / "pgdata" / "PG_VERSION").exists()
    finally:
        subprocess.run(
            [leadership, "warehouse", "stop"], env=env, capture_output=True, timeout=60, check=False
        )


def test_a_forked_child_opens_its_own_connections(warehouse_url: str) -> None:
    import multiprocessing

    with warehouse.transaction(warehouse_url) as conn:
        parent_pid = conn.exec_driver_sql("select pg_backend_pid()").scalar_one()
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)

    def child() -> None:
        with warehouse.transaction(warehouse_url) as conn:
            send.send(conn.exec_driver_sql("select pg_backend_pid()").scalar_one())

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    child_pid = receive.recv()
    process.join()
    assert child_pid != parent_pid
    with warehouse.transaction(warehouse_url) as conn:  # the parent's pool still works
        assert conn.exec_driver_sql("select pg_backend_pid()").scalar_one() == parent_pid
