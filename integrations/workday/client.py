"""The Workday RaaS client (Basic auth, prompts, error mapping) and the connector."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import quote

from integrations.common.connection import ConnectionSettings
from integrations.common.http import HttpClient, HttpError, RetryPolicy
from integrations.common.schema import Extract, ExtractError, StreamContract
from integrations.contracts import contracts_for_feed
from integrations.workday import streams
from integrations.workday.streams import FieldMap

DEFAULT_REPORT = "Leadership_Workers"
EFFECTIVE_DATE_PROMPT = "Effective_as_of_Date"
DEFAULT_UTC_OFFSET = "-07:00"
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_ERROR_TEXT = re.compile(r'"error"\s*:\s*"((?:[^"\\]|\\.)*)"')

ADVICE = {
    400: "Workday rejected a prompt: check that incremental_prompt names a prompt the report "
    "defines and that the report's date prompts take YYYY-MM-DD-hh:mm values.",
    401: "Check the login and password of the connection (the Integration System User): ISU "
    "passwords expire and the account may be locked.",
    403: "The Integration System User may not run this report: share the report with it and give "
    "its security group Get access to the report's data sources.",
    404: "Check tenant, report_owner and report in the connection's extra against the report's "
    "URL in Workday (Actions > Web Service > View URLs); the report must be an Advanced report "
    "enabled as a web service.",
}


def prompt_date(day: date, offset: str) -> str:
    """Workday's date prompt format: ``2026-10-01-07:00`` (the date and its UTC offset)."""
    return f"{day.isoformat()}{offset}"


def _tz(offset: str) -> timezone:
    match = _OFFSET.match(offset)
    if not match:
        raise ExtractError(
            f"workday prompt_utc_offset {offset!r} is not an offset like -07:00 or +01:00"
        )
    sign = -1 if match[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))


def _workday_errors(message: str) -> str:
    """The ``error`` texts of a Workday error body, as quoted in an HttpError message."""
    found: list[str] = []
    for text in _ERROR_TEXT.findall(message):
        text = text.replace('\\"', '"')
        if text not in found:
            found.append(text)
    return "; ".join(found)


class WorkdayClient:
    """Runs one custom report of one tenant; the whole report comes in one response."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        tenant: str,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.tenant = tenant
        self.http = HttpClient(
            vendor="workday",
            base_url=base_url,
            auth=(username, password),
            headers={"Accept": "application/json"},
            secrets=[password],
            timeout=timeout,
            retry=retry or RetryPolicy(),
        )

    def report_path(self, owner: str, report: str) -> str:
        parts = (self.tenant, owner, report)
        return "/ccx/service/customreport2/" + "/".join(quote(p, safe="") for p in parts)

    def run_report(
        self, owner: str, report: str, prompts: list[tuple[str, str]]
    ) -> list[dict[str, Any]]:
        """The report's rows (``Report_Entry``) for these prompts."""
        path = self.report_path(owner, report)
        try:
            body = self.http.get_json(path, params=[("format", "json"), *prompts])
        except HttpError as exc:
            if exc.status is None:  # retries ran out: that message already says what to do
                raise
            said = _workday_errors(str(exc)) or "no error text"
            raise HttpError(
                f"workday report {owner}/{report} (tenant {self.tenant}) refused the request: "
                f"HTTP {exc.status}: {said}"
                f"{f' (request id {exc.request_id})' if exc.request_id else ''}. "
                f"{ADVICE.get(exc.status, 'Check the connection settings.')}",
                status=exc.status,
                request_id=exc.request_id,
            ) from None
        if body is None:
            return []
        if not isinstance(body, dict):
            raise ExtractError(
                f"workday report {owner}/{report}: expected a JSON object with Report_Entry, got "
                f"{type(body).__name__}; is the report's URL right (format=json)?"
            )
        entries = body.get("Report_Entry", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ExtractError(
                f"workday report {owner}/{report}: Report_Entry is not a list of rows"
            )
        return entries


class Workday:
    """The HR connector (source ``workday``): one report fetch serves workers and job history."""

    source = "workday"

    def __init__(
        self,
        client: WorkdayClient,
        *,
        report_owner: str,
        report: str = DEFAULT_REPORT,
        fields: FieldMap | None = None,
        incremental_prompt: str | None = None,
        effective_date_prompt: str = EFFECTIVE_DATE_PROMPT,
        effective_as_of: date | None = None,
        utc_offset: str = DEFAULT_UTC_OFFSET,
        now: datetime | None = None,
    ) -> None:
        self.client = client
        self.report_owner = report_owner
        self.report = report
        self.fields = fields or FieldMap()
        self.incremental_prompt = incremental_prompt or None
        self.effective_date_prompt = effective_date_prompt
        self.effective_as_of = effective_as_of
        self.utc_offset = utc_offset
        self.tz = _tz(utc_offset)
        self.now = now
        self._reports: dict[tuple[date, date | None], list[dict[str, Any]]] = {}

    @classmethod
    def from_connection(
        cls, conn: ConnectionSettings, *, now: datetime | None = None, **_: Any
    ) -> Workday:
        conn.require("host", "login", "password", "tenant", "report_owner")
        extra = conn.extra
        fixed = extra.get("effective_as_of")
        try:
            effective_as_of = date.fromisoformat(str(fixed)) if fixed else None
        except ValueError:
            raise ExtractError(
                f"connection {conn.conn_id}: effective_as_of {fixed!r} is not a date (YYYY-MM-DD)"
            ) from None
        client = WorkdayClient(
            conn.base_url(),
            conn.login,
            conn.password,
            tenant=str(extra["tenant"]),
            **conn.http_options(),
        )
        return cls(
            client,
            report_owner=str(extra["report_owner"]),
            report=str(extra.get("report") or DEFAULT_REPORT),
            fields=FieldMap.from_extra(extra.get("field_map")),
            incremental_prompt=extra.get("incremental_prompt") or None,
            effective_date_prompt=str(extra.get("effective_date_prompt", EFFECTIVE_DATE_PROMPT)),
            effective_as_of=effective_as_of,
            utc_offset=str(extra.get("prompt_utc_offset") or DEFAULT_UTC_OFFSET),
            now=now,
        )

    def streams(self) -> list[StreamContract]:
        # The workers report carries workers and their job history; demographics, when
        # an institution shares them, arrive through their own file drop.
        return [c for c in contracts_for_feed("hr") if c.name in ("workers", "job_history")]

    def effective_date(self, started: datetime) -> date:
        """The report's as-of date: fixed in the connection, else today in the prompts' zone."""
        return self.effective_as_of or started.astimezone(self.tz).date()

    def entries(self, as_of: date, changed_since: date | None) -> list[dict[str, Any]]:
        """The report as of ``as_of`` (only workers changed since ``changed_since``), cached."""
        key = (as_of, changed_since)
        if key not in self._reports:
            prompts = []
            if self.effective_date_prompt:
                prompts.append((self.effective_date_prompt, prompt_date(as_of, self.utc_offset)))
            if changed_since and self.incremental_prompt:
                prompts.append(
                    (self.incremental_prompt, prompt_date(changed_since, self.utc_offset))
                )
            self._reports[key] = self.client.run_report(self.report_owner, self.report, prompts)
        return self._reports[key]

    def extract(
        self, contract: StreamContract, bookmark: dict[str, Any] | None, *, full_refresh: bool
    ) -> Iterator[Extract]:
        started = self.now or datetime.now(UTC)
        as_of = self.effective_date(started)
        since = None
        if self.incremental_prompt and not full_refresh and (bookmark or {}).get("changed_since"):
            since = date.fromisoformat(bookmark["changed_since"])  # type: ignore[index]
        records, notes = streams.STREAMS[contract.name].read(
            self.entries(as_of, since), self.fields
        )
        yield Extract(
            contract=contract,
            records=records,
            source_ref=f"workday {self.report} as of {as_of}"
            + (f" changed since {since}" if since else ""),
            # Changes dated on the bookmark day are asked for again (the prompt is
            # inclusive); versioning in raw absorbs the overlap.
            bookmark={"changed_since": as_of.isoformat()},
            window_start=datetime.combine(since, time(), tzinfo=self.tz) if since else None,
            window_end=started,
            notes=notes,
        )
