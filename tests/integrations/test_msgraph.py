"""Microsoft Graph getSchedule: free slots as the calendars say, batched, errors per mailbox."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from datetime import date, datetime, timedelta

import pytest

from integrations.common.schema import ExtractError
from leadership.sync import BatchHeld, SyncError, sync
from simulator.calendars import expected_week, simulated_weeks
from simulator.program import BusyEvent

NO_PHYSICIANS_YET = "mentor_id not checked against physicians: none loaded yet"


def set_connection(simulator, monkeypatch, **extra) -> dict:
    conn = json.loads(simulator.connection_env()["AIRFLOW_CONN_MSGRAPH_DEFAULT"])
    conn["extra"].update({"timeout": 2, "max_attempts": 2, "backoff_base": 0.01, **extra})
    conn["extra"] = {k: v for k, v in conn["extra"].items() if v is not None}
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", json.dumps(conn))
    return conn


def landed(sql) -> dict[tuple[str, date], tuple]:
    return {
        (m, w): (f, b, ws, src)
        for m, w, f, b, ws, src in sql(
            "select mentor_id, week_start, free_slots, busy_minutes, working_slots,"
            " calendar_source from raw.calendar__free_slots"
        )
    }


def schedule_calls(server):
    return [r for r in server.requests if r.path.endswith("/calendar/getSchedule")]


def test_full_sync_lands_the_free_slots_the_calendars_imply(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    (result,) = sync("msgraph")

    weeks = simulated_weeks(tiny_program)[:5]  # as_of's week and the 4 after it
    assert result.quarantined == 0
    assert result.message in ("", NO_PHYSICIANS_YET)  # a fresh warehouse: HR not synced
    rows = landed(sql)
    assert set(rows) == {(m.worker_id, w) for m in tiny_program.mentors for w in weeks}
    for (mentor, week), (free, busy, working, source) in rows.items():
        assert (free, busy) == expected_week(tiny_program, mentor, week), (mentor, week)
        assert working == 50 and source == "msgraph"
    assert len({row[0] for row in rows.values()}) > 5  # the calendars are not all alike


def test_mailboxes_are_asked_twenty_at_a_time_in_windows_under_42_days(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    set_connection(tiny_simulator, monkeypatch, horizon_weeks=5)  # 6 weeks: two windows
    sync("msgraph")

    server = tiny_simulator.servers["msgraph"]
    calls = schedule_calls(server)
    mentors = len(tiny_program.mentors)
    assert len(calls) == 2 * math.ceil(mentors / 20)
    assert sorted(len(c.json["schedules"]) for c in calls)[-1] == 20
    assert sum(len(c.json["schedules"]) for c in calls) == 2 * mentors
    for call in calls:
        start = datetime.fromisoformat(call.json["startTime"]["dateTime"])
        end = datetime.fromisoformat(call.json["endTime"]["dateTime"])
        assert end - start < timedelta(days=42)
        assert call.json["startTime"]["timeZone"] == "UTC"
        assert call.json["availabilityViewInterval"] == 15
        assert call.headers.get("Prefer") == 'outlook.timezone="UTC"'
    token_calls = [r for r in server.requests if r.path.endswith("/oauth2/v2.0/token")]
    assert len(token_calls) == 1 and token_calls[0].arg("grant_type") == "client_credentials"
    assert token_calls[0].arg("client_secret") == server.client_secret  # sent in the form...
    # ...and the last week, after daylight saving ended on 1 November, is right too
    rows = landed(sql)
    for mentor in tiny_program.mentors[:8]:
        for week in simulated_weeks(tiny_program):
            assert rows[(mentor.worker_id, week)][:2] == expected_week(
                tiny_program, mentor.worker_id, week
            )


def test_smaller_batches_mean_more_calls(tiny_simulator, tiny_program, warehouse_url, monkeypatch):
    set_connection(tiny_simulator, monkeypatch, batch_size=7)
    sync("msgraph")
    calls = schedule_calls(tiny_simulator.servers["msgraph"])
    assert len(calls) == math.ceil(len(tiny_program.mentors) / 7)
    assert all(len(c.json["schedules"]) <= 7 for c in calls)


def test_calls_run_up_to_four_at_once_and_land_the_same_rows_as_one_at_a_time(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    server = tiny_simulator.servers["msgraph"]
    answer = server._get_schedule
    in_flight = {"now": 0, "most": 0}
    lock = threading.Lock()

    def counted(request, user):
        with lock:
            in_flight["now"] += 1
            in_flight["most"] = max(in_flight["most"], in_flight["now"])
        try:
            time.sleep(0.05)  # long enough for the client's other calls to arrive
            return answer(request, user)
        finally:
            with lock:
                in_flight["now"] -= 1

    monkeypatch.setattr(server, "_get_schedule", counted)
    set_connection(tiny_simulator, monkeypatch, batch_size=2, concurrent_calls=1)
    sync("msgraph")
    one_at_a_time = landed(sql)
    assert in_flight["most"] == 1

    sql("truncate raw.calendar__free_slots")
    set_connection(tiny_simulator, monkeypatch, batch_size=2)
    sync("msgraph", full_refresh=True)  # raw was emptied: every mailbox's rows again
    assert in_flight["most"] == 4  # Graph's limit per mailbox, never more
    assert landed(sql) == one_at_a_time

    set_connection(tiny_simulator, monkeypatch, concurrent_calls=5)
    with pytest.raises(ExtractError, match="concurrent_calls must be 1 to 4"):
        sync("msgraph")


def test_every_sync_reads_the_window_again_and_only_changes_land(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    sync("msgraph")
    server = tiny_simulator.servers["msgraph"]
    first = len(schedule_calls(server))
    mentor = tiny_program.mentors[3].worker_id
    week = simulated_weeks(tiny_program)[1]
    before = expected_week(tiny_program, mentor, week)
    monday = datetime.combine(week, datetime.min.time())
    added = BusyEvent(monday.replace(hour=8), monday.replace(hour=18), status="oof")
    tiny_program.calendars[mentor].append(added)
    try:
        (result,) = sync("msgraph")
        after = expected_week(tiny_program, mentor, week)
    finally:
        tiny_program.calendars[mentor].remove(added)

    assert len(schedule_calls(server)) == 2 * first  # getSchedule has no delta
    # only the mailbox whose calendar changed gives rows again, and of those only the week
    # that changed is a new version
    assert result.received == 5
    assert result.inserted == 1
    mentors = len(tiny_program.mentors)
    assert f"{mentors - 1} of {mentors} mailbox windows unchanged" in result.message
    assert after != before
    (latest,) = sql(
        "select free_slots, busy_minutes from raw.calendar__free_slots"
        " where mentor_id = %s and week_start = %s order by _as_of desc limit 1",
        (mentor, week),
    )
    assert latest == after


def test_a_mailbox_graph_cannot_read_is_skipped_with_a_note(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    server = tiny_simulator.servers["msgraph"]
    broken = tiny_program.mentors[:2]
    for person in broken:
        server.failing_mailboxes[person.email.lower()] = "ErrorMailRecipientNotFound"

    (result,) = sync("msgraph")

    assert result.status == "published" and result.quarantined == 0
    assert result.received == 5 * (len(tiny_program.mentors) - 2)
    assert "2 mentor mailbox(es) could not be read" in result.message
    for person in broken:
        assert f"{person.worker_id} (ErrorMailRecipientNotFound)" in result.message
        assert person.email not in result.message
        assert not sql(
            "select 1 from raw.calendar__free_slots where mentor_id = %s", (person.worker_id,)
        )


def test_when_no_mailbox_can_be_read_the_sync_fails_clearly(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    server = tiny_simulator.servers["msgraph"]
    for person in tiny_program.mentors:
        server.failing_mailboxes[person.email.lower()] = "ErrorAccessDenied"
    with pytest.raises(SyncError, match=r"Calendars\.Read") as failure:
        sync("msgraph")
    assert "nothing was published" in str(failure.value)
    assert sql("select count(*) from ops.batches")[0][0] == 0


def test_mailboxes_come_from_the_platform_when_the_connection_has_none(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    set_connection(tiny_simulator, monkeypatch, mailboxes=None)
    with pytest.raises(ExtractError, match=r"set extra\.mailboxes.*run the HR sync"):
        sync("msgraph")

    directory = {p.worker_id: p.email for p in tiny_program.mentors[:3]}
    (result,) = sync("msgraph", mailboxes=directory)
    assert result.published == 15
    assert {r[0] for r in sql("select mentor_id from raw.calendar__free_slots")} == set(directory)


def test_an_added_field_is_kept_and_reported(tiny_simulator, warehouse_url, sql):
    tiny_simulator.servers["msgraph"].inject("drift_added", times=None)
    (result,) = sync("msgraph")
    assert result.quarantined == 0
    assert "unknown columns kept in _extra: freeBusyViewType" in result.message
    assert (
        sql("select count(*) from raw.calendar__free_slots where _extra ? 'freeBusyViewType'")[0][0]
        == result.received
    )


@pytest.mark.parametrize(
    ("drift", "reason"),
    [("drift_missing", "mentor_id: missing"), ("drift_renamed", "free_slots: missing")],
)
def test_a_missing_or_renamed_field_quarantines_the_rows_with_the_reason(
    tiny_simulator, tiny_program, warehouse_url, sql, drift, reason
):
    tiny_simulator.servers["msgraph"].inject(drift, times=None)
    # the field is gone from every row: past the null-rate band, the whole batch is held
    with pytest.raises(BatchHeld, match=r"is missing in 100\.0% of rows") as held:
        sync("msgraph")
    (result,) = held.value.held
    assert result.published == 0 and result.quarantined == result.received > 0
    quarantined = sql("select record, reasons from quarantine.calendar__free_slots")
    assert all(reason in reasons for _, reasons in quarantined)
    row_reasons = {r for _, reasons in quarantined for r in reasons if "batch held" not in r}
    assert row_reasons - {reason} <= {
        f"mentor_id, week_start: (None, '{week}') appears more than once in this batch"
        for week in simulated_weeks(tiny_program)
    }
    record = quarantined[0][0]
    assert record["_problem"]  # what went wrong, kept with the row
    if drift == "drift_renamed":
        assert "availabilityView_v2" in result.message


def test_credentials_never_reach_logs_or_errors(tiny_simulator, warehouse_url, caplog, monkeypatch):
    server = tiny_simulator.servers["msgraph"]
    caplog.set_level(logging.DEBUG)
    sync("msgraph")
    assert server.tokens
    for secret in (server.client_secret, *server.tokens):
        assert secret not in caplog.text

    set_connection(tiny_simulator, monkeypatch, max_attempts=1)
    conn = json.loads(tiny_simulator.connection_env()["AIRFLOW_CONN_MSGRAPH_DEFAULT"])
    conn["password"] = "wrong-secret-value-123"
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", json.dumps(conn))
    with pytest.raises(SyncError) as failure:
        sync("msgraph")
    message = str(failure.value)
    assert "invalid_client" in message and "credentials" in message
    assert "wrong-secret-value-123" not in message + caplog.text


def test_throttling_is_retried_after_the_time_graph_asks(tiny_simulator, warehouse_url):
    server = tiny_simulator.servers["msgraph"]
    server.inject("429", times=1, path="/calendar/getSchedule", retry_after=1)
    started = datetime.now()
    (result,) = sync("msgraph")
    assert datetime.now() - started >= timedelta(seconds=1)
    assert result.quarantined == 0 and result.published > 0
    assert len(schedule_calls(server)) == 3  # the throttled call and its retry, then one more


def test_entries_are_read_without_their_events_and_odd_shapes_are_left_as_they_are():
    import msgspec

    from integrations.msgraph.client import _entries

    def value(text: str) -> msgspec.Raw:
        return msgspec.json.decode(text.encode(), type=dict[str, msgspec.Raw])["value"]

    entry = (
        '{"scheduleId": "a@x.org", "availabilityView": "0201", "new": {"k": [1]},'
        ' "scheduleItems": [{"status": "busy"}]}'
    )
    assert _entries(value(f'{{"value": [{entry}]}}')) == [
        {"scheduleId": "a@x.org", "availabilityView": "0201", "new": {"k": [1]}}
    ]
    # an entry that is not an object: every entry as Graph sent it, for map_entries to report
    assert _entries(value(f'{{"value": [{entry}, 5]}}'))[1] == 5
    assert _entries(value('{"value": {"not": "a list"}}')) == {"not": "a list"}


def test_a_full_refresh_makes_every_mailboxs_rows_again(
    tiny_simulator, tiny_program, warehouse_url
):
    sync("msgraph")
    (unchanged,) = sync("msgraph")
    (again,) = sync("msgraph", full_refresh=True)
    assert unchanged.received == 0 and unchanged.status == "published"
    assert again.received == 5 * len(tiny_program.mentors) and again.inserted == 0
