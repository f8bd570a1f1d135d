"""Write the synthetic institution as HR CSV file drops (the platform's file contract).

Each drop date gets a full snapshot per stream (``workers_<date>.csv``,
``job_history_<date>.csv``). ``plant_bad_rows`` adds known malformed rows to the
latest drop and returns them, so tests and the demo can check each one is
quarantined with its reason.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from integrations.contracts.hr import DEMOGRAPHICS, JOB_HISTORY, WORKERS
from simulator.institution import Institution


@dataclass(frozen=True)
class PlantedRow:
    file: str
    row_number: int  # 1-based data row (the header is not counted)
    reason: str  # a fragment the quarantine reason must contain


@dataclass
class HrDrop:
    folder: Path
    files: list[Path] = field(default_factory=list)
    planted: list[PlantedRow] = field(default_factory=list)


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def snapshot_rows(inst: Institution, day: date) -> tuple[list[list[str]], list[list[str]]]:
    """Workers and job-history rows HR would export on ``day``."""
    workers, history = [], []
    for p in inst.people:
        if p.hire_date > day:
            continue
        termination = (
            p.termination_date if p.termination_date and p.termination_date <= day else None
        )
        workers.append(
            [
                _fmt(v)
                for v in (
                    p.worker_id,
                    p.first_name,
                    p.last_name,
                    p.email,
                    p.department,
                    p.specialty,
                    p.program,
                    p.hire_date,
                    termination,
                )
            ]
        )
        for r in p.history:
            if r.effective_date <= day:
                history.append(
                    [
                        _fmt(v)
                        for v in (
                            p.worker_id,
                            r.effective_date,
                            r.role,
                            r.pgy_level,
                            r.department,
                            r.specialty,
                            r.program,
                            r.title,
                        )
                    ]
                )
    return workers, history


def default_drop_dates(inst: Institution) -> list[date]:
    """Two quarterly snapshots: the end of the quarter before ``as_of``, and ``as_of``."""
    quarter_start = date(inst.as_of.year, 1 + 3 * ((inst.as_of.month - 1) // 3), 1)
    return [quarter_start - timedelta(days=1), inst.as_of]


def write_hr_drop(
    inst: Institution,
    folder: Path,
    *,
    drop_dates: list[date] | None = None,
    plant_bad_rows: bool = False,
    demographics: bool = False,
) -> HrDrop:
    """Write the HR drop; ``demographics`` adds ``demographics_<date>.csv`` on the last date."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    result = HrDrop(folder)
    dates = drop_dates or default_drop_dates(inst)
    for i, day in enumerate(sorted(dates)):
        workers, history = snapshot_rows(inst, day)
        last = i == len(dates) - 1
        workers_name = f"workers_{day.isoformat()}.csv"
        history_name = f"job_history_{day.isoformat()}.csv"
        if last and plant_bad_rows:
            result.planted += _plant(workers, history, workers_name, history_name)
        result.files.append(_write(folder / workers_name, WORKERS.column_names, workers))
        result.files.append(_write(folder / history_name, JOB_HISTORY.column_names, history))
        if last and demographics:
            hired = {p.worker_id for p in inst.people if p.hire_date <= day}
            rows = [
                [
                    _fmt(v).lower() if isinstance(v, bool) else _fmt(v)
                    for v in (d[c] for c in DEMOGRAPHICS.column_names)
                ]
                for worker_id, d in inst.demographics.items()
                if worker_id in hired
            ]
            result.files.append(
                _write(
                    folder / f"demographics_{day.isoformat()}.csv", DEMOGRAPHICS.column_names, rows
                )
            )
    return result


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _plant(
    workers: list[list[str]], history: list[list[str]], workers_name: str, history_name: str
) -> list[PlantedRow]:
    """Append malformed rows; each is quarantined with a reason containing ``reason``."""
    planted: list[PlantedRow] = []

    def add_worker(row: list[str], reason: str) -> None:
        workers.append(row)
        planted.append(PlantedRow(workers_name, len(workers), reason))

    def add_history(row: list[str], reason: str) -> None:
        history.append(row)
        planted.append(PlantedRow(history_name, len(history), reason))

    dept = "Internal Medicine"
    add_worker(
        [
            "W900001",
            "Ana",
            "Bad-Date",
            "ana.bad@example-health.org",
            dept,
            "Cardiology",
            "",
            "2025-13-45",
            "",
        ],
        "hire_date: '2025-13-45' is not a date",
    )
    add_worker(
        [
            "",
            "No",
            "Identifier",
            "no.id@example-health.org",
            dept,
            "Cardiology",
            "",
            "2020-07-01",
            "",
        ],
        "worker_id: missing",
    )
    add_worker(
        [
            "W900002",
            "Dup",
            "First",
            "dup.first@example-health.org",
            dept,
            "Oncology",
            "",
            "2019-07-01",
            "",
        ],
        "appears more than once",
    )
    add_worker(
        [
            "W900002",
            "Dup",
            "Second",
            "dup.second@example-health.org",
            dept,
            "Oncology",
            "",
            "2019-07-01",
            "",
        ],
        "appears more than once",
    )
    add_worker(
        [
            "W900003",
            "Fu",
            "Ture",
            "fu.ture@example-health.org",
            dept,
            "Oncology",
            "",
            "2099-01-01",
            "",
        ],
        "hire_date: '2099-01-01' is in the future",
    )
    add_worker(
        ["W900004", "Mal", "Formed", "not-an-email", dept, "Oncology", "", "2018-07-01", ""],
        "email: 'not-an-email' is not a well-formed",
    )
    add_history(
        [
            "W900005",
            "2024-07-01",
            "resident",
            "9",
            dept,
            "General Internal Medicine",
            "Internal Medicine Residency",
            "Resident Physician",
        ],
        "pgy_level: '9' is not a PGY",
    )
    add_history(
        [
            "W900006",
            "2024-07-01",
            "resident",
            "PGY-2",
            dept,
            "General Internal Medicine",
            "Internal Medicine Residency",
            "Resident Physician",
        ],
        "pgy_level: 'PGY-2' is not a whole number",
    )
    add_history(
        [
            "W900007",
            "2024-07-01",
            "intern",
            "1",
            dept,
            "General Internal Medicine",
            "Internal Medicine Residency",
            "Intern",
        ],
        "role: 'intern' is not a known role",
    )
    add_history(
        ["", "2024-07-01", "attending", "", dept, "Cardiology", "", "Attending"],
        "worker_id: missing",
    )
    return planted


def write_next_day_hr_drop(folder: Path, day: date, every: int = 100) -> int:
    """The next day's workers drop: the latest one with every ``every``-th worker changed.

    The change is a new email address (``.updated@``), a record version the platform must
    publish and refresh without touching what does not read it. Returns how many workers
    changed (1% with the default).
    """
    latest = sorted(folder.glob("workers_*.csv"))[-1]
    with latest.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    changed = 0
    for i, row in enumerate(rows):
        if i % every == 0:
            row["email"] = row["email"].replace("@", ".updated@")
            changed += 1
    with (folder / f"workers_{day.isoformat()}.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return changed
