"""Workday report rows mapped onto the HR contracts: one small class per stream.

The report's column names are the report author's choice (a column's XML alias),
so the mapping is configuration (``field_map`` in the connection's extra) over
the defaults below, which match the simulator's ``Leadership_Workers`` report.
Columns the map does not know ride along in the record: the platform keeps them
in ``_extra`` and reports the drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations.common.schema import ExtractError, drop_exact_duplicates
from integrations.contracts.hr import JOB_HISTORY, WORKERS

# report column -> contract column
DEFAULT_WORKER_COLUMNS: dict[str, str] = {
    "Employee_ID": "worker_id",
    "First_Name": "first_name",
    "Last_Name": "last_name",
    "Primary_Work_Email": "email",
    "Department": "department",
    "Specialty": "specialty",
    "Academic_Program": "program",
    "Hire_Date": "hire_date",
    "Termination_Date": "termination_date",
}
DEFAULT_HISTORY_GROUP = "Job_History_group"
DEFAULT_HISTORY_COLUMNS: dict[str, str] = {
    "Effective_Date": "effective_date",
    "Role_Code": "role",
    "PGY_Level": "pgy_level",
    "Department": "department",
    "Specialty": "specialty",
    "Academic_Program": "program",
    "Business_Title": "title",
}


def _merged(defaults: dict[str, str], override: Any, stream: str, allowed: list[str]) -> dict:
    """The defaults, with each contract column the override names taken from its column."""
    if override is None:
        return dict(defaults)
    if not isinstance(override, Mapping):
        raise ExtractError(
            f"workday field_map.{stream} must map report columns to contract columns, "
            f"got {type(override).__name__}"
        )
    unknown = sorted({str(v) for v in override.values()} - set(allowed))
    if unknown:
        raise ExtractError(
            f"workday field_map.{stream} names unknown contract columns: {', '.join(unknown)}; "
            f"the hr__{stream} columns are {', '.join(allowed)}"
        )
    targets = set(override.values())
    kept = {column: target for column, target in defaults.items() if target not in targets}
    return {**kept, **{str(k): str(v) for k, v in override.items()}}


@dataclass(frozen=True)
class FieldMap:
    """Which report column fills which contract column, and where the job history is."""

    workers: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_WORKER_COLUMNS))
    job_history: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HISTORY_COLUMNS))
    history_group: str = DEFAULT_HISTORY_GROUP

    @classmethod
    def from_extra(cls, value: Any) -> FieldMap:
        """``{"workers": {...}, "job_history": {...}, "history_group": "..."}``, all optional."""
        value = value or {}
        if not isinstance(value, Mapping):
            raise ExtractError("workday field_map must be a JSON object (see integrations.workday)")
        workers = _merged(
            DEFAULT_WORKER_COLUMNS, value.get("workers"), "workers", WORKERS.column_names
        )
        history = _merged(
            DEFAULT_HISTORY_COLUMNS,
            value.get("job_history"),
            "job_history",
            JOB_HISTORY.column_names,
        )
        if "worker_id" not in workers.values():
            raise ExtractError("workday field_map.workers must name the report's worker id column")
        return cls(workers, history, str(value.get("history_group") or DEFAULT_HISTORY_GROUP))

    @property
    def worker_id_column(self) -> str:
        return next(column for column, target in self.workers.items() if target == "worker_id")


def map_row(row: Mapping[str, Any], columns: dict[str, str], skip: set[str]) -> dict[str, Any]:
    """Contract columns from report columns (absent = None: Workday omits empty values).

    Unknown report columns are kept for the drift report; one that happens to share
    a contract column's name is kept as ``report:<name>`` rather than overwrite it.
    """
    record: dict[str, Any] = {target: None for target in columns.values()}
    for column, value in row.items():
        if column in columns:
            record[columns[column]] = value
        elif column not in skip:
            record[f"report:{column}" if column in record else column] = value
    return record


def history_items(entry: Mapping[str, Any], group: str) -> list[Mapping[str, Any]]:
    """The group's rows; a group with one row may come as an object, tolerate that."""
    items = entry.get(group)
    if items is None:
        return []
    if isinstance(items, Mapping):
        return [items]
    if isinstance(items, list) and all(isinstance(i, Mapping) for i in items):
        return items
    raise ExtractError(
        f"workday report column {group} is not a group of rows ({type(items).__name__}); "
        "set field_map.history_group to the report's job history group"
    )


@dataclass(frozen=True)
class Workers:
    def read(self, entries: list[dict[str, Any]], fields: FieldMap) -> tuple[list, list[str]]:
        skip = {fields.history_group}
        return drop_exact_duplicates(map_row(e, fields.workers, skip) for e in entries), []


@dataclass(frozen=True)
class JobHistory:
    """One row per worker and role; the worker id comes from the entry the group sits in."""

    def read(self, entries: list[dict[str, Any]], fields: FieldMap) -> tuple[list, list[str]]:
        records = []
        for entry in entries:
            worker_id = entry.get(fields.worker_id_column)
            for item in history_items(entry, fields.history_group):
                record = map_row(item, fields.job_history, set())
                if record.get("worker_id") is None:
                    record["worker_id"] = worker_id
                records.append(record)
        notes = []
        if entries and not any(fields.history_group in e for e in entries):
            groups = sorted({k for e in entries for k in e if k.endswith("_group")})
            notes.append(
                f"no report entry has the group {fields.history_group}"
                + (f" (groups seen: {', '.join(groups)})" if groups else "")
                + "; if the report names its job history otherwise, set field_map.history_group"
            )
        return drop_exact_duplicates(records), notes


STREAMS = {"workers": Workers(), "job_history": JobHistory()}
