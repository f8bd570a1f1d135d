"""What the two calendar readers make of their vendor's shapes: ICS feeds and Graph views."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.common.calendar import Busy, week_availability, weeks_ahead
from integrations.ics.feeds import FeedUnreadable, parse_feed
from integrations.msgraph.client import INTERVALS
from integrations.msgraph.schedules import Window, map_entries, view_free_slot_rows

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 10, 26)  # the week daylight saving ends (Sunday 1 November)


def feed(*events: str, head: str = "") -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *head.split("|"), *events]
    text = "\r\n".join([line for line in lines if line] + ["END:VCALENDAR", ""])
    return text.encode()


def event(uid: str, *props: str) -> str:
    return "\r\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260901T000000Z", *props, "END:VEVENT"]
    )


def week_of(body: bytes, default=UTC, start: date = MONDAY):
    parsed = parse_feed(body, default, start, start + timedelta(days=6))
    result = week_availability(start, parsed.zone, parsed.busy)
    return parsed, (result.free_slots, result.busy_minutes)


def test_what_blocks_in_a_feed():
    body = feed(
        event("busy", "DTSTART:20261026T090000", "DTEND:20261026T100000"),  # floating
        event("tent", "DTSTART:20261026T100000", "DTEND:20261026T110000", "STATUS:TENTATIVE"),
        event(
            "oof",
            "DTSTART:20261026T110000",
            "DTEND:20261026T120000",
            "X-MICROSOFT-CDO-BUSYSTATUS:OOF",
        ),
        event("gone", "DTSTART:20261027T090000", "DTEND:20261027T170000", "STATUS:CANCELLED"),
        event(
            "seethrough", "DTSTART:20261028T090000", "DTEND:20261028T170000", "TRANSP:TRANSPARENT"
        ),
        event(
            "free",
            "DTSTART:20261029T090000",
            "DTEND:20261029T170000",
            "X-MICROSOFT-CDO-BUSYSTATUS:FREE",
        ),
        event(
            "elsewhere",
            "DTSTART:20261029T090000",
            "DTEND:20261029T170000",
            "X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE",
        ),
        event("allday", "DTSTART;VALUE=DATE:20261030", "DTEND;VALUE=DATE:20261031"),
        event("saturday", "DTSTART;VALUE=DATE:20261031"),
        head="X-WR-TIMEZONE:Eastern Standard Time",
    )
    parsed, counts = week_of(body)
    assert parsed.zone == NEW_YORK and parsed.zone_from == "X-WR-TIMEZONE"
    assert counts == (50 - 3 - 10, 180 + 600)


def test_recurrences_exceptions_and_moves_across_the_dst_change():
    body = feed(
        event(
            "clinic",
            "DTSTART;TZID=America/New_York:20261019T080000",
            "DTEND;TZID=America/New_York:20261019T120000",
            "RRULE:FREQ=WEEKLY",
            "EXDATE;TZID=America/New_York:20261026T080000",
        ),
        event(
            "series",
            "DTSTART;TZID=America/New_York:20261027T140000",
            "DTEND;TZID=America/New_York:20261027T150000",
            "RRULE:FREQ=DAILY;COUNT=3",
        ),
        event(
            "series",
            "RECURRENCE-ID;TZID=America/New_York:20261028T140000",
            "DTSTART;TZID=America/New_York:20261028T160000",
            "DTEND;TZID=America/New_York:20261028T180000",
        ),
    )
    parsed, counts = week_of(body, default=NEW_YORK)
    assert parsed.zone_from == "the connection"  # no X-WR-TIMEZONE, no VTIMEZONE
    # Tue 14-15, Wed moved to 16-18, Thu 14-15; Monday's clinic is excluded
    assert counts == (46, 240)
    _, next_week = week_of(body, default=NEW_YORK, start=MONDAY + timedelta(weeks=1))
    assert next_week == (46, 240)  # the clinic is back, at 08:00 EST


def test_the_zone_of_a_feed_without_x_wr_timezone_is_its_vtimezone():
    vtimezone = "|".join(
        [
            "BEGIN:VTIMEZONE",
            "TZID:Customized Time Zone",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            "TZOFFSETFROM:+0530",
            "TZOFFSETTO:+0530",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    )
    body = feed(
        event(
            "x",
            "DTSTART;TZID=Customized Time Zone:20261026T080000",
            "DTEND;TZID=Customized Time Zone:20261026T093000",
        ),
        head=vtimezone,
    )
    parsed, counts = week_of(body)
    assert parsed.zone_from == "VTIMEZONE"
    assert parsed.zone.utcoffset(datetime(2026, 10, 26)) == timedelta(hours=5, minutes=30)
    assert counts == (48, 90)


def test_an_unknown_x_wr_timezone_falls_back_with_a_note():
    body = feed(
        event("x", "DTSTART:20261026T130000Z", "DTEND:20261026T140000Z"),
        head="X-WR-TIMEZONE:Mars/Olympus_Mons",
    )
    parsed, counts = week_of(body, default=NEW_YORK)
    assert parsed.zone == NEW_YORK and "Mars/Olympus_Mons" in parsed.notes[0]
    assert counts == (49, 60)


def test_a_bom_and_folded_lines_are_read():
    body = "\ufeff".encode() + feed(
        event(
            "x",
            "DTSTART:20261026T130000Z",
            "DTEND:20261026T140000Z",
            "DESCRIPTION:" + "a long line " * 10,
        )
    ).replace(b"a long line a long", b"a long line\r\n  a long")
    assert week_of(body)[1] == (49, 60)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!DOCTYPE html><html>Sign in</html>", "an HTML page"),
        (b"", "not an iCalendar feed"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "syntax error"),
    ],
)
def test_what_is_not_a_feed_says_so(body, message):
    with pytest.raises(FeedUnreadable, match=message):
        parse_feed(body, UTC, MONDAY, MONDAY + timedelta(days=6))


def test_an_event_without_a_start_makes_the_feed_undatable():
    body = feed(event("x", "DTEND:20261026T140000Z"), event("y", "DTSTART:garbage"))
    assert parse_feed(body, UTC, MONDAY, MONDAY).undatable == 2


def test_availability_view_digits_1_2_3_block_their_slots_and_4_does_not():
    window = Window(
        [MONDAY], datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC), 60
    )
    monday_8_utc = 24 + 8
    for digit, blocks in [("0", False), ("1", True), ("2", True), ("3", True), ("4", False)]:
        view = "0" * monday_8_utc + digit + "0" * (window.digits - monday_8_utc - 1)
        (row,) = view_free_slot_rows("M1", view, window, UTC)
        assert (row["free_slots"], row["busy_minutes"]) == ((49, 60) if blocks else (50, 0))


def _busy_runs(view: str, start: datetime, minutes: int) -> list[Busy]:
    """The reference reading: each run of digits other than 0 and 4 is one busy interval."""
    step = timedelta(minutes=minutes)
    return [
        Busy(start + m.start() * step, start + m.end() * step) for m in re.finditer("[^04]+", view)
    ]


# Nepal (+05:45) against 20-, 30- and 60-minute digits cuts slots across digits; Lord Howe
# moves its clocks by half an hour; New York's daylight saving ends in the weeks below.
VIEW_ZONES = [NEW_YORK, ZoneInfo("Asia/Kathmandu"), ZoneInfo("Australia/Lord_Howe"), UTC]


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(VIEW_ZONES),
    interval=st.sampled_from(INTERVALS),
    week=st.integers(0, 51),
    runs=st.lists(
        st.tuples(
            st.integers(0, 37 * 24 * 60), st.integers(1, 12 * 60), st.sampled_from("1234x\u00e9")
        ),
        max_size=20,
    ),
)
def test_a_view_gives_what_its_busy_intervals_give_slot_by_slot(zone, interval, week, runs):
    today = date(2026, 1, 5) + timedelta(weeks=week)
    start = datetime.combine(today - timedelta(days=1), datetime.min.time(), UTC)
    window = Window(weeks_ahead(today, 4), start, start + timedelta(days=37), interval)
    digits = ["0"] * window.digits
    for minute, length, digit in runs:  # a digit run from minute, undocumented ones too
        for i in range(minute // interval, min(window.digits, (minute + length) // interval)):
            digits[i] = digit
    view = "".join(digits)
    rows = view_free_slot_rows("M1", view + "000", window, zone)  # digits past the window: ignored
    busy = _busy_runs(view, start, interval)
    expected = [week_availability(w, zone, busy) for w in window.weeks]
    assert [(r["week_start"], r["free_slots"], r["busy_minutes"]) for r in rows] == [
        (e.week_start.isoformat(), e.free_slots, e.busy_minutes) for e in expected
    ]


def test_graph_entries_map_to_rows_or_to_what_went_wrong():
    window = Window(
        [MONDAY], datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC), 60
    )
    monday_9_edt = 24 + 13  # hours from the window's start to 09:00 EDT on Monday
    view = "0" * monday_9_edt + "2" + "0" * (window.digits - monday_9_edt - 1)
    requested = {"a@x.org": ["A"], "b@x.org": ["B"], "c@x.org": ["C"], "d@x.org": ["D"]}
    entries = [
        {
            "scheduleId": "A@x.org",
            "availabilityView": view,
            "workingHours": {"timeZone": {"name": "Eastern Standard Time"}},
        },
        {
            "scheduleId": "b@x.org",
            "availabilityView": "",
            "error": {"message": "nope", "responseCode": "ErrorMailRecipientNotFound"},
        },
        {"scheduleId": "c@x.org", "availabilityView": "000"},
        {"availabilityView": view, "newField": 1},
    ]
    outcome = map_entries(entries, requested, window, UTC)
    by_mentor = {r["mentor_id"]: r for r in outcome.rows}
    assert (by_mentor["A"]["free_slots"], by_mentor["A"]["busy_minutes"]) == (49, 60)
    assert outcome.errors == {"B": "ErrorMailRecipientNotFound"}
    assert by_mentor["C"]["free_slots"] is None and "3 digits" in by_mentor["C"]["_problem"]
    assert by_mentor[None]["newField"] == 1 and "no scheduleId" in by_mentor[None]["_problem"]
    assert outcome.missing == ["D"]
    assert outcome.fallback_zone == ["C", "entry 3 (no scheduleId)"]


def test_a_mailbox_whose_entry_is_as_last_time_gives_no_rows():
    window = Window(
        [MONDAY], datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC), 60
    )
    view = "0" * window.digits
    busier = "2" * 40 + view[40:]
    requested = {"a@x.org": ["A"], "b@x.org": ["B"], "c@x.org": ["C"]}

    def entries(a_view: str) -> list[dict]:
        return [
            {"scheduleId": "a@x.org", "availabilityView": a_view},
            {"scheduleId": "b@x.org", "availabilityView": view},
            {"scheduleId": "c@x.org", "availabilityView": "",
             "error": {"message": "nope", "responseCode": "ErrorMailRecipientNotFound"}},
        ]  # fmt: skip

    first = map_entries(entries(view), requested, window, UTC)
    assert {r["mentor_id"] for r in first.rows} == {"A", "B"} and first.unchanged == 0
    assert set(first.fingerprints) == {"a@x.org", "b@x.org"}  # not the unreadable one

    again = map_entries(entries(view), requested, window, UTC, known=first.fingerprints)
    assert again.rows == [] and again.unchanged == 2
    assert again.fingerprints == first.fingerprints  # kept for the sync after

    changed = map_entries(entries(busier), requested, window, UTC, known=first.fingerprints)
    assert [r["mentor_id"] for r in changed.rows] == ["A"] and changed.unchanged == 1

    # the same calendar now read for another mentor, or in another zone: rows again
    moved = map_entries(
        entries(view), {**requested, "b@x.org": ["B2"]}, window, UTC, known=first.fingerprints
    )
    assert [r["mentor_id"] for r in moved.rows] == ["B2"]
    elsewhere = map_entries(
        [{**e, "workingHours": {"timeZone": {"name": "Pacific Standard Time"}}}
         for e in entries(view)],
        requested, window, UTC, known=first.fingerprints,
    )  # fmt: skip
    assert {r["mentor_id"] for r in elsewhere.rows} == {"A", "B"}
