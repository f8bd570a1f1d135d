"""The REDCap API client (form-encoded POSTs, error mapping, record batching) and the connector."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.common.connection import ConnectionSettings
from integrations.common.http import HttpClient, RetryPolicy
from integrations.common.schema import Extract, ExtractError, StreamContract, drop_exact_duplicates
from integrations.contracts import contracts_for_feed
from integrations.redcap.streams import FORMS, Dictionary, FormMapper

# Records edited while a sync runs are caught by the next one: the bookmark
# starts this much before the sync did (versioning in raw absorbs the overlap).
INCREMENTAL_OVERLAP = timedelta(minutes=5)
DEFAULT_BATCH_SIZE = 100
REDCAP_TIME = "%Y-%m-%d %H:%M:%S"

# Every record export asks for the same shape: flat JSON, raw codes, survey timestamps.
EXPORT_OPTIONS = [
    ("content", "record"),
    ("action", "export"),
    ("format", "json"),
    ("type", "flat"),
    ("rawOrLabel", "raw"),
    ("rawOrLabelHeaders", "raw"),
    ("exportCheckboxLabel", "false"),
    ("exportSurveyFields", "true"),
    ("exportDataAccessGroups", "false"),
    ("returnFormat", "json"),
]


class RedcapClient:
    """``POST {host}/api/`` with the token in the form body (never in a URL or a log line)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.token = token
        root = base_url.rstrip("/")
        self.api_url = root if root.endswith("/api") else root + "/api"
        self.http = HttpClient(
            vendor="redcap",
            base_url=self.api_url,
            secrets=[token],
            timeout=timeout,
            retry=retry or RetryPolicy(),
        )

    def post(self, params: list[tuple[str, str]]) -> Any:
        """One API call; REDCap's ``{"error": ...}`` becomes an ExtractError that says why."""
        content = dict(params).get("content", "?")
        response = self.http.request(
            "POST", self.api_url + "/", data=[("token", self.token), *params]
        )
        body = response.parsed  # type: ignore[attr-defined]
        if isinstance(body, dict) and "error" in body:
            raise ExtractError(
                f"REDCap refused the {content} export: {self.http.redact(str(body['error']))}. "
                "Check the API token (connection password) and its user's API export rights."
            )
        if not isinstance(body, list):
            raise ExtractError(
                f"REDCap {content} export: expected a JSON list, got {type(body).__name__}"
            )
        return body

    def metadata(self) -> list[dict[str, Any]]:
        return self.post([("content", "metadata"), ("format", "json"), ("returnFormat", "json")])

    def export(self, extra: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return self.post([*EXPORT_OPTIONS, *extra])


class Redcap:
    """The surveys connector for institutions on REDCap (source ``redcap``)."""

    source = "redcap"

    def __init__(
        self,
        client: RedcapClient,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        instruments: dict[str, str] | None = None,
        timezone: str = "UTC",
        now: datetime | None = None,
    ) -> None:
        if batch_size < 1:
            raise ExtractError(f"redcap batch_size must be at least 1, not {batch_size}")
        unknown = sorted(set(instruments or {}) - set(FORMS))
        if unknown:
            raise ExtractError(
                f"redcap: the connection extra 'instruments' names unknown streams {unknown}; "
                f"known: {', '.join(FORMS)}"
            )
        self.client = client
        self.batch_size = batch_size
        self.instruments = {s: spec.instrument for s, spec in FORMS.items()} | (instruments or {})
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ExtractError(
                f"redcap: unknown time zone {timezone!r} in the connection's extra 'timezone' "
                "(use an IANA name such as America/Chicago)"
            ) from None
        self.now = now
        self._dictionary: Dictionary | None = None
        self._record_ids: dict[str | None, list[str]] = {}

    @classmethod
    def from_connection(cls, conn: ConnectionSettings, **_: Any) -> Redcap:
        conn.require("host", "password")
        client = RedcapClient(conn.base_url(), conn.password, **conn.http_options())
        instruments = conn.extra.get("instruments") or {}
        if isinstance(instruments, str):
            instruments = json.loads(instruments)  # URI-style connections carry the extra as text
        return cls(
            client,
            batch_size=int(conn.extra.get("batch_size", DEFAULT_BATCH_SIZE)),
            instruments=dict(instruments),
            timezone=str(conn.extra.get("timezone") or "UTC"),
        )

    def streams(self) -> list[StreamContract]:
        return contracts_for_feed("surveys")

    # -- API calls, each made once per sync ---------------------------------------------

    def dictionary(self) -> Dictionary:
        if self._dictionary is None:
            self._dictionary = Dictionary(self.client.metadata())
        return self._dictionary

    def record_ids(self, since: str | None) -> list[str]:
        """Every record id (or those created or modified since ``since``), in REDCap's order."""
        if since not in self._record_ids:
            params = [("fields[]", self.dictionary().record_id_field)]
            if since:
                params.append(("dateRangeBegin", self.server_time(since)))
            rows = self.client.export(params)
            field = self.dictionary().record_id_field
            self._record_ids[since] = list(
                dict.fromkeys(str(r[field]) for r in rows if r.get(field))
            )
        return self._record_ids[since]

    def server_time(self, iso: str) -> str:
        """A UTC bookmark as REDCap wants it: ``YYYY-MM-DD HH:MM:SS`` in the server's zone."""
        return datetime.fromisoformat(iso).astimezone(self.tz).strftime(REDCAP_TIME)

    # -- extraction ---------------------------------------------------------------------

    def extract(
        self, contract: StreamContract, bookmark: dict[str, Any] | None, *, full_refresh: bool
    ) -> Iterator[Extract]:
        started = self.now or datetime.now(UTC)
        since = None if full_refresh or not bookmark else bookmark.get("since")
        spec = FORMS[contract.name]
        form = self.instruments[contract.name]
        dictionary = self.dictionary()
        if form not in dictionary.forms():
            raise ExtractError(
                f"the REDCap project has no instrument {form!r} for {contract.name}; its "
                f"instruments: {', '.join(sorted(dictionary.forms()))}. Set the connection "
                "extra 'instruments' to map streams to instrument names"
            )
        mapper = FormMapper(spec, form, dictionary, self.tz)
        if spec.likert and not mapper.items:
            raise ExtractError(
                f"REDCap instrument {form!r} has no radio (Likert) fields in the data dictionary"
            )
        ids = self.record_ids(since)
        records: list[dict[str, Any]] = []
        incomplete = 0
        for start in range(0, len(ids), self.batch_size):
            batch = ids[start : start + self.batch_size]
            rows = self.client.export([("forms[]", form), *(("records[]", r) for r in batch)])
            for row in drop_exact_duplicates(rows):  # a batch served twice repeats rows
                if not mapper.is_instance(row):
                    continue  # the record's base row, or another instrument's instance
                if not mapper.is_complete(row):
                    incomplete += 1
                    continue
                records.extend(mapper.records(row))
        notes = []
        if incomplete:
            notes.append(
                f"{incomplete} {form} instance(s) not marked Complete were left for a later sync"
            )
        yield Extract(
            contract=contract,
            records=drop_exact_duplicates(records),
            source_ref=f"redcap {form}" + (f" since {since}" if since else ""),
            bookmark={"since": (started - INCREMENTAL_OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")},
            window_start=datetime.fromisoformat(since) if since else None,
            window_end=started,
            notes=notes,
        )
