"""Leadership Readiness Score: the planted known answers, and an independent recomputation."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from leadership.config import DBT_DIR


def seed(name: str) -> list[dict[str, str]]:
    with (DBT_DIR / "seeds" / f"{name}.csv").open() as fh:
        return list(csv.DictReader(fh))


def test_planted_residents_get_exactly_their_scores_and_flags(simulated_warehouse):
    wh = simulated_warehouse
    quarter = wh.program.quarters[-1]
    found = {
        r[0]: r[1:]
        for r in wh.rows(
            "select resident_id, lrs, readiness_status, is_flagged, dimensions_present"
            " from marts.fct_readiness_scores where quarter = %s",
            (quarter,),
        )
    }
    expected = {lrs: rid for rid, lrs in wh.program.planted_lrs.items()}
    assert found[expected[69.9]] == (Decimal("69.9"), "scored", True, 3)
    assert found[expected[70.0]] == (Decimal("70.0"), "scored", False, 3)
    assert found[expected[None]] == (None, "insufficient_data", False, 2)


def test_every_score_traces_to_its_inputs(simulated_warehouse):
    wh = simulated_warehouse
    (resident,) = [rid for rid, lrs in wh.program.planted_lrs.items() if lrs == 69.9]
    components = wh.rows(
        "select lrs_dimension, component, component_score, observations, effective_weight,"
        " evidence_ids from marts.fct_readiness_components where resident_id = %s"
        " and quarter = %s order by 1",
        (resident, wh.program.quarters[-1]),
    )
    planted_submissions = {
        str(s.submission_id)
        for s in wh.program.submissions
        if s.user_id == wh.program.canvas_user_ids[resident]
    }
    assert [c[:2] for c in components] == [
        ("financial_acumen", "pod_rubric"),
        ("governance_experience", "pod_rubric"),
        ("strategic_insight", "pod_rubric"),
    ]
    for _, _, score, observations, weight, evidence in components:
        assert score == Decimal("69.90") and observations == 1 and weight == 1
        assert evidence in planted_submissions


def test_lrs_equals_an_independent_computation_from_raw(simulated_warehouse):
    """Recompute every resident's LRS for the last quarter in Python, from the raw tables."""
    wh = simulated_warehouse
    quarter = wh.program.quarters[-1]
    q_start, q_end = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30")
    items = {r["item_id"]: r["lrs_dimension"] for r in seed("survey_items")}
    weights = {
        (r["lrs_dimension"], r["component"]): float(r["weight"]) for r in seed("lrs_weights")
    }
    pods = seed("pods")

    def latest(table: str, key: list[str]) -> pd.DataFrame:
        frame = pd.DataFrame(
            wh.rows(f"select * from raw.{table}"),
            columns=[
                c[0]
                for c in wh.rows(
                    "select column_name from information_schema.columns where"
                    " table_schema = 'raw' and table_name = %s"
                    " order by ordinal_position",
                    (table,),
                )
            ],
        )
        frame = frame.sort_values(["_as_of", "_batch_id"])
        return frame.drop_duplicates(key, keep="last")

    residents = {
        r[0]
        for r in wh.rows(
            "select physician_id from intermediate.int_physician_quarters where quarter = %s"
            " and role_code = 'resident' and is_active_at_end",
            (quarter,),
        )
    }
    components: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)

    answers = latest("surveys__confidence_answers", ["response_id", "item_id"])
    answers = answers[answers["quarter"] == quarter]
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in answers.itertuples():
        scores[(row.respondent_id, items[row.item_id])].append((row.answer - 1) / 4 * 100)
    for key, values in scores.items():
        components[key]["confidence"] = sum(values) / len(values)

    enrollments = latest("lms__enrollments", ["enrollment_id"])
    users = dict(zip(enrollments["user_id"], enrollments["sis_user_id"], strict=False))
    courses = latest("lms__courses", ["course_id"])
    course_pod = {}
    for c in courses.itertuples():
        for p in pods:
            if c.course_code.startswith(p["course_code_prefix"]):
                course_pod[c.course_id] = (p["pod_code"], p["lrs_dimension"])
    assignments = latest("lms__assignments", ["assignment_id"])
    maxima = {
        a.assignment_id: sum(Decimal(str(c["points"])) for c in a.rubric)
        for a in assignments.itertuples()
    }
    submissions = latest("lms__submissions", ["submission_id"])
    submissions = submissions[submissions["graded_at"].notna()]
    submissions = submissions[
        submissions["graded_at"] < pd.Timestamp(q_end, tz="UTC") + pd.Timedelta(days=1)
    ].sort_values("graded_at")
    latest_pod: dict[tuple[str, str], tuple[str, float]] = {}
    for s in submissions.itertuples():
        pod, dim = course_pod[s.course_id]
        points = sum(Decimal(str(v["points"])) for v in s.rubric_assessment.values())
        latest_pod[(users[s.user_id], pod)] = (dim, float(points / maxima[s.assignment_id] * 100))
    per_dim: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (rid, _pod), (dim, value) in latest_pod.items():
        per_dim[(rid, dim)].append(value)
    for key, values in per_dim.items():
        components[key]["pod_rubric"] = sum(values) / len(values)

    stamps = wh.rows(
        "select s.physician_id, s.lrs_dimension, count(*) from marts.fct_passport_stamps s"
        " join intermediate.int_physician_quarters p on p.physician_id = s.physician_id"
        " and p.quarter = %s and p.blueprint_stage = s.stage and p.role_code = 'resident'"
        " and p.is_active_at_end"
        " where s.stamped_at < %s group by 1, 2",
        (quarter, q_end + pd.Timedelta(days=1)),
    )
    catalog = defaultdict(int)
    for m in seed("milestones"):
        if m["stage"] == "resident":
            catalog[m["lrs_dimension"]] += 1
    for rid, dim, n in stamps:
        components[(rid, dim)]["milestones"] = n * 100 / catalog[dim]

    logs = latest("surveys__activity_logs", ["log_id"])
    logs = logs[
        (pd.to_datetime(logs["activity_date"]) >= q_start)
        & (pd.to_datetime(logs["activity_date"]) <= q_end)
    ]
    for rid, n in logs.groupby("mentee_id").size().items():
        components[(rid, "mentorship_engagement")]["meetings"] = min(n * 100 / 3, 100)

    contracts = latest("surveys__mentor_contracts", ["contract_id"])
    deliverables = latest("surveys__contract_deliverables", ["deliverable_id"]).merge(
        contracts[["contract_id", "mentee_id"]], on="contract_id"
    )
    due = pd.to_datetime(deliverables["due_date"])
    deliverables = deliverables[(due >= q_start) & (due <= q_end)]
    for rid, group in deliverables.groupby("mentee_id"):
        on_time = [
            c is not None and not pd.isna(c) and c <= d
            for c, d in zip(group["completed_on"], group["due_date"], strict=True)
        ]
        components[(rid, "mentorship_engagement")]["deliverables"] = (
            100 * sum(on_time) / len(on_time)
        )

    expected = {}
    for rid in residents:
        dims = []
        for (r, dim), parts in components.items():
            if r != rid or not parts:
                continue
            total = sum(weights[(dim, c)] for c in parts)
            dims.append(sum(weights[(dim, c)] * v for c, v in parts.items()) / total)
        lrs = None
        if len(dims) >= 3:
            lrs = Decimal(str(sum(dims) / len(dims))).quantize(Decimal("0.1"), ROUND_HALF_UP)
        expected[rid] = lrs

    found = dict(
        wh.rows(
            "select resident_id, lrs from marts.fct_readiness_scores where quarter = %s", (quarter,)
        )
    )
    assert set(found) == residents
    mismatched = {
        rid: (found[rid], expected[rid])
        for rid in residents
        if (found[rid] is None) != (expected[rid] is None)
        or (found[rid] is not None and abs(found[rid] - expected[rid]) > Decimal("0.1"))
    }
    assert mismatched == {}
    assert sum(v is not None for v in found.values()) > len(found) * 0.8


@pytest.mark.parametrize("column", ["strategic_insight", "lrs"])
def test_scores_stay_within_0_and_100(simulated_warehouse, column):
    (low, high) = simulated_warehouse.rows(
        f"select min({column}), max({column}) from marts.fct_readiness_scores"
    )[0]
    assert 0 <= low <= high <= 100
