"""The Qualtrics v3 client (start, poll, download a response export) and the connector."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.common.connection import ConnectionSettings
from integrations.common.http import HeaderAuth, HttpClient, RetryPolicy
from integrations.common.schema import Extract, ExtractError, StreamContract, drop_exact_duplicates
from integrations.contracts import contracts_for_feed
from integrations.qualtrics.streams import SURVEYS, ResponseMapper, is_finished

# Responses recorded while a sync runs are caught by the next one.
INCREMENTAL_OVERLAP = timedelta(minutes=5)
API = "/API/v3"


class QualtricsClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        poll_interval: float = 1.0,
        max_polls: int = 120,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.poll_interval = poll_interval
        self.max_polls = max_polls
        self.sleep = sleep
        self.http = HttpClient(
            vendor="qualtrics",
            base_url=base_url.rstrip("/") + API,
            auth=HeaderAuth("X-API-TOKEN", token),
            secrets=[token],
            timeout=timeout,
            retry=retry or RetryPolicy(),
        )

    def result(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The ``result`` of Qualtrics' ``{result, meta}`` envelope."""
        body = self.http.request(method, path, **kwargs).parsed  # type: ignore[attr-defined]
        if not isinstance(body, dict) or not isinstance(body.get("result"), dict):
            error = (
                ((body or {}).get("meta") or {}).get("error") if isinstance(body, dict) else None
            )
            raise ExtractError(
                f"qualtrics {method} {path}: no result in the answer ({error or body!r:.200})"
            )
        return body["result"]

    def definition(self, survey_id: str) -> dict[str, Any]:
        return self.result("GET", f"survey-definitions/{survey_id}")

    def export_responses(self, survey_id: str, start_date: str | None) -> list[dict[str, Any]]:
        """Start a JSON export, poll it to completion, download and unzip it."""
        body: dict[str, Any] = {"format": "json", "useLabels": False, "compress": True}
        if start_date:
            body["startDate"] = start_date
        path = f"surveys/{survey_id}/export-responses"
        progress_id = self.result("POST", path, json_body=body).get("progressId")
        if not progress_id:
            raise ExtractError(
                f"qualtrics survey {survey_id}: the export started without a progressId"
            )
        file_id = self._wait(survey_id, f"{path}/{progress_id}", progress_id)
        archive = self.http.request("GET", f"{path}/{file_id}/file", expect="bytes").content
        return _responses(archive, survey_id)

    def _wait(self, survey_id: str, path: str, progress_id: str) -> str:
        progress: dict[str, Any] = {}
        for attempt in range(1, self.max_polls + 1):
            progress = self.result("GET", path)
            status = progress.get("status")
            if status == "complete" and progress.get("fileId"):
                return str(progress["fileId"])
            if status == "failed":
                reason = progress.get("error") or {}
                detail = reason.get("errorMessage") if isinstance(reason, dict) else reason
                raise ExtractError(
                    f"Qualtrics failed the response export {progress_id} of survey {survey_id}"
                    f"{f': {detail}' if detail else ''}. Nothing was read; run the sync again, "
                    "and if it keeps failing export the survey's responses in Qualtrics to see why"
                )
            if attempt < self.max_polls:
                self.sleep(self.poll_interval)
        raise ExtractError(
            f"Qualtrics response export {progress_id} of survey {survey_id} was still "
            f"{progress.get('status')} ({progress.get('percentComplete')}% complete) after "
            f"{self.max_polls} polls; raise the connection extra max_polls or poll_interval"
        )


def _responses(archive: bytes, survey_id: str) -> list[dict[str, Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            names = [n for n in zf.namelist() if n.endswith(".json")]
            if len(names) != 1:
                raise ExtractError(
                    f"qualtrics survey {survey_id}: expected one JSON file in the export, "
                    f"found {names or zf.namelist()}"
                )
            data = json.loads(zf.read(names[0]))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ExtractError(
            f"qualtrics survey {survey_id}: the export file is not a readable zip of JSON "
            f"({type(exc).__name__}); run the sync again"
        ) from None
    responses = data.get("responses") if isinstance(data, dict) else None
    if not isinstance(responses, list):
        raise ExtractError(f"qualtrics survey {survey_id}: the export has no 'responses' list")
    return responses


class Qualtrics:
    """The surveys connector for institutions on Qualtrics (source ``qualtrics``)."""

    source = "qualtrics"

    def __init__(
        self,
        client: QualtricsClient,
        *,
        surveys: dict[str, str],
        respondent_field: str = "worker_id",
        now: datetime | None = None,
    ) -> None:
        unknown = sorted(set(surveys) - set(SURVEYS))
        if unknown:
            raise ExtractError(
                f"qualtrics: the connection extra 'surveys' names unknown streams {unknown}; "
                f"known: {', '.join(SURVEYS)}"
            )
        self.client = client
        self.surveys = surveys
        self.respondent_field = respondent_field
        self.now = now

    @classmethod
    def from_connection(cls, conn: ConnectionSettings, **_: Any) -> Qualtrics:
        conn.require("host", "password", "surveys")
        extra = conn.extra
        surveys = extra["surveys"]
        if isinstance(surveys, str):
            surveys = json.loads(surveys)  # URI-style connections carry the extra as text
        client = QualtricsClient(
            conn.base_url(),
            conn.password,
            poll_interval=float(extra.get("poll_interval", 1.0)),
            max_polls=int(extra.get("max_polls", 120)),
            **conn.http_options(),
        )
        return cls(
            client,
            surveys=dict(surveys),
            respondent_field=str(extra.get("respondent_field") or "worker_id"),
        )

    def streams(self) -> list[StreamContract]:
        """The streams this institution runs in Qualtrics (those with a survey id)."""
        return [c for c in contracts_for_feed("surveys") if c.name in self.surveys]

    def extract(
        self, contract: StreamContract, bookmark: dict[str, Any] | None, *, full_refresh: bool
    ) -> Iterator[Extract]:
        started = self.now or datetime.now(UTC)
        since = None if full_refresh or not bookmark else bookmark.get("since")
        survey_id = self.surveys[contract.name]
        mapper = ResponseMapper(
            SURVEYS[contract.name], self.client.definition(survey_id), self.respondent_field
        )
        responses = drop_exact_duplicates(self.client.export_responses(survey_id, since))
        unfinished = [r for r in responses if not is_finished(r)]
        records = [rec for r in responses if is_finished(r) for rec in mapper.records(r)]
        notes = (
            [f"{len(unfinished)} unfinished response(s) left for a later sync"]
            if unfinished
            else []
        )
        yield Extract(
            contract=contract,
            records=drop_exact_duplicates(records),
            source_ref=f"qualtrics {survey_id}" + (f" since {since}" if since else ""),
            bookmark={"since": (started - INCREMENTAL_OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")},
            window_start=datetime.fromisoformat(since) if since else None,
            window_end=started,
            notes=notes,
        )
