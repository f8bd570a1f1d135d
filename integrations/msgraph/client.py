"""The Graph client (client-credentials token, getSchedule) and the calendar connector."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import msgspec
import requests
from requests.auth import AuthBase

from integrations.common.calendar import (
    DEFAULT_HORIZON_WEEKS,
    mapping_setting,
    parse_day,
    resolve_timezone,
    sync_moment,
    timezone_name,
    weeks_ahead,
)
from integrations.common.concurrency import in_order
from integrations.common.connection import ConnectionSettings
from integrations.common.http import HttpClient, RetryPolicy
from integrations.common.schema import (
    Extract,
    ExtractError,
    StreamContract,
    drop_exact_duplicates,
    left_out_since,
)
from integrations.contracts import contracts_for_feed
from integrations.msgraph.schedules import Outcome, Window, map_entries

log = logging.getLogger(__name__)

GRAPH_URL = "https://graph.microsoft.com/v1.0"
TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MAX_SCHEDULES_PER_CALL = 20
MAX_CONCURRENT_CALLS = 4  # Graph's Outlook limit: about 4 concurrent requests per mailbox
WEEKS_PER_WINDOW = 5  # 5 weeks + a day either side = 37 days, under Graph's 42-day limit
INTERVALS = (5, 10, 15, 20, 30, 60)  # minutes that divide an hour (and so every zone offset)
TOKEN_EARLY_REFRESH = 120.0  # seconds


class ClientCredentials(AuthBase):
    """``Authorization: Bearer`` with an Entra ID app token, fetched and renewed as needed."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = GRAPH_SCOPE,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.token_url = token_url
        self.form = {
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": scope,
            "grant_type": "client_credentials",
        }
        self.http = HttpClient(
            vendor="entra",
            base_url=token_url,
            secrets=[client_secret],
            timeout=timeout,
            retry=retry or RetryPolicy(),
        )
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                answer = self.http.post_json(self.token_url, data=self.form)
                token = (answer or {}).get("access_token") if isinstance(answer, dict) else None
                if not token:
                    raise ExtractError(
                        "entra: the token endpoint answered without an access_token; check "
                        "extra.token_url and extra.tenant_id of the msgraph connection"
                    )
                lifetime = float(answer.get("expires_in") or 3599)
                self._token = str(token)
                self._expires = time.monotonic() + max(0.0, lifetime - TOKEN_EARLY_REFRESH)
            return self._token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request


class GraphClient:
    def __init__(
        self,
        base_url: str,
        auth: ClientCredentials,
        schedule_user: str,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.auth = auth
        self.schedule_user = schedule_user
        self.http = HttpClient(
            vendor="msgraph",
            base_url=base_url,
            auth=auth,
            headers={"Prefer": 'outlook.timezone="UTC"'},
            secrets=[auth.form["client_secret"]],
            timeout=timeout,
            retry=retry or RetryPolicy(),
        )

    def get_schedule(
        self, emails: list[str], start: datetime, end: datetime, interval_minutes: int
    ) -> list[Any]:
        """scheduleInformation entries for up to 20 mailboxes over [start, end) (UTC)."""
        if len(emails) > MAX_SCHEDULES_PER_CALL:
            raise ValueError(f"getSchedule takes at most {MAX_SCHEDULES_PER_CALL} schedules")
        self.auth.token()  # a credentials problem shows as such, before the first call
        answer = self.http.post_json(
            f"/users/{quote(self.schedule_user, safe='@')}/calendar/getSchedule",
            json_body={
                "schedules": emails,
                "startTime": _dtz(start),
                "endTime": _dtz(end),
                "availabilityViewInterval": interval_minutes,
            },
            decode_as=dict[str, msgspec.Raw],
        )
        value = _entries(answer.get("value")) if isinstance(answer, dict) else None
        if not isinstance(value, list):
            raise ExtractError(
                "msgraph getSchedule answered without a value[] list; the API may have "
                "changed: check the Graph endpoint in the msgraph connection"
            )
        return value


def _entries(value: Any) -> Any:
    """value[]'s entries with their fields decoded, but for ``scheduleItems``.

    The connector reads each mailbox's availabilityView; its scheduleItems (the events,
    a third of a million objects in an institution's sync) are left out undecoded.
    """
    if not isinstance(value, msgspec.Raw):
        return value
    try:
        entries = msgspec.json.decode(value, type=list[dict[str, msgspec.Raw]])
    except msgspec.ValidationError:  # not a list of objects: as it is, for the caller
        return msgspec.json.decode(value)
    return [
        {key: msgspec.json.decode(raw) for key, raw in entry.items() if key != "scheduleItems"}
        for entry in entries
    ]


def graph_base_url(conn: ConnectionSettings) -> str:
    """The connection's Graph URL with its version (``/v1.0`` when the host gives none)."""
    if not conn.host:
        return GRAPH_URL
    base = conn.base_url()
    return base if re.search(r"/(v1\.0|beta)/?$", base) else base.rstrip("/") + "/v1.0"


def _dtz(moment: datetime) -> dict[str, str]:
    return {"dateTime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def _window_key(window: Window) -> str:
    """A window's name in the bookmark: its start and interval."""
    return f"{window.start.isoformat()}/{window.interval_minutes}"


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class MsGraphCalendar:
    """The calendar connector for Microsoft 365 mailboxes (source ``msgraph``)."""

    source = "msgraph"

    def __init__(
        self,
        client: GraphClient,
        mailboxes: Mapping[str, str],
        *,
        default_timezone: str = "UTC",
        horizon_weeks: int = DEFAULT_HORIZON_WEEKS,
        interval_minutes: int = 15,
        batch_size: int = MAX_SCHEDULES_PER_CALL,
        concurrent_calls: int = MAX_CONCURRENT_CALLS,
        today: date | None = None,
    ) -> None:
        zone = resolve_timezone(default_timezone)
        if zone is None:
            raise ExtractError(
                f"msgraph: extra.timezone {default_timezone!r} is not a time zone name "
                "(use an IANA name such as America/New_York)"
            )
        if interval_minutes not in INTERVALS:
            raise ExtractError(
                f"msgraph: extra.interval_minutes must be one of {INTERVALS}, "
                f"not {interval_minutes}"
            )
        if not 1 <= batch_size <= MAX_SCHEDULES_PER_CALL:
            raise ExtractError(f"msgraph: extra.batch_size must be 1 to {MAX_SCHEDULES_PER_CALL}")
        if not 1 <= concurrent_calls <= MAX_CONCURRENT_CALLS:
            raise ExtractError(
                f"msgraph: extra.concurrent_calls must be 1 to {MAX_CONCURRENT_CALLS} "
                "(Graph throttles more concurrent requests against one mailbox)"
            )
        self.client = client
        self.mailboxes = {str(k): str(v) for k, v in mailboxes.items() if v}
        self.default_zone = zone
        self.horizon_weeks = horizon_weeks
        self.interval_minutes = interval_minutes
        self.batch_size = batch_size
        self.concurrent_calls = concurrent_calls
        self.today = today

    @classmethod
    def from_connection(
        cls,
        conn: ConnectionSettings,
        mailboxes: Mapping[str, str] | None = None,
        today: date | None = None,
        **_: Any,
    ) -> MsGraphCalendar:
        conn.require("login", "password", "tenant_id", "schedule_user")
        configured = conn.extra.get("mailboxes")
        chosen = mapping_setting(configured) if configured else mapping_setting(mailboxes)
        if configured and chosen is None:
            raise ExtractError(
                'msgraph: extra.mailboxes must map mentor ids to email addresses ({"<mentor_id>":'
                ' "<email>"})'
            )
        if not chosen:
            raise ExtractError(
                "msgraph: no mentor mailboxes to read; set extra.mailboxes "
                '({"<mentor_id>": "<email>"}) on the msgraph_default connection, or run the '
                "HR sync and the warehouse build first so the platform knows the mentors"
            )
        options = conn.http_options()
        token_url = str(conn.extra.get("token_url") or TOKEN_URL).replace(
            "{tenant}", str(conn.extra["tenant_id"])
        )
        auth = ClientCredentials(
            token_url,
            conn.login,
            conn.password,
            scope=str(conn.extra.get("scope") or GRAPH_SCOPE),
            **options,
        )
        client = GraphClient(
            graph_base_url(conn),
            auth,
            str(conn.extra["schedule_user"]),
            **options,
        )
        return cls(
            client,
            chosen,
            default_timezone=str(conn.extra.get("timezone") or "UTC"),
            horizon_weeks=int(conn.extra.get("horizon_weeks", DEFAULT_HORIZON_WEEKS)),
            interval_minutes=int(conn.extra.get("interval_minutes", 15)),
            batch_size=int(conn.extra.get("batch_size", MAX_SCHEDULES_PER_CALL)),
            concurrent_calls=int(conn.extra.get("concurrent_calls", MAX_CONCURRENT_CALLS)),
            today=today or parse_day(conn.extra.get("today")),
        )

    def streams(self) -> list[StreamContract]:
        return contracts_for_feed("calendar")

    def windows(self) -> list[Window]:
        weeks = weeks_ahead(self.today or date.today(), self.horizon_weeks)
        out = []
        for group in _chunks(weeks, WEEKS_PER_WINDOW):
            start = datetime.combine(group[0] - timedelta(days=1), datetime.min.time(), UTC)
            end = datetime.combine(group[-1] + timedelta(days=8), datetime.min.time(), UTC)
            out.append(Window(group, start, end, self.interval_minutes))
        return out

    def _schedules(self, calls: list[tuple[Window, list[str]]]) -> Iterator[list[Any]]:
        """getSchedule answers in the order of ``calls``, up to ``concurrent_calls`` in flight.

        Graph has no delta for free/busy, so every sync asks for every mailbox again: a few
        calls in flight at once keep network latency from adding up call after call.
        """

        def fetch(call: tuple[Window, list[str]]) -> list[Any]:
            window, emails = call
            return self.client.get_schedule(
                emails, window.start, window.end, window.interval_minutes
            )

        # a failed call ends the sync: the calls not started yet are not sent
        return in_order(fetch, calls, self.concurrent_calls, "msgraph")

    def extract(
        self, contract: StreamContract, bookmark: dict[str, Any] | None, *, full_refresh: bool
    ) -> Iterator[Extract]:
        as_of = sync_moment(self.today)
        requested: dict[str, list[str]] = {}
        for mentor, email in self.mailboxes.items():
            requested.setdefault(email.strip().lower(), []).append(mentor)
        emails = list(requested)
        total = Outcome()
        windows = self.windows()
        known = {} if full_refresh or not bookmark else bookmark.get("fingerprints") or {}
        fingerprints: dict[str, dict[str, str]] = {}
        calls = [(w, batch) for w in windows for batch in _chunks(emails, self.batch_size)]
        for (window, batch), entries in zip(calls, self._schedules(calls), strict=True):
            key = _window_key(window)
            outcome = map_entries(
                entries,
                {e: requested[e] for e in batch},
                window,
                self.default_zone,
                known=known.get(key),
            )
            fingerprints.setdefault(key, {}).update(outcome.fingerprints)
            total.add(outcome)
        if total.errors and len(total.errors) == len(self.mailboxes):
            codes = ", ".join(sorted(set(total.errors.values())))
            raise ExtractError(
                f"msgraph: Graph could not read any of the {len(total.errors)} mailboxes "
                f"({codes}); check that the app has the Calendars.Read application permission "
                "with admin consent, and the addresses in extra.mailboxes"
            )
        for mentor in sorted(total.errors):
            log.warning("msgraph: mailbox of mentor %s skipped (%s)", mentor, total.errors[mentor])
        weeks = [w for window in windows for w in window.weeks]
        notes = total.notes(timezone_name(self.default_zone))
        if total.unchanged:
            notes.append(
                f"{total.unchanged} of {len(emails) * len(windows)} mailbox windows unchanged "
                "since the last sync: their free slots stand as published"
            )
        yield Extract(
            contract=contract,
            records=drop_exact_duplicates(total.rows),
            source_ref=(
                f"msgraph getSchedule weeks {weeks[0]}..{weeks[-1]}, {len(emails)} mailboxes"
            ),
            bookmark={"fingerprints": fingerprints, "as_of": as_of.isoformat()},
            window_start=left_out_since(bookmark, total.unchanged),
            window_end=as_of,
            notes=notes,
            fingerprints_key="fingerprints",
        )
