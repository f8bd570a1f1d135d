"""A Workday RaaS custom report (``Leadership_Workers``) over the simulated institution.

- ``GET /ccx/service/customreport2/{tenant}/{owner}/{report}?format=json``, Basic auth
  as the Integration System User (401 otherwise); the whole report in one response,
  rows under ``Report_Entry``, each worker's roles in a ``Job_History_group`` array.
- Every value is a string, dates written ``2026-10-01-07:00``; empty values are left
  out of the row (as Workday does).
- Prompts: ``Effective_as_of_Date`` (default today): hires after it are not in the
  report, roles effective after it are not in the group, terminations after it are
  not shown. ``Updated_From`` (changed since): only workers with a change on or
  after it, a worker's changes being their hire, termination and role effective
  dates (up to the effective date). An unknown prompt or a bad date is a 400.
- Errors are JSON: ``{"error": ..., "errors": [{"error": ..., "field": ...}]}``.
- Content faults: ``duplicate_page`` repeats some rows; ``drift_added`` adds a
  ``Cost_Center`` column; ``drift_renamed`` / ``drift_missing``: the report author
  renamed (``Worker_ID``) / removed the ``Employee_ID`` column.
"""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any

from simulator.institution import Person
from simulator.program import Program
from simulator.servers.base import Request, Response, SimServer

TENANT = "example_health"
OWNER = "ISU_Leadership"
REPORT = "Leadership_Workers"
OFFSET = "-07:00"
EFFECTIVE_PROMPT = "Effective_as_of_Date"
CHANGED_PROMPT = "Updated_From"
_PROMPT_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$")


def _day(value: date | None) -> str | None:
    return f"{value.isoformat()}{OFFSET}" if value else None


def _error(status: int, message: str, field: str | None = None) -> Response:
    detail: dict[str, Any] = {"error": message}
    if field:
        detail["field"] = field
    return Response.json({"error": message, "errors": [detail]}, status)


class _BadPrompt(Exception):
    def __init__(self, prompt: str, value: str) -> None:
        super().__init__(f"Invalid value for prompt {prompt}: {value!r} is not a date")
        self.prompt = prompt


def _prompt_date(request: Request, name: str) -> date | None:
    value = request.arg(name)
    if not value:
        return None
    match = _PROMPT_DATE.match(value)
    try:
        day = date.fromisoformat(match[1]) if match else None
    except ValueError:
        day = None
    if day is None:
        raise _BadPrompt(name, value)
    return day


def change_dates(person: Person, as_of: date) -> list[date]:
    """The days something happened to a worker (hire, termination, role changes) by ``as_of``."""
    days = [person.hire_date, *(r.effective_date for r in person.history)]
    if person.termination_date:
        days.append(person.termination_date)
    return [d for d in days if d <= as_of]


class WorkdayServer(SimServer):
    name = "workday"
    conn_id = "workday_default"

    def __init__(
        self, program: Program, login: str = "ISU_Leadership", password: str = "wd-isu-s3cret!"
    ) -> None:
        super().__init__()
        self.program = program
        self.login = login
        self.password = password

    def connection(self) -> dict[str, Any]:
        return {
            "conn_type": "http",
            "host": self.url,
            "login": self.login,
            "password": self.password,
            "extra": {
                "tenant": TENANT,
                "report_owner": OWNER,
                "report": REPORT,
                "incremental_prompt": CHANGED_PROMPT,
            },
        }

    def handle(self, request: Request) -> Response:
        expected = base64.b64encode(f"{self.login}:{self.password}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return _error(401, "Invalid username or password")
        if request.path != f"/ccx/service/customreport2/{TENANT}/{OWNER}/{REPORT}":
            return _error(404, f"Report not found: {request.path}")
        if request.arg("format") != "json":
            return _error(400, "This report is served as format=json only", "format")
        unknown = sorted(
            {k for k, _ in request.query} - {"format", EFFECTIVE_PROMPT, CHANGED_PROMPT}
        )
        if unknown:
            return _error(400, f"Invalid prompt: {unknown[0]}", unknown[0])
        try:
            as_of = _prompt_date(request, EFFECTIVE_PROMPT) or date.today()
            since = _prompt_date(request, CHANGED_PROMPT)
        except _BadPrompt as exc:
            return _error(400, str(exc), exc.prompt)
        entries = [
            self._entry(p, as_of)
            for p in sorted(self.program.inst.people, key=lambda p: p.worker_id)
            if p.hire_date <= as_of
            and (since is None or any(d >= since for d in change_dates(p, as_of)))
        ]
        if self.content_fault("duplicate_page", request.path):
            entries = entries + entries[::7]  # some rows repeated at the end
        return Response.json({"Report_Entry": entries})

    def _entry(self, person: Person, as_of: date) -> dict[str, Any]:
        terminated = person.termination_date
        row = {
            "Employee_ID": person.worker_id,
            "First_Name": person.first_name,
            "Last_Name": person.last_name,
            "Primary_Work_Email": person.email,
            "Department": person.department,
            "Specialty": person.specialty,
            "Academic_Program": person.program,
            "Hire_Date": _day(person.hire_date),
            "Termination_Date": _day(terminated if terminated and terminated <= as_of else None),
            "Job_History_group": [
                _present(
                    {
                        "Effective_Date": _day(r.effective_date),
                        "Role_Code": r.role,
                        "PGY_Level": str(r.pgy_level) if r.pgy_level is not None else None,
                        "Department": r.department,
                        "Specialty": r.specialty,
                        "Academic_Program": r.program,
                        "Business_Title": r.title,
                    }
                )
                for r in person.history
                if r.effective_date <= as_of
            ],
        }
        if self.has_fault("drift_added"):
            row["Cost_Center"] = f"CC-{person.department[:3].upper()}-100"
        if self.has_fault("drift_renamed"):
            row["Worker_ID"] = row.pop("Employee_ID")
        if self.has_fault("drift_missing"):
            row.pop("Employee_ID")
        return _present(row)


def _present(row: dict[str, Any]) -> dict[str, Any]:
    """Workday leaves empty values (and empty groups) out of a row."""
    return {k: v for k, v in row.items() if v not in (None, "", [])}
