"""ICS feeds (RFC 5545), one secret URL per mentor, rendered by hand as real calendars are.

Each mentor's feed (``GET /calendar/ical/{mentor_id}/private-{token}/basic.ics``) holds
their ``program.calendars`` events (local times, ``simulator.calendars``), written the ways
real exports write them, so that a reader that skips a rule gets the wrong free slots:

- the weekly clinic as ``RRULE:FREQ=WEEKLY``;
- one meeting as a two-week series whose first occurrence is deleted (``EXDATE``);
- one meeting as an edited occurrence: a series created a day later, moved back to the
  real time by a ``RECURRENCE-ID`` override;
- tentative meetings ``STATUS:TENTATIVE``, out-of-office ones
  ``X-MICROSOFT-CDO-BUSYSTATUS:OOF``, cancelled ones ``STATUS:CANCELLED``, show-as-free
  ones ``TRANSP:TRANSPARENT``; all-day (``VALUE=DATE``) events on a Saturday (busy) and
  on a weekday (transparent), neither of which touches working hours;
- three feed styles by mentor: Google-like (``X-WR-TIMEZONE`` and a ``VTIMEZONE``
  ``America/New_York``), Outlook-like (a UTF-8 BOM, ``TZID=Eastern Standard Time`` with its
  ``VTIMEZONE``, on some also ``X-WR-TIMEZONE:Eastern Standard Time``), and no zone at all:
  one-off events in UTC, series in floating local time (a UTC series would slide an hour
  at the DST change), the connection's ``extra.timezone`` saying where the mentor works;
- CRLF line ends, long lines folded at 75 octets.

HTTP: ``ETag`` on every feed, ``If-None-Match`` answered with 304. ``broken`` (a set of
mentor ids) serves a sign-in page instead of the feed, as expired links do.

Content faults: ``duplicate_page`` serves one VEVENT twice; ``drift_added`` adds an
``X-LEADERSHIP-ROOM`` property to every event (RFC 5545 allows any ``X-`` property, so a
reader must ignore it: the free slots do not change); ``drift_renamed`` renames the
plain meetings' ``DTSTART`` to ``DTSTART-V2`` and ``drift_missing`` drops it (an event
with no start cannot be placed: the mentor's weeks are quarantined).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from simulator.calendars import MENTOR_TIMEZONE, MENTOR_TIMEZONE_WINDOWS, ZONE, blocks, wall
from simulator.program import BusyEvent, Program
from simulator.servers.base import Request, Response, SimServer

DTSTAMP = "20260801T120000Z"
STYLES = ("google", "outlook", "utc")
VTIMEZONE_NEW_YORK = """BEGIN:VTIMEZONE
TZID:{tzid}
BEGIN:STANDARD
DTSTART:16011104T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010311T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
END:DAYLIGHT
END:VTIMEZONE"""
SIGN_IN_PAGE = "<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in to view "


def fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets continue on lines starting with a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for ch in line:
        encoded = ch.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


class IcsServer(SimServer):
    name = "ics"
    conn_id = "ics_default"

    def __init__(self, program: Program, salt: str = "ics-sim-salt") -> None:
        super().__init__()
        self.program = program
        self.salt = salt
        self.mentors = {p.worker_id: (i, p) for i, p in enumerate(program.mentors)}
        self.broken: set[str] = set()

    def token(self, mentor_id: str) -> str:
        return hashlib.sha256(f"{self.salt}/{mentor_id}".encode()).hexdigest()[:24]

    def feed_path(self, mentor_id: str) -> str:
        return f"/calendar/ical/{mentor_id}/private-{self.token(mentor_id)}/basic.ics"

    def connection(self) -> dict[str, Any]:
        return {
            "conn_type": "http",
            "host": self.url,
            "extra": {
                "feeds": {m: f"{self.url}{self.feed_path(m)}" for m in self.mentors},
                "timezone": MENTOR_TIMEZONE,
                "today": self.program.inst.as_of.isoformat(),
            },
        }

    def style(self, mentor_id: str) -> str:
        return STYLES[self.mentors[mentor_id][0] % len(STYLES)]

    # -- HTTP ---------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        m = re.fullmatch(r"/calendar/ical/([^/]+)/private-([0-9a-f]+)/basic\.ics", request.path)
        if not m or m[1] not in self.mentors or m[2] != self.token(m[1]):
            return Response.text("<html><body>Not Found</body></html>", 404, "text/html")
        mentor_id = m[1]
        if mentor_id in self.broken:
            return Response.text(SIGN_IN_PAGE + "this calendar.</body></html>", 200, "text/html")
        body = self.render(mentor_id, duplicate=self.content_fault("duplicate_page", request.path))
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        wanted = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
        if etag in wanted or "*" in wanted:
            return Response(304, b"", {"ETag": etag})
        return Response(
            200,
            body,
            {
                "Content-Type": "text/calendar; charset=utf-8",
                "ETag": etag,
                "Cache-Control": "private",
            },
        )

    # -- rendering ----------------------------------------------------------------------------

    def render(self, mentor_id: str, *, duplicate: bool = False) -> bytes:
        style = self.style(mentor_id)
        index, person = self.mentors[mentor_id]
        tzid = MENTOR_TIMEZONE_WINDOWS if style == "outlook" else MENTOR_TIMEZONE
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Leadership Passport Simulator//Calendar Feeds 1.0//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{person.first_name} {person.last_name}",
        ]
        if style == "google" or (style == "outlook" and index % 2 == 0):
            lines.append(f"X-WR-TIMEZONE:{tzid}")
        if style != "utc":
            lines += VTIMEZONE_NEW_YORK.format(tzid=tzid).splitlines()
        events = self._events(mentor_id, style, tzid)
        if duplicate and events:
            events.insert(1, events[0])
        for event in events:
            lines += event
        lines.append("END:VCALENDAR")
        text = "\r\n".join(fold(line) for line in lines) + "\r\n"
        return (("\ufeff" if style == "outlook" else "") + text).encode()

    def _events(self, mentor_id: str, style: str, tzid: str) -> list[list[str]]:
        def stamp(name: str, moment: datetime, series: bool = False) -> str:
            if style == "utc" and series:
                # a UTC series would drift an hour at the DST change: floating local time
                return f"{name}:{moment.strftime('%Y%m%dT%H%M%S')}"
            if style == "utc":
                instant = moment.replace(tzinfo=ZONE).astimezone(UTC)
                return f"{name}:{instant.strftime('%Y%m%dT%H%M%SZ')}"
            return f"{name};TZID={tzid}:{moment.strftime('%Y%m%dT%H%M%S')}"

        def vevent(uid: str, summary: str, props: list[str]) -> list[str]:
            extra = ["X-LEADERSHIP-ROOM:Room 4"] if self.has_fault("drift_added") else []
            return [
                "BEGIN:VEVENT",
                f"UID:{uid}",
                f"DTSTAMP:{DTSTAMP}",
                f"SUMMARY:{summary}",
                *props,
                *extra,
                "END:VEVENT",
            ]

        out: list[list[str]] = []
        events = self.program.calendars.get(mentor_id, [])
        singles = [e for e in events if not e.recurring_weekly]
        blocking = [e for e in singles if blocks(e)]
        as_of = self.program.inst.as_of
        second_week = datetime.combine(as_of - timedelta(days=as_of.weekday() - 7), time(0))
        later = [e for e in blocking if wall(e.start) >= second_week]
        exdated = later[0] if later else None  # its deleted first occurrence is in view too
        moved = next((e for e in blocking if e is not exdated), None)
        for n, event in enumerate(events):
            start, end = wall(event.start), wall(event.end)
            uid = f"{mentor_id}-{n}@sim.example-health.org"
            if event.recurring_weekly:
                out.append(
                    vevent(
                        uid,
                        "Outpatient clinic",
                        [
                            stamp("DTSTART", start, series=True),
                            stamp("DTEND", end, series=True),
                            "RRULE:FREQ=WEEKLY",
                            "DESCRIPTION:Weekly outpatient clinic in the ambulatory care center; "
                            "mentoring requests for this time are declined automatically.",
                            *self._status(event),
                        ],
                    )
                )
            elif event is exdated:
                first = start - timedelta(weeks=1)
                out.append(
                    vevent(
                        uid,
                        "Quality committee (fortnight series)",
                        [
                            stamp("DTSTART", first, series=True),
                            stamp("DTEND", end - timedelta(weeks=1), series=True),
                            "RRULE:FREQ=WEEKLY;COUNT=2",
                            stamp("EXDATE", first, series=True),
                            *self._status(event),
                        ],
                    )
                )
            elif event is moved:
                shift = timedelta(days=1 if start.weekday() < 4 else -1)
                original = start + shift
                out.append(
                    vevent(
                        uid,
                        "Department meeting",
                        [
                            stamp("DTSTART", original, series=True),
                            stamp("DTEND", end + shift, series=True),
                            "RRULE:FREQ=WEEKLY;COUNT=1",
                            *self._status(event),
                        ],
                    )
                )
                out.append(
                    vevent(
                        uid,
                        "Department meeting (moved)",
                        [
                            stamp("RECURRENCE-ID", original, series=True),
                            stamp("DTSTART", start, series=True),
                            stamp("DTEND", end, series=True),
                            "SEQUENCE:1",
                            *self._status(event),
                        ],
                    )
                )
            else:
                starts = [stamp("DTSTART", start)]
                if self.has_fault("drift_renamed"):
                    starts = [stamp("DTSTART-V2", start)]
                elif self.has_fault("drift_missing"):
                    starts = []
                out.append(
                    vevent(uid, "Meeting", [*starts, stamp("DTEND", end), *self._status(event)])
                )
        out += self._all_day(mentor_id)
        return out

    def _all_day(self, mentor_id: str) -> list[list[str]]:
        monday = self.program.inst.as_of - timedelta(days=self.program.inst.as_of.weekday())
        saturday, wednesday = monday + timedelta(days=5), monday + timedelta(days=2)

        def day(d: date) -> str:
            return d.strftime("%Y%m%d")

        return [
            [
                "BEGIN:VEVENT",
                f"UID:{mentor_id}-call@sim.example-health.org",
                f"DTSTAMP:{DTSTAMP}",
                "SUMMARY:Weekend call",
                f"DTSTART;VALUE=DATE:{day(saturday)}",
                f"DTEND;VALUE=DATE:{day(saturday + timedelta(days=1))}",
                "END:VEVENT",
            ],
            [
                "BEGIN:VEVENT",
                f"UID:{mentor_id}-rounds@sim.example-health.org",
                f"DTSTAMP:{DTSTAMP}",
                "SUMMARY:Grand rounds week (reminder)",
                f"DTSTART;VALUE=DATE:{day(wednesday)}",
                f"DTEND;VALUE=DATE:{day(wednesday + timedelta(days=1))}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ],
        ]

    @staticmethod
    def _status(event: BusyEvent) -> list[str]:
        props = []
        if event.cancelled:
            props.append("STATUS:CANCELLED")
        elif event.status == "tentative":
            props.append("STATUS:TENTATIVE")
        else:
            props.append("STATUS:CONFIRMED")
        if event.transparent or event.status == "free":
            props.append("TRANSP:TRANSPARENT")
        else:
            props.append("TRANSP:OPAQUE")
        busy_status = {"busy": "BUSY", "tentative": "TENTATIVE", "oof": "OOF", "free": "FREE"}
        props.append(f"X-MICROSOFT-CDO-BUSYSTATUS:{busy_status.get(event.status, 'BUSY')}")
        return props
