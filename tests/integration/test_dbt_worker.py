"""dbt stays up between a process's commands, and still builds where and what it is told."""

from __future__ import annotations

import os
import signal
import time

import psycopg
import pytest

from leadership import dbt
from leadership.dbt_worker import _parse_key


def _has_view(url: str, schema: str, name: str) -> bool:
    with psycopg.connect(url) as conn:
        return bool(
            conn.execute(
                "select 1 from information_schema.views where table_schema = %s"
                " and table_name = %s",
                (schema, name),
            ).fetchone()
        )


def _worker_pid() -> int:
    return dbt._WORKER._process.pid


def test_one_worker_builds_in_each_warehouse_it_is_pointed_at(new_database, monkeypatch):
    first, second = new_database(), new_database()
    pids = []
    for url in (first, second, first):
        monkeypatch.setenv("WAREHOUSE_URL", url)
        output = dbt.run_dbt(["run", "--select", "stg_hr__workers"])
        assert "Completed successfully" in output
        pids.append(_worker_pid())

    # the parse kept for the first warehouse is not used for the second, whose
    # database name the parsed project carries in every relation
    assert _has_view(first, "staging", "stg_hr__workers")
    assert _has_view(second, "staging", "stg_hr__workers")
    assert len(set(pids)) == 1


def test_a_relation_built_again_replaces_the_old_one_and_leaves_nothing_behind(warehouse_url):
    # dbt builds the new view beside the old, renames both and drops the old one: the
    # worker runs those renames and the drop without dbt's macros (dbt_tuning.py)
    oids = []
    for _ in range(2):
        output = dbt.run_dbt(["run", "--select", "stg_hr__workers"])
        assert "Completed successfully" in output
        with psycopg.connect(warehouse_url) as conn:
            oids.append(conn.execute("select 'staging.stg_hr__workers'::regclass::oid").fetchone())
            left = conn.execute(
                "select relname from pg_class where relname like 'stg_hr__workers%'"
                " and relname <> 'stg_hr__workers'"
            ).fetchall()
        assert left == []
    assert oids[0] != oids[1]


def test_a_failed_command_says_what_dbt_said_and_the_worker_goes_on(warehouse_url):
    with pytest.raises(dbt.DbtError, match="no_such_macro") as failed:
        dbt.run_dbt(["run-operation", "no_such_macro"])
    assert "Full log:" in str(failed.value)

    output = dbt.run_dbt(["run", "--select", "stg_hr__workers"])
    assert "Completed successfully" in output
    assert _has_view(warehouse_url, "staging", "stg_hr__workers")


def test_a_worker_that_dies_mid_command_fails_that_command_only(warehouse_url):
    dbt.run_dbt(["run", "--select", "stg_hr__workers"])
    doomed = _worker_pid()

    def kill_on_first_line(line: str) -> None:
        if dbt._WORKER._process is not None and _worker_pid() == doomed:
            os.kill(doomed, signal.SIGKILL)

    with pytest.raises(dbt.DbtError, match="the dbt worker ended"):
        dbt.run_dbt(
            ["run", "--select", "stg_hr__workers"], progress=kill_on_first_line, every_line=True
        )

    output = dbt.run_dbt(["run", "--select", "stg_hr__workers"])
    assert "Completed successfully" in output
    assert _worker_pid() != doomed


def test_a_parse_is_reused_only_for_the_same_project_parse_vars_and_warehouse():
    args = ["build", "--project-dir", "p", "--profiles-dir", "p", "--vars", '{"as_of_date": "x"}']
    env = {"DBT_PG_DBNAME": "a", "DBT_PG_HOST": "h", "PYTEST_CURRENT_TEST": "one"}
    key = _parse_key(args, env, "fingerprint")

    # what a parse does not depend on: the command, its selection, unrelated variables
    same = _parse_key(
        ["test", "--select", "x", *args[1:]], {**env, "PYTEST_CURRENT_TEST": "two"}, "fingerprint"
    )
    assert same == key
    assert _parse_key(args, {**env, "DBT_PG_DBNAME": "b"}, "fingerprint") != key
    assert _parse_key([*args[:-1], '{"history_quarters": 4}'], env, "fingerprint") != key
    assert _parse_key(args, env, "changed project") != key
    # the as-of day is read by the compiled SQL only: the next day reuses the parse
    assert _parse_key([*args[:-1], '{"as_of_date": "y"}'], env, "fingerprint") == key


def test_a_reused_parse_compiles_with_the_commands_own_day(warehouse_url):
    for day in ("2026-10-03", "2026-12-31"):
        dbt.run_dbt(["compile", "--select", "int_quarters"], dbt_vars={"as_of_date": day})
        (compiled,) = (dbt.work_dir() / "target" / "compiled").rglob("int_quarters.sql")
        assert f"'{day}'" in compiled.read_text(encoding="utf-8")


def test_a_forked_child_leaves_the_parents_worker_alone(warehouse_url):
    dbt.run_dbt(["run", "--select", "stg_hr__workers"])
    parent_worker = _worker_pid()

    child = os.fork()
    if child == 0:  # the child: no worker of its own until it asks for one
        os._exit(0 if dbt._WORKER._process is None else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0

    output = dbt.run_dbt(["run", "--select", "stg_hr__workers"])
    assert "Completed successfully" in output
    assert _worker_pid() == parent_worker


def _sessions_opened(watcher: psycopg.Connection) -> int:
    """Sessions ever opened in the watcher's database (the watcher's own included)."""
    watcher.execute("select pg_stat_clear_snapshot()")
    return watcher.execute(
        "select sessions from pg_stat_database where datname = current_database()"
    ).fetchone()[0]


def test_each_dbt_thread_keeps_its_session_from_node_to_node(warehouse_url):
    # dbt opened a session per node (a server process forked and warmed for each); the
    # worker keeps a thread's session open while it has no transaction (dbt_tuning.py)
    with psycopg.connect(warehouse_url, autocommit=True) as watcher:
        before = _sessions_opened(watcher)
        output = dbt.run_dbt(["run", "--select", "staging", "--threads", "2"])
        time.sleep(1)  # a session's statistics reach the server as it ends
        opened = _sessions_opened(watcher) - before
    built = output.count(" OK created ")

    assert built >= 10
    assert opened <= built // 2, f"{opened} sessions for {built} models on 2 threads"


def test_dbt_sessions_sort_in_memory_up_to_the_configured_size(warehouse_url, monkeypatch):
    show = ["show", "--inline", "select current_setting('work_mem') as work_mem"]
    assert "32MB" in dbt.run_dbt(show)
    monkeypatch.setenv("LEADERSHIP_DBT_WORK_MEM", "8MB")
    assert "8MB" in dbt.run_dbt(show)


def test_dbt_sessions_compile_no_queries_unless_pgoptions_say_so(warehouse_url, monkeypatch):
    show = ["show", "--inline", "select current_setting('jit') as jit_setting"]
    assert "| off" in dbt.run_dbt(show)
    monkeypatch.setenv("PGOPTIONS", "-c jit=on")
    assert "| on" in dbt.run_dbt(show)
