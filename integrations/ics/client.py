"""Fetching the feeds (conditional GETs, redaction) and the ICS calendar connector."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from integrations.common.calendar import (
    DEFAULT_HORIZON_WEEKS,
    free_slot_rows,
    mapping_setting,
    parse_day,
    resolve_timezone,
    sync_moment,
    unknown_rows,
    weeks_ahead,
)
from integrations.common.connection import ConnectionSettings
from integrations.common.http import HttpClient, HttpError, RetryPolicy
from integrations.common.schema import Extract, ExtractError, StreamContract, drop_exact_duplicates
from integrations.contracts import contracts_for_feed
from integrations.ics.feeds import FeedUnreadable, parse_feed

log = logging.getLogger(__name__)

SOURCE = "ics"
# After this many feeds of one host failed in a row with no answer (or 429/5xx) and none
# of its feeds worked, the host is taken as down: its other feeds are not tried this sync.
MAX_HOST_FAILURES = 3


class _FeedPathRedaction(logging.Filter):
    """urllib3 logs request paths at DEBUG; a feed's path is its secret."""

    secrets: set[str] = set()  # noqa: RUF012 - shared by every fetcher on purpose

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and self.secrets:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_scrub(a) if isinstance(a, str) else a for a in args)
        if isinstance(record.msg, str):
            record.msg = _scrub(record.msg)
        return True


def _scrub(text: str) -> str:
    for secret in sorted(_FeedPathRedaction.secrets, key=len, reverse=True):
        text = text.replace(secret, "/***")
    return text


logging.getLogger("urllib3.connectionpool").addFilter(_FeedPathRedaction())


def redacted(url: str) -> str:
    """What may be shown of a feed URL: its scheme and host, never its path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}/…"


def fingerprint(url: str) -> str:
    """A stable, non-reversible id of a feed URL for the bookmark (the URL is a secret)."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _url_secrets(url: str) -> list[str]:
    parts = urlsplit(url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return [s for s in (tail, parts.path) if s and s != "/" and len(s) >= 4]


@dataclass
class Fetched:
    status: int  # 200, or 304 (not modified since the ETag we sent)
    body: bytes
    etag: str | None


class FeedFetcher:
    """GETs feeds through the shared HTTP layer, conditionally when an ETag is known."""

    def __init__(
        self,
        urls: list[str],
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        secrets = sorted({s for url in urls for s in _url_secrets(url)}, key=len, reverse=True)
        _FeedPathRedaction.secrets.update(secrets)
        self.http = HttpClient(
            vendor="ics",
            base_url="",
            headers={"Accept": "text/calendar, */*;q=0.5"},
            secrets=secrets,
            timeout=timeout,
            retry=retry or RetryPolicy(),
        )

    def fetch(self, url: str, etag: str | None = None) -> Fetched:
        headers = {"If-None-Match": etag} if etag else None
        response = self.http.request("GET", url, headers=headers, expect="bytes")
        return Fetched(response.status_code, response.content, response.headers.get("ETag"))


def _covers(entry: Mapping[str, Any], url: str, weeks: list[date]) -> bool:
    """Whether a bookmark entry was made from this URL over (at least) these weeks."""
    span = entry.get("weeks") or []
    return (
        bool(entry.get("etag"))
        and entry.get("url") == fingerprint(url)
        and len(span) == 2
        and span[0] <= weeks[0].isoformat()
        and span[1] >= weeks[-1].isoformat()
    )


def _listed(items: list[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class IcsFeeds:
    """The calendar connector for ICS feed URLs (source ``ics``)."""

    source = SOURCE

    def __init__(
        self,
        fetcher: FeedFetcher,
        feeds: Mapping[str, str],
        *,
        default_timezone: str = "UTC",
        horizon_weeks: int = DEFAULT_HORIZON_WEEKS,
        today: date | None = None,
    ) -> None:
        zone = resolve_timezone(default_timezone)
        if zone is None:
            raise ExtractError(
                f"ics: extra.timezone {default_timezone!r} is not a time zone name "
                "(use an IANA name such as America/New_York)"
            )
        self.fetcher = fetcher
        self.feeds = dict(feeds)
        self.default_zone = zone
        self.horizon_weeks = horizon_weeks
        self.today = today

    @classmethod
    def from_connection(
        cls, conn: ConnectionSettings, today: date | None = None, **_: Any
    ) -> IcsFeeds:
        conn.require("feeds")
        feeds = mapping_setting(conn.extra["feeds"])
        if not feeds or not all(u.startswith(("http://", "https://")) for u in feeds.values()):
            raise ExtractError(
                "ics: extra.feeds must map mentor ids to http(s) feed URLs "
                '({"<mentor_id>": "https://.../basic.ics"})'
            )
        return cls(
            FeedFetcher(list(feeds.values()), **conn.http_options()),
            feeds,
            default_timezone=str(conn.extra.get("timezone") or "UTC"),
            horizon_weeks=int(conn.extra.get("horizon_weeks", DEFAULT_HORIZON_WEEKS)),
            today=today or parse_day(conn.extra.get("today")),
        )

    def streams(self) -> list[StreamContract]:
        return contracts_for_feed("calendar")

    def extract(
        self, contract: StreamContract, bookmark: dict[str, Any] | None, *, full_refresh: bool
    ) -> Iterator[Extract]:
        as_of = sync_moment(self.today)
        weeks = weeks_ahead(self.today or date.today(), self.horizon_weeks)
        known = {} if full_refresh or not bookmark else dict(bookmark.get("feeds") or {})
        run = _Run()
        for mentor, url in self.feeds.items():
            self._read(mentor, url, known.get(mentor) or {}, weeks, run)
        if len(run.failed) == len(self.feeds):
            reasons = ", ".join(sorted(set(run.failed.values())))
            raise ExtractError(
                f"ics: none of the {len(self.feeds)} feeds could be read ({reasons}); check the "
                "feed URLs in extra.feeds of the ics_default connection and that their hosts "
                "answer"
            )
        for mentor in sorted(run.failed):
            log.warning(
                "ics: feed of mentor %s (%s) skipped: %s",
                mentor,
                redacted(self.feeds[mentor]),
                run.failed[mentor],
            )
        yield Extract(
            contract=contract,
            records=drop_exact_duplicates(run.rows),
            source_ref=(
                f"ics feeds weeks {weeks[0]}..{weeks[-1]}: {len(self.feeds)} feeds, "
                f"{len(run.unchanged)} unchanged, {len(run.failed)} unreadable"
            ),
            bookmark={"feeds": run.bookmark},
            # Unchanged feeds (304) send nothing: then the batch is not a full snapshot,
            # and its size says nothing about the previous one's.
            window_start=as_of if run.unchanged else None,
            window_end=as_of,
            notes=run.notes(),
        )

    def _read(
        self, mentor: str, url: str, previous: dict[str, Any], weeks: list[date], run: _Run
    ) -> None:
        """One mentor's feed: rows, a 304, or the reason it was skipped, into ``run``."""
        host = urlsplit(url).netloc
        if host not in run.hosts_ok and run.host_failures.get(host, 0) >= MAX_HOST_FAILURES:
            run.failed[mentor] = "not tried: the feed host did not answer the previous feeds"
            if previous:
                run.bookmark[mentor] = previous
            return
        etag = previous["etag"] if _covers(previous, url, weeks) else None
        try:
            fetched = self.fetcher.fetch(url, etag)
        except HttpError as exc:
            run.failed[mentor] = f"HTTP {exc.status}" if exc.status else "no answer"
            if exc.status is None or exc.status == 429 or exc.status >= 500:
                run.host_failures[host] = run.host_failures.get(host, 0) + 1
            if previous:
                run.bookmark[mentor] = previous  # the rows it gave are still the latest we know
            return
        run.hosts_ok.add(host)
        if fetched.status == 304:
            run.unchanged.append(mentor)
            run.bookmark[mentor] = previous
            return
        try:
            parsed = parse_feed(
                fetched.body, self.default_zone, weeks[0], weeks[-1] + timedelta(days=6)
            )
        except FeedUnreadable as exc:
            run.failed[mentor] = str(exc)
            return  # no bookmark: the next sync fetches it again in full
        run.zone_notes += [f"{mentor}: {note}" for note in parsed.notes]
        if parsed.undatable:
            run.quarantined.append(mentor)
            problem = f"{parsed.undatable} event(s) without a usable DTSTART"
            run.rows += unknown_rows(mentor, weeks, SOURCE, _problem=problem)
        else:
            run.rows += free_slot_rows(mentor, weeks, parsed.zone, parsed.busy, SOURCE)
        if fetched.etag:
            run.bookmark[mentor] = {
                "etag": fetched.etag,
                "url": fingerprint(url),
                "weeks": [weeks[0].isoformat(), weeks[-1].isoformat()],
            }


@dataclass
class _Run:
    """What one sync gathered over the feeds."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    bookmark: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # mentor -> why
    unchanged: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    zone_notes: list[str] = field(default_factory=list)
    host_failures: dict[str, int] = field(default_factory=dict)
    hosts_ok: set[str] = field(default_factory=set)

    def notes(self) -> list[str]:
        notes = []
        if self.failed:
            notes.append(
                f"{len(self.failed)} feed(s) could not be read and are skipped this sync: "
                + _listed([f"{m} ({self.failed[m]})" for m in sorted(self.failed)])
            )
        if self.quarantined:
            notes.append(
                "feeds with events that have no usable start, their weeks quarantined: "
                + _listed(sorted(self.quarantined))
            )
        if self.unchanged:
            notes.append(f"{len(self.unchanged)} feed(s) unchanged since the last sync (304)")
        return notes + self.zone_notes
