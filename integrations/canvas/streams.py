"""Canvas endpoints, one small class per stream, each mapping Canvas's objects to its contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from integrations.common.schema import drop_exact_duplicates

if TYPE_CHECKING:
    from integrations.canvas.client import Canvas

# Canvas fields each contract column comes from; anything else Canvas sends is
# kept as schema drift (the platform stores it in _extra and reports it).
KNOWN_EXTRA = {
    "enrollment_term_id",
    "role",
    "user",
    "course_progress",
    "grading_type",
    "rubric_settings",
    "ratings",
    "attempt",
    "late",
    "type",
    "id",
}


def _mapped(item: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Contract columns from Canvas fields; unknown Canvas fields ride along for drift reports."""
    record = {column: item.get(field) for column, field in mapping.items()}
    for key, value in item.items():
        if key not in mapping.values() and key not in KNOWN_EXTRA:
            record[key] = value
    return record


@dataclass(frozen=True)
class Courses:
    incremental = False

    def read(self, canvas: Canvas, since: str | None) -> list[dict[str, Any]]:
        return drop_exact_duplicates(
            _mapped(
                c,
                {
                    "course_id": "id",
                    "course_code": "course_code",
                    "sis_course_id": "sis_course_id",
                    "account_id": "account_id",
                    "name": "name",
                    "workflow_state": "workflow_state",
                    "start_at": "start_at",
                    "end_at": "end_at",
                },
            )
            for c in canvas.courses()
        )


@dataclass(frozen=True)
class Enrollments:
    incremental = False

    def read(self, canvas: Canvas, since: str | None) -> list[dict[str, Any]]:
        params = [
            ("type[]", "StudentEnrollment"),
            ("include[]", "course_progress"),
            ("state[]", "active"),
            ("state[]", "completed"),
        ]
        out = []
        for _, enrollments in canvas.per_course(
            lambda course: list(
                canvas.client.paginate(f"/api/v1/courses/{course['id']}/enrollments", params)
            )
        ):
            for e in enrollments:
                progress = e.get("course_progress") or {}
                record = _mapped(
                    e,
                    {
                        "enrollment_id": "id",
                        "course_id": "course_id",
                        "user_id": "user_id",
                        "sis_user_id": "sis_user_id",
                        "enrollment_type": "type",
                        "enrollment_state": "enrollment_state",
                        "updated_at": "updated_at",
                    },
                )
                record["sis_user_id"] = record["sis_user_id"] or (e.get("user") or {}).get(
                    "sis_user_id"
                )
                record["requirement_count"] = progress.get("requirement_count")
                record["requirement_completed_count"] = progress.get("requirement_completed_count")
                record["completed_at"] = progress.get("completed_at")
                out.append(record)
        return drop_exact_duplicates(out)


@dataclass(frozen=True)
class Assignments:
    incremental = False

    def read(self, canvas: Canvas, since: str | None) -> list[dict[str, Any]]:
        out = []
        for _, assignments in canvas.per_course(
            lambda course: list(
                canvas.client.paginate(f"/api/v1/courses/{course['id']}/assignments")
            )
        ):
            for a in assignments:
                out.append(
                    _mapped(
                        a,
                        {
                            "assignment_id": "id",
                            "course_id": "course_id",
                            "name": "name",
                            "points_possible": "points_possible",
                            "rubric": "rubric",
                            "due_at": "due_at",
                            "updated_at": "updated_at",
                        },
                    )
                )
        return drop_exact_duplicates(out)


@dataclass(frozen=True)
class Submissions:
    """Graded and submitted work; incremental by ``graded_since`` and ``submitted_since``."""

    incremental = True

    def read(self, canvas: Canvas, since: str | None) -> list[dict[str, Any]]:
        base = [("student_ids[]", "all"), ("include[]", "rubric_assessment")]
        windows = [[("graded_since", since)], [("submitted_since", since)]] if since else [[]]
        latest: dict[Any, dict[str, Any]] = {}

        def read(course: dict[str, Any]) -> list[dict[str, Any]]:
            path = f"/api/v1/courses/{course['id']}/students/submissions"
            return [s for window in windows for s in canvas.client.paginate(path, base + window)]

        for course, submissions in canvas.per_course(read):
            for s in submissions:
                record = _mapped(
                    s,
                    {
                        "submission_id": "id",
                        "assignment_id": "assignment_id",
                        "course_id": "course_id",
                        "user_id": "user_id",
                        "score": "score",
                        "workflow_state": "workflow_state",
                        "submitted_at": "submitted_at",
                        "graded_at": "graded_at",
                        "rubric_assessment": "rubric_assessment",
                    },
                )
                record["course_id"] = record["course_id"] or course["id"]
                latest.setdefault(str(record["submission_id"]), record)
        return drop_exact_duplicates(latest.values())


STREAMS = {
    "courses": Courses(),
    "enrollments": Enrollments(),
    "assignments": Assignments(),
    "submissions": Submissions(),
}
