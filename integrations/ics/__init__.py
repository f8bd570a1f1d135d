"""ICS feed connector (RFC 5545): mentors' free slots per week from their calendar feed URLs.

What it relies on (the icalendar and recurring-ical-events documentation; RFC 5545):
- ``icalendar.Calendar.from_ical`` parses the feed (CRLF or LF, folded lines; a UTF-8 BOM
  is stripped first). Inside a VEVENT icalendar keeps going past a broken line and only
  fails when the broken property is used.
- ``recurring_ical_events.of(calendar).between(a, b)`` expands RRULE, RDATE and EXDATE,
  applies edited occurrences (RECURRENCE-ID overrides), handles VTIMEZONE definitions,
  Windows TZIDs, all-day DATE events (which end a day later when DTEND is missing) and
  ``X-WR-TIMEZONE`` (floating times and every occurrence are put into that zone). It reads
  X-WR-TIMEZONE with zoneinfo, so a Windows name there (``Eastern Standard Time``) is
  rewritten to its IANA zone first.
- Not busy: ``STATUS:CANCELLED``, ``TRANSP:TRANSPARENT`` (RFC 5545 3.8.2.7; the default is
  OPAQUE, also for all-day events) and Outlook's ``X-MICROSOFT-CDO-BUSYSTATUS`` FREE or
  WORKINGELSEWHERE. Tentative and out-of-office events are busy (see
  ``integrations.common.calendar``). An event whose DTSTART is missing or unreadable cannot
  be placed: that mentor's weeks are sent with no counts, so validation quarantines them.
- The mentor's time zone is the feed's ``X-WR-TIMEZONE``, else its first VTIMEZONE, else
  ``extra.timezone``.

A feed URL is a secret (it grants read access to the calendar): logs and messages show the
mentor id and at most ``scheme://host/…``; the bookmark keeps a hash of the URL, never it.

Incremental: every feed is fetched with ``If-None-Match`` and the ETag of the last sync
(bookmark ``{"feeds": {mentor_id: {"etag", "url", "weeks"}}}``); a 304 means nothing new
for that mentor and no rows are sent. When the weeks wanted have moved past the weeks the
ETag was taken for, or the URL changed, the feed is fetched in full again. A feed that does
not parse, or whose host answers with an error, is that mentor's problem: it is skipped
and named in the batch notes; when every feed fails the sync fails.

Connection ``ics_default``: extra ``feeds`` ({mentor_id: URL}), ``timezone`` (for feeds that
name none; default ``UTC``), ``horizon_weeks`` (default 4: the current week and 4 more),
``today`` (pin the current week: backfills, the simulator).
"""

from integrations.ics.client import IcsFeeds

__all__ = ["IcsFeeds"]
