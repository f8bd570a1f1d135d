"""The dean's office KPI CSV and HR's mentor FTE credits CSV.

- ``kpis/<quarter>/deans_kpis.csv``: ``marts.fct_kpis`` for the quarters up to the one
  under review (the mart keeps four), one row per metric, quarter and slice;
- ``fte/<quarter>/mentor_fte_credits.csv``: ``marts.fct_mentor_fte_credits``, one row
  per mentor and academic year (credits are earned only by completed years).
"""

from __future__ import annotations

from typing import Any

from leadership.exports import marts
from leadership.exports.outbox import Delivery, OutboxLocation
from leadership.spreadsheet import csv_bytes

KPI_COLUMNS = [
    "quarter", "quarter_start", "quarter_end", "observed_until", "metric", "unit", "slice_type",
    "slice_value", "numerator", "denominator", "value",
]  # fmt: skip
FTE_COLUMNS = [
    "mentor_id", "mentor_name", "mentor_department", "mentor_role_code", "academic_year",
    "academic_year_start", "academic_year_end", "is_year_complete", "residents_mentored",
    "residents_mentored_full_year", "fte_credit", "as_of_date",
]  # fmt: skip


def kpi_delivery(quarter: str) -> Delivery:
    marts.require("marts.fct_kpis")
    _, rows = marts.query(
        f"select {', '.join(KPI_COLUMNS)} from marts.fct_kpis where quarter <= %s"
        " order by quarter, metric, slice_type, slice_value",
        (quarter,),
    )
    delivery = Delivery("kpis", quarter)
    delivery.add("deans_kpis.csv", csv_bytes(KPI_COLUMNS, rows), len(rows))
    return delivery


def fte_delivery(quarter: str) -> Delivery:
    marts.require("marts.fct_mentor_fte_credits")
    _, rows = marts.query(
        f"select {', '.join(FTE_COLUMNS)} from marts.fct_mentor_fte_credits"
        " where academic_year_start <= %s order by academic_year, mentor_id",
        (marts.quarter_end(quarter),),
    )
    delivery = Delivery("fte", quarter)
    delivery.add("mentor_fte_credits.csv", csv_bytes(FTE_COLUMNS, rows), len(rows))
    return delivery


def run_kpis(quarter: str, *, location: OutboxLocation | None = None) -> dict[str, Any]:
    return kpi_delivery(quarter).write(location)


def run_fte(quarter: str, *, location: OutboxLocation | None = None) -> dict[str, Any]:
    return fte_delivery(quarter).write(location)
