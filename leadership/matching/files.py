"""The matching engine's file interface: R.csv and M.csv in, A.csv out (DESIGN.md).

    leadership match --residents R.csv --mentors M.csv --out A.csv

R.csv  person_id,program,department,specialty,pgy_level,interests          (tags split by ;)
M.csv  person_id,tier,program,department,specialty,pgy_level,role,expertise,free_slots,
       past_rating,n_ratings,capacity      (role: resident, attending, chair, vice_chair)
A.csv  resident_id,tier,mentor_id,score,interest,availability,past_success,notify,reason

A file that does not fit gets one error listing every problem found, each naming the
file, the line and the column, so an analyst fixes them all in one pass.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from leadership.matching.model import MENTOR_ROLES, TIERS, Assignment, Mentor, Resident
from leadership.spreadsheet import csv_bytes

RESIDENT_COLUMNS = ["person_id", "program", "department", "specialty", "pgy_level", "interests"]
MENTOR_COLUMNS = [
    "person_id",
    "tier",
    "program",
    "department",
    "specialty",
    "pgy_level",
    "role",
    "expertise",
    "free_slots",
    "past_rating",
    "n_ratings",
    "capacity",
]
ASSIGNMENT_COLUMNS = [
    "resident_id",
    "tier",
    "mentor_id",
    "score",
    "interest",
    "availability",
    "past_success",
    "notify",
    "reason",
]
MAX_REPORTED = 25


class MatchInputError(ValueError):
    """An input file does not fit its documented columns; the message lists every problem."""


class _Problems:
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[str] = []

    def add(self, line: int | None, column: str | None, message: str) -> None:
        where = (
            self.name + (f" line {line}" if line else "") + (f", column {column}" if column else "")
        )
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            shown = self.items[:MAX_REPORTED]
            more = len(self.items) - len(shown)
            raise MatchInputError("\n".join(shown) + (f"\n... and {more} more" if more else ""))


def _rows(path: Path, expected: list[str], problems: _Problems) -> list[tuple[int, dict]]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise MatchInputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise MatchInputError(
            f"{path}: not UTF-8 (byte {exc.start}); save it as UTF-8 CSV"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in expected if c not in header]
    if missing:
        problems.add(
            1,
            None,
            f"missing column(s) {', '.join(missing)}; expected the header {','.join(expected)}",
        )
        problems.raise_if_any()
    rows = []
    for record in reader:
        if None in record:
            problems.add(reader.line_num, None, "more values than the header has columns")
            continue
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in record.items()}))
    if not rows:
        problems.add(None, None, "has a header but no rows")
    return rows


def _int(
    value: str,
    line: int,
    column: str,
    problems: _Problems,
    *,
    low: int,
    high: int | None,
    required: bool,
) -> int | None:
    if value == "":
        if required:
            problems.add(line, column, "missing (a whole number is required)")
        return None
    try:
        number = int(value)
    except ValueError:
        problems.add(line, column, f"{value!r} is not a whole number")
        return None
    if number < low or (high is not None and number > high):
        problems.add(
            line, column, f"{number} is outside {low}-{high if high is not None else '...'}"
        )
        return None
    return number


def _float(
    value: str, line: int, column: str, problems: _Problems, *, low: float, high: float | None
) -> float | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        problems.add(line, column, f"{value!r} is not a number")
        return None
    if number < low or (high is not None and number > high):
        problems.add(
            line,
            column,
            f"{number:g} is outside {low:g}-{high:g}"
            if high is not None
            else f"{number:g} is below {low:g}",
        )
        return None
    return number


def _tags(value: str) -> frozenset[str]:
    return frozenset(t.strip().lower() for t in value.split(";") if t.strip())


def read_residents(path: Path) -> list[Resident]:
    problems = _Problems(Path(path).name)
    residents, seen = [], {}
    for line, row in _rows(path, RESIDENT_COLUMNS, problems):
        pid = row["person_id"]
        if not pid:
            problems.add(line, "person_id", "missing")
            continue
        if pid in seen:
            problems.add(line, "person_id", f"{pid!r} already on line {seen[pid]}")
            continue
        seen[pid] = line
        pgy = _int(row["pgy_level"], line, "pgy_level", problems, low=1, high=7, required=False)
        residents.append(
            Resident(
                pid,
                row["program"],
                row["department"],
                row["specialty"],
                pgy,
                _tags(row["interests"]),
            )
        )
    problems.raise_if_any()
    return residents


def read_mentors(path: Path) -> list[Mentor]:
    problems = _Problems(Path(path).name)
    mentors, seen = [], {}
    for line, row in _rows(path, MENTOR_COLUMNS, problems):
        pid, tier, role = row["person_id"], row["tier"], row["role"]
        if not pid:
            problems.add(line, "person_id", "missing")
            continue
        if tier not in TIERS:
            problems.add(line, "tier", f"{tier!r} is not one of {', '.join(TIERS)}")
        if role not in MENTOR_ROLES:
            problems.add(line, "role", f"{role!r} is not one of {', '.join(MENTOR_ROLES)}")
        if (pid, tier) in seen:
            problems.add(
                line, "person_id", f"{pid!r} in tier {tier} already on line {seen[pid, tier]}"
            )
            continue
        seen[pid, tier] = line
        pgy = _int(row["pgy_level"], line, "pgy_level", problems, low=1, high=7, required=False)
        free = _float(row["free_slots"], line, "free_slots", problems, low=0, high=None)
        rating = _float(row["past_rating"], line, "past_rating", problems, low=1, high=5)
        n = _int(row["n_ratings"], line, "n_ratings", problems, low=0, high=None, required=False)
        capacity = _int(
            row["capacity"], line, "capacity", problems, low=0, high=None, required=True
        )
        if rating is None and n:
            problems.add(line, "past_rating", f"missing although n_ratings is {n}")
        mentors.append(
            Mentor(
                pid,
                tier,
                row["program"],
                row["department"],
                row["specialty"],
                pgy,
                role,
                _tags(row["expertise"]),
                free,
                rating,
                n or 0,
                capacity or 0,
            )
        )
    problems.raise_if_any()
    return mentors


def assignment_rows(assignments: Iterable[Assignment]) -> list[list[object]]:
    order = {tier: k for k, tier in enumerate(TIERS)}
    rows = []
    for a in sorted(assignments, key=lambda a: (a.resident_id, order.get(a.tier, 99))):
        rows.append(
            [
                a.resident_id,
                a.tier,
                a.mentor_id or "",
                _fixed(a.score),
                _fixed(a.interest),
                _fixed(a.availability),
                _fixed(a.past_success),
                "true" if a.notify else "false",
                a.reason,
            ]
        )
    return rows


def _fixed(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def write_assignments(path: Path, assignments: Iterable[Assignment]) -> Path:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(csv_bytes(ASSIGNMENT_COLUMNS, assignment_rows(assignments)))
    return Path(path)
