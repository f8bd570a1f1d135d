"""The Canvas client (auth, Link-header pagination, throttling) and the connector."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from integrations.canvas import streams
from integrations.common.concurrency import in_order
from integrations.common.connection import ConnectionSettings
from integrations.common.http import BearerAuth, HttpClient, RetryPolicy
from integrations.common.schema import (
    Extract,
    ExtractError,
    StreamContract,
    left_out_since,
    sorted_json,
)
from integrations.contracts import contracts_for_feed

# Records edited while a sync runs are caught by the next one: the bookmark
# starts this much before the sync did (versioning in raw absorbs the overlap).
INCREMENTAL_OVERLAP = timedelta(minutes=5)
# Courses read at once. Canvas charges parallel requests a pre-flight penalty that is
# credited back when each finishes: a few in flight stay well inside a token's quota, and
# a throttled call (403) is retried after a backoff like any other.
CONCURRENT_REQUESTS = 3
MAX_CONCURRENT_REQUESTS = 8


def is_throttled(response: requests.Response) -> bool:
    return response.status_code == 403 and b"Rate Limit Exceeded" in response.content


class CanvasClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        per_page: int = 100,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.per_page = per_page
        self.http = HttpClient(
            vendor="canvas",
            base_url=base_url,
            auth=BearerAuth(token),
            secrets=[token],
            timeout=timeout,
            retry=retry or RetryPolicy(),
            is_throttled=is_throttled,
        )

    def paginate(self, path: str, params: list[tuple[str, str]] | None = None) -> Iterator[dict]:
        """Every item of a listing, following ``rel="next"`` links as opaque URLs."""
        url: str | None = path
        query: list[tuple[str, str]] | None = [*(params or []), ("per_page", str(self.per_page))]
        seen: set[str] = set()
        while url:
            response = self.http.request("GET", url, params=query)
            page = response.parsed  # type: ignore[attr-defined]
            if not isinstance(page, list):
                raise ExtractError(f"canvas {path}: expected a list, got {type(page).__name__}")
            yield from page
            next_url = response.links.get("next", {}).get("url")
            if next_url and next_url in seen:
                raise ExtractError(f"canvas {path}: pagination loops back to {next_url!r}")
            if next_url:
                seen.add(next_url)
            url, query = next_url, None  # next URLs carry their own query


class Canvas:
    """The LMS connector (source ``canvas``)."""

    source = "canvas"

    def __init__(
        self,
        client: CanvasClient,
        *,
        account_id: str,
        course_code_prefix: str = "POD-",
        concurrent_requests: int = CONCURRENT_REQUESTS,
        now: datetime | None = None,
    ) -> None:
        if not 1 <= concurrent_requests <= MAX_CONCURRENT_REQUESTS:
            raise ExtractError(
                f"canvas: extra.concurrent_requests must be 1 to {MAX_CONCURRENT_REQUESTS} "
                f"(got {concurrent_requests})"
            )
        self.client = client
        self.account_id = account_id
        self.course_code_prefix = course_code_prefix
        self.concurrent_requests = concurrent_requests
        self.now = now
        self._courses: list[dict] | None = None

    @classmethod
    def from_connection(cls, conn: ConnectionSettings, **_: Any) -> Canvas:
        conn.require("host", "password", "account_id")
        client = CanvasClient(
            conn.base_url(),
            conn.password,
            per_page=int(conn.extra.get("per_page", 100)),
            **conn.http_options(),
        )
        return cls(
            client,
            account_id=str(conn.extra["account_id"]),
            course_code_prefix=conn.extra.get("course_code_prefix", "POD-"),
            concurrent_requests=int(conn.extra.get("concurrent_requests", CONCURRENT_REQUESTS)),
        )

    def streams(self) -> list[StreamContract]:
        return contracts_for_feed("lms")

    def courses(self) -> list[dict]:
        if self._courses is None:
            self._courses = [
                c
                for c in self.client.paginate(f"/api/v1/accounts/{self.account_id}/courses")
                if str(c.get("course_code") or "").startswith(self.course_code_prefix)
            ]
        return self._courses

    def per_course(self, read: Callable[[dict], list[dict]]) -> Iterator[tuple[dict, list[dict]]]:
        """Each skill-pod course with what ``read`` got for it, in course order.

        Canvas lists enrollments, assignments and submissions course by course: up to
        ``concurrent_requests`` courses are read at once, each one's pages in turn.
        """
        return in_order(
            lambda course: (course, read(course)),
            self.courses(),
            self.concurrent_requests,
            "canvas",
        )

    def extract(
        self, contract: StreamContract, bookmark: dict[str, Any] | None, *, full_refresh: bool
    ) -> Iterator[Extract]:
        started = self.now or datetime.now(UTC)
        stream = streams.STREAMS[contract.name]
        previous = {} if full_refresh or not bookmark else bookmark
        since = previous.get("since") if stream.incremental else None
        records = stream.read(self, since)
        notes = []
        if stream.incremental:
            new_bookmark = {"since": (started - INCREMENTAL_OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")}
            window_start = datetime.fromisoformat(since) if since else None
        else:
            records, fingerprints, unchanged = _changed_courses(
                records, previous.get("courses") or {}
            )
            new_bookmark = {"courses": fingerprints, "as_of": started.isoformat()}
            window_start = left_out_since(previous, unchanged)
            if unchanged:
                notes.append(
                    f"{unchanged} of {len(fingerprints)} courses' {contract.name} unchanged since "
                    "the last sync: they stand as published"
                )
        yield Extract(
            contract=contract,
            records=records,
            source_ref=f"canvas {contract.name}" + (f" since {since}" if since else ""),
            bookmark=new_bookmark,
            window_start=window_start,
            window_end=started,
            notes=notes,
            fingerprints_key=None if stream.incremental else "courses",
        )


def _changed_courses(
    records: list[dict[str, Any]], known: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str], int]:
    """A snapshot's records less the courses whose records are exactly as at the last sync.

    Canvas has no "changed since" for courses, enrollments or assignments: every sync
    reads them all again. A course whose records (as mapped, all of them) hash as they did
    last time would only make rows raw holds already. Returns the records of the other
    courses, every course's fingerprint (for the bookmark), and how many were left out.
    """
    by_course: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_course.setdefault(str(record.get("course_id")), []).append(record)
    fingerprints = {
        course: hashlib.blake2b(
            b"\n".join(sorted(map(sorted_json, rows))), digest_size=8
        ).hexdigest()
        for course, rows in by_course.items()
    }
    changed = [course for course in by_course if known.get(course) != fingerprints[course]]
    kept = [record for course in changed for record in by_course[course]]
    return kept, fingerprints, len(by_course) - len(changed)
