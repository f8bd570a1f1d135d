"""Microsoft Graph v1.0 ``getSchedule`` and an Entra ID token endpoint over the mentors' calendars.

- ``POST /{tenant}/oauth2/v2.0/token`` (client credentials: form ``client_id``,
  ``client_secret``, ``scope``, ``grant_type=client_credentials``) answers
  ``{token_type, expires_in, ext_expires_in, access_token}``; a wrong secret gets 401
  ``{"error": "invalid_client", "error_description": "AADSTS7000215: ..."}``.
- ``POST /v1.0/users/{id}/calendar/getSchedule`` with ``{schedules, startTime, endTime,
  availabilityViewInterval}`` answers ``value[]`` of scheduleInformation: ``scheduleId``,
  ``availabilityView`` (a digit per interval: 0 free, 1 tentative, 2 busy, 3 oof,
  4 working elsewhere; the most-busy status of the events in it), ``scheduleItems``
  (``status``, ``start``/``end`` as dateTimeTimeZone in the ``Prefer: outlook.timezone``
  zone, UTC without it) and ``workingHours`` (with a Windows time-zone name). A mailbox it
  cannot resolve gets an entry with ``error: {message, responseCode}`` and no view.
- Errors of the request as a whole use Graph's ``{"error": {"code", "message",
  "innerError"}}``; throttling is 429 with ``Retry-After``. Graph documents the 20-schedule
  limit and the window limit but not the error they raise: this simulator answers 400
  ``ErrorInvalidRequest`` past 20 schedules or for a window of 42 days or more.

Cancelled events are not on the calendar; transparent ones show as free. Event times are
the mentors' local times (``simulator.calendars``).

Content faults: ``duplicate_page`` serves one schedule entry twice; ``drift_added`` adds
a ``freeBusyViewType`` field to each entry; ``drift_renamed`` renames ``availabilityView``
to ``availabilityView_v2``; ``drift_missing`` drops ``scheduleId`` (the mentor cannot be
identified).
"""

from __future__ import annotations

import json
import re
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import msgspec

from integrations.common.calendar import resolve_timezone
from simulator.calendars import MENTOR_TIMEZONE, MENTOR_TIMEZONE_WINDOWS, ZONE, local, occurrences
from simulator.program import Program
from simulator.servers.base import Fault, Request, Response, SimServer

TENANT = "11111111-2222-3333-4444-555555555555"
SERVICE_MAILBOX = "calendar-sync@example-health.org"
MAX_SCHEDULES = 20
MAX_WINDOW = timedelta(days=42)
DRIFTS = ("drift_added", "drift_renamed", "drift_missing")
# mailbox-windows whose schedule the server keeps as text (about 11 KB each), then
# compressed (about 1 KB each; unpacked in a sixth of the time computing one takes): a
# network's 160,000 mailboxes as text would add a gigabyte to the simulator's memory
SCHEDULES_KEPT = 100_000
SCHEDULES_KEPT_COMPRESSED = 1_000_000
DIGIT = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
RANK = {"free": 0, "workingElsewhere": 1, "tentative": 2, "busy": 3, "oof": 4}
STATUS = {"busy": "busy", "tentative": "tentative", "oof": "oof", "free": "free"}


def graph_error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return Response.json(
        {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": str(uuid.uuid4()),
                },
            }
        },
        status,
        headers,
    )


class MsGraphServer(SimServer):
    name = "msgraph"
    conn_id = "msgraph_default"

    def __init__(
        self,
        program: Program,
        client_id: str = "0b7c0c4e-sim-client",
        client_secret: str = "graph-sim-secret-Q7x~",
    ) -> None:
        super().__init__()
        self.program = program
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens: set[str] = set()
        self.by_email = {p.email.lower(): p for p in program.mentors}
        # mailboxes Graph cannot read (tests add to it): email -> responseCode
        self.failing_mailboxes: dict[str, str] = {}
        # A mailbox's schedule for a window, as computed last: Graph answers from its
        # store, and recomputing every occurrence for each request made this simulated
        # server's CPU most of a sync's time on the machine it shares with the client.
        self._schedules: dict[tuple, str | bytes] = {}  # JSON text, or compressed

    def connection(self) -> dict[str, Any]:
        return {
            "conn_type": "http",
            "host": self.url,
            "schema": "v1.0",
            "login": self.client_id,
            "password": self.client_secret,
            "extra": {
                "tenant_id": TENANT,
                "token_url": f"{self.url}/{TENANT}/oauth2/v2.0/token",
                "schedule_user": SERVICE_MAILBOX,
                "mailboxes": {p.worker_id: p.email for p in self.program.mentors},
                "timezone": MENTOR_TIMEZONE,
                "today": self.program.inst.as_of.isoformat(),
            },
        }

    def throttle_response(self, fault: Fault) -> Response:
        return graph_error(
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
            {"Retry-After": str(fault.retry_after)},
        )

    # -- routes ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.method == "POST" and request.path == f"/{TENANT}/oauth2/v2.0/token":
            return self._token(request)
        m = re.fullmatch(r"/v1\.0/users/([^/]+)/calendar/getSchedule", request.path)
        if request.method == "POST" and m:
            return self._get_schedule(request, m[1])
        return graph_error(
            400, "BadRequest", f"Resource not found for the segment '{request.path}'."
        )

    def _token(self, request: Request) -> Response:
        if request.arg("grant_type") != "client_credentials":
            return Response.json(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "AADSTS70003: The app requested an unsupported grant "
                    "type.",
                },
                400,
            )
        if request.arg("client_id") != self.client_id:
            return Response.json(
                {
                    "error": "unauthorized_client",
                    "error_description": "AADSTS700016: Application not found in the directory.",
                },
                400,
            )
        if request.arg("client_secret") != self.client_secret:
            return Response.json(
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215],
                },
                401,
            )
        token = f"eyJ0eXAiOiJKV1Qi.sim.{uuid.uuid4().hex}"
        with self._lock:
            self.tokens.add(token)
        return Response.json(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            }
        )

    def _get_schedule(self, request: Request, user: str) -> Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return graph_error(
                401, "InvalidAuthenticationToken", "Access token validation failure."
            )
        if user.lower() != SERVICE_MAILBOX and user.lower() not in self.by_email:
            return graph_error(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        body = request.json if isinstance(request.json, dict) else {}
        schedules = body.get("schedules") or body.get("Schedules")
        try:
            start = self._moment(body.get("startTime") or body.get("StartTime"))
            end = self._moment(body.get("endTime") or body.get("EndTime"))
            interval = int(body.get("availabilityViewInterval") or 30)
        except (TypeError, ValueError, KeyError) as exc:
            return graph_error(400, "ErrorInvalidRequest", f"Invalid request body: {exc}")
        if not isinstance(schedules, list) or not schedules:
            return graph_error(400, "ErrorInvalidRequest", "schedules must be a non-empty list.")
        if len(schedules) > MAX_SCHEDULES:
            return graph_error(
                400, "ErrorInvalidRequest", f"At most {MAX_SCHEDULES} schedules per request."
            )
        if not 5 <= interval <= 1440:
            return graph_error(
                400, "ErrorInvalidRequest", "availabilityViewInterval must be 5 to 1440."
            )
        if end <= start or end - start >= MAX_WINDOW:
            return graph_error(
                400, "ErrorInvalidRequest", "The time window must be positive and under 42 days."
            )
        view_zone = self._prefer_zone(request)
        entries = [self._entry(str(s), start, end, interval, view_zone) for s in schedules]
        if entries and self.content_fault("duplicate_page", request.path):
            entries.insert(len(entries) // 2, entries[len(entries) // 2])
        # the entries are JSON already (kept with the schedule): joined, not encoded again
        return Response(
            200,
            (
                '{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata'
                '#Collection(microsoft.graph.scheduleInformation)", "value": ['
                + ", ".join(entries)
                + "]}"
            ).encode(),
            {"Content-Type": "application/json"},
        )

    # -- scheduleInformation ------------------------------------------------------------------

    def _entry(
        self, email: str, start: datetime, end: datetime, interval: int, view_zone: Any
    ) -> str:
        """One scheduleInformation entry, as JSON text."""
        person = self.by_email.get(email.lower())
        failing = self.failing_mailboxes.get(email.lower())
        if person is None or failing:
            return json.dumps(
                {
                    "scheduleId": email,
                    "availabilityView": "",
                    "scheduleItems": [],
                    "error": {
                        "message": "Unable to resolve the mailbox.",
                        "responseCode": failing or "ErrorMailRecipientNotFound",
                    },
                }
            )
        events = self.program.calendars.get(person.worker_id, [])
        # a test adds an event and takes it away again: the list's length keys the entry
        key = (email, start, end, interval, view_zone[0], id(events), len(events))
        kept = self._schedules.get(key)
        if isinstance(kept, bytes):
            text = zlib.decompress(kept).decode()
        elif kept is not None:
            text = kept
        else:
            text = msgspec.json.encode(
                self._schedule(email, events, start, end, interval, view_zone)
            ).decode()
            # Full, it keeps what it has: syncs ask for the mailboxes in the same order, and
            # emptying it to start again would leave none of a larger network's cached.
            if len(self._schedules) < SCHEDULES_KEPT:
                self._schedules[key] = text
            elif len(self._schedules) < SCHEDULES_KEPT_COMPRESSED:
                self._schedules[key] = zlib.compress(text.encode(), 1)
        if not any(self.has_fault(drift) for drift in DRIFTS):
            return text
        entry = json.loads(text)  # the faults below change this copy, not the stored one
        if self.has_fault("drift_added"):
            entry["freeBusyViewType"] = "Detailed"
        if self.has_fault("drift_renamed"):
            entry["availabilityView_v2"] = entry.pop("availabilityView")
        if self.has_fault("drift_missing"):
            entry.pop("scheduleId")
        return json.dumps(entry)

    def _schedule(
        self,
        email: str,
        events: list[Any],
        start: datetime,
        end: datetime,
        interval: int,
        view_zone: Any,
    ) -> dict[str, Any]:
        step = timedelta(minutes=interval)
        n = int((end - start) / step)
        view = bytearray(DIGIT["free"].encode()) * n
        spans: list[tuple[int, int, int, bytes]] = []  # rank, first slot, end slot, digit
        items = []
        window = (
            start.astimezone(ZONE).replace(tzinfo=None) - timedelta(days=1),
            end.astimezone(ZONE).replace(tzinfo=None) + timedelta(days=1),
        )
        for occ in occurrences(events, *window):
            event = occ.event
            if event.cancelled:
                continue
            status = "free" if event.transparent else STATUS.get(event.status, "busy")
            s, e = _wall_to_utc(occ.start), _wall_to_utc(occ.end)
            if e <= start or s >= end:
                continue
            items.append(
                {
                    "isPrivate": False,
                    "status": status,
                    "subject": "Clinic" if event.recurring_weekly else "Meeting",
                    "location": "",
                    "start": _dtz(s, view_zone),
                    "end": _dtz(e, view_zone),
                }
            )
            first = max(0, int((s - start) / step))
            last = min(n, -(-int((e - start).total_seconds()) // int(step.total_seconds())))
            if last > first:
                spans.append((RANK[status], first, last, DIGIT[status].encode()))
        # a slot shows its most severe status: spans written least severe first, so the
        # more severe overwrite them (slices, not slot by slot: a simulated network's
        # thousands of mailboxes made the loop most of this server's CPU)
        for _, first, last, digit in sorted(spans, key=lambda span: span[0]):
            view[first:last] = digit * (last - first)
        return {
            "scheduleId": email,
            "availabilityView": view.decode(),
            "scheduleItems": sorted(items, key=lambda i: i["start"]["dateTime"]),
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000",
                "endTime": "18:00:00.0000000",
                "timeZone": {"name": MENTOR_TIMEZONE_WINDOWS},
            },
        }

    @staticmethod
    def _moment(value: Any) -> datetime:
        zone = resolve_timezone(value.get("timeZone") or "UTC")
        if zone is None:
            raise ValueError(f"unknown time zone {value.get('timeZone')!r}")
        naive = datetime.fromisoformat(str(value["dateTime"])[:19])
        return naive.replace(tzinfo=zone).astimezone(UTC)

    @staticmethod
    def _prefer_zone(request: Request) -> tuple[str, Any]:
        prefer = request.headers.get("Prefer", "")
        m = re.search(r'outlook\.timezone="([^"]+)"', prefer)
        if m and resolve_timezone(m[1]) is not None:
            return m[1], resolve_timezone(m[1])
        return "UTC", UTC


# Thousands of mailboxes' clinics fall on the same few hundred wall-clock hours: the
# conversions are cached so that the simulated server's own arithmetic does not weigh on
# the benchmarks that share its machine (Graph answers these from its store).
@lru_cache(maxsize=65536)
def _wall_to_utc(moment: datetime) -> datetime:
    return local(moment).astimezone(UTC)


def _dtz(moment: datetime, view_zone: tuple[str, Any]) -> dict[str, str]:
    name, zone = view_zone
    return {"dateTime": _local_text(moment, zone), "timeZone": name}


@lru_cache(maxsize=65536)
def _local_text(moment: datetime, zone: Any) -> str:
    return moment.astimezone(zone).replace(tzinfo=None).isoformat("T", "seconds") + ".0000000"
