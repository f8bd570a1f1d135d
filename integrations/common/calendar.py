"""Free one-hour working slots from busy time: the arithmetic every calendar connector shares.

The ``calendar__free_slots`` contract counts, per mentor and ISO week (``week_start`` is
the Monday), the one-hour slots of the working week, Monday-Friday 08:00-18:00 *in the
mentor's time zone* (50 slots), that no busy time touches. The ICS connector turns a
feed's events into busy intervals and a time zone, and this module counts. The Graph
connector counts its ``availabilityView`` digits against this module's slots
(``slot_seconds``) as arrays, by the same definition (a property test holds the two
readings equal), and writes the same rows (``free_slot_row``).

What counts as busy (one decision for every source):
- ``busy`` and ``oof`` (out of office): busy.
- ``tentative``: busy. A tentatively accepted invitation usually becomes a meeting, and the
  matching engine promises a mentee the mentor's time: offering a slot that turns out to be
  taken costs more than missing one that turns out free. Outlook's own merged view ranks
  tentative between free and busy; we take the cautious side.
- ``free``, ``workingElsewhere`` (the mentor works, just not on site), transparent events
  (``TRANSP:TRANSPARENT``, Outlook's "show as free") and cancelled events: never busy.

Time arithmetic is done in UTC instants; slot boundaries are wall-clock hours in the
mentor's zone, so a week that crosses a daylight-saving change still has 50 slots of one
hour each, each at the right instant. A slot is free only if no busy time overlaps it at
all; ``busy_minutes`` is the busy time (overlaps merged, counted once) inside working hours.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WORKDAY_START = 8  # 08:00 local
WORKDAY_END = 18  # 18:00 local
WORKING_DAYS = 5  # Monday-Friday
SLOTS_PER_WEEK = WORKING_DAYS * (WORKDAY_END - WORKDAY_START)
DEFAULT_HORIZON_WEEKS = 4

BUSY_STATUSES = frozenset({"busy", "oof", "tentative"})
NOT_BUSY_STATUSES = frozenset({"free", "workingelsewhere"})


def counts_as_busy(status: str | None) -> bool:
    """Whether a free/busy status blocks a slot (see the module docstring for why)."""
    return (status or "busy").replace("_", "").lower() not in NOT_BUSY_STATUSES


@dataclass(frozen=True, order=True)
class Busy:
    """One stretch of busy time, as UTC instants (use :func:`busy` to build one)."""

    start: datetime
    end: datetime


def as_utc(moment: datetime, tz: tzinfo) -> datetime:
    """An aware UTC instant; a naive (floating) time is read as wall-clock time in ``tz``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def busy(start: datetime | date, end: datetime | date, tz: tzinfo) -> Busy:
    """Busy time from ``start`` to ``end``; dates (all-day events) run from local midnight."""
    return Busy(_instant(start, tz), _instant(end, tz))


def _instant(value: datetime | date, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value, tz)
    return as_utc(datetime.combine(value, time(0)), tz)


def resolve_timezone(name: str | None) -> tzinfo | None:
    """A zone from an IANA name (``America/New_York``) or a Windows name
    (``Eastern Standard Time``, as Outlook and Graph write them); None when unknown."""
    if not name or not str(name).strip():
        return None
    return _zone(str(name).strip().strip('"'))


@lru_cache(maxsize=1024)
def _zone(name: str) -> tzinfo | None:
    # cached: a Windows name is first looked for as a tz file on disk, every time otherwise
    if name.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    olson = WINDOWS_TO_OLSON.get(name)
    if olson:
        try:
            return ZoneInfo(olson)
        except ZoneInfoNotFoundError:
            return None
    return None


def timezone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_ahead(today: date, horizon_weeks: int = DEFAULT_HORIZON_WEEKS) -> list[date]:
    """The Monday of ``today``'s week and of the ``horizon_weeks`` weeks after it."""
    if horizon_weeks < 0:
        raise ValueError("horizon_weeks must be 0 or more")
    first = monday_of(today)
    return [first + timedelta(weeks=k) for k in range(horizon_weeks + 1)]


def working_slots(week_start: date, tz: tzinfo) -> list[Busy]:
    """The week's one-hour working slots (Mon-Fri, 08-18 local), as UTC instants."""
    return list(_working_slots(week_start, tz))


@lru_cache(maxsize=4096)
def _working_slots(week_start: date, tz: tzinfo) -> tuple[Busy, ...]:
    # Every mentor in a zone shares the week's slots: computed once per (week, zone), not
    # once per mentor (thousands of mailboxes share a handful of weeks and zones).
    slots = []
    for day_offset in range(WORKING_DAYS):
        day = week_start + timedelta(days=day_offset)
        for hour in range(WORKDAY_START, WORKDAY_END):
            start = as_utc(datetime.combine(day, time(hour)), tz)
            end = as_utc(datetime.combine(day, time(hour)) + timedelta(hours=1), tz)
            slots.append(Busy(start, end))
    return tuple(slots)


@dataclass(frozen=True)
class _Spans:
    """The union of busy intervals as POSIX seconds: disjoint, sorted, so both lists are
    sorted; empty and inverted intervals are dropped.

    The slot arithmetic runs for every mentor, week and working hour of every ICS feed:
    on plain numbers, not datetimes. (Graph's availability views are read as arrays
    instead, ``integrations.msgraph.schedules``.)
    """

    starts: list[float]
    ends: list[float]


def _spans(intervals: Iterable[Busy]) -> _Spans:
    starts: list[float] = []
    ends: list[float] = []
    pairs = sorted((i.start.timestamp(), i.end.timestamp()) for i in intervals)
    for start, end in pairs:
        if end <= start:
            continue
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return _Spans(starts, ends)


@lru_cache(maxsize=4096)
def slot_seconds(week_start: date, tz: tzinfo) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The week's working slots' starts and ends as POSIX seconds (see ``working_slots``)."""
    slots = _working_slots(week_start, tz)
    return tuple(s.start.timestamp() for s in slots), tuple(s.end.timestamp() for s in slots)


@dataclass(frozen=True)
class WeekAvailability:
    week_start: date
    free_slots: int
    busy_minutes: int
    working_slots: int


def week_availability(week_start: date, tz: tzinfo, busy_time: Iterable[Busy]) -> WeekAvailability:
    """Free slots and busy minutes of one working week in ``tz``."""
    return _week_availability(week_start, tz, _spans(busy_time))


def _week_availability(week_start: date, tz: tzinfo, spans: _Spans) -> WeekAvailability:
    if week_start.weekday() != 0:
        raise ValueError(f"week_start {week_start} is not a Monday")
    slot_starts, slot_ends = slot_seconds(week_start, tz)
    week_end = slot_ends[-1]
    touched: set[int] = set()
    busy_seconds = 0.0
    # visit only the slots each busy span overlaps: a handful per week, not all 50
    span = bisect_right(spans.ends, slot_starts[0])  # the first span ending after the week starts
    while span < len(spans.starts) and spans.starts[span] < week_end:
        start, end = spans.starts[span], spans.ends[span]
        slot = bisect_right(slot_ends, start)  # the first slot ending after the span starts
        while slot < len(slot_starts) and slot_starts[slot] < end:
            busy_seconds += min(end, slot_ends[slot]) - max(start, slot_starts[slot])
            touched.add(slot)
            slot += 1
        span += 1
    return WeekAvailability(
        week_start, len(slot_starts) - len(touched), int(busy_seconds // 60), len(slot_starts)
    )


def free_slot_rows(
    mentor_id: str | None,
    weeks: Iterable[date],
    tz: tzinfo,
    busy_time: Iterable[Busy],
    calendar_source: str,
) -> list[dict[str, Any]]:
    """``calendar__free_slots`` records for one mentor, one per week."""
    spans = _spans(busy_time)
    rows = []
    for week in weeks:
        week_result = _week_availability(week, tz, spans)
        rows.append(
            free_slot_row(
                mentor_id,
                week,
                week_result.free_slots,
                week_result.busy_minutes,
                week_result.working_slots,
                calendar_source,
            )
        )
    return rows


def free_slot_row(
    mentor_id: str | None,
    week: date,
    free_slots: int,
    busy_minutes: int,
    working_slots: int,
    calendar_source: str,
) -> dict[str, Any]:
    """One ``calendar__free_slots`` record."""
    return {
        "mentor_id": mentor_id,
        "week_start": week.isoformat(),
        "free_slots": free_slots,
        "busy_minutes": busy_minutes,
        "working_slots": working_slots,
        "calendar_source": calendar_source,
    }


def unknown_rows(
    mentor_id: str | None, weeks: Iterable[date], calendar_source: str, **context: Any
) -> list[dict[str, Any]]:
    """Rows for weeks the source could not describe: the free-slot counts are missing, so
    validation quarantines them with the reason; ``context`` (keys starting with ``_``)
    rides along in the quarantined record to say what went wrong."""
    return [
        {
            "mentor_id": mentor_id,
            "week_start": week.isoformat(),
            "free_slots": None,
            "busy_minutes": None,
            "working_slots": SLOTS_PER_WEEK,
            "calendar_source": calendar_source,
            **context,
        }
        for week in weeks
    ]


def sync_moment(today: date | None, now: datetime | None = None) -> datetime:
    """The instant a calendar snapshot describes: now, or ``today`` at now's time of day
    when the caller pins the date (tests and backfills on simulated or past weeks)."""
    now = now or datetime.now(UTC)
    if today is None:
        return now
    return datetime.combine(today, now.timetz().replace(tzinfo=None), UTC)


def parse_day(value: Any) -> date | None:
    """A pinned ``today`` from a connection extra (ISO date string) or an argument."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def mapping_setting(value: Any) -> dict[str, str] | None:
    """A ``{mentor_id: address}`` setting: a JSON object, or its text (Airflow's URI format
    gives extras as strings); None when absent or not a mapping."""
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, Mapping):
        return None
    return {str(k): str(v) for k, v in value.items() if v}
