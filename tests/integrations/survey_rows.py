"""Survey streams in the warehouse versus the simulator's truth, row by row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from integrations.contracts import get_contract
from simulator.program import Program

SURVEY_STREAMS = [
    "confidence_answers",
    "satisfaction_ratings",
    "activity_logs",
    "mentor_contracts",
    "contract_deliverables",
    "career_interests",
]


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return "" if value is None else str(value)


def _key(row: tuple) -> tuple:
    return tuple(_text(v) for v in row)


def truth_rows(program: Program, stream: str) -> list[tuple]:
    """The truth's rows in contract column order ('' counts as missing, as in the warehouse)."""
    columns = get_contract(f"surveys__{stream}").column_names
    rows = [
        tuple(None if r.fields.get(c) == "" else r.fields.get(c) for c in columns)
        for r in program.survey_rows(stream)
    ]
    return sorted(rows, key=_key)


def warehouse_rows(sql: Callable[..., list[tuple]], stream: str) -> list[tuple[Any, ...]]:
    columns = get_contract(f"surveys__{stream}").column_names
    rows = sql(f"select {', '.join(columns)} from raw.surveys__{stream}")
    return sorted(rows, key=_key)
