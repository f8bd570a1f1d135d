"""dbt on the simulated institution: dim_physicians agrees with the simulator's own truth."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from leadership.dbt import DbtError, run_dbt
from leadership.sync import sync
from simulator.hr_drop import write_hr_drop
from simulator.institution import generate


@pytest.fixture(scope="module")
def built(make_database, tmp_path_factory) -> tuple[str, object]:
    url = make_database()
    inst = generate()
    folder: Path = tmp_path_factory.mktemp("hr")
    write_hr_drop(inst, folder, plant_bad_rows=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("WAREHOUSE_URL", url)
    try:
        sync("hr_csv", path=folder)
        run_dbt(["build"], dbt_vars={"as_of_date": inst.as_of.isoformat()})
    finally:
        mp.undo()
    return url, inst


def rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_every_physician_has_the_stage_the_simulator_expects(built) -> None:
    url, inst = built
    stages = dict(rows(url, "select physician_id, blueprint_stage from marts.dim_physicians"))
    expected = {p.worker_id: inst.expected_stage(p) for p in inst.people}
    assert stages == expected
    assert set(stages.values()) == {"resident", "fellow", "early_career_attending", "other"}


def test_current_role_pgy_and_activity_match_hr(built) -> None:
    url, inst = built
    found = {
        r[0]: r[1:]
        for r in rows(
            url,
            "select physician_id, current_role_code, current_pgy_level, is_active,"
            " attending_since from marts.dim_physicians",
        )
    }
    for person in inst.people:
        role = person.role_on(inst.as_of)
        active = person.termination_date is None or person.termination_date > inst.as_of
        assert found[person.worker_id] == (
            role.role,
            role.pgy_level,
            active,
            person.attending_since(),
        ), person.worker_id


def test_early_career_boundary_is_five_years(built) -> None:
    url, _ = built
    (violations,) = rows(
        url,
        "select count(*) from marts.dim_physicians where blueprint_stage = 'early_career_attending'"
        " and not (attending_since > as_of_date - interval '5 years')",
    )[0]
    assert violations == 0


def test_bi_reader_reads_the_marts_dbt_built(built) -> None:
    url, inst = built
    with psycopg.connect(url) as conn:
        conn.execute("set role bi_reader")
        (count,) = conn.execute("select count(*) from marts.dim_physicians").fetchone()
        assert count == len(inst.people)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from staging.stg_hr__workers")


def test_the_contract_is_enforced_on_the_mart(built) -> None:
    url, _ = built
    columns = dict(
        rows(
            url,
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'dim_physicians'",
        )
    )
    assert columns["physician_id"] == "text"
    assert columns["current_pgy_level"] == "integer"
    assert columns["attending_since"] == "date"
    assert columns["is_active"] == "boolean"


def test_every_table_a_model_reads_has_planner_statistics(built) -> None:
    # the models downstream of a table are planned on its statistics; a table no model
    # reads (the end of the graph) is left to autovacuum (dbt/macros/refresh_statistics.sql)
    import json

    url, _ = built
    listing = run_dbt(
        ["ls", "--resource-type", "model", "--resource-type", "seed", "--output", "json",
         "--output-keys", "unique_id", "relation_name", "depends_on", "config"],
        url=url,
    )  # fmt: skip
    nodes = [json.loads(line) for line in listing.splitlines() if line.startswith("{")]
    read = {parent for node in nodes for parent in node.get("depends_on", {}).get("nodes", [])}
    tables = {
        node["relation_name"].split(".", 1)[1].replace('"', ""): node["unique_id"] in read
        for node in nodes
        if node["config"]["materialized"] in ("table", "incremental", "seed")
    }
    analysed = dict(
        rows(
            url,
            "select schemaname || '.' || relname, analyze_count > 0 from pg_stat_user_tables"
            " where schemaname in ('staging', 'intermediate', 'marts', 'restricted')",
        )
    )
    assert set(tables) <= set(analysed)
    assert sum(tables.values()) >= 10
    assert [name for name, is_read in tables.items() if is_read and not analysed[name]] == []


def test_every_mart_table_has_its_key_as_primary_key(built) -> None:
    # enforced by PostgreSQL as the table is written: a mart with a duplicate or missing
    # key fails its build and the previous table stays in place
    url, _ = built
    without_key = rows(
        url,
        "select t.table_schema || '.' || t.table_name from information_schema.tables t"
        " where t.table_schema in ('marts', 'restricted') and t.table_type = 'BASE TABLE'"
        " and not exists (select from information_schema.table_constraints c"
        "   where c.table_schema = t.table_schema and c.table_name = t.table_name"
        "   and c.constraint_type = 'PRIMARY KEY') order by 1",
    )
    keyed = rows(
        url,
        "select count(*) from information_schema.table_constraints"
        " where table_schema = 'marts' and constraint_type = 'PRIMARY KEY'",
    )
    assert without_key == []
    assert keyed[0][0] >= 20


def test_intermediate_tables_are_checked_by_postgresql(built) -> None:
    # their keys and codes are constraints written with the table (enforce_constraints.sql),
    # not tests run after it: a duplicate key or an unknown code fails the model's build
    url, _ = built
    unchecked = rows(
        url,
        "select c.oid::regclass::text from pg_class c"
        " where c.relnamespace = 'intermediate'::regnamespace and c.relkind = 'r'"
        " and not exists (select from pg_constraint k"
        "   where k.conrelid = c.oid and k.contype in ('p', 'c')) order by 1",
    )
    keyed = rows(
        url,
        "select count(*) from pg_constraint"
        " where connamespace = 'intermediate'::regnamespace and contype = 'p'",
    )
    assert unchecked == []
    assert keyed[0][0] >= 7
    assert rows(url, "select count(*) from intermediate.int_physician_quarters")[0][0] > 0
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "insert into intermediate.int_physician_quarters"
            " select * from intermediate.int_physician_quarters limit 1"
        )
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("update intermediate.int_physician_quarter_slices set slice_type = 'galaxy'")
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.NotNullViolation):
        conn.execute(
            "insert into intermediate.int_assignment_quarters (assignment_quarter_id) values ('x')"
        )


def test_a_key_of_a_view_is_tested_unique_and_present(fresh_copy) -> None:
    # views cannot carry constraints: their keys are a primary_key test each (one query
    # for both, dbt/tests/generic/primary_key.sql), which fails on a duplicate or a null
    url = fresh_copy.url
    with psycopg.connect(url) as conn:
        definition = conn.execute(
            "select pg_get_viewdef('intermediate.int_quarters'::regclass)"
        ).fetchone()[0]
        conn.execute(
            "create or replace view intermediate.int_quarters as"
            f" select * from ({definition.rstrip(';')}) as spine"
            f" union all (select * from ({definition.rstrip(';')}) as again limit 1)"
        )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        with pytest.raises(DbtError, match="primary_key_int_quarters_quarter") as duplicated:
            run_dbt(["test", "--select", "int_quarters"])
        assert "Got 1 result" in str(duplicated.value)
        with psycopg.connect(url) as conn:
            conn.execute(
                "create or replace view intermediate.int_quarters as"
                f" select * from ({definition.rstrip(';')}) as spine"
                " union all select null, null, null, null"
            )
        with pytest.raises(DbtError, match="primary_key_int_quarters_quarter"):
            run_dbt(["test", "--select", "int_quarters"])
        fresh_copy.build("--select", "int_quarters")  # as defined: the test passes again


def test_mart_codes_and_scores_are_checked_by_postgresql(built) -> None:
    # enumerations and the LRS range are check constraints: a value outside them fails
    # the mart's build before the table is swapped in, where a test would fail after
    url, _ = built
    checks = rows(
        url,
        "select conrelid::regclass::text, pg_get_constraintdef(oid) from pg_constraint"
        " where contype = 'c' and connamespace = 'marts'::regnamespace order by 1, 2",
    )
    assert len(checks) >= 13
    assert rows(url, "select count(*) from marts.fct_readiness_scores")[0][0] > 0
    assert (
        "marts.fct_readiness_scores",
        "CHECK (((lrs >= (0)::numeric) AND (lrs <= (100)::numeric)))",
    ) in checks
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("update marts.fct_kpis set unit = 'furlongs' where true")
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("update marts.fct_readiness_scores set lrs = 100.1 where true")
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("update marts.fct_readiness_scores set readiness_status = 'maybe' where true")


def test_an_incremental_mart_built_before_its_key_was_declared_gets_it(built) -> None:
    # an incremental run keeps the existing table, so the key is added where it is missing
    url, inst = built
    with psycopg.connect(url) as conn:
        conn.execute("alter table marts.fct_free_slots drop constraint fct_free_slots_pkey")
    mp = pytest.MonkeyPatch()
    mp.setenv("WAREHOUSE_URL", url)
    try:
        run_dbt(
            ["build", "--select", "fct_free_slots"],
            dbt_vars={"as_of_date": inst.as_of.isoformat()},
        )
    finally:
        mp.undo()
    assert rows(
        url,
        "select pg_get_constraintdef(oid) from pg_constraint"
        " where conrelid = 'marts.fct_free_slots'::regclass and contype = 'p'",
    ) == [("PRIMARY KEY (free_slot_week_id)",)]
