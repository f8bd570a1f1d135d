"""Write the simulated program as CSV file drops for every feed (the platform's file contract).

One sub-folder per feed under the drop root (``hr/``, ``lms/``, ``calendar/``,
``surveys/``), one ``<stream>_<date>.csv`` per stream and drop date, each a full
snapshot of the stream as of the end of that day (see ``integrations.file_drop``):

- hr: ``simulator.hr_drop`` (unchanged; ``write_hr_drop`` still works on its own);
- lms: the program's courses, enrollments, assignments and submissions that exist
  by the date, with enrollments not yet completed and submissions not yet graded as
  they were then; rubrics and rubric assessments as JSON text;
- calendar: free one-hour slots per mentor for the six weeks from the date's Monday,
  computed simply from ``program.calendars`` (working hours Monday-Friday 08-18 UTC;
  busy, tentative and out-of-office time is not free, cancelled and transparent
  events are ignored, a weekly event repeats from its first occurrence);
- surveys: the form submissions made by the date.

The snapshot at ``as_of`` is the whole program truth; :func:`snapshot` gives the
rows of any date (typed values by contract column) so tests can compare.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from integrations.contracts import contracts_for_feed
from integrations.contracts.hr import DEMOGRAPHICS, JOB_HISTORY, WORKERS
from simulator.hr_drop import PlantedRow, default_drop_dates, snapshot_rows, write_hr_drop
from simulator.program import BusyEvent, Program

FEEDS = ("hr", "lms", "calendar", "surveys")
CALENDAR_WEEKS = 6
WORK_DAYS = 5
WORK_HOURS = range(8, 18)
WORKING_SLOTS = WORK_DAYS * len(WORK_HOURS)
NOT_FREE = ("busy", "tentative", "oof")

Rows = dict[str, list[dict[str, Any]]]


@dataclass
class FeedDrop:
    feed: str
    folder: Path
    files: list[Path] = field(default_factory=list)
    planted: list[PlantedRow] = field(default_factory=list)


def csv_value(value: Any) -> str:
    """A value as the drop writes it: ISO dates and UTC timestamps, JSON text, '' for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def drop_dates_for(program: Program, feed: str) -> list[date]:
    """HR, LMS and surveys: two quarterly snapshots; calendar: one, at ``as_of``."""
    return [program.inst.as_of] if feed == "calendar" else default_drop_dates(program.inst)


def snapshot(program: Program, feed: str, day: date) -> Rows:
    """Each stream's rows of ``feed`` as of the end of ``day``, by contract column."""
    if feed == "hr":
        workers, history = snapshot_rows(program.inst, day)
        return {
            WORKERS.name: [dict(zip(WORKERS.column_names, r, strict=True)) for r in workers],
            JOB_HISTORY.name: [
                dict(zip(JOB_HISTORY.column_names, r, strict=True)) for r in history
            ],
            DEMOGRAPHICS.name: [
                dict(program.inst.demographics[p.worker_id])
                for p in program.inst.people
                if p.hire_date <= day
            ],
        }
    if feed == "lms":
        return _lms(program, day)
    if feed == "calendar":
        return {"free_slots": free_slot_rows(program, day)}
    if feed == "surveys":
        return _surveys(program, day)
    raise ValueError(f"unknown feed {feed!r}; choose one of {', '.join(FEEDS)}")


def write_feed_drop(
    program: Program,
    feed: str,
    folder: Path,
    *,
    drop_dates: list[date] | None = None,
    plant_bad_rows: bool = False,
) -> FeedDrop:
    """Write one feed's drop into ``folder``; ``plant_bad_rows`` is for HR only."""
    folder = Path(folder)
    dates = sorted(drop_dates or drop_dates_for(program, feed))
    if feed == "hr":
        hr = write_hr_drop(
            program.inst, folder, drop_dates=dates, plant_bad_rows=plant_bad_rows, demographics=True
        )
        return FeedDrop(feed, folder, hr.files, hr.planted)
    folder.mkdir(parents=True, exist_ok=True)
    result = FeedDrop(feed, folder)
    for day in dates:
        rows = snapshot(program, feed, day)
        for contract in contracts_for_feed(feed):
            path = folder / f"{contract.name}_{day.isoformat()}.csv"
            _write(path, contract.column_names, rows[contract.name])
            result.files.append(path)
    return result


def write_file_drops(
    program: Program,
    root: Path,
    *,
    feeds: tuple[str, ...] = FEEDS,
    drop_dates: list[date] | None = None,
    plant_bad_rows: bool = False,
) -> dict[str, FeedDrop]:
    """Write every feed's drop under ``root/<feed>/``."""
    return {
        feed: write_feed_drop(
            program, feed, Path(root) / feed, drop_dates=drop_dates, plant_bad_rows=plant_bad_rows
        )
        for feed in feeds
    }


def _write(path: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([csv_value(row.get(column)) for column in header] for row in rows)


def _by_end_of(moment: datetime | None, day: date) -> bool:
    return moment is not None and moment.date() <= day


def _lms(program: Program, day: date) -> Rows:
    courses = {c.course_id: c for c in program.courses if _by_end_of(c.start_at, day)}
    enrollments = []
    for e in program.enrollments:
        course = courses.get(e.course_id)
        if course is None:
            continue
        done = _by_end_of(e.completed_at, day)
        enrollments.append(
            {
                "enrollment_id": e.enrollment_id,
                "course_id": e.course_id,
                "user_id": e.user_id,
                "sis_user_id": e.sis_user_id,
                "enrollment_type": "StudentEnrollment",
                "enrollment_state": e.state if done else "active",
                "requirement_count": e.requirement_count,
                "requirement_completed_count": (
                    e.requirement_completed_count
                    if done or e.completed_at is None
                    else e.requirement_count - 1
                ),
                "completed_at": e.completed_at if done else None,
                "updated_at": e.updated_at if done or e.completed_at is None else course.start_at,
            }
        )
    submissions = []
    for s in program.submissions:
        if s.course_id not in courses or not _by_end_of(s.submitted_at, day):
            continue
        graded = _by_end_of(s.graded_at, day)
        submissions.append(
            {
                "submission_id": s.submission_id,
                "assignment_id": s.assignment_id,
                "course_id": s.course_id,
                "user_id": s.user_id,
                "score": s.score if graded else None,
                "workflow_state": s.workflow_state if graded else "submitted",
                "submitted_at": s.submitted_at,
                "graded_at": s.graded_at if graded else None,
                "rubric_assessment": s.rubric_assessment if graded else None,
            }
        )
    return {
        "courses": [
            {
                "course_id": c.course_id,
                "course_code": c.course_code,
                "sis_course_id": c.sis_course_id,
                "account_id": c.account_id,
                "name": c.name,
                "workflow_state": "available",
                "start_at": c.start_at,
                "end_at": c.end_at,
            }
            for c in courses.values()
        ],
        "enrollments": enrollments,
        "assignments": [
            {
                "assignment_id": a.assignment_id,
                "course_id": a.course_id,
                "name": a.name,
                "points_possible": a.points_possible,
                "rubric": a.rubric,
                "due_at": a.due_at,
                "updated_at": a.updated_at,
            }
            for a in program.assignments
            if a.course_id in courses
        ],
        "submissions": submissions,
    }


def _surveys(program: Program, day: date) -> Rows:
    rows: Rows = {c.name: [] for c in contracts_for_feed("surveys")}
    for record in program.surveys:
        if not _by_end_of(record.submitted_at, day):
            continue
        fields = dict(record.fields)
        completed = fields.get("completed_on")
        if isinstance(completed, date) and completed > day:
            fields["completed_on"] = None
        rows[record.stream].append(fields)
    return rows


def free_slot_rows(program: Program, day: date, weeks: int = CALENDAR_WEEKS) -> list[dict]:
    """Free one-hour working slots per mentor and week, for ``weeks`` from ``day``'s Monday."""
    first_monday = day - timedelta(days=day.weekday())
    window = (_utc(first_monday), _utc(first_monday + timedelta(weeks=weeks)))
    rows = []
    for mentor_id, events in program.calendars.items():
        busy = _merged(_busy_intervals(events, *window))
        for week in range(weeks):
            monday = first_monday + timedelta(weeks=week)
            free, busy_minutes = 0, 0
            for offset in range(WORK_DAYS):
                for hour in WORK_HOURS:
                    start = _utc(monday + timedelta(days=offset), hour)
                    minutes = _overlap_minutes(busy, start, start + timedelta(hours=1))
                    busy_minutes += minutes
                    free += minutes == 0
            rows.append(
                {
                    "mentor_id": mentor_id,
                    "week_start": monday,
                    "free_slots": free,
                    "busy_minutes": busy_minutes,
                    "working_slots": WORKING_SLOTS,
                    "calendar_source": "csv",
                }
            )
    return rows


def _utc(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _busy_intervals(
    events: list[BusyEvent], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    out = []
    for event in events:
        if event.cancelled or event.transparent or event.status not in NOT_FREE:
            continue
        shift = timedelta(0)
        while event.start + shift < end:
            if event.end + shift > start:
                out.append((event.start + shift, event.end + shift))
            if not event.recurring_weekly:
                break
            shift += timedelta(weeks=1)
    return out


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap_minutes(busy: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> int:
    seconds = sum(
        max(0.0, (min(end, b_end) - max(start, b_start)).total_seconds()) for b_start, b_end in busy
    )
    return int(seconds // 60)
