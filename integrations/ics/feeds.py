"""One ICS feed's bytes -> the mentor's time zone and busy intervals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import icalendar
import recurring_ical_events

from integrations.common.calendar import Busy, busy, counts_as_busy, resolve_timezone, timezone_name


class FeedUnreadable(ValueError):
    """The body is not an iCalendar feed we can read; the message is safe to show."""


@dataclass
class ParsedFeed:
    zone: tzinfo
    zone_from: str  # where the zone came from: X-WR-TIMEZONE, VTIMEZONE or the connection
    busy: list[Busy] = field(default_factory=list)
    undatable: int = 0  # events without a usable DTSTART: the mentor's weeks are unknown
    notes: list[str] = field(default_factory=list)


def decode(body: bytes) -> str:
    """UTF-8 with or without a BOM (Outlook writes one); Latin-1 as a last resort."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def parse_feed(body: bytes, default_zone: tzinfo, first_day: date, last_day: date) -> ParsedFeed:
    """Busy time between ``first_day`` and ``last_day`` (inclusive, with a day's margin)."""
    text = decode(body).lstrip()
    if not text.upper().startswith("BEGIN:VCALENDAR"):
        looks = "an HTML page (an expired or private link?)" if text.startswith("<") else "text"
        raise FeedUnreadable(f"not an iCalendar feed: {looks}")
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:
        raise FeedUnreadable(f"iCalendar syntax error ({type(exc).__name__})") from None
    parsed = _zone(calendar, default_zone)
    undatable = [e for e in calendar.walk("VEVENT") if _start(e) is None]
    if undatable:
        parsed.undatable = len(undatable)
        return parsed
    try:
        occurrences = recurring_ical_events.of(calendar).between(
            first_day - timedelta(days=1), last_day + timedelta(days=2)
        )
        for occurrence in occurrences:
            interval = _busy(occurrence, parsed.zone)
            if interval is not None:
                parsed.busy.append(interval)
    except FeedUnreadable:
        raise
    except Exception as exc:
        raise FeedUnreadable(f"recurrences could not be expanded ({type(exc).__name__})") from None
    return parsed


def _zone(calendar: icalendar.Calendar, default_zone: tzinfo) -> ParsedFeed:
    """The mentor's zone: X-WR-TIMEZONE, else the feed's VTIMEZONE, else the connection's.

    recurring_ical_events reads X-WR-TIMEZONE with zoneinfo, which does not know Windows
    names: a Windows name is replaced by its IANA zone, an unknown one removed (with a note).
    """
    notes = []
    declared = calendar.get("X-WR-TIMEZONE")
    if declared is not None:
        zone = resolve_timezone(str(declared))
        del calendar["X-WR-TIMEZONE"]
        if zone is not None:
            calendar.add("X-WR-TIMEZONE", timezone_name(zone))
            return ParsedFeed(zone, "X-WR-TIMEZONE")
        notes.append(f"unknown X-WR-TIMEZONE {str(declared)[:40]!r} ignored")
    for component in calendar.walk("VTIMEZONE"):
        zone = resolve_timezone(str(component.get("TZID", "")))
        if zone is None:
            try:
                zone = component.to_tz()
            except Exception:
                zone = None
        if zone is not None:
            return ParsedFeed(zone, "VTIMEZONE", notes=notes)
    return ParsedFeed(default_zone, "the connection", notes=notes)


def _start(event: icalendar.Event) -> date | None:
    try:
        value = event["DTSTART"].dt
    except Exception:
        return None
    return value if isinstance(value, date) else None


def _busy(occurrence: Any, zone: tzinfo) -> Busy | None:
    """The occurrence's busy time, or None when it does not block (see the connector)."""
    if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if str(occurrence.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if not counts_as_busy(str(occurrence.get("X-MICROSOFT-CDO-BUSYSTATUS", "BUSY"))):
        return None
    start = occurrence["DTSTART"].dt
    if "DTEND" in occurrence:
        end = occurrence["DTEND"].dt
    elif "DURATION" in occurrence:
        end = start + occurrence["DURATION"].dt
    else:
        end = start + timedelta(days=1) if not isinstance(start, datetime) else start
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise FeedUnreadable("an event mixes a DATE start with a DATE-TIME end")
    return busy(start, end, zone)
