"""A realistic mentor-assignment history for program.assignments, for the KPI and oversight tests.

The matching job that will write program.assignments does not exist yet, so the
tests write what it would: a run at the start of every quarter from July 2024 to
the simulator's last quarter, each keeping most existing pairs whose mentor is
still eligible, closing the rest (valid_to = the run's day) and matching residents
who lack a mentor in a tier. Some kept pairs are rewritten (closed and re-opened the
same day with kept_from), as a quarterly refresh may do; some residents stay
unmatched in a tier. Eligibility follows DESIGN.md: peers are more senior PGY-2/3
residents of the same program, attendings and chair sponsors (chairs, vice chairs)
come from the resident's department.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date

import psycopg

from simulator.institution import Person
from simulator.program import Program, quarter_bounds, quarter_of

TIERS = ("peer", "attending", "chair_sponsor")
FIRST_RUN = date(2024, 7, 1)


@dataclass
class AssignmentRow:
    assignment_id: int
    run_id: int
    resident_id: str
    tier: str
    mentor_id: str
    score: float
    kept_from: int | None
    valid_from: date
    valid_to: date | None = None


def run_days(program: Program) -> list[date]:
    """The first day of every quarter from FIRST_RUN to the program's last quarter."""
    days, day = [], FIRST_RUN
    last_start = quarter_bounds(program.quarters[-1])[0]
    while day <= last_start:
        days.append(day)
        day = date(day.year + (day.month == 10), (day.month + 2) % 12 + 1, 1)
    return days


def _active(person: Person, day: date) -> bool:
    return person.hire_date <= day and (
        person.termination_date is None or person.termination_date > day
    )


def _eligible(person: Person, mentor: Person, tier: str, day: date) -> bool:
    mentee_role, role = person.role_on(day), mentor.role_on(day)
    if mentor is person or role is None or mentee_role is None or not _active(mentor, day):
        return False
    if tier == "peer":
        return (
            role.role == "resident"
            and role.pgy_level in (2, 3)
            and role.program == mentee_role.program
            and role.pgy_level > (mentee_role.pgy_level or 0)
        )
    if tier == "attending":
        return role.role in ("attending", "division_chief") and role.department == (
            mentee_role.department
        )
    return role.role in ("chair", "vice_chair") and role.department == mentee_role.department


def plan_assignments(program: Program, seed: int = 7) -> tuple[list[dict], list[AssignmentRow]]:
    """Match runs and assignment rows (with history) for the simulated institution."""
    rng = random.Random(seed)
    people = program.inst.people
    by_id = program.inst.by_id()
    runs: list[dict] = []
    rows: list[AssignmentRow] = []
    current: dict[tuple[str, str], AssignmentRow] = {}
    ids = iter(range(1, 1_000_000))
    for run_id, day in enumerate(run_days(program), start=1):
        runs.append({"run_id": run_id, "quarter": quarter_of(day), "day": day})
        residents = [
            p
            for p in people
            if _active(p, day) and getattr(p.role_on(day), "role", None) == "resident"
        ]
        resident_ids = {p.worker_id for p in residents}
        # close pairs of residents who left residency and pairs whose mentor is no longer eligible
        for key, row in list(current.items()):
            person, mentor = by_id[row.resident_id], by_id[row.mentor_id]
            if row.resident_id not in resident_ids or not _eligible(person, mentor, row.tier, day):
                row.valid_to = day
                del current[key]
        for person in residents:
            for tier in TIERS:
                key = (person.worker_id, tier)
                row = current.get(key)
                if row is not None:
                    roll = rng.random()
                    if roll < 0.1:  # re-matched to someone else
                        row.valid_to = day
                        del current[key]
                    elif roll < 0.35:  # kept, rewritten by the refresh
                        row.valid_to = day
                        kept = AssignmentRow(
                            next(ids),
                            run_id,
                            person.worker_id,
                            tier,
                            row.mentor_id,
                            row.score,
                            row.assignment_id,
                            day,
                        )
                        rows.append(kept)
                        current[key] = kept
                        continue
                    else:
                        continue
                if rng.random() < 0.12:
                    continue  # nobody suitable with capacity: unmatched this quarter
                pool = [m for m in people if _eligible(person, m, tier, day)]
                if not pool:
                    continue
                mentor = rng.choice(pool)
                new = AssignmentRow(
                    next(ids),
                    run_id,
                    person.worker_id,
                    tier,
                    mentor.worker_id,
                    round(rng.uniform(0.3, 1.0), 4),
                    None,
                    day,
                )
                rows.append(new)
                current[key] = new
    return runs, rows


def insert_assignments(url: str, runs: list[dict], rows: list[AssignmentRow]) -> None:
    """Write the runs and rows into program.assignments, as the matching job will."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(
            "insert into program.match_runs (run_id, quarter, settings, started_at, finished_at)"
            " values (%s, %s, %s, %s, %s)",
            [
                (r["run_id"], r["quarter"], json.dumps({"source": "tests"}), r["day"], r["day"])
                for r in runs
            ],
        )
        cur.executemany(
            "insert into program.assignments (assignment_id, run_id, resident_id, tier,"
            " mentor_id, score, interest, availability, past_success, notify, kept_from,"
            " valid_from, valid_to) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    r.assignment_id,
                    r.run_id,
                    r.resident_id,
                    r.tier,
                    r.mentor_id,
                    r.score,
                    r.score,
                    1,
                    r.score,
                    r.score >= 0.8,
                    r.kept_from,
                    r.valid_from,
                    r.valid_to,
                )
                for r in rows
            ],
        )
