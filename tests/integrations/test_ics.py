"""ICS feeds: free slots as the calendars say, conditional re-fetches, broken feeds, secret URLs."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import pytest

from leadership.sync import BatchHeld, SyncError, sync
from simulator.calendars import expected_week, simulated_weeks
from simulator.program import BusyEvent

NO_PHYSICIANS_YET = "mentor_id not checked against physicians: none loaded yet"


def set_connection(simulator, monkeypatch, **extra) -> dict:
    conn = json.loads(simulator.connection_env()["AIRFLOW_CONN_ICS_DEFAULT"])
    conn["extra"].update(extra)
    monkeypatch.setenv("AIRFLOW_CONN_ICS_DEFAULT", json.dumps(conn))
    return conn


def landed(sql) -> dict[tuple[str, date], tuple]:
    return {
        (m, w): (f, b, ws, src)
        for m, w, f, b, ws, src in sql(
            "select mentor_id, week_start, free_slots, busy_minutes, working_slots,"
            " calendar_source from raw.calendar__free_slots"
        )
    }


def feed_requests(server):
    return [r for r in server.requests if r.path.endswith("/basic.ics")]


def test_full_sync_lands_the_free_slots_the_calendars_imply(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    set_connection(tiny_simulator, monkeypatch, horizon_weeks=5)  # across the DST change
    (result,) = sync("ics")

    server = tiny_simulator.servers["ics"]
    assert {server.style(m.worker_id) for m in tiny_program.mentors} == {
        "google",
        "outlook",
        "utc",
    }
    assert result.quarantined == 0
    assert result.message in ("", NO_PHYSICIANS_YET)  # a fresh warehouse: HR not synced
    rows = landed(sql)
    weeks = simulated_weeks(tiny_program)
    assert set(rows) == {(m.worker_id, w) for m in tiny_program.mentors for w in weeks}
    for (mentor, week), (free, busy, working, source) in rows.items():
        assert (free, busy) == expected_week(tiny_program, mentor, week), (
            mentor,
            week,
            server.style(mentor),
        )
        assert working == 50 and source == "ics"
    assert len(feed_requests(server)) == len(tiny_program.mentors)
    assert not any("If-None-Match" in r.headers for r in feed_requests(server))


def test_the_second_sync_asks_if_none_match_and_gets_304s(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    sync("ics")
    server = tiny_simulator.servers["ics"]
    (bookmark,) = sql("select value from ops.bookmarks where source = 'ics'")[0]
    assert set(bookmark["feeds"]) == {m.worker_id for m in tiny_program.mentors}
    server.clear()

    (result,) = sync("ics")

    again = feed_requests(server)
    assert len(again) == len(tiny_program.mentors)
    for request in again:
        mentor = request.path.split("/")[3]
        assert request.headers["If-None-Match"] == bookmark["feeds"][mentor]["etag"]
    assert result.received == 0
    assert f"{len(tiny_program.mentors)} feed(s) unchanged since the last sync (304)" in (
        result.message
    )

    # one mentor's calendar changes: only that feed comes back in full, one week is new
    mentor = tiny_program.mentors[5].worker_id
    week = simulated_weeks(tiny_program)[2]
    monday = datetime.combine(week, datetime.min.time())
    added = BusyEvent(monday.replace(hour=8), monday.replace(hour=18), status="oof")
    tiny_program.calendars[mentor].append(added)
    try:
        (changed,) = sync("ics")
        expected = expected_week(tiny_program, mentor, week)
    finally:
        tiny_program.calendars[mentor].remove(added)
    assert changed.received == 5 and changed.inserted == 1
    (latest,) = sql(
        "select free_slots, busy_minutes from raw.calendar__free_slots"
        " where mentor_id = %s and week_start = %s order by _as_of desc limit 1",
        (mentor, week),
    )
    assert latest == expected


def test_a_new_week_or_a_full_refresh_fetches_the_feeds_in_full(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    sync("ics")
    server = tiny_simulator.servers["ics"]
    server.clear()
    sync("ics", full_refresh=True)
    assert not any("If-None-Match" in r.headers for r in feed_requests(server))

    server.clear()
    next_week = tiny_program.inst.as_of + timedelta(days=7)
    set_connection(tiny_simulator, monkeypatch, today=next_week.isoformat())
    (result,) = sync("ics")
    assert not any("If-None-Match" in r.headers for r in feed_requests(server))
    assert result.received == 5 * len(tiny_program.mentors)
    weeks = {w for (w,) in sql("select distinct week_start from raw.calendar__free_slots")}
    assert weeks == set(simulated_weeks(tiny_program))  # the sixth week arrived


def test_a_broken_feed_is_that_mentors_problem(
    tiny_simulator, tiny_program, warehouse_url, sql, caplog
):
    server = tiny_simulator.servers["ics"]
    broken = tiny_program.mentors[1].worker_id
    server.broken.add(broken)
    caplog.set_level(logging.DEBUG)

    (result,) = sync("ics")

    assert result.status == "published" and result.quarantined == 0
    assert result.received == 5 * (len(tiny_program.mentors) - 1)
    assert f"{broken} (not an iCalendar feed: an HTML page" in result.message
    assert not sql("select 1 from raw.calendar__free_slots where mentor_id = %s", (broken,))
    (bookmark,) = sql("select value from ops.bookmarks where source = 'ics'")[0]
    assert broken not in bookmark["feeds"]  # fetched in full next time
    assert server.token(broken) not in caplog.text + result.message


def test_when_every_feed_fails_the_sync_fails(tiny_simulator, tiny_program, warehouse_url, sql):
    server = tiny_simulator.servers["ics"]
    server.broken.update(m.worker_id for m in tiny_program.mentors)
    with pytest.raises(SyncError, match="none of the 40 feeds could be read") as failure:
        sync("ics")
    assert "nothing was published" in str(failure.value)
    assert sql("select count(*) from ops.batches")[0][0] == 0


def test_a_feed_host_that_is_down_is_not_asked_for_every_feed(
    tiny_simulator, tiny_program, warehouse_url, monkeypatch
):
    set_connection(tiny_simulator, monkeypatch, max_attempts=1)
    server = tiny_simulator.servers["ics"]
    server.inject("5xx", times=None)
    with pytest.raises(SyncError, match="none of the 40 feeds"):
        sync("ics")
    assert len(feed_requests(server)) == 3


def test_feed_urls_never_reach_logs_messages_or_bookmarks(
    tiny_simulator, tiny_program, warehouse_url, sql, caplog, monkeypatch
):
    server = tiny_simulator.servers["ics"]
    conn = set_connection(tiny_simulator, monkeypatch)
    wrong = tiny_program.mentors[0].worker_id
    conn["extra"]["feeds"][wrong] = conn["extra"]["feeds"][wrong].replace("private-", "private-0")
    monkeypatch.setenv("AIRFLOW_CONN_ICS_DEFAULT", json.dumps(conn))
    caplog.set_level(logging.DEBUG)

    (result,) = sync("ics")

    assert f"{wrong} (HTTP 404)" in result.message
    stored = json.dumps(sql("select value from ops.bookmarks")) + json.dumps(
        sql("select message, source_ref from ops.batches")
    )
    for mentor in tiny_program.mentors:
        token = server.token(mentor.worker_id)
        assert token not in caplog.text and token not in stored
    assert "private-" not in caplog.text + stored


def test_an_added_property_changes_nothing(tiny_simulator, tiny_program, warehouse_url, sql):
    tiny_simulator.servers["ics"].inject("drift_added", times=None)
    (result,) = sync("ics")
    # RFC 5545 lets any feed carry X- properties: they are not drift of the free-slot rows
    assert result.quarantined == 0
    assert result.message in ("", NO_PHYSICIANS_YET)  # a fresh warehouse: HR not synced
    for (mentor, week), (free, busy, _, _) in landed(sql).items():
        assert (free, busy) == expected_week(tiny_program, mentor, week)


@pytest.mark.parametrize("drift", ["drift_renamed", "drift_missing"])
def test_events_without_a_start_quarantine_the_mentors_weeks(
    tiny_simulator, warehouse_url, sql, drift
):
    tiny_simulator.servers["ics"].inject(drift, times=None)
    # every row lacks free_slots: past the null-rate band, so the whole batch is held
    with pytest.raises(BatchHeld, match=r"free_slots is missing in 100\.0% of rows") as held:
        sync("ics")
    (result,) = held.value.held
    assert result.published == 0 and result.quarantined == result.received > 0
    quarantined = sql("select record, reasons from quarantine.calendar__free_slots")
    row_reasons = {r for _, reasons in quarantined for r in reasons if "batch held" not in r}
    assert row_reasons == {"free_slots: missing"}
    assert "without a usable DTSTART" in quarantined[0][0]["_problem"]
    assert "their weeks quarantined" in result.message


def test_connection_works_as_an_airflow_uri_too(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    extra = tiny_simulator.servers["ics"].connection()["extra"]
    query = urlencode(
        {
            "feeds": json.dumps(extra["feeds"]),
            "timezone": extra["timezone"],
            "today": extra["today"],
        }
    )
    monkeypatch.setenv("AIRFLOW_CONN_ICS_DEFAULT", f"http://?{query}")
    (result,) = sync("ics")
    assert result.published == 5 * len(tiny_program.mentors) and result.quarantined == 0
