"""Workday Report-as-a-Service (RaaS) connector: workers and their job history (feed ``hr``).

What it speaks (Workday RaaS, the ``customreport2`` service):
- ``GET {host}/ccx/service/customreport2/{tenant}/{report_owner}/{report}?format=json``,
  Basic auth as an Integration System User (ISU). The report must be an Advanced
  custom report enabled as a web service; its URL is under Actions > Web Service >
  View URLs.
- No pagination: the whole report comes in one response, rows under ``Report_Entry``.
  Multi-instance fields come as ``<Name>_group`` arrays of objects inside each row:
  the job history is such a group (``Job_History_group`` by default), so one report
  fetch serves both streams (the connector caches it per sync).
- Prompts are query parameters; dates are written ``2026-10-01-07:00`` (the date and
  a UTC offset). ``Effective_as_of_Date`` asks for the report as of a date (today in
  the prompts' offset, or ``effective_as_of`` when set). Incremental syncs need a
  "changed since" prompt built into the report by its author (``incremental_prompt``,
  e.g. ``Updated_From``): it should select the workers with a worker event on or
  after the date. Without it every sync is a full snapshot.
- Column names are whatever the report author chose (each column's XML alias), so
  they are configuration (``field_map``), not code. Workday leaves empty values out
  of the JSON; an absent column is an empty value.
- Errors come as JSON (``{"error": ..., "errors": [{"error": ...}]}``) with a 4xx/5xx
  status; the connector turns 4xx answers into a message that says what to check.

Connection ``workday_default``: host = the services host (e.g.
``https://wd2-impl-services1.workday.com``), login / password = the ISU; extra:
``tenant``, ``report_owner``, ``report`` (default ``Leadership_Workers``),
``incremental_prompt`` (optional), ``effective_as_of`` (optional fixed date, for
replays), ``prompt_utc_offset`` (default ``-07:00``), ``effective_date_prompt``
(default ``Effective_as_of_Date``; empty to send none), ``field_map`` (optional):
``{"workers": {"<column>": "<contract column>"}, "job_history": {...},
"history_group": "Job_History_group"}``, each entry replacing the default column
for that contract column; plus the usual http options (``timeout``, ``max_attempts``, ...).

Bookmark: ``{"changed_since": <the effective date of the last sync>}``; the next
sync sends it as the changed-since prompt (inclusive, so that day is read twice and
raw's versioning absorbs the overlap).

Sources relied on: Workato's Workday RaaS connector documentation (URL shape,
``format=json``, prompts as request parameters, Advanced reports, View URLs);
Workday's own ``raas-python`` client and Faros AI's Airbyte Workday source (rows
under ``Report_Entry``, ``/ccx/service/customreport2/{tenant}/...``); the workdayr
R client (``Effective_as_of_Date='2018-10-01-07:00'``); Workday XSLT samples over
``wd:Report_Entry/wd:*_group`` (multi-instance groups); /work/shared/SOURCES.md.
"""

from integrations.workday.client import Workday

__all__ = ["Workday"]
