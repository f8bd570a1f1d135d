"""Qualtrics: every survey stream lands exactly through start / poll / download; the second
sync asks only for responses recorded since; drift is kept or quarantined; a failed export
or a bad token publishes nothing."""

from __future__ import annotations

import json
import logging

import pytest

from leadership.sync import BatchHeld, SyncError, sync
from simulator.servers.qualtrics import SURVEY_IDS
from tests.integrations.survey_rows import SURVEY_STREAMS, truth_rows, warehouse_rows

CONN = "AIRFLOW_CONN_QUALTRICS_DEFAULT"
SATISFACTION = SURVEY_IDS["satisfaction_ratings"]


def set_connection(simulator, monkeypatch, **changes) -> None:
    conn = json.loads(simulator.connection_env()[CONN])
    conn["extra"].update(changes.pop("extra", {}))
    conn.update(changes)
    monkeypatch.setenv(CONN, json.dumps(conn))


def starts(server) -> list:
    return [r for r in server.requests if r.method == "POST"]


def test_every_survey_stream_equals_the_truth(tiny_simulator, tiny_program, warehouse_url, sql):
    results = sync("qualtrics")

    assert {r.stream: (r.status, r.quarantined) for r in results} == {
        f"surveys__{s}": ("published", 0) for s in SURVEY_STREAMS
    }
    for stream in SURVEY_STREAMS:
        assert warehouse_rows(sql, stream) == truth_rows(tiny_program, stream), stream


def test_an_export_is_started_polled_and_downloaded(tiny_simulator, warehouse_url):
    sync("qualtrics", streams=["satisfaction_ratings"])

    server = tiny_simulator.servers["qualtrics"]
    base = f"/API/v3/surveys/{SATISFACTION}/export-responses"
    paths = [(r.method, r.path) for r in server.requests]
    (progress_id,) = server.jobs
    file_id = server.jobs[progress_id]["file_id"]
    assert paths == [
        ("GET", f"/API/v3/survey-definitions/{SATISFACTION}"),
        ("POST", base),
        ("GET", f"{base}/{progress_id}"),  # inProgress, 50 %
        ("GET", f"{base}/{progress_id}"),  # complete, with the fileId
        ("GET", f"{base}/{file_id}/file"),
    ]
    (start,) = starts(server)
    assert start.json["format"] == "json" and "startDate" not in start.json
    assert all("X-API-TOKEN" not in r.headers for r in server.requests)


def test_the_second_sync_asks_only_for_responses_recorded_since(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    sync("qualtrics", streams=["satisfaction_ratings"])
    server = tiny_simulator.servers["qualtrics"]
    (bookmark,) = sql("select value from ops.bookmarks where source = 'qualtrics'")[0]
    server.clear()

    changed = tiny_program.survey_rows("satisfaction_ratings")[0]
    original = changed.fields["rating"]
    new = 1 if original != 1 else 2
    try:
        changed.fields["rating"] = new  # the resident retakes the survey: re-recorded now
        (result,) = sync("qualtrics", streams=["satisfaction_ratings"])
    finally:
        changed.fields["rating"] = original

    (start,) = starts(server)
    assert start.json["startDate"] == bookmark["since"]
    assert result.received == 1 and result.inserted == 1
    assert sql(
        "select rating from raw.surveys__satisfaction_ratings where response_id = %s"
        " order by _batch_id",
        (changed.response_id,),
    ) == [(original,), (new,)]


def test_added_fields_are_kept_and_reported(tiny_simulator, warehouse_url, sql):
    tiny_simulator.servers["qualtrics"].inject("drift_added", times=None)
    (result,) = sync("qualtrics", streams=["confidence_answers"])
    assert "unknown columns kept in _extra: survey_version" in result.message
    assert result.quarantined == 0
    assert (
        sql("select count(*) from raw.surveys__confidence_answers where _extra ? 'survey_version'")[
            0
        ][0]
        == result.received
    )


@pytest.mark.parametrize("drift", ["drift_renamed", "drift_missing"])
@pytest.mark.parametrize(
    ("stream", "reason"),
    [
        ("confidence_answers", "respondent_id: missing (an answer must name the resident)"),
        ("contract_deliverables", "contract_id: missing (a deliverable belongs to a contract)"),
    ],
)
def test_a_missing_required_field_quarantines_with_the_reason(
    tiny_simulator, warehouse_url, sql, drift, stream, reason
):
    tiny_simulator.servers["qualtrics"].inject(drift, times=None)
    with pytest.raises(BatchHeld) as held:
        sync("qualtrics", streams=[stream])
    (result,) = held.value.held
    assert result.published == 0 and result.quarantined == result.received > 0
    rows = sql(f"select record, reasons from quarantine.surveys__{stream}")
    assert {tuple(r[1][1:]) for r in rows} == {(reason,)}
    assert all(r[1][0].startswith("batch held: ") for r in rows)
    if drift == "drift_renamed":
        renamed = "worker_id_v2" if stream == "confidence_answers" else "contract_id_v2"
        assert all(r[0][renamed] for r in rows)


def test_a_failed_export_is_a_clear_failure_that_publishes_nothing(
    tiny_simulator, warehouse_url, sql
):
    tiny_simulator.servers["qualtrics"].fail_exports = True
    with pytest.raises(SyncError) as failure:
        sync("qualtrics")
    message = str(failure.value)
    assert "Qualtrics failed the response export" in message and "Export failed" in message
    assert "nothing was published" in message
    assert sql("select count(*) from ops.batches") == [(0,)]


def test_an_export_that_never_completes_stops_after_max_polls(
    tiny_simulator, warehouse_url, sql, monkeypatch
):
    set_connection(tiny_simulator, monkeypatch, extra={"max_polls": 1})
    with pytest.raises(SyncError, match=r"still inProgress \(50.0% complete\) after 1 polls"):
        sync("qualtrics", streams=["career_interests"])
    assert sql("select count(*) from ops.batches") == [(0,)]


def test_a_bad_token_fails_clearly_and_never_reaches_a_log_line(
    tiny_simulator, warehouse_url, sql, monkeypatch, caplog
):
    good = tiny_simulator.servers["qualtrics"].token
    caplog.set_level(logging.DEBUG)
    sync("qualtrics", streams=["career_interests"])
    bad = "badTokenbadTokenbadTokenbadToken"
    set_connection(tiny_simulator, monkeypatch, password=bad)
    with pytest.raises(SyncError) as failure:
        sync("qualtrics", streams=["career_interests"], full_refresh=True)
    message = str(failure.value)
    assert "HTTP 401" in message and "Invalid X-API-TOKEN" in message
    assert good not in caplog.text and bad not in caplog.text and bad not in message
    assert sql("select count(*) from ops.batches") == [(1,)]  # only the good sync's


def test_only_the_streams_with_a_survey_are_synced(tiny_simulator, warehouse_url, monkeypatch):
    conn = json.loads(tiny_simulator.connection_env()[CONN])
    conn["extra"]["surveys"] = {"confidence_answers": SURVEY_IDS["confidence_answers"]}
    monkeypatch.setenv(CONN, json.dumps(conn))
    results = sync("qualtrics")
    assert [r.stream for r in results] == ["surveys__confidence_answers"]
