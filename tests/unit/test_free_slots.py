"""The free-slot arithmetic both calendar connectors share: hours, overlaps, DST, all-day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.common.calendar import (
    SLOTS_PER_WEEK,
    Busy,
    busy,
    counts_as_busy,
    free_slot_rows,
    resolve_timezone,
    sync_moment,
    week_availability,
    weeks_ahead,
    working_slots,
)

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 10, 5)


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute)


def week(*intervals: Busy, start: date = MONDAY, tz=NEW_YORK) -> tuple[int, int]:
    result = week_availability(start, tz, intervals)
    assert result.working_slots == SLOTS_PER_WEEK == 50
    return result.free_slots, result.busy_minutes


def test_an_empty_week_has_fifty_free_slots():
    assert week() == (50, 0)


def test_overlapping_events_count_once():
    assert week(busy(at(5, 9), at(5, 10, 30), NEW_YORK), busy(at(5, 10), at(5, 11), NEW_YORK)) == (
        48,
        120,
    )
    same = busy(at(6, 14), at(6, 15), NEW_YORK)
    assert week(same, same, same) == (49, 60)


def test_a_short_event_takes_its_whole_slot_but_only_its_minutes():
    assert week(busy(at(5, 8, 30), at(5, 8, 45), NEW_YORK)) == (49, 15)
    # two slots touched by a 20-minute meeting across the hour
    assert week(busy(at(5, 9, 50), at(5, 10, 10), NEW_YORK)) == (48, 20)


def test_time_outside_working_hours_and_weekends_does_not_count():
    assert week(
        busy(at(5, 7), at(5, 8), NEW_YORK),  # ends as the day starts
        busy(at(5, 18), at(5, 20), NEW_YORK),  # starts as it ends
        busy(at(10, 9), at(10, 17), NEW_YORK),  # Saturday
        busy(at(4, 9), at(4, 17), NEW_YORK),  # the Sunday before
    ) == (50, 0)
    assert week(busy(at(9, 17, 30), at(9, 23), NEW_YORK)) == (49, 30)


def test_all_day_events_block_the_whole_working_day():
    assert week(busy(date(2026, 10, 7), date(2026, 10, 8), NEW_YORK)) == (40, 600)
    # Wednesday to Friday (DTEND is exclusive: the Saturday)
    assert week(busy(date(2026, 10, 7), date(2026, 10, 10), NEW_YORK)) == (20, 1800)
    assert week(busy(date(2026, 10, 10), date(2026, 10, 11), NEW_YORK)) == (50, 0)


def test_an_overnight_event_blocks_both_days():
    assert week(busy(at(6, 16), at(7, 10), NEW_YORK)) == (46, 240)


def test_slots_follow_the_local_clock_across_the_end_of_daylight_saving():
    # 13:00Z is 09:00 EDT on Monday 26 October but 08:00 EST on Monday 2 November 2026
    utc_hour = (datetime(2026, 10, 26, 13, tzinfo=UTC), datetime(2026, 10, 26, 14, tzinfo=UTC))
    assert week_availability(date(2026, 10, 26), NEW_YORK, [Busy(*utc_hour)]).free_slots == 49
    before = working_slots(date(2026, 10, 26), NEW_YORK)
    after = working_slots(date(2026, 11, 2), NEW_YORK)
    assert before[1].start == utc_hour[0]  # the 09:00 slot
    assert after[0].start == datetime(2026, 11, 2, 13, tzinfo=UTC)  # the 08:00 slot
    assert all((s.end - s.start).total_seconds() == 3600 for s in before + after)
    assert len({s.start for s in before + after}) == 100


def test_a_dst_change_on_a_working_day():
    # Israel moves its clocks on Friday 27 March 2026 at 02:00: 05:00Z is 07:00 on
    # Thursday (before work) but 08:00 on Friday (the first slot)
    jerusalem = ZoneInfo("Asia/Jerusalem")
    thursday = Busy(datetime(2026, 3, 26, 5, tzinfo=UTC), datetime(2026, 3, 26, 6, tzinfo=UTC))
    friday = Busy(datetime(2026, 3, 27, 5, tzinfo=UTC), datetime(2026, 3, 27, 6, tzinfo=UTC))
    monday = date(2026, 3, 23)
    assert week(thursday, start=monday, tz=jerusalem) == (50, 0)
    assert week(friday, start=monday, tz=jerusalem) == (49, 60)


def test_floating_times_are_the_mentors_wall_clock():
    floating = busy(at(5, 9), at(5, 10), NEW_YORK)
    assert floating.start == datetime(2026, 10, 5, 13, tzinfo=UTC)
    tokyo = busy(datetime(2026, 10, 5, 9), datetime(2026, 10, 5, 10), ZoneInfo("Asia/Tokyo"))
    assert week(tokyo) == (50, 0)  # 09:00 in Tokyo is 20:00 the evening before in New York


def test_touching_intervals_join_and_empty_or_inverted_ones_block_nothing():
    a = busy(at(5, 9), at(5, 10), NEW_YORK)
    b = busy(at(5, 10), at(5, 11), NEW_YORK)
    empty = busy(at(5, 12), at(5, 12), NEW_YORK)
    inverted = busy(at(5, 15), at(5, 14), NEW_YORK)
    d = busy(at(5, 8), at(5, 9, 30), NEW_YORK)
    assert week(b, empty, a, inverted, d) == (47, 180)


def test_rows_carry_the_contract_columns_per_week():
    rows = free_slot_rows("M1", [MONDAY, date(2026, 10, 12)], NEW_YORK, [], "ics")
    assert rows == [
        {
            "mentor_id": "M1",
            "week_start": "2026-10-05",
            "free_slots": 50,
            "busy_minutes": 0,
            "working_slots": 50,
            "calendar_source": "ics",
        },
        {
            "mentor_id": "M1",
            "week_start": "2026-10-12",
            "free_slots": 50,
            "busy_minutes": 0,
            "working_slots": 50,
            "calendar_source": "ics",
        },
    ]
    with pytest.raises(ValueError, match="not a Monday"):
        week_availability(date(2026, 10, 6), NEW_YORK, [])


def test_weeks_run_from_the_monday_of_today():
    assert weeks_ahead(date(2026, 9, 30), 4) == [
        date(2026, 9, 28),
        date(2026, 10, 5),
        date(2026, 10, 12),
        date(2026, 10, 19),
        date(2026, 10, 26),
    ]
    assert weeks_ahead(date(2026, 10, 4), 0) == [date(2026, 9, 28)]  # a Sunday


@pytest.mark.parametrize(
    ("status", "blocks"),
    [
        ("busy", True),
        ("Busy", True),
        ("oof", True),
        ("tentative", True),
        ("TENTATIVE", True),
        ("free", False),
        ("workingElsewhere", False),
        ("WORKINGELSEWHERE", False),
        (None, True),
    ],
)
def test_what_counts_as_busy(status, blocks):
    assert counts_as_busy(status) is blocks


def test_time_zone_names_iana_windows_and_unknown():
    assert resolve_timezone("America/New_York") == NEW_YORK
    assert resolve_timezone("Eastern Standard Time") == NEW_YORK
    assert resolve_timezone("W. Europe Standard Time") == ZoneInfo("Europe/Berlin")
    assert resolve_timezone("UTC") is UTC
    assert resolve_timezone("Customized Time Zone") is None
    assert resolve_timezone("") is None


def test_a_pinned_today_keeps_the_time_of_day():
    now = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
    assert sync_moment(None, now) == now
    assert sync_moment(date(2026, 9, 30), now) == datetime(2026, 9, 30, 10, 30, tzinfo=UTC)


ZONES = [NEW_YORK, ZoneInfo("Asia/Jerusalem"), ZoneInfo("Australia/Lord_Howe"), UTC]


def _slot_by_slot(week_start: date, tz, intervals: list[Busy]) -> tuple[int, int]:
    """The definition, one slot and one interval at a time: no merging, no sweeping."""
    free, seconds = 0, 0.0
    for slot in working_slots(week_start, tz):
        pieces = sorted(
            (max(b.start, slot.start), min(b.end, slot.end))
            for b in intervals
            if b.start < slot.end and b.end > slot.start and b.end > b.start
        )
        covered, reach = 0.0, slot.start
        for start, end in pieces:  # overlapping intervals count once within the slot
            start = max(start, reach)
            if end > start:
                covered += (end - start).total_seconds()
                reach = end
        free += covered == 0
        seconds += covered
    return free, int(seconds // 60)


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    week=st.integers(0, 51),
    spans=st.lists(
        st.tuples(st.integers(0, 9 * 24 * 4), st.integers(-4, 48), st.integers(0, 59)),
        max_size=25,
    ),
)
def test_the_sweep_counts_what_slot_by_slot_counting_gives(zone, week, spans):
    # quarter-hour starts over nine days around the week, lengths up to 12 hours (some
    # empty or inverted), odd seconds: across daylight-saving changes in three zones
    monday = date(2026, 1, 5) + timedelta(weeks=week)
    origin = datetime.combine(monday, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    intervals = [
        Busy(
            origin + timedelta(minutes=15 * q, seconds=s),
            origin + timedelta(minutes=15 * (q + n), seconds=s),
        )
        for q, n, s in spans
    ]
    result = week_availability(monday, zone, intervals)
    assert (result.free_slots, result.busy_minutes) == _slot_by_slot(monday, zone, intervals)
    rows = free_slot_rows("M1", [monday], zone, intervals, "ics")
    assert (rows[0]["free_slots"], rows[0]["busy_minutes"]) == _slot_by_slot(
        monday, zone, intervals
    )
