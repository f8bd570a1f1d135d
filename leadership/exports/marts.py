"""Reading the marts for an export: rows with their column names, and the columns' documentation.

The column descriptions come from the dbt models' yml files (the marts' contracts),
so the README sheet of a spreadsheet says what the warehouse docs say, never a copy
that drifts.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import yaml

from leadership import warehouse
from leadership.config import DBT_DIR
from leadership.matching.quarterly import quarter_start


class MartsMissing(RuntimeError):
    """A mart an export reads is not built; the message says what to run."""


def quarter_end(quarter: str) -> date:
    """The last day of a quarter like 2026Q3."""
    start = quarter_start(quarter)
    if start.month == 10:
        following = date(start.year + 1, 1, 1)
    else:
        following = date(start.year, start.month + 3, 1)
    return following - timedelta(days=1)


def quarters_of_year(year: int) -> list[str]:
    return [f"{year}Q{q}" for q in (1, 2, 3, 4)]


def query(sql: str, params: tuple[Any, ...] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only query; its column names and rows."""
    with warehouse.transaction() as conn:
        result = conn.exec_driver_sql(sql, params)
        return list(result.keys()), [tuple(r) for r in result.all()]


def records(sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    columns, rows = query(sql, params)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def require(*relations: str) -> None:
    """Raise MartsMissing unless every relation (``marts.fct_x``) exists."""
    with warehouse.transaction() as conn:
        missing = [
            r
            for r in relations
            if not conn.exec_driver_sql("select to_regclass(%s) is not null", (r,)).scalar()
        ]
    if missing:
        raise MartsMissing(
            f"{', '.join(missing)} not built: run the warehouse build first "
            "(`leadership dbt build`, or the warehouse_build DAG)"
        )


def plain(value: Any) -> Any:
    """A JSON-ready value: Decimal to int or float, dates to ISO text."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@cache
def _model_docs() -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    for path in sorted((DBT_DIR / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []) or []:
            docs[model["name"]] = model
    return docs


def model_description(model: str) -> str:
    return " ".join(str(_model_docs().get(model, {}).get("description", "")).split())


def column_docs(model: str) -> dict[str, str]:
    """Column name -> description (empty when the yml gives none) for a dbt model."""
    found = _model_docs().get(model)
    if found is None:
        raise KeyError(f"no dbt model {model} documented under {DBT_DIR / 'models'}")
    return {
        c["name"]: " ".join(str(c.get("description", "")).split()) for c in found.get("columns", [])
    }
