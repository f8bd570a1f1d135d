"""One entry point per quarterly output, shared by the ``leadership export`` command and the DAGs.

:func:`run_output` runs one output for a completed quarter and returns summary lines
(what was written where, with the manifest's row counts); ``all`` runs every one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leadership.exports.outbox import OutboxLocation, outbox_location

OUTPUTS = ["readiness", "oversight", "accreditation", "hr-summaries", "kpis", "fte"]


def _manifest_lines(written: dict[str, Any]) -> list[str]:
    files = written["files"]
    rows = sum(f["rows"] or 0 for f in files)
    return [
        f"{written['output']} {written['period']}: {len(files)} file(s), {rows} row(s) in "
        f"{written['location']}/{written['output']}/{written['period']} (manifest.json)"
    ]


def run_output(
    output: str,
    quarter: str,
    *,
    annual: int | None = None,
    location: OutboxLocation | None = None,
) -> list[str]:
    """Run one output (or ``all``) for the completed ``quarter``; summary lines."""
    from leadership.exports import accreditation, hr_summary, kpis, oversight, readiness

    location = location or outbox_location()
    if output == "all":
        return [
            line
            for name in OUTPUTS
            for line in run_output(name, quarter, annual=annual, location=location)
        ]
    if output == "readiness":
        return readiness.review_readiness(quarter, location=location).lines()
    runners: dict[str, Callable[[], Any]] = {
        "oversight": lambda: [oversight.run_oversight(quarter, location=location)],
        "accreditation": lambda: accreditation.run_accreditation(
            quarter, annual=annual, location=location
        ),
        "hr-summaries": lambda: [hr_summary.run_hr_summaries(quarter, location=location)],
        "kpis": lambda: [kpis.run_kpis(quarter, location=location)],
        "fte": lambda: [kpis.run_fte(quarter, location=location)],
    }
    if output not in runners:
        raise ValueError(f"unknown output {output!r}; use one of {', '.join(OUTPUTS)} or all")
    return [line for written in runners[output]() for line in _manifest_lines(written)]
