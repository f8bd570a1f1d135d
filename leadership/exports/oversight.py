"""The program director's quarterly review list: mentors with no leadership-exposure log, overdue
contract deliverables.

Mentors must log at least one "leadership exposure" activity per quarter; those with
none in the quarter (``marts.fct_mentor_exposure_compliance``) and the contract
deliverables overdue at the quarter's end (``marts.fct_overdue_deliverables``) are
delivered as two CSVs in ``oversight/<quarter>/``.
"""

from __future__ import annotations

from typing import Any

from leadership.exports import marts
from leadership.exports.outbox import Delivery, OutboxLocation
from leadership.spreadsheet import csv_bytes

NO_EXPOSURE_COLUMNS = [
    "quarter", "mentor_id", "mentor_name", "mentor_department", "mentor_role_code", "tiers",
    "mentees", "exposure_logs", "is_quarter_complete",
]  # fmt: skip
OVERDUE_COLUMNS = [
    "deliverable_id", "contract_id", "deliverable_description", "due_date", "days_overdue",
    "contract_tier", "contract_status", "mentor_id", "mentor_name", "mentee_id", "mentee_name",
    "mentee_program", "as_of_date",
]  # fmt: skip


def oversight_delivery(quarter: str) -> Delivery:
    """The two review lists for ``quarter`` (the marts describe the quarter's end)."""
    marts.require("marts.fct_mentor_exposure_compliance", "marts.fct_overdue_deliverables")
    delivery = Delivery("oversight", quarter)
    _, missing = marts.query(
        f"select {', '.join(NO_EXPOSURE_COLUMNS)} from marts.fct_mentor_exposure_compliance"
        " where quarter = %s and not is_compliant order by mentor_department, mentor_id",
        (quarter,),
    )
    delivery.add(
        "mentors_without_exposure_log.csv", csv_bytes(NO_EXPOSURE_COLUMNS, missing), len(missing)
    )
    _, overdue = marts.query(
        f"select {', '.join(OVERDUE_COLUMNS)} from marts.fct_overdue_deliverables"
        " where as_of_date <= %s order by days_overdue desc, deliverable_id",
        (marts.quarter_end(quarter),),
    )
    delivery.add("overdue_deliverables.csv", csv_bytes(OVERDUE_COLUMNS, overdue), len(overdue))
    return delivery


def run_oversight(quarter: str, *, location: OutboxLocation | None = None) -> dict[str, Any]:
    """Deliver the review lists; the manifest (with the location) says what went out."""
    return oversight_delivery(quarter).write(location)
