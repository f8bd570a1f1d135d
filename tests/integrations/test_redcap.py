"""REDCap: every survey stream lands exactly, in record batches; the second sync asks only
for records changed since; drift is kept or quarantined; a REDCap error publishes nothing."""

from __future__ import annotations

import json
import logging
import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from leadership.sync import BatchHeld, SyncError, sync
from tests.integrations.survey_rows import SURVEY_STREAMS, truth_rows, warehouse_rows

CONN = "AIRFLOW_CONN_REDCAP_DEFAULT"


def set_extra(simulator, monkeypatch, **changes) -> dict:
    conn = json.loads(simulator.connection_env()[CONN])
    conn["extra"].update(changes.pop("extra", {}))
    conn.update(changes)
    monkeypatch.setenv(CONN, json.dumps(conn))
    return conn


def record_exports(server) -> list:
    return [r for r in server.requests if r.arg("content") == "record"]


def test_every_survey_stream_equals_the_truth(tiny_simulator, tiny_program, warehouse_url, sql):
    results = sync("redcap")

    assert {r.stream: (r.status, r.quarantined) for r in results} == {
        f"surveys__{s}": ("published", 0) for s in SURVEY_STREAMS
    }
    for stream in SURVEY_STREAMS:
        assert warehouse_rows(sql, stream) == truth_rows(tiny_program, stream), stream
    confidence = next(r for r in results if r.stream == "surveys__confidence_answers")
    assert "not marked Complete were left for a later sync" in confidence.message


def test_records_are_exported_in_batches_of_batch_size(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    set_extra(tiny_simulator, monkeypatch, extra={"batch_size": 7})
    sync("redcap", streams=["satisfaction_ratings"])

    server = tiny_simulator.servers["redcap"]
    records = {s.record_id for s in tiny_program.surveys}
    exports = record_exports(server)
    id_calls = [r for r in exports if not r.args("records[]")]
    batches = [r for r in exports if r.args("records[]")]
    assert len(exports) == 1 + math.ceil(len(records) / 7)
    assert [r.args("fields[]") for r in id_calls] == [["record_id"]]
    assert all(len(r.args("records[]")) <= 7 for r in batches)
    assert sorted(i for r in batches for i in r.args("records[]")) == sorted(records)
    assert all(r.args("forms[]") == ["mentorship_satisfaction"] for r in batches)
    assert all(
        r.arg("type") == "flat" and r.arg("rawOrLabel") == "raw" and r.arg("format") == "json"
        for r in exports
    )
    assert sum(r.arg("content") == "metadata" for r in server.requests) == 1
    assert {r.arg("token") for r in server.requests} == {"***"}  # the log never keeps it
    assert warehouse_rows(sql, "satisfaction_ratings") == truth_rows(
        tiny_program, "satisfaction_ratings"
    )


def test_the_second_sync_asks_only_for_records_changed_since(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    sync("redcap", streams=["satisfaction_ratings"])
    server = tiny_simulator.servers["redcap"]
    assert all(r.arg("dateRangeBegin") is None for r in server.requests)
    (bookmark,) = sql("select value from ops.bookmarks where source = 'redcap'")[0]
    server.clear()

    changed = tiny_program.survey_rows("satisfaction_ratings")[0]
    original = changed.fields["rating"]
    try:
        changed.fields["rating"] = 1 if original != 1 else 2  # the resident edits the rating
        (result,) = sync("redcap", streams=["satisfaction_ratings"])
    finally:
        changed.fields["rating"] = original

    server_time = (
        datetime.fromisoformat(bookmark["since"])
        .astimezone(ZoneInfo("America/Chicago"))
        .strftime("%Y-%m-%d %H:%M:%S")
    )
    exports = record_exports(server)
    (id_call,) = [r for r in exports if not r.args("records[]")]
    assert id_call.arg("dateRangeBegin") == server_time
    assert [r.args("records[]") for r in exports if r.args("records[]")] == [[changed.record_id]]
    # REDCap returns the whole record: all that resident's ratings, one of them new
    mine = [
        s
        for s in tiny_program.survey_rows("satisfaction_ratings")
        if s.record_id == changed.record_id
    ]
    assert result.received == len(mine) and result.inserted == 1
    assert sql(
        "select rating from raw.surveys__satisfaction_ratings where response_id = %s"
        " order by _batch_id",
        (changed.response_id,),
    ) == [(original,), (1 if original != 1 else 2,)]


def test_added_fields_are_kept_and_reported(tiny_simulator, warehouse_url, sql):
    tiny_simulator.servers["redcap"].inject("drift_added", times=None)
    (result,) = sync("redcap", streams=["satisfaction_ratings"])
    assert "unknown columns kept in _extra: sat_device" in result.message
    assert result.quarantined == 0
    assert (
        sql("select count(*) from raw.surveys__satisfaction_ratings where _extra ? 'sat_device'")[
            0
        ][0]
        == result.received
    )


@pytest.mark.parametrize("drift", ["drift_renamed", "drift_missing"])
def test_a_missing_required_field_quarantines_with_the_reason(
    tiny_simulator, warehouse_url, sql, drift
):
    tiny_simulator.servers["redcap"].inject(drift, times=None)
    with pytest.raises(BatchHeld) as held:
        sync("redcap", streams=["satisfaction_ratings"])
    (result,) = held.value.held
    assert result.published == 0 and result.quarantined == result.received > 0
    assert "columns missing from the source: mentor_id" in result.message
    assert "mentor_id is missing in 100.0% of rows" in result.message
    rows = sql("select record, reasons from quarantine.surveys__satisfaction_ratings")
    assert {tuple(r[1][1:]) for r in rows} == {
        ("mentor_id: missing (a rating must name its mentor)",)
    }
    if drift == "drift_renamed":
        assert all(r[0]["sat_mentor_id_v2"] for r in rows)  # the renamed field rode along


def test_a_redcap_error_fails_clearly_and_publishes_nothing(
    tiny_simulator, warehouse_url, sql, monkeypatch, caplog
):
    bad_token = "0000000000000000000000000000DEAD"
    set_extra(tiny_simulator, monkeypatch, password=bad_token)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SyncError) as failure:
        sync("redcap")
    message = str(failure.value)
    assert "You do not have permissions to use the API" in message
    assert "nothing was published" in message and "HTTP 403" in message
    assert sql("select count(*) from ops.batches") == [(0,)]
    assert sql("select count(*) from ops.bookmarks") == [(0,)]
    assert bad_token not in message and bad_token not in caplog.text


def test_the_token_never_reaches_a_log_line(tiny_simulator, warehouse_url, caplog):
    token = tiny_simulator.servers["redcap"].token
    caplog.set_level(logging.DEBUG)
    sync("redcap", streams=["career_interests"])
    assert "redcap POST" in caplog.text
    assert token not in caplog.text


def test_an_instrument_missing_from_the_project_fails_clearly(
    tiny_simulator, warehouse_url, sql, monkeypatch
):
    set_extra(tiny_simulator, monkeypatch, extra={"instruments": {"activity_logs": "mentor_log"}})
    with pytest.raises(SyncError, match="has no instrument 'mentor_log' for activity_logs"):
        sync("redcap", streams=["activity_logs"])
    assert sql("select count(*) from ops.batches") == [(0,)]
