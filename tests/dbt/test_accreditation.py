"""Accreditation marts: pod activity per program and quarter against the simulator's
truth, mentors and coverage against pandas, and the detail adding up to the summary."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pytest

from simulator.program import quarter_bounds, quarter_of
from tests.dbt.conftest import SimulatedWarehouse
from tests.dbt.kpi_reference import Reference, load


@pytest.fixture(scope="module")
def reference(mentored_warehouse: SimulatedWarehouse) -> Reference:
    return load(mentored_warehouse.url, mentored_warehouse.program.inst.as_of)


@pytest.fixture(scope="module")
def summary(mentored_warehouse: SimulatedWarehouse) -> dict[tuple[str, str], dict]:
    cols = [
        "program", "quarter", "residents_in_program", "pod_enrollments", "pod_completions",
        "milestones_stamped", "qi_projects", "peer_mentors", "attending_mentors",
        "chair_sponsors", "peer_coverage_pct", "attending_coverage_pct",
        "chair_sponsor_coverage_pct",
    ]  # fmt: skip
    rows = mentored_warehouse.rows(
        f"select {', '.join(cols)} from marts.fct_accreditation_program_quarters"
    )
    return {(r[0], r[1]): dict(zip(cols, r, strict=True)) for r in rows}


def members(program, quarter: str) -> dict[str, str]:
    """The simulator's truth: trainee -> program, for trainees active during the quarter."""
    inst = program.inst
    start, end = quarter_bounds(quarter)
    end = min(end, inst.as_of)
    out = {}
    for person in inst.people:
        role = person.role_on(quarter_bounds(quarter)[1])
        if role is None or role.role not in ("resident", "fellow"):
            continue
        active = person.hire_date <= end and (
            person.termination_date is None or person.termination_date > start
        )
        if active:
            out[person.worker_id] = role.program or person.program
    return out


def test_residents_and_pod_activity_per_program_match_the_simulator(
    mentored_warehouse, summary
) -> None:
    program = mentored_warehouse.program
    courses = {c.course_id: c for c in program.courses}
    expected: dict[tuple[str, str], Counter] = defaultdict(Counter)
    by_quarter = {q: members(program, q) for q in program.quarters}
    for quarter, roster in by_quarter.items():
        for program_name in roster.values():
            expected[(program_name, quarter)]["residents_in_program"] += 1
    for enrollment in program.enrollments:
        quarter = courses[enrollment.course_id].quarter
        program_name = by_quarter[quarter].get(enrollment.sis_user_id)
        if program_name:
            expected[(program_name, quarter)]["pod_enrollments"] += 1
        if enrollment.completed_at is not None:
            done = quarter_of(enrollment.completed_at.date())
            program_name = by_quarter.get(done, {}).get(enrollment.sis_user_id)
            if program_name:
                expected[(program_name, done)]["pod_completions"] += 1
    found = {
        key: {k: row[k] for k in ("residents_in_program", "pod_enrollments", "pod_completions")}
        for key, row in summary.items()
    }
    wanted = {
        key: {k: counts[k] for k in ("residents_in_program", "pod_enrollments", "pod_completions")}
        for key, counts in expected.items()
    }
    assert found == wanted
    assert sum(c["pod_completions"] for c in wanted.values()) > 100


def test_qi_projects_are_first_quality_improvement_pod_completions(
    mentored_warehouse, summary
) -> None:
    """lead_qi_project is stamped by a resident's first completed QI pod (milestones seed)."""
    program = mentored_warehouse.program
    courses = {c.course_id: c for c in program.courses}
    first: dict[str, date] = {}
    for e in program.enrollments:
        if e.completed_at is not None and courses[e.course_id].pod_code == "quality_improvement":
            day = e.completed_at.date()
            first[e.sis_user_id] = min(day, first.get(e.sis_user_id, day))
    expected: Counter = Counter()
    for worker_id, day in first.items():
        quarter = quarter_of(day)
        program_name = members(program, quarter).get(worker_id)
        if program_name:
            expected[(program_name, quarter)] += 1
    found = Counter({key: row["qi_projects"] for key, row in summary.items() if row["qi_projects"]})
    assert found == expected and sum(expected.values()) > 10


def test_mentors_by_tier_and_coverage_match_pandas(summary, reference) -> None:
    mentors = reference.program_mentors()
    coverage = reference.coverage()
    columns = {"peer": "peer_mentors", "attending": "attending_mentors",
               "chair_sponsor": "chair_sponsors"}  # fmt: skip
    for (program_name, quarter), row in summary.items():
        for tier, column in columns.items():
            assert row[column] == mentors.get((program_name, quarter, tier), 0)
            measured = coverage.get((quarter, tier, "program", program_name))
            pct = row[f"{tier}_coverage_pct"]
            if measured is None:
                assert pct is None, (program_name, quarter, tier)  # no residents: fellowships
            else:
                assert float(pct) == pytest.approx(measured[2] * 100, abs=0.05 + 1e-9)
    assert any(row["chair_sponsors"] for row in summary.values())


def test_the_detail_adds_up_to_the_summary(mentored_warehouse, summary) -> None:
    detail = mentored_warehouse.rows(
        "select program, quarter, activity_category, activity_code, activity_count, mentors,"
        " residents_reached, residents_in_program from marts.fct_accreditation_activities"
    )
    totals: dict[tuple, Counter] = defaultdict(Counter)
    for program_name, quarter, category, code, count, mentors, reached, size in detail:
        assert reached <= size and reached <= count
        assert (mentors is not None) == (category == "mentorship")
        key = (program_name, quarter)
        assert size == summary[key]["residents_in_program"]
        totals[key][category] += count
        if code == "lead_qi_project":
            totals[key]["qi_projects"] += count
        if category == "mentorship":
            totals[key][code] += mentors
    for key, row in summary.items():
        t = totals.get(key, Counter())
        assert t["skill_pod_enrollment"] == row["pod_enrollments"], key
        assert t["skill_pod_completion"] == row["pod_completions"], key
        assert t["passport_milestone"] == row["milestones_stamped"], key
        assert t["qi_projects"] == row["qi_projects"], key
        assert (t["peer"], t["attending"], t["chair_sponsor"]) == (
            row["peer_mentors"], row["attending_mentors"], row["chair_sponsors"]
        ), key  # fmt: skip
