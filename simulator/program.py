"""The leadership program's own data for the synthetic institution: pods, calendars, surveys.

Generated from the same seed as the people (``simulator.institution``), over the
four quarters up to ``as_of``. Everything here is vendor-neutral truth; the
servers in ``simulator.servers`` render it in each vendor's shape, and tests
compare what lands in the warehouse against it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from simulator.institution import FACULTY_ROLES, Institution, Person

PODS: list[tuple[str, str, str]] = [
    # (pod code, course code prefix, title)
    ("strategic_thinking", "POD-STRAT", "Strategic Thinking"),
    ("financial_stewardship", "POD-FIN", "Financial Stewardship: Budget Balancing"),
    ("governance", "POD-GOV", "Governance and Chair-Level Simulation"),
    ("team_leadership", "POD-TEAM", "Leading Clinical Teams"),
    ("quality_improvement", "POD-QI", "Leading Quality Improvement"),
]

# Likert items of the quarterly confidence survey: item id -> LRS dimension.
CONFIDENCE_ITEMS: dict[str, str] = {
    "si_1": "strategic_insight",
    "si_2": "strategic_insight",
    "si_3": "strategic_insight",
    "fa_1": "financial_acumen",
    "fa_2": "financial_acumen",
    "fa_3": "financial_acumen",
    "tl_1": "team_leadership",
    "tl_2": "team_leadership",
    "tl_3": "team_leadership",
    "ge_1": "governance_experience",
    "ge_2": "governance_experience",
    "me_1": "mentorship_engagement",
    "me_2": "mentorship_engagement",
}

INTEREST_TAGS = [
    "strategy",
    "finance",
    "operations",
    "quality",
    "patient_safety",
    "education",
    "research",
    "health_equity",
    "informatics",
    "governance",
    "wellness",
    "global_health",
]

# Every pod capstone's rubric totals 10 points (criteria maxima).
RUBRIC_SHAPES = [(4.0, 3.0, 3.0), (3.0, 3.0, 2.0, 2.0)]

ACTIVITY_TYPES = ["leadership_exposure", "meeting", "shadowing", "project_review"]
TIERS = ["peer", "attending", "chair_sponsor"]


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    year, q = int(quarter[:4]), int(quarter[-1])
    start = date(year, 3 * (q - 1) + 1, 1)
    end = date(year + (q == 4), (3 * q) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def last_quarters(as_of: date, n: int = 4) -> list[str]:
    out, day = [], as_of
    for _ in range(n):
        out.append(quarter_of(day))
        day = quarter_bounds(quarter_of(day))[0] - timedelta(days=1)
    return list(reversed(out))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass
class Course:
    course_id: int
    course_code: str
    sis_course_id: str
    account_id: int
    name: str
    pod_code: str
    quarter: str
    start_at: datetime
    end_at: datetime


@dataclass
class Assignment:
    assignment_id: int
    course_id: int
    name: str
    rubric: list[dict]  # [{id, description, points}]
    due_at: datetime
    updated_at: datetime

    @property
    def points_possible(self) -> float:
        return float(sum(c["points"] for c in self.rubric))


@dataclass
class Enrollment:
    enrollment_id: int
    course_id: int
    user_id: int
    sis_user_id: str
    state: str
    requirement_count: int
    requirement_completed_count: int
    completed_at: datetime | None
    updated_at: datetime


@dataclass
class Submission:
    submission_id: int
    assignment_id: int
    course_id: int
    user_id: int
    score: float | None
    workflow_state: str
    submitted_at: datetime | None
    graded_at: datetime | None
    rubric_assessment: dict[str, dict] | None


@dataclass
class BusyEvent:
    start: datetime
    end: datetime
    status: str = "busy"  # busy, tentative, oof, free
    recurring_weekly: bool = False
    cancelled: bool = False
    transparent: bool = False


@dataclass
class SurveyRecord:
    """One survey or form submission, vendor-neutral: ``fields`` by contract column."""

    stream: str
    record_id: str  # the respondent (REDCap record) or owner
    response_id: str
    submitted_at: datetime
    fields: dict[str, object]


@dataclass
class Program:
    inst: Institution
    quarters: list[str]
    courses: list[Course] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    canvas_user_ids: dict[str, int] = field(default_factory=dict)
    mentors: list[Person] = field(default_factory=list)
    calendars: dict[str, list[BusyEvent]] = field(default_factory=dict)
    surveys: list[SurveyRecord] = field(default_factory=list)
    # Residents whose readiness is planted exactly (tests check the marts against it):
    # worker id -> the LRS the platform must compute for the last quarter (None:
    # fewer than three dimensions, so "insufficient data").
    planted_lrs: dict[str, float | None] = field(default_factory=dict)

    def survey_rows(self, stream: str) -> list[SurveyRecord]:
        return [s for s in self.surveys if s.stream == stream]


def generate_program(inst: Institution) -> Program:
    rng = random.Random(f"program/{inst.seed}/{inst.scale}/{inst.as_of.isoformat()}")
    program = Program(inst=inst, quarters=last_quarters(inst.as_of))
    day = inst.as_of
    trainees = [
        p for p in inst.people if _role(p, day) in ("resident", "fellow") and _active(p, day)
    ]
    faculty = [p for p in inst.people if _role(p, day) in FACULTY_ROLES and _active(p, day)]
    peers = [
        p for p in trainees if _role(p, day) == "resident" and (p.role_on(day).pgy_level in (2, 3))
    ]
    program.mentors = faculty + peers
    for i, person in enumerate(inst.people):
        program.canvas_user_ids[person.worker_id] = 5000 + i
    planted = _choose_planted(inst)
    ordinary = [p for p in trainees if p.worker_id not in planted]
    _lms(program, rng, ordinary)
    _calendars(program, rng)
    _surveys(program, rng, ordinary, faculty, [p for p in peers if p.worker_id not in planted])
    _plant_readiness(program, planted)
    return program


# (pods with a graded capstone in the last quarter, rubric points out of 10) per planted resident
PLANTED = [
    (("strategic_thinking", "financial_stewardship", "governance"), 6.99, 69.9),
    (("strategic_thinking", "financial_stewardship", "governance"), 7.0, 70.0),
    (("strategic_thinking", "financial_stewardship"), 8.0, None),
]


def _choose_planted(inst: Institution) -> dict[str, tuple[tuple[str, ...], float, float | None]]:
    """Three active PGY-2 internal-medicine residents, always the same ones for a seed."""
    day = inst.as_of
    candidates = [
        p
        for p in inst.people
        if _role(p, day) == "resident"
        and p.role_on(day).pgy_level == 2
        and p.department == "Internal Medicine"
        and _active(p, day)
    ]
    return {p.worker_id: plan for p, plan in zip(candidates, PLANTED, strict=False)}


def _plant_readiness(
    program: Program, planted: dict[str, tuple[tuple[str, ...], float, float | None]]
) -> None:
    """Graded pod capstones in the last quarter and nothing else: the LRS is known exactly.

    Each planted pod maps to one LRS dimension, and its rubric score (points / 10 * 100)
    is that dimension's only evidence, so the LRS is the mean of those scores; with
    two pods the resident has two dimensions: insufficient data.
    """
    quarter = program.quarters[-1]
    q_start, _ = quarter_bounds(quarter)
    next_id = iter(range(8_000_000, 9_000_000))
    for worker_id, (pods, points, expected) in planted.items():
        program.planted_lrs[worker_id] = expected
        user_id = program.canvas_user_ids[worker_id]
        for course in program.courses:
            if course.quarter != quarter or course.pod_code not in pods:
                continue
            assignment = next(a for a in program.assignments if a.course_id == course.course_id)
            updated = _at(q_start + timedelta(days=20), 9)
            program.enrollments.append(
                Enrollment(
                    next(next_id),
                    course.course_id,
                    user_id,
                    worker_id,
                    "active",
                    4,
                    2,
                    None,
                    updated,
                )
            )
            submitted = _at(q_start + timedelta(days=30), 20)
            assessment = {
                c["id"]: {
                    "points": round(c["points"] * points / 10, 3),
                    "rating_id": "r3",
                    "comments": "",
                }
                for c in assignment.rubric
            }
            program.submissions.append(
                Submission(
                    next(next_id),
                    assignment.assignment_id,
                    course.course_id,
                    user_id,
                    round(sum(a["points"] for a in assessment.values()), 3),
                    "graded",
                    submitted,
                    submitted + timedelta(days=2),
                    assessment,
                )
            )


def _role(person: Person, day: date) -> str | None:
    role = person.role_on(day)
    return role.role if role else None


def _active(person: Person, day: date) -> bool:
    return person.termination_date is None or person.termination_date > day


def _lms(program: Program, rng: random.Random, trainees: list[Person]) -> None:
    next_id = iter(range(1, 10_000_000))
    for quarter in program.quarters:
        q_start, q_end = quarter_bounds(quarter)
        for pod_code, prefix, title in PODS:
            course_id = 100 + next(next_id)
            course = Course(
                course_id,
                f"{prefix}-{quarter}",
                f"SIS-{prefix}-{quarter}",
                42,
                f"{title} ({quarter})",
                pod_code,
                quarter,
                _at(q_start, 8),
                _at(q_end, 17),
            )
            program.courses.append(course)
            criteria = [
                {
                    "id": f"_{course_id}_{k}",
                    "description": f"{title}: criterion {k}",
                    "points": maximum,
                }
                for k, maximum in enumerate(rng.choice(RUBRIC_SHAPES), start=1)
            ]
            due = _at(q_start + timedelta(days=45), 23, 59)
            assignment = Assignment(
                20000 + course_id,
                course_id,
                f"{title} capstone",
                criteria,
                due,
                _at(q_start, 9),
            )
            program.assignments.append(assignment)
            cohort = [p for p in trainees if rng.random() < 0.18]
            for person in cohort:
                user_id = program.canvas_user_ids[person.worker_id]
                enrollment_id = 300000 + next(next_id)
                done = rng.random() < 0.8
                completed_at = (
                    _at(q_start + timedelta(days=rng.randint(30, 80)), 16) if done else None
                )
                program.enrollments.append(
                    Enrollment(
                        enrollment_id,
                        course_id,
                        user_id,
                        person.worker_id,
                        "completed" if done else "active",
                        4,
                        4 if done else rng.randint(0, 3),
                        completed_at,
                        completed_at or _at(q_start, 9),
                    )
                )
                submitted = _at(q_start + timedelta(days=rng.randint(20, 44)), 20)
                graded = submitted + timedelta(days=rng.randint(1, 10)) if done else None
                assessment = None
                score = None
                if graded:
                    assessment = {
                        c["id"]: {
                            "points": float(rng.randint(int(c["points"]) - 2, int(c["points"]))),
                            "rating_id": f"r{rng.randint(1, 5)}",
                            "comments": "",
                        }
                        for c in criteria
                    }
                    score = sum(a["points"] for a in assessment.values())
                program.submissions.append(
                    Submission(
                        900000 + next(next_id),
                        assignment.assignment_id,
                        course_id,
                        user_id,
                        score,
                        "graded" if graded else "submitted",
                        submitted,
                        graded,
                        assessment,
                    )
                )


def _calendars(program: Program, rng: random.Random) -> None:
    """Busy time per mentor around ``as_of``: a weekly clinic, meetings, some noise."""
    start = program.inst.as_of - timedelta(days=program.inst.as_of.weekday())
    for person in program.mentors:
        events: list[BusyEvent] = []
        clinic_day = start + timedelta(days=rng.randint(0, 4))
        hours = rng.choice([4, 8])
        events.append(
            BusyEvent(_at(clinic_day, 8), _at(clinic_day, 8 + hours), recurring_weekly=True)
        )
        for week in range(6):
            monday = start + timedelta(weeks=week)
            for _ in range(rng.randint(2, 14)):
                d = monday + timedelta(days=rng.randint(0, 4))
                h = rng.randint(8, 16)
                events.append(
                    BusyEvent(
                        _at(d, h),
                        _at(d, h + rng.choice([1, 1, 2])),
                        status=rng.choice(["busy", "busy", "busy", "tentative", "oof"]),
                        cancelled=rng.random() < 0.05,
                        transparent=rng.random() < 0.05,
                    )
                )
        program.calendars[person.worker_id] = events


def _surveys(
    program: Program,
    rng: random.Random,
    trainees: list[Person],
    faculty: list[Person],
    peers: list[Person],
) -> None:
    residents = [p for p in trainees if _role(p, program.inst.as_of) == "resident"]
    n = iter(range(1, 10_000_000))
    for quarter in program.quarters:
        q_start, q_end = quarter_bounds(quarter)
        for person in residents:
            if rng.random() < 0.1:
                continue  # did not answer this quarter
            base = rng.uniform(2.9, 4.9)
            submitted = _at(q_end - timedelta(days=rng.randint(0, 20)), 12, rng.randint(0, 59))
            response_id = f"CONF-{quarter}-{person.worker_id}"
            for item in CONFIDENCE_ITEMS:
                if rng.random() < 0.04:
                    continue  # skipped item
                answer = min(5, max(1, round(base + rng.uniform(-1.2, 1.2))))
                program.surveys.append(
                    SurveyRecord(
                        "confidence_answers",
                        person.worker_id,
                        response_id,
                        submitted,
                        {
                            "response_id": response_id,
                            "respondent_id": person.worker_id,
                            "quarter": quarter,
                            "item_id": item,
                            "answer": answer,
                            "submitted_at": submitted,
                        },
                    )
                )
            for tier in TIERS:
                pool = peers if tier == "peer" else faculty
                if not pool or rng.random() < 0.3:
                    continue
                mentor = rng.choice(pool)
                response_id = f"SAT-{next(n):06d}"
                program.surveys.append(
                    SurveyRecord(
                        "satisfaction_ratings",
                        person.worker_id,
                        response_id,
                        submitted,
                        {
                            "response_id": response_id,
                            "respondent_id": person.worker_id,
                            "mentor_id": mentor.worker_id,
                            "tier": tier,
                            "quarter": quarter,
                            "rating": rng.choice([2, 3, 4, 4, 5, 5]),
                            "comments": "",
                            "submitted_at": submitted,
                        },
                    )
                )
        for mentor in faculty:
            for _ in range(0 if rng.random() < 0.12 else rng.randint(1, 3)):
                day = q_start + timedelta(days=rng.randint(0, (q_end - q_start).days))
                log_id = f"LOG-{next(n):06d}"
                mentee = rng.choice(residents) if residents else None
                program.surveys.append(
                    SurveyRecord(
                        "activity_logs",
                        mentor.worker_id,
                        log_id,
                        _at(day, 18),
                        {
                            "log_id": log_id,
                            "mentor_id": mentor.worker_id,
                            "mentee_id": mentee.worker_id if mentee else None,
                            "activity_type": rng.choice(ACTIVITY_TYPES),
                            "activity_date": day,
                            "minutes": rng.choice([30, 45, 60, 90]),
                            "notes": "",
                            "submitted_at": _at(day, 18),
                        },
                    )
                )
    first_q_start = quarter_bounds(program.quarters[0])[0]
    for mentor in rng.sample(faculty, k=min(len(faculty), max(1, len(faculty) // 3))):
        mentee = rng.choice(residents)
        signed = first_q_start + timedelta(days=rng.randint(0, 60))
        contract_id = f"CTR-{next(n):06d}"
        submitted = _at(signed, 10)
        program.surveys.append(
            SurveyRecord(
                "mentor_contracts",
                mentor.worker_id,
                contract_id,
                submitted,
                {
                    "contract_id": contract_id,
                    "mentor_id": mentor.worker_id,
                    "mentee_id": mentee.worker_id,
                    "tier": "attending",
                    "signed_on": signed,
                    "start_date": signed,
                    "end_date": signed + timedelta(days=365),
                    "status": "active",
                    "submitted_at": submitted,
                },
            )
        )
        for k in range(1, rng.randint(2, 4) + 1):
            due = signed + timedelta(days=90 * k)
            completed = due - timedelta(days=rng.randint(-20, 20)) if rng.random() < 0.7 else None
            if completed and completed > program.inst.as_of:
                completed = None
            deliverable_id = f"{contract_id}-D{k}"
            program.surveys.append(
                SurveyRecord(
                    "contract_deliverables",
                    mentor.worker_id,
                    deliverable_id,
                    submitted,
                    {
                        "deliverable_id": deliverable_id,
                        "contract_id": contract_id,
                        "description": f"Deliverable {k}",
                        "due_date": due,
                        "completed_on": completed,
                        "submitted_at": submitted,
                    },
                )
            )
    stamp = _at(first_q_start + timedelta(days=3), 9)
    faculty_ids = {p.worker_id for p in faculty}
    for person in residents + faculty:
        role = "mentor" if person.worker_id in faculty_ids else "mentee"
        response_id = f"CI-{person.worker_id}-{role}"
        program.surveys.append(
            SurveyRecord(
                "career_interests",
                person.worker_id,
                response_id,
                stamp,
                {
                    "response_id": response_id,
                    "respondent_id": person.worker_id,
                    "respondent_role": role,
                    "tags": ";".join(sorted(rng.sample(INTEREST_TAGS, k=rng.randint(1, 4)))),
                    "capacity": rng.choice([1, 2, 3, 3]) if role == "mentor" else None,
                    "submitted_at": stamp,
                },
            )
        )
    # PGY-2/3 peers are both mentees and peer mentors: their mentor form states capacity
    for person in peers:
        response_id = f"CI-{person.worker_id}-mentor"
        program.surveys.append(
            SurveyRecord(
                "career_interests",
                person.worker_id,
                response_id,
                stamp,
                {
                    "response_id": response_id,
                    "respondent_id": person.worker_id,
                    "respondent_role": "mentor",
                    "tags": ";".join(sorted(rng.sample(INTEREST_TAGS, k=rng.randint(1, 3)))),
                    "capacity": rng.choice([1, 2]),
                    "submitted_at": stamp,
                },
            )
        )
