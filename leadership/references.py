"""Checks that need the warehouse: references that must resolve, rubric points within maxima.

A Great Expectations suite sees one batch; these rules look beyond it:

- a person id in a survey, a calendar or the LMS must be a physician HR knows
  (``raw.hr__workers``); a deliverable must belong to a known contract;
- a rubric assessment may not give a criterion more points than its rubric allows
  (the rubric comes from ``raw.lms__assignments``).

Failing rows are quarantined like any other, so once the missing HR record or
assignment arrives, ``leadership quarantine release`` lets them through. When the
referenced data has never been loaded at all (a fresh warehouse, or an institution
that syncs only some feeds) the check is skipped and the batch message says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from integrations.common.schema import StreamContract
from leadership import warehouse
from leadership.normalise import Normalised, quote_value
from leadership.validation import ExpectationOutcome, Validation

TARGETS: dict[str, tuple[str, str]] = {
    # target: (query for the known ids, what a reader calls them)
    "physician": ("select distinct worker_id from raw.hr__workers", "a physician HR knows"),
    "contract": (
        "select distinct contract_id from raw.surveys__mentor_contracts",
        "a known mentorship contract",
    ),
}

REFERENCES: dict[str, list[tuple[str, str]]] = {
    "hr__demographics": [("worker_id", "physician")],
    "lms__enrollments": [("sis_user_id", "physician")],
    "calendar__free_slots": [("mentor_id", "physician")],
    "surveys__confidence_answers": [("respondent_id", "physician")],
    "surveys__satisfaction_ratings": [("respondent_id", "physician"), ("mentor_id", "physician")],
    "surveys__activity_logs": [("mentor_id", "physician"), ("mentee_id", "physician")],
    "surveys__mentor_contracts": [("mentor_id", "physician"), ("mentee_id", "physician")],
    "surveys__contract_deliverables": [("contract_id", "contract")],
    "surveys__career_interests": [("respondent_id", "physician")],
}


def check(contract: StreamContract, batch: Normalised, validation: Validation) -> list[str]:
    """Add reasons for rows that fail a warehouse check; return notes for the batch message."""
    notes: list[str] = []
    if batch.frame.empty:
        return notes
    known_cache: dict[str, set[str] | None] = {}
    for column, target in REFERENCES.get(contract.qualified_name, []):
        if target not in known_cache:
            known_cache[target] = _known(target)
        known = known_cache[target]
        name = f"reference: {column} is {TARGETS[target][1]}"
        if known is None:
            notes.append(f"{column} not checked against {target}s: none loaded yet")
            continue
        values = batch.frame[column]
        unknown = values.notna() & ~values.astype(str).isin(known)
        rows = [int(i) for i in values.index[unknown]]
        for row in rows:
            validation.reasons.setdefault(row, []).append(
                f"{column}: {quote_value(batch.records[row].get(column))} is not "
                f"{TARGETS[target][1]}"
            )
        validation.outcomes.append(ExpectationOutcome(name, column, not rows, len(rows), "row"))
    extra = EXTRA_CHECKS.get(contract.qualified_name)
    if extra:
        notes += extra(batch, validation)
    return notes


def _known(target: str) -> set[str] | None:
    query = TARGETS[target][0]
    with warehouse.transaction() as conn:
        ids = {str(v) for v in conn.exec_driver_sql(query).scalars()}
    return ids or None


def _rubric_points_within_maxima(batch: Normalised, validation: Validation) -> list[str]:
    with warehouse.transaction() as conn:
        rows = conn.exec_driver_sql(
            "select distinct on (assignment_id) assignment_id, rubric from raw.lms__assignments"
            " order by assignment_id, _as_of desc, _batch_id desc"
        ).all()
    if not rows:
        return ["rubric points not checked: no assignments loaded yet"]
    maxima: dict[str, dict[str, float]] = {}
    for assignment_id, rubric in rows:
        criteria = rubric if isinstance(rubric, list) else json.loads(rubric or "[]")
        maxima[str(assignment_id)] = {
            str(c.get("id")): float(c.get("points") or 0) for c in criteria if isinstance(c, dict)
        }
    failed = 0
    frame = batch.frame
    for row in frame.index[frame["rubric_assessment"].notna()]:
        assessment: Any = frame.at[row, "rubric_assessment"]
        limits = maxima.get(str(frame.at[row, "assignment_id"]))
        if not isinstance(assessment, dict) or limits is None:
            continue
        for criterion, given in assessment.items():
            points = given.get("points") if isinstance(given, dict) else None
            if not isinstance(points, (int, float)):
                continue
            limit = limits.get(str(criterion))
            if limit is None:
                message = f"rubric_assessment: criterion {criterion!r} is not in the rubric"
            elif points > limit or points < 0:
                message = (
                    f"rubric_assessment: {points:g} points for criterion {criterion!r}, "
                    f"outside 0-{limit:g}"
                )
            else:
                continue
            validation.reasons.setdefault(int(row), []).append(message)
            failed += 1
    validation.outcomes.append(
        ExpectationOutcome(
            "rubric points within the criterion's maximum",
            "rubric_assessment",
            failed == 0,
            failed,
            "row",
        )
    )
    return []


EXTRA_CHECKS: dict[str, Callable[[Normalised, Validation], list[str]]] = {
    "lms__submissions": _rubric_points_within_maxima,
}
