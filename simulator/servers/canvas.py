"""A Canvas LMS REST API (v1) for the simulated skill pods, with Canvas's quirks.

- Bearer token auth; a wrong token gets 401 ``{"errors": [{"message": ...}]}``.
- Pagination by ``Link`` header only: opaque ``page=bookmark:...`` cursors, no
  ``rel="last"``, default page size 10, ``per_page`` silently capped at 50.
- Throttling answers 403 with the body ``403 Forbidden (Rate Limit Exceeded)``
  and ``X-Rate-Limit-Remaining: 0`` (the documented Canvas behaviour).
- ``students/submissions`` honours ``student_ids[]=all``, ``include[]=rubric_assessment``,
  ``graded_since`` and ``submitted_since``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from simulator.program import Program
from simulator.servers.base import Fault, Request, Response, SimServer

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 50
SKILL_POD_ACCOUNT = 42


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


class CanvasServer(SimServer):
    name = "canvas"
    conn_id = "canvas_default"

    def __init__(self, program: Program, token: str = "canvas-test-token") -> None:
        super().__init__()
        self.program = program
        self.token = token
        self._indexes: dict[str, tuple[tuple[int, int], dict[int, list[Any]]]] = {}

    def connection(self) -> dict[str, Any]:
        return {
            "conn_type": "http",
            "host": self.url,
            "password": self.token,
            "extra": {"account_id": SKILL_POD_ACCOUNT},
        }

    def throttle_response(self, fault: Fault) -> Response:
        response = Response.text("403 Forbidden (Rate Limit Exceeded)", 403)
        response.headers.update({"X-Rate-Limit-Remaining": "0", "X-Request-Cost": "1.2"})
        return response

    def handle(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Response.json({"errors": [{"message": "Invalid access token."}]}, 401)
        path = request.path
        if m := re.fullmatch(r"/api/v1/accounts/(\d+)/courses", path):
            items = [c for c in self.program.courses if int(m[1]) == c.account_id]
            return self._page(request, items, self._course)
        if m := re.fullmatch(r"/api/v1/courses/(\d+)/enrollments", path):
            items = self._of_course("enrollments", int(m[1]))
            return self._page(request, items, self._enrollment)
        if m := re.fullmatch(r"/api/v1/courses/(\d+)/assignments", path):
            items = self._of_course("assignments", int(m[1]))
            return self._page(request, items, self._assignment)
        if m := re.fullmatch(r"/api/v1/courses/(\d+)/students/submissions", path):
            items = self._submissions(int(m[1]), request)
            with_rubric = "rubric_assessment" in request.args("include[]")
            return self._page(request, items, lambda s: self._submission(s, with_rubric))
        return Response.json(
            {"errors": [{"message": "The specified resource does not exist."}]}, 404
        )

    def _of_course(self, collection: str, course_id: int) -> list[Any]:
        """The program's objects of one course, indexed once per collection.

        A page is cut from the course's objects and only that page is written out: a
        network's courses have tens of thousands of enrollments, and scanning and
        formatting all of them for every page made a sync quadratic. Tests edit objects
        in place (seen at once) or append to the collection (the index is rebuilt).
        """
        items = getattr(self.program, collection)
        key = (id(items), len(items))
        cached = self._indexes.get(collection)
        if cached is None or cached[0] != key:
            index: dict[int, list[Any]] = {}
            for item in items:
                index.setdefault(item.course_id, []).append(item)
            cached = self._indexes[collection] = (key, index)
        return cached[1].get(course_id, [])

    # -- pagination ---------------------------------------------------------------------

    def _page(
        self, request: Request, items: list[Any], render: Callable[[Any], dict[str, Any]]
    ) -> Response:
        per_page = min(int(request.arg("per_page") or DEFAULT_PER_PAGE), MAX_PER_PAGE)
        cursor = request.arg("page")
        offset = 0
        if cursor and cursor.startswith("bookmark:"):
            offset = json.loads(base64.urlsafe_b64decode(cursor[9:].encode()))["offset"]
        if self.content_fault("duplicate_page", request.path) and offset >= per_page:
            offset -= per_page  # serve the previous page again
        page = [render(item) for item in items[offset : offset + per_page]]
        base = [(k, v) for k, v in request.query if k != "page"]
        links = [
            f'<{self._link(request, base, offset)}>; rel="current"',
            f'<{self._link(request, base, 0)}>; rel="first"',
        ]
        if offset + per_page < len(items):
            links.append(f'<{self._link(request, base, offset + per_page)}>; rel="next"')
        return Response.json(
            page, headers={"Link": ",".join(links), "X-Rate-Limit-Remaining": "700.0"}
        )

    def _link(self, request: Request, base: list[tuple[str, str]], offset: int) -> str:
        token = base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()
        return f"{self.url}{request.path}?{urlencode([*base, ('page', 'bookmark:' + token)])}"

    # -- resources ----------------------------------------------------------------------

    def _drift(self, obj: dict[str, Any], renamed: str) -> dict[str, Any]:
        if self.has_fault("drift_added"):
            obj["blueprint_restricted_by_default"] = False
        if self.has_fault("drift_renamed") and renamed in obj:
            obj[renamed + "_v2"] = obj.pop(renamed)
        if self.has_fault("drift_missing"):
            obj.pop(renamed, None)
        return obj

    def _course(self, c: Any) -> dict[str, Any]:
        return self._drift(
            {
                "id": c.course_id,
                "name": c.name,
                "course_code": c.course_code,
                "sis_course_id": c.sis_course_id,
                "account_id": c.account_id,
                "workflow_state": "available",
                "start_at": _iso(c.start_at),
                "end_at": _iso(c.end_at),
                "enrollment_term_id": 1,
            },
            "sis_course_id",
        )

    def _enrollment(self, e: Any) -> dict[str, Any]:
        return self._drift(
            {
                "id": e.enrollment_id,
                "course_id": e.course_id,
                "user_id": e.user_id,
                "sis_user_id": e.sis_user_id,
                "type": "StudentEnrollment",
                "role": "StudentEnrollment",
                "enrollment_state": e.state,
                "updated_at": _iso(e.updated_at),
                "user": {"id": e.user_id, "sis_user_id": e.sis_user_id},
                "course_progress": {
                    "requirement_count": e.requirement_count,
                    "requirement_completed_count": e.requirement_completed_count,
                    "completed_at": _iso(e.completed_at),
                },
            },
            "user_id",
        )

    def _assignment(self, a: Any) -> dict[str, Any]:
        return self._drift(
            {
                "id": a.assignment_id,
                "course_id": a.course_id,
                "name": a.name,
                "points_possible": a.points_possible,
                "due_at": _iso(a.due_at),
                "updated_at": _iso(a.updated_at),
                "grading_type": "points",
                "rubric": [
                    {
                        "id": c["id"],
                        "description": c["description"],
                        "points": c["points"],
                        "ratings": [],
                    }
                    for c in a.rubric
                ],
                "rubric_settings": {"points_possible": a.points_possible},
            },
            "course_id",
        )

    def _submissions(self, course_id: int, request: Request) -> list[Any]:
        graded_since = request.arg("graded_since")
        submitted_since = request.arg("submitted_since")
        every = self._of_course("submissions", course_id)
        if not graded_since and not submitted_since:
            return every
        out = []
        for s in every:
            if graded_since and (s.graded_at is None or _iso(s.graded_at) < graded_since):
                continue
            if submitted_since and (
                s.submitted_at is None or _iso(s.submitted_at) < submitted_since
            ):
                continue
            out.append(s)
        return out

    def _submission(self, s: Any, with_rubric: bool) -> dict[str, Any]:
        item = {
            "id": s.submission_id,
            "assignment_id": s.assignment_id,
            "course_id": s.course_id,
            "user_id": s.user_id,
            "score": s.score,
            "workflow_state": s.workflow_state,
            "submitted_at": _iso(s.submitted_at),
            "graded_at": _iso(s.graded_at),
            "attempt": 1,
            "late": False,
        }
        if with_rubric and s.rubric_assessment:
            item["rubric_assessment"] = s.rubric_assessment
        return self._drift(item, "assignment_id")
