"""The accreditation extract: per training program and quarter, a CSV and an XLSX for the GME
office and the DIO (ACGME annual update), and the annual bundle for the self-study.

From ``marts.fct_accreditation_program_quarters`` (summary) and
``marts.fct_accreditation_activities`` (detail), per program:

- ``accreditation/<quarter>/<program>.xlsx``: a README sheet (what the extract is and
  every field of every sheet, described from the dbt models' docs), then a sheet per
  section: Summary, Skill pods, Milestones, QI projects, Mentors by tier, Coverage;
- ``accreditation/<quarter>/<program>.csv``: the activity detail (every section's rows);
- ``accreditation/<quarter>/programs_summary.csv``: every program's summary row.

The annual bundle (``--annual 2026``) holds the same files for the calendar year's
quarters found in the marts in ``accreditation/<year>/``, and one zip of them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from leadership.exports import marts
from leadership.exports.outbox import Delivery, OutboxLocation, fixed_zip, period_timestamp
from leadership.exports.workbook import Sheet, workbook_bytes
from leadership.spreadsheet import csv_bytes

SUMMARY = "fct_accreditation_program_quarters"
ACTIVITIES = "fct_accreditation_activities"
ACTIVITY_COLUMNS = [
    "program", "quarter", "quarter_start", "quarter_end", "activity_category", "activity_code",
    "activity_name", "activity_count", "residents_reached", "mentors", "residents_in_program",
    "residents_reached_pct",
]  # fmt: skip
SECTION_COLUMNS = [
    "quarter", "activity_category", "activity_code", "activity_name", "activity_count",
    "residents_reached", "residents_in_program", "residents_reached_pct",
]  # fmt: skip
SUMMARY_COLUMNS = [
    "program", "department", "quarter", "quarter_start", "quarter_end", "residents_in_program",
    "residents_reached", "residents_reached_pct", "pod_enrollments", "pod_completions",
    "residents_completing_pods", "milestones_stamped", "qi_projects", "peer_mentors",
    "attending_mentors", "chair_sponsors", "residents_eligible_for_mentors", "peer_coverage_pct",
    "attending_coverage_pct", "chair_sponsor_coverage_pct",
]  # fmt: skip
COVERAGE_COLUMNS = [
    "quarter", "residents_eligible_for_mentors", "peer_mentors", "attending_mentors",
    "chair_sponsors", "peer_coverage_pct", "attending_coverage_pct", "chair_sponsor_coverage_pct",
]  # fmt: skip
# Where the models' docs are silent (dates and names every sheet shares).
FALLBACK_DOCS = {
    "program": "Training program (residency or fellowship) as HR names it.",
    "quarter": "Calendar quarter, e.g. 2026Q3.",
    "quarter_start": "First day of the quarter.",
    "quarter_end": "Last day of the quarter.",
}


@dataclass(frozen=True)
class Section:
    """A sheet: rows of one model, chosen by a filter on the row."""

    title: str
    model: str
    columns: list[str]
    keep: Callable[[dict[str, Any]], bool]
    about: str


SECTIONS = [
    Section(
        "Summary", SUMMARY, SUMMARY_COLUMNS, lambda r: True, "The program's quarter in numbers."
    ),
    Section(
        "Skill pods",
        ACTIVITIES,
        SECTION_COLUMNS,
        lambda r: r["activity_category"] in ("skill_pod_enrollment", "skill_pod_completion"),
        "2-hour leadership skill pods: enrollments and completions per pod.",
    ),
    Section(
        "Milestones",
        ACTIVITIES,
        SECTION_COLUMNS,
        lambda r: r["activity_category"] == "passport_milestone",
        "Leadership Passport milestones stamped, per milestone.",
    ),
    Section(
        "QI projects",
        ACTIVITIES,
        SECTION_COLUMNS,
        lambda r: r["activity_code"] in ("lead_qi_project", "quality_improvement"),
        "Quality-improvement projects led (milestone) and the QI skill pod.",
    ),
    Section(
        "Mentors by tier",
        ACTIVITIES,
        [*SECTION_COLUMNS[:5], "mentors", *SECTION_COLUMNS[5:]],
        lambda r: r["activity_category"] == "mentorship",
        "Resident-mentor pairs and distinct mentors per tier.",
    ),
    Section(
        "Coverage",
        SUMMARY,
        COVERAGE_COLUMNS,
        lambda r: True,
        "Mentors per tier and the share of residents covered in each tier at the quarter's end.",
    ),
]


def slug(program: str) -> str:
    """A program's file name: lowercase words joined by underscores."""
    return re.sub(r"[^a-z0-9]+", "_", program.lower()).strip("_") or "unknown_program"


def readme_rows(program: str, period: str, quarters: list[str]) -> list[list[str]]:
    rows = [
        ["(about)", "", f"Leadership-development opportunities documented for {program}, "
         f"{period} ({', '.join(quarters) or 'no quarter with data'}), for the ACGME annual "
         "update and the self-study. Produced by the Leadership Passport Platform from the "
         "warehouse marts; re-running the period gives the same file."],
        ["(about)", "", "Residents includes fellows (ACGME usage). Counts are documented "
         "instances; percentages have one decimal."],
    ]  # fmt: skip
    for section in SECTIONS:
        docs = marts.column_docs(section.model)
        rows.append([section.title, "", f"{section.about} Source: marts.{section.model}."])
        for column in section.columns:
            text = docs.get(column) or FALLBACK_DOCS.get(column, "")
            rows.append([section.title, column, text])
    return rows


def program_files(program: str, period: str, quarters: list[str]) -> tuple[bytes, int, bytes, int]:
    """(xlsx, rows, csv, rows) for one program over ``quarters``."""
    summary = marts.records(
        f"select {', '.join(SUMMARY_COLUMNS)} from marts.{SUMMARY}"
        " where program = %s and quarter = any(%s) order by quarter",
        (program, quarters),
    )
    activities = marts.records(
        f"select {', '.join(ACTIVITY_COLUMNS)} from marts.{ACTIVITIES}"
        " where program = %s and quarter = any(%s)"
        " order by quarter, activity_category, activity_code",
        (program, quarters),
    )
    sheets = [
        Sheet("README", ["sheet", "field", "description"], readme_rows(program, period, quarters))
    ]
    data_rows = 0
    for section in SECTIONS:
        source = summary if section.model == SUMMARY else activities
        rows = [[r[c] for c in section.columns] for r in source if section.keep(r)]
        data_rows += len(rows)
        sheets.append(Sheet(section.title, section.columns, rows))
    xlsx = workbook_bytes(
        sheets, period_timestamp(period), f"Accreditation extract: {program}, {period}"
    )
    detail = csv_bytes(ACTIVITY_COLUMNS, ([r[c] for c in ACTIVITY_COLUMNS] for r in activities))
    return xlsx, data_rows, detail, len(activities)


def accreditation_delivery(period: str, quarters: list[str]) -> Delivery:
    """Every program's files for ``quarters``, in ``accreditation/<period>/``."""
    marts.require(f"marts.{SUMMARY}", f"marts.{ACTIVITIES}")
    columns, summary = marts.query(
        f"select {', '.join(SUMMARY_COLUMNS)} from marts.{SUMMARY}"
        " where quarter = any(%s) order by program, quarter",
        (quarters,),
    )
    delivery = Delivery("accreditation", period)
    delivery.add("programs_summary.csv", csv_bytes(columns, summary), len(summary))
    found = sorted({r[2] for r in summary})
    for program in sorted({r[0] for r in summary}):
        xlsx, xlsx_rows, detail, detail_rows = program_files(program, period, found)
        delivery.add(f"{slug(program)}.xlsx", xlsx, xlsx_rows)
        delivery.add(f"{slug(program)}.csv", detail, detail_rows)
    return delivery


def annual_delivery(year: int) -> Delivery:
    """The self-study bundle: the year's quarters per program, and one zip of every file."""
    period = str(year)
    delivery = accreditation_delivery(period, marts.quarters_of_year(year))
    bundle = fixed_zip(
        [
            (f"accreditation_{year}/{f.name}", f.data)
            for f in sorted(delivery.files, key=lambda f: f.name)
        ],
        period_timestamp(period),
    )
    delivery.add(f"accreditation_{year}.zip", bundle, None)
    return delivery


def run_accreditation(
    quarter: str, *, annual: int | None = None, location: OutboxLocation | None = None
) -> list[dict[str, Any]]:
    """Deliver the quarter's extract (and the annual bundle when ``annual`` names a year)."""
    written = [accreditation_delivery(quarter, [quarter]).write(location)]
    if annual:
        written.append(annual_delivery(annual).write(location))
    return written
