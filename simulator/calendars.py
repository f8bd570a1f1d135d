"""The mentors' calendars as the calendar servers serve them, and the free slots they imply.

``program.calendars`` holds each mentor's ``BusyEvent``s. The generator stamps them with
``_at`` (tzinfo UTC) but means a working day: clinics from 08:00, meetings between 08:00
and 18:00. The calendar servers therefore read every event's date and clock time as the
mentor's *local* time, and every simulated mentor lives in the institution's zone,
``America/New_York``. The six simulated weeks from ``as_of`` end across the end of
daylight saving time (1 November 2026), so the last week is on EST while the others are
on EDT: a connector that gets the zone wrong lands in the wrong slots.

``expected_week`` computes a mentor's free slots with nothing but wall-clock arithmetic
(independently of ``integrations.common.calendar``): tests compare the warehouse to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from simulator.program import BusyEvent, Program

MENTOR_TIMEZONE = "America/New_York"
MENTOR_TIMEZONE_WINDOWS = "Eastern Standard Time"
ZONE = ZoneInfo(MENTOR_TIMEZONE)
BUSY = ("busy", "tentative", "oof")  # what blocks a slot; see integrations.common.calendar


@dataclass(frozen=True)
class Occurrence:
    start: datetime  # naive, the mentor's wall-clock time
    end: datetime
    event: BusyEvent
    index: int  # 0 for a one-off event, k for the k-th week of a recurring one


def wall(moment: datetime) -> datetime:
    """The event's wall-clock time (the generator's UTC stamp read as local time)."""
    return moment.replace(tzinfo=None)


def local(moment: datetime) -> datetime:
    """The event's instant, as an aware time in the mentor's zone."""
    return wall(moment).replace(tzinfo=ZONE)


def occurrences(events: list[BusyEvent], start: datetime, end: datetime) -> Iterator[Occurrence]:
    """Every occurrence overlapping the naive wall-clock window [start, end)."""
    for event in events:
        first_start, first_end = wall(event.start), wall(event.end)
        if not event.recurring_weekly:
            if first_start < end and first_end > start:
                yield Occurrence(first_start, first_end, event, 0)
            continue
        k = max(0, (start - first_end).days // 7)
        while first_start + timedelta(weeks=k) < end:
            s, e = first_start + timedelta(weeks=k), first_end + timedelta(weeks=k)
            if e > start:
                yield Occurrence(s, e, event, k)
            k += 1


def blocks(event: BusyEvent) -> bool:
    return event.status in BUSY and not event.cancelled and not event.transparent


def expected_week(program: Program, mentor_id: str, week_start: date) -> tuple[int, int]:
    """(free_slots, busy_minutes) of one mentor's working week, by plain wall-clock hours."""
    monday = datetime.combine(week_start, datetime.min.time())
    busy_minutes: set[datetime] = set()
    found = occurrences(program.calendars.get(mentor_id, []), monday, monday + timedelta(days=7))
    for occurrence in found:
        if not blocks(occurrence.event):
            continue
        minute = occurrence.start
        while minute < occurrence.end:
            busy_minutes.add(minute)
            minute += timedelta(minutes=1)
    free = 0
    working_busy = 0
    for day in range(5):
        for hour in range(8, 18):
            slot = monday + timedelta(days=day, hours=hour)
            taken = sum(slot + timedelta(minutes=m) in busy_minutes for m in range(60))
            working_busy += taken
            free += taken == 0
    return free, working_busy


def simulated_weeks(program: Program) -> list[date]:
    """The six Mondays the simulated calendars cover."""
    first = program.inst.as_of - timedelta(days=program.inst.as_of.weekday())
    return [first + timedelta(weeks=k) for k in range(6)]
