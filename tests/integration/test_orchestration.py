"""What the DAGs share: the quarter a run works on, the failure alert, the mart-build record."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from leadership.config import DBT_DIR
from leadership.dbt import (
    ASSIGNMENT_MARTS,
    PROJECT_PARTS,
    changed_since_last_build,
    marts_describe,
    project_fingerprint,
    record_build,
)
from leadership.orchestration import on_task_failure, quarter_window


def test_a_scheduled_run_reviews_the_quarter_just_completed():
    window = quarter_window(
        {"params": {}, "data_interval_start": datetime(2026, 7, 1, 6, tzinfo=UTC)}
    )
    assert (window.completed, window.starting, window.as_of) == (
        "2026Q3",
        "2026Q4",
        date(2026, 9, 30),
    )
    december = quarter_window({"params": {"quarter": "2026Q4"}})
    assert (december.completed, december.starting, december.as_of) == (
        "2026Q4",
        "2027Q1",
        date(2026, 12, 31),
    )


def test_a_failed_task_says_what_failed_and_where_to_look(warehouse_url, sql):
    ti = SimpleNamespace(dag_id="canvas_sync", task_id="sync_canvas", try_number=2)
    on_task_failure(
        {
            "task_instance": ti,
            "run_id": "scheduled__2026-10-01",
            "exception": RuntimeError("canvas GET /courses failed: HTTP 401"),
        }
    )
    (message, where) = sql("select message, where_to_look from ops.alerts")[0]
    assert message == (
        "canvas_sync.sync_canvas failed in run scheduled__2026-10-01: "
        "canvas GET /courses failed: HTTP 401"
    )
    assert "When it fails" in where and "task sync_canvas > Logs" in where


def test_quarterly_jobs_know_whether_the_marts_describe_their_quarter(warehouse_url, sql):
    assert not marts_describe(date(2026, 9, 30))
    record_build(date(2026, 9, 30), datetime.now(UTC))
    assert marts_describe(date(2026, 9, 30)) and not marts_describe(date(2026, 6, 30))
    record_build(date(2026, 6, 30), datetime.now(UTC), selector="+dim_physicians")
    assert marts_describe(date(2026, 9, 30))  # a partial build does not count

    sql(
        "insert into program.match_runs (quarter, settings, finished_at)"
        " values ('2026Q4', '{}', now() + interval '1 minute')"
    )
    assert not marts_describe(date(2026, 9, 30))  # assignments changed since the build
    later = datetime.now(UTC) + timedelta(minutes=2)
    record_build(date(2026, 6, 30), later, selector=ASSIGNMENT_MARTS)
    assert not marts_describe(date(2026, 9, 30))  # rebuilt, but as of another day
    record_build(date(2026, 9, 30), later, selector=ASSIGNMENT_MARTS)
    assert marts_describe(date(2026, 9, 30))  # the assignment marts caught up

    sql(
        "insert into ops.batches (source, feed, stream, received, published, quarantined,"
        " status, started_at, finished_at) values ('x', 'hr', 'workers', 0, 0, 0, 'published',"
        " now(), now() + interval '3 minutes')"
    )
    assert not marts_describe(date(2026, 9, 30))  # new data arrived since the build


def test_marts_built_by_another_version_of_the_dbt_project_describe_no_day(warehouse_url, sql):
    as_of = date(2026, 9, 30)
    record_build(as_of, datetime.now(UTC))
    assert marts_describe(as_of) and changed_since_last_build(as_of) == []
    # the same build, recorded by a checkout whose models or seeds differed
    sql("update ops.mart_builds set project = 'an older project' where as_of_date = %s", (as_of,))
    assert not marts_describe(as_of)
    assert changed_since_last_build(as_of) is None  # a full build, not a refresh


def test_the_project_fingerprint_follows_models_and_seeds_not_dbt_output(tmp_path):
    for part in PROJECT_PARTS:
        source = DBT_DIR / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part)
        elif source.exists():
            shutil.copy(source, tmp_path / part)
    first = project_fingerprint(tmp_path)
    assert first == project_fingerprint(DBT_DIR)  # names are relative to the project

    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "run_results.json").write_text("{}")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "dbt.log").write_text("a build ran")
    assert project_fingerprint(tmp_path) == first

    weights = tmp_path / "seeds" / "lrs_weights.csv"
    weights.write_text(weights.read_text() + "\n")
    edited = project_fingerprint(tmp_path)
    assert edited != first
    weights.rename(tmp_path / "seeds" / "lrs_weights_renamed.csv")
    assert project_fingerprint(tmp_path) not in {first, edited}
