"""Workday RaaS: both HR streams land from one report; prompts; drift; the CSV drop agrees."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest

from leadership.sync import BatchHeld, SyncError, sync
from simulator.hr_drop import snapshot_rows, write_hr_drop
from simulator.institution import Role
from tests.integrations.conftest import raw_content

WORKER_COLUMNS = (
    "worker_id, first_name, last_name, email, department, specialty, program,"
    " hire_date, termination_date"
)
HISTORY_COLUMNS = (
    "worker_id, effective_date, role, pgy_level, department, specialty, program, title"
)


def report_requests(server):
    return [r for r in server.requests if "/customreport2/" in r.path]


def set_extra(simulator, monkeypatch, **extra) -> None:
    """Change the workday_default connection's extra for this test."""
    conn = json.loads(simulator.connection_env()["AIRFLOW_CONN_WORKDAY_DEFAULT"])
    conn["extra"].update(extra)
    monkeypatch.setenv("AIRFLOW_CONN_WORKDAY_DEFAULT", json.dumps(conn))


def as_rows(rows: list[list[str]]) -> set[tuple]:
    """hr_drop snapshot rows (strings) in the shape the warehouse returns them."""
    out = set()
    for row in rows:
        values = []
        for value in row:
            if not isinstance(value, str):
                values.append(value)
            elif value == "":
                values.append(None)
            elif len(value) == 10 and value[4] == "-" and value[7] == "-":
                values.append(date.fromisoformat(value))
            else:
                values.append(value)
        out.add(tuple(values))
    return out


def test_one_report_fetch_lands_both_streams_exactly(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    results = sync("workday")

    assert {r.stream: r.quarantined for r in results} == {"hr__workers": 0, "hr__job_history": 0}
    server = tiny_simulator.servers["workday"]
    (request,) = report_requests(server)  # one fetch serves both streams
    assert (
        request.path
        == "/ccx/service/customreport2/example_health/ISU_Leadership/Leadership_Workers"
    )
    assert request.arg("format") == "json"
    assert request.arg("Updated_From") is None  # the first sync is full

    inst = tiny_program.inst
    workers, history = snapshot_rows(inst, date.today())
    assert set(sql(f"select {WORKER_COLUMNS} from raw.hr__workers")) == as_rows(workers)
    history = {(*r[:3], int(r[3]) if r[3] else None, *r[4:]) for r in history}
    assert set(sql(f"select {HISTORY_COLUMNS} from raw.hr__job_history")) == as_rows(history)
    assert sql("select count(*) from raw.hr__workers where termination_date is not null")[0][0] == (
        sum(1 for p in inst.people if p.termination_date)
    )


def test_the_effective_date_prompt_is_sent_and_honoured(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    day = date(2025, 9, 1)
    set_extra(tiny_simulator, monkeypatch, effective_as_of=day.isoformat())
    sync("workday")

    (request,) = report_requests(tiny_simulator.servers["workday"])
    assert request.arg("Effective_as_of_Date") == "2025-09-01-07:00"
    workers, history = snapshot_rows(tiny_program.inst, day)
    assert sql("select count(*) from raw.hr__workers")[0][0] == len(workers)
    assert sql("select count(*) from raw.hr__job_history")[0][0] == len(history)
    assert len(workers) < len(tiny_program.inst.people)  # later hires are not in the report
    assert sql("select max(effective_date) from raw.hr__job_history")[0][0] <= day


def test_the_second_sync_asks_only_for_changed_workers(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    sync("workday")
    server = tiny_simulator.servers["workday"]
    (first,) = report_requests(server)
    bookmarks = dict(sql("select stream, value from ops.bookmarks where source = 'workday'"))
    assert bookmarks["hr__workers"] == bookmarks["hr__job_history"]
    since = bookmarks["hr__workers"]["changed_since"]
    assert first.arg("Effective_as_of_Date") == f"{since}-07:00"
    server.clear()

    attending = next(p for p in tiny_program.inst.people if p.history[-1].role == "attending")
    promotion = Role(
        date.fromisoformat(since),
        "division_chief",
        None,
        attending.department,
        attending.specialty,
        "",
        f"Chief, Division of {attending.specialty}",
    )
    attending.history.append(promotion)
    try:
        results = {r.stream: r for r in sync("workday")}
    finally:
        attending.history.remove(promotion)

    (again,) = report_requests(server)
    assert again.arg("Updated_From") == f"{since}-07:00"
    assert again.arg("Effective_as_of_Date") is not None
    workers, history = results["hr__workers"], results["hr__job_history"]
    assert (workers.received, workers.inserted) == (1, 0)  # only the changed worker, unchanged
    assert (history.received, history.inserted) == (len(attending.history) + 1, 1)
    assert sql(
        "select role, title from raw.hr__job_history where worker_id = %s and effective_date = %s",
        (attending.worker_id, promotion.effective_date),
    ) == [("division_chief", promotion.title)]


def test_nothing_changed_gives_empty_batches_without_a_drift_alarm(tiny_simulator, warehouse_url):
    sync("workday")
    results = sync("workday")
    assert [(r.received, r.status, r.message) for r in results] == [(0, "published", "")] * 2


def test_a_full_refresh_ignores_the_bookmark(tiny_simulator, warehouse_url):
    sync("workday")
    sync("workday", full_refresh=True)
    requests = report_requests(tiny_simulator.servers["workday"])
    assert len(requests) == 2 and all(r.arg("Updated_From") is None for r in requests)


def test_added_columns_are_kept_and_reported(tiny_simulator, warehouse_url, sql):
    tiny_simulator.servers["workday"].inject("drift_added", times=None)
    results = {r.stream: r for r in sync("workday")}
    workers = results["hr__workers"]
    assert "unknown columns kept in _extra: Cost_Center" in workers.message
    assert workers.quarantined == 0
    assert (
        sql("select count(*) from raw.hr__workers where _extra ? 'Cost_Center'")[0][0]
        == workers.received
    )


@pytest.mark.parametrize("drift", ["drift_renamed", "drift_missing"])
def test_a_missing_worker_id_column_quarantines_with_the_reason(
    tiny_simulator, warehouse_url, sql, drift
):
    tiny_simulator.servers["workday"].inject(drift, times=None)
    with pytest.raises(BatchHeld) as held:
        sync("workday")
    results = {r.stream: r for r in held.value.held}
    for stream in ("hr__workers", "hr__job_history"):
        result = results[stream]
        assert result.published == 0 and result.quarantined == result.received > 0
        assert "worker_id is missing in 100.0% of rows" in result.message
        reasons = [r[0] for r in sql(f"select reasons from quarantine.{stream}")]
        assert all(any(r.startswith("worker_id: missing") for r in rs) for rs in reasons)
    if drift == "drift_renamed":
        assert "unknown columns kept in _extra: Worker_ID" in results["hr__workers"].message


def test_renamed_columns_are_a_matter_of_configuration(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    tiny_simulator.servers["workday"].inject("drift_renamed", times=None)
    set_extra(tiny_simulator, monkeypatch, field_map={"workers": {"Worker_ID": "worker_id"}})
    results = sync("workday")
    assert all(r.quarantined == 0 and not r.message for r in results)
    assert sql("select count(*) from raw.hr__workers")[0][0] == len(tiny_program.inst.people)


def test_workday_and_the_csv_drop_land_the_same_rows(
    small_simulator, small_program, new_database, monkeypatch, tmp_path
):
    inst = small_program.inst
    workday_db, csv_db = new_database(), new_database()

    monkeypatch.setenv("WAREHOUSE_URL", workday_db)
    set_extra(small_simulator, monkeypatch, effective_as_of=inst.as_of.isoformat())
    sync("workday")

    monkeypatch.setenv("WAREHOUSE_URL", csv_db)
    write_hr_drop(inst, tmp_path, drop_dates=[inst.as_of])
    sync("hr_csv", path=tmp_path)

    from_workday, from_csv = raw_content(workday_db, "hr"), raw_content(csv_db, "hr")
    landed = {t for t, hashes in from_csv.items() if hashes}
    assert landed == {"hr__workers", "hr__job_history"}  # no demographics in this drop
    assert from_workday == from_csv


def test_refusals_say_what_to_check_and_publish_nothing(
    tiny_simulator, warehouse_url, sql, monkeypatch
):
    set_extra(tiny_simulator, monkeypatch, report="Leadership_Workerz")
    with pytest.raises(SyncError) as refused:
        sync("workday")
    assert "HTTP 404: Report not found" in str(refused.value)
    assert "View URLs" in str(refused.value) and "nothing was published" in str(refused.value)

    set_extra(tiny_simulator, monkeypatch, incremental_prompt="Changed_Since")
    sync("workday")  # the first sync sends no changed-since prompt
    with pytest.raises(SyncError) as rejected:
        sync("workday")
    assert "HTTP 400: Invalid prompt: Changed_Since" in str(rejected.value)
    assert "incremental_prompt" in str(rejected.value)
    assert sql("select count(*) from ops.batches where source = 'workday'")[0][0] == 2


def test_credentials_never_reach_logs_or_errors(
    tiny_simulator, warehouse_url, sql, monkeypatch, caplog
):
    server = tiny_simulator.servers["workday"]
    caplog.set_level(logging.DEBUG)
    sync("workday")
    conn = json.loads(tiny_simulator.connection_env()["AIRFLOW_CONN_WORKDAY_DEFAULT"])
    wrong = "not-the-isu-password"
    monkeypatch.setenv("AIRFLOW_CONN_WORKDAY_DEFAULT", json.dumps({**conn, "password": wrong}))
    with pytest.raises(SyncError) as refused:
        sync("workday")
    message = str(refused.value)
    assert (
        "HTTP 401: Invalid username or password" in message and "Integration System User" in message
    )
    failures = " ".join(r[0] for r in sql("select message from ops.sync_failures"))
    for secret in (server.password, wrong):
        assert secret not in caplog.text and secret not in message and secret not in failures
    assert "Basic " not in caplog.text
